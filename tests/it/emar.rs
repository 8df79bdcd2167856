//! eMAR, phase 1, through HTTP: wristbands (reprint revokes; a revoked band is refused), the
//! schedule materialised from verified orders (regenerating keeps due times), scan to administer
//! with the hard stops (wrong patient, discontinued order, PRN interval), the late dose recorded
//! with its reason, the race of two nurses recording one dose, the overdue sweep with its alert,
//! the roles, and bad input.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::*;

struct Mar {
    app: TestApp,
    nurse: String,
    doctor: String,
    pharmacist: String,
    pid: String,
    beds: Vec<Uuid>,
}

async fn ward(app: &TestApp, n: usize) -> Vec<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query("INSERT INTO inpatient_wards (id, facility_id, code, name, kind) VALUES ($1, $2, 'MED1', 'Medical 1', 'general')")
        .bind(id)
        .bind(app.facility_id)
        .execute(&app.pool)
        .await
        .unwrap();
    let mut beds = Vec::new();
    for i in 1..=n {
        let b = Uuid::new_v4();
        sqlx::query("INSERT INTO inpatient_beds (id, ward_id, code) VALUES ($1, $2, $3)")
            .bind(b)
            .bind(id)
            .bind(format!("B{i}"))
            .execute(&app.pool)
            .await
            .unwrap();
        beds.push(b);
    }
    beds
}

/// A nurse signed in (browser) with tokens for a nurse, a doctor and a pharmacist; an admitted
/// patient.
async fn setup() -> Mar {
    let (mut app, email) = TestApp::signed_in("nurse").await;
    let nurse = app.api_token(&email).await;
    let d = app.user("doctor").await;
    let doctor = app.api_token(&d).await;
    let p = app.user("pharmacist").await;
    let pharmacist = app.api_token(&p).await;
    let beds = ward(&app, 3).await;
    let mut m = Mar { app, nurse, doctor, pharmacist, pid: String::new(), beds };
    m.pid = m.admitted("Mara", 0).await;
    m
}

impl Mar {
    async fn call(&mut self, method: Method, path: &str, token: &str, body: Option<Value>) -> TestResponse {
        let t = token.to_string();
        self.app.api(method, path, Some(&t), body).await
    }
    async fn admitted(&mut self, given: &str, bed: usize) -> String {
        let pid = self
            .app
            .register_patient(&[
                ("given_name", given),
                ("family_name", "Ward"),
                ("sex", "female"),
                ("birth_date", "1950-03-04"),
            ])
            .await;
        let body = json!({"bed_id": self.beds[bed].to_string(), "source": "direct", "diagnosis": "Pneumonia"});
        let t = self.nurse.clone();
        let r = self.call(Method::POST, &format!("/api/v1/patients/{pid}/inpatient/admissions"), &t, Some(body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        pid
    }
    /// A verified (and, with `ack`, acknowledged) order of `pid`; its pharmacy id.
    async fn order(&mut self, pid: &str, body: Value, ack: bool) -> String {
        let t = self.doctor.clone();
        let r = self.call(Method::POST, &format!("/api/v1/patients/{pid}/pharmacy/orders"), &t, Some(body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let id = r.json()["id"].as_str().unwrap().to_string();
        let t = self.pharmacist.clone();
        let v = self.call(Method::POST, &format!("/api/v1/pharmacy/orders/{id}/verify"), &t, None).await;
        assert_eq!(v.status, StatusCode::NO_CONTENT, "{}", v.body);
        if ack {
            let t = self.nurse.clone();
            let a = self
                .call(Method::POST, &format!("/api/v1/patients/{pid}/emar/orders/{id}/acknowledge"), &t, None)
                .await;
            assert_eq!(a.status, StatusCode::NO_CONTENT, "{}", a.body);
        }
        id
    }
    async fn schedule(&mut self, pid: &str) -> Vec<Value> {
        let t = self.nurse.clone();
        let r = self.call(Method::GET, &format!("/api/v1/patients/{pid}/emar/schedule"), &t, None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.json().as_array().unwrap().clone()
    }
    /// The first due dose of order `rx`, moved to `minutes_ago` before now (negative: ahead).
    async fn dose_due(&mut self, pid: &str, rx: &str, minutes_ago: i64) -> String {
        let doses = self.schedule(pid).await;
        let d = doses.iter().find(|d| d["rx_order_id"] == rx && d["status"] == "due").expect("a due dose");
        let id = d["id"].as_str().unwrap().to_string();
        sqlx::query("UPDATE emar_doses SET due_at = now() - make_interval(mins => $2) WHERE id = $1::uuid")
            .bind(&id)
            .bind(minutes_ago as i32)
            .execute(&self.app.pool)
            .await
            .unwrap();
        id
    }
    async fn band(&mut self, pid: &str) -> String {
        let t = self.nurse.clone();
        let r = self.call(Method::POST, &format!("/api/v1/patients/{pid}/emar/wristbands"), &t, None).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        r.json()["token"].as_str().unwrap().to_string()
    }
    async fn record(&mut self, pid: &str, body: Value) -> TestResponse {
        let t = self.nurse.clone();
        self.call(Method::POST, &format!("/api/v1/patients/{pid}/emar/administrations"), &t, Some(body)).await
    }
    async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(&self.app.pool).await.unwrap()
    }
}

fn omep() -> Value {
    json!({"product": "OMEP-20-CAP", "dose": 20.0, "dose_unit": "mg", "frequency": "BD", "quantity": 28})
}

fn given(dose: &str, band: &str, med: &str) -> Value {
    json!({"dose_id": dose, "outcome": "given", "dose": "20", "wristband": band, "medication": med})
}

#[tokio::test]
async fn emar_reprinting_a_wristband_revokes_the_old_one_which_is_refused() {
    let mut m = setup().await;
    let pid = m.pid.clone();
    let first = m.band(&pid).await;
    let nurse = m.nurse.clone();
    let r = m.call(Method::POST, "/api/v1/emar/scan", &nurse, Some(json!({"wristband": first}))).await;
    assert_eq!(r.json()["patient_id"], pid.as_str());
    // The printable band: readable identifiers and a server-side SVG barcode of the token.
    let page = m.app.get(&format!("/patients/{pid}/emar/wristband")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<svg") && page.body.contains("class=\"barcode\"") && page.body.contains(&first));
    assert!(page.body.contains("1950-03-04") && page.body.contains("Mara"));
    let second = m.band(&pid).await;
    assert_ne!(first, second);
    let r = m.call(Method::POST, "/api/v1/emar/scan", &nurse, Some(json!({"wristband": first}))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("replaced"), "{}", r.body);
    // Administering with the old band is a hard stop and records nothing.
    let rx = m.order(&pid, omep(), true).await;
    let dose = m.dose_due(&pid, &rx, 10).await;
    let r = m.record(&pid, given(&dose, &first, "OMEP-20-CAP")).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(m.count("SELECT count(*) FROM emar_administrations").await, 0);
    let r = m.record(&pid, given(&dose, &second, "OMEP-20-CAP")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["timing"], "on_time");
    assert_eq!(
        m.count("SELECT count(*) FROM emar_administrations WHERE scanned_patient AND scanned_medication").await,
        1
    );
    let page = m.app.get(&format!("/patients/{pid}/emar/wristband")).await;
    assert!(!page.body.contains(&first), "the old token is not shown any more");
}

#[tokio::test]
async fn emar_another_patients_wristband_or_medication_is_a_hard_stop() {
    let mut m = setup().await;
    let pid = m.pid.clone();
    let other = m.admitted("Olga", 1).await;
    let _ = m.band(&pid).await;
    let other_band = m.band(&other).await;
    let rx = m.order(&pid, omep(), true).await;
    let dose = m.dose_due(&pid, &rx, 0).await;
    let r = m.record(&pid, given(&dose, &other_band, "OMEP-20-CAP")).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("wrong patient"), "{}", r.body);
    // The wrong drug scanned: a hard stop too.
    let band = m.band(&pid).await;
    let r = m.record(&pid, given(&dose, &band, "PARA-500-TAB")).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("wrong drug"), "{}", r.body);
    assert_eq!(m.count("SELECT count(*) FROM emar_administrations").await, 0);
    // The page shows the hard stop when the other patient's band is scanned.
    let page = m.app.get(&format!("/patients/{pid}/emar/administer?band={other_band}")).await;
    assert!(page.body.contains("belongs to another patient"), "{}", page.body);
}

#[tokio::test]
async fn emar_a_late_dose_is_recorded_with_its_reason_and_refused_without_one() {
    let mut m = setup().await;
    let pid = m.pid.clone();
    let band = m.band(&pid).await;
    let rx = m.order(&pid, omep(), true).await;
    let dose = m.dose_due(&pid, &rx, 180).await;
    let r = m.record(&pid, given(&dose, &band, "OMEP-20-CAP")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("timing_reason") && r.body.contains("late"), "{}", r.body);
    assert_eq!(m.count("SELECT count(*) FROM emar_administrations").await, 0);
    let mut body = given(&dose, &band, "OMEP-20-CAP");
    body["timing_reason"] = json!("Patient was in radiology.");
    let r = m.record(&pid, body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["timing"], "late");
    let t = m.doctor.clone();
    let h = m.call(Method::GET, &format!("/api/v1/patients/{pid}/emar/administrations"), &t, None).await.json();
    assert_eq!(h[0]["timing_reason"], "Patient was in radiology.");
    assert_eq!(h[0]["outcome"], "given");
    assert_eq!(m.app.audit_count("emar.administration.record").await, 1);
    let chart = m.app.get(&format!("/patients/{pid}/emar")).await;
    assert!(chart.body.contains("Patient was in radiology.") && chart.body.contains("Late"), "{}", chart.body);
}

#[tokio::test]
async fn emar_prn_minimum_interval_is_a_hard_stop() {
    let mut m = setup().await;
    let pid = m.pid.clone();
    let band = m.band(&pid).await;
    let rx = m
        .order(
            &pid,
            json!({"product": "PARA-500-TAB", "dose": 1000.0, "dose_unit": "mg", "frequency": "Q6H", "prn": true,
               "prn_indication": "Pain", "quantity": 40}),
            true,
        )
        .await;
    assert!(m.schedule(&pid).await.is_empty(), "PRN orders have no scheduled doses");
    let prn = |at: Option<String>| {
        let mut b = json!({"rx_order_id": rx, "outcome": "given", "dose": "1000", "wristband": band, "medication": "PARA-500-TAB"});
        if let Some(at) = at {
            b["at"] = json!(at);
        }
        b
    };
    let ago = |h: i64| {
        (time::OffsetDateTime::now_utc() - time::Duration::hours(h))
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    let r = m.record(&pid, prn(Some(ago(7)))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["timing"], "prn");
    let r = m.record(&pid, prn(Some(ago(3)))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("minimum interval"), "{}", r.body);
    let r = m.record(&pid, prn(None)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(m.count("SELECT count(*) FROM emar_administrations").await, 2);
    assert_eq!(m.count("SELECT count(*) FROM emar_doses WHERE kind = 'prn'").await, 2);
}

#[tokio::test]
async fn emar_a_discontinued_orders_dose_is_refused_and_cancelled() {
    let mut m = setup().await;
    let pid = m.pid.clone();
    let band = m.band(&pid).await;
    let rx = m.order(&pid, omep(), true).await;
    let dose = m.dose_due(&pid, &rx, 0).await;
    let t = m.doctor.clone();
    let r = m
        .call(
            Method::POST,
            &format!("/api/v1/patients/{pid}/pharmacy/orders/{rx}/discontinue"),
            &t,
            Some(json!({"reason": "Switched to IV."})),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    let r = m.record(&pid, given(&dose, &band, "OMEP-20-CAP")).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("discontinued"), "{}", r.body);
    assert_eq!(m.count("SELECT count(*) FROM emar_administrations").await, 0);
    let doses = m.schedule(&pid).await;
    assert!(doses.iter().all(|d| d["status"] == "cancelled"), "{doses:?}");
}

#[tokio::test]
async fn emar_two_nurses_recording_the_same_dose_one_wins() {
    let mut m = setup().await;
    let pid = m.pid.clone();
    let band = m.band(&pid).await;
    let rx = m.order(&pid, omep(), true).await;
    let dose = m.dose_due(&pid, &rx, 5).await;
    let t = m.nurse.clone();
    let calls = (0..4).map(|_| {
        let mut c = m.app.another_client();
        let (url, token, body) =
            (format!("/api/v1/patients/{pid}/emar/administrations"), t.clone(), given(&dose, &band, "OMEP-20-CAP"));
        async move { c.api(Method::POST, &url, Some(&token), Some(body)).await }
    });
    let results = futures_util::future::join_all(calls).await;
    let won = results.iter().filter(|r| r.status == StatusCode::CREATED).count();
    let lost = results.iter().filter(|r| r.status == StatusCode::CONFLICT).count();
    assert_eq!((won, lost), (1, 3), "{:?}", results.iter().map(|r| (r.status, r.body.clone())).collect::<Vec<_>>());
    assert_eq!(m.count("SELECT count(*) FROM emar_administrations").await, 1);
    assert_eq!(m.count("SELECT count(*) FROM emar_doses WHERE status = 'given'").await, 1);
}

#[tokio::test]
async fn emar_regenerating_the_schedule_keeps_due_times() {
    let mut m = setup().await;
    let pid = m.pid.clone();
    let rx = m
        .order(
            &pid,
            json!({"product": "PARA-500-TAB", "dose": 1000.0, "dose_unit": "mg", "frequency": "QDS", "quantity": 56}),
            false,
        )
        .await;
    let t = m.nurse.clone();
    let url = format!("/api/v1/patients/{pid}/emar/schedule");
    let first = m.call(Method::POST, &url, &t, None).await.json();
    let second = m.call(Method::POST, &url, &t, None).await.json();
    assert_eq!(second["added"], 0, "{second}");
    let key = |v: &Value| {
        v["doses"].as_array().unwrap().iter().map(|d| (d["id"].clone(), d["due_at"].clone())).collect::<Vec<_>>()
    };
    assert!(!key(&first).is_empty());
    assert_eq!(key(&first), key(&second), "no due time moved or duplicated");
    assert_eq!(m.count("SELECT count(*) FROM emar_doses").await as usize, key(&first).len());
    // A new order must be acknowledged before its first dose.
    let band = m.band(&pid).await;
    let dose = m.dose_due(&pid, &rx, 0).await;
    let mut body = given(&dose, &band, "PARA-500-TAB");
    body["dose"] = json!("1000");
    let r = m.record(&pid, body.clone()).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("Acknowledge"), "{}", r.body);
    let a = m.call(Method::POST, &format!("/api/v1/patients/{pid}/emar/orders/{rx}/acknowledge"), &t, None).await;
    assert_eq!(a.status, StatusCode::NO_CONTENT);
    assert_eq!(m.record(&pid, body).await.status, StatusCode::CREATED);
}

#[tokio::test]
async fn emar_unauthorised_roles_are_refused() {
    let mut m = setup().await;
    let pid = m.pid.clone();
    let rx = m.order(&pid, omep(), true).await;
    let dose = m.dose_due(&pid, &rx, 0).await;
    let t = m.doctor.clone();
    let r = m
        .call(Method::POST, &format!("/api/v1/patients/{pid}/emar/administrations"), &t, Some(given(&dose, "", "")))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "a doctor reads the MAR but does not administer");
    let r = m.call(Method::POST, &format!("/api/v1/patients/{pid}/emar/wristbands"), &t, None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        m.call(Method::GET, &format!("/api/v1/patients/{pid}/emar/schedule"), &t, None).await.status,
        StatusCode::OK
    );
    let clerk = m.app.user("billing_clerk").await;
    let ct = m.app.api_token(&clerk).await;
    let r = m.app.api(Method::GET, &format!("/api/v1/patients/{pid}/emar/schedule"), Some(&ct), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = m.app.api(Method::GET, &format!("/api/v1/patients/{pid}/emar/administrations"), Some(&ct), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(m.count("SELECT count(*) FROM emar_administrations").await, 0);
    assert_eq!(m.count("SELECT count(*) FROM emar_wristbands").await, 0);
}

#[tokio::test]
async fn emar_bad_input_is_a_4xx_and_changes_nothing() {
    let mut m = setup().await;
    let pid = m.pid.clone();
    let rx = m.order(&pid, omep(), true).await;
    let dose = m.dose_due(&pid, &rx, 0).await;
    let cases = [
        (json!({"dose_id": dose}), "outcome"),
        (json!({"dose_id": "not-a-uuid", "outcome": "given", "dose": "20"}), "dose_id"),
        (json!({"dose_id": dose, "outcome": "given", "dose": "-1"}), "dose"),
        (json!({"dose_id": dose, "outcome": "given", "dose": "40"}), "dose"),
        (json!({"dose_id": dose, "outcome": "given", "dose": "20", "route": "IV"}), "route"),
        (json!({"dose_id": dose, "outcome": "not_given", "not_given_reason": "bored"}), "not_given_reason"),
        (json!({"dose_id": dose, "outcome": "given", "dose": "20", "at": "yesterday-ish"}), "at"),
        (json!({"dose_id": dose, "outcome": "given", "dose": "20", "medication": "NOT-A-CODE"}), "medication"),
        (json!({"dose_id": dose, "rx_order_id": rx, "outcome": "given", "dose": "20"}), "dose_id"),
    ];
    for (body, field) in cases {
        let r = m.record(&pid, body.clone()).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", r.body);
        assert!(r.body.contains(field), "{body}: {}", r.body);
    }
    let r = m.record(&pid, json!({"dose_id": Uuid::new_v4(), "outcome": "given", "dose": "20"})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let t = m.nurse.clone();
    let r = m.call(Method::GET, &format!("/api/v1/patients/{pid}/emar/schedule?ahead=99"), &t, None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = m.call(Method::POST, "/api/v1/emar/scan", &t, Some(json!({"wristband": "NOPE"}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(m.count("SELECT count(*) FROM emar_administrations").await, 0);
    assert_eq!(m.count("SELECT count(*) FROM emar_doses WHERE status <> 'due'").await, 0);
    // Not given with a reason is recorded (no scan: recorded unscanned).
    let r = m.record(&pid, json!({"dose_id": dose, "outcome": "not_given", "not_given_reason": "refused"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(m.count("SELECT count(*) FROM emar_administrations WHERE NOT scanned_patient").await, 1);
}

#[tokio::test]
async fn emar_scan_page_records_a_dose_and_the_overdue_sweep_raises_an_alert() {
    let mut m = setup().await;
    let pid = m.pid.clone();
    let band = m.band(&pid).await;
    let rx = m.order(&pid, omep(), true).await;
    let dose = m.dose_due(&pid, &rx, 5).await;
    // The keyboard-wedge flow: the band, then the medication, each a field submitted on Enter.
    let page = m.app.get(&format!("/patients/{pid}/emar/administer?band={band}&med=OMEP-20-CAP")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Wristband matches this patient") && page.body.contains(&dose), "{}", page.body);
    let r = m
        .app
        .post_form(
            &format!("/patients/{pid}/emar/administer"),
            &[
                ("dose_id", &dose),
                ("outcome", "given"),
                ("dose", "20"),
                ("wristband", &band),
                ("medication", "OMEP-20-CAP"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        m.count("SELECT count(*) FROM emar_administrations WHERE scanned_patient AND scanned_medication").await,
        1
    );
    // A second dose, three hours late: the sweep marks it overdue and raises one alert.
    let late = m.dose_due(&pid, &rx, 180).await;
    let n = hearth::modules::emar::jobs::sweep_overdue(&m.app.state).await.unwrap();
    assert_eq!(n, 1);
    assert_eq!(hearth::modules::emar::jobs::sweep_overdue(&m.app.state).await.unwrap(), 0, "idempotent");
    assert_eq!(m.count("SELECT count(*) FROM alerts WHERE kind = 'emar.overdue_dose' AND status = 'open'").await, 1);
    let ward = m.app.get("/emar").await;
    assert!(ward.body.contains("Overdue") && ward.body.contains("Mara"), "{}", ward.body);
    // Recording it (with its reason) cancels the alert.
    let mut body = given(&late, &band, "OMEP-20-CAP");
    body["timing_reason"] = json!("Delayed by an emergency on the ward.");
    assert_eq!(m.record(&pid, body).await.status, StatusCode::CREATED);
    assert_eq!(m.count("SELECT count(*) FROM alerts WHERE kind = 'emar.overdue_dose' AND status = 'open'").await, 0);
    let chart = m.app.get(&format!("/patients/{pid}/emar")).await;
    assert_eq!(chart.status, StatusCode::OK);
    assert!(chart.body.contains("Given"), "{}", chart.body);
}

#[tokio::test]
async fn emar_the_demo_has_wristbands_and_a_realistic_record() {
    let mut app = TestApp::new().await;
    hearth::demo::seed(&app.pool, &app.state.keys).await.unwrap();
    let n = |sql: &'static str| {
        let pool = app.pool.clone();
        async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(&pool).await.unwrap() }
    };
    assert!(n("SELECT count(*) FROM emar_wristbands WHERE revoked_at IS NULL").await >= 3);
    assert!(n("SELECT count(*) FROM emar_administrations WHERE outcome = 'given'").await >= 3);
    assert!(n("SELECT count(*) FROM emar_administrations WHERE outcome = 'not_given'").await >= 1, "a refusal");
    assert!(n("SELECT count(*) FROM emar_administrations WHERE timing = 'late'").await >= 1, "a late dose");
    // The overdue job finds the missed doses and alerts.
    assert!(hearth::modules::emar::jobs::sweep_overdue(&app.state).await.unwrap() >= 1);
    assert!(n("SELECT count(*) FROM emar_doses WHERE status = 'due' AND overdue_at IS NOT NULL").await >= 1);
    assert!(n("SELECT count(*) FROM emar_doses WHERE status = 'due' AND due_at > now()").await >= 3);
    assert!(n("SELECT count(*) FROM alerts WHERE kind = 'emar.overdue_dose' AND status = 'open'").await >= 1);
    hearth::demo::seed(&app.pool, &app.state.keys).await.unwrap();
    assert!(
        n("SELECT count(*) FROM emar_wristbands").await
            == n("SELECT count(*) FROM emar_wristbands WHERE revoked_at IS NULL").await,
        "idempotent"
    );
    let email = app.user("nurse").await;
    app.login(&email, PASSWORD).await;
    let pid: Uuid = sqlx::query_scalar(
        "SELECT patient_id FROM emar_doses WHERE overdue_at IS NOT NULL AND status = 'due' ORDER BY patient_id LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let page = app.get(&format!("/patients/{pid}/emar")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Overdue"), "{}", page.body);
    // Which demo patient has an overdue dose depends on the hour the demo runs; a given dose is
    // shown on the record of a patient who has one.
    let given: Uuid = sqlx::query_scalar(
        "SELECT patient_id FROM emar_administrations WHERE outcome = 'given' ORDER BY patient_id LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let page = app.get(&format!("/patients/{given}/emar")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Given"), "{}", page.body);
    assert_eq!(app.get("/emar").await.status, StatusCode::OK);
}
