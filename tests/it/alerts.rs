//! Clinical alerts through HTTP: raised by the example module (a vaccine reaction) to the
//! attending clinician, who sees it in the bell and the banner; escalation on time, exactly once
//! after a simulated restart; acknowledgement stops it; off-shift addressees escalate; racing
//! acknowledgements and on-call entries; cancel; roles, scope and the pages.

use std::time::Duration;

use axum::http::{Method, StatusCode};
use hearth::platform::audit::AuditMeta;
use hearth::platform::jobs::{self, Worker};
use serde_json::json;
use uuid::Uuid;

use crate::fakes::eventually;
use crate::helpers::*;

const KIND: &str = "immunizations.reaction";

fn worker(app: &TestApp) -> Worker {
    Worker::new(app.state.clone()).poll(Duration::from_millis(20)).backoff_base(Duration::from_millis(5))
}

async fn user_id(app: &TestApp, email: &str) -> Uuid {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(email).fetch_one(&app.pool).await.unwrap()
}

/// A signed-in client of the same app.
async fn client(app: &TestApp, email: &str) -> TestApp {
    let mut c = app.another_client();
    c.login(email, PASSWORD).await;
    c
}

/// The cast of most tests: a nurse who vaccinates (signed in on `app`), a doctor attending the
/// patient in an encounter under way, a hospital administrator; the patient's id.
struct Ward {
    app: TestApp,
    nurse: String,
    doctor: String,
    admin: String,
    pid: String,
}

async fn ward() -> Ward {
    let (mut app, nurse) = TestApp::signed_in("nurse").await;
    let doctor = app.user("doctor").await;
    let admin = app.user("hospital_admin").await;
    let pid = app
        .register_patient(&[
            ("given_name", "Vera"),
            ("family_name", "Vaccine"),
            ("sex", "female"),
            ("birth_date", "1970-05-05"),
        ])
        .await;
    let doctor_id = user_id(&app, &doctor).await;
    let token = app.api_token(&doctor).await;
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{pid}/encounters"),
            Some(&token),
            Some(json!({"kind": "outpatient", "status": "in_progress", "clinician_id": doctor_id.to_string()})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    Ward { app, nurse, doctor, admin, pid }
}

/// Records a dose with a reaction through the API; returns the immunization's id.
async fn vaccinate(app: &mut TestApp, email: &str, pid: &str, reaction: &str) -> String {
    let token = app.api_token(email).await;
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{pid}/immunizations"),
            Some(&token),
            Some(json!({"cvx": "140", "reaction": reaction})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_string()
}

async fn only_alert(app: &TestApp) -> Uuid {
    sqlx::query_scalar("SELECT id FROM alerts").fetch_one(&app.pool).await.unwrap()
}

async fn alert_state(app: &TestApp, id: Uuid) -> (String, i32) {
    sqlx::query_as("SELECT status, step FROM alerts WHERE id = $1").bind(id).fetch_one(&app.pool).await.unwrap()
}

/// Who was told at `step`, by email.
async fn told(app: &TestApp, id: Uuid, step: i32) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT u.email::text FROM alert_recipients r JOIN users u ON u.id = r.user_id
         WHERE r.alert_id = $1 AND r.step = $2 ORDER BY u.email",
    )
    .bind(id)
    .bind(step)
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

/// In-app notifications of a user about an alert.
async fn bell(app: &TestApp, email: &str, id: Uuid) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM notifications n JOIN users u ON u.id = n.user_id WHERE u.email = $1 AND n.link = $2",
    )
    .bind(email)
    .bind(format!("/alerts/{id}"))
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

/// Time passes: the alert's current step began `minutes` earlier, and queued jobs are as much
/// nearer (as `tests/it/jobs.rs` moves `run_at`).
async fn time_passes(app: &TestApp, id: Uuid, minutes: i32) {
    sqlx::query(
        "UPDATE alerts SET step_at = step_at - make_interval(mins => $2), created_at = created_at - make_interval(mins => $2)
         WHERE id = $1",
    )
    .bind(id)
    .bind(minutes)
    .execute(&app.pool)
    .await
    .unwrap();
    sqlx::query("UPDATE jobs SET run_at = run_at - make_interval(mins => $1) WHERE state IN ('queued', 'failed')")
        .bind(minutes)
        .execute(&app.pool)
        .await
        .unwrap();
}

/// Puts `email` on call for `duty` facility-wide from an hour ago for `hours` (API, as admin).
async fn put_on_call(app: &mut TestApp, admin: &str, email: &str, duty: &str, until: time::OffsetDateTime) -> String {
    let token = app.api_token(admin).await;
    let uid = user_id(app, email).await;
    let from = time::OffsetDateTime::now_utc() - time::Duration::hours(1);
    let fmt = |t: time::OffsetDateTime| t.format(&time::format_description::well_known::Rfc3339).unwrap();
    let r = app
        .api(
            Method::POST,
            "/api/v1/alerts/on-call",
            Some(&token),
            Some(json!({"facility_id": app.facility_id.to_string(), "duty": duty, "user_id": uid.to_string(),
                        "starts_at": fmt(from), "ends_at": fmt(until), "note": "bleep 4401"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_string()
}

fn hours(h: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc() + time::Duration::hours(h)
}

#[tokio::test]
async fn a_vaccine_reaction_alerts_the_attending_clinician_in_the_bell_and_a_banner_on_every_page() {
    let Ward { mut app, nurse, doctor, pid, .. } = ward().await;
    // The doctor wants SMS for alerts and keeps quiet hours all day: a critical alert is urgent.
    let doctor_id = user_id(&app, &doctor).await;
    sqlx::query("INSERT INTO notification_settings (user_id, sms_number, quiet_start, quiet_end) VALUES ($1, '+15550001111', 0, 1439)")
        .bind(doctor_id)
        .execute(&app.pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO notification_prefs VALUES ($1, 'alerts.alert', 'sms', true)")
        .bind(doctor_id)
        .execute(&app.pool)
        .await
        .unwrap();

    // The nurse records the dose on the chart tab, with anaphylaxis.
    let r = app
        .post_form(
            &format!("/patients/{pid}/immunizations"),
            &[("cvx", "140"), ("route", "IM"), ("reaction", "anaphylaxis")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id = only_alert(&app).await;
    let (kind, severity, title): (String, String, String) =
        sqlx::query_as("SELECT kind, severity, title FROM alerts").fetch_one(&app.pool).await.unwrap();
    assert_eq!((kind.as_str(), severity.as_str()), (KIND, "critical"));
    assert!(!title.contains("Vaccine") && !title.contains("Vera"), "no patient name in the title: {title}");
    assert_eq!(told(&app, id, 0).await, vec![doctor.clone()], "the attending clinician of the encounter");
    assert_eq!(app.audit_count("alerts.alert.raise").await, 1);

    // The doctor: the bell, the banner on every page, the alert page; the nurse sees no banner.
    let mut doc = client(&app, &doctor).await;
    assert_eq!(bell(&app, &doctor, id).await, 1);
    let notes = doc.get("/notifications").await;
    assert!(notes.body.contains("Critical: Anaphylaxis after a vaccine"), "{}", notes.body);
    let home = doc.get("/").await;
    assert!(home.body.contains(r#"hx-get="/alerts/banner""#) && home.body.contains("sse:alerts"), "layout fragment");
    let banner = doc.get("/alerts/banner").await;
    assert_eq!(banner.status, StatusCode::OK);
    assert!(
        banner.body.contains("An alert needs your acknowledgement") && banner.body.contains(&format!("/alerts/{id}"))
    );
    assert!(banner.body.contains("Anaphylaxis after a vaccine") && !banner.body.contains("Vaccine, Vera"));
    let page = doc.get(&format!("/alerts/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Vaccine, Vera")
            && page.body.contains("Read-back note")
            && page.body.contains("Attending clinician")
    );
    assert!(!app.get("/alerts/banner").await.body.contains("alerts-banner"), "the nurse was not addressed");
    // The live event that refreshes the banner carries a count, nothing else.
    let data: Vec<String> = sqlx::query_scalar("SELECT data FROM live_events WHERE name = 'alerts' AND user_id = $1")
        .bind(doctor_id)
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(data, vec!["1".to_string()]);
    // The chart's banner shows the open alert; the chart tab lists it; the timeline too.
    let chart = doc.get(&format!("/patients/{pid}/chart")).await;
    assert!(
        chart.body.contains("Open alerts") && chart.body.contains("Anaphylaxis after a vaccine (CVX 140) · critical")
    );
    let tab = doc.get(&format!("/patients/{pid}/alerts")).await;
    assert_eq!(tab.status, StatusCode::OK);
    assert!(tab.body.contains("Anaphylaxis after a vaccine") && tab.body.contains(">Alerts</a>"));
    let imm = doc.get(&format!("/patients/{pid}/immunizations")).await;
    assert!(imm.body.contains("Reaction: Anaphylaxis"));

    // Critical: the SMS goes out despite quiet hours.
    let (urgent, status): (bool, String) =
        sqlx::query_as("SELECT urgent, status FROM messages WHERE channel = 'sms'").fetch_one(&app.pool).await.unwrap();
    assert!(urgent);
    assert_eq!(status, "queued");
    worker(&app).run_once().await.unwrap();
    let status: String =
        sqlx::query_scalar("SELECT status FROM messages WHERE channel = 'sms'").fetch_one(&app.pool).await.unwrap();
    assert_eq!(status, "sent", "urgent messages ignore quiet hours");

    // The API lists it for the doctor.
    let token = doc.api_token(&doctor).await;
    let list = doc.api(Method::GET, "/api/v1/alerts", Some(&token), None).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.json()["items"][0]["id"], id.to_string());
    let _ = nurse;
}

#[tokio::test]
async fn an_unacknowledged_alert_escalates_on_time_and_exactly_once_after_a_restart() {
    let Ward { mut app, nurse, doctor, admin, pid } = ward().await;
    let charge = app.user("nurse").await;
    let oncall = app.user("doctor").await;
    put_on_call(&mut app, &admin, &charge, "charge_nurse", hours(11)).await;
    put_on_call(&mut app, &admin, &oncall, "doctor", hours(11)).await;
    vaccinate(&mut app, &nurse, &pid, "systemic").await;
    let id = only_alert(&app).await;
    assert_eq!(told(&app, id, 0).await, vec![doctor.clone()]);
    let w = worker(&app);

    // Within the first step's 10 minutes nothing moves.
    w.run_once().await.unwrap();
    time_passes(&app, id, 9).await;
    w.run_once().await.unwrap();
    assert_eq!(alert_state(&app, id).await, ("open".into(), 0));

    // Minute 10: the step job is due. A worker claims it and dies before running it.
    time_passes(&app, id, 1).await;
    let dead = Uuid::new_v4();
    let claimed = jobs::claim(&app.pool, dead, Duration::from_millis(300), 10).await.unwrap();
    let key = format!("alerts:{id}:1");
    assert!(claimed.iter().any(|j| j.idempotency_key.as_deref() == Some(key.as_str())), "{claimed:?}");
    assert_eq!(alert_state(&app, id).await, ("open".into(), 0), "claimed, not run");
    // A new worker (after the restart) runs it once the lease has run out.
    let restarted = worker(&app);
    eventually(10, "the step after the lease", || async {
        restarted.run_once().await.unwrap();
        (alert_state(&app, id).await.1 == 1).then_some(())
    })
    .await;
    assert_eq!(told(&app, id, 1).await, vec![charge.clone()], "the nurse in charge, from the on-call list");
    assert_eq!(bell(&app, &charge, id).await, 1);
    // A worker that committed the step but died before recording the job: the job runs again.
    sqlx::query("UPDATE jobs SET state = 'queued', run_at = now(), locked_by = NULL, locked_until = NULL WHERE idempotency_key = $1")
        .bind(format!("alerts:{id}:1"))
        .execute(&app.pool)
        .await
        .unwrap();
    worker(&app).run_once().await.unwrap();
    assert_eq!(alert_state(&app, id).await, ("open".into(), 1));
    assert_eq!(bell(&app, &charge, id).await, 1, "the step fired once");
    let steps: i64 = sqlx::query_scalar("SELECT count(*) FROM alert_steps WHERE alert_id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(steps, 2);

    // The next step falls due while no worker runs; the next one to start fires it, once.
    time_passes(&app, id, 30).await;
    let (after_downtime, another) = (worker(&app), worker(&app));
    let (a, b) = tokio::join!(after_downtime.run_once(), another.run_once());
    a.unwrap();
    b.unwrap();
    assert_eq!(alert_state(&app, id).await, ("open".into(), 2));
    assert_eq!(told(&app, id, 2).await, vec![oncall.clone()], "the on-call doctor");
    assert_eq!(bell(&app, &oncall, id).await, 1);
    // The chain's end: no further step job; every addressee still sees the banner.
    let step_jobs: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs WHERE kind = 'alerts.escalate'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(step_jobs, 2);
    assert_eq!(app.audit_count("alerts.alert.escalate").await, 2);
    for who in [&doctor, &charge, &oncall] {
        let mut c = client(&app, who).await;
        assert!(c.get("/alerts/banner").await.body.contains("Escalated"), "{who} sees the banner");
    }
    let mut doc = client(&app, &doctor).await;
    let page = doc.get(&format!("/alerts/{id}")).await;
    assert!(page.body.contains("Not acknowledged in time") && page.body.contains("On-call doctor"), "{}", page.body);
    let list = doc.get("/alerts?status=escalated&scope=facility").await;
    assert!(list.body.contains("Escalated") && list.body.contains("Systemic reaction after a vaccine"));
}

#[tokio::test]
async fn acknowledgement_stops_the_escalation_and_records_who_when_and_the_read_back() {
    let Ward { mut app, nurse, doctor, admin, pid } = ward().await;
    let charge = app.user("nurse").await;
    put_on_call(&mut app, &admin, &charge, "charge_nurse", hours(11)).await;
    vaccinate(&mut app, &nurse, &pid, "anaphylaxis").await;
    let id = only_alert(&app).await;
    let mut doc = client(&app, &doctor).await;

    // A critical alert needs its read-back note; the form says so and keeps nothing half done.
    let r = doc.post_form(&format!("/alerts/{id}/acknowledge"), &[("note", " ")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("A critical alert needs a read-back note"));
    assert_eq!(alert_state(&app, id).await.0, "open");
    // A receptionist may not acknowledge.
    let desk = app.user("receptionist").await;
    let mut rec = client(&app, &desk).await;
    assert_eq!(
        rec.post_form(&format!("/alerts/{id}/acknowledge"), &[("note", "ok")]).await.status,
        StatusCode::FORBIDDEN
    );

    time_passes(&app, id, 4).await;
    let r = doc
        .post_form(&format!("/alerts/{id}/acknowledge"), &[("note", "Seen; adrenaline given, observing 4 h.")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let (by, note, minutes): (Uuid, String, f64) = sqlx::query_as(
        "SELECT acknowledged_by, ack_note, extract(epoch FROM acknowledged_at - created_at)::float8 / 60 FROM alerts",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(by, user_id(&app, &doctor).await);
    assert_eq!(note, "Seen; adrenaline given, observing 4 h.");
    assert!((4.0..5.0).contains(&minutes), "{minutes}");
    assert_eq!(app.audit_count("alerts.alert.acknowledge").await, 1);
    // The banner clears (and its live event says 0).
    assert!(!doc.get("/alerts/banner").await.body.contains("alerts-banner"));
    let last: String = sqlx::query_scalar(
        "SELECT data FROM live_events WHERE name = 'alerts' AND user_id = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(user_id(&app, &doctor).await)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(last, "0");

    let list = doc.get("/alerts?status=acknowledged&scope=facility").await;
    assert!(list.body.contains("4 min") && list.body.contains("Acknowledged"), "{}", list.body);

    // Hours later, the step job runs and does nothing.
    time_passes(&app, id, 120).await;
    worker(&app).run_once().await.unwrap();
    assert_eq!(alert_state(&app, id).await, ("acknowledged".into(), 0));
    assert!(told(&app, id, 1).await.is_empty());
    let job: String =
        sqlx::query_scalar("SELECT state FROM jobs WHERE kind = 'alerts.escalate'").fetch_one(&app.pool).await.unwrap();
    assert_eq!(job, "done");
    // Twice is a conflict.
    let again = doc.post_form(&format!("/alerts/{id}/acknowledge"), &[("note", "again")]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn an_addressee_going_off_shift_escalates() {
    let Ward { mut app, nurse, admin, pid, .. } = ward().await;
    let charge = app.user("nurse").await;
    let oncall = app.user("doctor").await;
    let token = app.api_token(&admin).await;
    // Chain: the nurse in charge for 30 minutes, then the on-call doctor.
    let r = app
        .api(
            Method::PUT,
            &format!("/api/v1/alerts/chains/{KIND}"),
            Some(&token),
            Some(json!([{"to": "on_call:charge_nurse", "minutes": 30}, {"to": "on_call:doctor", "minutes": 30}])),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(app.audit_count("alerts.chain.update").await, 1);
    // The charge nurse's shift ends in 3 minutes.
    let shift_end = time::OffsetDateTime::now_utc() + time::Duration::minutes(3);
    let shift = put_on_call(&mut app, &admin, &charge, "charge_nurse", shift_end).await;
    put_on_call(&mut app, &admin, &oncall, "doctor", hours(11)).await;
    vaccinate(&mut app, &nurse, &pid, "systemic").await;
    let id = only_alert(&app).await;
    assert_eq!(told(&app, id, 0).await, vec![charge.clone()]);
    // The next step is due when the shift ends, not after 30 minutes.
    let run_at: time::OffsetDateTime = sqlx::query_scalar("SELECT run_at FROM jobs WHERE kind = 'alerts.escalate'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!((run_at - shift_end).abs() < time::Duration::seconds(2), "{run_at} vs {shift_end}");
    // Run early (the shift was extended meanwhile): the job waits, nothing moves.
    sqlx::query("UPDATE jobs SET run_at = now() WHERE kind = 'alerts.escalate'").execute(&app.pool).await.unwrap();
    worker(&app).run_once().await.unwrap();
    assert_eq!(alert_state(&app, id).await, ("open".into(), 0));
    let (state, run_at): (String, time::OffsetDateTime) =
        sqlx::query_as("SELECT state, run_at FROM jobs WHERE kind = 'alerts.escalate'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(state, "queued");
    assert!(run_at > time::OffsetDateTime::now_utc() + time::Duration::minutes(2));

    // The nurse in charge leaves early: the administrator ends the shift; the alert moves on.
    let mut adm = client(&app, &admin).await;
    let r = adm.post_form(&format!("/alerts/on-call/{shift}/end"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    worker(&app).run_once().await.unwrap();
    assert_eq!(alert_state(&app, id).await, ("open".into(), 1));
    assert_eq!(told(&app, id, 1).await, vec![oncall.clone()]);
    let reason: String = sqlx::query_scalar("SELECT reason FROM alert_steps WHERE alert_id = $1 AND step = 1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(reason, "off_shift");
    // The old step job, when it comes, changes nothing.
    time_passes(&app, id, 0).await;
    sqlx::query("UPDATE jobs SET run_at = now() WHERE idempotency_key = $1")
        .bind(format!("alerts:{id}:1"))
        .execute(&app.pool)
        .await
        .unwrap();
    worker(&app).run_once().await.unwrap();
    assert_eq!(bell(&app, &oncall, id).await, 1);

    // A shift that simply ends: the step job fires at its end (reason off_shift).
    sqlx::query("DELETE FROM alert_on_call WHERE id = $1")
        .bind(shift.parse::<Uuid>().unwrap())
        .execute(&app.pool)
        .await
        .unwrap();
    let charge2 = app.user("nurse").await;
    let end2 = time::OffsetDateTime::now_utc() + time::Duration::minutes(5);
    let shift2 = put_on_call(&mut app, &admin, &charge2, "charge_nurse", end2).await;
    let pid2 = app
        .register_patient(&[
            ("given_name", "Otto"),
            ("family_name", "Second"),
            ("sex", "male"),
            ("birth_date", "1960-01-01"),
        ])
        .await;
    vaccinate(&mut app, &nurse, &pid2, "local").await;
    let id2: Uuid =
        sqlx::query_scalar("SELECT id FROM alerts WHERE id <> $1").bind(id).fetch_one(&app.pool).await.unwrap();
    assert_eq!(told(&app, id2, 0).await, vec![charge2.clone()]);
    // Five minutes later.
    sqlx::query("UPDATE alert_on_call SET starts_at = starts_at - interval '5 minutes', ends_at = ends_at - interval '5 minutes' WHERE id = $1")
        .bind(shift2.parse::<Uuid>().unwrap())
        .execute(&app.pool)
        .await
        .unwrap();
    time_passes(&app, id2, 5).await;
    worker(&app).run_once().await.unwrap();
    assert_eq!(alert_state(&app, id2).await, ("open".into(), 1));
    let reason: String = sqlx::query_scalar("SELECT reason FROM alert_steps WHERE alert_id = $1 AND step = 1")
        .bind(id2)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(reason, "off_shift");
}

#[tokio::test]
async fn racing_acknowledgements_one_wins_the_rest_get_409() {
    let Ward { mut app, nurse, doctor, pid, .. } = ward().await;
    vaccinate(&mut app, &nurse, &pid, "systemic").await;
    let id = only_alert(&app).await;
    let token = app.api_token(&doctor).await;
    let url = format!("/api/v1/alerts/{id}/acknowledge");
    let calls = (0..6).map(|i| {
        let mut c = app.another_client();
        let (url, token) = (url.clone(), token.clone());
        async move { c.api(Method::POST, &url, Some(&token), Some(json!({"note": format!("read back {i}")}))).await }
    });
    let results = futures_util::future::join_all(calls).await;
    let won = results.iter().filter(|r| r.status == StatusCode::NO_CONTENT).count();
    let lost: Vec<_> = results.iter().filter(|r| r.status == StatusCode::CONFLICT).collect();
    assert_eq!((won, lost.len()), (1, 5), "{:?}", results.iter().map(|r| r.status).collect::<Vec<_>>());
    assert!(lost[0].json()["detail"].as_str().unwrap().contains("already acknowledged"), "{}", lost[0].body);
    assert_eq!(app.audit_count("alerts.alert.acknowledge").await, 1);
    let acked: i64 =
        sqlx::query_scalar("SELECT count(*) FROM alerts WHERE status = 'acknowledged' AND ack_note LIKE 'read back %'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(acked, 1);
}

#[tokio::test]
async fn two_people_on_call_for_one_duty_at_once_are_refused_by_the_database() {
    let mut app = TestApp::new().await;
    let admin = app.user("hospital_admin").await;
    let token = app.api_token(&admin).await;
    let mut doctors = Vec::new();
    for _ in 0..6 {
        let d = app.user("doctor").await;
        doctors.push(user_id(&app, &d).await);
    }
    let fmt = |t: time::OffsetDateTime| t.format(&time::format_description::well_known::Rfc3339).unwrap();
    let calls = doctors.iter().enumerate().map(|(i, d)| {
        let mut c = app.another_client();
        let token = token.clone();
        // Overlapping shifts, each a little different.
        let body = json!({"facility_id": app.facility_id.to_string(), "duty": "doctor", "user_id": d.to_string(),
            "starts_at": fmt(hours(1) + time::Duration::minutes(i as i64)), "ends_at": fmt(hours(9))});
        async move { c.api(Method::POST, "/api/v1/alerts/on-call", Some(&token), Some(body)).await }
    });
    let results = futures_util::future::join_all(calls).await;
    let created = results.iter().filter(|r| r.status == StatusCode::CREATED).count();
    let conflicts: Vec<_> = results.iter().filter(|r| r.status == StatusCode::CONFLICT).collect();
    assert_eq!((created, conflicts.len()), (1, 5), "{:?}", results.iter().map(|r| r.status).collect::<Vec<_>>());
    assert!(conflicts[0].json()["detail"].as_str().unwrap().contains("already on call"), "{}", conflicts[0].body);
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM alert_on_call").fetch_one(&app.pool).await.unwrap();
    assert_eq!(n, 1);
    // Another department, another duty, or after the shift: fine.
    let r = app
        .api(
            Method::POST,
            "/api/v1/alerts/on-call",
            Some(&token),
            Some(json!({"facility_id": app.facility_id.to_string(), "duty": "charge_nurse",
                        "user_id": doctors[0].to_string(), "starts_at": fmt(hours(1)), "ends_at": fmt(hours(9))})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // Bad input names its fields and changes nothing.
    for (body, field) in [
        (
            json!({"facility_id": Uuid::new_v4().to_string(), "duty": "doctor", "user_id": doctors[1].to_string(), "starts_at": fmt(hours(10)), "ends_at": fmt(hours(12))}),
            "facility_id",
        ),
        (
            json!({"facility_id": app.facility_id.to_string(), "duty": "wizard", "user_id": doctors[1].to_string(), "starts_at": fmt(hours(10)), "ends_at": fmt(hours(12))}),
            "duty",
        ),
        (
            json!({"facility_id": app.facility_id.to_string(), "duty": "doctor", "user_id": doctors[1].to_string(), "starts_at": fmt(hours(12)), "ends_at": fmt(hours(10))}),
            "ends_at",
        ),
        (
            json!({"facility_id": app.facility_id.to_string(), "duty": "doctor", "user_id": doctors[1].to_string(), "starts_at": fmt(hours(10)), "ends_at": fmt(hours(400))}),
            "ends_at",
        ),
        (
            json!({"facility_id": app.facility_id.to_string(), "duty": "doctor", "user_id": Uuid::new_v4().to_string(), "starts_at": fmt(hours(10)), "ends_at": fmt(hours(12))}),
            "user_id",
        ),
    ] {
        let r = app.api(Method::POST, "/api/v1/alerts/on-call", Some(&token), Some(body.clone())).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", r.body);
        assert!(r.json()["errors"].as_array().unwrap().iter().any(|e| e["field"] == field), "{body}: {}", r.body);
    }
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM alert_on_call").fetch_one(&app.pool).await.unwrap();
    assert_eq!(n, 2);
}

#[tokio::test]
async fn the_assigned_nurse_is_addressed_and_nobody_found_means_the_managers() {
    let Ward { mut app, nurse, admin, pid, .. } = ward().await;
    let token = app.api_token(&admin).await;
    let r = app
        .api(
            Method::PUT,
            &format!("/api/v1/alerts/chains/{KIND}"),
            Some(&token),
            Some(json!([{"to": "assigned_nurse", "minutes": 15}, {"to": "on_call:doctor", "minutes": 15}])),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    // The nurse in charge assigns a ward nurse to the patient for the shift, on the chart tab.
    let ward_nurse = app.user("nurse").await;
    let wn_id = user_id(&app, &ward_nurse).await;
    let tab = app.get(&format!("/patients/{pid}/alerts")).await;
    assert!(tab.body.contains("Assign a nurse for a shift") && tab.body.contains("No alerts about this patient"));
    let now = time::OffsetDateTime::now_utc();
    let local = |t: time::OffsetDateTime| format!("{}T{:02}:{:02}", t.date(), t.hour(), t.minute());
    let bad = app
        .post_form(
            &format!("/patients/{pid}/alerts/assignments"),
            &[
                ("nurse_id", &wn_id.to_string()),
                ("starts_at", &local(now)),
                ("ends_at", &local(now + time::Duration::hours(30))),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("At most 24 hours."));
    let r = app
        .post_form(
            &format!("/patients/{pid}/alerts/assignments"),
            &[
                ("nurse_id", &wn_id.to_string()),
                ("starts_at", &local(now - time::Duration::hours(1))),
                ("ends_at", &local(now + time::Duration::hours(11))),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(app.audit_count("alerts.assignment.create").await, 1);
    let list = app.get("/alerts/assignments").await;
    assert!(list.body.contains("Vaccine, Vera") && list.body.contains("On shift"), "{}", list.body);

    vaccinate(&mut app, &nurse, &pid, "systemic").await;
    let id = only_alert(&app).await;
    assert_eq!(told(&app, id, 0).await, vec![ward_nurse.clone()]);

    // Nobody on call and no attending: the chain passes its empty steps and, having reached
    // nobody, tells the facility's alert managers.
    let pid2 = app
        .register_patient(&[
            ("given_name", "Nils"),
            ("family_name", "Nobody"),
            ("sex", "male"),
            ("birth_date", "1980-02-02"),
        ])
        .await;
    let imm = vaccinate(&mut app, &nurse, &pid2, "systemic").await;
    let id2: Uuid =
        sqlx::query_scalar("SELECT id FROM alerts WHERE id <> $1").bind(id).fetch_one(&app.pool).await.unwrap();
    assert_eq!(alert_state(&app, id2).await, ("open".into(), 1));
    assert_eq!(told(&app, id2, 1).await, vec![admin.clone()]);
    let reasons: Vec<(i32, String, i32)> =
        sqlx::query_as("SELECT step, reason, notified FROM alert_steps WHERE alert_id = $1 ORDER BY step")
            .bind(id2)
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(reasons, vec![(0, "raised".into(), 0), (1, "nobody".into(), 1)]);

    // Its cause is void: the dose is marked entered in error, and the alert is cancelled.
    let r = app
        .post_form(&format!("/patients/{pid2}/immunizations/{imm}/error"), &[("reason", "Wrong patient chart.")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(alert_state(&app, id2).await.0, "cancelled");
    assert_eq!(app.audit_count("alerts.alert.cancel").await, 1);
    let mut adm = client(&app, &admin).await;
    assert!(!adm.get("/alerts/banner").await.body.contains("alerts-banner"));
    let page = adm.get(&format!("/alerts/{id2}")).await;
    assert!(page.body.contains("marked entered in error") && !page.body.contains("Read-back note"));
    let token = adm.api_token(&admin).await;
    let r = adm
        .api(Method::POST, &format!("/api/v1/alerts/{id2}/acknowledge"), Some(&token), Some(json!({"note": "x"})))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "hospital administrators do not acknowledge by default");
}

#[tokio::test]
async fn roles_scope_filters_and_the_admin_pages() {
    let Ward { mut app, nurse, doctor, admin, pid } = ward().await;
    vaccinate(&mut app, &nurse, &pid, "systemic").await;
    let id = only_alert(&app).await;

    // Roles without alerts.read or alerts.manage are refused, pages and API alike.
    for (role, path) in [
        ("receptionist", "/alerts".to_string()),
        ("billing_clerk", format!("/alerts/{id}")),
        ("nurse", "/alerts/chains".to_string()),
        ("doctor", format!("/alerts/chains/{KIND}")),
    ] {
        let email = app.user(role).await;
        let mut c = client(&app, &email).await;
        assert_eq!(c.get(&path).await.status, StatusCode::FORBIDDEN, "{role} {path}");
    }
    let mut doc = client(&app, &doctor).await;
    assert_eq!(doc.post_form("/alerts/on-call", &[("duty", "doctor")]).await.status, StatusCode::FORBIDDEN);
    let clerk = app.user("billing_clerk").await;
    let token = app.api_token(&clerk).await;
    assert_eq!(app.api(Method::GET, "/api/v1/alerts", Some(&token), None).await.status, StatusCode::FORBIDDEN);
    // The banner fragment is empty (not an error) for those without alerts.read.
    let mut cl = client(&app, &clerk).await;
    let b = cl.get("/alerts/banner").await;
    assert_eq!((b.status, b.body.as_str()), (StatusCode::OK, ""));
    assert!(!cl.get("/").await.body.contains("/alerts/banner"), "no fragment in the layout");

    // Someone of another facility, not addressed: 404 for the alert, nothing in their lists.
    let other = Uuid::new_v4();
    sqlx::query("INSERT INTO facilities (id, code, name) VALUES ($1, 'OTH', 'Other Hospital')")
        .bind(other)
        .execute(&app.pool)
        .await
        .unwrap();
    let stranger = format!("stranger.{}@test.hearth", &Uuid::new_v4().to_string()[..8]);
    let mut tx = app.pool.begin().await.unwrap();
    hearth::modules::admin::create_user(
        &mut tx,
        &hearth::modules::admin::NewUser {
            email: &stranger,
            display_name: "Stranger",
            password: PASSWORD,
            roles: &["doctor"],
            facility_ids: &[other],
            must_change_password: false,
        },
        &AuditMeta::system("test"),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut st = client(&app, &stranger).await;
    assert_eq!(st.get(&format!("/alerts/{id}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        st.post_form(&format!("/alerts/{id}/acknowledge"), &[("note", "x")]).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(st.get("/alerts?scope=facility&status=all").await.body.contains("No alerts match"));

    // Filters and paging: unknown values and cursors are 400.
    assert_eq!(doc.get("/alerts?status=bogus").await.status, StatusCode::BAD_REQUEST);
    assert_eq!(doc.get("/alerts?after=garbage").await.status, StatusCode::BAD_REQUEST);
    let page = doc.get("/alerts?scope=facility&status=all&severity=warning&limit=1").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Systemic reaction after a vaccine"));
    assert!(doc.get("/alerts?severity=critical").await.body.contains("No alerts match"));
    assert!(app.audit_count("alerts.list.view").await >= 3);

    // The administrator's pages: on call, chains (edit, refuse bad input, reset).
    let mut adm = client(&app, &admin).await;
    let on_call = adm.get("/alerts/on-call").await;
    assert_eq!(on_call.status, StatusCode::OK);
    assert!(on_call.body.contains("Put someone on call") && on_call.body.contains("Nobody is on call"));
    let now = time::OffsetDateTime::now_utc();
    let local = |t: time::OffsetDateTime| format!("{}T{:02}:{:02}", t.date(), t.hour(), t.minute());
    let r = adm
        .post_form(
            "/alerts/on-call",
            &[
                ("facility_id", &app.facility_id.to_string()),
                ("duty", "doctor"),
                ("user_id", &user_id(&app, &doctor).await.to_string()),
                ("starts_at", &local(now)),
                ("ends_at", &local(now - time::Duration::hours(2))),
                ("note", "KEEPME"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("The end is after the start") && r.body.contains("KEEPME"));
    let chains = adm.get("/alerts/chains").await;
    assert!(
        chains.body.contains("Immediate adverse reaction to a vaccine") && chains.body.contains("Attending clinician")
    );
    let url = format!("/alerts/chains/{KIND}");
    assert!(adm.get(&url).await.body.contains("Nurse in charge"));
    let bad = adm.post_form(&url, &[("to", "on_call:doctor"), ("minutes", "0")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Step 1: give the minutes"));
    let ok = adm.post_form(&url, &[("to", "on_call:doctor"), ("minutes", "5"), ("to", ""), ("minutes", "")]).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert!(adm.get("/alerts/chains").await.body.contains("Changed from the default"));
    assert_eq!(adm.get("/alerts/chains/nope.nothing").await.status, StatusCode::NOT_FOUND);
    let r = adm.post_form(&format!("{url}/reset"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.audit_count("alerts.chain.reset").await, 1);
    // The alert raised before keeps its chain.
    let chain: serde_json::Value =
        sqlx::query_scalar("SELECT chain FROM alerts WHERE id = $1").bind(id).fetch_one(&app.pool).await.unwrap();
    assert_eq!(chain[0]["to"], "attending");
}

#[tokio::test]
async fn the_demo_has_on_call_lists_assignments_an_open_and_an_escalated_alert() {
    let mut app = TestApp::new().await;
    hearth::demo::seed(&app.pool, &app.state.keys).await.unwrap();
    let (sites, assigned, open, escalated): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(DISTINCT facility_id) FROM alert_on_call WHERE ends_at > now()),
                (SELECT count(*) FROM alert_nurse_assignments WHERE ends_at > now()),
                (SELECT count(*) FROM alerts WHERE status = 'open' AND escalated_at IS NULL AND kind = 'immunizations.reaction'),
                (SELECT count(*) FROM alerts WHERE status = 'open' AND escalated_at IS NOT NULL AND kind = 'immunizations.reaction')",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((sites, open, escalated), (2, 1, 1));
    assert!(assigned >= 2, "{assigned}");
    // The demo nurse sees both alerts in the banner (told first of one, in charge for the other).
    app.login("nurse@demo.hearth", hearth::demo::PASSWORD).await;
    let banner = app.get("/alerts/banner").await;
    assert!(banner.body.contains("2 alerts need your acknowledgement"), "{}", banner.body);
    assert!(app.get("/alerts/on-call").await.body.contains("Bleep 4401"));
}

#[tokio::test]
async fn alerts_and_assignments_follow_a_patient_merge() {
    let Ward { mut app, nurse, pid, .. } = ward().await;
    vaccinate(&mut app, &nurse, &pid, "systemic").await;
    let survivor = app
        .register_patient(&[
            ("given_name", "Vera"),
            ("family_name", "Vaccine"),
            ("sex", "female"),
            ("birth_date", "1970-05-06"),
        ])
        .await;
    let root = app.user("super_admin").await;
    let token = app.api_token(&root).await;
    let r = app
        .api(Method::POST, &format!("/api/v1/patients/{survivor}/merge"), Some(&token), Some(json!({"merged": pid})))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let moved: String = sqlx::query_scalar("SELECT patient_id::text FROM alerts").fetch_one(&app.pool).await.unwrap();
    assert_eq!(moved, survivor);
}
