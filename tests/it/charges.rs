//! Charge capture through HTTP: the example module charges a dose given here and reverses it
//! when the entry is marked in error; duplicates and double reversals are refused under races;
//! the ledger is append-only in the database; the billing list and a patient's charges, with
//! their filters, paging, facility scope and permissions.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::*;
use hearth::modules::charges::{self, NewCharge};
use hearth::platform::audit::AuditMeta;

async fn patient(app: &mut TestApp, given: &str) -> String {
    app.register_patient(&[
        ("given_name", given),
        ("family_name", "Ledger"),
        ("sex", "female"),
        ("birth_date", "1960-02-02"),
    ])
    .await
}

async fn vaccinate(app: &mut TestApp, token: &str, pid: &str, body: Value) -> String {
    let r = app.api(Method::POST, &format!("/api/v1/patients/{pid}/immunizations"), Some(token), Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_string()
}

async fn ledger(app: &TestApp) -> Vec<(Uuid, String, i32, Option<Uuid>, String)> {
    sqlx::query_as(
        "SELECT patient_id, code, quantity, reverses, source_row::text FROM charges ORDER BY recorded_at, quantity DESC",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

/// A nurse and a billing clerk of the test facility, with API tokens.
async fn staff(app: &mut TestApp) -> (String, String) {
    let nurse = app.user("nurse").await;
    let clerk = app.user("billing_clerk").await;
    (app.api_token(&nurse).await, app.api_token(&clerk).await)
}

#[tokio::test]
async fn a_dose_given_here_is_charged_and_its_error_reverses_the_charge() {
    let (mut app, _) = TestApp::signed_in("nurse").await;
    let pid = patient(&mut app, "Gina").await;
    let (nurse, clerk) = staff(&mut app).await;
    let given =
        vaccinate(&mut app, &nurse, &pid, json!({"cvx": "140", "occurred_on": "2026-10-15", "occurred_time": "09:30"}))
            .await;
    // Reported from elsewhere and not given: nothing to bill.
    vaccinate(&mut app, &nurse, &pid, json!({"cvx": "33", "reported": true, "occurred_on": "2025-01-01"})).await;
    vaccinate(
        &mut app,
        &nurse,
        &pid,
        json!({"cvx": "115", "status": "not_done", "not_done_reason": "patient_objection"}),
    )
    .await;
    let rows = ledger(&app).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(
        (rows[0].0.to_string(), rows[0].1.as_str(), rows[0].2, rows[0].4.as_str()),
        (pid.clone(), "CVX:140", 1, given.as_str())
    );
    let (facility, performer, kind, module): (Uuid, Option<Uuid>, String, String) =
        sqlx::query_as("SELECT facility_id, performer_id, kind, source_module FROM charges")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((facility, kind.as_str(), module.as_str()), (app.facility_id, "administration", "immunizations"));
    assert!(performer.is_some(), "the recording nurse performed it");
    assert_eq!(app.audit_count("charges.charge.capture").await, 1);

    // The billing clerk sees it on the list, on the patient's tab and in the API.
    let mut billing = app.another_client();
    billing.login(&app.user("billing_clerk").await, PASSWORD).await;
    let list = billing.get("/charges").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.body.contains("CVX:140") && list.body.contains("Gina Ledger") && list.body.contains("Charged"),
        "{}",
        list.body
    );
    let tab = billing.get(&format!("/patients/{pid}/charges")).await;
    assert!(tab.status == StatusCode::OK && tab.body.contains("CVX:140"), "{}", tab.body);
    let api = app.api(Method::GET, &format!("/api/v1/patients/{pid}/charges"), Some(&clerk), None).await.json();
    assert_eq!(api["items"].as_array().unwrap().len(), 1, "{api}");
    assert_eq!(api["items"][0]["quantity"], 1);

    // Entered in error: the dose never happened, so its charge is reversed with the reason.
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{pid}/immunizations/{given}/error"),
            Some(&nurse),
            Some(json!({"reason": "Wrong patient"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let rows = ledger(&app).await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!((rows[1].1.as_str(), rows[1].2), ("CVX:140", -1), "a compensating entry");
    let original: Uuid =
        sqlx::query_scalar("SELECT id FROM charges WHERE quantity > 0").fetch_one(&app.pool).await.unwrap();
    assert_eq!(rows[1].3, Some(original), "the reversal references the original");
    let reason: String =
        sqlx::query_scalar("SELECT reason FROM charges WHERE quantity < 0").fetch_one(&app.pool).await.unwrap();
    assert_eq!(reason, "Wrong patient");
    let net: i64 = sqlx::query_scalar("SELECT sum(quantity) FROM charges").fetch_one(&app.pool).await.unwrap();
    assert_eq!(net, 0);
    let list = billing.get("/charges").await;
    assert!(list.body.contains("Reversal") && list.body.contains("Reversed"), "{}", list.body);
    // The whole-record export carries the ledger for readers of it, and names it omitted otherwise.
    let export = billing.get(&format!("/patients/{pid}/export.json")).await.json();
    assert_eq!(export["charges"].as_array().map(Vec::len), Some(2), "{export}");
    let export = app.get(&format!("/patients/{pid}/export.json")).await.json();
    assert!(export.get("charges").is_none() && export["omitted_sections"].to_string().contains("charges"), "{export}");
}

#[tokio::test]
async fn the_same_act_captured_twice_at_once_is_charged_once() {
    let (mut app, _) = TestApp::signed_in("nurse").await;
    let pid: Uuid = patient(&mut app, "Race").await.parse().unwrap();
    let act = Uuid::new_v4();
    let at = time::OffsetDateTime::now_utc();
    // Eight transactions capture the same act at the same moment (a retried request racing the
    // original): the unique index lets one through, the others get the module's 409.
    let tries = (0..8).map(|_| {
        let pool = app.pool.clone();
        async move {
            let mut tx = pool.begin().await.unwrap();
            let r = charges::capture(
                &mut tx,
                &AuditMeta::system("test"),
                &NewCharge {
                    patient: pid,
                    encounter: None,
                    facility: None,
                    source_module: "immunizations",
                    source_row: act,
                    kind: "administration",
                    code: "CVX:140",
                    description: "Influenza",
                    quantity: 1,
                    performed_at: at,
                    performer: None,
                    replaces: None,
                },
            )
            .await;
            if r.is_ok() {
                tx.commit().await.unwrap();
            }
            r
        }
    });
    let results = futures_util::future::join_all(tries).await;
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let conflicts: Vec<_> =
        results.iter().filter_map(|r| r.as_ref().err()).filter(|e| e.status() == StatusCode::CONFLICT).collect();
    assert_eq!((ok, conflicts.len()), (1, 7), "{results:?}");
    let constraint = match conflicts[0] {
        hearth::error::AppError::Constraint(c) => c.constraint.clone(),
        e => panic!("{e:?}"),
    };
    assert_eq!(constraint.as_deref(), Some("charges_once"));
    assert_eq!(hearth::REGISTRY.constraint_message("charges_once"), Some("This act is already charged."));
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM charges").fetch_one(&app.pool).await.unwrap();
    assert_eq!(n, 1);
    // Without a facility, the charge takes the patient's registering facility (a system actor
    // has none).
    let f: Uuid = sqlx::query_scalar("SELECT facility_id FROM charges").fetch_one(&app.pool).await.unwrap();
    assert_eq!(f, app.facility_id);

    // Through HTTP: a retried immunization (same dose) is refused whole, with no second charge.
    let nurse = app.api_token(&app.user("nurse").await).await;
    let body = json!({"cvx": "03", "occurred_on": "2026-11-01", "occurred_time": "08:00"});
    vaccinate(&mut app, &nurse, &pid.to_string(), body.clone()).await;
    let again = app.api(Method::POST, &format!("/api/v1/patients/{pid}/immunizations"), Some(&nurse), Some(body)).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    let n: i64 =
        sqlx::query_scalar("SELECT count(*) FROM charges WHERE code = 'CVX:03'").fetch_one(&app.pool).await.unwrap();
    assert_eq!(n, 1);
}

#[tokio::test]
async fn a_charge_is_reversed_once_even_under_a_race() {
    let (mut app, _) = TestApp::signed_in("nurse").await;
    let pid = patient(&mut app, "Rev").await;
    let (nurse, clerk) = staff(&mut app).await;
    vaccinate(&mut app, &nurse, &pid, json!({"cvx": "140"})).await;
    let charge: Uuid = sqlx::query_scalar("SELECT id FROM charges").fetch_one(&app.pool).await.unwrap();
    let url = format!("/api/v1/charges/{charge}/reverse");
    // A reason is required.
    let r = app.api(Method::POST, &url, Some(&clerk), Some(json!({"reason": "  "}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let calls =
        (0..6).map(|i| {
            let mut c = app.another_client();
            let (url, clerk) = (url.clone(), clerk.clone());
            async move {
                c.api(Method::POST, &url, Some(&clerk), Some(json!({"reason": format!("Billed twice ({i})")}))).await
            }
        });
    let results = futures_util::future::join_all(calls).await;
    let created: Vec<_> = results.iter().filter(|r| r.status == StatusCode::CREATED).collect();
    let conflicts: Vec<_> = results.iter().filter(|r| r.status == StatusCode::CONFLICT).collect();
    assert_eq!((created.len(), conflicts.len()), (1, 5), "{:?}", results.iter().map(|r| r.status).collect::<Vec<_>>());
    assert!(conflicts[0].json()["detail"].as_str().unwrap().contains("already reversed"), "{}", conflicts[0].body);
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM charges WHERE reverses IS NOT NULL")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(n, 1);
    // A reversal cannot be reversed; an unknown charge is 404, and so is a malformed id.
    let reversal = created[0].json()["id"].as_str().unwrap().to_string();
    let r = app
        .api(Method::POST, &format!("/api/v1/charges/{reversal}/reverse"), Some(&clerk), Some(json!({"reason": "x"})))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/charges/{}/reverse", Uuid::new_v4()),
            Some(&clerk),
            Some(json!({"reason": "x"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app.api(Method::POST, "/api/v1/charges/nope/reverse", Some(&clerk), Some(json!({"reason": "x"}))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(app.audit_count("charges.charge.reverse").await, 1);

    // The page's form: a second reversal is refused with the message, nothing added.
    let mut billing = app.another_client();
    billing.login(&app.user("billing_clerk").await, PASSWORD).await;
    let r =
        billing.post_form(&format!("/charges/{charge}/reverse"), &[("reason", "Again"), ("back", "/charges")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM charges").fetch_one(&app.pool).await.unwrap();
    assert_eq!(n, 2);
}

#[tokio::test]
async fn a_reversed_charge_can_be_corrected_once() {
    let (mut app, _) = TestApp::signed_in("nurse").await;
    let pid: Uuid = patient(&mut app, "Cor").await.parse().unwrap();
    let (nurse, clerk) = staff(&mut app).await;
    let imm: Uuid = vaccinate(&mut app, &nurse, &pid.to_string(), json!({"cvx": "140"})).await.parse().unwrap();
    let charge: Uuid = sqlx::query_scalar("SELECT id FROM charges").fetch_one(&app.pool).await.unwrap();
    let meta = AuditMeta::system("test");
    let corrected = |replaces: Option<Uuid>| NewCharge {
        patient: pid,
        encounter: None,
        facility: None,
        source_module: "immunizations",
        source_row: imm,
        kind: "administration",
        code: "CVX:141",
        description: "Influenza, seasonal, injectable",
        quantity: 1,
        performed_at: time::OffsetDateTime::now_utc(),
        performer: None,
        replaces,
    };
    // Replacing a charge that was not reversed is refused by the database.
    let mut tx = app.pool.begin().await.unwrap();
    let r = charges::capture(&mut tx, &meta, &corrected(Some(charge))).await;
    assert_eq!(r.map_err(|e| e.status()).err(), Some(StatusCode::CONFLICT));
    drop(tx);
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/charges/{charge}/reverse"),
            Some(&clerk),
            Some(json!({"reason": "Wrong code"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let mut tx = app.pool.begin().await.unwrap();
    charges::capture(&mut tx, &meta, &corrected(Some(charge))).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = app.pool.begin().await.unwrap();
    let twice = charges::capture(&mut tx, &meta, &corrected(Some(charge))).await;
    assert_eq!(twice.map_err(|e| e.status()).err(), Some(StatusCode::CONFLICT));
    drop(tx);
    let net: Vec<(String, i64)> = sqlx::query_as("SELECT code, sum(quantity) FROM charges GROUP BY code ORDER BY code")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(net, vec![("CVX:140".to_string(), 0), ("CVX:141".to_string(), 1)]);
}

#[tokio::test]
async fn the_ledger_refuses_updates_and_deletes() {
    let (mut app, _) = TestApp::signed_in("nurse").await;
    let pid = patient(&mut app, "Imm").await;
    let other = patient(&mut app, "Other").await;
    let (nurse, _) = staff(&mut app).await;
    vaccinate(&mut app, &nurse, &pid, json!({"cvx": "140"})).await;
    for sql in [
        "UPDATE charges SET quantity = 2".to_string(),
        "UPDATE charges SET code = 'CVX:141'".to_string(),
        // The patient changes only along a merge link.
        format!("UPDATE charges SET patient_id = '{other}'"),
        "DELETE FROM charges".to_string(),
        "TRUNCATE charges".to_string(),
    ] {
        let e = sqlx::query(&sql).execute(&app.pool).await.unwrap_err();
        // TRUNCATE may meet the billing lines' foreign key before the ledger's trigger: refused either way.
        let refused = e.to_string().contains("append-only")
            || (sql.starts_with("TRUNCATE") && e.to_string().contains("cannot truncate a table referenced"));
        assert!(refused, "{sql}: {e}");
    }
    // A hand-made reversal that does not mirror its charge is refused too.
    let e = sqlx::query(
        "INSERT INTO charges (id, patient_id, facility_id, source_module, source_row, kind, code, quantity, performed_at, reverses, reason)
         SELECT gen_random_uuid(), patient_id, facility_id, source_module, source_row, kind, code, -5, performed_at, id, 'x' FROM charges",
    )
    .execute(&app.pool)
    .await
    .unwrap_err();
    assert!(e.to_string().contains("mirrors"), "{e}");
    let n: i64 =
        sqlx::query_scalar("SELECT count(*) FROM charges WHERE quantity = 1").fetch_one(&app.pool).await.unwrap();
    assert_eq!(n, 1);
}

#[tokio::test]
async fn the_billing_list_filters_pages_and_keeps_to_the_readers_facilities() {
    let (mut app, _) = TestApp::signed_in("nurse").await;
    let a = patient(&mut app, "Alma").await;
    let b = patient(&mut app, "Bea").await;
    let (nurse, clerk) = staff(&mut app).await;
    for (pid, cvx, day) in
        [(&a, "140", "2026-10-01"), (&a, "33", "2026-10-02"), (&b, "140", "2026-10-03"), (&b, "113", "2026-10-04")]
    {
        vaccinate(&mut app, &nurse, pid, json!({"cvx": cvx, "occurred_on": day, "occurred_time": "10:00"})).await;
    }
    let get = |q: &str| format!("/api/v1/charges{q}");
    let items = |v: &Value| {
        v["items"].as_array().unwrap().iter().map(|i| i["code"].as_str().unwrap().to_string()).collect::<Vec<_>>()
    };
    let all = app.api(Method::GET, &get(""), Some(&clerk), None).await.json();
    assert_eq!(items(&all), ["CVX:113", "CVX:140", "CVX:33", "CVX:140"], "newest act first");
    let mrn_b: String =
        sqlx::query_scalar("SELECT mrn FROM patients WHERE id = $1::uuid").bind(&b).fetch_one(&app.pool).await.unwrap();
    let by_patient =
        app.api(Method::GET, &get(&format!("?patient={}", mrn_b.to_lowercase())), Some(&clerk), None).await.json();
    assert_eq!(items(&by_patient), ["CVX:113", "CVX:140"]);
    let by_days = app.api(Method::GET, &get("?from=2026-10-02&to=2026-10-03"), Some(&clerk), None).await.json();
    assert_eq!(items(&by_days), ["CVX:140", "CVX:33"]);
    let by_module = app.api(Method::GET, &get("?module=pharmacy"), Some(&clerk), None).await.json();
    assert!(items(&by_module).is_empty());
    let by_facility =
        app.api(Method::GET, &get(&format!("?facility={}", app.facility_id)), Some(&clerk), None).await.json();
    assert_eq!(items(&by_facility).len(), 4);
    // Paging: two by two, then the end.
    let p1 = app.api(Method::GET, &get("?limit=3"), Some(&clerk), None).await.json();
    assert_eq!(items(&p1).len(), 3);
    let next = p1["next"].as_str().unwrap();
    let p2 = app.api(Method::GET, &get(&format!("?limit=3&after={next}")), Some(&clerk), None).await.json();
    assert_eq!((items(&p2), p2["next"].clone()), (vec!["CVX:140".to_string()], Value::Null));
    // Bad input: a cursor that is none, a date that is none, an inverted range.
    assert_eq!(app.api(Method::GET, &get("?after=garbage"), Some(&clerk), None).await.status, StatusCode::BAD_REQUEST);
    let r = app.api(Method::GET, &get("?from=yesterday"), Some(&clerk), None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("from"));
    assert_eq!(
        app.api(Method::GET, &get("?from=2026-10-05&to=2026-10-01"), Some(&clerk), None).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // The page: filters and the pager.
    let mut billing = app.another_client();
    billing.login(&app.user("billing_clerk").await, PASSWORD).await;
    let page = billing.get("/charges?from=2026-10-02&to=2026-10-03").await;
    assert!(page.body.contains("CVX:33") && !page.body.contains("CVX:113"), "{}", page.body);
    let page = billing.get("/charges?limit=2").await;
    assert!(page.body.contains("rel=\"next\""), "a pager");
    let page = billing.get("/charges?from=nope").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("Enter a date as YYYY-MM-DD") && page.body.contains("value=\"nope\""));
    assert!(app.audit_count("charges.list.view").await >= 5);

    // A clerk of another facility sees none of them and cannot reverse them.
    let elsewhere = Uuid::new_v4();
    sqlx::query("INSERT INTO facilities (id, code, name) VALUES ($1, 'OTH', 'Other Hospital')")
        .bind(elsewhere)
        .execute(&app.pool)
        .await
        .unwrap();
    let other_clerk = app.user("billing_clerk").await;
    sqlx::query("UPDATE user_facilities SET facility_id = $1 WHERE user_id = (SELECT id FROM users WHERE email = $2)")
        .bind(elsewhere)
        .bind(&other_clerk)
        .execute(&app.pool)
        .await
        .unwrap();
    let token = app.api_token(&other_clerk).await;
    let none = app.api(Method::GET, &get(""), Some(&token), None).await.json();
    assert!(items(&none).is_empty(), "{none}");
    let charge: Uuid = sqlx::query_scalar("SELECT id FROM charges LIMIT 1").fetch_one(&app.pool).await.unwrap();
    let r = app
        .api(Method::POST, &format!("/api/v1/charges/{charge}/reverse"), Some(&token), Some(json!({"reason": "x"})))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // A super admin reads the whole network.
    let sa = app.api_token(&app.user("super_admin").await).await;
    assert_eq!(items(&app.api(Method::GET, &get(""), Some(&sa), None).await.json()).len(), 4);
}

#[tokio::test]
async fn roles_without_the_charge_permissions_are_refused() {
    let (mut app, _) = TestApp::signed_in("nurse").await;
    let pid = patient(&mut app, "Perm").await;
    let (nurse, _) = staff(&mut app).await;
    vaccinate(&mut app, &nurse, &pid, json!({"cvx": "140"})).await;
    let charge: Uuid = sqlx::query_scalar("SELECT id FROM charges").fetch_one(&app.pool).await.unwrap();
    for role in ["doctor", "nurse", "receptionist", "pharmacist", "lab_technician", "radiologist", "ed_coordinator"] {
        let mut c = app.another_client();
        c.login(&app.user(role).await, PASSWORD).await;
        assert_eq!(c.get("/charges").await.status, StatusCode::FORBIDDEN, "{role} lists");
        assert_eq!(c.get(&format!("/patients/{pid}/charges")).await.status, StatusCode::FORBIDDEN, "{role} reads");
        let r = c.post_form(&format!("/charges/{charge}/reverse"), &[("reason", "x")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role} reverses");
        let token = app.api_token(&app.user(role).await).await;
        assert_eq!(app.api(Method::GET, "/api/v1/charges", Some(&token), None).await.status, StatusCode::FORBIDDEN);
    }
    // A hospital admin reads the ledger (and holds what a billing clerk holds, to grant it).
    let mut admin = app.another_client();
    admin.login(&app.user("hospital_admin").await, PASSWORD).await;
    assert_eq!(admin.get("/charges").await.status, StatusCode::OK);
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM charges").fetch_one(&app.pool).await.unwrap();
    assert_eq!(n, 1, "nothing reversed");
    // The navigation shows Charges to readers only.
    assert!(admin.get("/").await.body.contains("href=\"/charges\""));
    let mut n = app.another_client();
    n.login(&app.user("nurse").await, PASSWORD).await;
    assert!(!n.get("/").await.body.contains("href=\"/charges\""));
}

#[tokio::test]
async fn charges_follow_a_merge_and_go_back_with_their_acts_on_unmerge() {
    let (mut app, _) = TestApp::signed_in("super_admin").await;
    let survivor = patient(&mut app, "Sue").await;
    let merged = patient(&mut app, "Sue-dup").await;
    let (nurse, _) = staff(&mut app).await;
    vaccinate(&mut app, &nurse, &survivor, json!({"cvx": "113", "occurred_on": "2026-09-01"})).await;
    let moved_dose = vaccinate(&mut app, &nurse, &merged, json!({"cvx": "140", "occurred_on": "2026-10-01"})).await;
    let sa = app.api_token(&app.user("super_admin").await).await;
    let r = app
        .api(Method::POST, &format!("/api/v1/patients/{survivor}/merge"), Some(&sa), Some(json!({"merged": merged})))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let merge = r.json()["merge"].as_str().unwrap().to_string();
    assert_eq!(r.json()["moved"]["charges"], 1);
    let owners = |app: &TestApp| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_as::<_, (String, String, i32)>(
                "SELECT patient_id::text, code, quantity FROM charges ORDER BY code, quantity DESC",
            )
            .fetch_all(&pool)
            .await
            .unwrap()
        }
    };
    let s = survivor.clone();
    assert!(owners(&app).await.iter().all(|(p, _, _)| *p == s), "the ledger follows the merge");
    // After the merge: the moved dose is marked in error (its reversal is captured on the
    // survivor) and the survivor gets a new dose.
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{survivor}/immunizations/{moved_dose}/error"),
            Some(&nurse),
            Some(json!({"reason": "Not given"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    vaccinate(&mut app, &nurse, &survivor, json!({"cvx": "33", "occurred_on": "2026-11-01"})).await;
    // The preview says what happens to the ledger.
    let preview = app.api(Method::GET, &format!("/api/v1/patients/{survivor}/merges/{merge}"), Some(&sa), None).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    let notes = preview.json()["notes"].to_string();
    assert!(notes.contains("the acts they bill: 2") && notes.contains("stay with it: 1"), "{notes}");
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{survivor}/merges/{merge}/undo"),
            Some(&sa),
            Some(json!({"reason": "Two different people"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // The moved charge and its reversal (captured after the merge) went back with the dose; the
    // survivor's own charges stayed.
    assert_eq!(
        owners(&app).await,
        vec![
            (survivor.clone(), "CVX:113".to_string(), 1),
            (merged.clone(), "CVX:140".to_string(), 1),
            (merged.clone(), "CVX:140".to_string(), -1),
            (survivor.clone(), "CVX:33".to_string(), 1),
        ]
    );
    let imm_owner: String = sqlx::query_scalar("SELECT patient_id::text FROM immunizations WHERE id = $1::uuid")
        .bind(&moved_dose)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(imm_owner, merged, "the dose went back with its charges");
}
