//! The clinical record (chart): pages, API, validation, RBAC, encryption and audit.

use axum::http::{Method, StatusCode};
use hearth::platform::crypto::KeyRing;
use hearth::platform::keys;
use serde_json::json;

use crate::helpers::*;

/// Registers a patient (born 1970-05-01) through the UI and returns its id.
async fn patient(app: &mut TestApp) -> String {
    let r = app
        .post_form(
            "/patients",
            &[("given_name", "Clara"), ("family_name", "Barton"), ("sex", "female"), ("birth_date", "1970-05-01")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.location().trim_start_matches("/patients/").to_string()
}

async fn count(app: &TestApp, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table}")).fetch_one(&app.pool).await.unwrap()
}

fn first_href_id(body: &str, prefix: &str) -> String {
    let start = body.find(prefix).unwrap_or_else(|| panic!("no {prefix} in page")) + prefix.len();
    body[start..start + 36].to_string()
}

#[tokio::test]
async fn chart_pages_render_with_banner_and_are_audited() {
    let (mut app, _) = TestApp::signed_in("doctor").await;
    let pid = patient(&mut app).await;
    let show = app.get(&format!("/patients/{pid}")).await;
    assert!(show.body.contains(&format!("href=\"/patients/{pid}/chart\"")), "Open chart link");
    for section in ["chart", "encounters", "problems", "allergies", "vitals", "notes", "medications", "summary"] {
        let page = app.get(&format!("/patients/{pid}/{section}")).await;
        assert_eq!(page.status, StatusCode::OK, "{section}: {}", page.body);
        assert!(page.body.contains("Barton, Clara"), "{section}: banner name");
        assert!(page.body.contains("TST-000001"), "{section}: banner MRN");
        assert!(page.body.contains("Allergies not recorded"), "{section}: allergy state");
        assert!(page.body.contains("aria-label=\"Chart sections\""), "{section}: tabs");
        assert!(!page.body.contains("style="), "{section}: CSP forbids inline style");
        assert!(!page.body.contains("<script>"), "{section}: no inline script");
    }
    assert_eq!(app.audit_count("chart.view").await, 8);
    let with_patient: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE action = 'chart.view' AND patient_id::text = $1")
            .bind(&pid)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(with_patient, 8);
    assert_eq!(app.get("/patients/00000000-0000-0000-0000-000000000000/chart").await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/patients/not-a-uuid/problems").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn chart_permissions_by_role() {
    let mut app = TestApp::new().await;
    let doctor = app.user("doctor").await;
    app.login(&doctor, PASSWORD).await;
    let pid = patient(&mut app).await;

    let mut rec = app.another_client();
    rec.login(&app.user("receptionist").await, PASSWORD).await;
    for section in ["chart", "problems", "vitals", "notes", "summary"] {
        let r = rec.get(&format!("/patients/{pid}/{section}")).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "receptionist {section}");
    }
    assert_eq!(rec.get("/icd10").await.status, StatusCode::FORBIDDEN);
    let show = rec.get(&format!("/patients/{pid}")).await;
    assert_eq!(show.status, StatusCode::OK, "receptionists keep the registry");
    assert!(!show.body.contains("Open chart"));

    let mut pharm = app.another_client();
    pharm.login(&app.user("pharmacist").await, PASSWORD).await;
    assert_eq!(pharm.get(&format!("/patients/{pid}/chart")).await.status, StatusCode::OK);
    let r = pharm.post_form(&format!("/patients/{pid}/problems"), &[("icd_code", "I10")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "pharmacists read charts only");
    assert_eq!(count(&app, "problems").await, 0);

    // An ED coordinator (chart.write without notes.sign) writes a draft but cannot sign it; nor
    // can the doctor (signing is the author's act).
    let mut nurse = app.another_client();
    nurse.login(&app.user("ed_coordinator").await, PASSWORD).await;
    let r = nurse
        .post_form(
            &format!("/patients/{pid}/notes"),
            &[("template", "progress"), ("title", "Obs"), ("body", "Stable.")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let note = r.location().to_string();
    let page = nurse.get(&note).await;
    assert!(!page.body.contains("Sign note"), "no sign button without notes.sign");
    assert_eq!(nurse.post_form(&format!("{note}/sign"), &[]).await.status, StatusCode::FORBIDDEN);
    let r = nurse
        .post_form(
            &format!("/patients/{pid}/notes"),
            &[("template", "free"), ("title", "X"), ("body", "Y"), ("action", "sign")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "nor sign on saving");
    assert_eq!(count(&app, "notes").await, 1);
    assert_eq!(app.post_form(&format!("{note}/sign"), &[]).await.status, StatusCode::FORBIDDEN);
    let status: String = sqlx::query_scalar("SELECT status FROM notes").fetch_one(&app.pool).await.unwrap();
    assert_eq!(status, "draft");
}

#[tokio::test]
async fn problems_accept_only_valid_billable_codes_and_dates() {
    let (mut app, _) = TestApp::signed_in("doctor").await;
    let pid = patient(&mut app).await;
    let url = format!("/patients/{pid}/problems");
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("icd_code", "XYZ.123")], "XYZ.123 is not an ICD-10-CM code"),
        (&[("icd_code", "E11")], "is a heading, not a billable code"),
        (&[("icd_code", "")], "Enter an ICD-10-CM code"),
        (&[("icd_code", "E11.9"), ("onset_date", "2999-01-01")], "The onset date is in the future"),
        (&[("icd_code", "E11.9"), ("onset_date", "1960-01-01")], "before the patient&#39;s date of birth"),
        (&[("icd_code", "E11.9"), ("onset_date", "yesterday")], "Use the form YYYY-MM-DD"),
    ];
    for (fields, msg) in cases {
        let r = app.post_form(&url, fields).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}");
        assert!(r.body.contains(msg), "{fields:?}: expected {msg:?}");
        assert!(r.body.contains("Nothing was saved"));
    }
    assert_eq!(count(&app, "problems").await, 0);
    assert_eq!(app.audit_count("problem.create").await, 0);

    let r = app.post_form(&url, &[("icd_code", "e119"), ("onset_date", "2015-03-01"), ("comment", "diet")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get(&url).await;
    assert!(page.body.contains("Type 2 diabetes mellitus without complications"));
    assert!(page.body.contains("Mar 1, 2015"), "the onset in the reader's format");
    assert_eq!(app.audit_count("problem.create").await, 1);
    // The database refuses a non-billable code even past the application.
    let err = sqlx::query("UPDATE problems SET icd_code = 'E11'").execute(&app.pool).await;
    assert!(err.is_err());

    let prob = first_href_id(&page.body, &format!("action=\"/patients/{pid}/problems/"));
    let r = app
        .post_form(
            &format!("{url}/{prob}/status"),
            &[("status", "resolved"), ("confirm", "yes"), ("reason", "HbA1c normal")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let resolved: (String, Option<time::Date>) =
        sqlx::query_as("SELECT status, resolved_date FROM problems").fetch_one(&app.pool).await.unwrap();
    assert_eq!(resolved.0, "resolved");
    assert!(resolved.1.is_some());
    let chart = app.get(&format!("/patients/{pid}/chart")).await;
    assert!(chart.body.contains("No active problems recorded."), "resolved problems leave the active list");
    assert!(chart.body.contains("E11.9 Type 2 diabetes"), "and stay in the timeline");
}

#[tokio::test]
async fn icd10_search_browse_and_api() {
    let (mut app, email) = TestApp::signed_in("nurse").await;
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM icd10_codes").fetch_one(&app.pool).await.unwrap();
    assert_eq!(count, 98_466, "the whole code list is loaded");
    assert_eq!(hearth::modules::ehr::icd::ensure_loaded(&app.pool).await.unwrap(), 0, "idempotent");

    let r = app.get("/icd10?q=E11.9").await;
    assert!(r.body.contains("Type 2 diabetes mellitus without complications"));
    let r = app.get("/icd10?q=essential%20hypertension").await;
    assert!(r.body.contains("I10"));
    let root = app.get("/icd10").await;
    assert!(root.body.contains("Chapter 4") && root.body.contains("Endocrine, nutritional and metabolic diseases"));
    let node = app.get("/icd10?code=E11").await;
    assert!(node.body.contains("E11.9") && node.body.contains("Diabetes mellitus (E08-E13)"), "children and ancestors");
    assert_eq!(app.get("/icd10?code=NOPE").await.status, StatusCode::NOT_FOUND);
    let partial = app.get("/icd10/search?q=asthma").await;
    assert!(partial.body.contains("J45") && !partial.body.contains("<html"));
    // Ranked clinically: the usual code before family history (issue 13).
    let j = partial.body.find("J45.909").expect("J45.909 listed");
    assert!(partial.body.find("Z82.5").is_none_or(|z| j < z), "J45.909 before Z82.5");
    let options = app.get("/icd10/options?icd_code=J45.90").await;
    assert!(options.body.contains("<option value=\"J45.909\"") && !options.body.contains("value=\"J45.90\""));

    let token = app.api_token(&email).await;
    let r = app.api(Method::GET, "/api/v1/icd10?q=J45.909", Some(&token), None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()[0]["code"], "J45.909");
    assert_eq!(r.json()[0]["billable"], true);
    let r = app.api(Method::GET, "/api/v1/icd10?q=asthma&billable=true&limit=5", Some(&token), None).await;
    assert_eq!(r.json()[0]["code"], "J45.909", "{}", r.body);
    let r = app.api(Method::GET, "/api/v1/icd10?q=a&limit=0", Some(&token), None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.content_type(), "application/problem+json");
}

#[tokio::test]
async fn banner_distinguishes_no_known_allergies_from_not_recorded() {
    let (mut app, _) = TestApp::signed_in("nurse").await;
    let pid = patient(&mut app).await;
    let url = format!("/patients/{pid}/allergies");
    assert!(app.get(&url).await.body.contains("Allergies not recorded"));

    assert_eq!(app.post_form(&format!("{url}/nka"), &[]).await.status, StatusCode::SEE_OTHER);
    let chart = app.get(&format!("/patients/{pid}/chart")).await;
    assert!(chart.body.contains("No known allergies") && !chart.body.contains("Allergies not recorded"));
    assert_eq!(app.audit_count("allergy.nka").await, 1);

    // Bad input changes nothing.
    let r = app.post_form(&url, &[("substance", ""), ("severity", "deadly")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Choose a substance") && r.body.contains("Choose mild, moderate"));
    let r = app.post_form(&url, &[("substance_code", "kryptonite"), ("severity", "mild")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(count(&app, "allergies").await, 0);

    // An allergy replaces "no known allergies".
    let r = app
        .post_form(
            &url,
            &[("substance_code", "penicillin"), ("reaction", "Anaphylaxis"), ("severity", "life_threatening")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let chart = app.get(&format!("/patients/{pid}/chart")).await;
    assert!(chart.body.contains("Penicillins"));
    assert!(chart.body.contains("Life-threatening allergy: Penicillins"), "alert");
    assert!(!chart.body.contains("No known allergies") && !chart.body.contains("Allergies not recorded"));
    assert_eq!(count(&app, "allergy_nka").await, 0);
    let r = app.post_form(&url, &[("substance", "Strawberries"), ("category", "food"), ("severity", "mild")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    // NKA while allergies are active is refused.
    let r = app.post_form(&format!("{url}/nka"), &[]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("2 active allergies"));
    assert_eq!(count(&app, "allergy_nka").await, 0);
    assert_eq!(app.audit_count("allergy.create").await, 2);
}

#[tokio::test]
async fn vitals_validate_each_field_and_draw_svg_trends() {
    let (mut app, _) = TestApp::signed_in("nurse").await;
    let pid = patient(&mut app).await;
    let url = format!("/patients/{pid}/vitals");
    let r = app
        .post_form(
            &url,
            &[
                ("temperature_c", "50"),
                ("bp_systolic", "80"),
                ("bp_diastolic", "90"),
                ("pulse", "abc"),
                ("spo2", "101"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for msg in [
        "Temperature must be between 25 and 45 °C.",
        "Diastolic pressure must be lower than systolic.",
        "Enter a number.",
        "SpO2 must be between 50 and 100 %.",
    ] {
        assert!(r.body.contains(msg), "{msg}");
    }
    assert!(r.body.contains("id=\"temperature_c-error\""), "error tied to its field");
    assert!(r.body.contains("value=\"abc\""), "keeps what was typed");
    let r = app.post_form(&url, &[]).await;
    assert!(r.body.contains("Enter at least one measurement"));
    let r = app.post_form(&url, &[("pulse", "70"), ("taken_at", "2999-01-01T10:00")]).await;
    assert!(r.body.contains("in the future"));
    assert_eq!(count(&app, "vitals").await, 0);

    for (at, t, w) in [("2026-01-02T08:00", "37.1", "70"), ("2026-01-03T08:00", "38,4", "71.5")] {
        let r = app
            .post_form(
                &url,
                &[
                    ("taken_at", at),
                    ("temperature_c", t),
                    ("pulse", "88"),
                    ("bp_systolic", "128"),
                    ("bp_diastolic", "82"),
                    ("spo2", "97"),
                    ("weight_kg", w),
                    ("height_cm", "175"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let bmi: Vec<f64> =
        sqlx::query_scalar("SELECT bmi FROM vitals ORDER BY taken_at").fetch_all(&app.pool).await.unwrap();
    assert_eq!(bmi, vec![22.9, 23.3]);
    let page = app.get(&url).await;
    assert!(page.body.contains("<svg class=\"chart-svg\""), "SVG chart");
    assert!(page.body.contains("role=\"img\"") && page.body.contains("<details class=\"chart-data\">"), "accessible");
    assert!(page.body.contains("<polyline") && page.body.contains("38.4"));
    assert!(page.body.contains("Temperature (°C) · latest 38.4"));
    assert!(!page.body.contains("style="));
    // The database holds the same limits.
    let err = sqlx::query(
        "INSERT INTO vitals (id, patient_id, taken_at, temperature_c) VALUES (gen_random_uuid(), $1::uuid, now(), 60)",
    )
    .bind(&pid)
    .execute(&app.pool)
    .await;
    assert!(err.is_err());
    assert_eq!(app.audit_count("vitals.create").await, 2);
}

#[tokio::test]
async fn notes_are_encrypted_signed_locked_and_amended() {
    let (mut app, _) = TestApp::signed_in("doctor").await;
    let pid = patient(&mut app).await;
    let secret = "Patient disclosed confidential history XYZZY";
    let r = app.get(&format!("/patients/{pid}/notes/new?template=soap")).await;
    assert!(r.body.contains("Subjective:") && r.body.contains("Plan:"), "SOAP template");
    let r = app
        .post_form(&format!("/patients/{pid}/notes"), &[("template", "soap"), ("title", "Visit"), ("body", "")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Write the note"));
    let r = app
        .post_form(
            &format!("/patients/{pid}/notes"),
            &[("template", "soap"), ("title", "Visit"), ("body", &format!("Subjective:\n{secret}"))],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let note = r.location().to_string();

    // Not stored in plaintext, not in the audit log.
    let raw: Vec<u8> = sqlx::query_scalar("SELECT body_enc FROM notes").fetch_one(&app.pool).await.unwrap();
    assert!(!raw.windows(5).any(|w| w == b"XYZZY"));
    assert_eq!(KeyRing::version_of(&raw), Some(1));
    let row_text: String = sqlx::query_scalar("SELECT n::text FROM notes n").fetch_one(&app.pool).await.unwrap();
    assert!(!row_text.contains("XYZZY"));

    // Drafts are editable by their author.
    let r = app.post_form(&note, &[("title", "Visit (edited)"), ("body", &format!("{secret}\nEdited."))]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(app.get(&note).await.body.contains("Edited."));

    // Signing locks it.
    assert_eq!(app.post_form(&format!("{note}/sign"), &[("confirm", "yes")]).await.status, StatusCode::SEE_OTHER);
    let page = app.get(&note).await;
    assert!(page.body.contains("Signed · locked") && page.body.contains("Signed by"));
    assert!(page.body.contains("XYZZY"), "an authorised reader sees the text");
    let r = app.post_form(&note, &[("title", "Changed"), ("body", "Rewritten history")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("signed and locked"));
    assert_eq!(app.post_form(&format!("{note}/sign"), &[("confirm", "yes")]).await.status, StatusCode::CONFLICT);
    // ... in SQL too.
    assert!(sqlx::query("UPDATE notes SET title = 'sneaky'").execute(&app.pool).await.is_err());
    assert!(sqlx::query("DELETE FROM notes").execute(&app.pool).await.is_err());
    let title: String = sqlx::query_scalar("SELECT title FROM notes").fetch_one(&app.pool).await.unwrap();
    assert_eq!(title, "Visit (edited)");

    // Corrections only as addenda, also encrypted.
    let r = app.post_form(&format!("{note}/addenda"), &[("body", "Correction: allergy PLUGH was reported")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = app.get(&note).await;
    assert!(page.body.contains("Correction: allergy PLUGH was reported") && page.body.contains("Addendum by"));
    let raw: Vec<u8> = sqlx::query_scalar("SELECT body_enc FROM note_addenda").fetch_one(&app.pool).await.unwrap();
    assert!(!raw.windows(5).any(|w| w == b"PLUGH"));

    for action in ["note.create", "note.update", "note.sign", "note.addendum"] {
        assert_eq!(app.audit_count(action).await, 1, "{action}");
    }
    let audit_text: String =
        sqlx::query_scalar("SELECT string_agg(a::text, ' ') FROM audit_events a").fetch_one(&app.pool).await.unwrap();
    assert!(!audit_text.contains("XYZZY") && !audit_text.contains("PLUGH"), "no note text in the audit log");

    // Key rotation re-encrypts signed notes and addenda (the lock allows exactly that).
    let v = keys::activate_next(&app.pool).await.unwrap();
    app.state.keys.set_active_version(v);
    keys::reencrypt_all(&app.pool, &app.state.keys, &hearth::REGISTRY, v, |_, _, _| {}).await.unwrap();
    let raw: Vec<u8> = sqlx::query_scalar("SELECT body_enc FROM notes").fetch_one(&app.pool).await.unwrap();
    assert_eq!(KeyRing::version_of(&raw), Some(v));
    assert!(app.get(&note).await.body.contains("XYZZY"));
}

#[tokio::test]
async fn encounters_follow_the_status_flow() {
    let (mut app, _) = TestApp::signed_in("doctor").await;
    let pid = patient(&mut app).await;
    let dept = uuid::Uuid::new_v4();
    sqlx::query("INSERT INTO departments (id, facility_id, code, name) VALUES ($1, $2, 'MED', 'Internal Medicine')")
        .bind(dept)
        .bind(app.facility_id)
        .execute(&app.pool)
        .await
        .unwrap();
    let url = format!("/patients/{pid}/encounters");
    let form = app.get(&url).await;
    assert!(form.body.contains("Internal Medicine"), "departments offered");
    let r = app.post_form(&url, &[("kind", "teleport"), ("department_id", "nope"), ("starts_at", "soon")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Choose the kind") && r.body.contains("Use the form YYYY-MM-DDTHH:MM"));
    let r = app.post_form(&url, &[("kind", "outpatient"), ("clinician_id", &uuid::Uuid::new_v4().to_string())]).await;
    assert!(r.body.contains("attending clinician must be an active user"));
    assert_eq!(count(&app, "encounters").await, 0);

    let me: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM users WHERE display_name = 'doctor'").fetch_one(&app.pool).await.unwrap();
    let r = app
        .post_form(
            &url,
            &[
                ("kind", "outpatient"),
                ("department_id", &dept.to_string()),
                ("clinician_id", &me.to_string()),
                ("reason", "Chest pain review"),
                ("starts_at", "2026-02-03T09:30"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get(&url).await;
    assert!(page.body.contains("Chest pain review") && page.body.contains("Feb 3, 2026, 09:30"));
    let eid = first_href_id(&page.body, &format!("action=\"/patients/{pid}/encounters/"));
    let status = |s: &'static str| vec![("status", s)];
    let go = format!("{url}/{eid}/status");
    assert_eq!(app.post_form(&go, &status("finished")).await.status, StatusCode::CONFLICT, "planned -> finished");
    assert_eq!(app.post_form(&go, &status("arrived")).await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.post_form(&go, &status("in_progress")).await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.post_form(&go, &status("finished")).await.status, StatusCode::SEE_OTHER);
    let r = app.post_form(&go, &status("arrived")).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("An encounter that is finished cannot become arrived"));
    assert!(sqlx::query("UPDATE encounters SET status = 'planned'").execute(&app.pool).await.is_err(), "SQL guard");
    let (st, ended): (String, Option<time::OffsetDateTime>) =
        sqlx::query_as("SELECT status, ended_at FROM encounters").fetch_one(&app.pool).await.unwrap();
    assert_eq!(st, "finished");
    assert!(ended.is_some());
    assert_eq!(app.audit_count("encounter.status").await, 3);
    let chart = app.get(&format!("/patients/{pid}/chart")).await;
    assert!(
        chart.body.contains("Outpatient encounter")
            && chart.body.contains("Internal Medicine · doctor · Chest pain review")
    );
}

#[tokio::test]
async fn home_medications_and_printable_summary() {
    let (mut app, _) = TestApp::signed_in("doctor").await;
    let pid = patient(&mut app).await;
    let url = format!("/patients/{pid}/medications");
    let r = app.post_form(&url, &[("name", ""), ("route", "telepathic"), ("start_date", "1900-01-01")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("Enter the medication")
            && r.body.contains("Choose a route")
            && r.body.contains("before the patient")
    );
    for (name, dose) in [("Metformin", "500 mg"), ("Ramipril", "5 mg")] {
        let r = app
            .post_form(
                &url,
                &[
                    ("name", name),
                    ("dose", dose),
                    ("route", "oral"),
                    ("frequency", "twice daily"),
                    ("start_date", "2020-01-01"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let page = app.get(&url).await;
    let mid = first_href_id(&page.body, &format!("action=\"/patients/{pid}/medications/"));
    assert_eq!(
        app.post_form(&format!("{url}/{mid}/status"), &[("status", "stopped")]).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.post_form(&format!("{url}/{mid}/status"), &[("status", "stopped")]).await.status,
        StatusCode::CONFLICT
    );
    let active: i64 = sqlx::query_scalar("SELECT count(*) FROM home_medications WHERE status = 'active'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(active, 1);
    app.post_form(&format!("/patients/{pid}/problems"), &[("icd_code", "I10")]).await;
    let summary = app.get(&format!("/patients/{pid}/summary")).await;
    assert_eq!(summary.status, StatusCode::OK);
    assert!(summary.body.contains("Patient summary") && summary.body.contains("class=\"print-only summary-head\""));
    assert!(summary.body.contains("Essential (primary) hypertension"));
    assert!(summary.body.contains("Allergies not recorded."));
    assert_eq!(app.audit_count("medication.create").await, 2);
    assert_eq!(app.audit_count("medication.status").await, 1);
}

#[tokio::test]
async fn api_round_trips_and_problem_json_errors() {
    let mut app = TestApp::new().await;
    let doctor = app.user("doctor").await;
    app.login(&doctor, PASSWORD).await;
    let pid = patient(&mut app).await;
    let token = app.api_token(&doctor).await;
    let base = format!("/api/v1/patients/{pid}");
    let post = |path: &str| format!("{base}/{path}");

    let r = app.api(Method::POST, &post("problems"), Some(&token), Some(json!({"icd_code": "E11"}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.content_type(), "application/problem+json");
    assert!(r.json()["detail"].as_str().unwrap().contains("icd_code:"));
    let r =
        app.api(Method::POST, &post("vitals"), Some(&token), Some(json!({"temperature_c": 20.0, "pulse": 70}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["detail"].as_str().unwrap().contains("temperature_c: Temperature must be between 25 and 45"));
    assert_eq!(count(&app, "vitals").await, 0);

    for (path, body) in [
        ("problems", json!({"icd_code": "J45.909", "onset_date": "2001-06-01"})),
        ("allergies", json!({"substance_code": "peanut", "severity": "severe", "reaction": "Angioedema"})),
        (
            "vitals",
            json!({"temperature_c": 36.9, "pulse": 72, "bp_systolic": 118, "bp_diastolic": 76, "weight_kg": 60, "height_cm": 165}),
        ),
        (
            "medications",
            json!({"name": "Salbutamol", "dose": "100 micrograms", "route": "inhaled", "frequency": "as needed"}),
        ),
        ("encounters", json!({"kind": "telephone", "status": "in_progress", "reason": "Asthma check"})),
    ] {
        let r = app.api(Method::POST, &post(path), Some(&token), Some(body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{path}: {}", r.body);
        let list = app.api(Method::GET, &post(path), Some(&token), None).await;
        assert_eq!(list.status, StatusCode::OK, "{path}");
    }
    let problems = app.api(Method::GET, &post("problems"), Some(&token), None).await.json();
    assert_eq!(problems["items"][0]["icd_code"], "J45.909");
    assert_eq!(problems["items"][0]["onset_date"], "2001-06-01");
    assert!(problems["next"].is_null(), "the problem list comes whole");
    let allergies = app.api(Method::GET, &post("allergies"), Some(&token), None).await.json();
    assert_eq!(allergies["assessment"], "recorded");
    assert_eq!(allergies["items"][0]["substance"], "Peanut");
    let vitals = app.api(Method::GET, &post("vitals"), Some(&token), None).await.json();
    assert_eq!(vitals["items"][0]["bmi"], 22.0);

    // Notes: create signed, edit refused, addendum, read back.
    let r = app
        .api(
            Method::POST,
            &post("notes"),
            Some(&token),
            Some(json!({"template": "progress", "title": "Call", "body": "Well.", "sign": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let nid = r.json()["id"].as_str().unwrap().to_string();
    let r = app
        .api(
            Method::PUT,
            &post(&format!("notes/{nid}")),
            Some(&token),
            Some(json!({"title": "Call", "body": "Changed"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.content_type(), "application/problem+json");
    let r = app
        .api(
            Method::POST,
            &post(&format!("notes/{nid}/addenda")),
            Some(&token),
            Some(json!({"body": "Also: inhaler technique reviewed."})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let note = app.api(Method::GET, &post(&format!("notes/{nid}")), Some(&token), None).await.json();
    assert_eq!(note["status"], "signed");
    assert_eq!(note["body"], "Well.");
    assert_eq!(note["addenda"][0]["body"], "Also: inhaler technique reviewed.");

    // A draft: editable, then signed via the API.
    let r = app
        .api(Method::POST, &post("notes"), Some(&token), Some(json!({"title": "Draft", "body": "Draft text"})))
        .await;
    let draft = r.json()["id"].as_str().unwrap().to_string();
    let r =
        app.api(Method::POST, &post(&format!("notes/{draft}/addenda")), Some(&token), Some(json!({"body": "x"}))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "addenda only on signed notes");
    let r = app
        .api(
            Method::PUT,
            &post(&format!("notes/{draft}")),
            Some(&token),
            Some(json!({"title": "Draft 2", "body": "Better"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = app.api(Method::POST, &post(&format!("notes/{draft}/sign")), Some(&token), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);

    // Encounter status over the API.
    let enc = app.api(Method::GET, &post("encounters"), Some(&token), None).await.json();
    let eid = enc["items"][0]["id"].as_str().unwrap().to_string();
    let r = app
        .api(Method::POST, &post(&format!("encounters/{eid}/status")), Some(&token), Some(json!({"status": "planned"})))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = app
        .api(
            Method::POST,
            &post(&format!("encounters/{eid}/status")),
            Some(&token),
            Some(json!({"status": "finished"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);

    // Timeline: newest first, bounded pages.
    let t = app.api(Method::GET, &post("timeline?limit=3"), Some(&token), None).await.json();
    assert_eq!(t["items"].as_array().unwrap().len(), 3);
    let next = t["next"].as_str().unwrap().to_string();
    let t2 = app.api(Method::GET, &post(&format!("timeline?limit=50&before={next}")), Some(&token), None).await.json();
    let all: Vec<serde_json::Value> =
        t["items"].as_array().unwrap().iter().chain(t2["items"].as_array().unwrap()).cloned().collect();
    assert_eq!(all.len(), 7, "encounter, problem, allergy, vitals, 2 notes, medication");
    let times: Vec<&str> = all.iter().map(|i| i["at"].as_str().unwrap()).collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted, "newest first");
    let r = app.api(Method::GET, &post("timeline?before=garbage"), Some(&token), None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    // RBAC over the API.
    let rec = app.user("receptionist").await;
    let rtoken = app.api_token(&rec).await;
    assert_eq!(app.api(Method::GET, &post("problems"), Some(&rtoken), None).await.status, StatusCode::FORBIDDEN);
    let coordinator = app.user("ed_coordinator").await;
    let ctoken = app.api_token(&coordinator).await;
    let r = app
        .api(Method::POST, &post("notes"), Some(&ctoken), Some(json!({"title": "N", "body": "B", "sign": true})))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "signing needs notes.sign");
    // Nurses sign their own notes.
    let nurse = app.user("nurse").await;
    let ntoken = app.api_token(&nurse).await;
    let r = app
        .api(Method::POST, &post("notes"), Some(&ntoken), Some(json!({"title": "N", "body": "B", "sign": true})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r =
        app.api(Method::GET, "/api/v1/patients/00000000-0000-0000-0000-000000000000/vitals", Some(&token), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Documented.
    let doc = app.api(Method::GET, "/api/openapi.json", None, None).await.json();
    for path in [
        "/api/v1/patients/{id}/problems",
        "/api/v1/patients/{id}/notes/{item}/addenda",
        "/api/v1/icd10",
        "/api/v1/patients",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} documented");
    }
    let views: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE action = 'chart.view' AND actor_label = $1")
            .bind(&doctor)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(views >= 10, "API reads are audited ({views})");
}

#[tokio::test]
async fn demo_seeds_realistic_charts() {
    let app = TestApp::new().await;
    let report = hearth::demo::seed(&app.pool, &app.state.keys).await.unwrap();
    assert!(report.created);
    let (problems, nka, notes, vitals): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM problems), (SELECT count(*) FROM allergy_nka),
                (SELECT count(*) FROM notes WHERE status = 'signed'), (SELECT count(*) FROM vitals)",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(problems > 100 && nka > 50 && notes > 50 && vitals > 500, "{problems} {nka} {notes} {vitals}");
    let (primary, provisional): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE diagnosis_rank = 'primary'), count(*) FILTER (WHERE certainty = 'provisional')
         FROM problems",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(primary > 50 && provisional > 0, "encounter diagnoses {primary}, provisional {provisional}");
    let codes: Vec<String> = sqlx::query_scalar("SELECT DISTINCT icd_code FROM problems WHERE icd_code IS NOT NULL")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    for c in ["E11.9", "I10", "J45.909"] {
        assert!(codes.iter().any(|x| x == c), "{c}");
    }
    // Some problems came from a previous system coded in SNOMED CT only (issue 14).
    let snomed_only: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM problems WHERE code_system = 'http://snomed.info/sct' AND icd_code IS NULL",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(snomed_only > 0, "SNOMED CT-only demo problems");
    // Demo notes decrypt with the app's keys.
    let blob: Vec<u8> = sqlx::query_scalar("SELECT body_enc FROM notes LIMIT 1").fetch_one(&app.pool).await.unwrap();
    assert!(app.state.keys.decrypt(&blob, "notes.body").unwrap().contains("Assessment:"));
}

#[tokio::test]
async fn chart_overview_shows_the_latest_of_each_section() {
    let (mut app, _) = TestApp::signed_in("nurse").await;
    let pid = patient(&mut app).await;
    let empty = app.get(&format!("/patients/{pid}/chart")).await;
    assert!(empty.body.contains("No active problems recorded."));
    assert!(empty.body.contains("No vital signs recorded."));
    assert!(empty.body.contains("No home medications recorded."));
    let r = app
        .post_form(&format!("/patients/{pid}/problems"), &[("icd_code", "E11.9"), ("onset_date", "2019-04-02")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    for (t, temp, sys) in [("2026-01-01T08:00", "36.6", "118"), ("2026-01-02T08:00", "38.4", "131")] {
        let r = app
            .post_form(
                &format!("/patients/{pid}/vitals"),
                &[
                    ("taken_at", t),
                    ("temperature_c", temp),
                    ("bp_systolic", sys),
                    ("bp_diastolic", "82"),
                    ("weight_kg", "70"),
                    ("height_cm", "175"),
                    ("pain", "3"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let r = app
        .post_form(
            &format!("/patients/{pid}/medications"),
            &[
                ("name", "Metformin"),
                ("dose", "500 mg"),
                ("route", "oral"),
                ("frequency", "twice daily"),
                ("start_date", "2020-01-01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let chart = app.get(&format!("/patients/{pid}/chart")).await;
    assert_eq!(chart.status, StatusCode::OK);
    let b = &chart.body;
    assert!(b.contains("E11.9") && b.contains("since 2019-04-02"), "the problem with its onset");
    assert!(b.contains("2026-01-02 08:00") && b.contains("38.4") && b.contains("131/82"), "the latest vitals");
    let card = &b[b.find("vitals-facts").unwrap()..];
    let card = &card[..card.find("</dl>").unwrap()];
    assert!(card.contains("38.4") && !card.contains("36.6"), "only the latest reading in the card");
    assert!(b.contains("22.9"), "BMI of 70 kg at 175 cm");
    assert!(b.contains("Metformin") && b.contains("500 mg · oral · twice daily"), "the medication");
}
