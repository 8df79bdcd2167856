//! Insurance, phase 1, through HTTP: the payer/patient split (exact sums with odd co-insurance in
//! USD and JPY, co-pay, deductible and annual limit across invoices), eligibility of an expired
//! policy, a missing pre-authorisation flagged, one claim per invoice and policy under a race,
//! remittance posting a billing payment with balances agreeing, the roles, bad input, the pages.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::*;
use hearth::modules::charges::{self, NewCharge};
use hearth::platform::audit::AuditMeta;

struct I {
    app: TestApp,
    clerk: String,
    admin: String,
    pid: String,
}

/// A registered patient, a billing clerk's and a hospital admin's tokens.
async fn setup() -> I {
    let (mut app, _) = TestApp::signed_in("receptionist").await;
    let pid = app.register_patient(&[("given_name", "Ines"), ("family_name", "Sured"), ("sex", "female")]).await;
    let c = app.user("billing_clerk").await;
    let clerk = app.api_token(&c).await;
    let a = app.user("hospital_admin").await;
    let admin = app.api_token(&a).await;
    I { app, clerk, admin, pid }
}

impl I {
    async fn call(&mut self, method: Method, path: &str, token: &str, body: Option<Value>) -> TestResponse {
        let t = token.to_string();
        self.app.api(method, path, Some(&t), body).await
    }
    async fn clerk(&mut self, method: Method, path: &str, body: Option<Value>) -> TestResponse {
        let t = self.clerk.clone();
        self.call(method, path, &t, body).await
    }
    fn url(&self, rest: &str) -> String {
        format!("/api/v1/patients/{}/{rest}", self.pid)
    }
    async fn price(&mut self, code: &str, unit_price: i64) {
        let (t, f) = (self.admin.clone(), self.app.facility_id);
        let r = self
            .call(
                Method::POST,
                "/api/v1/billing/prices",
                &t,
                Some(json!({"facility": f, "effective_from": "2026-01-01", "code": code, "description": code,
                            "unit_price": unit_price, "tax_rate_bp": 0})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    async fn charge(&self, code: &str) -> Uuid {
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
                quantity: 1,
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
    /// A finalised invoice of the listed charges.
    async fn issued(&mut self, charges: &[Uuid]) -> String {
        let u = self.url("billing/invoices");
        let r = self.clerk(Method::POST, &u, Some(json!({"charges": charges}))).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let id = r.json()["id"].as_str().unwrap().to_string();
        let u = self.url(&format!("billing/invoices/{id}/finalise"));
        let r = self.clerk(Method::POST, &u, None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        id
    }
    /// A payer and a plan (by the admin); returns the plan's id.
    async fn plan(&mut self, code: &str, rules: Value) -> String {
        let t = self.admin.clone();
        let r = self
            .call(
                Method::POST,
                "/api/v1/insurance/payers",
                &t,
                Some(json!({"code": code, "name": format!("{code} Health")})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let payer = r.json()["id"].as_str().unwrap().to_string();
        let mut body = json!({"payer": payer, "code": "STD", "name": "Standard", "currency": "USD"});
        for (k, v) in rules.as_object().unwrap() {
            body[k] = v.clone();
        }
        let r = self.call(Method::POST, "/api/v1/insurance/plans", &t, Some(body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        r.json()["id"].as_str().unwrap().to_string()
    }
    async fn policy(&mut self, plan: &str, from: &str, to: &str) -> String {
        let u = self.url("insurance/policies");
        let r = self
            .clerk(
                Method::POST,
                &u,
                Some(json!({"plan": plan, "member_id": "M-1001", "valid_from": from, "valid_to": to,
                            "priority": "primary", "relationship": "self"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        r.json()["id"].as_str().unwrap().to_string()
    }
    async fn split(&mut self, invoice: &str, policy: &str) -> TestResponse {
        let u = self.url("insurance/splits");
        self.clerk(Method::POST, &u, Some(json!({"invoice": invoice, "policy": policy}))).await
    }
    async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(&self.app.pool).await.unwrap()
    }
    async fn counts(&self) -> Vec<i64> {
        let mut out = Vec::new();
        for t in [
            "insurance_payers",
            "insurance_plans",
            "insurance_policies",
            "insurance_preauths",
            "insurance_splits",
            "insurance_claims",
            "billing_payments",
        ] {
            out.push(self.count(&format!("SELECT count(*) FROM {t}")).await);
        }
        out.push(self.count("SELECT coalesce(sum(paid), 0)::bigint FROM insurance_claim_lines").await);
        out
    }
}

fn shares(split: &Value) -> Vec<(String, i64, i64, i64, String)> {
    split["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["code"].as_str().unwrap().to_string(),
                l["line_total"].as_i64().unwrap(),
                l["payer_share"].as_i64().unwrap(),
                l["patient_share"].as_i64().unwrap(),
                l["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn insurance_split_applies_copay_deductible_odd_coinsurance_and_the_limit_across_invoices() {
    let mut i = setup().await;
    i.price("APPT:GP", 4567).await;
    i.price("LAB:CBC", 3333).await;
    // Co-pay 10.00 per visit, deductible 30.00, co-insurance 15 %, the payer's limit 30.00 a year.
    let plan =
        i.plan("ACME", json!({"copay": 1000, "coinsurance_bp": 1500, "deductible": 3000, "annual_limit": 3000})).await;
    let policy = i.policy(&plan, "2026-01-01", "").await;
    let (a, b) = (i.charge("APPT:GP").await, i.charge("LAB:CBC").await);
    let inv = i.issued(&[a, b]).await;
    let r = i.split(&inv, &policy).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let s = r.json();
    // The visit: 10.00 co-pay, 30.00 deductible, 5.67 split 85/15 → 4.8195 | 0.8505: the unit
    // goes to the larger remainder (the payer's), so 4.82 + 0.85.
    // The test: 33.33 split 85/15 → 28.3305 | 4.9995 → 28.33 + 5.00, but the limit leaves
    // 30.00 − 4.82 = 25.18 for the payer.
    assert_eq!(
        shares(&s),
        vec![
            ("APPT:GP".into(), 4567, 482, 4085, "covered".into()),
            ("LAB:CBC".into(), 3333, 2518, 815, "limit_reached".into()),
        ]
    );
    assert_eq!(s["payer_total"], 3000);
    assert_eq!(s["patient_total"], 4900);
    for (_, t, p, q, _) in shares(&s) {
        assert_eq!(p + q, t);
    }
    // Splitting again for the same policy: refused.
    let r = i.split(&inv, &policy).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    // A later invoice in the same year: the deductible is spent and the limit reached.
    let c = i.charge("LAB:CBC").await;
    let inv2 = i.issued(&[c]).await;
    let r = i.split(&inv2, &policy).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(shares(&r.json()), vec![("LAB:CBC".into(), 3333, 0, 3333, "limit_reached".into())]);
    let (d, p): (i64, i64) =
        sqlx::query_as("SELECT deductible_used, payer_paid FROM insurance_accumulators WHERE policy_id = $1::uuid")
            .bind(&policy)
            .fetch_one(&i.app.pool)
            .await
            .unwrap();
    assert_eq!((d, p), (3000, 3000));
    // The database refuses shares that do not sum to the line.
    let bad = sqlx::query("UPDATE insurance_split_lines SET payer_share = payer_share + 1")
        .execute(&i.app.pool)
        .await
        .unwrap_err();
    assert!(bad.to_string().contains("insurance_split_lines_sum"), "{bad}");
    // The patient's share is what the chart shows the cashier.
    let u = i.url("insurance/splits");
    let r = i.clerk(Method::GET, &u, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json().as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn insurance_a_jpy_split_with_odd_coinsurance_sums_in_whole_yen() {
    let mut i = setup().await;
    let mut tx = i.app.pool.begin().await.unwrap();
    hearth::modules::billing::repo::set_settings(&mut tx, &AuditMeta::system("test"), i.app.facility_id, "JPY", 4)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    i.price("LAB:X", 1001).await;
    let plan = i.plan("NIPPON", json!({"currency": "JPY", "coinsurance_bp": 3333})).await;
    let policy = i.policy(&plan, "2020-01-01", "2030-12-31").await;
    let c = i.charge("LAB:X").await;
    let inv = i.issued(&[c]).await;
    let r = i.split(&inv, &policy).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // ¥1001 × 66.67 % = 667.37 | 333.63: the missing yen goes to the patient's larger remainder.
    assert_eq!(shares(&r.json()), vec![("LAB:X".into(), 1001, 667, 334, "covered".into())]);
    assert_eq!(r.json()["exponent"], 0);
    // A USD plan cannot split a JPY invoice.
    let usd = i.plan("DOLLAR", json!({})).await;
    let u = i.url("insurance/policies");
    let r = i
        .clerk(
            Method::POST,
            &u,
            Some(json!({"plan": usd, "member_id": "D-1", "valid_from": "2020-01-01", "priority": "secondary",
                        "relationship": "spouse"})),
        )
        .await;
    let second = r.json()["id"].as_str().unwrap().to_string();
    let r = i.split(&inv, &second).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
}

#[tokio::test]
async fn insurance_an_expired_policy_is_not_eligible_and_cannot_be_split_or_claimed() {
    let mut i = setup().await;
    i.price("LAB:CBC", 3333).await;
    let plan = i.plan("OLD", json!({"coinsurance_bp": 2000})).await;
    let policy = i.policy(&plan, "2020-01-01", "2020-12-31").await;
    let u = i.url("insurance/eligibility");
    let r = i.clerk(Method::POST, &u, Some(json!({"policy": policy}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["eligible"], false);
    assert_eq!(r.json()["reason"], "expired");
    let r = i.clerk(Method::POST, &u, Some(json!({"policy": policy, "service_date": "2020-06-01"}))).await;
    assert_eq!(r.json()["eligible"], true);
    assert_eq!(i.count("SELECT count(*) FROM insurance_eligibility").await, 2);
    let c = i.charge("LAB:CBC").await;
    let inv = i.issued(&[c]).await;
    let before = i.counts().await;
    let r = i.split(&inv, &policy).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let u = i.url("insurance/claims");
    let r = i.clerk(Method::POST, &u, Some(json!({"invoice": inv, "policy": policy}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(i.counts().await, before);
    assert_eq!(i.count("SELECT count(*) FROM insurance_accumulators").await, 0);
}

#[tokio::test]
async fn insurance_a_line_needing_preauthorisation_without_one_is_flagged() {
    let mut i = setup().await;
    i.price("SURG:KNEE", 100_000).await;
    let plan = i.plan("ORTHO", json!({"coinsurance_bp": 1000, "preauth_codes": ["SURG:*"]})).await;
    let policy = i.policy(&plan, "2026-01-01", "").await;
    let c = i.charge("SURG:KNEE").await;
    let inv = i.issued(&[c]).await;
    let r = i.split(&inv, &policy).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let s = r.json();
    assert_eq!(s["lines"][0]["preauth_missing"], true);
    assert_eq!(shares(&s), vec![("SURG:KNEE".into(), 100_000, 0, 100_000, "preauth_missing".into())]);
    // Nothing for the payer: no claim.
    let u = i.url("insurance/claims");
    let r = i.clerk(Method::POST, &u, Some(json!({"invoice": inv, "policy": policy}))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    // Requested, approved by the payer: the next invoice is covered.
    let u = i.url("insurance/preauths");
    let r = i.clerk(Method::POST, &u, Some(json!({"policy": policy, "code": "SURG:KNEE"}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let pa = r.json()["id"].as_str().unwrap().to_string();
    let u = i.url(&format!("insurance/preauths/{pa}/decision"));
    let today = time::OffsetDateTime::now_utc().date();
    let r = i
        .clerk(
            Method::POST,
            &u,
            Some(json!({"decision": "approved", "reference": "PA-778", "valid_from": "2026-01-01",
                        "valid_to": (today + time::Duration::days(30)).to_string(), "units": 1})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    // Decided once.
    let r = i.clerk(Method::POST, &u, Some(json!({"decision": "denied", "reason": "Late"}))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let c = i.charge("SURG:KNEE").await;
    let inv = i.issued(&[c]).await;
    let r = i.split(&inv, &policy).await;
    assert_eq!(shares(&r.json()), vec![("SURG:KNEE".into(), 100_000, 90_000, 10_000, "covered".into())]);
    assert_eq!(r.json()["lines"][0]["preauth_missing"], false);
}

/// A finalised invoice of a covered patient split for a 20 % co-insurance plan: (policy, invoice).
async fn claimable(i: &mut I) -> (String, String) {
    i.price("APPT:GP", 5000).await;
    i.price("LAB:CBC", 3333).await;
    let plan = i.plan("ACME", json!({"coinsurance_bp": 2000})).await;
    let policy = i.policy(&plan, "2026-01-01", "").await;
    let (a, b) = (i.charge("APPT:GP").await, i.charge("LAB:CBC").await);
    let inv = i.issued(&[a, b]).await;
    (policy, inv)
}

#[tokio::test]
async fn insurance_one_claim_per_invoice_and_policy_even_under_a_race() {
    let mut i = setup().await;
    let (policy, inv) = claimable(&mut i).await;
    let r = i.split(&inv, &policy).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let tries = (0..8).map(|_| {
        let mut app = i.app.another_client();
        let (u, t) = (i.url("insurance/claims"), i.clerk.clone());
        let body = json!({"invoice": inv, "policy": policy});
        async move { app.api(Method::POST, &u, Some(&t), Some(body)).await.status }
    });
    let results = futures_util::future::join_all(tries).await;
    assert_eq!(results.iter().filter(|s| **s == StatusCode::CREATED).count(), 1, "{results:?}");
    assert!(results.iter().all(|s| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT), "{results:?}");
    assert_eq!(i.count("SELECT count(*) FROM insurance_claims").await, 1);
    // And in the database itself.
    let dup = sqlx::query(
        "INSERT INTO insurance_claims (id, invoice_id, policy_id, split_id, patient_id, facility_id, claimed)
         SELECT gen_random_uuid(), invoice_id, policy_id, split_id, patient_id, facility_id, claimed FROM insurance_claims",
    )
    .execute(&i.app.pool)
    .await
    .unwrap_err();
    assert!(dup.to_string().contains("insurance_claims_once"), "{dup}");
}

#[tokio::test]
async fn insurance_remittance_posts_a_payment_and_the_balances_agree() {
    let mut i = setup().await;
    let (policy, inv) = claimable(&mut i).await;
    // The claim is built straight from the invoice (split on the way): 40.00 + 26.66 claimed.
    let u = i.url("insurance/claims");
    let r = i.clerk(Method::POST, &u, Some(json!({"invoice": inv, "policy": policy}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let claim = r.json()["id"].as_str().unwrap().to_string();
    let cu = i.url(&format!("insurance/claims/{claim}"));
    let d = i.clerk(Method::GET, &cu, None).await.json();
    assert_eq!(d["claim"]["claimed"], 4000 + 2666);
    assert_eq!(d["claim"]["status"], "draft");
    let lines: Vec<String> =
        d["lines"].as_array().unwrap().iter().map(|l| l["line_id"].as_str().unwrap().to_string()).collect();
    // Remittance before submission: refused.
    let ru = format!("{cu}/remittance");
    let full = json!({"lines": [{"line_id": lines[0], "paid": 4000}, {"line_id": lines[1], "paid": 2666}]});
    let r = i.clerk(Method::POST, &ru, Some(full)).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    for action in ["submit", "accept"] {
        let r = i.clerk(Method::POST, &format!("{cu}/action"), Some(json!({"action": action}))).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    // The patient pays their share at the desk: 10.00 + 6.67.
    let pay = i.url(&format!("billing/invoices/{inv}/payments"));
    let mut req = i.app.builder(Method::POST, &pay);
    req = req
        .header("Authorization", format!("Bearer {}", i.clerk))
        .header("Content-Type", "application/json")
        .header("Idempotency-Key", "desk-1");
    let r = i
        .app
        .request(req.body(axum::body::Body::from(json!({"method": "cash", "amount": 1667}).to_string())).unwrap())
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // The payer pays the visit and 20.00 of the test (PR-2 for the rest).
    let r = i
        .clerk(
            Method::POST,
            &ru,
            Some(json!({"reference": "EFT-55", "lines": [{"line_id": lines[0], "paid": 4000},
                        {"line_id": lines[1], "paid": 2000, "adjustment_code": "PR-2"}]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let d = r.json();
    assert_eq!(d["claim"]["status"], "partially_paid");
    assert_eq!(d["claim"]["paid"], 6000);
    let (method, amount): (String, i64) = sqlx::query_as(
        "SELECT y.method, y.amount FROM billing_payments y JOIN insurance_claims c ON c.payment_id = y.id",
    )
    .fetch_one(&i.app.pool)
    .await
    .unwrap();
    assert_eq!((method.as_str(), amount), ("insurance", 6000));
    // The invoice: 83.33 total, 16.67 + 60.00 paid, 6.66 left for the patient.
    let bu = i.url(&format!("billing/invoices/{inv}"));
    let b = i.clerk(Method::GET, &bu, None).await.json();
    assert_eq!(b["invoice"]["total"], 8333);
    assert_eq!(b["invoice"]["paid"], 1667 + 6000);
    assert_eq!(b["balance"], 666);
    assert_eq!(b["invoice"]["status"], "partially_paid");
    // Remitted once.
    let before = i.counts().await;
    let r = i
        .clerk(Method::POST, &ru, Some(json!({"lines": [{"line_id": lines[0], "paid": 1, "adjustment_code": "CO-45"}, {"line_id": lines[1], "paid": 1, "adjustment_code": "PR-2"}]})))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(i.counts().await, before);
}

#[tokio::test]
async fn insurance_roles_without_the_permissions_are_refused() {
    let mut i = setup().await;
    let (policy, inv) = claimable(&mut i).await;
    let n = i.app.user("nurse").await;
    let nurse = i.app.api_token(&n).await;
    let before = i.counts().await;
    let pu = i.url("insurance/policies");
    let su = i.url("insurance/splits");
    let cu = i.url("insurance/claims");
    for (m, u, t, body) in [
        (Method::GET, pu.clone(), nurse.clone(), None),
        (Method::GET, "/api/v1/insurance/claims".to_string(), nurse.clone(), None),
        (Method::POST, pu.clone(), nurse.clone(), Some(json!({}))),
        (Method::POST, su.clone(), nurse.clone(), Some(json!({"invoice": inv, "policy": policy}))),
        (Method::POST, cu.clone(), nurse.clone(), Some(json!({"invoice": inv, "policy": policy}))),
        // Payers and plans are the hospital admin's, not the clerk's.
        (
            Method::POST,
            "/api/v1/insurance/payers".to_string(),
            i.clerk.clone(),
            Some(json!({"code": "NEW", "name": "New"})),
        ),
        (Method::POST, "/api/v1/insurance/plans".to_string(), i.clerk.clone(), Some(json!({}))),
    ] {
        let r = i.call(m, &u, &t, body).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{u}: {}", r.body);
    }
    assert_eq!(i.counts().await, before);
}

#[tokio::test]
async fn insurance_bad_input_is_a_4xx_and_changes_nothing() {
    let mut i = setup().await;
    let (policy, inv) = claimable(&mut i).await;
    let admin = i.admin.clone();
    let u = i.url("insurance/claims");
    let r = i.clerk(Method::POST, &u, Some(json!({"invoice": inv, "policy": policy}))).await;
    let claim = r.json()["id"].as_str().unwrap().to_string();
    let cu = i.url(&format!("insurance/claims/{claim}"));
    let r = i.clerk(Method::POST, &format!("{cu}/action"), Some(json!({"action": "submit"}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let d = i.clerk(Method::GET, &cu, None).await.json();
    let lines: Vec<String> =
        d["lines"].as_array().unwrap().iter().map(|l| l["line_id"].as_str().unwrap().to_string()).collect();
    let before = i.counts().await;
    let cases: Vec<(Method, String, String, Value)> = vec![
        (Method::POST, "/api/v1/insurance/payers".into(), admin.clone(), json!({"code": "x", "name": ""})),
        (
            Method::POST,
            "/api/v1/insurance/plans".into(),
            admin.clone(),
            json!({"code": "P", "name": "P", "currency": "XXX", "coinsurance_bp": 20000, "deductible": -1,
                   "excluded_codes": ["bad code"]}),
        ),
        (
            Method::POST,
            i.url("insurance/policies"),
            i.clerk.clone(),
            json!({"plan": Uuid::new_v4(), "member_id": "M 1", "valid_from": "2026-13-01", "priority": "first",
                   "relationship": "cousin"}),
        ),
        (
            Method::POST,
            i.url("insurance/policies"),
            i.clerk.clone(),
            json!({"plan": Uuid::new_v4(), "member_id": "M1", "valid_from": "2026-01-01", "valid_to": "2025-01-01",
                   "priority": "primary", "relationship": "self"}),
        ),
        (Method::POST, i.url("insurance/eligibility"), i.clerk.clone(), json!({"policy": Uuid::new_v4()})),
        (Method::POST, i.url("insurance/preauths"), i.clerk.clone(), json!({"policy": policy, "code": "no spaces"})),
        (Method::POST, i.url("insurance/splits"), i.clerk.clone(), json!({"invoice": inv})),
        (
            Method::POST,
            i.url("insurance/claims"),
            i.clerk.clone(),
            json!({"invoice": Uuid::new_v4(), "policy": policy}),
        ),
        (Method::POST, format!("{cu}/action"), i.clerk.clone(), json!({"action": "pay"})),
        (Method::POST, format!("{cu}/action"), admin.clone(), json!({"action": "reject", "reason": ""})),
        // Remittance above the claimed amount.
        (
            Method::POST,
            format!("{cu}/remittance"),
            i.clerk.clone(),
            json!({"lines": [{"line_id": lines[0], "paid": 4001}, {"line_id": lines[1], "paid": 0, "adjustment_code": "PR-2"}]}),
        ),
        // A denial code not in the configured list.
        (
            Method::POST,
            format!("{cu}/remittance"),
            i.clerk.clone(),
            json!({"lines": [{"line_id": lines[0], "paid": 0, "adjustment_code": "ZZ-9"}, {"line_id": lines[1], "paid": 2666}]}),
        ),
        // A line missing.
        (
            Method::POST,
            format!("{cu}/remittance"),
            i.clerk.clone(),
            json!({"lines": [{"line_id": lines[0], "paid": 4000}]}),
        ),
    ];
    for (m, u, t, body) in cases {
        let r = i.call(m, &u, &t, Some(body.clone())).await;
        assert!(
            r.status == StatusCode::UNPROCESSABLE_ENTITY || r.status == StatusCode::BAD_REQUEST,
            "{u} {body}: {} {}",
            r.status,
            r.body
        );
    }
    // A pre-authorisation decision missing its dates.
    let r =
        i.clerk(Method::POST, &i.url("insurance/preauths"), Some(json!({"policy": policy, "code": "SURG:KNEE"}))).await;
    let pa = r.json()["id"].as_str().unwrap().to_string();
    let before_pa: Option<String> =
        sqlx::query_scalar("SELECT status FROM insurance_preauths").fetch_optional(&i.app.pool).await.unwrap();
    let du = i.url(&format!("insurance/preauths/{pa}/decision"));
    let r = i.clerk(Method::POST, &du, Some(json!({"decision": "approved", "reference": "X"}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = i.clerk(Method::POST, &du, Some(json!({"decision": "denied"}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(before_pa.as_deref(), Some("requested"));
    let after: String =
        sqlx::query_scalar("SELECT status FROM insurance_preauths").fetch_one(&i.app.pool).await.unwrap();
    assert_eq!(after, "requested");
    let mut now = i.counts().await;
    now[3] -= 1; // the one pre-authorisation requested above
    assert_eq!(now, before);
    let d = i.clerk(Method::GET, &cu, None).await.json();
    assert_eq!(d["claim"]["status"], "submitted");
}

#[tokio::test]
async fn insurance_pages_show_the_coverage_tab_claims_worklist_and_claim() {
    let mut i = setup().await;
    let (policy, inv) = claimable(&mut i).await;
    let c = i.app.user("billing_clerk").await;
    let mut web = i.app.another_client();
    web.login(&c, PASSWORD).await;
    let tab = format!("/patients/{}/insurance", i.pid);
    let r = web.get(&tab).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("M-1001"), "{}", r.body);
    // Build the claim through the page: split on the way, the patient's share shown.
    let r = web.post_form(&format!("{tab}/claims"), &[("invoice", inv.as_str()), ("policy", policy.as_str())]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let claim_url = r.location().to_string();
    assert!(claim_url.contains("/insurance/claims/"), "{claim_url}");
    let r = web.get(&tab).await;
    // 50.00 + 33.33 at 20 %: the patient owes 10.00 + 6.67.
    assert!(r.body.contains("16.67"), "{}", r.body);
    let path = claim_url.split('?').next().unwrap().to_string();
    let r = web.get(&path).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("66.66"), "{}", r.body);
    let r = web.post_form(&format!("{path}/action"), &[("action", "submit")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(i.count("SELECT count(*) FROM insurance_claims WHERE status = 'submitted'").await, 1);
    let r = web.get("/insurance/claims?status=submitted").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("66.66"), "{}", r.body);
    // A nurse has no coverage tab.
    let n = i.app.user("nurse").await;
    let mut nurse = i.app.another_client();
    nurse.login(&n, PASSWORD).await;
    assert_eq!(nurse.get(&tab).await.status, StatusCode::FORBIDDEN);
}
