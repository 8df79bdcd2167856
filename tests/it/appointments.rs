//! Appointments, clinic schedules and the outpatient queue (issue 16), through HTTP: templates
//! and their sessions, booking rules, the two races (a capacity-1 slot, overlapping sessions),
//! check-in with the queue, the encounter and the fee, walk-ins and "call next", the no-show job,
//! the death hook, DST, roles and the API.

use std::time::Duration;

use axum::http::{Method, StatusCode};
use hearth::platform::jobs::{self, Opts, Worker};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::helpers::*;

struct Clinic {
    app: TestApp,
    /// The super admin's API token (books, overbooks, everything).
    admin_token: String,
    doctor: String,
    doctor_id: Uuid,
    department: Uuid,
}

async fn user_id(app: &TestApp, email: &str) -> Uuid {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(email).fetch_one(&app.pool).await.unwrap()
}

/// A test facility with a department, a doctor, and a super admin signed in.
async fn clinic() -> Clinic {
    let (mut app, admin) = TestApp::signed_in("super_admin").await;
    let department = Uuid::new_v4();
    sqlx::query("INSERT INTO departments (id, facility_id, code, name) VALUES ($1, $2, 'MED', 'Medicine')")
        .bind(department)
        .bind(app.facility_id)
        .execute(&app.pool)
        .await
        .unwrap();
    let doctor = app.user("doctor").await;
    let doctor_id = user_id(&app, &doctor).await;
    let admin_token = app.api_token(&admin).await;
    Clinic { app, admin_token, doctor, doctor_id, department }
}

fn tomorrow() -> time::Date {
    OffsetDateTime::now_utc().date().next_day().unwrap()
}

/// Creates a weekly template through the admin page; returns the response.
async fn template(c: &mut Clinic, weekday: u8, start: &str, end: &str, minutes: &str, capacity: &str) -> TestResponse {
    let (doctor, dept, wd) = (c.doctor_id.to_string(), c.department.to_string(), weekday.to_string());
    let from = OffsetDateTime::now_utc().date().to_string();
    c.app
        .post_form(
            "/appointments/schedules",
            &[
                ("clinician_id", &doctor),
                ("department_id", &dept),
                ("weekday", &wd),
                ("start_time", start),
                ("end_time", end),
                ("slot_minutes", minutes),
                ("capacity", capacity),
                ("vt_new", "on"),
                ("vt_follow_up", "on"),
                ("effective_from", &from),
                ("active", "on"),
            ],
        )
        .await
}

/// Tomorrow's slots through the API (free ones unless `full`).
async fn slots(c: &mut Clinic, full: bool) -> Vec<serde_json::Value> {
    let url = format!("/api/v1/appointments/slots?from={}&days=1&include_full={full}", tomorrow());
    let token = c.admin_token.clone();
    let r = c.app.api(Method::GET, &url, Some(&token), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json().as_array().unwrap().clone()
}

async fn patient(c: &mut Clinic, given: &str) -> String {
    c.app.register_patient(&[("given_name", given), ("family_name", "Patient"), ("sex", "female")]).await
}

async fn book(c: &mut Clinic, pid: &str, body: serde_json::Value) -> TestResponse {
    let token = c.admin_token.clone();
    c.app.api(Method::POST, &format!("/api/v1/patients/{pid}/appointments"), Some(&token), Some(body)).await
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.pool).await.unwrap()
}

fn weekday_of(d: time::Date) -> u8 {
    d.weekday().number_from_monday()
}

#[tokio::test]
async fn a_template_materialises_sessions_and_the_desk_books_from_the_chart() {
    let mut c = clinic().await;
    let r = template(&mut c, weekday_of(tomorrow()), "09:00", "10:00", "15", "1").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = c.app.get("/appointments/schedules").await;
    assert!(page.body.contains("09:00–10:00") && page.body.contains("15 min × 1"), "{}", page.body);
    assert_eq!(c.app.audit_count("appointments.template.create").await, 1);
    // Eight weeks ahead: 8 or 9 sessions of four 15-minute slots.
    let sessions = count(&c.app, "SELECT count(*) FROM appt_sessions").await;
    assert!((8..=9).contains(&sessions), "{sessions}");
    assert_eq!(count(&c.app, "SELECT count(*) FROM appt_slots").await, sessions * 4);
    let free = slots(&mut c, false).await;
    assert_eq!(free.len(), 4);
    assert_eq!(free[0]["status"], "free");
    assert!(free[0]["starts_at"].as_str().unwrap().ends_with("T09:00:00Z"), "{}", free[0]);

    // The desk books from the patient's chart (the "Book appointment" action).
    let reception = c.app.user("receptionist").await;
    let mut desk = c.app.another_client();
    desk.login(&reception, PASSWORD).await;
    let pid = patient(&mut c, "Ama").await;
    let show = desk.get(&format!("/patients/{pid}")).await;
    assert!(show.body.contains(&format!("/patients/{pid}/appointments/new")), "the patient page offers booking");
    let form = desk.get(&format!("/patients/{pid}/appointments/new?from={}", tomorrow())).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let slot = free[0]["id"].as_str().unwrap().to_string();
    assert!(form.body.contains(&slot));
    // A visit type the clinician does not offer there: 422, the form kept, nothing booked.
    let r = desk
        .post_form(
            &format!("/patients/{pid}/appointments"),
            &[("slot_id", &slot), ("visit_type", "procedure"), ("reason", "KEEP-ME")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("does not offer this visit type") && r.body.contains("KEEP-ME"));
    assert_eq!(count(&c.app, "SELECT count(*) FROM appt_appointments").await, 0);
    let r = desk
        .post_form(
            &format!("/patients/{pid}/appointments"),
            &[("slot_id", &slot), ("visit_type", "new"), ("reason", "Chest pain review")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let tab = desk.get(&format!("/patients/{pid}/appointments")).await;
    assert!(tab.body.contains("Chest pain review") && tab.body.contains("Booked"), "{}", tab.body);
    assert!(tab.body.contains(">Appointments</a>"), "the chart tab comes from the registry");
    assert_eq!(c.app.audit_count("appointments.appointment.create").await, 1);
    // The slot is no longer free; the front desk's list of that day shows the booking.
    assert_eq!(slots(&mut c, false).await.len(), 3);
    let list = desk.get(&format!("/appointments?date={}", tomorrow())).await;
    assert!(list.body.contains("Ama") && list.body.contains("Chest pain review"), "{}", list.body);
    let day = desk.get(&format!("/appointments/day?date={}&clinician_id={}", tomorrow(), c.doctor_id)).await;
    assert!(day.body.contains("Ama") && day.body.contains("1 / 1"), "{}", day.body);

    // Editing the template (shorter slots) never touches the booked session.
    let tid: Uuid = sqlx::query_scalar("SELECT id FROM appt_templates").fetch_one(&c.app.pool).await.unwrap();
    let booked_session: Uuid =
        sqlx::query_scalar("SELECT sl.session_id FROM appt_appointments a JOIN appt_slots sl ON sl.id = a.slot_id")
            .fetch_one(&c.app.pool)
            .await
            .unwrap();
    let (doctor, dept, wd) = (c.doctor_id.to_string(), c.department.to_string(), weekday_of(tomorrow()).to_string());
    let r = c
        .app
        .post_form(
            &format!("/appointments/schedules/{tid}"),
            &[
                ("clinician_id", &doctor),
                ("department_id", &dept),
                ("weekday", &wd),
                ("start_time", "09:00"),
                ("end_time", "10:00"),
                ("slot_minutes", "30"),
                ("capacity", "1"),
                ("vt_new", "on"),
                ("effective_from", &OffsetDateTime::now_utc().date().to_string()),
                ("active", "on"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let kept: i64 = sqlx::query_scalar("SELECT count(*) FROM appt_slots WHERE session_id = $1")
        .bind(booked_session)
        .fetch_one(&c.app.pool)
        .await
        .unwrap();
    assert_eq!(kept, 4, "the booked session keeps its four slots");
    let other: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM appt_slots sl JOIN appt_sessions s ON s.id = sl.session_id WHERE s.id <> $1
           AND s.day = (SELECT day FROM appt_sessions WHERE id = $1) + 7",
    )
    .bind(booked_session)
    .fetch_one(&c.app.pool)
    .await
    .unwrap();
    assert_eq!(other, 2, "unbooked sessions are rebuilt with 30-minute slots");
}

#[tokio::test]
async fn n_concurrent_bookings_of_a_capacity_one_slot_have_one_winner() {
    let mut c = clinic().await;
    template(&mut c, weekday_of(tomorrow()), "09:00", "09:15", "15", "1").await;
    let slot = slots(&mut c, false).await[0]["id"].as_str().unwrap().to_string();
    let mut pids = Vec::new();
    for i in 0..8 {
        pids.push(patient(&mut c, &format!("Racer{i}")).await);
    }
    let token = c.admin_token.clone();
    let calls = pids.iter().map(|pid| {
        let mut cl = c.app.another_client();
        let (url, token, body) = (
            format!("/api/v1/patients/{pid}/appointments"),
            token.clone(),
            json!({"slot_id": slot, "visit_type": "new"}),
        );
        async move { cl.api(Method::POST, &url, Some(&token), Some(body)).await }
    });
    let results = futures_util::future::join_all(calls).await;
    let created = results.iter().filter(|r| r.status == StatusCode::CREATED).count();
    let conflicts = results.iter().filter(|r| r.status == StatusCode::CONFLICT).count();
    assert_eq!((created, conflicts), (1, 7), "{:?}", results.iter().map(|r| (r.status, &r.body)).collect::<Vec<_>>());
    for r in results.iter().filter(|r| r.status == StatusCode::CONFLICT) {
        assert!(r.content_type().starts_with("application/problem+json"), "{}", r.body);
    }
    assert_eq!(count(&c.app, "SELECT count(*) FROM appt_appointments WHERE status <> 'cancelled'").await, 1);
}

#[tokio::test]
async fn n_concurrent_overlapping_sessions_of_a_clinician_have_one_winner() {
    let c = clinic().await;
    let (doctor, dept) = (c.doctor_id.to_string(), c.department.to_string());
    let wd = weekday_of(tomorrow()).to_string();
    let from = OffsetDateTime::now_utc().date().to_string();
    let calls = (0..5).map(|i| {
        let mut cl = c.app.another_client();
        cl.cookies = c.app.cookies.clone();
        let (doctor, dept, wd, from) = (doctor.clone(), dept.clone(), wd.clone(), from.clone());
        async move {
            let start = format!("09:{:02}", i * 5);
            cl.post_form(
                "/appointments/schedules",
                &[
                    ("clinician_id", &doctor),
                    ("department_id", &dept),
                    ("weekday", &wd),
                    ("start_time", &start),
                    ("end_time", "11:00"),
                    ("slot_minutes", "15"),
                    ("capacity", "1"),
                    ("vt_new", "on"),
                    ("effective_from", &from),
                    ("active", "on"),
                ],
            )
            .await
        }
    });
    let results = futures_util::future::join_all(calls).await;
    let ok = results.iter().filter(|r| r.status == StatusCode::SEE_OTHER).count();
    let conflicts: Vec<_> = results.iter().filter(|r| r.status == StatusCode::CONFLICT).collect();
    assert_eq!((ok, conflicts.len()), (1, 4), "{:?}", results.iter().map(|r| r.status).collect::<Vec<_>>());
    assert!(conflicts[0].body.contains("already has a clinic session at that time"), "{}", conflicts[0].body);
    assert_eq!(count(&c.app, "SELECT count(*) FROM appt_templates").await, 1, "a refused template is not saved");
    assert_eq!(
        count(
            &c.app,
            "SELECT count(*) FROM appt_sessions a JOIN appt_sessions b ON a.id < b.id AND a.clinician_id = b.clinician_id
              AND tstzrange(a.starts_at, a.ends_at) && tstzrange(b.starts_at, b.ends_at)"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn bookings_the_rules_forbid_are_refused_and_change_nothing() {
    let mut c = clinic().await;
    template(&mut c, weekday_of(tomorrow()), "09:00", "09:45", "15", "1").await;
    let free = slots(&mut c, false).await;
    let (s1, s2) = (free[0]["id"].as_str().unwrap().to_string(), free[1]["id"].as_str().unwrap().to_string());
    let pid = patient(&mut c, "Bea").await;
    let other = patient(&mut c, "Cal").await;
    for (body, status, field) in [
        (json!({"slot_id": "nope", "visit_type": "new"}), StatusCode::UNPROCESSABLE_ENTITY, Some("slot_id")),
        (json!({"slot_id": Uuid::new_v4(), "visit_type": "new"}), StatusCode::UNPROCESSABLE_ENTITY, Some("slot_id")),
        (json!({"slot_id": s1, "visit_type": "procedure"}), StatusCode::UNPROCESSABLE_ENTITY, Some("visit_type")),
        (json!({"slot_id": s1, "visit_type": "x"}), StatusCode::UNPROCESSABLE_ENTITY, Some("visit_type")),
        (
            json!({"slot_id": s1, "visit_type": "new", "reason": "x".repeat(501)}),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("reason"),
        ),
    ] {
        let r = book(&mut c, &pid, body.clone()).await;
        assert_eq!(r.status, status, "{body}: {}", r.body);
        if let Some(f) = field {
            assert!(r.json()["errors"].as_array().unwrap().iter().any(|e| e["field"] == f), "{body}: {}", r.body);
        }
    }
    // In the past: the slot's time has gone.
    sqlx::query("UPDATE appt_slots SET starts_at = now() - interval '1 hour', ends_at = now() - interval '45 minutes' WHERE id = $1::uuid")
        .bind(&s2)
        .execute(&c.app.pool)
        .await
        .unwrap();
    let r = book(&mut c, &pid, json!({"slot_id": s2, "visit_type": "new"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("in the past"));
    assert_eq!(count(&c.app, "SELECT count(*) FROM appt_appointments").await, 0);

    // Full: the second patient gets 409; the receptionist may not overbook (403); the super
    // admin may, and the booking is flagged.
    assert_eq!(book(&mut c, &pid, json!({"slot_id": s1, "visit_type": "new"})).await.status, StatusCode::CREATED);
    let again = book(&mut c, &pid, json!({"slot_id": s1, "visit_type": "new", "overbook": true})).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "the same patient twice in a slot: {}", again.body);
    let r = book(&mut c, &other, json!({"slot_id": s1, "visit_type": "new"})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.json()["detail"].as_str().unwrap().contains("full"), "{}", r.body);
    let reception = c.app.user("receptionist").await;
    let rtoken = c.app.api_token(&reception).await;
    let r = c
        .app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{other}/appointments"),
            Some(&rtoken),
            Some(json!({"slot_id": s1, "visit_type": "new", "overbook": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = book(&mut c, &other, json!({"slot_id": s1, "visit_type": "new", "overbook": true})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(count(&c.app, "SELECT count(*) FROM appt_appointments WHERE overbooked AND seat IS NULL").await, 1);

    // A deceased patient and a merged record cannot be booked.
    let dead = patient(&mut c, "Dee").await;
    sqlx::query("UPDATE patients SET active = false, deceased_at = now() - interval '1 hour' WHERE id = $1::uuid")
        .bind(&dead)
        .execute(&c.app.pool)
        .await
        .unwrap();
    let s3 = slots(&mut c, true).await.into_iter().find(|s| s["status"] == "free").unwrap()["id"].clone();
    let r = book(&mut c, &dead, json!({"slot_id": s3, "visit_type": "new"})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("deceased"));
    let merged = patient(&mut c, "Mo").await;
    sqlx::query("UPDATE patients SET merged_into = $2::uuid, active = false WHERE id = $1::uuid")
        .bind(&merged)
        .bind(&pid)
        .execute(&c.app.pool)
        .await
        .unwrap();
    let r = book(&mut c, &merged, json!({"slot_id": s3, "visit_type": "new"})).await;
    assert!(matches!(r.status, StatusCode::CONFLICT | StatusCode::NOT_FOUND), "{}: {}", r.status, r.body);
    assert_eq!(count(&c.app, "SELECT count(*) FROM appt_appointments").await, 2, "nothing else was booked");
}

#[tokio::test]
async fn cancel_needs_a_reason_reschedule_moves_and_the_api_reads_them() {
    let mut c = clinic().await;
    template(&mut c, weekday_of(tomorrow()), "09:00", "09:30", "15", "1").await;
    let free = slots(&mut c, false).await;
    let (s1, s2) = (free[0]["id"].as_str().unwrap().to_string(), free[1]["id"].as_str().unwrap().to_string());
    let pid = patient(&mut c, "Eve").await;
    let r = book(&mut c, &pid, json!({"slot_id": s1, "visit_type": "follow_up", "reason": "BP"})).await;
    let id = r.json()["id"].as_str().unwrap().to_string();
    let token = c.admin_token.clone();
    let r = c
        .app
        .api(Method::POST, &format!("/api/v1/appointments/{id}/reschedule"), Some(&token), Some(json!({"slot_id": s2})))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let a = c.app.api(Method::GET, &format!("/api/v1/appointments/{id}"), Some(&token), None).await.json();
    assert_eq!((a["slot_id"].as_str().unwrap(), a["status"].as_str().unwrap()), (s2.as_str(), "booked"));
    assert_eq!(slots(&mut c, false).await.len(), 1, "the old seat is free again, the new one taken");
    let r = c
        .app
        .api(Method::POST, &format!("/api/v1/appointments/{id}/cancel"), Some(&token), Some(json!({"reason": " "})))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = c
        .app
        .api(
            Method::POST,
            &format!("/api/v1/appointments/{id}/cancel"),
            Some(&token),
            Some(json!({"reason": "Patient asked"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = c
        .app
        .api(Method::POST, &format!("/api/v1/appointments/{id}/cancel"), Some(&token), Some(json!({"reason": "Again"})))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "cancelling twice: {}", r.body);
    let list = c.app.api(Method::GET, &format!("/api/v1/patients/{pid}/appointments"), Some(&token), None).await.json();
    assert_eq!(list[0]["status"], "cancelled");
    assert_eq!(list[0]["cancel_reason"], "Patient asked");
    assert_eq!(slots(&mut c, false).await.len(), 2, "a cancelled booking frees its seat");
    assert_eq!(c.app.audit_count("appointments.appointment.cancel").await, 1);
    assert_eq!(c.app.audit_count("appointments.appointment.reschedule").await, 1);
}

#[tokio::test]
async fn check_in_issues_a_token_starts_the_visit_and_captures_the_fee_and_the_queue_moves() {
    let mut c = clinic().await;
    template(&mut c, weekday_of(tomorrow()), "09:00", "09:30", "15", "1").await;
    let s1 = slots(&mut c, false).await[0]["id"].as_str().unwrap().to_string();
    let pid = patient(&mut c, "Fay").await;
    let id = book(&mut c, &pid, json!({"slot_id": s1, "visit_type": "new"})).await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let token = c.admin_token.clone();
    // Not today yet: check-in is on the day.
    let r = c.app.api(Method::POST, &format!("/api/v1/appointments/{id}/check-in"), Some(&token), None).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    // The day comes.
    sqlx::query("UPDATE appt_appointments SET starts_at = now(), ends_at = now() + interval '15 minutes'")
        .execute(&c.app.pool)
        .await
        .unwrap();
    let reception = c.app.user("receptionist").await;
    let mut desk = c.app.another_client();
    desk.login(&reception, PASSWORD).await;
    let r = desk.post_form(&format!("/appointments/{id}/check-in"), &[("back", "/appointments")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let (status, enc): (String, Option<Uuid>) =
        sqlx::query_as("SELECT status, encounter_id FROM appt_appointments").fetch_one(&c.app.pool).await.unwrap();
    assert_eq!(status, "arrived");
    let enc = enc.expect("the visit encounter is linked");
    let (kind, est): (String, String) = sqlx::query_as("SELECT kind, status FROM encounters WHERE id = $1")
        .bind(enc)
        .fetch_one(&c.app.pool)
        .await
        .unwrap();
    assert_eq!((kind.as_str(), est.as_str()), ("outpatient", "arrived"));
    assert_eq!(
        count(&c.app, "SELECT count(*) FROM charges WHERE code = 'APPT:new' AND source_module = 'appointments'").await,
        1
    );
    let r = desk.post_form(&format!("/appointments/{id}/check-in"), &[]).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "checked in twice");

    // A walk-in joins without a booking; tokens follow each other.
    let walker = patient(&mut c, "Gus").await;
    let r = c
        .app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{walker}/appointments/walk-in"),
            Some(&token),
            Some(json!({"department_id": c.department, "visit_type": "new"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["token"], "A-002");
    let queue = desk.get("/appointments/queue").await;
    assert!(queue.body.contains("A-001") && queue.body.contains("A-002") && queue.body.contains("Walk-in"));
    assert!(queue.body.contains("sse:appointments.queue"), "the page listens to the live event");
    assert!(
        count(&c.app, "SELECT count(*) FROM live_events WHERE name = 'appointments.queue' AND data = 'changed'").await
            >= 2
    );

    // The receptionist may not call patients; the doctor calls the next one (their own first).
    assert_eq!(desk.post_form("/appointments/queue/call-next", &[]).await.status, StatusCode::FORBIDDEN);
    let dtoken = c.app.api_token(&c.doctor.clone()).await;
    let r = c.app.api(Method::POST, "/api/v1/appointments/queue/call-next", Some(&dtoken), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["token"], "A-001");
    let qid = r.json()["id"].as_str().unwrap().to_string();
    let url = format!("/api/v1/appointments/queue/{qid}/status");
    let r = c.app.api(Method::POST, &url, Some(&dtoken), Some(json!({"to": "done"}))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "called → done skips the consultation: {}", r.body);
    for to in ["in_consultation", "done"] {
        let r = c.app.api(Method::POST, &url, Some(&dtoken), Some(json!({"to": to}))).await;
        assert_eq!(r.status, StatusCode::OK, "{to}: {}", r.body);
    }
    assert_eq!(count(&c.app, "SELECT count(*) FROM appt_appointments WHERE status = 'fulfilled'").await, 1);
    let r = c.app.api(Method::POST, "/api/v1/appointments/queue/call-next", Some(&dtoken), None).await;
    assert_eq!(r.json()["token"], "A-002");
    let q = c.app.api(Method::GET, "/api/v1/appointments/queue", Some(&dtoken), None).await;
    assert!(!q.body.contains("Gus") && !q.body.contains("Fay"), "no names in the queue API");
    let r = c.app.api(Method::POST, "/api/v1/appointments/queue/call-next", Some(&dtoken), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "nobody waits");
}

#[tokio::test]
async fn the_no_show_job_and_a_recorded_death_close_bookings() {
    let mut c = clinic().await;
    template(&mut c, weekday_of(tomorrow()), "09:00", "09:30", "15", "1").await;
    let free = slots(&mut c, false).await;
    let pid = patient(&mut c, "Hal").await;
    let other = patient(&mut c, "Ivy").await;
    let late = book(&mut c, &pid, json!({"slot_id": free[0]["id"], "visit_type": "new"})).await.json()["id"].clone();
    book(&mut c, &other, json!({"slot_id": free[1]["id"], "visit_type": "new"})).await;
    sqlx::query("UPDATE appt_appointments SET starts_at = now() - interval '2 hours', ends_at = now() - interval '105 minutes' WHERE id = $1::uuid")
        .bind(late.as_str().unwrap())
        .execute(&c.app.pool)
        .await
        .unwrap();
    let mut conn = c.app.pool.acquire().await.unwrap();
    jobs::enqueue(&mut conn, "appointments.no_show", json!({"grace_minutes": 30}), Opts::default()).await.unwrap();
    drop(conn);
    Worker::new(c.app.state.clone()).poll(Duration::from_millis(20)).run_once().await.unwrap();
    let statuses: Vec<String> = sqlx::query_scalar("SELECT status FROM appt_appointments ORDER BY starts_at")
        .fetch_all(&c.app.pool)
        .await
        .unwrap();
    assert_eq!(statuses, ["noshow", "booked"]);
    // The death of the other patient cancels their future booking in the same transaction.
    let r = c
        .app
        .post_form(
            &format!("/patients/{other}/death"),
            &[("death_date", &OffsetDateTime::now_utc().date().to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let (status, reason): (String, Option<String>) =
        sqlx::query_as("SELECT status, cancel_reason FROM appt_appointments WHERE patient_id = $1::uuid")
            .bind(&other)
            .fetch_one(&c.app.pool)
            .await
            .unwrap();
    assert_eq!((status.as_str(), reason.as_deref()), ("cancelled", Some("The patient died.")));
}

#[tokio::test]
async fn a_nine_oclock_session_stays_nine_local_across_the_dst_change() {
    let mut c = clinic().await;
    sqlx::query("UPDATE facilities SET timezone = 'America/New_York' WHERE id = $1")
        .bind(c.app.facility_id)
        .execute(&c.app.pool)
        .await
        .unwrap();
    // Mondays 09:00–10:00 New York time in March 2027 (clocks go forward on Sunday 14 March).
    let (doctor, dept) = (c.doctor_id.to_string(), c.department.to_string());
    let r = c
        .app
        .post_form(
            "/appointments/schedules",
            &[
                ("clinician_id", &doctor),
                ("department_id", &dept),
                ("weekday", "1"),
                ("start_time", "09:00"),
                ("end_time", "10:00"),
                ("slot_minutes", "30"),
                ("capacity", "1"),
                ("vt_new", "on"),
                ("effective_from", "2027-03-01"),
                ("effective_to", "2027-03-21"),
                ("active", "on"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(count(&c.app, "SELECT count(*) FROM appt_sessions").await, 0, "beyond the eight-week horizon yet");
    // The daily job, run for a horizon that reaches March.
    let mut conn = c.app.pool.acquire().await.unwrap();
    jobs::enqueue(&mut conn, "appointments.materialise", json!({"from": "2027-03-01", "weeks": 3}), Opts::default())
        .await
        .unwrap();
    drop(conn);
    Worker::new(c.app.state.clone()).poll(Duration::from_millis(20)).run_once().await.unwrap();
    let token = c.admin_token.clone();
    let r = c
        .app
        .api(Method::GET, "/api/v1/appointments/slots?from=2027-03-01&days=21&include_full=true", Some(&token), None)
        .await;
    let starts: Vec<String> =
        r.json().as_array().unwrap().iter().map(|s| s["starts_at"].as_str().unwrap().to_string()).collect();
    assert_eq!(
        starts,
        [
            "2027-03-01T14:00:00Z",
            "2027-03-01T14:30:00Z",
            "2027-03-08T14:00:00Z",
            "2027-03-08T14:30:00Z",
            "2027-03-15T13:00:00Z",
            "2027-03-15T13:30:00Z",
        ],
        "09:00 EST is 14:00 UTC, 09:00 EDT 13:00 UTC"
    );
    // Run again: nothing is doubled.
    let mut conn = c.app.pool.acquire().await.unwrap();
    jobs::enqueue(&mut conn, "appointments.materialise", json!({"from": "2027-03-01", "weeks": 3}), Opts::key("again"))
        .await
        .unwrap();
    drop(conn);
    Worker::new(c.app.state.clone()).poll(Duration::from_millis(20)).run_once().await.unwrap();
    assert_eq!(count(&c.app, "SELECT count(*) FROM appt_sessions").await, 3);
}

#[tokio::test]
async fn roles_without_the_permissions_get_403() {
    let mut c = clinic().await;
    template(&mut c, weekday_of(tomorrow()), "09:00", "09:30", "15", "1").await;
    let pid = patient(&mut c, "Jo").await;
    for role in ["pharmacist", "lab_technician", "radiologist", "billing_clerk"] {
        let email = c.app.user(role).await;
        let mut u = c.app.another_client();
        u.login(&email, PASSWORD).await;
        for path in ["/appointments", "/appointments/queue", "/appointments/slots", "/appointments/schedules"] {
            assert_eq!(u.get(path).await.status, StatusCode::FORBIDDEN, "{role} {path}");
        }
        assert_eq!(u.get(&format!("/patients/{pid}/appointments")).await.status, StatusCode::FORBIDDEN, "{role} tab");
        let token = u.api_token(&email).await;
        let r = u.api(Method::GET, "/api/v1/appointments/slots", Some(&token), None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role} API");
        let r = u
            .api(
                Method::POST,
                &format!("/api/v1/patients/{pid}/appointments"),
                Some(&token),
                Some(json!({"slot_id": Uuid::new_v4(), "visit_type": "new"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role} book");
    }
    // The front desk books but does not edit schedules; a nurse calls patients but schedules nothing.
    for role in ["receptionist", "nurse", "doctor"] {
        let email = c.app.user(role).await;
        let mut u = c.app.another_client();
        u.login(&email, PASSWORD).await;
        assert_eq!(u.get("/appointments/schedules").await.status, StatusCode::FORBIDDEN, "{role}");
        assert_eq!(u.get("/appointments").await.status, StatusCode::OK, "{role}");
    }
    assert_eq!(count(&c.app, "SELECT count(*) FROM appt_appointments").await, 0);
}

#[tokio::test]
async fn the_demo_has_clinics_a_week_of_appointments_and_todays_queue() {
    let mut app = TestApp::new().await;
    hearth::demo::seed(&app.pool, &app.state.keys).await.unwrap();
    for (sql, at_least) in [
        ("SELECT count(*) FROM appt_templates", 10),
        ("SELECT count(DISTINCT facility_id) FROM appt_sessions", 2),
        ("SELECT count(*) FROM appt_appointments WHERE starts_at < now() - interval '1 day'", 20),
        ("SELECT count(*) FROM appt_appointments WHERE starts_at > now() AND status = 'booked'", 20),
        ("SELECT count(*) FROM appt_appointments WHERE status = 'noshow'", 1),
        ("SELECT count(*) FROM appt_queue WHERE status = 'waiting'", 1),
    ] {
        let n = count(&app, sql).await;
        assert!(n >= at_least, "{sql}: {n}");
    }
    // No slot holds more seats than it has.
    let over = count(
        &app,
        "SELECT count(*) FROM (SELECT sl.id FROM appt_slots sl JOIN appt_appointments a ON a.slot_id = sl.id
           AND a.seat IS NOT NULL AND a.status <> 'cancelled' GROUP BY sl.id, sl.capacity HAVING count(*) > sl.capacity) x",
    )
    .await;
    assert_eq!(over, 0);
    app.login("reception@demo.hearth", "Demo!Hearth2026").await;
    for path in ["/appointments", "/appointments/queue", "/appointments/slots"] {
        let r = app.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    }
    assert!(app.get("/appointments/queue").await.body.contains("A-0"));
}

#[tokio::test]
async fn the_pages_of_the_schedule_the_mrn_step_reschedule_and_the_queue_work_in_a_browser() {
    let mut c = clinic().await;
    // A template form with mistakes is shown again with its messages and what was typed.
    let r = c
        .app
        .post_form(
            "/appointments/schedules",
            &[
                ("clinician_id", ""),
                ("weekday", "1"),
                ("start_time", "10:00"),
                ("end_time", "09:00"),
                ("slot_minutes", "15"),
                ("capacity", "1"),
                ("effective_from", "2027-01-04"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("Choose the clinician")
            && r.body.contains("end after it starts")
            && r.body.contains("2027-01-04")
    );
    template(&mut c, weekday_of(tomorrow()), "09:00", "09:30", "15", "1").await;
    let tid: Uuid = sqlx::query_scalar("SELECT id FROM appt_templates").fetch_one(&c.app.pool).await.unwrap();
    let edit = c.app.get(&format!("/appointments/schedules/{tid}")).await;
    assert_eq!(edit.status, StatusCode::OK);
    assert!(edit.body.contains("Change the template") && edit.body.contains("value=\"09:30\""));

    // From the slot finder: the MRN step leads to the patient's booking page with the slot chosen.
    let pid = patient(&mut c, "Kit").await;
    let mrn: String = sqlx::query_scalar("SELECT mrn FROM patients WHERE id = $1::uuid")
        .bind(&pid)
        .fetch_one(&c.app.pool)
        .await
        .unwrap();
    let free = slots(&mut c, false).await;
    let slot = free[0]["id"].as_str().unwrap().to_string();
    let finder = c.app.get(&format!("/appointments/slots?from={}&days=2", tomorrow())).await;
    assert!(finder.body.contains(&format!("/appointments/book?slot={slot}")), "{}", finder.body);
    assert_eq!(c.app.get(&format!("/appointments/book?slot={slot}")).await.status, StatusCode::OK);
    let r = c.app.post_form("/appointments/book", &[("slot", &slot), ("mrn", "NOPE-1")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("No patient has this MRN"));
    let r = c.app.post_form("/appointments/book", &[("slot", &slot), ("mrn", &mrn)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), format!("/patients/{pid}/appointments/new?slot={slot}"));
    let page = c.app.get(r.location()).await;
    assert!(page.body.contains("Chosen slot"), "{}", page.body);
    let r =
        c.app.post_form(&format!("/patients/{pid}/appointments"), &[("slot_id", &slot), ("visit_type", "new")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id: Uuid = sqlx::query_scalar("SELECT id FROM appt_appointments").fetch_one(&c.app.pool).await.unwrap();

    // Reschedule through the page; cancel without a reason is refused with a message.
    let page = c.app.get(&format!("/appointments/{id}/reschedule")).await;
    assert_eq!(page.status, StatusCode::OK);
    let other = free[1]["id"].as_str().unwrap();
    assert!(page.body.contains(other) && page.body.contains("Move here"));
    let r = c.app.post_form(&format!("/appointments/{id}/reschedule"), &[("slot_id", other)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // The front desk's row acts on the appointment (its id, not the patient's: both are `id`
    // columns of the row) and links the patient's page.
    let desk = c.app.get(&format!("/appointments?date={}", tomorrow())).await;
    assert!(desk.body.contains(&format!("/appointments/{id}/check-in")), "{}", desk.body);
    assert!(desk.body.contains(&format!("/patients/{pid}/appointments")));
    let r = c.app.post_form(&format!("/appointments/{id}/cancel"), &[("reason", ""), ("back", "/appointments")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        count(&c.app, "SELECT count(*) FROM appt_appointments WHERE status = 'booked'").await,
        1,
        "not cancelled"
    );
    let r = c
        .app
        .post_form(
            &format!("/appointments/{id}/cancel"),
            &[("reason", "Clinic closed"), ("back", "https://evil.example")],
        )
        .await;
    assert_eq!(r.location(), "/appointments", "no open redirect");

    // The queue through the pages: a walk-in, call next, start and finish the consultation.
    let dept = c.department.to_string();
    let r = c
        .app
        .post_form(
            &format!("/patients/{pid}/appointments/walk-in"),
            &[("department_id", &dept), ("visit_type", "follow_up")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = c.app.post_form("/appointments/queue/call-next", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let qid: Uuid = sqlx::query_scalar("SELECT id FROM appt_queue").fetch_one(&c.app.pool).await.unwrap();
    let r = c.app.post_form(&format!("/appointments/queue/{qid}/status"), &[("to", "in_consultation")]).await;
    assert_eq!(r.location(), format!("/patients/{pid}/chart"), "into the chart");
    let rows = c.app.get("/appointments/queue/rows").await;
    assert!(rows.body.contains("In consultation") && rows.body.contains("A-001"), "{}", rows.body);
    assert!(rows.body.contains(&format!("/appointments/queue/{qid}/status")), "the row acts on the entry");
    let r = c.app.post_form(&format!("/appointments/queue/{qid}/status"), &[("to", "done")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = c.app.post_form(&format!("/appointments/queue/{qid}/status"), &[("to", "left")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}
