use axum::http::StatusCode;

use crate::helpers::*;

#[tokio::test]
async fn register_find_and_open() {
    let (mut app, _) = TestApp::signed_in("receptionist").await;
    let r = app
        .post_form(
            "/patients",
            &[("given_name", "José"), ("family_name", "Müller"), ("sex", "male"), ("birth_date", "1980-02-29")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let loc = r.location().to_string();
    let page = app.get(&loc).await;
    assert!(page.body.contains("Registered with MRN TST-000001"));
    assert!(page.body.contains("Müller, José"));
    // Accent-insensitive, partial, any order.
    for q in ["muller", "jose mul", "MÜLL", "TST-000001", "tst-000001", "1980-02-29"] {
        let list = app.get(&format!("/patients?q={}", urlencode(q))).await;
        assert!(list.body.contains("Müller, José"), "search {q:?}");
    }
    assert!(!app.get("/patients?q=smith").await.body.contains("Müller"));
    assert!(app.get("/patients?q=smith").await.body.contains("No patient matches"));
    assert_eq!(app.audit_count("patient.view").await, 1);
    assert_eq!(app.audit_count("patient.create").await, 1);
    let suggest = app.get("/search/suggest?q=mull").await;
    assert!(suggest.body.contains("Müller, José"));
    assert!(!suggest.body.contains("<html"));
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("q", s)]).unwrap().trim_start_matches("q=").to_string()
}

#[tokio::test]
async fn invalid_registration_shows_field_errors_and_saves_nothing() {
    let (mut app, _) = TestApp::signed_in("nurse").await;
    let r = app
        .post_form(
            "/patients",
            &[
                ("given_name", " "),
                ("family_name", "X"),
                ("sex", "robot"),
                ("birth_date", "2999-01-01"),
                ("phone", "12"),
                ("national_id", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for msg in ["Enter the given name", "Choose female, male", "in the future", "6 to 15 digits", "4 to 30 letters"] {
        assert!(r.body.contains(msg), "{msg}");
    }
    assert!(r.body.contains("value=\"X\""), "keeps what was typed");
    assert_eq!(app.patient_count().await, 0);
    let r = app.post_form("/patients", &[("given_name", "A")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "missing fields");
    assert_eq!(app.patient_count().await, 0);
}

#[tokio::test]
async fn keyset_pagination_walks_every_patient_once() {
    let (mut app, _) = TestApp::signed_in("receptionist").await;
    for i in 0..30 {
        let r = app
            .post_form(
                "/patients",
                &[
                    ("given_name", "Pat"),
                    ("family_name", &format!("Page{i:02}")),
                    ("sex", "other"),
                    ("age_years", &(20 + i).to_string()),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
    }
    let first = app.get("/patients").await;
    assert_eq!(first.body.matches(", Pat").count(), 25);
    let next = first
        .body
        .split("href=\"/patients?")
        .nth(1)
        .map(|s| s.split('"').next().unwrap().replace("&amp;", "&").replace("&#38;", "&"))
        .expect("next link");
    let second = app.get(&format!("/patients?{next}")).await;
    assert_eq!(second.body.matches(", Pat").count(), 5);
    assert!(second.body.contains("Page29") && !second.body.contains("Page00"));
    assert!(!second.body.contains("Next page"));
}

#[tokio::test]
async fn mrns_are_unique_and_gapless_under_concurrency() {
    let app = TestApp::new().await;
    let emails: Vec<String> = {
        let mut v = Vec::new();
        for _ in 0..4 {
            v.push(app.user("receptionist").await);
        }
        v
    };
    let mut clients = Vec::new();
    for e in &emails {
        let mut c = app.another_client();
        c.login(e, PASSWORD).await;
        clients.push(c);
    }
    let mut tasks = Vec::new();
    for (ci, mut c) in clients.into_iter().enumerate() {
        tasks.push(tokio::spawn(async move {
            for i in 0..5 {
                let r = c
                    .post_form(
                        "/patients",
                        &[
                            ("given_name", "Race"),
                            ("family_name", &format!("C{ci}N{i}")),
                            ("sex", "unknown"),
                            ("age_years", &(20 + ci * 5 + i).to_string()),
                        ],
                    )
                    .await;
                assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let mrns: Vec<String> =
        sqlx::query_scalar("SELECT mrn FROM patients ORDER BY mrn").fetch_all(&app.pool).await.unwrap();
    let expected: Vec<String> = (1..=20).map(|n| format!("TST-{n:06}")).collect();
    assert_eq!(mrns, expected);
}

#[tokio::test]
async fn unknown_or_malformed_patient_ids_are_404() {
    let (mut app, _) = TestApp::signed_in("doctor").await;
    assert_eq!(app.get("/patients/not-a-uuid").await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/patients/{}", uuid::Uuid::new_v4())).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn global_search_groups_hits_by_module() {
    let (mut app, _) = TestApp::signed_in("doctor").await;
    let r = app
        .post_form(
            "/patients",
            &[("given_name", "Grace"), ("family_name", "Hopper"), ("sex", "female"), ("age_years", "30")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = app.get("/search?q=hopp").await;
    assert!(page.body.contains("<h2>Patients</h2>") && page.body.contains("Hopper, Grace"), "{}", page.body);
    assert!(page.body.contains("TST-000001"));
    let none = app.get("/search?q=zzzz").await;
    assert!(none.body.contains("Nothing matches"));
    let suggest = app.get("/search/suggest?q=gr").await;
    assert!(suggest.body.contains("Hopper, Grace") && suggest.body.contains("/search?q=gr"));
    assert_eq!(app.get("/search/suggest?q=g").await.body.trim(), "", "one letter is too short");
    // Without patients.read, the module contributes nothing.
    sqlx::query("DELETE FROM role_permissions WHERE role_code = 'doctor' AND permission_code = 'patients.read'")
        .execute(&app.pool)
        .await
        .unwrap();
    assert!(!app.get("/search?q=hopp").await.body.contains("Hopper"));
}

#[tokio::test]
async fn type_ahead_orders_family_before_given_names_and_hides_restricted_records() {
    let (mut doc, _) = TestApp::signed_in("doctor").await;
    for (given, family) in [("Ann", "Quince"), ("Quinn", "Abbott"), ("Zelda", "Quintero")] {
        let r = doc
            .post_form(
                "/patients",
                &[("given_name", given), ("family_name", family), ("sex", "female"), ("age_years", "30")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let zelda: uuid::Uuid = sqlx::query_scalar("SELECT id FROM patients WHERE family_name = 'Quintero'")
        .fetch_one(&doc.pool)
        .await
        .unwrap();
    let mut admin = doc.another_client();
    let ae = doc.user("super_admin").await;
    admin.login(&ae, PASSWORD).await;
    let r = admin.post_form(&format!("/patients/{zelda}/restricted"), &[("restricted", "true")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let all = admin.get("/search/suggest?q=quin").await.body;
    let (q, z, a) = (all.find("Quince, Ann"), all.find("Quintero, Zelda"), all.find("Abbott, Quinn"));
    assert!(q.is_some() && z.is_some() && a.is_some(), "{all}");
    assert!(q < z && z < a, "family-name matches in name order, then given-name matches: {all}");
    let mut nurse = doc.another_client();
    let ne = doc.user("nurse").await;
    nurse.login(&ne, PASSWORD).await;
    let seen = nurse.get("/search/suggest?q=quin").await.body;
    assert!(seen.contains("Quince, Ann") && seen.contains("Abbott, Quinn"), "{seen}");
    assert!(!seen.contains("Quintero"), "a restricted record the nurse may not open is not suggested");
    // Accents and case fold; a word that starts no name falls back to the ranked search.
    assert!(nurse.get("/search/suggest?q=QUÍN").await.body.contains("Quince, Ann"));
    assert!(nurse.get("/search/suggest?q=bbot").await.body.contains("Abbott, Quinn"));
}
