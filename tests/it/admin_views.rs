//! A readable audit log and the per-role permissions page (issue 13 items 14 and 15).

use axum::http::StatusCode;
use hearth::platform::audit::{self, AuditMeta, Event};
use serde_json::json;
use uuid::Uuid;

use crate::helpers::*;

async fn register(app: &mut TestApp, given: &str, family: &str) -> String {
    app.register_patient(&[
        ("given_name", given),
        ("family_name", family),
        ("sex", "female"),
        ("birth_date", "1970-05-01"),
    ])
    .await
}

async fn mrn(app: &TestApp, pid: &str) -> String {
    sqlx::query_scalar("SELECT mrn FROM patients WHERE id = $1::uuid").bind(pid).fetch_one(&app.pool).await.unwrap()
}

#[tokio::test]
async fn the_audit_log_names_patients_reads_changes_and_filters_by_name_and_access() {
    let (mut app, _) = TestApp::signed_in("super_admin").await;
    let ada = register(&mut app, "Ada", "Lovelace").await;
    let bob = register(&mut app, "Bob", "Marley").await;
    let ada_mrn = mrn(&app, &ada).await;
    let ada_id: Uuid = ada.parse().unwrap();
    audit::record_now(
        &app.pool,
        &AuditMeta::system("test"),
        Event::new("test.change", "note", 1).patient(ada_id).changes(json!({
            "status": {"from": "draft", "to": "signed"},
            "body": {"changed": true, "encrypted": true},
            "reason": "Wrong patient",
        })),
    )
    .await
    .unwrap();
    // Reading records: access events.
    let mut doctor = app.another_client();
    doctor.login(&app.user("doctor").await, PASSWORD).await;
    assert_eq!(doctor.get(&format!("/patients/{ada}")).await.status, StatusCode::OK);
    assert_eq!(doctor.get(&format!("/patients/{bob}")).await.status, StatusCode::OK);

    let page = app.get("/audit").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Lovelace, Ada") && page.body.contains(&ada_mrn), "names and MRNs shown");
    assert!(page.body.contains("status: draft → signed"), "{}", page.body);
    assert!(page.body.contains("body: changed (encrypted value not logged)"));
    assert!(page.body.contains("reason: Wrong patient"));
    assert!(!page.body.contains("{&quot;status&quot;"), "no raw JSON");

    // By name: only that patient's events (this used to find nothing).
    let page = app.get("/audit?patient=Lovelace").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("test.change") && page.body.contains("patient.view"));
    assert!(!page.body.contains("Marley"), "{}", page.body);
    // By MRN still, and an unknown name says so.
    let page = app.get(&format!("/audit?patient={ada_mrn}")).await;
    assert!(page.body.contains("test.change"));
    let page = app.get("/audit?patient=Nobodyknows").await;
    assert!(page.body.contains("No patient matches “Nobodyknows”"), "{}", page.body);
    // Access only: the views, not the change.
    let page = app.get("/audit?patient=Lovelace&access=on").await;
    assert!(page.body.contains("<td class=\"mono\">patient.view</td>"), "{}", page.body);
    assert!(!page.body.contains("<td class=\"mono\">test.change</td>"));
    assert!(page.body.contains("name=\"access\" type=\"checkbox\" value=\"on\" checked"));
    // The CSV follows the same filters.
    let csv = app.get("/audit/export.csv?patient=Lovelace&access=on").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.lines().skip(1).all(|l| l.contains("patient.view")), "{}", csv.body);
    assert!(csv.body.lines().count() >= 2, "{}", csv.body);
}

#[tokio::test]
async fn the_audit_log_hides_the_name_of_a_restricted_record() {
    let (mut app, _) = TestApp::signed_in("receptionist").await;
    let ada = register(&mut app, "Ada", "Lovelace").await;
    let ada_mrn = mrn(&app, &ada).await;
    sqlx::query("UPDATE patients SET restricted = true WHERE id = $1::uuid")
        .bind(&ada)
        .execute(&app.pool)
        .await
        .unwrap();
    // A doctor given audit.read, neither on the care team nor holding patients.restricted.
    sqlx::query("INSERT INTO role_permissions (role_code, permission_code) VALUES ('doctor', 'audit.read')")
        .execute(&app.pool)
        .await
        .unwrap();
    let mut doctor = app.another_client();
    doctor.login(&app.user("doctor").await, PASSWORD).await;
    let page = doctor.get("/audit").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("Lovelace"), "{}", page.body);
    assert!(page.body.contains("Restricted record") && page.body.contains(&ada_mrn));
    assert!(page.body.contains("Withheld: restricted record"), "the registration's changes name the patient");
    let csv = doctor.get("/audit/export.csv").await;
    assert!(!csv.body.contains("Lovelace") && csv.body.contains("Withheld: restricted record"), "{}", csv.body);
    let page = doctor.get("/audit?patient=Lovelace").await;
    assert!(page.body.contains("No patient matches"), "the name search does not reveal a restricted record");
}

async fn role_perms(app: &TestApp, role: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT permission_code FROM role_permissions WHERE role_code = $1 ORDER BY 1")
        .bind(role)
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

fn perm_fields(perms: &[String]) -> Vec<(&str, &str)> {
    perms.iter().map(|p| ("perm", p.as_str())).collect()
}

#[tokio::test]
async fn a_role_is_edited_on_its_own_page_with_a_summary_to_confirm() {
    let (mut app, _) = TestApp::signed_in("super_admin").await;
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM permissions").fetch_one(&app.pool).await.unwrap();
    let before = role_perms(&app, "pharmacist").await;
    let overview = app.get("/admin/roles").await;
    assert_eq!(overview.status, StatusCode::OK);
    assert!(overview.body.contains("href=\"/admin/roles/pharmacist\""));
    assert!(overview.body.contains(&format!("{} of {total}", before.len())), "{}", overview.body);
    assert!(!overview.body.contains("name=\"grant\""), "no 190-checkbox matrix any more");

    let page = app.get("/admin/roles/pharmacist").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<legend>Patients") && page.body.contains("<legend>Clinical record"), "{}", page.body);
    assert!(page.body.contains("id=\"perm-patients.write\" name=\"perm\" value=\"patients.write\" aria-describedby"));
    assert!(page.body.contains("View and record patients") || page.body.contains("patients.write"));

    // Add patients.write, remove chart.read: the summary, nothing saved yet.
    let mut wanted: Vec<String> = before.iter().filter(|p| *p != "chart.read").cloned().collect();
    wanted.push("patients.write".into());
    let preview = app.post_form("/admin/roles/pharmacist/preview", &perm_fields(&wanted)).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert!(preview.body.contains("Granted (1)") && preview.body.contains("Removed (1)"), "{}", preview.body);
    let added = &preview.body[preview.body.find("Granted (1)").unwrap()..];
    assert!(added.contains("patients.write"));
    let removed = &preview.body[preview.body.find("Removed (1)").unwrap()..];
    assert!(removed.contains("chart.read"));
    assert_eq!(role_perms(&app, "pharmacist").await, before, "a preview changes nothing");
    // "Change the selection" brings the page back with the selection.
    let mut back = perm_fields(&wanted);
    back.push(("back", "1"));
    let again = app.post_form("/admin/roles/pharmacist/preview", &back).await;
    assert!(again.body.contains("value=\"patients.write\" checked"), "{}", again.body);
    // Confirm.
    let r = app.post_form("/admin/roles/pharmacist", &perm_fields(&wanted)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mut expect = wanted.clone();
    expect.sort();
    assert_eq!(role_perms(&app, "pharmacist").await, expect);
    let changes: serde_json::Value = sqlx::query_scalar(
        "SELECT changes FROM audit_events WHERE action = 'roles.update' AND entity_id = 'pharmacist'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(changes, json!({"added": ["patients.write"], "removed": ["chart.read"]}));
    // It takes effect.
    let mut pharm = app.another_client();
    pharm.login(&app.user("pharmacist").await, PASSWORD).await;
    assert_eq!(pharm.get("/patients/new").await.status, StatusCode::OK);

    // Nothing changed, unknown codes, the super admin role, an unknown role: refused in words.
    let r = app.post_form("/admin/roles/pharmacist/preview", &perm_fields(&expect)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Nothing to save"));
    let r = app.post_form("/admin/roles/pharmacist/preview", &[("perm", "rockets.launch")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Unknown permission: rockets.launch"));
    let r = app.post_form("/admin/roles/pharmacist", &[("perm", "rockets.launch")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(role_perms(&app, "pharmacist").await, expect);
    let r = app.post_form("/admin/roles/super_admin/preview", &[("perm", "chart.read")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.get("/admin/roles/no_such_role").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_editor_cannot_grant_or_remove_what_they_do_not_hold() {
    let mut app = TestApp::new().await;
    // A hospital admin given roles.manage, without notes.sign.
    sqlx::query("INSERT INTO role_permissions (role_code, permission_code) VALUES ('hospital_admin', 'roles.manage')")
        .execute(&app.pool)
        .await
        .unwrap();
    let ha = app.user("hospital_admin").await;
    app.login(&ha, PASSWORD).await;
    let page = app.get("/admin/roles/pharmacist").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("you do not hold this permission, so you cannot change it"));
    let before = role_perms(&app, "pharmacist").await;
    let mut wanted = before.clone();
    wanted.push("notes.sign".into());
    let r = app.post_form("/admin/roles/pharmacist/preview", &perm_fields(&wanted)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("You may not grant or remove notes.sign"), "{}", r.body);
    let r = app.post_form("/admin/roles/pharmacist", &perm_fields(&wanted)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Nor remove it from the doctors.
    let doctor: Vec<String> = role_perms(&app, "doctor").await.into_iter().filter(|p| p != "notes.sign").collect();
    let r = app.post_form("/admin/roles/doctor", &perm_fields(&doctor)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(role_perms(&app, "doctor").await.contains(&"notes.sign".to_string()));
    assert_eq!(role_perms(&app, "pharmacist").await, before);
    // A nurse may not open the page at all.
    let mut nurse = app.another_client();
    nurse.login(&app.user("nurse").await, PASSWORD).await;
    assert_eq!(nurse.get("/admin/roles/doctor").await.status, StatusCode::FORBIDDEN);
    assert_eq!(nurse.post_form("/admin/roles/doctor", &[]).await.status, StatusCode::FORBIDDEN);
}

/// Item 9: the audit list and the start page show facility local time, not UTC.
#[tokio::test]
async fn the_audit_list_and_start_page_show_facility_local_time() {
    let mut app = TestApp::new().await;
    sqlx::query("UPDATE facilities SET timezone = 'Asia/Kolkata' WHERE id = $1")
        .bind(app.facility_id)
        .execute(&app.pool)
        .await
        .unwrap();
    // A super admin in the facility (audit.read, and clinician of an encounter).
    let email = app.user("super_admin").await;
    app.login(&email, PASSWORD).await;
    let uid: Uuid =
        sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(&email).fetch_one(&app.pool).await.unwrap();
    let ada = register(&mut app, "Ada", "Lovelace").await;
    let ist = time::UtcOffset::from_hms(5, 30, 0).unwrap();
    let at: time::OffsetDateTime = sqlx::query_scalar(
        "INSERT INTO encounters (id, patient_id, kind, status, clinician_id, starts_at)
         VALUES ($1, $2::uuid, 'outpatient', 'arrived', $3, date_trunc('minute', now())) RETURNING starts_at",
    )
    .bind(Uuid::new_v4())
    .bind(&ada)
    .bind(uid)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let local = at.to_offset(ist);
    let utc = at.to_offset(time::UtcOffset::UTC);
    // Pages write dates and times in the reader's locale (English here).
    let en = hearth::formats::Formats::for_tag("en");
    let hm = |t: time::OffsetDateTime| en.datetime(time::PrimitiveDateTime::new(t.date(), t.time()));
    let home = app.get("/").await;
    let panel = &home.body[home.body.find("panel-encounters-today").expect("the encounters panel")..];
    assert!(panel.contains(&hm(local)), "{panel}");
    assert!(!panel.contains(&hm(utc)), "no UTC time in the panel");

    let login: time::OffsetDateTime =
        sqlx::query_scalar("SELECT occurred_at FROM audit_events WHERE action = 'auth.login' ORDER BY id DESC LIMIT 1")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let l = login.to_offset(ist);
    let page = app.get("/audit?action=auth.login").await;
    assert!(page.body.contains("Time (Asia/Kolkata)"));
    assert!(page.body.contains(&format!("{}:{:02}", hm(l), l.second())), "{}", page.body);
}
