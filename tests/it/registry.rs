//! The patient registry through HTTP: edit, close, death, duplicates, merge, unidentified
//! patients, consents, restricted records, photos, MRN formats and search ranking.

use axum::http::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::*;

const ANN: &[(&str, &str)] = &[
    ("given_name", "Ann"),
    ("family_name", "Lee"),
    ("sex", "female"),
    ("birth_date", "1970-05-01"),
    ("phone", "+44 7700 900555"),
    ("national_id", "AB123456C"),
];

async fn last_changes(app: &TestApp, action: &str) -> Value {
    sqlx::query_scalar("SELECT changes FROM audit_events WHERE action = $1 ORDER BY id DESC LIMIT 1")
        .bind(action)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn richer_registration_and_audited_edit() {
    let (mut app, _) = TestApp::signed_in("receptionist").await;
    let mut fields = ANN.to_vec();
    fields.extend_from_slice(&[
        ("middle_name", "Marie"),
        ("preferred_name", "Annie"),
        ("gender_identity", "woman"),
        ("email", "Ann.Lee@Example.org"),
        ("insurance_number", "POL-778899"),
        ("preferred_language", "cy"),
        ("emergency_name", "Bob Lee"),
        ("emergency_relationship", "spouse"),
        ("emergency_phone", "+44 7700 900556"),
    ]);
    let id = app.register_patient(&fields).await;
    let page = app.get(&format!("/patients/{id}")).await;
    for s in
        ["Lee, Ann Marie", "Annie", "woman", "ann.lee@example.org", "POL-778899", "Welsh", "Bob Lee", "+44 7700 900556"]
    {
        assert!(page.body.contains(s), "{s}");
    }
    // Exact lookups through the blind indexes: insurance number and email.
    assert!(app.get("/patients?q=pol778899").await.body.contains("Lee, Ann"));
    assert!(app.get("/patients?q=ANN.LEE%40example.org").await.body.contains("Lee, Ann"));

    // Edit: before/after in the audit log, encrypted fields as changed only.
    let mut edit: Vec<(&str, &str)> = fields.iter().filter(|(k, _)| !k.starts_with("emergency")).cloned().collect();
    for (k, v) in edit.iter_mut() {
        match *k {
            "family_name" => *v = "Leigh",
            "phone" => *v = "+44 7700 900999",
            _ => {}
        }
    }
    let r = app.post_form(&format!("/patients/{id}/edit"), &edit).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let ch = last_changes(&app, "patient.update").await;
    assert_eq!(ch["family_name"], serde_json::json!({"from": "Lee", "to": "Leigh"}));
    assert_eq!(ch["phone"], serde_json::json!({"changed": true, "encrypted": true}));
    assert!(ch.get("national_id").is_none(), "unchanged fields are not listed");
    assert!(!ch.to_string().contains("900999"));
    assert!(app.get(&format!("/patients/{id}")).await.body.contains("+44 7700 900999"));

    // Bad input re-renders with 422 and changes nothing.
    let mut bad = edit.clone();
    bad.retain(|(k, _)| *k != "birth_date");
    bad.push(("birth_date", "2999-01-01"));
    let r = app.post_form(&format!("/patients/{id}/edit"), &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("in the future"));
    assert_eq!(app.audit_count("patient.update").await, 1);
}

#[tokio::test]
async fn close_reopen_and_record_death() {
    let (mut app, _) = TestApp::signed_in("nurse").await;
    let id = app.register_patient(ANN).await;
    assert_eq!(app.get(&format!("/patients/{id}/close")).await.status, StatusCode::OK);
    // Death before birth and death in the future: refused, nothing changes.
    let r = app.post_form(&format!("/patients/{id}/death"), &[("death_date", "1969-12-31"), ("cause", "x")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("before the date of birth"), "{}", r.body);
    let r = app.post_form(&format!("/patients/{id}/death"), &[("death_date", "2999-01-01")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("in the future"));
    let r = app.post_form(&format!("/patients/{id}/death"), &[("death_date", "2020-02-30")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.audit_count("patient.death").await, 0);

    // Close without a reason: 422; with one: closed; reopen.
    let r = app.post_form(&format!("/patients/{id}/deactivate"), &[("reason", " ")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app.post_form(&format!("/patients/{id}/deactivate"), &[("reason", "moved abroad")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(app.get(&format!("/patients/{id}")).await.body.contains("Record closed: moved abroad"));
    let r = app.post_form(&format!("/patients/{id}/reactivate"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    let r = app
        .post_form(
            &format!("/patients/{id}/death"),
            &[("death_date", "2024-03-01"), ("death_time", "14:30"), ("cause", "Cardiac arrest")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get(&format!("/patients/{id}")).await;
    assert!(page.body.contains("Deceased Mar 1, 2024, 14:30 UTC") && page.body.contains("Cardiac arrest"));
    // A deceased record cannot be reopened nor die twice.
    assert_eq!(app.post_form(&format!("/patients/{id}/reactivate"), &[]).await.status, StatusCode::CONFLICT);
    let r = app.post_form(&format!("/patients/{id}/death"), &[("death_date", "2024-03-02")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.audit_count("patient.death").await, 1);
}

#[tokio::test]
async fn duplicates_are_shown_with_scores_before_saving() {
    let (mut app, _) = TestApp::signed_in("receptionist").await;
    app.register_patient(ANN).await;
    // Same person typed slightly differently, same date of birth and national ID.
    let r = app
        .post_form(
            "/patients",
            &[
                ("given_name", "Anne"),
                ("family_name", "Lee"),
                ("sex", "female"),
                ("birth_date", "1970-05-01"),
                ("national_id", "ab-123456-c"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("Possible duplicates") && r.body.contains("TST-000001"));
    assert!(r.body.contains("same national ID") && r.body.contains("same date of birth"));
    assert!(r.body.contains("register anyway") && r.body.contains("value=\"Anne\""));
    assert_eq!(app.patient_count().await, 1, "nothing saved before confirmation");
    // A different person does not trigger the warning.
    let r = app
        .post_form(
            "/patients",
            &[("given_name", "Zed"), ("family_name", "Quist"), ("sex", "male"), ("age_years", "30")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // Confirmed: saved.
    let r = app
        .post_form(
            "/patients",
            &[
                ("given_name", "Anne"),
                ("family_name", "Lee"),
                ("sex", "female"),
                ("age_years", "30"),
                ("register_anyway", "on"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.patient_count().await, 3);
}

#[tokio::test]
async fn merge_moves_everything_and_refuses_bad_merges() {
    let (mut app, _) = TestApp::signed_in("doctor").await;
    let a = app.register_patient(ANN).await;
    let b = app
        .register_patient(&[("given_name", "Anne"), ("family_name", "Lee"), ("sex", "female"), ("email", "anne@x.org")])
        .await;
    let c = app.register_patient(&[("given_name", "Carl"), ("family_name", "Other"), ("sex", "male")]).await;
    let r = app.post_form(&format!("/patients/{b}/contacts"), &[("name", "Bob Lee"), ("relationship", "spouse")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = app
        .post_form(
            &format!("/patients/{b}/consents"),
            &[("kind", "communications"), ("channel", "email"), ("decision", "granted")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    // Into itself: refused with a clear error, nothing changes.
    let r = app
        .post_form(&format!("/patients/{a}/merge"), &[("other", "TST-000001"), ("keep", "this"), ("confirm", "on")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("cannot be merged into itself"));
    // Preview, then confirm: b (TST-000002) merged into a.
    let r = app.post_form(&format!("/patients/{b}/merge"), &[("other", "TST-000001"), ("keep", "other")]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Merge TST-000002 into TST-000001"));
    let r = app
        .post_form(&format!("/patients/{b}/merge"), &[("other", "TST-000001"), ("keep", "other"), ("confirm", "on")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), format!("/patients/{a}"));
    let survivor = app.get(&format!("/patients/{a}")).await;
    assert!(survivor.body.contains("Bob Lee"), "contacts moved");
    assert!(survivor.body.contains("Communications (email)"), "consents moved");
    assert!(survivor.body.contains("anne@x.org"), "missing identifiers filled from the merged record");
    assert!(survivor.body.contains("Merged into this record") && survivor.body.contains("TST-000002"));
    let merged = app.get(&format!("/patients/{b}")).await;
    assert!(merged.body.contains("This record was merged into") && merged.body.contains(&format!("/patients/{a}")));
    let audited: Vec<String> = sqlx::query_scalar(
        "SELECT patient_id::text FROM audit_events WHERE action IN ('patient.merge', 'patient.merged_into') ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(audited, vec![a.clone(), b.clone()], "audited on both patients");
    // Already merged: refused both ways; merged records cannot be edited.
    let r = app
        .post_form(&format!("/patients/{c}/merge"), &[("other", "TST-000002"), ("keep", "this"), ("confirm", "on")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("already been merged"));
    let r = app
        .post_form(&format!("/patients/{c}/merge"), &[("other", "TST-000002"), ("keep", "other"), ("confirm", "on")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.get(&format!("/patients/{b}/edit")).await.status, StatusCode::CONFLICT);
    assert_eq!(app.audit_count("patient.merge").await, 1);

    // Receptionists may not merge.
    let email = app.user("receptionist").await;
    let mut rec = app.another_client();
    rec.login(&email, PASSWORD).await;
    assert_eq!(rec.get(&format!("/patients/{c}/merge")).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn unidentified_patient_registered_quickly_then_identified() {
    let (mut app, _) = TestApp::signed_in("ed_coordinator").await;
    let r = app
        .post_form("/patients/unidentified", &[("sex", "male"), ("estimated_age", "200"), ("circumstances", "")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("0 to 120") && r.body.contains("Describe how"));
    assert_eq!(app.patient_count().await, 0);
    let r = app
        .post_form(
            "/patients/unidentified",
            &[("sex", "male"), ("estimated_age", "40"), ("circumstances", "Found at the bus stop")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id = r.location().trim_start_matches("/patients/").to_string();
    let page = app.get(&format!("/patients/{id}")).await;
    assert!(page.body.contains("Unknown, Male TST-000001"), "{}", page.body);
    assert!(page.body.contains("Unidentified patient") && page.body.contains("Found at the bus stop"));
    assert!(page.body.contains("(estimated)"));
    let (est, unidentified): (bool, bool) =
        sqlx::query_as("SELECT birth_date_estimated, unidentified FROM patients").fetch_one(&app.pool).await.unwrap();
    assert!(est && unidentified);
    // Identified later by editing (the "still unknown" box left unticked).
    let r = app
        .post_form(
            &format!("/patients/{id}/edit"),
            &[("given_name", "Samuel"), ("family_name", "Osei"), ("sex", "male"), ("birth_date", "1985-04-02")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(app.audit_count("patient.identify").await, 1);
    let page = app.get(&format!("/patients/{id}")).await;
    assert!(page.body.contains("Osei, Samuel") && !page.body.contains("Unidentified patient"));
}

#[tokio::test]
async fn consents_keep_history_and_latest_wins() {
    let (mut app, _) = TestApp::signed_in("receptionist").await;
    let id = app.register_patient(ANN).await;
    let uuid: uuid::Uuid = id.parse().unwrap();
    use hearth::modules::patients::communication_allowed;
    assert!(!communication_allowed(&app.pool, uuid, "sms").await.unwrap(), "no opt-in, no messages");
    for (channel, decision) in [("sms", "granted"), ("sms", "refused"), ("any", "granted")] {
        let r = app
            .post_form(
                &format!("/patients/{id}/consents"),
                &[("kind", "communications"), ("channel", channel), ("decision", decision)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
    }
    assert!(!communication_allowed(&app.pool, uuid, "sms").await.unwrap(), "the channel's own refusal wins");
    assert!(communication_allowed(&app.pool, uuid, "email").await.unwrap(), "'any' opt-in covers email");
    let page = app.get(&format!("/patients/{id}")).await;
    assert!(page.body.contains("History (3 records)"));
    // Bad input: a channel on treatment consent, an unknown kind.
    for f in [
        [("kind", "treatment"), ("channel", "sms"), ("decision", "granted")],
        [("kind", "marketing"), ("channel", "any"), ("decision", "granted")],
        [("kind", "treatment"), ("channel", "any"), ("decision", "maybe")],
    ] {
        let r = app.post_form(&format!("/patients/{id}/consents"), &f).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert_eq!(app.audit_count("patient.consent").await, 3);
}

#[tokio::test]
async fn restricted_records_need_care_team_or_break_glass() {
    let (mut doc, doc_email) = TestApp::signed_in("doctor").await;
    let id = doc.register_patient(ANN).await;
    // Restricting and the care team need patients.restricted (super admins by default).
    let admin = doc.user("super_admin").await;
    let mut sa = doc.another_client();
    sa.login(&admin, PASSWORD).await;
    let r = sa.post_form(&format!("/patients/{id}/restricted"), &[("restricted", "true")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = sa.post_form(&format!("/patients/{id}/care-team"), &[("email", &doc_email), ("role", "GP")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // The doctor on the care team still sees it.
    assert!(doc.get(&format!("/patients/{id}")).await.body.contains("Lee, Ann"));
    assert!(doc.get(&format!("/patients/{id}")).await.body.contains(&doc_email));

    let email = doc.user("nurse").await;
    let mut nurse = doc.another_client();
    nurse.login(&email, PASSWORD).await;
    let r = nurse.get(&format!("/patients/{id}")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("Break the glass") && !r.body.contains("Lee, Ann"));
    // Hidden from name search and the global search; masked on an exact MRN match.
    assert!(!nurse.get("/patients?q=lee").await.body.contains("Lee, Ann"));
    assert!(!nurse.get("/search?q=lee").await.body.contains("Lee, Ann"));
    let by_mrn = nurse.get("/patients?q=TST-000001").await;
    assert!(by_mrn.body.contains("Restricted record") && !by_mrn.body.contains("Lee, Ann"));
    assert!(!nurse.get("/patients?q=%2B447700900555").await.body.contains("Lee"));
    // Every other route is closed too (to the break-glass page).
    for path in ["/edit", "/export.json", "/registration-summary", "/photo", "/requests"] {
        let r = nurse.get(&format!("/patients/{id}{path}")).await;
        assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, format!("/patients/{id}").as_str()), "{path}");
    }
    // A reason is required.
    let r = nurse.post_form(&format!("/patients/{id}/break-glass"), &[("reason", "need")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(nurse.audit_count("patient.break_glass").await, 0);
    let r = nurse
        .post_form(
            &format!("/patients/{id}/break-glass"),
            &[("reason_code", "emergency_treatment"), ("reason", "Emergency: patient collapsed in ED")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(nurse.get(&format!("/patients/{id}")).await.body.contains("Lee, Ann"));
    assert!(nurse.get("/patients?q=lee").await.body.contains("Lee, Ann"));
    let ch = last_changes(&nurse, "patient.break_glass").await;
    assert_eq!(ch["reason"], "Emergency: patient collapsed in ED");
    // The grant is for that session only, and expires.
    let mut again = doc.another_client();
    again.login(&email, PASSWORD).await;
    assert_eq!(again.get(&format!("/patients/{id}")).await.status, StatusCode::FORBIDDEN, "other session");
    sqlx::query("UPDATE patient_break_glass SET expires_at = now() - interval '1 second'")
        .execute(&doc.pool)
        .await
        .unwrap();
    assert_eq!(nurse.get(&format!("/patients/{id}")).await.status, StatusCode::FORBIDDEN, "expired");

    // Care team membership opens it; patients.restricted (super admin) too.
    let r = sa.post_form(&format!("/patients/{id}/care-team"), &[("email", &email), ("role", "ward nurse")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(again.get(&format!("/patients/{id}")).await.status, StatusCode::OK);
    assert_eq!(sa.get(&format!("/patients/{id}")).await.status, StatusCode::OK);
}

fn png() -> Vec<u8> {
    let mut v = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    v.extend_from_slice(&[0u8; 64]);
    v
}

#[tokio::test]
async fn photo_uploads_are_sniffed_limited_and_audited() {
    let (mut app, _) = TestApp::signed_in("receptionist").await;
    let id = app.register_patient(ANN).await;
    let path = format!("/patients/{id}/photo");
    // Without the CSRF token in the query string: refused.
    let r = app.post_multipart(&path, &[], ("photo", "me.png", &png()[..]), false).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A text file named .jpg, a PNG named .jpg, a PDF, too large: refused.
    let r = app.post_multipart(&path, &[], ("photo", "me.jpg", &b"hello, I am not an image"[..]), true).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("me.jpg is not a JPEG image"), "{}", r.body);
    let r = app.post_multipart(&path, &[], ("photo", "me.jpg", &png()[..]), true).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("it is named me.jpg but holds a PNG image"), "{}", r.body);
    let r = app.post_multipart(&path, &[], ("photo", "doc.png", &b"%PDF-1.7 ..."[..]), true).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut big = vec![0xFF, 0xD8, 0xFF];
    big.resize(600 * 1024, 0);
    let r = app.post_multipart(&path, &[], ("photo", "big.jpg", &big[..]), true).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM patient_photos").fetch_one(&app.pool).await.unwrap();
    assert_eq!(n, 0);
    // A real PNG is stored, shown and its reads audited.
    let r = app.post_multipart(&path, &[], ("photo", "me.png", &png()[..]), true).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(app.get(&format!("/patients/{id}")).await.body.contains(&format!("src=\"/patients/{id}/photo\"")));
    let r = app.get(&path).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.content_type(), "image/png");
    assert_eq!(app.audit_count("patient.photo.view").await, 1);
    assert_eq!(app.audit_count("patient.photo.upload").await, 1);
}

#[tokio::test]
async fn mrn_format_is_configurable_per_facility() {
    let (mut app, _) = TestApp::signed_in("super_admin").await;
    let fac = app.facility_id;
    let r = app.post_form(&format!("/admin/facilities/{fac}/mrn-format"), &[("mrn_format", "{SEQ:4}")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("must contain {CODE}"));
    let r =
        app.post_form(&format!("/admin/facilities/{fac}/mrn-format"), &[("mrn_format", "{CODE}/{YEAR}/{SEQ:4}")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let year = time::OffsetDateTime::now_utc().year();
    assert!(app.get(&format!("/admin/facilities/{fac}")).await.body.contains(&format!("TST/{year}/0001")));
    let id = app.register_patient(ANN).await;
    let page = app.get(&format!("/patients/{id}")).await;
    assert!(page.body.contains(&format!("TST/{year}/0001")));
    // The new format is found by MRN search too.
    assert!(app.get(&format!("/patients?q=tst/{year}/0001")).await.body.contains("Lee, Ann"));
    assert_eq!(app.audit_count("facility.mrn_format").await, 1);
}

#[tokio::test]
async fn search_ranks_prefix_then_substring_then_fuzzy() {
    let (mut app, _) = TestApp::signed_in("receptionist").await;
    for (g, f) in [("Karl", "Müller"), ("Anna", "Smuller"), ("Jo", "Mueller"), ("Zoë", "Miller")] {
        app.register_patient(&[("given_name", g), ("family_name", f), ("sex", "other")]).await;
    }
    let body = app.get("/patients?q=muller").await.body;
    let pos = |s: &str| body.find(s).unwrap_or_else(|| panic!("{s} missing"));
    assert!(pos("Müller, Karl") < pos("Smuller, Anna"), "word prefix before substring");
    // A typo still finds the name (trigram similarity), ranked after exact matches.
    let typo = app.get("/patients?q=mullr").await.body;
    assert!(typo.contains("Müller, Karl"), "{typo}");
    // Name plus date of birth narrows.
    app.register_patient(&[
        ("given_name", "Karl"),
        ("family_name", "Müller"),
        ("sex", "male"),
        ("birth_date", "1950-01-01"),
    ])
    .await;
    let both = app.get("/patients?q=muller+1950-01-01").await.body;
    assert_eq!(both.matches("Müller, Karl").count(), 1);
    // htmx type-ahead gets only the rows.
    let req = app
        .builder(Method::GET, "/patients?q=mul")
        .header("hx-request", "true")
        .header("hx-target", "patient-results")
        .body(axum::body::Body::empty())
        .unwrap();
    let partial = app.request(req).await;
    assert!(partial.body.contains("Müller, Karl") && !partial.body.contains("<html"));
}

#[tokio::test]
async fn name_search_pages_through_exact_then_fuzzy_matches_once() {
    let mut app = TestApp::new().await;
    let email = app.user("receptionist").await;
    let token = app.api_token(&email).await;
    for f in ["Kowalski", "Kowalska", "Kowalsky", "Kowal", "Nowak"] {
        let r = app
            .api(
                Method::POST,
                "/api/v1/patients",
                Some(&token),
                Some(
                    serde_json::json!({"given_name": "Jan", "family_name": f, "sex": "male", "register_anyway": true}),
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let url = match &after {
            Some(a) => format!("/api/v1/patients?q=kowalsky&limit=1&after={a}"),
            None => "/api/v1/patients?q=kowalsky&limit=1".to_string(),
        };
        let page = app.api(Method::GET, &url, Some(&token), None).await.json();
        for it in page["items"].as_array().unwrap() {
            seen.push(it["family_name"].as_str().unwrap().to_string());
        }
        match page["next"].as_str() {
            Some(n) => after = Some(n.to_string()),
            None => break,
        }
        assert!(seen.len() < 10, "pagination terminates");
    }
    assert_eq!(seen[0], "Kowalsky", "the exact match first, then similar names: {seen:?}");
    assert!(seen.contains(&"Kowalski".to_string()) && seen.contains(&"Kowalska".to_string()));
    let mut dedup = seen.clone();
    dedup.sort();
    dedup.dedup();
    assert_eq!(dedup.len(), seen.len(), "no row twice: {seen:?}");
    assert!(!seen.contains(&"Nowak".to_string()));
}
