//! The orders core through HTTP: placing and signing, who may sign, the verbal or telephone
//! order's countersignature and its start-page panel, the request flow with its reasons, the
//! racing revoke, order sets placed all or nothing, the results inbox with its routing to the
//! cover while away, the Orders tab's filters and paging, and immunization orders completed by
//! the dose given.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::*;
use hearth::platform::audit::AuditMeta;

async fn user_id(app: &TestApp, email: &str) -> Uuid {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(email).fetch_one(&app.pool).await.unwrap()
}

async fn order_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM orders").fetch_one(&app.pool).await.unwrap()
}

async fn status_of(app: &TestApp, id: &str) -> String {
    sqlx::query_scalar("SELECT status FROM orders WHERE id = $1::uuid").bind(id).fetch_one(&app.pool).await.unwrap()
}

async fn patient(app: &mut TestApp, given: &str) -> String {
    app.register_patient(&[
        ("given_name", given),
        ("family_name", "Order"),
        ("sex", "female"),
        ("birth_date", "1960-03-04"),
    ])
    .await
}

/// Another signed-in browser of `role` with its API token and user id.
async fn member(app: &TestApp, role: &str) -> (TestApp, String, Uuid) {
    let email = app.user(role).await;
    let mut c = app.another_client();
    c.login(&email, PASSWORD).await;
    let token = c.api_token(&email).await;
    let id = user_id(app, &email).await;
    (c, token, id)
}

/// Places an order through the API; returns the response.
async fn place(app: &mut TestApp, token: &str, pid: &str, body: Value) -> TestResponse {
    app.api(Method::POST, &format!("/api/v1/patients/{pid}/orders"), Some(token), Some(body)).await
}

async fn placed(app: &mut TestApp, token: &str, pid: &str, body: Value) -> String {
    let r = place(app, token, pid, body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_string()
}

async fn release(app: &TestApp, order: &str, summary: &str) -> Uuid {
    let mut tx = app.pool.begin().await.unwrap();
    let id = hearth::modules::orders::release_result(
        &mut tx,
        &AuditMeta::system("test"),
        Uuid::parse_str(order).unwrap(),
        summary,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

/// Posts a form of repeated, computed keys as `app`'s browser.
async fn post_pairs(app: &TestApp, url: &str, fields: Vec<(String, String)>) -> TestResponse {
    let mut c = app.another_client();
    c.cookies = app.cookies.clone();
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    c.post_form(url, &pairs).await
}

#[tokio::test]
async fn a_doctor_places_and_signs_orders_and_the_orders_tab_lists_them() {
    let (mut app, email) = TestApp::signed_in("doctor").await;
    let pid = patient(&mut app, "Ann").await;
    let tab = app.get(&format!("/patients/{pid}/orders")).await;
    assert_eq!(tab.status, StatusCode::OK, "{}", tab.body);
    assert!(tab.body.contains("No open orders") && tab.body.contains(">Orders</a>"), "the tab is the registry's");
    assert!(tab.body.contains("Order immunization"), "the kinds come from the registry");

    let form = app.get(&format!("/patients/{pid}/orders/new?kind=immunization")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("Influenza, seasonal, injectable, preservative free (140)"), "the kind's catalogue");
    assert!(!form.body.contains("read_back"), "a doctor without orders.enter enters no verbal orders");

    // Refused field by field, keeping what was typed; nothing placed.
    let r = app
        .post_form(
            &format!("/patients/{pid}/orders"),
            &[("kind", "immunization"), ("code", ""), ("priority", "whenever"), ("indication", "KEEP-THIS")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("Choose what to order") && r.body.contains("KEEP-THIS") && r.body.contains("Choose routine")
    );
    let r = app.post_form(&format!("/patients/{pid}/orders"), &[("kind", "immunization"), ("code", "999")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Not a vaccine of the catalogue"), "the kind's create function refused the code");
    assert_eq!(order_count(&app).await, 0);

    let r = app
        .post_form(
            &format!("/patients/{pid}/orders"),
            &[
                ("kind", "immunization"),
                ("code", "140"),
                ("priority", "urgent"),
                ("indication", "Flu season, asthma"),
                ("entry", "signed"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let signed = r.location().rsplit('/').next().unwrap().to_string();
    let page = app.get(r.location()).await;
    assert!(page.body.contains("Active") && page.body.contains("Flu season, asthma") && page.body.contains("Urgent"));
    let r = app
        .post_form(&format!("/patients/{pid}/orders"), &[("kind", "immunization"), ("code", "33"), ("entry", "draft")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let draft = r.location().rsplit('/').next().unwrap().to_string();
    assert_eq!((status_of(&app, &signed).await, status_of(&app, &draft).await), ("active".into(), "draft".into()));
    let page = app.get(r.location()).await;
    assert!(page.body.contains("Sign the order"), "the orderer may sign the draft");

    let tab = app.get(&format!("/patients/{pid}/orders")).await;
    assert!(tab.body.contains("pneumococcal") && tab.body.contains("Draft") && tab.body.contains("Active"));
    let r = app.post_form(&format!("/patients/{pid}/orders/{draft}/sign"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let (st, signer): (String, Option<Uuid>) =
        sqlx::query_as("SELECT status, signed_by FROM orders WHERE id = $1::uuid")
            .bind(&draft)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((st.as_str(), signer), ("active", Some(user_id(&app, &email).await)));
    assert_eq!(app.audit_count("orders.order.place").await, 2);
    assert_eq!(app.audit_count("orders.order.sign").await, 1);

    // The API lists the same, with both statuses; the timeline and the export show orders too.
    let token = app.api_token(&email).await;
    let list = app.api(Method::GET, &format!("/api/v1/patients/{pid}/orders"), Some(&token), None).await.json();
    assert_eq!(list["items"].as_array().unwrap().len(), 2, "{list}");
    assert_eq!(list["items"][0]["kind"], "immunization");
    assert!(app.get(&format!("/patients/{pid}/chart")).await.body.contains("pneumococcal"), "timeline");
    let export = app.get(&format!("/patients/{pid}/export.json")).await.json();
    assert_eq!(export["orders"].as_array().unwrap().len(), 2, "{export}");
}

#[tokio::test]
async fn only_the_ordering_clinician_with_the_kinds_permission_signs() {
    let (mut app, email) = TestApp::signed_in("doctor").await;
    let pid = patient(&mut app, "Bea").await;
    let token = app.api_token(&email).await;
    let draft = placed(&mut app, &token, &pid, json!({"kind": "immunization", "code": "140", "entry": "draft"})).await;
    let sign = format!("/api/v1/orders/{draft}/sign");

    let (mut nurse, nurse_token, _) = member(&app, "nurse").await;
    assert_eq!(nurse.api(Method::POST, &sign, Some(&nurse_token), None).await.status, StatusCode::FORBIDDEN);
    let r = place(&mut nurse, &nurse_token, &pid, json!({"kind": "immunization", "code": "140"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "a nurse signs no order of her own: {}", r.body);
    let (mut other, other_token, _) = member(&app, "doctor").await;
    assert_eq!(
        other.api(Method::POST, &sign, Some(&other_token), None).await.status,
        StatusCode::FORBIDDEN,
        "another doctor does not sign a colleague's order"
    );
    for role in ["receptionist", "billing_clerk", "hospital_admin"] {
        let (mut c, t, _) = member(&app, role).await;
        assert_eq!(c.get(&format!("/patients/{pid}/orders")).await.status, StatusCode::FORBIDDEN, "{role} tab");
        assert_eq!(
            c.api(Method::GET, &format!("/api/v1/orders/{draft}"), Some(&t), None).await.status,
            StatusCode::FORBIDDEN,
            "{role} reads"
        );
        let r = place(&mut c, &t, &pid, json!({"kind": "immunization", "code": "140"})).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role} orders");
        assert_eq!(c.api(Method::POST, &sign, Some(&t), None).await.status, StatusCode::FORBIDDEN, "{role} signs");
    }
    assert_eq!(status_of(&app, &draft).await, "draft");
    assert_eq!(app.api(Method::POST, &sign, Some(&token), None).await.status, StatusCode::NO_CONTENT);
    let again = app.api(Method::POST, &sign, Some(&token), None).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.json()["detail"].as_str().unwrap().contains("already active"), "{}", again.body);
    // A nurse may read orders.
    let r = nurse.api(Method::GET, &format!("/api/v1/orders/{draft}"), Some(&nurse_token), None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["order"]["status"], "active");
}

#[tokio::test]
async fn a_telephone_order_waits_for_the_prescribers_countersignature() {
    let (mut doctor, doctor_email) = TestApp::signed_in("doctor").await;
    let doctor_id = user_id(&doctor, &doctor_email).await;
    let pid = patient(&mut doctor, "Cleo").await;
    let (mut nurse, nurse_token, nurse_id) = member(&doctor, "nurse").await;
    let body = |read_back: bool| {
        json!({"kind": "immunization", "code": "115", "priority": "asap", "entry": "telephone",
               "orderer_id": doctor_id, "read_back": read_back, "indication": "Wound, last booster unknown"})
    };
    let r = place(&mut nurse, &nurse_token, &pid, body(false)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["errors"].as_array().unwrap().iter().any(|e| e["field"] == "read_back"), "{}", r.body);
    // On behalf of someone who may not order: refused.
    let (_, _, clerk_id) = member(&doctor, "receptionist").await;
    let r = place(
        &mut nurse,
        &nurse_token,
        &pid,
        json!({"kind": "immunization", "code": "115", "entry": "verbal",
        "orderer_id": clerk_id, "read_back": true}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("orderer_id"));
    assert_eq!(order_count(&doctor).await, 0);

    let id = placed(&mut nurse, &nurse_token, &pid, body(true)).await;
    let o = nurse.api(Method::GET, &format!("/api/v1/orders/{id}"), Some(&nurse_token), None).await.json();
    assert_eq!(
        (&o["order"]["status"], &o["order"]["entry_mode"], &o["order"]["awaiting_countersignature"]),
        (&json!("active"), &json!("telephone"), &json!(true)),
        "{o}"
    );
    assert_eq!(
        (o["order"]["orderer_id"].as_str(), o["order"]["entered_by"].as_str()),
        (Some(doctor_id.to_string().as_str()), Some(nurse_id.to_string().as_str()))
    );
    let notified: i64 =
        sqlx::query_scalar("SELECT count(*) FROM notifications WHERE user_id = $1 AND kind = 'orders.countersign'")
            .bind(doctor_id)
            .fetch_one(&doctor.pool)
            .await
            .unwrap();
    assert_eq!(notified, 1);

    // The prescriber's start page lists it until countersigned; a colleague's does not.
    let home = doctor.get("/").await;
    assert!(home.body.contains("Orders to countersign") && home.body.contains("Tdap"), "{}", home.body);
    let (mut colleague, colleague_token, _) = member(&doctor, "doctor").await;
    assert!(!colleague.get("/").await.body.contains("Orders to countersign"));
    let tab = doctor.get(&format!("/patients/{pid}/orders")).await;
    assert!(tab.body.contains("Awaiting countersignature") && tab.body.contains("entered by nurse"));

    let cs = format!("/api/v1/orders/{id}/countersign");
    assert_eq!(colleague.api(Method::POST, &cs, Some(&colleague_token), None).await.status, StatusCode::FORBIDDEN);
    assert_eq!(nurse.api(Method::POST, &cs, Some(&nurse_token), None).await.status, StatusCode::FORBIDDEN);
    let inbox = doctor.get("/inbox").await;
    assert!(inbox.body.contains("Orders to countersign") && inbox.body.contains(&format!("/orders/{id}/countersign")));
    let r = doctor.post_form(&format!("/patients/{pid}/orders/{id}/countersign"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(!doctor.get("/").await.body.contains("Orders to countersign"), "gone once countersigned");
    let token = doctor.api_token(&doctor_email).await;
    let again = doctor.api(Method::POST, &cs, Some(&token), None).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    let (signer, status): (Option<Uuid>, String) =
        sqlx::query_as("SELECT signed_by, status FROM orders WHERE id = $1::uuid")
            .bind(&id)
            .fetch_one(&doctor.pool)
            .await
            .unwrap();
    assert_eq!((signer, status.as_str()), (Some(doctor_id), "active"));
    assert_eq!(doctor.audit_count("orders.order.countersign").await, 1);
    // The nurse who entered it may mark it entered in error; another nurse may not.
    let (mut nurse2, nurse2_token, _) = member(&doctor, "nurse").await;
    let err = format!("/api/v1/orders/{id}/entered-in-error");
    let r = nurse2.api(Method::POST, &err, Some(&nurse2_token), Some(json!({"reason": "Wrong patient"}))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = nurse.api(Method::POST, &err, Some(&nurse_token), Some(json!({"reason": "Wrong patient"}))).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
}

#[tokio::test]
async fn the_request_status_moves_along_its_flow_with_reasons() {
    let (mut app, email) = TestApp::signed_in("doctor").await;
    let pid = patient(&mut app, "Dora").await;
    let token = app.api_token(&email).await;
    let id = placed(&mut app, &token, &pid, json!({"kind": "immunization", "code": "140"})).await;
    // The fulfilling module's progress, shown beside the status.
    let oid = Uuid::parse_str(&id).unwrap();
    let meta = AuditMeta::system("test");
    let mut tx = app.pool.begin().await.unwrap();
    hearth::modules::orders::set_fulfilment(&mut tx, &meta, oid, "collected").await.unwrap();
    tx.commit().await.unwrap();
    let tab = app.get(&format!("/patients/{pid}/orders")).await;
    assert!(tab.body.contains("collected") && tab.body.contains("Active"), "{}", tab.body);
    let url = |a: &str| format!("/api/v1/orders/{id}/{a}");
    let call = |a: &'static str, body: Option<Value>| (a, body);
    let steps = [
        (call("hold", Some(json!({"reason": " "}))), StatusCode::UNPROCESSABLE_ENTITY, "active"),
        (call("resume", None), StatusCode::CONFLICT, "active"),
        (call("hold", Some(json!({"reason": "Febrile today"}))), StatusCode::NO_CONTENT, "on_hold"),
        (call("hold", Some(json!({"reason": "Again"}))), StatusCode::CONFLICT, "on_hold"),
        (call("sign", None), StatusCode::CONFLICT, "on_hold"),
        (call("resume", None), StatusCode::NO_CONTENT, "active"),
        (call("revoke", Some(json!({}))), StatusCode::UNPROCESSABLE_ENTITY, "active"),
        (call("revoke", Some(json!({"reason": "Declined by the patient"}))), StatusCode::NO_CONTENT, "revoked"),
        (call("resume", None), StatusCode::CONFLICT, "revoked"),
        (call("revoke", Some(json!({"reason": "Twice"}))), StatusCode::CONFLICT, "revoked"),
        (call("entered-in-error", Some(json!({"reason": ""}))), StatusCode::UNPROCESSABLE_ENTITY, "revoked"),
        (
            call("entered-in-error", Some(json!({"reason": "Wrong patient chart"}))),
            StatusCode::NO_CONTENT,
            "entered_in_error",
        ),
        (call("entered-in-error", Some(json!({"reason": "Again"}))), StatusCode::CONFLICT, "entered_in_error"),
    ];
    for ((action, body), want, after) in steps {
        let r = app.api(Method::POST, &url(action), Some(&token), body.clone()).await;
        assert_eq!(r.status, want, "{action} {body:?}: {}", r.body);
        assert_eq!(status_of(&app, &id).await, after, "after {action}");
    }
    let (hold, revoke, error): (Option<String>, Option<String>, Option<String>) =
        sqlx::query_as("SELECT hold_reason, revoke_reason, error_reason FROM orders WHERE id = $1::uuid")
            .bind(&id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        (hold.as_deref(), revoke.as_deref(), error.as_deref()),
        (Some("Febrile today"), Some("Declined by the patient"), Some("Wrong patient chart"))
    );
    assert!(app.get(&format!("/patients/{pid}/orders/{id}")).await.body.contains("Wrong patient chart"));
    // Work on an order that is no longer active is refused.
    let mut tx = app.pool.begin().await.unwrap();
    let late = hearth::modules::orders::set_fulfilment(&mut tx, &meta, oid, "resulted").await;
    assert!(matches!(late, Err(hearth::error::AppError::Conflict(_))), "{late:?}");
    let late = hearth::modules::orders::complete(&mut tx, &meta, oid).await;
    assert!(matches!(late, Err(hearth::error::AppError::Conflict(_))), "{late:?}");
    drop(tx);
    for a in ["orders.order.hold", "orders.order.resume", "orders.order.revoke", "orders.order.entered_in_error"] {
        assert_eq!(app.audit_count(a).await, 1, "{a}");
    }

    // The pages: a missing reason is said in a flash and changes nothing; unknown actions, other
    // patients' orders and malformed ids are 404.
    let id2 = placed(&mut app, &token, &pid, json!({"kind": "immunization", "code": "33"})).await;
    let r = app.post_form(&format!("/patients/{pid}/orders/{id2}/hold"), &[("reason", "")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(status_of(&app, &id2).await, "active");
    let r = app.post_form(&format!("/patients/{pid}/orders/{id2}/hold"), &[("reason", "Out of stock")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(status_of(&app, &id2).await, "on_hold");
    assert_eq!(
        app.post_form(&format!("/patients/{pid}/orders/{id2}/explode"), &[]).await.status,
        StatusCode::NOT_FOUND
    );
    let other = patient(&mut app, "Olga").await;
    assert_eq!(app.get(&format!("/patients/{other}/orders/{id2}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/patients/{pid}/orders/not-a-uuid")).await.status, StatusCode::NOT_FOUND);
    let r = app.api(Method::GET, "/api/v1/orders/not-a-uuid", Some(&token), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // The database holds the flow too: a completed order never becomes active again, and orders
    // are never deleted.
    let back =
        sqlx::query("UPDATE orders SET status = 'active' WHERE id = $1::uuid").bind(&id).execute(&app.pool).await;
    assert!(back.is_err(), "entered in error is final");
    let gone = sqlx::query("DELETE FROM orders WHERE id = $1::uuid").bind(&id2).execute(&app.pool).await;
    assert!(gone.is_err(), "orders are never deleted");
    // No new orders for a deceased patient.
    sqlx::query("UPDATE patients SET active = false, deceased_at = now() - interval '1 hour' WHERE id = $1::uuid")
        .bind(&pid)
        .execute(&app.pool)
        .await
        .unwrap();
    let r = place(&mut app, &token, &pid, json!({"kind": "immunization", "code": "140"})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("deceased"));
}

#[tokio::test]
async fn two_revokes_at_once_one_wins() {
    let (mut app, email) = TestApp::signed_in("doctor").await;
    let pid = patient(&mut app, "Eve").await;
    let token = app.api_token(&email).await;
    let id = placed(&mut app, &token, &pid, json!({"kind": "immunization", "code": "140"})).await;
    let url = format!("/api/v1/orders/{id}/revoke");
    let calls = (0..6).map(|i| {
        let mut c = app.another_client();
        let (url, token) = (url.clone(), token.clone());
        async move { c.api(Method::POST, &url, Some(&token), Some(json!({"reason": format!("Revoke {i}")}))).await }
    });
    let results = futures_util::future::join_all(calls).await;
    let won = results.iter().filter(|r| r.status == StatusCode::NO_CONTENT).count();
    let lost: Vec<_> = results.iter().filter(|r| r.status == StatusCode::CONFLICT).collect();
    assert_eq!((won, lost.len()), (1, 5), "{:?}", results.iter().map(|r| r.status).collect::<Vec<_>>());
    assert!(lost[0].json()["detail"].as_str().unwrap().contains("already revoked"), "{}", lost[0].body);
    assert_eq!(status_of(&app, &id).await, "revoked");
    assert_eq!(app.audit_count("orders.order.revoke").await, 1);
}

#[tokio::test]
async fn an_order_set_is_edited_before_signing_and_placed_all_or_nothing() {
    let (mut doctor, email) = TestApp::signed_in("doctor").await;
    let pid = patient(&mut doctor, "Fay").await;
    let token = doctor.api_token(&email).await;
    let (mut admin, _, _) = member(&doctor, "hospital_admin").await;

    // The administrator defines the set; a code outside the kind's catalogue is refused.
    let r = admin.post_form("/orders/sets", &[("name", "Adult catch-up"), ("description", "Usual adult doses")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let set_url = r.location().to_string();
    let set = set_url.rsplit('/').next().unwrap().to_string();
    let r = admin.post_form("/orders/sets", &[("name", "adult CATCH-UP")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "set names are unique: {}", r.body);
    for (code, priority, indication) in [("140", "urgent", "Season"), ("33", "routine", ""), ("115", "routine", "")] {
        let r = admin
            .post_form(
                &format!("{set_url}/items"),
                &[("kind", "immunization"), ("code", code), ("priority", priority), ("indication", indication)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let r = admin.post_form(&format!("{set_url}/items"), &[("kind", "immunization"), ("code", "999")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Not an orderable code of immunization"));
    let page = admin.get(&set_url).await;
    assert!(page.body.contains("pneumococcal") && page.body.contains("Tdap"), "{}", page.body);
    assert_eq!(doctor.get("/orders/sets").await.status, StatusCode::FORBIDDEN, "doctors do not define sets");
    let item_ids: Vec<Uuid> =
        sqlx::query_scalar("SELECT id FROM order_set_items WHERE set_id = $1::uuid ORDER BY position")
            .bind(&set)
            .fetch_all(&doctor.pool)
            .await
            .unwrap();
    assert_eq!(item_ids.len(), 3);

    // The clinician opens it on the patient.
    let place_url = format!("/patients/{pid}/orders/sets/{set}");
    let form = doctor.get(&place_url).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("Adult catch-up") && form.body.contains(&format!("code_{}", item_ids[1])));
    assert!(doctor.get(&format!("/patients/{pid}/orders")).await.body.contains("Adult catch-up"), "offered on the tab");
    let fields = |code2: &str, include3: bool| {
        let mut f: Vec<(String, String)> = vec![("entry".into(), "signed".into())];
        for (n, id) in item_ids.iter().enumerate() {
            if n < 2 || include3 {
                f.push((format!("include_{id}"), "on".into()));
            }
            let code = ["140", code2, "115"][n];
            f.push((format!("code_{id}"), code.into()));
            f.push((format!("priority_{id}"), if n == 0 { "stat".into() } else { "routine".into() }));
            f.push((format!("indication_{id}"), format!("edited {n}")));
        }
        f
    };
    // The second item's code is edited into one the kind refuses: the first item, already
    // placed in the transaction, is rolled back with it.
    let r = post_pairs(&doctor, &place_url, fields("999", true)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("Item 2") && r.body.contains("Not a vaccine of the catalogue") && r.body.contains("edited 0")
    );
    assert_eq!(order_count(&doctor).await, 0, "all or nothing");
    // The same through the API, and with a code retired after the set was defined.
    let api = format!("/api/v1/patients/{pid}/orders/sets/{set}");
    let r = doctor
        .api(Method::POST, &api, Some(&token), Some(json!({"items": [{"item": item_ids[2], "code": "999"}]})))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    sqlx::query("UPDATE vaccines SET active = false WHERE cvx = '33'").execute(&doctor.pool).await.unwrap();
    let r = doctor.api(Method::POST, &api, Some(&token), Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("Item 2"), "{}", r.body);
    assert_eq!(order_count(&doctor).await, 0, "all or nothing");
    sqlx::query("UPDATE vaccines SET active = true WHERE cvx = '33'").execute(&doctor.pool).await.unwrap();

    // Edited before signing: the third item left out, the first one's priority raised.
    let r = post_pairs(&doctor, &place_url, fields("33", false)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let rows: Vec<(String, String, String, Option<Uuid>, String)> =
        sqlx::query_as("SELECT code, priority, indication, set_id, status FROM orders ORDER BY code DESC")
            .fetch_all(&doctor.pool)
            .await
            .unwrap();
    let set_id = Uuid::parse_str(&set).ok();
    assert_eq!(
        rows,
        vec![
            ("33".into(), "routine".into(), "edited 1".into(), set_id, "active".into()),
            ("140".into(), "stat".into(), "edited 0".into(), set_id, "active".into()),
        ]
    );
    // Nurses and administrators do not place sets.
    let (mut nurse, nurse_token, _) = member(&doctor, "nurse").await;
    assert_eq!(nurse.get(&place_url).await.status, StatusCode::FORBIDDEN);
    assert_eq!(nurse.api(Method::POST, &api, Some(&nurse_token), Some(json!({}))).await.status, StatusCode::FORBIDDEN);
    assert_eq!(admin.get(&place_url).await.status, StatusCode::FORBIDDEN);
    // The API lists sets with their items; a retired set is not placed.
    let sets = doctor.api(Method::GET, "/api/v1/order-sets", Some(&token), None).await.json();
    assert_eq!(sets[0]["items"].as_array().unwrap().len(), 3, "{sets}");
    let r = admin.post_form(&set_url, &[("name", "Adult catch-up"), ("description", "")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = doctor.api(Method::POST, &api, Some(&token), Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
}

#[tokio::test]
async fn released_results_reach_the_orderer_or_the_cover_while_away() {
    let (mut a, a_email) = TestApp::signed_in("doctor").await;
    let a_id = user_id(&a, &a_email).await;
    let pid = patient(&mut a, "Gus").await;
    let a_token = a.api_token(&a_email).await;
    let (mut b, b_token, b_id) = member(&a, "doctor").await;
    let (mut c, c_token, c_id) = member(&a, "doctor").await;
    let order = placed(&mut a, &a_token, &pid, json!({"kind": "immunization", "code": "43"})).await;

    let r1 = release(&a, &order, "Anti-HBs 85 mIU/mL: protective.").await;
    let inbox = a.get("/inbox").await;
    assert!(inbox.body.contains("Anti-HBs 85 mIU/mL") && inbox.body.contains("Order, Gus"), "{}", inbox.body);
    assert_eq!(a.audit_count("orders.inbox.view").await, 1, "reading results is audited");
    let home = a.get("/").await;
    assert!(home.body.contains("Results to sign off") && home.body.contains("1 result waits"), "{}", home.body);
    assert!(!b.get("/").await.body.contains("Results to sign off"));

    // Away validation.
    let later = (time::OffsetDateTime::now_utc() + time::Duration::days(2)).date().to_string() + "T08:00";
    for (until, cover, field) in [
        ("2001-01-01T08:00", b_id.to_string(), "in the past"),
        (later.as_str(), a_id.to_string(), "colleague"),
        (later.as_str(), String::new(), "Choose who covers"),
        ("", b_id.to_string(), "until when"),
    ] {
        let r = a.post_form("/inbox/away", &[("away_until", until), ("covered_by", &cover)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{until} {cover}");
        assert!(r.body.contains(field), "{field}: {}", r.body);
    }
    let (_, _, nurse_id) = member(&a, "nurse").await;
    let r = a
        .api(
            Method::POST,
            "/api/v1/inbox/away",
            Some(&a_token),
            Some(json!({"away_until": "2099-01-01T00:00:00Z", "covered_by": nurse_id})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);

    // A goes away, covered by B: the waiting result moves, and new ones go to B.
    let r = a.post_form("/inbox/away", &[("away_until", &later), ("covered_by", &b_id.to_string())]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let pool = a.pool.clone();
    let owner = |id: Uuid| {
        let pool = pool.clone();
        async move {
            let v: Uuid = sqlx::query_scalar("SELECT assigned_to FROM order_results WHERE id = $1")
                .bind(id)
                .fetch_one(&pool)
                .await
                .unwrap();
            v
        }
    };
    assert_eq!(owner(r1).await, b_id, "moved to the cover");
    assert!(a.get("/inbox").await.body.contains("Nothing waits for your sign-off"));
    assert!(a.get("/inbox").await.body.contains("covers for you"));
    let r2 = release(&a, &order, "Second sample: protective.").await;
    assert_eq!(owner(r2).await, b_id, "routed to the cover");
    let b_inbox = b.get("/inbox").await;
    assert!(b_inbox.body.contains("Covering for doctor") && b_inbox.body.contains("Second sample"), "{}", b_inbox.body);
    let api = b.api(Method::GET, "/api/v1/inbox", Some(&b_token), None).await.json();
    assert_eq!(api["items"].as_array().unwrap().len(), 2, "{api}");

    // Sign-off is the assignee's, once.
    let so = |id: Uuid| format!("/api/v1/inbox/{id}/sign-off");
    assert_eq!(a.api(Method::POST, &so(r1), Some(&a_token), None).await.status, StatusCode::FORBIDDEN);
    let r = b.api(Method::POST, &so(r1), Some(&b_token), Some(json!({"note": "Discussed with the patient"}))).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(b.api(Method::POST, &so(r1), Some(&b_token), None).await.status, StatusCode::CONFLICT);
    let r = b.post_form(&format!("/inbox/{r2}/sign-off"), &[("note", "")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(!b.get("/").await.body.contains("Results to sign off"), "nothing left");
    let done = b.api(Method::GET, "/api/v1/inbox?state=done", Some(&b_token), None).await.json();
    assert_eq!(done["items"][1]["signoff_note"], "Discussed with the patient", "{done}");
    assert_eq!(a.audit_count("orders.result.signoff").await, 2);

    // A cover who is away too passes it on: A → B → C.
    let r = b
        .api(
            Method::POST,
            "/api/v1/inbox/away",
            Some(&b_token),
            Some(json!({"away_until": "2099-01-01T00:00:00Z", "covered_by": c_id})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "more than 90 days: {}", r.body);
    let soon = (time::OffsetDateTime::now_utc() + time::Duration::days(1))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let r = b
        .api(Method::POST, "/api/v1/inbox/away", Some(&b_token), Some(json!({"away_until": soon, "covered_by": c_id})))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r3 = release(&a, &order, "Third: protective.").await;
    assert_eq!(owner(r3).await, c_id);
    assert!(c.api(Method::GET, "/api/v1/inbox", Some(&c_token), None).await.body.contains("Third: protective."));

    // Back: new results come to A again.
    assert_eq!(a.post_form("/inbox/back", &[]).await.status, StatusCode::SEE_OTHER);
    let r4 = release(&a, &order, "Fourth.").await;
    assert_eq!(owner(r4).await, a_id);
    assert_eq!(a.api(Method::GET, "/api/v1/inbox/away", Some(&a_token), None).await.json(), Value::Null);

    // The inbox withholds a restricted record from a reader outside its care team.
    sqlx::query("UPDATE patients SET restricted = true WHERE id = $1::uuid").bind(&pid).execute(&a.pool).await.unwrap();
    let c_inbox = c.get("/inbox").await;
    assert!(
        c_inbox.body.contains("Restricted record") && !c_inbox.body.contains("Third: protective."),
        "{}",
        c_inbox.body
    );
    let r = c.api(Method::GET, &format!("/api/v1/orders/{order}"), Some(&c_token), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "the order API applies the restricted-record check");
    // Roles without an inbox.
    let (mut nurse, nurse_token, _) = member(&a, "nurse").await;
    assert_eq!(nurse.get("/inbox").await.status, StatusCode::FORBIDDEN);
    assert_eq!(nurse.api(Method::GET, "/api/v1/inbox", Some(&nurse_token), None).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_orders_tab_filters_and_pages() {
    let (mut app, email) = TestApp::signed_in("doctor").await;
    let pid = patient(&mut app, "Hal").await;
    let token = app.api_token(&email).await;
    let mut ids = Vec::new();
    for code in ["140", "33", "115", "43", "21"] {
        ids.push(placed(&mut app, &token, &pid, json!({"kind": "immunization", "code": code})).await);
    }
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/orders/{}/revoke", ids[0]),
            Some(&token),
            Some(json!({"reason": "No longer needed"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let url = format!("/api/v1/patients/{pid}/orders");
    let count = |v: Value| v["items"].as_array().unwrap().len();
    assert_eq!(count(app.api(Method::GET, &url, Some(&token), None).await.json()), 4, "open only by default");
    assert_eq!(count(app.api(Method::GET, &format!("{url}?status=all"), Some(&token), None).await.json()), 5);
    assert_eq!(
        count(app.api(Method::GET, &format!("{url}?status=all&kind=immunization"), Some(&token), None).await.json()),
        5
    );
    for bad in ["?status=maybe", "?kind=astrology", "?after=garbage", "?limit=0"] {
        let r = app.api(Method::GET, &format!("{url}{bad}"), Some(&token), None).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
    }
    // Pages of two, no order twice, newest first.
    let mut seen = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let q = match &next {
            Some(c) => format!("{url}?status=all&limit=2&after={c}"),
            None => format!("{url}?status=all&limit=2"),
        };
        let page = app.api(Method::GET, &q, Some(&token), None).await.json();
        for o in page["items"].as_array().unwrap() {
            seen.push(o["id"].as_str().unwrap().to_string());
        }
        match page["next"].as_str() {
            Some(c) => next = Some(c.to_string()),
            None => break,
        }
    }
    let mut newest_first = ids.clone();
    newest_first.reverse();
    assert_eq!(seen, newest_first);
    // The page: filters and the pager.
    let tab = app.get(&format!("/patients/{pid}/orders?status=all&limit=2")).await;
    assert_eq!(tab.status, StatusCode::OK);
    assert!(tab.body.contains("Older orders") && tab.body.contains("status=all"), "{}", tab.body);
    let tab = app.get(&format!("/patients/{pid}/orders?status=all")).await;
    assert!(tab.body.contains("No longer needed") && tab.body.contains("Revoked"));
    assert!(!app.get(&format!("/patients/{pid}/orders")).await.body.contains("No longer needed"), "open only");
}

#[tokio::test]
async fn an_immunization_order_is_completed_by_the_dose_given() {
    let (mut doctor, email) = TestApp::signed_in("doctor").await;
    let pid = patient(&mut doctor, "Ivy").await;
    let token = doctor.api_token(&email).await;
    let order = placed(&mut doctor, &token, &pid, json!({"kind": "immunization", "code": "140"})).await;
    let (mut nurse, nurse_token, _) = member(&doctor, "nurse").await;
    let tab = nurse.get(&format!("/patients/{pid}/immunizations")).await;
    assert!(tab.body.contains("For the order") && tab.body.contains(&order), "open orders offered");

    let url = format!("/api/v1/patients/{pid}/immunizations");
    let r = nurse.api(Method::POST, &url, Some(&nurse_token), Some(json!({"cvx": "33", "order_id": order}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "another vaccine than ordered: {}", r.body);
    assert!(r.body.contains("The order is for Influenza"));
    let r = nurse
        .api(
            Method::POST,
            &url,
            Some(&nurse_token),
            Some(json!({"cvx": "140", "status": "not_done",
            "not_done_reason": "patient_objection", "order_id": order})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "only a given dose completes: {}", r.body);
    let r = nurse
        .post_form(
            &format!("/patients/{pid}/immunizations"),
            &[("cvx", "140"), ("order_id", &order), ("lot_number", "FK1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let o = doctor.api(Method::GET, &format!("/api/v1/orders/{order}"), Some(&token), None).await.json();
    assert_eq!(o["order"]["status"], "completed", "{o}");
    assert!(o["order"]["completed_at"].is_string());
    let linked: Option<Uuid> =
        sqlx::query_scalar("SELECT order_id FROM immunizations").fetch_one(&doctor.pool).await.unwrap();
    assert_eq!(linked.map(|u| u.to_string()), Some(order.clone()));
    let r = nurse
        .api(
            Method::POST,
            &url,
            Some(&nurse_token),
            Some(json!({"cvx": "140", "occurred_on": "2026-01-02", "order_id": order})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "the order is done: {}", r.body);
    assert_eq!(doctor.audit_count("orders.order.complete").await, 1);
    // Orders follow a merge.
    let mut admin = doctor.another_client();
    admin.login(&doctor.user("super_admin").await, PASSWORD).await;
    let other = patient(&mut admin, "Ivy-Dup").await;
    let mrn: String = sqlx::query_scalar("SELECT mrn FROM patients WHERE id = $1::uuid")
        .bind(&pid)
        .fetch_one(&doctor.pool)
        .await
        .unwrap();
    let r = admin
        .post_form(&format!("/patients/{other}/merge"), &[("other", &mrn), ("keep", "this"), ("confirm", "true")])
        .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.body);
    let owner: Uuid = sqlx::query_scalar("SELECT patient_id FROM orders").fetch_one(&doctor.pool).await.unwrap();
    assert_eq!(owner.to_string(), other, "the order moved to the survivor");
}

#[tokio::test]
async fn the_demo_has_orders_one_to_countersign_and_a_result_in_the_doctors_inbox() {
    let app = TestApp::new().await;
    hearth::demo::seed(&app.pool, &app.state.keys).await.unwrap();
    let doctor: Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = 'doctor@demo.hearth'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let (orders, to_countersign, drafts, held): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE entry_mode <> 'electronic' AND signed_at IS NULL AND orderer_id = $1),
                count(*) FILTER (WHERE status = 'draft'), count(*) FILTER (WHERE status = 'on_hold')
         FROM orders",
    )
    .bind(doctor)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(
        orders >= 5 && to_countersign == 1 && drafts == 1 && held == 1,
        "{orders} {to_countersign} {drafts} {held}"
    );
    // The orders core's own demo result (of the first declared kind); modules add their own
    // results to the inbox (the laboratory's releases), counted by their tests.
    let kind = hearth::REGISTRY.order_kinds().next().unwrap().kind;
    let inbox: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM order_results r JOIN orders o ON o.id = r.order_id
         WHERE r.assigned_to = $1 AND r.signed_off_at IS NULL AND o.kind = $2",
    )
    .bind(doctor)
    .bind(kind)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(inbox, 1);
    let sets: i64 = sqlx::query_scalar("SELECT count(*) FROM order_sets").fetch_one(&app.pool).await.unwrap();
    assert_eq!(sets, 1);
}

#[tokio::test]
async fn a_recorded_death_revokes_the_patients_open_orders() {
    let (mut app, email) = TestApp::signed_in("doctor").await;
    let pid = patient(&mut app, "Mort").await;
    let token = app.api_token(&email).await;
    let open = placed(&mut app, &token, &pid, json!({"kind": "immunization", "code": "140"})).await;
    let draft = placed(&mut app, &token, &pid, json!({"kind": "immunization", "code": "33", "entry": "draft"})).await;
    let other = patient(&mut app, "Vita").await;
    let theirs = placed(&mut app, &token, &other, json!({"kind": "immunization", "code": "140"})).await;
    let r = app
        .post_form(&format!("/patients/{pid}/death"), &[("death_date", "2026-11-30"), ("death_time", "04:30")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(status_of(&app, &open).await, "revoked");
    assert_eq!(status_of(&app, &draft).await, "revoked");
    assert_eq!(status_of(&app, &theirs).await, "active", "another patient's orders stay");
    let reason: String = sqlx::query_scalar("SELECT revoke_reason FROM orders WHERE id = $1::uuid")
        .bind(&open)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(reason, "The patient died.");
}
