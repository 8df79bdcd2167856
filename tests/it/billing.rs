//! Billing, phase 1, through HTTP: invoices built from captured charges and priced at the
//! service date, a charge billed once (also under a race), finalised invoices immutable in the
//! database, totals equal to their lines, gapless numbers under concurrent finalisation, credit
//! notes, idempotent payments without overpayment, discounts above a role's limit approved by
//! another user, the roles, bad input, and the pages.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::*;
use hearth::modules::charges::{self, NewCharge};
use hearth::platform::audit::AuditMeta;

struct B {
    app: TestApp,
    clerk: String,
    admin: String,
    pid: String,
}

/// A receptionist's browser registered a patient; a billing clerk's and a hospital admin's
/// tokens; the test facility's price list from 2026-01-01 (USD: CVX:140 at 25.00, RX:PARA at
/// 0.40 with 5 % tax).
async fn setup() -> B {
    let (mut app, _) = TestApp::signed_in("receptionist").await;
    let pid = app.register_patient(&[("given_name", "Bill"), ("family_name", "Payer"), ("sex", "male")]).await;
    let c = app.user("billing_clerk").await;
    let clerk = app.api_token(&c).await;
    let a = app.user("hospital_admin").await;
    let admin = app.api_token(&a).await;
    let mut b = B { app, clerk, admin, pid };
    b.price("CVX:140", 2500, 0, "2026-01-01").await;
    b.price("RX:PARA", 40, 500, "2026-01-01").await;
    b
}

impl B {
    async fn call(&mut self, method: Method, path: &str, token: &str, body: Option<Value>) -> TestResponse {
        let t = token.to_string();
        self.app.api(method, path, Some(&t), body).await
    }
    async fn price(&mut self, code: &str, unit_price: i64, tax: i32, from: &str) {
        let (t, f) = (self.admin.clone(), self.app.facility_id);
        let r = self
            .call(
                Method::POST,
                "/api/v1/billing/prices",
                &t,
                Some(json!({"facility": f, "effective_from": from, "code": code, "description": code,
                            "unit_price": unit_price, "tax_rate_bp": tax})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    /// Captures a charge of the patient at the test facility.
    async fn charge(&self, code: &str, quantity: i32) -> Uuid {
        let mut tx = self.app.pool.begin().await.unwrap();
        let id = charges::capture(
            &mut tx,
            &AuditMeta::system("test"),
            &NewCharge {
                patient: self.pid.parse().unwrap(),
                encounter: None,
                facility: Some(self.app.facility_id),
                source_module: "immunizations",
                source_row: Uuid::new_v4(),
                kind: "administration",
                code,
                description: code,
                quantity,
                performed_at: time::OffsetDateTime::now_utc(),
                performer: None,
                replaces: None,
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        id
    }
    fn url(&self, rest: &str) -> String {
        format!("/api/v1/patients/{}/billing/{rest}", self.pid)
    }
    async fn invoice(&mut self, body: Value) -> TestResponse {
        let (u, t) = (self.url("invoices"), self.clerk.clone());
        self.call(Method::POST, &u, &t, Some(body)).await
    }
    async fn draft(&mut self, body: Value) -> String {
        let r = self.invoice(body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        r.json()["id"].as_str().unwrap().to_string()
    }
    async fn act(&mut self, inv: &str, action: &str, token: &str, body: Option<Value>) -> TestResponse {
        let u = self.url(&format!("invoices/{inv}/{action}"));
        self.call(Method::POST, &u, token, body).await
    }
    async fn show(&mut self, inv: &str) -> Value {
        let (u, t) = (self.url(&format!("invoices/{inv}")), self.clerk.clone());
        let r = self.call(Method::GET, &u, &t, None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.json()
    }
    async fn issued(&mut self, body: Value) -> String {
        let id = self.draft(body).await;
        let t = self.clerk.clone();
        let r = self.act(&id, "finalise", &t, None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        id
    }
    async fn pay(&mut self, inv: &str, key: Option<&str>, body: Value) -> TestResponse {
        let mut b = Request::builder()
            .method(Method::POST)
            .uri(self.url(&format!("invoices/{inv}/payments")))
            .header(header::AUTHORIZATION, format!("Bearer {}", self.clerk))
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(k) = key {
            b = b.header("Idempotency-Key", k);
        }
        self.app.request(b.body(Body::from(body.to_string())).unwrap()).await
    }
    async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(&self.app.pool).await.unwrap()
    }
}

#[tokio::test]
async fn billing_builds_an_invoice_priced_at_the_service_date_and_keeps_its_prices() {
    let mut b = setup().await;
    b.charge("CVX:140", 1).await;
    b.charge("RX:PARA", 3).await;
    let t = b.clerk.clone();
    let u = b.url("unbilled");
    let r = b.call(Method::GET, &u, &t, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json().as_array().unwrap().len(), 2);
    let id = b.issued(json!({"manual": [{"description": "Copy of records", "quantity": 2, "unit_price": 150, "tax_rate_bp": 1000}]})).await;
    let d = b.show(&id).await;
    // 25.00 + 3 × 0.40 (+5 % = 0.06) + 2 × 1.50 (+10 % = 0.30)
    assert_eq!(d["invoice"]["subtotal"], 2500 + 120 + 300);
    assert_eq!(d["invoice"]["tax"], 6 + 30);
    assert_eq!(d["invoice"]["total"], 2920 + 36);
    assert_eq!(d["invoice"]["status"], "issued");
    assert_eq!(d["lines"].as_array().unwrap().len(), 3);
    let number = d["invoice"]["number"].as_str().unwrap().to_string();
    assert!(number.starts_with("INV-TST-") && number.ends_with("-000001"), "{number}");
    // A new price from today on: the issued invoice keeps its copied price; nothing is unbilled.
    let today = time::OffsetDateTime::now_utc().date().to_string();
    b.price("CVX:140", 9900, 0, &today).await;
    let again = b.show(&id).await;
    assert_eq!(again["invoice"]["total"], d["invoice"]["total"]);
    assert_eq!(again["lines"][0]["unit_price"], 2500);
    let r = b.call(Method::GET, &u, &t, None).await;
    assert_eq!(r.json().as_array().unwrap().len(), 0);
    // The price list has two versions; the new one holds the new price and the copied others.
    let f = b.app.facility_id;
    let r = b.call(Method::GET, &format!("/api/v1/billing/prices?facility={f}&on={today}"), &t, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let list = r.json();
    assert_eq!(list["version"], 2);
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    // A code without a price is not billed silently.
    b.charge("CVX:999", 1).await;
    let r = b.invoice(json!({})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(b.app.audit_count("billing.invoice.finalise").await >= 1);
}

#[tokio::test]
async fn billing_a_charge_is_billed_at_most_once_even_under_a_race() {
    let mut b = setup().await;
    let charge = b.charge("CVX:140", 1).await;
    let id = b.draft(json!({"charges": [charge]})).await;
    // The same charge again: refused, nothing written.
    let before = b.count("SELECT count(*) FROM billing_invoices").await;
    let r = b.invoice(json!({"charges": [charge]})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(b.count("SELECT count(*) FROM billing_invoices").await, before);
    // Cancelling the draft frees the charge.
    let t = b.clerk.clone();
    let r = b.act(&id, "cancel", &t, Some(json!({"reason": "Built by mistake"}))).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    // Eight clerks bill it at once: the unique index on active lines lets one through.
    let tries = (0..8).map(|_| {
        let mut app = b.app.another_client();
        let (u, t) = (b.url("invoices"), b.clerk.clone());
        async move { app.api(Method::POST, &u, Some(&t), Some(json!({"charges": [charge]}))).await.status }
    });
    let results = futures_util::future::join_all(tries).await;
    assert_eq!(results.iter().filter(|s| **s == StatusCode::CREATED).count(), 1, "{results:?}");
    assert!(results.iter().all(|s| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT), "{results:?}");
    let active =
        b.count(&format!("SELECT count(*) FROM billing_invoice_lines WHERE active AND charge_id = '{charge}'")).await;
    assert_eq!(active, 1);
}

#[tokio::test]
async fn billing_a_finalised_invoice_is_immutable_in_the_database() {
    let mut b = setup().await;
    b.charge("CVX:140", 1).await;
    let id = b.issued(json!({})).await;
    let pool = b.app.pool.clone();
    for sql in [
        "UPDATE billing_invoices SET subtotal = 1, total = 1 WHERE id = $1",
        "UPDATE billing_invoices SET number = 'X' WHERE id = $1",
        "UPDATE billing_invoices SET status = 'draft' WHERE id = $1",
        "UPDATE billing_invoice_lines SET description = 'changed' WHERE invoice_id = $1",
        "DELETE FROM billing_invoice_lines WHERE invoice_id = $1",
        "DELETE FROM billing_invoices WHERE id = $1",
    ] {
        let r = sqlx::query(sql).bind(Uuid::parse_str(&id).unwrap()).execute(&pool).await;
        assert!(r.is_err(), "{sql} was allowed");
    }
    let r = sqlx::query(
        "INSERT INTO billing_invoice_lines (id, invoice_id, position, code, description, service_date, quantity, unit_price,
                                           tax_rate_bp, net, total) VALUES ($1, $2, 99, 'X', 'x', current_date, 1, 1, 0, 1, 1)",
    )
    .bind(Uuid::new_v4())
    .bind(Uuid::parse_str(&id).unwrap())
    .execute(&pool)
    .await;
    assert!(r.is_err(), "a line was added to a finalised invoice");
    let d = b.show(&id).await;
    assert_eq!(d["invoice"]["total"], 2500);
    // Through the API: a finalised invoice is neither discounted, cancelled nor finalised again.
    let t = b.clerk.clone();
    let r = b.act(&id, "discount", &t, Some(json!({"kind": "percent", "value": 500, "reason": "Late"}))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let r = b.act(&id, "cancel", &t, Some(json!({"reason": "No"}))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let r = b.act(&id, "finalise", &t, None).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
}

#[tokio::test]
async fn billing_stored_totals_cannot_disagree_with_their_lines() {
    let mut b = setup().await;
    b.charge("CVX:140", 1).await;
    let id = Uuid::parse_str(&b.draft(json!({})).await).unwrap();
    let pool = b.app.pool.clone();
    // A header consistent in itself (total = subtotal - discount + tax) but not with its lines:
    // refused at commit by the deferred constraint trigger.
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("UPDATE billing_invoices SET subtotal = 100, total = 100 WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await
        .unwrap();
    let r = tx.commit().await;
    assert!(r.is_err(), "a total unequal to its lines was committed");
    // A line changed without its invoice: refused as well.
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("UPDATE billing_invoice_lines SET unit_price = 1, net = 1, total = 1 WHERE invoice_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await
        .unwrap();
    assert!(tx.commit().await.is_err(), "a line changed without its invoice's totals");
    // A line whose own total does not add up: refused at once.
    let r = sqlx::query("UPDATE billing_invoice_lines SET total = total + 1 WHERE invoice_id = $1")
        .bind(id)
        .execute(&pool)
        .await;
    assert!(r.is_err());
    let d = b.show(&id.to_string()).await;
    assert_eq!(d["invoice"]["total"], 2500);
    assert_eq!(d["lines"][0]["total"], 2500);
}

#[tokio::test]
async fn billing_numbers_are_gapless_under_concurrent_finalisation() {
    let mut b = setup().await;
    let mut drafts = Vec::new();
    for _ in 0..8 {
        b.charge("CVX:140", 1).await;
        drafts.push(b.draft(json!({})).await);
    }
    // One finalisation fails and rolls back: its number is given back.
    let t = b.clerk.clone();
    let tries = drafts.iter().map(|id| {
        let mut app = b.app.another_client();
        let (u, t) = (b.url(&format!("invoices/{id}/finalise")), t.clone());
        async move {
            let r = app.api(Method::POST, &u, Some(&t), None).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            r.json()["invoice"]["number"].as_str().unwrap().to_string()
        }
    });
    let numbers = futures_util::future::join_all(tries).await;
    let mut seqs: Vec<i64> = numbers.iter().map(|n| n.rsplit('-').next().unwrap().parse().unwrap()).collect();
    seqs.sort();
    assert_eq!(seqs, (1..=8).collect::<Vec<i64>>(), "{numbers:?}");
    // A rolled-back finalisation leaves no gap.
    b.charge("CVX:140", 1).await;
    let id = Uuid::parse_str(&b.draft(json!({})).await).unwrap();
    let mut tx = b.app.pool.begin().await.unwrap();
    let inv = hearth::modules::billing::repo::load(&mut tx, id).await.unwrap().unwrap();
    hearth::modules::billing::repo::finalise(&mut tx, &AuditMeta::system("test"), &inv).await.unwrap();
    tx.rollback().await.unwrap();
    let r = b.act(&id.to_string(), "finalise", &t, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.json()["invoice"]["number"].as_str().unwrap().ends_with("-000009"));
}

#[tokio::test]
async fn billing_payments_are_idempotent_and_never_overpay() {
    let mut b = setup().await;
    b.charge("CVX:140", 2).await;
    let id = b.issued(json!({})).await; // 50.00
    let first = b.pay(&id, Some("pay-1"), json!({"method": "cash", "amount": 2000})).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert_eq!(first.json()["status"], "partially_paid");
    assert_eq!(first.json()["balance"], 3000);
    // The same request again: the first answer, no second payment.
    let again = b.pay(&id, Some("pay-1"), json!({"method": "cash", "amount": 2000})).await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(again.json()["id"], first.json()["id"]);
    // The same key with another body: 422.
    let other = b.pay(&id, Some("pay-1"), json!({"method": "cash", "amount": 1000})).await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", other.body);
    // No key: 400.
    let none = b.pay(&id, None, json!({"method": "cash", "amount": 1000})).await;
    assert_eq!(none.status, StatusCode::BAD_REQUEST, "{}", none.body);
    // More than the balance: 422.
    let over = b.pay(&id, Some("pay-2"), json!({"method": "cash", "amount": 3001})).await;
    assert_eq!(over.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", over.body);
    assert_eq!(b.count("SELECT count(*) FROM billing_payments").await, 1);
    // Four concurrent requests with one key pay once.
    let tries = (0..4).map(|_| {
        let mut app = b.app.another_client();
        let req = Request::builder()
            .method(Method::POST)
            .uri(b.url(&format!("invoices/{id}/payments")))
            .header(header::AUTHORIZATION, format!("Bearer {}", b.clerk))
            .header(header::CONTENT_TYPE, "application/json")
            .header("Idempotency-Key", "pay-3")
            .body(Body::from(json!({"method": "card", "amount": 3000, "reference": "TERM-7 AUTH 991"}).to_string()))
            .unwrap();
        async move { app.request(req).await.status }
    });
    let results = futures_util::future::join_all(tries).await;
    assert!(results.iter().all(|s| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT), "{results:?}");
    assert_eq!(b.count("SELECT count(*) FROM billing_payments").await, 2);
    let d = b.show(&id).await;
    assert_eq!(d["invoice"]["status"], "paid");
    assert_eq!(d["balance"], 0);
    // A paid invoice takes no more payments.
    let r = b.pay(&id, Some("pay-4"), json!({"method": "cash", "amount": 1})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    // The cashier's day totals by method.
    let t = b.clerk.clone();
    let r = b.call(Method::GET, "/api/v1/billing/payments", &t, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let totals = r.json()["totals"].clone();
    assert!(totals.as_array().unwrap().iter().any(|x| x["method"] == "cash" && x["total"] == "20.00"), "{totals}");
    assert!(totals.as_array().unwrap().iter().any(|x| x["method"] == "card" && x["total"] == "30.00"), "{totals}");
}

#[tokio::test]
async fn billing_a_discount_above_the_limit_needs_another_approver() {
    let mut b = setup().await;
    b.charge("CVX:140", 1).await;
    b.charge("CVX:140", 1).await;
    b.charge("RX:PARA", 1).await;
    let id = b.draft(json!({})).await; // 25 + 25 + 0.40 (+0.02 tax)
    let t = b.clerk.clone();
    // Within the clerk's 10 %: applied at once, split over the lines to the cent.
    let r = b.act(&id, "discount", &t, Some(json!({"kind": "percent", "value": 1000, "reason": "Staff"}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["state"], "applied");
    let d = b.show(&id).await;
    assert_eq!(d["invoice"]["discount"], 504);
    let parts: i64 = d["lines"].as_array().unwrap().iter().map(|l| l["discount"].as_i64().unwrap()).sum();
    assert_eq!(parts, 504);
    // 25 %: above the clerk's limit, pending; the invoice cannot be finalised meanwhile.
    let r = b.act(&id, "discount", &t, Some(json!({"kind": "percent", "value": 2500, "reason": "Hardship"}))).await;
    assert_eq!(r.json()["state"], "pending");
    assert_eq!(b.show(&id).await["invoice"]["discount"], 0);
    let r = b.act(&id, "finalise", &t, None).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    // The clerk may not approve; an admin may.
    let r = b.act(&id, "discount/approve", &t, None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let a = b.admin.clone();
    let r = b.act(&id, "discount/approve", &a, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let d = b.show(&id).await;
    assert_eq!(d["invoice"]["discount"], 1260);
    assert_eq!(d["invoice"]["discount_state"], "applied");
    // Nobody approves their own request: the admin asks above a limit of 0? The database refuses
    // requester = approver whatever the route.
    let r = sqlx::query("UPDATE billing_invoices SET discount_approved_by = discount_requested_by WHERE id = $1")
        .bind(Uuid::parse_str(&id).unwrap())
        .execute(&b.app.pool)
        .await;
    assert!(r.is_err());
    // An amount above the subtotal is refused.
    let r = b.act(&id, "discount", &a, Some(json!({"kind": "amount", "value": 999_999, "reason": "Too much"}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
}

#[tokio::test]
async fn billing_credit_notes_mirror_the_invoice_in_their_own_series() {
    let mut b = setup().await;
    b.charge("CVX:140", 1).await;
    let id = b.issued(json!({})).await;
    let t = b.clerk.clone();
    let r = b.act(&id, "credit", &t, Some(json!({"reason": "Wrong patient"}))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let a = b.admin.clone();
    let r = b.act(&id, "credit", &a, Some(json!({"reason": "Wrong patient"}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let cn = r.json()["id"].as_str().unwrap().to_string();
    let d = b.show(&cn).await;
    assert_eq!(d["invoice"]["kind"], "credit_note");
    assert_eq!(d["invoice"]["total"], -2500);
    assert!(d["invoice"]["number"].as_str().unwrap().starts_with("CN-TST-"));
    assert_eq!(b.show(&id).await["invoice"]["status"], "credited");
    let r = b.act(&id, "credit", &a, Some(json!({"reason": "Again"}))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let r = b.pay(&id, Some("k"), json!({"method": "cash", "amount": 100})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
}

#[tokio::test]
async fn billing_roles_without_the_permissions_are_refused() {
    let mut b = setup().await;
    b.charge("CVX:140", 1).await;
    let n = b.app.user("nurse").await;
    let nurse = b.app.api_token(&n).await;
    let u = b.url("invoices");
    let r = b.call(Method::POST, &u, &nurse, Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = b.call(Method::GET, &u, &nurse, None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = b.call(Method::GET, "/api/v1/billing/payments", &nurse, None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The clerk may not change prices.
    let (t, f) = (b.clerk.clone(), b.app.facility_id);
    let r = b
        .call(
            Method::POST,
            "/api/v1/billing/prices",
            &t,
            Some(json!({"facility": f, "effective_from": "2026-02-01", "code": "X", "description": "x", "unit_price": 1})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(b.count("SELECT count(*) FROM billing_invoices").await, 0);
    // Browser: the nurse does not get the worklist.
    let mut web = b.app.another_client();
    web.login(&n, PASSWORD).await;
    assert_eq!(web.get("/billing").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn billing_bad_input_is_a_4xx_and_changes_nothing() {
    let mut b = setup().await;
    b.charge("CVX:140", 1).await;
    let id = b.issued(json!({})).await;
    let (a, f) = (b.admin.clone(), b.app.facility_id);
    let items = b.count("SELECT count(*) FROM billing_price_items").await;
    for body in [
        json!({"facility": f, "effective_from": "2026-02-01", "code": "X", "description": "x", "unit_price": -1}),
        json!({"facility": f, "effective_from": "someday", "code": "X", "description": "x", "unit_price": 1}),
        json!({"facility": f, "effective_from": "2026-02-01", "code": "bad code", "description": "x", "unit_price": 1}),
        json!({"facility": f, "effective_from": "2026-02-01", "code": "X", "description": "x", "unit_price": 1, "tax_rate_bp": 20000}),
        json!({"facility": Uuid::new_v4(), "effective_from": "2026-02-01", "code": "X", "description": "x", "unit_price": 1}),
    ] {
        let r = b.call(Method::POST, "/api/v1/billing/prices", &a, Some(body.clone())).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", r.body);
    }
    assert_eq!(b.count("SELECT count(*) FROM billing_price_items").await, items);
    let invoices = b.count("SELECT count(*) FROM billing_invoices").await;
    for body in [
        json!({"manual": [{"description": "x", "quantity": 1, "unit_price": -5}]}),
        json!({"manual": [{"description": "", "quantity": 1, "unit_price": 5}]}),
        json!({"manual": [{"description": "x", "quantity": 0, "unit_price": 5}]}),
        json!({"charges": [Uuid::new_v4()]}),
        json!({"charges": "all"}),
    ] {
        let r = b.invoice(body.clone()).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", r.body);
    }
    assert_eq!(b.count("SELECT count(*) FROM billing_invoices").await, invoices);
    for (k, body) in [
        ("b1", json!({"method": "cheque", "amount": 100})),
        ("b2", json!({"method": "cash", "amount": 0})),
        ("b3", json!({"method": "cash", "amount": -100})),
        ("b4", json!({"method": "card", "amount": 100, "reference": "4111 1111 1111 1111"})),
        ("b5", json!({"method": "card", "amount": 100})),
    ] {
        let r = b.pay(&id, Some(k), body.clone()).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", r.body);
    }
    assert_eq!(b.count("SELECT count(*) FROM billing_payments").await, 0);
    // Another patient's invoice through this patient: 404.
    let t = b.clerk.clone();
    let other = b.app.register_patient(&[("given_name", "Other"), ("family_name", "Person"), ("sex", "female")]).await;
    let r = b.call(Method::GET, &format!("/api/v1/patients/{other}/billing/invoices/{id}"), &t, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn billing_pages_show_the_worklist_invoice_receipt_and_day() {
    let b = setup().await;
    b.charge("CVX:140", 1).await;
    let c = b.app.user("billing_clerk").await;
    let mut web = b.app.another_client();
    web.login(&c, PASSWORD).await;
    let r = web.get("/billing").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains(&format!("/patients/{}/billing", b.pid)));
    let r = web.get(&format!("/patients/{}/billing", b.pid)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("CVX:140"));
    let r = web.post_form(&format!("/patients/{}/billing/invoices", b.pid), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let inv = r.location().to_string();
    assert!(inv.contains("/billing/invoices/"), "{inv}");
    let r = web.get(&inv).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("25.00"));
    let r = web.post_form(&format!("{inv}/finalise"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(web.get(&inv).await.body.contains("INV-TST-"));
    let r = web.post_form(&format!("{inv}/pay"), &[("method", "cash"), ("amount", "10.00"), ("reference", "")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let receipt = r.location().to_string();
    assert!(receipt.ends_with("/receipt"), "{receipt}");
    let r = web.get(&receipt).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("10.00"));
    assert_eq!(web.get(&format!("{inv}/print")).await.status, StatusCode::OK);
    let r = web.get("/billing/payments").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("10.00"));
    // Overpayment through the page: refused with a message, nothing recorded.
    let r = web.post_form(&format!("{inv}/pay"), &[("method", "cash"), ("amount", "99.00")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(b.count("SELECT count(*) FROM billing_payments").await, 1);
    let r = web.get("/billing/prices").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("CVX:140"));
}

#[tokio::test]
async fn billing_a_bhd_facility_bills_in_fils_with_its_fiscal_year_from_april() {
    let mut b = setup().await;
    let mut tx = b.app.pool.begin().await.unwrap();
    hearth::modules::billing::repo::set_settings(&mut tx, &AuditMeta::system("test"), b.app.facility_id, "BHD", 4)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // The admin sets a price in major units through the page: 1.250 BHD is 1250 fils.
    let a = b.app.user("hospital_admin").await;
    let mut web = b.app.another_client();
    web.login(&a, PASSWORD).await;
    let f = b.app.facility_id.to_string();
    let r = web
        .post_form(
            "/billing/prices",
            &[
                ("facility", &f),
                ("effective_from", "2026-01-01"),
                ("code", "APPT:new"),
                ("description", "Consultation"),
                ("price", "1.250"),
                ("tax_rate_bp", "1000"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Four decimals are one too many: refused, nothing changed.
    let r = web
        .post_form(
            "/billing/prices",
            &[
                ("facility", &f),
                ("effective_from", "2026-01-01"),
                ("code", "APPT:new"),
                ("description", "Consultation"),
                ("price", "1.2505"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    b.charge("APPT:new", 3).await;
    let id = b.draft(json!({})).await;
    let t = b.clerk.clone();
    // 3 × 1.250 = 3.750; 10 % off = 0.375 split 125/125/125 over one line; tax 10 % of 3.375 = 0.338 (half up)
    let r = b.act(&id, "discount", &t, Some(json!({"kind": "percent", "value": 1000, "reason": "Staff"}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = b.act(&id, "finalise", &t, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let d = r.json();
    assert_eq!(d["invoice"]["currency"], "BHD");
    assert_eq!(d["invoice"]["subtotal"], 3750);
    assert_eq!(d["invoice"]["discount"], 375);
    assert_eq!(d["invoice"]["tax"], 338);
    assert_eq!(d["invoice"]["total"], 3750 - 375 + 338);
    let today = time::OffsetDateTime::now_utc().date();
    let fy = if u8::from(today.month()) >= 4 { today.year() } else { today.year() - 1 };
    let number = d["invoice"]["number"].as_str().unwrap();
    assert_eq!(number, format!("INV-TST-{fy}-000001"));
    let page = web.get(&format!("/patients/{}/billing/invoices/{id}", b.pid)).await;
    assert!(page.body.contains("3.713"), "the total in three decimals");
}
