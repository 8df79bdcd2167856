//! Vital signs: flags for the patient's age, NEWS2, the clinical alert of a deteriorating set,
//! implausible changes, and values kept at the precision measured (issues 13 and 14).

use axum::http::{Method, StatusCode};
use serde_json::json;
use uuid::Uuid;

use crate::helpers::*;

async fn user_id(app: &TestApp, email: &str) -> Uuid {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(email).fetch_one(&app.pool).await.unwrap()
}

/// A nurse signed in on the app, a doctor attending the patient (an encounter under way) and
/// the patient (born `birth`).
async fn ward(birth: &str) -> (TestApp, String, String) {
    let (mut app, _nurse) = TestApp::signed_in("nurse").await;
    let doctor = app.user("doctor").await;
    let pid = app
        .register_patient(&[("given_name", "Vita"), ("family_name", "Signs"), ("sex", "female"), ("birth_date", birth)])
        .await;
    let doctor_id = user_id(&app, &doctor).await;
    let token = app.api_token(&doctor).await;
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{pid}/encounters"),
            Some(&token),
            Some(json!({"kind": "inpatient", "status": "in_progress", "clinician_id": doctor_id.to_string()})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    (app, doctor, pid)
}

async fn alerts(app: &TestApp) -> Vec<(Uuid, String, String, Uuid)> {
    sqlx::query_as("SELECT id, kind, severity, source_id FROM alerts ORDER BY created_at")
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_alarming_set_is_flagged_scored_and_alerts_the_responsible_clinician() {
    let (mut app, doctor, pid) = ward("1970-05-01").await;
    let url = format!("/patients/{pid}/vitals");
    // The set: 40.8 °C, pulse 148, BP 78/40, RR 32, SpO2 84 %, on air, alert.
    let r = app
        .post_form(
            &url,
            &[
                ("temperature_c", "40.8"),
                ("pulse", "148"),
                ("bp_systolic", "78"),
                ("bp_diastolic", "40"),
                ("resp_rate", "32"),
                ("spo2", "84"),
                ("on_oxygen", "air"),
                ("consciousness", "A"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let cookie = r.headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect::<String>();
    assert!(cookie.contains("flash=error."), "not a green 'recorded': {cookie}");

    // One alert to the attending doctor, critical, for this set.
    let vid: Uuid = sqlx::query_scalar("SELECT id FROM vitals").fetch_one(&app.pool).await.unwrap();
    let a = alerts(&app).await;
    assert_eq!(a.len(), 1, "one alert per measurement set");
    assert_eq!((a[0].1.as_str(), a[0].2.as_str(), a[0].3), ("ehr.vitals", "critical", vid));
    let told: Vec<String> = sqlx::query_scalar(
        "SELECT u.email::text FROM alert_recipients r JOIN users u ON u.id = r.user_id WHERE r.alert_id = $1",
    )
    .bind(a[0].0)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(told, vec![doctor.clone()]);
    let title: String = sqlx::query_scalar("SELECT title FROM alerts").fetch_one(&app.pool).await.unwrap();
    assert_eq!(
        title,
        "Deteriorating vital signs: NEWS2 14 (high); critical: temp, pulse, resp rate, systolic BP, diastolic BP, SpO2"
    );

    // The page: each critical reading labelled in words, NEWS2 with its band.
    let page = app.get(&url).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("NEWS2 14 · high clinical risk"), "NEWS2 on the vitals page");
    assert!(page.body.contains("<span class=\"badge badge-danger vflag\">Critical</span>"));
    assert!(page.body.contains("vitals-critical"));
    assert!(page.body.contains("Flagged in this range: 1 critical"), "the trend says it too");
    // The overview: latest vitals and the timeline.
    let chart = app.get(&format!("/patients/{pid}/chart")).await;
    assert!(chart.body.contains("NEWS2 14 · high clinical risk"));
    assert!(chart.body.contains("badge-danger vflag\">Critical"));
    assert!(chart.body.contains("Critical · NEWS2 14 (high)"), "timeline status");
    // The banner on every chart page.
    let problems = app.get(&format!("/patients/{pid}/problems")).await;
    assert!(problems.body.contains("Latest vitals"), "banner group");
    assert!(problems.body.contains("Critical · NEWS2 14 (high)"), "banner latest vitals");

    // The API: the flags of each reading.
    let token = app.api_token(&doctor).await;
    let list = app.api(Method::GET, &format!("/api/v1/patients/{pid}/vitals"), Some(&token), None).await.json();
    let v = &list["items"][0];
    assert_eq!(v["flag"], "critical");
    assert_eq!(v["news2"], 14);
    assert_eq!(v["news2_band"], "high");
    assert_eq!(v["flags"]["pulse"], "critical");
    assert_eq!(v["flags"]["temperature_c"], "critical");
    assert_eq!(v["flags"]["bp_diastolic"], "critical");
    assert_eq!(v["pulse"], 148.0);

    // A normal, complete set: no alert, NEWS2 0 (low).
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{pid}/vitals"),
            Some(&token),
            Some(json!({"temperature_c": 36.8, "pulse": 72, "bp_systolic": 122, "bp_diastolic": 78, "resp_rate": 16,
                        "spo2": 98, "on_oxygen": false, "consciousness": "A"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let body = r.json();
    assert_eq!(body["flag"], "normal");
    assert_eq!(body["news2"], 0);
    assert_eq!(body["news2_band"], "low");
    assert!(body["alert"].is_null());
    assert_eq!(alerts(&app).await.len(), 1, "a normal set raises no alert");

    // A single parameter scoring 3 (SpO2 91) alerts, as a warning when the rest is normal…
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{pid}/vitals"),
            Some(&token),
            Some(json!({"temperature_c": 36.8, "pulse": 72, "bp_systolic": 122, "bp_diastolic": 78, "resp_rate": 16,
                        "spo2": 91, "on_oxygen": false, "consciousness": "A"})),
        )
        .await;
    let body = r.json();
    assert_eq!((body["news2"].as_i64(), body["news2_band"].as_str()), (Some(3), Some("low_medium")));
    assert!(body["alert"].is_string());
    assert_eq!(alerts(&app).await.len(), 2);
    // … and an incomplete set says so, never low.
    let r = app
        .api(Method::POST, &format!("/api/v1/patients/{pid}/vitals"), Some(&token), Some(json!({"pulse": 80})))
        .await;
    let body = r.json();
    assert_eq!(body["news2_band"], "incomplete");
    assert!(body["news2"].is_null());
    assert!(body["news2_missing"].as_array().unwrap().iter().any(|m| m == "consciousness"));
    let page = app.get(&url).await;
    assert!(page.body.contains("NEWS2 incomplete: respiration rate, SpO2"), "incomplete, in words");
}

#[tokio::test]
async fn a_child_is_flagged_for_its_age_without_news2() {
    let today = time::OffsetDateTime::now_utc().date();
    let birth = today.replace_year(today.year() - 4).unwrap_or(today - time::Duration::days(4 * 365));
    let (mut app, doctor, pid) = ward(&birth.to_string()).await;
    let token = app.api_token(&doctor).await;
    let post = format!("/api/v1/patients/{pid}/vitals");
    // Pulse 120 is normal for a 4-year-old (an adult's would score 2); RR 30 normal too.
    let r = app.api(Method::POST, &post, Some(&token), Some(json!({"pulse": 120, "resp_rate": 30}))).await;
    let body = r.json();
    assert_eq!(body["flag"], "normal", "{body}");
    assert!(body["news2"].is_null() && body["news2_band"].is_null(), "NEWS2 is for adults");
    assert!(body["alert"].is_null());
    // Systolic 75 is hypotension at 4 (PALS: < 70 + 2 × 4): critical, alerted.
    let r = app.api(Method::POST, &post, Some(&token), Some(json!({"bp_systolic": 75, "bp_diastolic": 40}))).await;
    let body = r.json();
    assert_eq!(body["flags"]["bp_systolic"], "critical", "{body}");
    assert!(body["alert"].is_string());
}

#[tokio::test]
async fn implausible_changes_are_warned_on_the_set() {
    let (mut app, doctor, pid) = ward("1970-05-01").await;
    let token = app.api_token(&doctor).await;
    let post = format!("/api/v1/patients/{pid}/vitals");
    let at = |d: i64| {
        (time::OffsetDateTime::now_utc() - time::Duration::days(d))
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    let r = app
        .api(Method::POST, &post, Some(&token), Some(json!({"taken_at": at(30), "height_cm": 170, "weight_kg": 70})))
        .await;
    assert!(r.json()["warnings"].as_array().unwrap().is_empty());
    // 18 cm taller a month later.
    let r = app.api(Method::POST, &post, Some(&token), Some(json!({"taken_at": at(0), "height_cm": 188}))).await;
    let w = r.json()["warnings"].clone();
    assert!(w[0].as_str().unwrap().contains("differs by 18 cm"), "{w}");
    // Weight +12 % within a day.
    let first = app.api(Method::POST, &post, Some(&token), Some(json!({"weight_kg": 80}))).await;
    assert!(first.json()["warnings"].as_array().unwrap().is_empty(), "the last weight is a month old");
    let r = app.api(Method::POST, &post, Some(&token), Some(json!({"weight_kg": 89.6}))).await;
    assert!(r.json()["warnings"][0].as_str().unwrap().contains("+12 %"), "{}", r.body);
    let page = app.get(&format!("/patients/{pid}/vitals")).await;
    assert!(page.body.contains("Implausible change: height 188 cm differs by 18 cm"));
}

#[tokio::test]
async fn values_keep_the_precision_measured_and_one_parameter_is_a_set() {
    let (mut app, doctor, pid) = ward("1970-05-01").await;
    let token = app.api_token(&doctor).await;
    let post = format!("/api/v1/patients/{pid}/vitals");
    let r = app
        .api(
            Method::POST,
            &post,
            Some(&token),
            Some(json!({"bp_systolic": 120.5, "bp_diastolic": 80.5, "pain": 3.5, "temperature_c": 36.65, "weight_kg": 72.35})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    for body in [json!({"pain": 2.5}), json!({"bp_systolic": 95}), json!({"spo2": 97.5})] {
        let r = app.api(Method::POST, &post, Some(&token), Some(body.clone())).await;
        assert_eq!(r.status, StatusCode::CREATED, "{body}: {}", r.body);
    }
    let stored: (String, String, String, String) = sqlx::query_as(
        "SELECT bp_systolic::text, bp_diastolic::text, pain::text, temperature_c::text FROM vitals WHERE pain = 3.5",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(stored, ("120.5".into(), "80.5".into(), "3.5".into(), "36.65".into()));
    let list = app.api(Method::GET, &post, Some(&token), None).await.json();
    let items = list["items"].as_array().unwrap();
    assert!(items.iter().any(|v| v["bp_systolic"] == 120.5 && v["pain"] == 3.5 && v["weight_kg"] == 72.35));
    assert!(items.iter().any(|v| v["bp_systolic"] == 95.0 && v["bp_diastolic"].is_null()));
    // Out of range is still a clear 422 naming the field; nothing stored.
    for (body, field) in [
        (json!({"pulse": 300}), "pulse:"),
        (json!({"pain": 10.5}), "pain:"),
        (json!({"consciousness": "X"}), "consciousness:"),
    ] {
        let r = app.api(Method::POST, &post, Some(&token), Some(body)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.json()["detail"].as_str().unwrap().contains(field), "{}", r.body);
    }
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM vitals").fetch_one(&app.pool).await.unwrap();
    assert_eq!(n, 4);
    // The page takes decimals (a decimal comma too) and a pressure alone.
    let url = format!("/patients/{pid}/vitals");
    let r = app.post_form(&url, &[("bp_systolic", "118,5"), ("bp_diastolic", "76.5"), ("pain", "4.5")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = app.post_form(&url, &[("bp_systolic", "101")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = app.post_form(&url, &[("pulse", "260")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Pulse must be between 20 and 250 /min."));
    let page = app.get(&url).await;
    assert!(page.body.contains("118.5/76.5") && page.body.contains("101/—"));
}

#[tokio::test]
async fn the_demo_shows_flags_news2_and_safety_flags() {
    let app = TestApp::new().await;
    hearth::demo::seed(&app.pool, &app.state.keys).await.unwrap();
    let (unassessed, scored, flagged): (i64, i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE flag IS NULL AND news2_band IS NULL),
                count(*) FILTER (WHERE news2 IS NOT NULL),
                count(*) FILTER (WHERE flag IN ('abnormal', 'critical'))
         FROM vitals",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(unassessed, 0, "every demo set is assessed");
    assert!(scored > 100 && flagged > 10, "{scored} scored, {flagged} flagged");
    let codes: Vec<String> = sqlx::query_scalar("SELECT code_status FROM patient_flags ORDER BY code_status")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(codes, vec!["dnacpr", "full_code", "treatment_limits"]);
}

#[tokio::test]
async fn sets_recorded_before_flags_are_assessed_by_prepare() {
    let (app, _doctor, pid) = ward("1970-05-01").await;
    // As a set recorded before flags existed: values only.
    for (pulse, weight) in [(Some(150), None), (Some(70), None), (None, Some(70.0))] {
        sqlx::query(
            "INSERT INTO vitals (id, patient_id, taken_at, pulse, weight_kg) VALUES (gen_random_uuid(), $1::uuid, now(), $2, $3)",
        )
        .bind(&pid)
        .bind(pulse)
        .bind(weight)
        .execute(&app.pool)
        .await
        .unwrap();
    }
    hearth::REGISTRY.prepare(&app.pool).await.unwrap();
    let flags: Vec<(Option<String>, Option<String>)> =
        sqlx::query_as("SELECT flag, news2_band FROM vitals ORDER BY pulse DESC NULLS LAST")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        flags,
        vec![
            (Some("critical".into()), Some("incomplete".into())),
            (Some("normal".into()), Some("incomplete".into())),
            (None, None),
        ]
    );
    let alerts: i64 = sqlx::query_scalar("SELECT count(*) FROM alerts").fetch_one(&app.pool).await.unwrap();
    assert_eq!(alerts, 0, "history raises no alert");
}
