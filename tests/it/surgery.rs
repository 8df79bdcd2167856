//! Surgery, phase 1, through HTTP: booking (the theatre's exclusion constraint, with a race),
//! readiness (side agreement), the WHO checklist steering the stages (and the emergency path),
//! team-only confirmations, counts, recovery (Aldrete), charges, bad input and roles.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::*;

struct Or {
    app: TestApp,
    surgeon: String,
    anaesthetist: String,
    nurse: String,
    outsider: String,
    ids: [String; 3],
    pid: String,
    theatre: String,
}

async fn user_id(app: &TestApp, email: &str) -> String {
    let id: Uuid =
        sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(email).fetch_one(&app.pool).await.unwrap();
    id.to_string()
}

/// A surgeon signed in (browser) and with a token, an anaesthetist, a nurse, another doctor not
/// on the team, a theatre and a patient.
async fn setup() -> Or {
    let (mut app, email) = TestApp::signed_in("doctor").await;
    let pid = app
        .register_patient(&[
            ("given_name", "Ida"),
            ("family_name", "Incision"),
            ("sex", "female"),
            ("birth_date", "1961-03-09"),
        ])
        .await;
    let surgeon = app.api_token(&email).await;
    let an = app.user("doctor").await;
    let anaesthetist = app.api_token(&an).await;
    let nu = app.user("nurse").await;
    let nurse = app.api_token(&nu).await;
    let other = app.user("doctor").await;
    let outsider = app.api_token(&other).await;
    let admin = app.user("hospital_admin").await;
    let admin = app.api_token(&admin).await;
    let body = json!({"facility_id": app.facility_id.to_string(), "code": "OR1", "name": "Main theatre 1",
                      "specialty": "General surgery", "equipment": "Laparoscopy stack"});
    let r = app.api(Method::POST, "/api/v1/surgery/theatres", Some(&admin), Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let theatre = r.json()["id"].as_str().unwrap().to_string();
    let ids = [user_id(&app, &email).await, user_id(&app, &an).await, user_id(&app, &nu).await];
    Or { app, surgeon, anaesthetist, nurse, outsider, ids, pid, theatre }
}

impl Or {
    async fn call(&mut self, method: Method, path: &str, token: &str, body: Option<Value>) -> TestResponse {
        let t = token.to_string();
        self.app.api(method, path, Some(&t), body).await
    }
    fn booking(&self, procedure: &str, side: &str, start: &str, minutes: &str) -> Value {
        json!({"theatre_id": self.theatre, "procedure_code": procedure, "side": side, "site": "",
               "surgeon_id": self.ids[0], "anaesthetist_id": self.ids[1], "nurse_id": self.ids[2],
               "anaesthesia": "general", "priority": "elective", "admission": "inpatient", "blood": "none",
               "planned_start": start, "expected_minutes": minutes})
    }
    async fn book(&mut self, body: Value) -> TestResponse {
        let (url, t) = (format!("/api/v1/patients/{}/surgery/cases", self.pid), self.surgeon.clone());
        self.call(Method::POST, &url, &t, Some(body)).await
    }
    async fn booked(&mut self, procedure: &str, side: &str, start: &str) -> String {
        let b = self.booking(procedure, side, start, "60");
        let r = self.book(b).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        r.json()["id"].as_str().unwrap().to_string()
    }
    async fn show(&mut self, case: &str) -> Value {
        let t = self.surgeon.clone();
        let r = self.call(Method::GET, &format!("/api/v1/surgery/cases/{case}"), &t, None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.json()
    }
    async fn stage(&mut self, case: &str, token: &str, body: Value) -> TestResponse {
        self.call(Method::POST, &format!("/api/v1/surgery/cases/{case}/stage"), token, Some(body)).await
    }
    async fn confirm(&mut self, case: &str, token: &str, item: &str, answer: &str) -> TestResponse {
        let body = json!({"item": item, "answer": answer});
        self.call(Method::POST, &format!("/api/v1/surgery/cases/{case}/checklist"), token, Some(body)).await
    }
    /// Confirms every item of a phase (first answer), by the nurse.
    async fn phase(&mut self, case: &str, prefix: &str) {
        let items: Vec<(&str, &str)> = match prefix {
            "si" => vec![
                ("si_identity", "confirmed"),
                ("si_site_marked", "yes"),
                ("si_anaesthesia_check", "confirmed"),
                ("si_pulse_oximeter", "confirmed"),
                ("si_allergy", "no"),
                ("si_airway", "no"),
                ("si_blood_loss", "no"),
            ],
            "to" => vec![
                ("to_team_introduced", "confirmed"),
                ("to_patient_site_procedure", "confirmed"),
                ("to_surgeon_critical_events", "reviewed"),
                ("to_anaesthesia_concerns", "reviewed"),
                ("to_nursing_sterility", "confirmed"),
                ("to_antibiotic", "given"),
                ("to_imaging", "not_applicable"),
            ],
            _ => vec![
                ("so_procedure_recorded", "confirmed"),
                ("so_counts", "correct"),
                ("so_specimens_labelled", "not_applicable"),
                ("so_equipment_problems", "none"),
                ("so_recovery_concerns", "reviewed"),
            ],
        };
        let t = self.nurse.clone();
        for (i, a) in items {
            let r = self.confirm(case, &t, i, a).await;
            assert_eq!(r.status, StatusCode::NO_CONTENT, "{i}: {}", r.body);
        }
    }
    async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(&self.app.pool).await.unwrap()
    }
}

const T1: &str = "2030-05-06T08:00:00Z";

#[tokio::test]
async fn surgery_theatre_overlap_is_refused_and_a_surgeon_overlap_only_flagged() {
    let mut or = setup().await;
    let first = or.booking("HIP-REPL", "left", T1, "120");
    let r = or.book(first).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["surgeon_overlap"], false);
    // Same theatre, overlapping by 30 minutes: the exclusion constraint refuses it.
    let clash = or.booking("KNEE-ARTHRO", "right", "2030-05-06T09:30:00Z", "45");
    let r = or.book(clash).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("already booked"), "{}", r.body);
    // Right after it: fine.
    let next = or.booking("KNEE-ARTHRO", "right", "2030-05-06T10:00:00Z", "45");
    assert_eq!(or.book(next).await.status, StatusCode::CREATED);
    // Another theatre, same surgeon at the same time: booked, flagged.
    let admin = or.app.user("hospital_admin").await;
    let admin = or.app.api_token(&admin).await;
    let body = json!({"facility_id": or.app.facility_id.to_string(), "code": "OR2", "name": "Theatre 2"});
    let r = or.call(Method::POST, "/api/v1/surgery/theatres", &admin, Some(body)).await;
    let t2 = r.json()["id"].as_str().unwrap().to_string();
    let mut other = or.booking("CARPAL-TUN", "left", "2030-05-06T08:30:00Z", "30");
    other["theatre_id"] = json!(t2);
    let r = or.book(other).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["surgeon_overlap"], true);
    assert_eq!(or.count("SELECT count(*) FROM surgery_cases").await, 3);
    // Cancelled cases free the slot; the reason is coded.
    let id = r.json()["id"].as_str().unwrap().to_string();
    let t = or.surgeon.clone();
    let bad = or
        .call(Method::POST, &format!("/api/v1/surgery/cases/{id}/cancel"), &t, Some(json!({"reason": "bored"})))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    let ok = or
        .call(Method::POST, &format!("/api/v1/surgery/cases/{id}/cancel"), &t, Some(json!({"reason": "no_bed"})))
        .await;
    assert_eq!(ok.status, StatusCode::NO_CONTENT, "{}", ok.body);
    let body = json!({"theatre_id": t2, "planned_start": "2030-05-07T08:00:00Z"});
    let r = or.call(Method::POST, &format!("/api/v1/surgery/cases/{id}/rebook"), &t, Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let new = r.json()["id"].as_str().unwrap().to_string();
    assert_eq!(or.show(&new).await["case"]["rebooked_from"], json!(id));
}

#[tokio::test]
async fn surgery_racing_bookings_of_one_theatre_slot_one_wins() {
    let or = setup().await;
    let bodies: Vec<Value> = (0..5)
        .map(|i| or.booking("APPX-LAP", "not_applicable", &format!("2030-05-06T08:{:02}:00Z", i * 5), "60"))
        .collect();
    let url = format!("/api/v1/patients/{}/surgery/cases", or.pid);
    let calls = bodies.into_iter().map(|b| {
        let mut c = or.app.another_client();
        let (url, token) = (url.clone(), or.surgeon.clone());
        async move { c.api(Method::POST, &url, Some(&token), Some(b)).await }
    });
    let results = futures_util::future::join_all(calls).await;
    let won = results.iter().filter(|r| r.status == StatusCode::CREATED).count();
    let lost = results.iter().filter(|r| r.status == StatusCode::CONFLICT).count();
    assert_eq!((won, lost), (1, 4), "{:?}", results.iter().map(|r| (r.status, r.body.clone())).collect::<Vec<_>>());
    assert_eq!(or.count("SELECT count(*) FROM surgery_cases").await, 1);
}

#[tokio::test]
async fn surgery_side_mismatch_blocks_readiness() {
    let mut or = setup().await;
    let case = or.booked("HERNIA-ING", "left", T1).await;
    let t = or.nurse.clone();
    let url = format!("/api/v1/surgery/cases/{case}/readiness");
    for (item, value) in [
        ("consent", "right"),
        ("assessment", "iie"),
        ("fasting", "confirmed"),
        ("site_marked", "left"),
        ("allergies", "reviewed"),
        ("identity", "checked"),
    ] {
        let r = or.call(Method::POST, &url, &t, Some(json!({"item": item, "value": value}))).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let d = or.show(&case).await;
    assert_eq!(d["readiness"]["ready"], false, "{d}");
    assert_eq!(d["readiness"]["reasons"], json!(["side_mismatch_consent"]));
    // The consent corrected: ready.
    let r = or.call(Method::POST, &url, &t, Some(json!({"item": "consent", "value": "left"}))).await;
    assert_eq!(r.json()["ready"], true, "{}", r.body);
    // A side on a procedure without laterality, or none on one with it: refused, nothing booked.
    let before = or.count("SELECT count(*) FROM surgery_cases").await;
    let b = or.booking("APPX-LAP", "left", "2030-05-08T08:00:00Z", "60");
    assert_eq!(or.book(b).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let b = or.booking("HIP-REPL", "not_applicable", "2030-05-08T08:00:00Z", "60");
    let r = or.book(b).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("side"), "{}", r.body);
    assert_eq!(or.count("SELECT count(*) FROM surgery_cases").await, before);
}

#[tokio::test]
async fn surgery_incision_before_time_out_is_refused_but_the_emergency_path_records_and_flags() {
    let mut or = setup().await;
    let case = or.booked("APPX-LAP", "not_applicable", T1).await;
    let n = or.nurse.clone();
    assert_eq!(or.stage(&case, &n, json!({"stage": "in_room"})).await.status, StatusCode::NO_CONTENT);
    // Anaesthesia before Sign In: refused.
    let r = or.stage(&case, &n, json!({"stage": "anaesthesia"})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("Sign In"), "{}", r.body);
    or.phase(&case, "si").await;
    assert_eq!(or.stage(&case, &n, json!({"stage": "anaesthesia"})).await.status, StatusCode::NO_CONTENT);
    // Incision before Time Out: refused, nothing recorded.
    let r = or.stage(&case, &n, json!({"stage": "incision"})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("Time Out"), "{}", r.body);
    let d = or.show(&case).await;
    assert_eq!(d["case"]["status"], "anaesthesia");
    assert_eq!(d["case"]["incision_at"], Value::Null);
    // With an emergency reason: recorded, flagged non-compliant; the Time Out completed afterwards is late.
    let r = or.stage(&case, &n, json!({"stage": "incision", "emergency_reason": "Exsanguinating haemorrhage"})).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    or.phase(&case, "to").await;
    let d = or.show(&case).await;
    assert_eq!(d["case"]["status"], "incision");
    assert_eq!(d["case"]["non_compliant"], true);
    assert_eq!(d["case"]["emergency_reason"], "Exsanguinating haemorrhage");
    assert!(d["checklist"].as_array().unwrap().iter().filter(|k| k["phase"] == "time_out").all(|k| k["late"] == true));
    assert!(d["checklist"].as_array().unwrap().iter().filter(|k| k["phase"] == "sign_in").all(|k| k["late"] == false));
    // Skipping a stage is refused.
    let r = or.stage(&case, &n, json!({"stage": "out_of_room"})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
}

#[tokio::test]
async fn surgery_checklist_items_are_confirmed_only_by_the_case_team() {
    let mut or = setup().await;
    let case = or.booked("APPX-LAP", "not_applicable", T1).await;
    let out = or.outsider.clone();
    let r = or.confirm(&case, &out, "si_identity", "confirmed").await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("team"), "{}", r.body);
    // A bad answer or item: 422.
    let a = or.anaesthetist.clone();
    assert_eq!(or.confirm(&case, &a, "si_allergy", "maybe").await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(or.confirm(&case, &a, "si_nonsense", "yes").await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(or.count("SELECT count(*) FROM surgery_checklist").await, 0);
    // The anaesthetist confirms; who and in which role is kept; twice is a 409.
    assert_eq!(or.confirm(&case, &a, "si_pulse_oximeter", "confirmed").await.status, StatusCode::NO_CONTENT);
    assert_eq!(or.confirm(&case, &a, "si_pulse_oximeter", "confirmed").await.status, StatusCode::CONFLICT);
    let d = or.show(&case).await;
    assert_eq!(d["checklist"][0]["team_role"], "anaesthetist");
    // One person cannot hold two roles of a team.
    let mut b = or.booking("CHOLE-LAP", "not_applicable", "2030-05-09T08:00:00Z", "60");
    b["anaesthetist_id"] = json!(or.ids[0]);
    assert_eq!(or.book(b).await.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn surgery_count_discrepancy_blocks_sign_out_until_resolved_or_recorded_unresolved() {
    let mut or = setup().await;
    let n = or.nurse.clone();
    let mut cases = Vec::new();
    for day in ["2030-05-06T08:00:00Z", "2030-05-07T08:00:00Z"] {
        let case = or.booked("LAPAROTOMY", "not_applicable", day).await;
        assert_eq!(or.stage(&case, &n, json!({"stage": "in_room"})).await.status, StatusCode::NO_CONTENT);
        or.phase(&case, "si").await;
        assert_eq!(or.stage(&case, &n, json!({"stage": "anaesthesia"})).await.status, StatusCode::NO_CONTENT);
        or.phase(&case, "to").await;
        assert_eq!(or.stage(&case, &n, json!({"stage": "incision"})).await.status, StatusCode::NO_CONTENT);
        let url = format!("/api/v1/surgery/cases/{case}/counts");
        let r = or
            .call(
                Method::POST,
                &url,
                &n,
                Some(json!({"stage": "baseline", "sponges": "20", "needles": "10", "instruments": "40"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let r = or
            .call(
                Method::POST,
                &url,
                &n,
                Some(json!({"stage": "cavity_closure", "sponges": "19", "needles": "10", "instruments": "40"})),
            )
            .await;
        assert_eq!(r.json()["discrepancy"], true, "{}", r.body);
        cases.push((case, r.json()["id"].as_str().unwrap().to_string()));
    }
    // Sign Out's count item and leaving the room: refused while the discrepancy is open.
    let (case, count) = cases[0].clone();
    let r = or.confirm(&case, &n, "so_counts", "correct").await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("not reconciled"), "{}", r.body);
    // Resolved by X-ray: Sign Out completes, the patient leaves, the theatre time is charged.
    let url = format!("/api/v1/surgery/cases/{case}/counts/{count}/resolve");
    let bad = or.call(Method::POST, &url, &n, Some(json!({"resolution": "xray", "note": ""}))).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = or
        .call(Method::POST, &url, &n, Some(json!({"resolution": "xray", "note": "Swab found on X-ray and retrieved."})))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(or.stage(&case, &n, json!({"stage": "closure"})).await.status, StatusCode::NO_CONTENT);
    or.phase(&case, "so").await;
    assert_eq!(or.stage(&case, &n, json!({"stage": "out_of_room"})).await.status, StatusCode::NO_CONTENT);
    assert_eq!(or.count("SELECT count(*) FROM charges WHERE source_module = 'surgery'").await, 2);
    // The second case: unresolved needs an X-ray result and a reason; then Sign Out can complete.
    let (case, _) = cases[1].clone();
    let url = format!("/api/v1/surgery/cases/{case}/count-unresolved");
    let bad = or.call(Method::POST, &url, &n, Some(json!({"xray_result": "No foreign body seen", "reason": ""}))).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(or.confirm(&case, &n, "so_counts", "correct").await.status, StatusCode::CONFLICT);
    let r = or
        .call(
            Method::POST,
            &url,
            &n,
            Some(json!({"xray_result": "No foreign body seen", "reason": "Unstable; transfer to ICU"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(or.stage(&case, &n, json!({"stage": "closure"})).await.status, StatusCode::NO_CONTENT);
    or.phase(&case, "so").await;
    assert_eq!(or.stage(&case, &n, json!({"stage": "out_of_room"})).await.status, StatusCode::NO_CONTENT);
    assert_eq!(or.show(&case).await["case"]["count_unresolved"], true);
}

#[tokio::test]
async fn surgery_aldrete_under_9_needs_the_anaesthetists_override() {
    let mut or = setup().await;
    let case = or.booked("CARPAL-TUN", "right", T1).await;
    let n = or.nurse.clone();
    for (stage, phase) in [
        ("in_room", None),
        ("anaesthesia", Some("si")),
        ("incision", Some("to")),
        ("closure", None),
        ("out_of_room", Some("so")),
        ("recovery", None),
    ] {
        if let Some(p) = phase {
            if p == "so" {
                let r = or.confirm(&case, &n, "so_counts", "not_applicable").await;
                assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
                for (i, a) in [
                    ("so_procedure_recorded", "confirmed"),
                    ("so_specimens_labelled", "not_applicable"),
                    ("so_equipment_problems", "none"),
                    ("so_recovery_concerns", "reviewed"),
                ] {
                    assert_eq!(or.confirm(&case, &n, i, a).await.status, StatusCode::NO_CONTENT);
                }
            } else {
                or.phase(&case, p).await;
            }
        }
        let r = or.stage(&case, &n, json!({"stage": stage})).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{stage}: {}", r.body);
    }
    let url = format!("/api/v1/surgery/cases/{case}/aldrete");
    let bad = or
        .call(
            Method::POST,
            &url,
            &n,
            Some(json!({"activity": "3", "respiration": "2", "circulation": "2", "consciousness": "2", "spo2": "2"})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = or
        .call(
            Method::POST,
            &url,
            &n,
            Some(json!({"activity": "1", "respiration": "2", "circulation": "2", "consciousness": "1", "spo2": "2"})),
        )
        .await;
    assert_eq!(r.json()["total"], 8, "{}", r.body);
    // 8 without an override: refused; the nurse cannot override; the anaesthetist can, with a reason.
    let r = or.stage(&case, &n, json!({"stage": "discharged"})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let r = or.stage(&case, &n, json!({"stage": "discharged", "override_reason": "Chronic"})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let a = or.anaesthetist.clone();
    let r = or
        .stage(&case, &a, json!({"stage": "discharged", "override_reason": "Baseline activity 1 (hemiparesis)"}))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let d = or.show(&case).await;
    assert_eq!(d["case"]["status"], "discharged");
    assert_eq!(d["case"]["non_compliant"], false);
}

#[tokio::test]
async fn surgery_bad_input_is_refused_and_changes_nothing() {
    let mut or = setup().await;
    for b in [
        json!({"theatre_id": "nope"}),
        json!({"procedure_code": "NOPE"}),
        json!({"priority": "urgent"}),
        json!({"planned_start": "tomorrow"}),
        json!({"expected_minutes": "0"}),
        json!({"blood": "crossmatched", "blood_units": "2"}),
        json!({"theatre_id": Uuid::new_v4().to_string()}),
    ] {
        let mut body = or.booking("APPX-LAP", "not_applicable", T1, "60");
        for (k, v) in b.as_object().unwrap() {
            body[k] = v.clone();
        }
        let r = or.book(body.clone()).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", r.body);
        assert!(r.json()["errors"].as_array().is_some_and(|e| !e.is_empty()), "{}", r.body);
    }
    let case = or.booked("APPX-LAP", "not_applicable", T1).await;
    let t = or.nurse.clone();
    let r = or.stage(&case, &t, json!({"stage": "flying"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = or.stage(&case, &t, json!({"stage": "in_room", "at": "2999-01-01T00:00:00Z"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = or
        .call(
            Method::POST,
            &format!("/api/v1/surgery/cases/{case}/readiness"),
            &t,
            Some(json!({"item": "assessment", "value": "VII"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(or.count("SELECT count(*) FROM surgery_cases").await, 1);
    assert_eq!(or.count("SELECT count(*) FROM surgery_cases WHERE status = 'scheduled'").await, 1);
    assert_eq!(or.count("SELECT count(*) FROM surgery_readiness").await, 0);
    let r = or.call(Method::GET, &format!("/api/v1/surgery/cases/{}", Uuid::new_v4()), &t, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn surgery_unauthorised_roles_are_refused() {
    let mut or = setup().await;
    let case = or.booked("APPX-LAP", "not_applicable", T1).await;
    // A nurse may not book; a receptionist sees nothing; a doctor may not add theatres.
    let n = or.nurse.clone();
    let b = or.booking("APPX-LAP", "not_applicable", "2030-06-01T08:00:00Z", "60");
    let url = format!("/api/v1/patients/{}/surgery/cases", or.pid);
    assert_eq!(or.call(Method::POST, &url, &n, Some(b)).await.status, StatusCode::FORBIDDEN);
    let rc = or.app.user("receptionist").await;
    let rc = or.app.api_token(&rc).await;
    assert_eq!(
        or.call(Method::GET, &format!("/api/v1/surgery/cases/{case}"), &rc, None).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(or.call(Method::GET, "/api/v1/surgery/cases", &rc, None).await.status, StatusCode::FORBIDDEN);
    let s = or.surgeon.clone();
    let body = json!({"facility_id": or.app.facility_id.to_string(), "code": "OR9", "name": "X"});
    assert_eq!(or.call(Method::POST, "/api/v1/surgery/theatres", &s, Some(body)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(or.count("SELECT count(*) FROM surgery_cases").await, 1);
    assert_eq!(or.count("SELECT count(*) FROM surgery_theatres").await, 1);
}

#[tokio::test]
async fn surgery_expected_duration_defaults_to_the_surgeons_median() {
    let mut or = setup().await;
    // No history: the catalogue's 75 minutes.
    let mut b = or.booking("CHOLE-LAP", "not_applicable", "2030-05-06T08:00:00Z", "");
    let r = or.book(b.clone()).await;
    assert_eq!(r.json()["expected_minutes"], 75, "{}", r.body);
    let first = r.json()["id"].as_str().unwrap().to_string();
    b["planned_start"] = json!("2030-05-07T08:00:00Z");
    let second = or.book(b.clone()).await.json()["id"].as_str().unwrap().to_string();
    // Completed in 50 and 70 minutes: the median is 60.
    for (id, m) in [(&first, 50), (&second, 70)] {
        sqlx::query(
            "UPDATE surgery_cases SET status = 'discharged', in_room_at = planned_start,
                 out_of_room_at = planned_start + make_interval(mins => $2) WHERE id = $1",
        )
        .bind(Uuid::parse_str(id).unwrap())
        .bind(m)
        .execute(&or.app.pool)
        .await
        .unwrap();
    }
    b["planned_start"] = json!("2030-05-20T08:00:00Z");
    let r = or.book(b).await;
    assert_eq!(r.json()["expected_minutes"], 60, "{}", r.body);
}

#[tokio::test]
async fn surgery_pages_book_show_the_case_and_the_big_screen_hides_names() {
    let mut or = setup().await;
    // The chart tab's booking form (browser session of the surgeon): today, in one hour.
    let chart = or.app.get(&format!("/patients/{}/surgery", or.pid)).await;
    assert_eq!(chart.status, StatusCode::OK, "{}", chart.body);
    assert!(chart.body.contains("Book a case"), "{}", chart.body);
    let start = time::OffsetDateTime::now_utc() + time::Duration::hours(1);
    let start =
        if start.date() != time::OffsetDateTime::now_utc().date() { time::OffsetDateTime::now_utc() } else { start };
    let local = format!(
        "{}-{:02}-{:02}T{:02}:{:02}",
        start.year(),
        u8::from(start.month()),
        start.day(),
        start.hour(),
        start.minute()
    );
    let url = format!("/patients/{}/surgery", or.pid);
    let (theatre, surgeon, anaes, nurse) =
        (or.theatre.clone(), or.ids[0].clone(), or.ids[1].clone(), or.ids[2].clone());
    let fields = [
        ("theatre_id", theatre.as_str()),
        ("procedure_code", "HIP-REPL"),
        ("side", "left"),
        ("surgeon_id", surgeon.as_str()),
        ("anaesthetist_id", anaes.as_str()),
        ("nurse_id", nurse.as_str()),
        ("anaesthesia", "spinal"),
        ("priority", "elective"),
        ("admission", "inpatient"),
        ("blood", "none"),
        ("planned_start", local.as_str()),
        ("expected_minutes", "30"),
    ];
    // A bad form re-renders with the field's message and books nothing.
    let mut bad = fields.to_vec();
    bad[2] = ("side", "not_applicable");
    let r = or.app.post_form(&url, &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("needs its side"), "{}", r.body);
    assert_eq!(or.count("SELECT count(*) FROM surgery_cases").await, 0);
    let r = or.app.post_form(&url, &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let case = r.location().to_string();
    let page = or.app.get(&case).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Not ready") && page.body.contains("Sign In"), "{}", page.body);
    // A readiness item through the page.
    let r = or.app.post_form(&format!("{case}/readiness"), &[("item", "consent"), ("value", "right")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = or.app.get(&case).await;
    assert!(page.body.contains("does not agree with the booking"), "{}", page.body);
    // The board shows the name; big-screen mode shows initials only.
    let board = or.app.get("/surgery").await;
    assert_eq!(board.status, StatusCode::OK, "{}", board.body);
    assert!(board.body.contains("Incision, Ida"), "{}", board.body);
    let screen = or.app.get("/surgery/board/rows?screen=1").await;
    assert_eq!(screen.status, StatusCode::OK);
    assert!(!screen.body.contains("Incision") && screen.body.contains(">II<"), "{}", screen.body);
    assert_eq!(or.app.get("/surgery/theatres").await.status, StatusCode::OK);
}

#[tokio::test]
async fn surgery_the_demo_has_theatres_lists_and_cases_at_every_stage() {
    let mut app = TestApp::new().await;
    hearth::demo::seed(&app.pool, &app.state.keys).await.unwrap();
    let n = |sql: &'static str| {
        let pool = app.pool.clone();
        async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(&pool).await.unwrap() }
    };
    assert!(n("SELECT count(*) FROM surgery_theatres").await >= 4);
    assert!(
        n("SELECT count(DISTINCT t.facility_id) FROM surgery_sessions s JOIN surgery_theatres t ON t.id = s.theatre_id")
            .await >= 2
    );
    assert!(n("SELECT count(*) FROM surgery_cases WHERE status = 'discharged'").await >= 5, "history for medians");
    for status in ["scheduled", "incision", "recovery", "cancelled"] {
        let c: i64 = sqlx::query_scalar("SELECT count(*) FROM surgery_cases WHERE status = $1")
            .bind(status)
            .fetch_one(&app.pool)
            .await
            .unwrap();
        assert!(c >= 1, "{status}");
    }
    assert_eq!(n("SELECT count(*) FROM surgery_cases WHERE non_compliant").await, 1);
    assert!(n("SELECT count(*) FROM charges WHERE source_module = 'surgery'").await >= 12);
    // The nurse's board and a case page render.
    app.login("nurse@demo.hearth", hearth::demo::PASSWORD).await;
    let board = app.get("/surgery").await;
    assert_eq!(board.status, StatusCode::OK, "{}", board.body);
    assert!(board.body.contains("Checklist not followed"), "{}", board.body);
    let id: Uuid = sqlx::query_scalar("SELECT id FROM surgery_cases WHERE status = 'recovery' LIMIT 1")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let page = app.get(&format!("/surgery/cases/{id}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Modified Aldrete score"), "{}", page.body);
}

#[tokio::test]
async fn surgery_a_recorded_death_cancels_cases_not_yet_in_the_room() {
    let mut or = setup().await;
    let case = or.booked("APPX-LAP", "not_applicable", T1).await;
    let pid = or.pid.clone();
    let r = or
        .app
        .post_form(&format!("/patients/{pid}/death"), &[("death_date", "2026-11-30"), ("death_time", "04:30")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let v = or.show(&case).await;
    assert_eq!(v["case"]["status"], "cancelled", "{v}");
    assert_eq!(or.app.audit_count("surgery.case.cancel").await, 1);
    // The theatre time is free again for another patient.
    let other = or
        .app
        .register_patient(&[
            ("given_name", "Otto"),
            ("family_name", "Other"),
            ("sex", "male"),
            ("birth_date", "1970-01-01"),
        ])
        .await;
    or.pid = other;
    or.booked("APPX-LAP", "not_applicable", T1).await;
}
