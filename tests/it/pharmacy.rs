//! Pharmacy, phase 1, through HTTP: the formulary, prescribing with the safety checks (override
//! of severe alerts, hard stops), allergies with cross-sensitivity, verification, FEFO dispensing
//! with charge capture, the database's refusals (negative balance, expired or quarantined lots,
//! changed movements), the races, and the roles.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

struct Rx {
    app: TestApp,
    doctor: String,
    pharmacist: String,
    pid: String,
}

/// A doctor signed in (browser), a pharmacist's token, a patient with no known allergies.
async fn setup() -> Rx {
    let (mut app, email) = TestApp::signed_in("doctor").await;
    let pid = app
        .register_patient(&[
            ("given_name", "Rosa"),
            ("family_name", "Farmer"),
            ("sex", "female"),
            ("birth_date", "1958-04-02"),
        ])
        .await;
    let doctor = app.api_token(&email).await;
    let ph = app.user("pharmacist").await;
    let pharmacist = app.api_token(&ph).await;
    Rx { app, doctor, pharmacist, pid }
}

impl Rx {
    async fn call(&mut self, method: Method, path: &str, token: &str, body: Option<Value>) -> TestResponse {
        let t = token.to_string();
        self.app.api(method, path, Some(&t), body).await
    }
    async fn prescribe(&mut self, body: Value) -> TestResponse {
        let (url, t) = (format!("/api/v1/patients/{}/pharmacy/orders", self.pid), self.doctor.clone());
        self.call(Method::POST, &url, &t, Some(body)).await
    }
    async fn check(&mut self, body: Value) -> Value {
        let (url, t) = (format!("/api/v1/patients/{}/pharmacy/check", self.pid), self.doctor.clone());
        let r = self.call(Method::POST, &url, &t, Some(body)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.json()
    }
    /// A verified order's id.
    async fn verified(&mut self, body: Value) -> String {
        let r = self.prescribe(body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let id = r.json()["id"].as_str().unwrap().to_string();
        let t = self.pharmacist.clone();
        let v = self.call(Method::POST, &format!("/api/v1/pharmacy/orders/{id}/verify"), &t, None).await;
        assert_eq!(v.status, StatusCode::NO_CONTENT, "{}", v.body);
        id
    }
    async fn store(&mut self, name: &str) -> String {
        let t = self.pharmacist.clone();
        let r =
            self.call(Method::POST, "/api/v1/pharmacy/stores", &t, Some(json!({"name": name, "kind": "main"}))).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        r.json()["id"].as_str().unwrap().to_string()
    }
    async fn receive(&mut self, store: &str, product: &str, lot: &str, expiry: &str, qty: i32) -> TestResponse {
        let t = self.pharmacist.clone();
        let body = json!({"store_id": store, "product": product, "lot_number": lot, "expiry": expiry, "quantity": qty.to_string()});
        self.call(Method::POST, "/api/v1/pharmacy/receipts", &t, Some(body)).await
    }
    async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(&self.app.pool).await.unwrap()
    }
}

fn order(product: &str, dose: f64, unit: &str, freq: &str, qty: i32) -> Value {
    json!({"product": product, "dose": dose, "dose_unit": unit, "frequency": freq, "quantity": qty})
}

fn later(days: i64) -> String {
    (time::OffsetDateTime::now_utc().date() + time::Duration::days(days)).to_string()
}

#[tokio::test]
async fn pharmacy_formulary_searches_and_pages() {
    let mut rx = setup().await;
    let page = rx.app.get("/pharmacy/formulary?q=amox").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("amOXicillin") && page.body.contains("Co-amoxiclav"), "Tall Man and ingredient search");
    assert!(page.body.contains("not for clinical use until reviewed by the hospital"));
    let first = rx.app.get("/pharmacy/formulary?limit=5").await;
    assert!(first.body.contains("rel=\"next\""), "a pager to the next page");
    let t = rx.doctor.clone();
    let r = rx.call(Method::GET, "/api/v1/pharmacy/formulary?limit=10", &t, None).await;
    let body = r.json();
    assert_eq!(body["items"].as_array().unwrap().len(), 10);
    let next = body["next"].as_str().unwrap().to_string();
    let r2 = rx.call(Method::GET, &format!("/api/v1/pharmacy/formulary?limit=10&after={next}"), &t, None).await;
    assert_ne!(r2.json()["items"][0]["code"], body["items"][0]["code"]);
    let bad = rx.call(Method::GET, "/api/v1/pharmacy/formulary?after=nonsense", &t, None).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let warf = rx.call(Method::GET, "/api/v1/pharmacy/formulary?q=warfarin", &t, None).await.json();
    assert_eq!(warf["items"][0]["high_alert"], true);
    assert_eq!(warf["items"][0]["max_daily"], 15.0);
    let clerk = rx.app.user("billing_clerk").await;
    let ct = rx.app.api_token(&clerk).await;
    let r = rx.app.api(Method::GET, "/api/v1/pharmacy/formulary", Some(&ct), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn pharmacy_prescribing_shows_the_checks_and_severe_alerts_need_an_override() {
    let mut rx = setup().await;
    let pid = rx.pid.clone();
    // Allergies not recorded: a non-interruptive prompt; the result names the knowledge base.
    let c = rx.check(order("WARF-1-TAB", 5.0, "mg", "OD", 28)).await;
    assert_eq!(c["kb"], "demo-1");
    assert!(c["notes"].to_string().contains("No interaction found in KB demo-1"), "{c}");
    assert!(c["alerts"].to_string().contains("Allergies not recorded"), "{c}");
    let r = rx.prescribe(order("WARF-1-TAB", 5.0, "mg", "OD", 28)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let header = r.json()["order_id"].as_str().unwrap().to_string();
    let (kind, status): (String, String) = sqlx::query_as("SELECT kind, status FROM orders WHERE id = $1::uuid")
        .bind(&header)
        .fetch_one(&rx.app.pool)
        .await
        .unwrap();
    assert_eq!((kind.as_str(), status.as_str()), ("medication", "active"), "a header on the orders core");

    // Ibuprofen with warfarin: severe, interruptive; without a reason nothing is stored.
    let r = rx.prescribe(order("IBU-400-TAB", 400.0, "mg", "TDS", 9)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("override_reason") && r.body.contains("Bleeding risk"), "{}", r.body);
    assert_eq!(rx.count("SELECT count(*) FROM rx_orders").await, 1);
    assert_eq!(rx.count("SELECT count(*) FROM orders").await, 1, "the header rolled back too");
    let mut o = order("IBU-400-TAB", 400.0, "mg", "TDS", 9);
    o["override_reason"] = json!("Three days for gout; INR on Friday.");
    let r = rx.prescribe(o).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["checks"]["alerts"][0]["level"], "severe");
    assert_eq!(rx.app.audit_count("pharmacy.alert.override").await, 1);
    assert_eq!(rx.app.audit_count("pharmacy.order.create").await, 2);

    // The browser: "Check" shows the checks before signing and keeps the form.
    let page = rx
        .app
        .post_form(
            &format!("/patients/{pid}/pharmacy"),
            &[
                ("product", "DICLO-50-TAB"),
                ("dose", "50"),
                ("dose_unit", "mg"),
                ("frequency", "TDS"),
                ("quantity", "21"),
                ("action", "check"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Safety checks (KB demo-1)") && page.body.contains("Severe"), "{}", page.body);
    assert_eq!(rx.count("SELECT count(*) FROM rx_orders").await, 2, "checking signs nothing");
    // Signing without the reason re-renders with the alert and what was typed.
    let page = rx
        .app
        .post_form(
            &format!("/patients/{pid}/pharmacy"),
            &[
                ("product", "DICLO-50-TAB"),
                ("dose", "50"),
                ("dose_unit", "mg"),
                ("frequency", "TDS"),
                ("quantity", "21"),
                ("action", "sign"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("give an override reason"), "{}", page.body);
    // A clean order signs and appears on the chart tab.
    let page = rx
        .app
        .post_form(
            &format!("/patients/{pid}/pharmacy"),
            &[
                ("product", "OMEP-20-CAP"),
                ("dose", "20"),
                ("dose_unit", "mg"),
                ("frequency", "OD"),
                ("quantity", "28"),
                ("action", "sign"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let tab = rx.app.get(&format!("/patients/{pid}/pharmacy")).await;
    assert!(
        tab.body.contains("Omeprazole")
            && tab.body.contains("Three days for gout")
            && tab.body.contains("Waiting for verification")
    );
    assert!(tab.body.contains(">Medication orders</a>"), "the chart tab comes from the registry");
}

#[tokio::test]
async fn pharmacy_hard_stops_units_and_bad_input_change_nothing() {
    let mut rx = setup().await;
    for (body, field) in [
        (order("PARA-500-TAB", 1500.0, "mg", "OD", 10), "Hard stop"),
        (order("PARA-500-TAB", 1000.0, "mg", "Q4H", 10), "Hard stop"),
        (order("PARA-500-TAB", 2_000_000.0, "mcg", "OD", 10), "Hard stop"),
        (order("MTX-2.5-TAB", 10.0, "mg", "OD", 4), "once weekly"),
        (order("PARA-500-TAB", 0.0, "mg", "OD", 10), "more than zero"),
        (order("PARA-500-TAB", -1.0, "mg", "OD", 10), "dose"),
        (order("PARA-500-TAB", 500.0, "mg", "whenever", 10), "frequency"),
        (order("PARA-500-TAB", 500.0, "mL", "OD", 10), "is dosed in mg"),
        (order("NO-SUCH-DRUG", 500.0, "mg", "OD", 10), "Not a product"),
        (order("PARA-500-TAB", 500.0, "mg", "OD", 0), "quantity"),
        (
            json!({"product": "PARA-500-TAB", "dose": 500.0, "dose_unit": "mg", "frequency": "QDS", "quantity": 10, "prn": true}),
            "prn_indication",
        ),
    ] {
        let r = rx.prescribe(body.clone()).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", r.body);
        assert!(r.body.contains(field), "{body}: {}", r.body);
    }
    assert_eq!(rx.count("SELECT count(*) FROM rx_orders").await, 0);
    assert_eq!(rx.count("SELECT count(*) FROM orders").await, 0);
    // mg vs mcg vs g: 1 g and 1,000,000 mcg are both the 1,000 mg maximum single dose.
    let r = rx.prescribe(order("PARA-500-TAB", 1.0, "g", "QDS", 56)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // The duplicate: co-codamol on top of 4 g of paracetamol a day is above the cumulative maximum.
    let c = rx.check(order("COCODAMOL-30-500", 2.0, "tablet", "QDS", 10)).await;
    assert!(c["alerts"].to_string().contains("Cumulative Paracetamol"), "{c}");
    assert_eq!(c["alerts"][0]["level"], "severe");
    // Weekly methotrexate is accepted.
    let r = rx.prescribe(order("MTX-2.5-TAB", 10.0, "mg", "WEEKLY", 4)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

#[tokio::test]
async fn pharmacy_allergy_checks_follow_the_cross_sensitivity_rules() {
    let mut rx = setup().await;
    let pid = rx.pid.clone();
    let t = rx.doctor.clone();
    let add = |code: &str, reaction: &str| json!({"substance_code": code, "reaction": reaction, "severity": "severe"});
    let r = rx
        .call(Method::POST, &format!("/api/v1/patients/{pid}/allergies"), &t, Some(add("penicillin", "Urticaria")))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // Penicillin allergy and co-amoxiclav: severe (interruptive).
    let c = rx.check(order("COAMOX-625-TAB", 1.0, "tablet", "TDS", 21)).await;
    assert_eq!(c["alerts"][0]["kind"], "allergy", "{c}");
    assert_eq!(c["alerts"][0]["level"], "severe", "{c}");
    // Penicillin (urticaria) and cefalexin: shown, not interruptive.
    let c = rx.check(order("CEFALEX-500-CAP", 500.0, "mg", "QDS", 20)).await;
    assert_eq!(c["alerts"][0]["level"], "moderate", "{c}");
    let r = rx.prescribe(order("CEFALEX-500-CAP", 500.0, "mg", "QDS", 20)).await;
    assert_eq!(r.status, StatusCode::CREATED, "non-interruptive: {}", r.body);
    // A sulfonamide-antibiotic allergy: no alert on furosemide, one on co-trimoxazole.
    let r = rx
        .call(Method::POST, &format!("/api/v1/patients/{pid}/allergies"), &t, Some(add("sulfonamide", "Anaphylaxis")))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let c = rx.check(order("FUROS-40-TAB", 40.0, "mg", "OD", 28)).await;
    assert!(!c["alerts"].to_string().contains("\"allergy\""), "{c}");
    assert!(c["notes"].to_string().contains("No allergy conflict found in KB demo-1"), "{c}");
    let c = rx.check(order("COTRIM-960-TAB", 1.0, "tablet", "BD", 6)).await;
    assert_eq!(c["alerts"][0]["level"], "severe", "{c}");
    // A free-text allergy is not checked, and says so.
    let r = rx
        .call(
            Method::POST,
            &format!("/api/v1/patients/{pid}/allergies"),
            &t,
            Some(json!({"substance": "The pink antibiotic syrup", "category": "drug", "reaction": "rash", "severity": "mild"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let c = rx.check(order("OMEP-20-CAP", 20.0, "mg", "OD", 28)).await;
    assert!(c["alerts"].to_string().contains("not coded — not checked"), "{c}");
}

#[tokio::test]
async fn pharmacy_verification_then_fefo_dispensing_with_a_charge() {
    let mut rx = setup().await;
    let ph = rx.pharmacist.clone();
    let dr = rx.doctor.clone();
    let store = rx.store("Main pharmacy").await;
    // Receipt: an expired lot is refused; month-only expiries mean the month's end.
    let r = rx.receive(&store, "AMOX-500-CAP", "OLD1", "2020-01-31", 10).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(rx.receive(&store, "AMOX-500-CAP", "LATE", &later(400), 50).await.status, StatusCode::CREATED);
    assert_eq!(rx.receive(&store, "AMOX-500-CAP", "SOON", &later(20), 10).await.status, StatusCode::CREATED);
    let month = (time::OffsetDateTime::now_utc().date() + time::Duration::days(70)).to_string()[..7].to_string();
    assert_eq!(rx.receive(&store, "AMOX-500-CAP", "MONTH", &month, 5).await.status, StatusCode::CREATED);
    let exp: time::Date = sqlx::query_scalar("SELECT expiry_date FROM rx_lots WHERE lot_number = 'MONTH'")
        .fetch_one(&rx.app.pool)
        .await
        .unwrap();
    assert_eq!(exp.next_day().unwrap().day(), 1, "the last day of the month");

    let r = rx.prescribe(order("AMOX-500-CAP", 500.0, "mg", "TDS", 21)).await;
    let id = r.json()["id"].as_str().unwrap().to_string();
    // Not verified yet: not dispensed.
    let d = rx
        .call(Method::POST, &format!("/api/v1/pharmacy/orders/{id}/dispense"), &ph, Some(json!({"store_id": store})))
        .await;
    assert_eq!(d.status, StatusCode::CONFLICT, "{}", d.body);
    // The queue shows it; a doctor may not verify.
    let q = rx.call(Method::GET, "/api/v1/pharmacy/queue", &ph, None).await;
    assert_eq!(q.json().as_array().unwrap().len(), 1);
    assert_eq!(q.json()[0]["patient_name"], "Farmer, Rosa");
    let v = rx.call(Method::POST, &format!("/api/v1/pharmacy/orders/{id}/verify"), &dr, None).await;
    assert_eq!(v.status, StatusCode::FORBIDDEN);
    let v = rx.call(Method::POST, &format!("/api/v1/pharmacy/orders/{id}/verify"), &ph, None).await;
    assert_eq!(v.status, StatusCode::NO_CONTENT, "{}", v.body);
    let v = rx.call(Method::POST, &format!("/api/v1/pharmacy/orders/{id}/verify"), &ph, None).await;
    assert_eq!(v.status, StatusCode::CONFLICT);
    // More than ordered: 422, nothing changes.
    let d = rx
        .call(
            Method::POST,
            &format!("/api/v1/pharmacy/orders/{id}/dispense"),
            &ph,
            Some(json!({"store_id": store, "quantity": "22"})),
        )
        .await;
    assert_eq!(d.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", d.body);
    // 15 now: the 10 of the first-expiring lot, then 5 of the next (FEFO).
    let d = rx
        .call(
            Method::POST,
            &format!("/api/v1/pharmacy/orders/{id}/dispense"),
            &ph,
            Some(json!({"store_id": store, "quantity": "15"})),
        )
        .await;
    assert_eq!(d.status, StatusCode::CREATED, "{}", d.body);
    let bal: Vec<(String, i32)> = sqlx::query_as(
        "SELECT l.lot_number, b.quantity FROM rx_balances b JOIN rx_lots l ON l.id = b.lot_id ORDER BY l.expiry_date",
    )
    .fetch_all(&rx.app.pool)
    .await
    .unwrap();
    assert_eq!(bal, vec![("SOON".into(), 0), ("MONTH".into(), 0), ("LATE".into(), 50)]);
    assert_eq!(rx.count("SELECT sum(quantity) FROM rx_movements").await, 50, "the balance is the movements' sum");
    let (code, qty): (String, i32) =
        sqlx::query_as("SELECT code, quantity FROM charges WHERE source_module = 'pharmacy'")
            .fetch_one(&rx.app.pool)
            .await
            .unwrap();
    assert_eq!((code.as_str(), qty), ("RX:AMOX-500-CAP", 15));
    // The rest (6, the default: all owed), then nothing more.
    let d = rx
        .call(Method::POST, &format!("/api/v1/pharmacy/orders/{id}/dispense"), &ph, Some(json!({"store_id": store})))
        .await;
    assert_eq!(d.status, StatusCode::CREATED, "{}", d.body);
    let d = rx
        .call(
            Method::POST,
            &format!("/api/v1/pharmacy/orders/{id}/dispense"),
            &ph,
            Some(json!({"store_id": store, "quantity": "1"})),
        )
        .await;
    assert_eq!(d.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", d.body);
    let fulfil: String = sqlx::query_scalar("SELECT fulfilment FROM orders").fetch_one(&rx.app.pool).await.unwrap();
    assert_eq!(fulfil, "Dispensed 21 of 21 capsule");
    assert_eq!(rx.app.audit_count("pharmacy.dispense.create").await, 2);

    // Reject needs a reason and revokes the header; a discontinued order is not dispensed.
    let r = rx.prescribe(order("OMEP-20-CAP", 20.0, "mg", "OD", 28)).await;
    let rej = r.json()["id"].as_str().unwrap().to_string();
    let x =
        rx.call(Method::POST, &format!("/api/v1/pharmacy/orders/{rej}/reject"), &ph, Some(json!({"reason": ""}))).await;
    assert_eq!(x.status, StatusCode::UNPROCESSABLE_ENTITY);
    let x = rx
        .call(
            Method::POST,
            &format!("/api/v1/pharmacy/orders/{rej}/reject"),
            &ph,
            Some(json!({"reason": "Duplicate of home PPI."})),
        )
        .await;
    assert_eq!(x.status, StatusCode::NO_CONTENT);
    let s: String =
        sqlx::query_scalar("SELECT o.status FROM orders o JOIN rx_orders r ON r.order_id = o.id WHERE r.id = $1::uuid")
            .bind(&rej)
            .fetch_one(&rx.app.pool)
            .await
            .unwrap();
    assert_eq!(s, "revoked");
    assert_eq!(rx.receive(&store, "METF-500-TAB", "M1", &later(300), 100).await.status, StatusCode::CREATED);
    let id2 = rx.verified(order("METF-500-TAB", 500.0, "mg", "BD", 56)).await;
    let pid = rx.pid.clone();
    let x = rx
        .call(
            Method::POST,
            &format!("/api/v1/patients/{pid}/pharmacy/orders/{id2}/discontinue"),
            &dr,
            Some(json!({"reason": "HbA1c at target off treatment."})),
        )
        .await;
    assert_eq!(x.status, StatusCode::NO_CONTENT, "{}", x.body);
    let d = rx
        .call(Method::POST, &format!("/api/v1/pharmacy/orders/{id2}/dispense"), &ph, Some(json!({"store_id": store})))
        .await;
    assert_eq!(d.status, StatusCode::CONFLICT, "{}", d.body);
    assert_eq!(rx.count("SELECT count(*) FROM rx_dispenses").await, 2);
}

#[tokio::test]
async fn pharmacy_two_dispenses_race_for_the_last_units_and_one_wins() {
    let mut rx = setup().await;
    let store = rx.store("Main pharmacy").await;
    assert_eq!(rx.receive(&store, "MORPH-10-INJ", "CD1", &later(200), 10).await.status, StatusCode::CREATED);
    let mut ids = Vec::new();
    for _ in 0..4 {
        ids.push(rx.verified(order("MORPH-10-INJ", 10.0, "mg", "STAT", 10)).await);
    }
    let ph = rx.pharmacist.clone();
    let calls = ids.iter().map(|id| {
        let mut c = rx.app.another_client();
        let (url, token, body) = (
            format!("/api/v1/pharmacy/orders/{id}/dispense"),
            ph.clone(),
            json!({"store_id": store, "quantity": "10"}),
        );
        async move { c.api(Method::POST, &url, Some(&token), Some(body)).await }
    });
    let results = futures_util::future::join_all(calls).await;
    let won = results.iter().filter(|r| r.status == StatusCode::CREATED).count();
    let lost: Vec<_> = results.iter().filter(|r| r.status == StatusCode::CONFLICT).collect();
    assert_eq!(
        (won, lost.len()),
        (1, 3),
        "{:?}",
        results.iter().map(|r| (r.status, r.body.clone())).collect::<Vec<_>>()
    );
    assert!(lost[0].json()["detail"].as_str().unwrap().contains("stock"), "{}", lost[0].body);
    assert_eq!(rx.count("SELECT sum(quantity) FROM rx_balances").await, 0);
    assert_eq!(rx.count("SELECT sum(quantity) FROM rx_movements").await, 0, "running balance equals the count");
    assert_eq!(rx.count("SELECT count(*) FROM rx_dispenses").await, 1);
    assert_eq!(rx.count("SELECT count(*) FROM charges").await, 1);
    assert_eq!(rx.count("SELECT sum(dispensed) FROM rx_orders").await, 10);
}

#[tokio::test]
async fn pharmacy_verification_races_once() {
    let mut rx = setup().await;
    let r = rx.prescribe(order("OMEP-20-CAP", 20.0, "mg", "OD", 28)).await;
    let id = r.json()["id"].as_str().unwrap().to_string();
    let ph = rx.pharmacist.clone();
    let calls = (0..5).map(|_| {
        let mut c = rx.app.another_client();
        let (url, token) = (format!("/api/v1/pharmacy/orders/{id}/verify"), ph.clone());
        async move { c.api(Method::POST, &url, Some(&token), None).await }
    });
    let results = futures_util::future::join_all(calls).await;
    let ok = results.iter().filter(|r| r.status == StatusCode::NO_CONTENT).count();
    let conflict = results.iter().filter(|r| r.status == StatusCode::CONFLICT).count();
    assert_eq!((ok, conflict), (1, 4));
    assert_eq!(rx.app.audit_count("pharmacy.order.verify").await, 1);
}

#[tokio::test]
async fn pharmacy_the_database_refuses_expired_or_quarantined_lots_and_changed_movements() {
    let mut rx = setup().await;
    let store = rx.store("Main pharmacy").await;
    assert_eq!(rx.receive(&store, "CIPRO-500-TAB", "Q1", &later(100), 20).await.status, StatusCode::CREATED);
    sqlx::query("UPDATE rx_lots SET quarantined = true WHERE lot_number = 'Q1'").execute(&rx.app.pool).await.unwrap();
    let id = rx.verified(order("CIPRO-500-TAB", 500.0, "mg", "BD", 10)).await;
    let ph = rx.pharmacist.clone();
    let d = rx
        .call(Method::POST, &format!("/api/v1/pharmacy/orders/{id}/dispense"), &ph, Some(json!({"store_id": store})))
        .await;
    assert_eq!(d.status, StatusCode::CONFLICT, "{}", d.body);
    assert_eq!(rx.count("SELECT dispensed::bigint FROM rx_orders").await, 0, "nothing half-done");
    // Straight to the database: a dispense movement of a quarantined or expired lot is refused.
    let lot: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM rx_lots WHERE lot_number = 'Q1'").fetch_one(&rx.app.pool).await.unwrap();
    let bad = sqlx::query(
        "INSERT INTO rx_movements (store_id, lot_id, kind, quantity) VALUES ($1::uuid, $2, 'dispense', -1)",
    )
    .bind(&store)
    .bind(lot)
    .execute(&rx.app.pool)
    .await;
    assert!(bad.unwrap_err().to_string().contains("quarantined"));
    sqlx::query("UPDATE rx_lots SET quarantined = false, expiry_date = current_date - 1 WHERE id = $1")
        .bind(lot)
        .execute(&rx.app.pool)
        .await
        .unwrap();
    let bad = sqlx::query(
        "INSERT INTO rx_movements (store_id, lot_id, kind, quantity) VALUES ($1::uuid, $2, 'dispense', -1)",
    )
    .bind(&store)
    .bind(lot)
    .execute(&rx.app.pool)
    .await;
    assert!(bad.unwrap_err().to_string().contains("expired"));
    // Below zero: refused.
    let bad = sqlx::query(
        "INSERT INTO rx_movements (store_id, lot_id, kind, quantity) VALUES ($1::uuid, $2, 'adjustment', -21)",
    )
    .bind(&store)
    .bind(lot)
    .execute(&rx.app.pool)
    .await;
    assert!(bad.unwrap_err().to_string().contains("Not enough stock"));
    // The ledger is never changed.
    assert!(sqlx::query("UPDATE rx_movements SET quantity = 999").execute(&rx.app.pool).await.is_err());
    assert!(sqlx::query("DELETE FROM rx_movements").execute(&rx.app.pool).await.is_err());
    assert_eq!(rx.count("SELECT sum(quantity) FROM rx_balances").await, 20);
}

#[tokio::test]
async fn pharmacy_roles_are_least_privilege() {
    let mut rx = setup().await;
    let pid = rx.pid.clone();
    let nurse = rx.app.user("nurse").await;
    let nt = rx.app.api_token(&nurse).await;
    let reception = rx.app.user("receptionist").await;
    let rt = rx.app.api_token(&reception).await;
    let ph = rx.pharmacist.clone();
    let dr = rx.doctor.clone();
    let body = order("OMEP-20-CAP", 20.0, "mg", "OD", 28);
    let url = format!("/api/v1/patients/{pid}/pharmacy/orders");
    for t in [&nt, &ph, &rt] {
        let r = rx.app.api(Method::POST, &url, Some(t), Some(body.clone())).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    }
    let r = rx.app.api(Method::GET, &url, Some(&nt), None).await;
    assert_eq!(r.status, StatusCode::OK, "nurses read medication orders");
    let r = rx.app.api(Method::GET, &url, Some(&rt), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    for (m, path) in [
        (Method::GET, "/api/v1/pharmacy/queue"),
        (Method::GET, "/api/v1/pharmacy/queue?status=verified"),
        (Method::GET, "/api/v1/pharmacy/stock"),
        (Method::POST, "/api/v1/pharmacy/stores"),
    ] {
        for t in [&dr, &nt] {
            let r = rx.app.api(m.clone(), path, Some(t), Some(json!({"name": "X"}))).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}: {}", r.body);
        }
    }
    for path in ["/pharmacy/verify", "/pharmacy/dispense", "/pharmacy/stock"] {
        assert_eq!(rx.app.get(path).await.status, StatusCode::FORBIDDEN, "{path} for a doctor");
    }
    let mut pharmacist_browser = rx.app.another_client();
    let email = rx.app.user("pharmacist").await;
    pharmacist_browser.login(&email, PASSWORD).await;
    for path in ["/pharmacy/verify", "/pharmacy/dispense", "/pharmacy/stock", "/pharmacy/formulary"] {
        let r = pharmacist_browser.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path} for a pharmacist");
    }
}

#[tokio::test]
async fn pharmacy_the_demo_has_stocked_stores_a_verification_queue_and_alerts() {
    let mut app = TestApp::new().await;
    hearth::demo::seed(&app.pool, &app.state.keys).await.unwrap();
    let n = |sql: &'static str| {
        let pool = app.pool.clone();
        async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(&pool).await.unwrap() }
    };
    assert!(n("SELECT count(*) FROM rx_stores").await >= 3);
    assert!(n("SELECT count(*) FROM rx_products").await >= 30);
    assert!(n("SELECT count(DISTINCT l.expiry_date) FROM rx_lots l").await > 20, "varied expiry");
    assert_eq!(n("SELECT count(*) FROM rx_lots WHERE quarantined").await, 1);
    assert!(n("SELECT count(*) FROM rx_orders WHERE status = 'pending'").await >= 6, "a queue with work");
    assert!(n("SELECT count(*) FROM rx_orders WHERE status = 'verified' AND dispensed < quantity").await >= 2);
    assert!(n("SELECT count(*) FROM rx_dispenses").await >= 4);
    assert!(
        n("SELECT count(*) FROM rx_orders WHERE override_reason <> '' AND alerts::text LIKE '%interaction%'").await
            >= 3
    );
    assert!(n("SELECT count(*) FROM rx_orders WHERE alerts::text LIKE '%\"kind\": \"allergy\"%'").await >= 1);
    assert_eq!(
        n("SELECT count(*) FROM (SELECT store_id, lot_id, sum(quantity) s FROM rx_movements GROUP BY 1, 2) m
           JOIN rx_balances b USING (store_id, lot_id) WHERE b.quantity <> m.s")
        .await,
        0,
        "every balance is the sum of its movements"
    );
    let email = app.user("pharmacist").await;
    app.login(&email, PASSWORD).await;
    let q = app.get("/pharmacy/verify").await;
    assert_eq!(q.status, StatusCode::OK);
    assert!(q.body.contains("Clarithromycin") && q.body.contains("Severe"), "the queue shows the alerts");
    // One audit event for the page (not one per order), naming the orders shown, no patient.
    assert_eq!(app.audit_count("pharmacy.worklist.view").await, 1);
    let (pending, named, patient): (i64, i64, Option<uuid::Uuid>) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM rx_orders WHERE status = 'pending'),
                jsonb_array_length(changes -> 'orders')::bigint, patient_id
         FROM audit_events WHERE action = 'pharmacy.worklist.view'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(named, pending, "every pending order shown is named");
    assert_eq!(patient, None);
}

#[tokio::test]
async fn pharmacy_a_recorded_death_discontinues_pending_and_verified_orders() {
    let mut rx = setup().await;
    let r = rx.prescribe(order("OMEP-20-CAP", 20.0, "mg", "OD", 28)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let pending = r.json()["id"].as_str().unwrap().to_string();
    let verified = rx.verified(order("METF-500-TAB", 500.0, "mg", "BD", 56)).await;
    let pid = rx.pid.clone();
    let r = rx
        .app
        .post_form(&format!("/patients/{pid}/death"), &[("death_date", &later(0)), ("death_time", "00:00")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    for id in [&pending, &verified] {
        let (status, reason): (String, String) =
            sqlx::query_as("SELECT status, discontinue_reason FROM rx_orders WHERE id = $1::uuid")
                .bind(id)
                .fetch_one(&rx.app.pool)
                .await
                .unwrap();
        assert_eq!((status.as_str(), reason.as_str()), ("discontinued", "The patient died."));
    }
    assert_eq!(rx.count("SELECT count(*) FROM orders WHERE status = 'revoked'").await, 2, "headers revoked too");
    assert_eq!(rx.app.audit_count("pharmacy.order.discontinue").await, 2);
    let queue = rx.app.get("/pharmacy/verify").await;
    assert!(!queue.body.contains("Farmer"), "no longer in the verification queue");
}
