//! Notifications end to end: the break-glass alert (in-app, email, webhook), SMTP and SMS
//! gateway delivery with retries, circuit breakers, dead letters, idempotency, webhook
//! signatures and URL checks, quiet hours, consent, and live updates across two replicas.

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, StatusCode};
use hearth::platform::jobs::Worker;
use hearth::platform::notify::{self, Notice};
use hearth::AppState;
use hmac::{Hmac, Mac};
use http_body_util::BodyExt;
use sha2::Sha256;
use tower::ServiceExt;
use uuid::Uuid;

use crate::fakes::{eventually, HttpServer, SmtpServer};
use crate::helpers::{server_url, test_config, TestApp, PASSWORD};

const ANN: &[(&str, &str)] =
    &[("given_name", "Ann"), ("family_name", "Lee"), ("sex", "female"), ("birth_date", "1970-05-01")];

fn worker(app: &TestApp) -> Worker {
    Worker::new(app.state.clone()).poll(Duration::from_millis(20)).backoff_base(Duration::from_millis(5))
}

async fn user_id(app: &TestApp, email: &str) -> Uuid {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(email).fetch_one(&app.pool).await.unwrap()
}

async fn message_status(app: &TestApp, channel: &str) -> Vec<(String, i32)> {
    sqlx::query_as("SELECT status, attempts FROM messages WHERE channel = $1 ORDER BY created_at")
        .bind(channel)
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

async fn notice(app: &TestApp, user: Uuid, title: &str, urgent: bool) {
    let mut tx = app.pool.begin().await.unwrap();
    let n = Notice {
        kind: &hearth::platform::notify::SYSTEM_MESSAGE,
        title,
        body: "Body text",
        link: Some("/patients".into()),
        urgent,
    };
    notify::notify_user(&mut tx, user, &n).await.unwrap();
    tx.commit().await.unwrap();
}

async fn enable(app: &mut TestApp, prefs: &[&str], extra: &[(&str, &str)]) {
    let mut f: Vec<(&str, &str)> = prefs.iter().map(|p| ("pref", *p)).collect();
    f.extend_from_slice(extra);
    let r = app.post_form("/notifications/settings", &f).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

/// A restricted patient registered by a doctor, and a nurse (signed in) who is not entitled.
async fn restricted_patient(app: &TestApp) -> (TestApp, String) {
    let mut doc = app.another_client();
    let email = app.user("doctor").await;
    doc.login(&email, PASSWORD).await;
    let id = doc.register_patient(ANN).await;
    // Restricting needs patients.restricted (super admins by default).
    sqlx::query("UPDATE patients SET restricted = true WHERE id = $1::uuid")
        .bind(&id)
        .execute(&app.pool)
        .await
        .unwrap();
    let mut nurse = app.another_client();
    let email = app.user("nurse").await;
    nurse.login(&email, PASSWORD).await;
    (nurse, id)
}

fn verify(secret: &str, ts: &str, body: &str, sig: &str) -> bool {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{ts}.{body}").as_bytes());
    let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    expected == sig
}

#[tokio::test]
async fn break_glass_alerts_privacy_officers_in_app_by_email_and_signed_webhook() {
    let smtp = SmtpServer::start().await;
    let hook = HttpServer::start().await;
    hook.answer(204, "");
    let mut admin =
        TestApp::with_config(&[("HEARTH_SMTP_URL", &smtp.url()), ("HEARTH_HOSPITAL_NAME", "St Example")]).await;
    let admin_email = admin.user("super_admin").await;
    admin.login(&admin_email, PASSWORD).await;
    // A webhook subscriber for the event; the secret is shown once.
    let r = admin
        .post_form(
            "/admin/webhooks",
            &[("name", "SIEM"), ("url", &hook.url("/hook")), ("event_types", "patient.break_glass")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let secret = r.body.split("whsec_").nth(1).map(|s| format!("whsec_{}", &s[..s.find('<').unwrap()])).unwrap();
    assert_eq!(admin.audit_count("webhook.create").await, 1);

    let (mut nurse, pid) = restricted_patient(&admin).await;
    // A refused break-glass (no reason) notifies nobody.
    nurse.post_form(&format!("/patients/{pid}/break-glass"), &[("reason", "x")]).await;
    assert_eq!(notify::unread_count(&admin.pool, user_id(&admin, &admin_email).await).await.unwrap(), 0);
    let r = nurse
        .post_form(
            &format!("/patients/{pid}/break-glass"),
            &[("reason_code", "emergency_treatment"), ("reason", "Emergency: collapsed in ED")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    // In-app at once (same transaction), in the list with a link to the subject.
    let admin_id = user_id(&admin, &admin_email).await;
    assert_eq!(notify::unread_count(&admin.pool, admin_id).await.unwrap(), 1);
    let list = admin.get("/notifications").await;
    assert!(list.body.contains("Break-glass access to TST-"), "{}", list.body);
    // Email and webhook go through the worker.
    let w = worker(&admin);
    eventually(10, "email and webhook", || async {
        w.run_once().await.unwrap();
        (smtp.count() == 1 && hook.count() == 1).then_some(())
    })
    .await;
    let mail = smtp.messages.lock().unwrap()[0].clone();
    assert!(mail.contains("Subject: St Example: Break-glass access to TST-"), "{mail}");
    assert!(mail.contains("text/plain") && mail.contains("text/html"), "{mail}");
    assert!(mail.contains("St Example") && mail.contains("notification settings"), "footer: {mail}");
    let req = hook.last();
    let h = |k: &str| req.headers.get(k).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    assert_eq!(h("x-hearth-event"), "patient.break_glass");
    assert!(verify(&secret, &h("x-hearth-timestamp"), &req.body, &h("x-hearth-signature")), "signature verifies");
    assert!(!verify("whsec_wrong", &h("x-hearth-timestamp"), &req.body, &h("x-hearth-signature")));
    let body: serde_json::Value = serde_json::from_str(&req.body).unwrap();
    assert_eq!(body["data"]["patient_id"], pid.as_str());
    assert_eq!(body["id"].as_str().unwrap(), h("x-hearth-delivery"));
    assert_eq!(message_status(&admin, "email").await, vec![("sent".to_string(), 1)]);
    let page = admin.get("/admin/webhooks").await;
    assert!(page.body.contains("204"), "delivery history shows the answer");

    // Opening the notification marks it read and goes to its subject.
    let nid: Uuid = sqlx::query_scalar("SELECT id FROM notifications WHERE user_id = $1")
        .bind(admin_id)
        .fetch_one(&admin.pool)
        .await
        .unwrap();
    let r = admin.get(&format!("/notifications/{nid}/open")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), format!("/audit?patient={pid}"));
    assert_eq!(notify::unread_count(&admin.pool, admin_id).await.unwrap(), 0);
    // Someone else's notification is not found.
    assert_eq!(nurse.post_form(&format!("/notifications/{nid}/read"), &[]).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn email_is_retried_after_smtp_failures_and_recorded_as_not_sent_without_smtp() {
    let smtp = SmtpServer::start().await;
    *smtp.fail_next.lock().unwrap() = 2;
    let (mut app, email) = TestApp::signed_in("nurse").await;
    let app2 = TestApp::with_config(&[("HEARTH_SMTP_URL", &smtp.url())]).await;
    let uid = user_id(&app, &email).await;
    // No SMTP configured: recorded, not sent.
    enable(&mut app, &["system.message:in_app", "system.message:email"], &[]).await;
    notice(&app, uid, "Hello", false).await;
    worker(&app).run_once().await.unwrap();
    assert_eq!(message_status(&app, "email").await, vec![("not_sent".to_string(), 0)]);

    // With SMTP: two transient refusals, then delivered once.
    let email2 = app2.user("nurse").await;
    let uid2 = user_id(&app2, &email2).await;
    sqlx::query("INSERT INTO notification_prefs VALUES ($1, 'system.message', 'email', true)")
        .bind(uid2)
        .execute(&app2.pool)
        .await
        .unwrap();
    notice(&app2, uid2, "Hello again", false).await;
    let w = worker(&app2);
    eventually(10, "the email", || async {
        w.run_once().await.unwrap();
        (smtp.count() == 1).then_some(())
    })
    .await;
    assert_eq!(message_status(&app2, "email").await, vec![("sent".to_string(), 3)]);
}

#[tokio::test]
async fn sms_gateway_retries_garbage_and_the_circuit_breaker_opens_and_closes() {
    let gw = HttpServer::start().await;
    let url = gw.url("");
    let mut app = TestApp::with_config(&[
        ("HEARTH_SMS_URL", &url),
        ("HEARTH_SMS_ACCOUNT", "AC123"),
        ("HEARTH_SMS_TOKEN", "tok"),
        ("HEARTH_SMS_FROM", "+15550001111"),
        ("HEARTH_BREAKER_THRESHOLD", "3"),
        ("HEARTH_BREAKER_COOLDOWN_SECONDS", "1"),
    ])
    .await;
    let email = app.user("doctor").await;
    app.login(&email, PASSWORD).await;
    let uid = user_id(&app, &email).await;
    // Bad input on the settings form changes nothing.
    let r = app.post_form("/notifications/settings", &[("sms_number", "12345"), ("pref", "system.message:sms")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app.post_form("/notifications/settings", &[("pref", "nope:sms")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let saved: i64 = sqlx::query_scalar("SELECT count(*) FROM notification_prefs").fetch_one(&app.pool).await.unwrap();
    assert_eq!(saved, 0);
    enable(&mut app, &["system.message:sms"], &[("sms_number", "+15557654321")]).await;

    // Garbage (200 with no JSON) and a 503 are retried; then the gateway takes it.
    gw.then(200, "<html>oops</html>");
    gw.then(503, "busy");
    notice(&app, uid, "Ward round moved", false).await;
    let w = worker(&app);
    eventually(10, "the SMS", || async {
        w.run_once().await.unwrap();
        (message_status(&app, "sms").await[0].0 == "sent").then_some(())
    })
    .await;
    assert_eq!(gw.count(), 3);
    let req = gw.last();
    assert_eq!(req.path, "/2010-04-01/Accounts/AC123/Messages.json");
    assert!(req.body.contains("To=%2B15557654321") && req.body.contains("Ward+round+moved"), "{}", req.body);
    assert!(req.headers.get("authorization").unwrap().to_str().unwrap().starts_with("Basic "));
    let r: Option<String> = sqlx::query_scalar("SELECT provider_ref FROM messages WHERE channel = 'sms'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(r.as_deref(), Some("SM0001"));

    // The gateway goes down: after 3 failures in a row the breaker opens and deliveries wait.
    gw.answer(500, "down");
    notice(&app, uid, "Second", false).await;
    eventually(10, "the breaker to open", || async {
        w.run_once().await.unwrap();
        let s: Option<String> = sqlx::query_scalar("SELECT state FROM circuit_breakers WHERE provider = 'sms-http'")
            .fetch_optional(&app.pool)
            .await
            .unwrap();
        (s.as_deref() == Some("open")).then_some(())
    })
    .await;
    let calls = gw.count();
    assert_eq!(calls, 3 + 3);
    w.run_once().await.unwrap();
    assert_eq!(gw.count(), calls, "no call while open");
    // It recovers: after the cooldown one trial goes through and closes the breaker.
    gw.answer(201, r#"{"sid":"SM0002"}"#);
    sqlx::query("UPDATE jobs SET run_at = now() WHERE state IN ('queued', 'failed')").execute(&app.pool).await.unwrap();
    eventually(15, "the breaker to close", || async {
        w.run_once().await.unwrap();
        let s: String = sqlx::query_scalar("SELECT state FROM circuit_breakers WHERE provider = 'sms-http'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
        (s == "closed").then_some(())
    })
    .await;
    assert_eq!(message_status(&app, "sms").await[1].0, "sent");
    let mut admin = app.another_client();
    let ae = app.user("super_admin").await;
    admin.login(&ae, PASSWORD).await;
    let jobs_page = admin.get("/admin/jobs").await;
    assert!(jobs_page.body.contains("sms-http"), "breaker listed");
}

#[tokio::test]
async fn webhooks_dead_letter_never_send_twice_and_refuse_bad_urls() {
    let hook = HttpServer::start().await;
    hook.answer(500, "no");
    let (mut admin, _) = TestApp::signed_in("hospital_admin").await;
    for (url, why) in
        [("ftp://example.org/x", "scheme"), ("not a url", "garbage"), ("http://user:pw@example.org/", "credentials")]
    {
        let r =
            admin.post_form("/admin/webhooks", &[("name", "x"), ("url", url), ("event_types", "webhook.test")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{why}");
    }
    let r =
        admin.post_form("/admin/webhooks", &[("name", "x"), ("url", &hook.url("/h")), ("event_types", "nope")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM webhook_subscribers").fetch_one(&admin.pool).await.unwrap();
    assert_eq!(n, 0);

    let r = admin
        .post_form("/admin/webhooks", &[("name", "Sub"), ("url", &hook.url("/h")), ("event_types", "webhook.test")])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let sid: Uuid = sqlx::query_scalar("SELECT id FROM webhook_subscribers").fetch_one(&admin.pool).await.unwrap();
    assert_eq!(admin.post_form(&format!("/admin/webhooks/{sid}/test"), &[]).await.status, StatusCode::SEE_OTHER);
    sqlx::query("UPDATE jobs SET max_attempts = 3").execute(&admin.pool).await.unwrap();
    let w = worker(&admin);
    eventually(10, "dead letter", || async {
        w.run_once().await.unwrap();
        let s: String = sqlx::query_scalar("SELECT state FROM jobs").fetch_one(&admin.pool).await.unwrap();
        (s == "dead").then_some(())
    })
    .await;
    assert_eq!(hook.count(), 3);
    assert_eq!(message_status(&admin, "webhook").await, vec![("dead".to_string(), 3)]);
    let page = admin.get("/admin/jobs?state=dead").await;
    assert!(page.body.contains("notify.deliver") && page.body.contains("the subscriber answered 500"));

    // Retried from the admin page: delivered once; a second run of the same job sends nothing.
    hook.answer(200, "{}");
    let jid: i64 = sqlx::query_scalar("SELECT id FROM jobs").fetch_one(&admin.pool).await.unwrap();
    sqlx::query("UPDATE messages SET status = 'failed'").execute(&admin.pool).await.unwrap();
    assert_eq!(admin.post_form(&format!("/admin/jobs/{jid}/retry"), &[]).await.status, StatusCode::SEE_OTHER);
    eventually(10, "delivery", || async {
        w.run_once().await.unwrap();
        (hook.count() == 4).then_some(())
    })
    .await;
    sqlx::query("UPDATE jobs SET state = 'queued', run_at = now()").execute(&admin.pool).await.unwrap();
    w.run_once().await.unwrap();
    assert_eq!(hook.count(), 4, "an already-sent message is never sent again");
    assert_eq!(message_status(&admin, "webhook").await[0].0, "sent");
    // 4xx (other than 408/429) is final: dead at once.
    hook.answer(410, "gone");
    assert_eq!(admin.post_form(&format!("/admin/webhooks/{sid}/test"), &[]).await.status, StatusCode::SEE_OTHER);
    w.run_once().await.unwrap();
    assert_eq!(message_status(&admin, "webhook").await[1], ("dead".to_string(), 1));
}

#[tokio::test]
async fn production_refuses_webhooks_to_internal_addresses() {
    let mut app =
        TestApp::with_config(&[("HEARTH_ENV", "production"), ("HEARTH_BASE_URL", "https://hearth.example")]).await;
    let email = app.user("super_admin").await;
    app.login(&email, PASSWORD).await;
    for url in [
        "https://127.0.0.1/h",
        "https://10.0.0.8/h",
        "https://169.254.169.254/latest",
        "https://[::1]/h",
        "http://93.184.216.34/h",
    ] {
        let r = app.post_form("/admin/webhooks", &[("name", "x"), ("url", url), ("event_types", "webhook.test")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{url}");
    }
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM webhook_subscribers").fetch_one(&app.pool).await.unwrap();
    assert_eq!(n, 0);
}

#[tokio::test]
async fn quiet_hours_defer_non_urgent_mail_and_patient_consent_is_respected() {
    let smtp = SmtpServer::start().await;
    let mut app = TestApp::with_config(&[("HEARTH_SMTP_URL", &smtp.url())]).await;
    let email = app.user("doctor").await;
    app.login(&email, PASSWORD).await;
    let uid = user_id(&app, &email).await;
    // Quiet hours are read in the user's facility time zone (here UTC+05:30, no DST): a window
    // around the local time in Kolkata is not quiet at all if read as UTC.
    sqlx::query("UPDATE facilities SET timezone = 'Asia/Kolkata' WHERE id = $1")
        .bind(app.facility_id)
        .execute(&app.pool)
        .await
        .unwrap();
    let now = time::OffsetDateTime::now_utc();
    let m = now.hour() as i32 * 60 + now.minute() as i32 + 330;
    let hhmm = |x: i32| format!("{:02}:{:02}", x.rem_euclid(1440) / 60, x.rem_euclid(1440) % 60);
    enable(&mut app, &["system.message:email"], &[("quiet_start", &hhmm(m - 5)), ("quiet_end", &hhmm(m + 120))]).await;
    notice(&app, uid, "Routine", false).await;
    notice(&app, uid, "Urgent", true).await;
    let w = worker(&app);
    eventually(10, "the urgent mail", || async {
        w.run_once().await.unwrap();
        (smtp.count() == 1).then_some(())
    })
    .await;
    assert!(smtp.messages.lock().unwrap()[0].contains("Urgent"));
    let (state, run_at): (String, time::OffsetDateTime) = sqlx::query_as(
        "SELECT j.state, j.run_at FROM jobs j JOIN messages m ON j.payload->>'message_id' = m.id::text WHERE m.subject = 'Routine'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(state, "queued");
    assert!(run_at > now + time::Duration::minutes(100), "deferred to the end of quiet hours: {run_at}");

    // Patient messages need communications consent for the channel.
    let pid: Uuid = app.register_patient(ANN).await.parse().unwrap();
    let patient_pool = app.pool.clone();
    let send = move |subject: &'static str| {
        let pool = patient_pool.clone();
        async move {
            let mut tx = pool.begin().await.unwrap();
            let n = Notice {
                kind: &hearth::platform::notify::SYSTEM_MESSAGE,
                title: subject,
                body: "",
                link: None,
                urgent: true,
            };
            notify::message_patient(&mut tx, pid, "email", "ann@example.org", &n).await.unwrap();
            tx.commit().await.unwrap();
        }
    };
    send("No consent").await;
    w.run_once().await.unwrap();
    let s: String = sqlx::query_scalar("SELECT status FROM messages WHERE subject = 'No consent'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(s, "suppressed");
    let r = app
        .post_form(
            &format!("/patients/{pid}/consents"),
            &[("kind", "communications"), ("channel", "email"), ("decision", "granted")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    send("With consent").await;
    eventually(10, "the consented mail", || async {
        w.run_once().await.unwrap();
        (smtp.count() == 2).then_some(())
    })
    .await;
    assert!(smtp.messages.lock().unwrap()[1].contains("With consent"));
}

async fn read_until(body: &mut Body, buf: &mut String, needle: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !buf.contains(needle) {
        let frame = tokio::time::timeout_at(deadline, body.frame())
            .await
            .unwrap_or_else(|_| panic!("timed out waiting for {needle:?}; got {buf:?}"))
            .expect("the stream ended")
            .unwrap();
        if let Ok(d) = frame.into_data() {
            buf.push_str(&String::from_utf8_lossy(&d));
        }
    }
}

#[tokio::test]
async fn an_event_raised_on_one_replica_reaches_a_page_served_by_another() {
    let mut a = TestApp::new().await;
    let email = a.user("super_admin").await;
    a.login(&email, PASSWORD).await;
    let uid = user_id(&a, &email).await;
    // The bell is on every page.
    assert!(a.get("/").await.body.contains(r#"sse-connect="/events""#));
    let mut anon = a.another_client();
    assert_eq!(anon.get("/events").await.status, StatusCode::SEE_OTHER, "sign-in required");

    // Replica B: its own state, pool and router on the same database.
    let pool_b = hearth::db::pool_options(4).connect(&server_url(&a.db_name)).await.unwrap();
    let state_b = AppState::new(pool_b, test_config(&[]), &hearth::REGISTRY).await.unwrap();
    let router_b = hearth::build_app(state_b.clone())
        .layer(axum::Extension(ConnectInfo(SocketAddr::from(([10, 1, 2, 4], 40001)))));
    let req = a.builder(Method::GET, "/events").body(Body::empty()).unwrap();
    let res = router_b.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    let mut body = res.into_body();
    let mut buf = String::new();
    read_until(&mut body, &mut buf, "event: unread\ndata: <span class=\"bell-count bell-zero\">0</span>\n").await;

    // Through replica A: a break-glass alert for this privacy officer.
    let (mut nurse, pid) = restricted_patient(&a).await;
    let r = nurse
        .post_form(
            &format!("/patients/{pid}/break-glass"),
            &[("reason_code", "emergency_treatment"), ("reason", "Emergency: collapsed in ED")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    read_until(&mut body, &mut buf, "event: unread\ndata: <span class=\"bell-count\">1</span>\n").await;
    let id_line = buf.lines().rfind(|l| l.starts_with("id: ")).expect("events carry ids").to_string();
    let last_id: i64 = id_line.trim_start_matches("id: ").parse().unwrap();
    drop(body);

    // A second alert while disconnected; reconnecting with Last-Event-ID replays it.
    let mut tx = a.pool.begin().await.unwrap();
    notify::notify_user(
        &mut tx,
        uid,
        &Notice {
            kind: &hearth::platform::notify::SYSTEM_MESSAGE,
            title: "Missed",
            body: "",
            link: None,
            urgent: false,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let req =
        a.builder(Method::GET, "/events").header("last-event-id", last_id.to_string()).body(Body::empty()).unwrap();
    let mut body = router_b.clone().oneshot(req).await.unwrap().into_body();
    let mut buf = String::new();
    read_until(&mut body, &mut buf, &format!("id: {}\n", last_id + 1)).await;
    assert!(buf.contains(r#"data: <span class="bell-count">2</span>"#), "{buf}");
    let bad = a.builder(Method::GET, "/events").header("last-event-id", "x").body(Body::empty()).unwrap();
    assert_eq!(router_b.clone().oneshot(bad).await.unwrap().status(), StatusCode::BAD_REQUEST);

    // Mark all read: the count drops to nothing on the open stream.
    assert_eq!(a.post_form("/notifications/read-all", &[]).await.status, StatusCode::SEE_OTHER);
    read_until(&mut body, &mut buf, "bell-zero").await;
    // Shutting replica B down ends its streams.
    state_b.begin_shutdown();
    let end = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(f) = body.frame().await {
            if f.is_err() {
                break;
            }
        }
    })
    .await;
    assert!(end.is_ok(), "the stream ends on shutdown");
}

fn twilio_signature(token: &str, url: &str, params: &[(&str, &str)]) -> String {
    use base64::Engine;
    let mut sorted = params.to_vec();
    sorted.sort();
    let data: String = std::iter::once(url.to_string()).chain(sorted.iter().map(|(k, v)| format!("{k}{v}"))).collect();
    let mut mac = <Hmac<sha1::Sha1> as Mac>::new_from_slice(token.as_bytes()).unwrap();
    mac.update(data.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

async fn sms_callback(app: &mut TestApp, params: &[(&str, &str)], signature: Option<String>) -> StatusCode {
    let body = serde_urlencoded::to_string(params).unwrap();
    let mut b = axum::http::Request::builder()
        .method(Method::POST)
        .uri("/hooks/sms/status")
        .header("content-type", "application/x-www-form-urlencoded");
    if let Some(s) = signature {
        b = b.header("x-twilio-signature", s);
    }
    app.request(b.body(Body::from(body)).unwrap()).await.status
}

#[tokio::test]
async fn patient_messages_are_listed_on_the_chart_and_settled_by_signed_delivery_receipts() {
    let gw = HttpServer::start().await;
    gw.answer(201, r#"{"sid":"SM0001"}"#);
    let mut app = TestApp::with_config(&[
        ("HEARTH_SMS_URL", &gw.url("")),
        ("HEARTH_SMS_ACCOUNT", "AC123"),
        ("HEARTH_SMS_TOKEN", "tok"),
        ("HEARTH_SMS_FROM", "+15550001111"),
        ("HEARTH_WHATSAPP_FROM", "+15550002222"),
        ("HEARTH_BASE_URL", "https://hearth.example.org"),
    ])
    .await;
    let email = app.user("nurse").await;
    app.login(&email, PASSWORD).await;
    let pid = app.register_patient(&[ANN, &[("phone", "+1 555 222 3333")]].concat()).await;
    let tab = format!("/patients/{pid}/messages");

    // Empty state, the tab in the chart, and a read that is audited.
    let page = app.get(&tab).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("No messages have been sent to this patient."), "{}", page.body);
    assert!(page.body.contains(">Messages</a>"), "the chart tab");
    assert!(page.body.contains("no SMS consent"));
    let views: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE action = 'chart.view' AND changes->>'section' = 'messages'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(views, 1);

    // Bad input is refused and queues nothing.
    let r = app.post_form(&tab, &[("channel", "sms"), ("subject", "  ")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Enter a subject"));
    let r = app.post_form(&tab, &[("channel", "email"), ("subject", "Hello")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("no email address"));
    let r = app.post_form(&tab, &[("channel", "pigeon"), ("subject", "Hello")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app.post_form(&tab, &[("channel", "sms"), ("subject", "Hello"), ("body", &"x".repeat(601))]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.get(&format!("{tab}?after=garbage")).await.status, StatusCode::BAD_REQUEST);
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM messages").fetch_one(&app.pool).await.unwrap();
    assert_eq!(n, 0);

    // With consent, a message is queued, sent through the gateway with a status callback URL ...
    let r = app
        .post_form(
            &format!("/patients/{pid}/consents"),
            &[("kind", "communications"), ("channel", "sms"), ("decision", "granted")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r =
        app.post_form(&tab, &[("channel", "sms"), ("subject", "Your results are ready"), ("body", "Call us.")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(app.audit_count("message.send").await, 1);
    assert!(app.get(&tab).await.body.contains("Queued"));
    let w = worker(&app);
    eventually(10, "the SMS", || async {
        w.run_once().await.unwrap();
        (gw.count() == 1).then_some(())
    })
    .await;
    let sent = gw.last();
    assert!(sent.body.contains("To=%2B15552223333"), "{}", sent.body);
    assert!(
        sent.body.contains("StatusCallback=https%3A%2F%2Fhearth.example.org%2Fhooks%2Fsms%2Fstatus"),
        "{}",
        sent.body
    );
    let page = app.get(&tab).await;
    assert!(page.body.contains(">Sent</span>"), "{}", page.body);

    // ... and the gateway's receipt settles it. Unsigned or wrongly signed receipts change nothing.
    let url = "https://hearth.example.org/hooks/sms/status";
    let delivered = [("MessageSid", "SM0001"), ("MessageStatus", "delivered"), ("AccountSid", "AC123")];
    let mut gateway = app.another_client();
    assert_eq!(sms_callback(&mut gateway, &delivered, None).await, StatusCode::FORBIDDEN);
    let forged = twilio_signature("not-the-token", url, &delivered);
    assert_eq!(sms_callback(&mut gateway, &delivered, Some(forged)).await, StatusCode::FORBIDDEN);
    let wrong_url = twilio_signature("tok", "https://elsewhere.example/hooks/sms/status", &delivered);
    assert_eq!(sms_callback(&mut gateway, &delivered, Some(wrong_url)).await, StatusCode::FORBIDDEN);
    let status: String = sqlx::query_scalar("SELECT status FROM messages").fetch_one(&app.pool).await.unwrap();
    assert_eq!(status, "sent");
    let missing = [("MessageSid", "SM0001")];
    let sig = twilio_signature("tok", url, &missing);
    assert_eq!(sms_callback(&mut gateway, &missing, Some(sig)).await, StatusCode::BAD_REQUEST);
    // "sent" after the fact is only recorded; "delivered" settles; a late "failed" does not undo it.
    let sig = twilio_signature("tok", url, &[("MessageSid", "SM0001"), ("MessageStatus", "sent")]);
    let r = sms_callback(&mut gateway, &[("MessageSid", "SM0001"), ("MessageStatus", "sent")], Some(sig)).await;
    assert_eq!(r, StatusCode::NO_CONTENT);
    let sig = twilio_signature("tok", url, &delivered);
    assert_eq!(sms_callback(&mut gateway, &delivered, Some(sig)).await, StatusCode::NO_CONTENT);
    let late = [("MessageSid", "SM0001"), ("MessageStatus", "undelivered"), ("ErrorCode", "30003")];
    let sig = twilio_signature("tok", url, &late);
    assert_eq!(sms_callback(&mut gateway, &late, Some(sig)).await, StatusCode::NO_CONTENT);
    let (status, delivered_at): (String, Option<time::OffsetDateTime>) =
        sqlx::query_as("SELECT status, delivered_at FROM messages").fetch_one(&app.pool).await.unwrap();
    assert_eq!(status, "delivered");
    assert!(delivered_at.is_some());
    let page = app.get(&tab).await;
    assert!(page.body.contains(">Delivered</span>"), "{}", page.body);
    assert!(page.body.contains("Your results are ready"));

    // A carrier failure on another message is shown with its error code.
    gw.answer(201, r#"{"sid":"SM0002"}"#);
    let r = app.post_form(&tab, &[("channel", "sms"), ("subject", "Second")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    eventually(10, "the second SMS", || async {
        w.run_once().await.unwrap();
        (gw.count() == 2).then_some(())
    })
    .await;
    let failed = [("MessageSid", "SM0002"), ("MessageStatus", "undelivered"), ("ErrorCode", "30003")];
    let sig = twilio_signature("tok", url, &failed);
    assert_eq!(sms_callback(&mut gateway, &failed, Some(sig)).await, StatusCode::NO_CONTENT);
    let page = app.get(&tab).await;
    assert!(page.body.contains("the carrier reported the message undelivered (error 30003)"), "{}", page.body);

    // WhatsApp goes through the same gateway with whatsapp: addresses, after its own consent.
    let r = app
        .post_form(
            &format!("/patients/{pid}/consents"),
            &[("kind", "communications"), ("channel", "whatsapp"), ("decision", "granted")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    gw.answer(201, r#"{"sid":"SM0003"}"#);
    let r = app.post_form(&tab, &[("channel", "whatsapp"), ("subject", "Clinic tomorrow")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    eventually(10, "the WhatsApp message", || async {
        w.run_once().await.unwrap();
        (gw.count() == 3).then_some(())
    })
    .await;
    let sent = gw.last();
    assert!(sent.body.contains("To=whatsapp%3A%2B15552223333"), "{}", sent.body);
    assert!(sent.body.contains("From=whatsapp%3A%2B15550002222"), "{}", sent.body);
    let read = [("MessageSid", "SM0003"), ("MessageStatus", "read")];
    let sig = twilio_signature("tok", url, &read);
    assert_eq!(sms_callback(&mut gateway, &read, Some(sig)).await, StatusCode::NO_CONTENT);
    let s: String = sqlx::query_scalar("SELECT status FROM messages WHERE channel = 'whatsapp'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(s, "delivered");
    assert!(app.get(&tab).await.body.contains("WhatsApp"));

    // Without chart access there is no tab; without a gateway there is no callback.
    let mut clerk = app.another_client();
    let ce = app.user("receptionist").await;
    clerk.login(&ce, PASSWORD).await;
    assert_eq!(clerk.get(&tab).await.status, StatusCode::FORBIDDEN);
    let mut plain = TestApp::new().await;
    assert_eq!(sms_callback(&mut plain, &delivered, None).await, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_patients_of_the_day_list_updates_live_across_replicas() {
    let mut a = TestApp::new().await;
    let email = a.user("receptionist").await;
    a.login(&email, PASSWORD).await;
    let page = a.get("/patients/today").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("No patients registered or seen yet today."), "{}", page.body);
    assert!(page.body.contains(r#"hx-trigger="sse:patients.today""#));
    assert_eq!(a.get("/patients/today?date=someday").await.status, StatusCode::BAD_REQUEST);
    assert_eq!(a.get("/patients/today?date=2999-01-01").await.status, StatusCode::BAD_REQUEST);

    // A page served by replica B listens ...
    let pool_b = hearth::db::pool_options(4).connect(&server_url(&a.db_name)).await.unwrap();
    let state_b = AppState::new(pool_b, test_config(&[]), &hearth::REGISTRY).await.unwrap();
    let router_b = hearth::build_app(state_b.clone())
        .layer(axum::Extension(ConnectInfo(SocketAddr::from(([10, 1, 2, 4], 40001)))));
    let req = a.builder(Method::GET, "/events").body(Body::empty()).unwrap();
    let mut body = router_b.clone().oneshot(req).await.unwrap().into_body();
    let mut buf = String::new();
    read_until(&mut body, &mut buf, "event: unread\n").await;

    // ... while a patient is registered through replica A.
    let pid = a.register_patient(ANN).await;
    read_until(&mut body, &mut buf, "event: patients.today\ndata: changed\n").await;
    assert!(!buf.contains("Lee"), "the event carries no PHI");
    // The page re-fetches its rows (as htmx does) from replica B.
    let req = a.builder(Method::GET, "/patients/today").header("hx-request", "true").body(Body::empty()).unwrap();
    let res = router_b.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let rows = String::from_utf8_lossy(&res.into_body().collect().await.unwrap().to_bytes()).into_owned();
    assert!(rows.contains("Lee, Ann") && rows.contains(&pid) && rows.contains("Registered"), "{rows}");
    assert!(!rows.contains("<html"), "only the rows");

    // An encounter starting today raises it too, and becomes the patient's latest activity.
    let mut doctor = a.another_client();
    let de = a.user("doctor").await;
    doctor.login(&de, PASSWORD).await;
    let now = time::OffsetDateTime::now_utc();
    let starts = format!("{}T{:02}:{:02}", now.date(), now.hour(), now.minute());
    let r = doctor
        .post_form(
            &format!("/patients/{pid}/encounters"),
            &[("kind", "outpatient"), ("status", "arrived"), ("starts_at", &starts), ("reason", "Review")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let before = buf.matches("event: patients.today").count();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while buf.matches("event: patients.today").count() == before {
        let frame = tokio::time::timeout_at(deadline, body.frame())
            .await
            .expect("timed out waiting for the encounter's event")
            .expect("the stream ended")
            .unwrap();
        if let Ok(d) = frame.into_data() {
            buf.push_str(&String::from_utf8_lossy(&d));
        }
    }
    let page = a.get("/patients/today").await;
    assert!(page.body.contains("Outpatient encounter · Arrived"), "{}", page.body);
    // Another day has its own (empty) list and is not live.
    let yesterday = (now.date() - time::Duration::days(1)).to_string();
    let page = a.get(&format!("/patients/today?date={yesterday}")).await;
    assert!(page.body.contains(&format!("No patients registered or seen on {yesterday}.")));
    assert!(!page.body.contains("sse:patients.today"));
    // Pages of 50 (keyset); a page past the end says so and links back; a bad cursor is refused.
    assert_eq!(a.get("/patients/today?after=garbage").await.status, StatusCode::BAD_REQUEST);
    let past_end =
        hearth::web::paging::encode(&hearth::web::paging::TimeId(time::OffsetDateTime::UNIX_EPOCH, uuid::Uuid::nil()));
    let p2 = a.get(&format!("/patients/today?after={past_end}")).await;
    assert!(p2.body.contains("No more patients on"), "{}", p2.body);
    assert!(p2.body.contains("← Latest"));
    // It is in the navigation for anyone who can read patients.
    assert!(page.body.contains(r#"href="/patients/today""#));
}
