//! The start page (`/`) per role (issue 13 item 13): each role sees its work.

use axum::http::StatusCode;
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

async fn user_id(app: &TestApp, email: &str) -> Uuid {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(email).fetch_one(&app.pool).await.unwrap()
}

/// The body of panel `key` on the start page (panics when absent).
fn panel<'a>(html: &'a str, key: &str) -> &'a str {
    let start = html.find(&format!("id=\"panel-{key}\"")).unwrap_or_else(|| panic!("panel {key} missing: {html}"));
    let rest = &html[start..];
    &rest[..rest.find("</section>").unwrap()]
}

#[tokio::test]
async fn a_doctor_sees_todays_encounters_unsigned_notes_recent_patients_and_alerts() {
    let (mut app, doctor) = TestApp::signed_in("doctor").await;
    let did = user_id(&app, &doctor).await;
    // A first look before any work: the panels say so in words.
    let home = app.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(panel(&home.body, "unsigned-notes").contains("No unsigned notes"));
    assert!(panel(&home.body, "recent-patients").contains("You have not opened a patient"));
    assert!(panel(&home.body, "my-alerts").contains("No open alerts are addressed to you."));
    assert!(!home.body.contains("panel-encounters-today"), "no encounters panel for a user who never had one");
    assert!(!home.body.contains("panel-observations-due"), "a doctor has no nurse's list");

    let ada = register(&mut app, "Ada", "Lovelace").await;
    let bob = register(&mut app, "Bob", "Marley").await;
    // Today's encounter with the doctor as clinician, one of yesterday and a colleague's.
    let colleague = user_id(&app, &app.user("doctor").await).await;
    for (pid, clinician, ago, reason) in
        [(&ada, did, 0, "Chest pain"), (&bob, did, 30, "Old visit"), (&bob, colleague, 0, "Not mine")]
    {
        sqlx::query(
            "INSERT INTO encounters (id, patient_id, kind, status, clinician_id, reason, starts_at)
             VALUES ($1, $2::uuid, 'outpatient', 'in_progress', $3, $4, now() - make_interval(hours => $5))",
        )
        .bind(Uuid::new_v4())
        .bind(pid)
        .bind(clinician)
        .bind(reason)
        .bind(ago)
        .execute(&app.pool)
        .await
        .unwrap();
    }
    // A draft note (and a chart view for "recent patients").
    let r = app
        .post_form(
            &format!("/patients/{bob}/notes"),
            &[("template", "progress"), ("title", "Ward round draft"), ("body", "Stable.")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(app.get(&format!("/patients/{ada}/chart")).await.status, StatusCode::OK);

    let home = app.get("/").await;
    let enc = panel(&home.body, "encounters-today");
    assert!(enc.contains("Lovelace, Ada") && enc.contains("Chest pain"), "{enc}");
    assert!(!enc.contains("Old visit") && !enc.contains("Not mine"), "{enc}");
    let notes = panel(&home.body, "unsigned-notes");
    assert!(notes.contains("Ward round draft") && notes.contains("Marley, Bob"), "{notes}");
    let recent = panel(&home.body, "recent-patients");
    assert!(recent.contains("Lovelace, Ada"), "{recent}");
    // Recent patients: distinct, most recent first.
    app.get(&format!("/patients/{bob}")).await;
    app.get(&format!("/patients/{ada}")).await;
    let home = app.get("/").await;
    let recent = panel(&home.body, "recent-patients");
    assert_eq!(recent.matches("Lovelace, Ada").count(), 1, "{recent}");
    assert!(recent.find("Lovelace").unwrap() < recent.find("Marley").unwrap(), "{recent}");

    // An open alert addressed to the doctor.
    let alert = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO alerts (id, patient_id, facility_id, kind, severity, title, source_module, source_id, chain)
         VALUES ($1, $2::uuid, $3, 'test.kind', 'critical', 'Potassium 6.9', 'test', $1, '[{\"to\": \"given\", \"minutes\": 10}]')",
    )
    .bind(alert)
    .bind(&ada)
    .bind(app.facility_id)
    .execute(&app.pool)
    .await
    .unwrap();
    sqlx::query("INSERT INTO alert_steps (alert_id, step, addressee, reason) VALUES ($1, 0, 'given', 'raised')")
        .bind(alert)
        .execute(&app.pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO alert_recipients (alert_id, user_id, step, via) VALUES ($1, $2, 0, 'given')")
        .bind(alert)
        .bind(did)
        .execute(&app.pool)
        .await
        .unwrap();
    let home = app.get("/").await;
    let alerts = panel(&home.body, "my-alerts");
    assert!(
        alerts.contains("Potassium 6.9") && alerts.contains("Critical") && alerts.contains("Lovelace, Ada"),
        "{alerts}"
    );

    // A restricted record the doctor may not open: masked in every panel.
    sqlx::query("UPDATE patients SET restricted = true WHERE id = $1::uuid")
        .bind(&ada)
        .execute(&app.pool)
        .await
        .unwrap();
    let home = app.get("/").await;
    assert!(!home.body.contains("Lovelace"), "restricted names never show");
    assert!(panel(&home.body, "encounters-today").contains("Restricted record"));
    assert!(!panel(&home.body, "encounters-today").contains("Chest pain"), "nor the reason of the visit");
}

#[tokio::test]
async fn a_nurse_sees_their_patients_and_observations_due() {
    let (mut app, nurse) = TestApp::signed_in("nurse").await;
    let nid = user_id(&app, &nurse).await;
    let home = app.get("/").await;
    assert!(panel(&home.body, "my-patients").contains("No patients are assigned to you on this shift."));
    assert!(!home.body.contains("panel-observations-due"), "nothing due without a list");

    let ada = register(&mut app, "Ada", "Lovelace").await;
    let bob = register(&mut app, "Bob", "Marley").await;
    let cyd = register(&mut app, "Cyd", "Charisse").await;
    for pid in [&ada, &bob] {
        sqlx::query(
            "INSERT INTO alert_nurse_assignments (id, patient_id, nurse_id, facility_id, starts_at, ends_at)
             VALUES ($1, $2::uuid, $3, $4, now() - interval '1 hour', now() + interval '8 hours')",
        )
        .bind(Uuid::new_v4())
        .bind(pid)
        .bind(nid)
        .bind(app.facility_id)
        .execute(&app.pool)
        .await
        .unwrap();
    }
    // Ada had her vital signs an hour ago, Bob five hours ago; Cyd is not on the list.
    for (pid, hours) in [(&ada, 1), (&bob, 5), (&cyd, 9)] {
        sqlx::query(
            "INSERT INTO vitals (id, patient_id, taken_at, pulse) VALUES ($1, $2::uuid, now() - make_interval(hours => $3), 80)",
        )
        .bind(Uuid::new_v4())
        .bind(pid)
        .bind(hours)
        .execute(&app.pool)
        .await
        .unwrap();
    }
    let home = app.get("/").await;
    let mine = panel(&home.body, "my-patients");
    assert!(mine.contains("Lovelace, Ada") && mine.contains("Marley, Bob") && !mine.contains("Charisse"), "{mine}");
    let due = panel(&home.body, "observations-due");
    assert!(due.contains("Marley, Bob") && due.contains("Last vital signs"), "{due}");
    assert!(!due.contains("Lovelace") && !due.contains("Charisse"), "{due}");
    assert!(due.contains("in the last 4 hours"), "{due}");
    assert!(!home.body.contains("panel-encounters-today"));
}

#[tokio::test]
async fn reception_sees_todays_arrivals_and_a_role_without_patient_access_sees_no_names() {
    let (mut app, _) = TestApp::signed_in("receptionist").await;
    let home = app.get("/").await;
    assert!(panel(&home.body, "arrivals").contains("No arrivals yet today"));
    assert!(!home.body.contains("panel-unsigned-notes") && !home.body.contains("panel-my-alerts"));
    let ada = register(&mut app, "Ada", "Lovelace").await;
    // An old patient arriving for a visit today, and one who came yesterday.
    let old = register(&mut app, "Old", "Timer").await;
    let gone = register(&mut app, "Gone", "Yesterday").await;
    sqlx::query("UPDATE patients SET created_at = now() - interval '40 days' WHERE id IN ($1::uuid, $2::uuid)")
        .bind(&old)
        .bind(&gone)
        .execute(&app.pool)
        .await
        .unwrap();
    for (pid, ago) in [(&old, 0), (&gone, 30)] {
        sqlx::query(
            "INSERT INTO encounters (id, patient_id, kind, status, starts_at)
             VALUES ($1, $2::uuid, 'outpatient', 'arrived', now() - make_interval(hours => $3))",
        )
        .bind(Uuid::new_v4())
        .bind(pid)
        .bind(ago)
        .execute(&app.pool)
        .await
        .unwrap();
    }
    let home = app.get("/").await;
    let arrivals = panel(&home.body, "arrivals");
    assert!(arrivals.contains("Lovelace, Ada") && arrivals.contains("Registered"), "{arrivals}");
    assert!(arrivals.contains("Timer, Old") && arrivals.contains("Outpatient visit"), "{arrivals}");
    assert!(!arrivals.contains("Yesterday, Gone"), "{arrivals}");
    let _ = ada;

    // A billing clerk has no chart access: no clinical panel, no arrivals, and "recent
    // patients" is their own trail (empty), so no patient's name shows.
    let mut billing = app.another_client();
    billing.login(&app.user("billing_clerk").await, PASSWORD).await;
    let home = billing.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(!home.body.contains("Lovelace") && !home.body.contains("Timer"), "{}", home.body);
    assert!(!home.body.contains("panel-arrivals") && !home.body.contains("panel-unsigned-notes"));
    assert!(panel(&home.body, "recent-patients").contains("You have not opened"));
    // Without patients.read at all, not even that panel.
    sqlx::query("DELETE FROM role_permissions WHERE role_code = 'billing_clerk' AND permission_code = 'patients.read'")
        .execute(&app.pool)
        .await
        .unwrap();
    let mut billing = app.another_client();
    billing.login(&app.user("billing_clerk").await, PASSWORD).await;
    let home = billing.get("/").await;
    assert!(!home.body.contains("panel-recent-patients") && !home.body.contains("start-panels"), "{}", home.body);
}
