//! The front desk (issue 13): starting a visit without chart access, search by phone, date of
//! birth and MRN in their everyday forms, live likely matches while registering, and the
//! session-expiry words.

use axum::http::StatusCode;
use uuid::Uuid;

use crate::helpers::*;

async fn department(app: &TestApp, name: &str) -> Uuid {
    let id = Uuid::new_v4();
    sqlx::query("INSERT INTO departments (id, facility_id, code, name) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(app.facility_id)
        .bind(name[..3].to_uppercase())
        .bind(name)
        .execute(&app.pool)
        .await
        .unwrap();
    id
}

async fn visits(app: &TestApp) -> Vec<(String, String, String, Option<Uuid>)> {
    sqlx::query_as("SELECT kind, status, reason, clinician_id FROM encounters ORDER BY starts_at")
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn reception_starts_a_visit_without_chart_access() {
    let (mut app, _) = TestApp::signed_in("receptionist").await;
    let dept = department(&app, "Cardiology").await;
    let doctor = app.user("doctor").await;
    let doctor_id: Uuid =
        sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(&doctor).fetch_one(&app.pool).await.unwrap();
    let pid = app
        .register_patient(&[
            ("given_name", "Visit"),
            ("family_name", "Starter"),
            ("sex", "female"),
            ("birth_date", "1990-03-04"),
        ])
        .await;
    // The patient page's primary action is the front desk's next step.
    let show = app.get(&format!("/patients/{pid}")).await;
    assert!(
        show.body.contains(&format!("class=\"btn btn-primary\" href=\"/patients/{pid}/visit\">Start visit")),
        "{}",
        show.body
    );
    assert!(!show.body.contains("Restrict this record"), "reception does not restrict records");
    // Reception still has no chart.
    assert_eq!(app.get(&format!("/patients/{pid}/encounters")).await.status, StatusCode::FORBIDDEN);

    let url = format!("/patients/{pid}/visit");
    let form = app.get(&url).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("Cardiology") && form.body.contains("Starter"));

    let r = app.post_form(&url, &[("department_id", ""), ("reason", "")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Choose the department the patient is visiting."));
    assert!(r.body.contains("Enter the reason for the visit"));
    let r = app.post_form(&url, &[("department_id", &Uuid::new_v4().to_string()), ("reason", "Palpitations")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Choose one of your facility"));
    let r = app
        .post_form(
            &url,
            &[("department_id", &dept.to_string()), ("clinician_id", &Uuid::new_v4().to_string()), ("reason", "x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("attending clinician must be an active user"));
    assert!(visits(&app).await.is_empty(), "nothing saved on errors");

    let r = app
        .post_form(
            &url,
            &[
                ("department_id", &dept.to_string()),
                ("clinician_id", &doctor_id.to_string()),
                ("reason", "Palpitations"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), format!("/patients/{pid}"));
    let v = visits(&app).await;
    assert_eq!(v, vec![("outpatient".into(), "arrived".into(), "Palpitations".into(), Some(doctor_id))]);
    assert!(app.audit_count("encounter.create").await >= 1);
    let after = app.get(&format!("/patients/{pid}")).await;
    assert!(after.body.contains("Visit started"), "flash shown");

    // A second visit while the first is under way is refused with the first one's details.
    let again = app.get(&url).await;
    assert!(again.body.contains("already has a visit under way") && again.body.contains("Cardiology"));
    let r = app.post_form(&url, &[("department_id", &dept.to_string()), ("reason", "Again")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("already has a visit under way"));
    assert_eq!(visits(&app).await.len(), 1);

    // The doctor sees it on the chart and takes it on.
    let mut doc = app.another_client();
    doc.login(&doctor, PASSWORD).await;
    let enc = doc.get(&format!("/patients/{pid}/encounters")).await;
    assert!(enc.body.contains("Palpitations") && enc.body.contains("Arrived"));
}

#[tokio::test]
async fn starting_a_visit_needs_its_permission() {
    let (mut app, _) = TestApp::signed_in("billing_clerk").await;
    let dept = department(&app, "Cardiology").await;
    let mut desk = app.another_client();
    let reception = desk.user("receptionist").await;
    desk.login(&reception, PASSWORD).await;
    let pid = desk
        .register_patient(&[
            ("given_name", "No"),
            ("family_name", "Visit"),
            ("sex", "male"),
            ("birth_date", "1980-01-01"),
        ])
        .await;
    let url = format!("/patients/{pid}/visit");
    let show = app.get(&format!("/patients/{pid}")).await;
    assert_eq!(show.status, StatusCode::OK);
    assert!(!show.body.contains("Start visit"), "no button without the permission");
    assert_eq!(app.get(&url).await.status, StatusCode::FORBIDDEN);
    let r = app.post_form(&url, &[("department_id", &dept.to_string()), ("reason", "x")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(visits(&app).await.is_empty());
    // Granted to reception, doctors and nurses by default, not to billing.
    let roles: Vec<String> = sqlx::query_scalar(
        "SELECT role_code FROM role_permissions WHERE permission_code = 'encounters.start' ORDER BY role_code",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    for r in ["doctor", "nurse", "receptionist"] {
        assert!(roles.iter().any(|x| x == r), "{r} holds encounters.start: {roles:?}");
    }
    assert!(!roles.iter().any(|x| x == "billing_clerk"));
    // A closed record cannot start a visit.
    sqlx::query("UPDATE patients SET active = false WHERE id = $1::uuid").bind(&pid).execute(&app.pool).await.unwrap();
    let r = desk.post_form(&url, &[("department_id", &dept.to_string()), ("reason", "x")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("The record is closed"));
}

fn has_patient(body: &str, name: &str) -> bool {
    body.contains(name)
}

#[tokio::test]
async fn search_finds_phone_date_and_mrn_in_everyday_forms() {
    let (mut app, _) = TestApp::signed_in("receptionist").await;
    let pid = app
        .register_patient(&[
            ("given_name", "Phoebe"),
            ("family_name", "Okafor"),
            ("sex", "female"),
            ("birth_date", "2009-04-15"),
            ("phone", "07700 968012"),
        ])
        .await;
    let other = app
        .register_patient(&[
            ("given_name", "Otto"),
            ("family_name", "Nobody"),
            ("sex", "male"),
            ("phone", "+1 415 555 0100"),
        ])
        .await;
    let mrn: String = sqlx::query_scalar("SELECT mrn FROM patients WHERE id = $1::uuid")
        .bind(&pid)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(mrn, "TST-000001");
    for q in [
        "07700 968012",
        "07700968012",
        "+447700968012",
        "+44 7700 968012",
        "0044 7700 968012",
        "968012",
        "15/04/2009",
        "15.04.2009",
        "2009-04-15",
        "000001",
        "TST-000001",
        "tst-000001",
    ] {
        let r = app.get(&format!("/patients?q={}", urlencode(q))).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(has_patient(&r.body, "Okafor, Phoebe"), "{q} finds the patient");
        assert!(!has_patient(&r.body, "Nobody, Otto"), "{q} finds only her");
    }
    for q in ["968013", "07700 968013", "16/04/2009", "000003"] {
        let r = app.get(&format!("/patients?q={}", urlencode(q))).await;
        assert!(!has_patient(&r.body, "Okafor, Phoebe"), "{q} does not find her");
    }
    // The other patient's US number, typed internationally.
    let r = app.get(&format!("/patients?q={}", urlencode("+14155550100"))).await;
    assert!(has_patient(&r.body, "Nobody, Otto"), "{other}");
    // Ctrl+K finds her by a partial number too.
    let r = app.get("/search?q=968012").await;
    assert!(r.body.contains("Okafor, Phoebe"));
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("q", s)]).unwrap().trim_start_matches("q=").to_string()
}

#[tokio::test]
async fn existing_rows_are_reindexed_once() {
    let (mut app, _) = TestApp::signed_in("receptionist").await;
    let pid = app
        .register_patient(&[
            ("given_name", "Old"),
            ("family_name", "Index"),
            ("sex", "male"),
            ("phone", "07700 900123"),
        ])
        .await;
    // As a row written before the canonical form: the digits as typed, no tail index.
    let old = app.state.keys.blind_index("phone", &hearth::platform::crypto::normalize_phone("07700 900123"));
    sqlx::query(
        "UPDATE patients SET phone_bidx = $2, phone_tail_bidx = NULL, phone_index_version = 1 WHERE id = $1::uuid",
    )
    .bind(&pid)
    .bind(&old)
    .execute(&app.pool)
    .await
    .unwrap();
    // A row without a phone is brought to the current version too, with no indexes.
    let none = app.register_patient(&[("given_name", "No"), ("family_name", "Phone"), ("sex", "male")]).await;
    sqlx::query("UPDATE patients SET phone_index_version = 1 WHERE id = $1::uuid")
        .bind(&none)
        .execute(&app.pool)
        .await
        .unwrap();
    assert!(!app.get("/patients?q=%2B447700900123").await.body.contains("Index, Old"));
    assert!(!app.get("/patients?q=900123").await.body.contains("Index, Old"));
    let keys = app.state.keys.clone();
    assert_eq!(hearth::modules::patients::repo::reindex_phones(&app.pool, &keys).await.unwrap(), 2);
    assert_eq!(hearth::modules::patients::repo::reindex_phones(&app.pool, &keys).await.unwrap(), 0, "idempotent");
    assert!(app.get("/patients?q=%2B447700900123").await.body.contains("Index, Old"));
    assert!(app.get("/patients?q=900123").await.body.contains("Index, Old"));
    assert!(app.get("/patients?q=07700900123").await.body.contains("Index, Old"));
    let (v, full, tail): (i16, Option<Vec<u8>>, Option<Vec<u8>>) =
        sqlx::query_as("SELECT phone_index_version, phone_bidx, phone_tail_bidx FROM patients WHERE id = $1::uuid")
            .bind(&none)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((v, full, tail), (2, None, None));
}

#[tokio::test]
async fn registration_requires_sex_and_birth_date_or_age() {
    let (mut app, _) = TestApp::signed_in("receptionist").await;
    let form = app.get("/patients/new").await;
    assert!(
        form.body.contains("name=\"given_name\" type=\"text\" value=\"\" autocomplete=\"off\" autofocus"),
        "first field focused"
    );
    assert!(form.body.contains("<option value=\"\" selected>Choose…</option>"), "no sex chosen for the clerk");
    assert!(!form.body.contains("<option value=\"unknown\" selected"));
    assert!(form.body.contains("id=\"age_years\"") && form.body.contains("id=\"likely-matches\""));

    let r = app.post_form("/patients", &[("given_name", "Thin"), ("family_name", "Record")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Choose the sex: female, male, other, or unknown when it is not known."));
    assert!(r.body.contains("Enter the date of birth, or an age in years (and months) when it is not known."));
    let r = app
        .post_form(
            "/patients",
            &[("given_name", "Thin"), ("family_name", "Record"), ("sex", "unknown"), ("age_years", "abc")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Enter the age in whole years"));
    assert_eq!(app.patient_count().await, 0);

    // "unknown" chosen deliberately, an age instead of a date: an estimated date of birth.
    let r = app
        .post_form(
            "/patients",
            &[
                ("given_name", "Thin"),
                ("family_name", "Record"),
                ("sex", "unknown"),
                ("age_years", "2"),
                ("age_months", "6"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let (dob, est): (time::Date, bool) =
        sqlx::query_as("SELECT birth_date, birth_date_estimated FROM patients").fetch_one(&app.pool).await.unwrap();
    let today = time::OffsetDateTime::now_utc().date();
    let months = (today.year() - dob.year()) * 12 + today.month() as i32 - dob.month() as i32;
    assert!(est && months == 30, "{dob}");
    // A day-first date of birth is read too.
    let r = app
        .post_form(
            "/patients",
            &[
                ("given_name", "Day"),
                ("family_name", "First"),
                ("sex", "female"),
                ("birth_date", "15/04/2009"),
                ("register_anyway", "on"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

#[tokio::test]
async fn likely_matches_show_while_typing_and_respect_restricted_records() {
    let (mut app, _) = TestApp::signed_in("receptionist").await;
    let pid = app
        .register_patient(&[
            ("given_name", "Maria"),
            ("family_name", "Garcia"),
            ("sex", "female"),
            ("birth_date", "1980-02-29"),
            ("phone", "07700 900123"),
            ("address", "1 High Street, Leeds LS1 1AA"),
        ])
        .await;
    let url = "/patients/new/matches?given_name=Maria&family_name=Garcia&birth_date=1980-02-29&phone=";
    let r = app.get(url).await;
    assert_eq!(r.status, StatusCode::OK);
    for part in [
        "Garcia, Maria",
        "TST-000001",
        "Feb 29, 1980",
        "female",
        "…0123",
        "Leeds",
        "target=\"_blank\"",
        "same date of birth",
    ] {
        assert!(r.body.contains(part), "{part}: {}", r.body);
    }
    assert!(!r.body.contains("High Street"), "only the town");
    // A typo still matches with the date of birth.
    let r = app.get("/patients/new/matches?given_name=Mariah&family_name=Garcia&birth_date=29/02/1980").await;
    assert!(r.body.contains("Garcia, Maria"), "{}", r.body);
    // Too little typed: nothing looked up.
    let r = app.get("/patients/new/matches?given_name=M&family_name=").await;
    assert!(!r.body.contains("Garcia") && !r.body.contains("No likely matches"));
    let r = app.get("/patients/new/matches?given_name=Zebedee&family_name=Quarrington").await;
    assert!(r.body.contains("No likely matches"));

    // A restricted record the clerk may not open: the MRN only.
    sqlx::query("UPDATE patients SET restricted = true WHERE id = $1::uuid")
        .bind(&pid)
        .execute(&app.pool)
        .await
        .unwrap();
    let r = app.get(url).await;
    assert!(r.body.contains("Restricted record") && r.body.contains("TST-000001"), "{}", r.body);
    assert!(!r.body.contains("Garcia") && !r.body.contains("Leeds") && !r.body.contains("…0123"));

    let mut billing = app.another_client();
    let b = billing.user("billing_clerk").await;
    billing.login(&b, PASSWORD).await;
    assert_eq!(billing.get(url).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_ended_session_is_explained_in_words() {
    let (mut app, _) = TestApp::signed_in("receptionist").await;
    let page = app.get("/patients/new").await;
    assert!(page.body.contains("<meta name=\"hearth-session\" content=\"900\""), "idle seconds for the warning");
    assert!(page.body.contains("/static/js/session.js") && page.body.contains("data-draft"));
    let token = extract_csrf(&page.body).unwrap();

    // Stay signed in.
    let keep = app
        .builder(axum::http::Method::POST, "/session/keepalive")
        .header("x-csrf-token", &token)
        .body(axum::body::Body::empty())
        .unwrap();
    let r = app.request(keep).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["idle_seconds"], 900);

    // Fifteen minutes later, the form is sent.
    sqlx::query("UPDATE sessions SET last_seen_at = now() - interval '16 minutes'").execute(&app.pool).await.unwrap();
    let body = serde_urlencoded::to_string([
        ("csrf_token", token.as_str()),
        ("given_name", "Late"),
        ("family_name", "Form"),
        ("sex", "female"),
        ("age_years", "30"),
    ])
    .unwrap();
    let req = app
        .builder(axum::http::Method::POST, "/patients")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("referer", "http://127.0.0.1:8080/patients/new")
        .body(axum::body::Body::from(body.clone()))
        .unwrap();
    let r = app.request(req).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body.contains("Your session ended after 15 minutes without activity; sign in again"), "{}", r.body);
    assert!(r.body.contains("your draft is kept"));
    assert!(!r.body.to_lowercase().contains("security token"));
    assert!(r.body.contains("href=\"/login?next=%2Fpatients%2Fnew\""), "back to the form's page");
    assert_eq!(app.patient_count().await, 0);
    // Sent again (the cookie is gone now): still words, never "security token".
    let r = app.post_raw("/patients", &body).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("your session ended") && !r.body.to_lowercase().contains("security token"), "{}", r.body);

    // A page after the timeout goes to sign-in with the same words.
    let (mut app2, _) = TestApp::signed_in("receptionist").await;
    sqlx::query("UPDATE sessions SET last_seen_at = now() - interval '16 minutes'").execute(&app2.pool).await.unwrap();
    let r = app2.get("/patients/new").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let login = app2.get(r.location()).await;
    assert!(login.body.contains("Your session ended after 15 minutes without activity"), "{}", login.body);

    // Signed out elsewhere: said too; signing out again just signs out.
    let (mut app3, _) = TestApp::signed_in("receptionist").await;
    let token3 = app3.csrf().await;
    sqlx::query("UPDATE sessions SET revoked_at = now()").execute(&app3.pool).await.unwrap();
    // The keep-alive of an ended session says so (no redirect to follow).
    let keep = app3
        .builder(axum::http::Method::POST, "/session/keepalive")
        .header("x-csrf-token", &token3)
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(app3.request(keep).await.status, StatusCode::UNAUTHORIZED);
    let r = app3
        .post_raw(
            "/patients",
            &serde_urlencoded::to_string([("csrf_token", token3.as_str()), ("given_name", "X")]).unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body.contains("Your session has ended"));
    let r = app3.post_raw("/logout", &serde_urlencoded::to_string([("csrf_token", token3.as_str())]).unwrap()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/login");
}
