//! Robustness findings of issue 10: time limits (14), pool exhaustion and readiness (15), the
//! OpenAPI document (17), SMS idempotency (18), API idempotency keys (19), and the listener's
//! header-read timeout and shutdown deadline (20).

use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use http_body_util::BodyExt;
use sqlx::{Connection, Executor, PgConnection};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::ServiceExt;

use crate::fakes::{eventually, HttpServer};
use crate::helpers::*;

/// A second session that holds `LOCK TABLE patients IN ACCESS EXCLUSIVE MODE` until dropped
/// (or `release`d).
struct TableLock(Option<PgConnection>);

impl TableLock {
    async fn patients(app: &TestApp) -> Self {
        let mut c = PgConnection::connect(&server_url(&app.db_name)).await.unwrap();
        c.execute("BEGIN").await.unwrap();
        c.execute("LOCK TABLE patients IN ACCESS EXCLUSIVE MODE").await.unwrap();
        TableLock(Some(c))
    }

    async fn release(mut self) {
        if let Some(mut c) = self.0.take() {
            c.execute("ROLLBACK").await.unwrap();
            c.close().await.unwrap();
        }
    }
}

async fn api_request(app: &TestApp, method: Method, path: &str, token: &str, body: Option<&str>) -> TestResponse {
    let mut b = Request::builder().method(method).uri(path).header(header::AUTHORIZATION, format!("Bearer {token}"));
    if body.is_some() {
        b = b.header(header::CONTENT_TYPE, "application/json");
    }
    let req = b.body(Body::from(body.unwrap_or("").to_string())).unwrap();
    let res = app.router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    TestResponse { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
}

// ------------------------------------------------------------------ 14: time limits

#[tokio::test]
async fn a_search_behind_a_table_lock_answers_503_within_the_lock_timeout() {
    let mut app = TestApp::with_config(&[("HEARTH_DB_LOCK_TIMEOUT_SECONDS", "1")]).await;
    let email = app.user("receptionist").await;
    app.login(&email, PASSWORD).await;
    let token = app.api_token(&email).await;
    app.register_patient(&[("given_name", "Ada"), ("family_name", "Lock"), ("sex", "female")]).await;

    let lock = TableLock::patients(&app).await;
    let start = Instant::now();
    let page = tokio::time::timeout(Duration::from_secs(10), app.get("/patients?q=lock")).await.expect("no answer");
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE, "{}", page.body);
    assert!(start.elapsed() < Duration::from_secs(4), "took {:?}", start.elapsed());
    assert!(page.body.contains("busy"), "{}", page.body);
    assert_eq!(page.headers.get(header::RETRY_AFTER).unwrap(), "5");
    let start = Instant::now();
    let api = tokio::time::timeout(
        Duration::from_secs(10),
        api_request(&app, Method::GET, "/api/v1/patients?q=lock", &token, None),
    )
    .await
    .expect("no answer");
    assert_eq!(api.status, StatusCode::SERVICE_UNAVAILABLE, "{}", api.body);
    assert_eq!(api.content_type(), "application/problem+json");
    assert!(start.elapsed() < Duration::from_secs(4));
    lock.release().await;

    // Every connection of the pool is usable again.
    for _ in 0..12 {
        let page = app.get("/patients?q=lock").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Lock"), "{}", page.body);
    }
}

#[tokio::test]
async fn the_request_timeout_answers_503_and_the_connection_comes_back() {
    let mut app =
        TestApp::with_config(&[("HEARTH_DB_LOCK_TIMEOUT_SECONDS", "4"), ("HEARTH_REQUEST_TIMEOUT_SECONDS", "1")]).await;
    let email = app.user("receptionist").await;
    app.login(&email, PASSWORD).await;
    let token = app.api_token(&email).await;

    let lock = TableLock::patients(&app).await;
    let start = Instant::now();
    let api = tokio::time::timeout(
        Duration::from_secs(10),
        api_request(&app, Method::GET, "/api/v1/patients?q=x", &token, None),
    )
    .await
    .expect("no answer");
    assert_eq!(api.status, StatusCode::SERVICE_UNAVAILABLE, "{}", api.body);
    assert!(api.body.contains("could not answer in time"), "{}", api.body);
    assert!(start.elapsed() < Duration::from_secs(3), "took {:?}", start.elapsed());
    // The abandoned statement ends at the lock timeout at the latest; then its connection is
    // back in the pool, even with the lock still held.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let in_use = app.pool.size() - app.pool.num_idle() as u32;
    assert_eq!(in_use, 0, "the abandoned request's connection did not come back");
    lock.release().await;
    let ok = api_request(&app, Method::GET, "/api/v1/patients?q=x", &token, None).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
}

#[tokio::test]
async fn every_pool_connection_carries_the_session_limits() {
    let app = TestApp::with_config(&[
        ("HEARTH_DB_STATEMENT_TIMEOUT_SECONDS", "7"),
        ("HEARTH_DB_LOCK_TIMEOUT_SECONDS", "3"),
        ("HEARTH_DB_IDLE_IN_TRANSACTION_SECONDS", "9"),
        ("HEARTH_DB_BACKGROUND_STATEMENT_TIMEOUT_SECONDS", "0"),
        ("HEARTH_DB_BACKGROUND_LOCK_TIMEOUT_SECONDS", "40"),
    ])
    .await;
    let show = |pool: sqlx::PgPool| async move {
        sqlx::query_as::<_, (String, String, String)>(
            "SELECT current_setting('statement_timeout'), current_setting('lock_timeout'),
                    current_setting('idle_in_transaction_session_timeout')",
        )
        .fetch_one(&pool)
        .await
        .unwrap()
    };
    assert_eq!(show(app.state.pool.clone()).await, ("7s".into(), "3s".into(), "9s".into()));
    assert_eq!(show(app.state.background_pool.clone()).await, ("0".into(), "40s".into(), "10min".into()));
    assert_eq!(show(app.state.background().pool.clone()).await.1, "40s");
}

// ------------------------------------------------------------------ 15: pool exhaustion

#[tokio::test]
async fn a_saturated_pool_leaves_readiness_and_sign_in_working() {
    let mut app = TestApp::with_config(&[
        ("HEARTH_DB_POOL", "2"),
        ("HEARTH_DB_RESERVED", "1"),
        ("HEARTH_DB_LOCK_TIMEOUT_SECONDS", "30"),
        ("HEARTH_REQUEST_TIMEOUT_SECONDS", "60"),
    ])
    .await;
    let email = app.user("receptionist").await;
    let token = app.api_token(&email).await;
    assert_eq!(app.get("/readyz").await.body, "ready");

    let lock = TableLock::patients(&app).await;
    // Four searches: two hold every ordinary slot (stuck on the lock), two wait for one.
    let mut stuck = Vec::new();
    for _ in 0..4 {
        let router = app.router.clone();
        let token = token.clone();
        stuck.push(tokio::spawn(async move {
            let req = Request::get("/api/v1/patients?q=stuck")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap();
            router.oneshot(req).await.unwrap().status()
        }));
    }
    tokio::time::sleep(Duration::from_millis(700)).await;

    let start = Instant::now();
    let ready = app.get("/readyz").await;
    assert!(start.elapsed() < Duration::from_secs(2), "/readyz took {:?}", start.elapsed());
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.body);
    assert!(ready.body.starts_with("ready; pool busy"), "{}", ready.body);

    // Sign-in (form and token) still works, on the reserved connection.
    let start = Instant::now();
    let mut other = app.another_client();
    let nurse = app.user("nurse").await;
    other.login(&nurse, PASSWORD).await;
    other.api_token(&nurse).await;
    assert!(start.elapsed() < Duration::from_secs(5), "sign-in took {:?}", start.elapsed());

    // An ordinary request waits a bounded time for a slot and then says the server is busy.
    let start = Instant::now();
    let me = api_request(&app, Method::GET, "/api/v1/me", &token, None).await;
    assert_eq!(me.status, StatusCode::SERVICE_UNAVAILABLE, "{}", me.body);
    assert!(start.elapsed() < Duration::from_secs(8), "took {:?}", start.elapsed());

    lock.release().await;
    for s in stuck {
        let status = s.await.unwrap();
        assert!(status == StatusCode::OK || status == StatusCode::SERVICE_UNAVAILABLE, "{status}");
    }
    assert_eq!(app.get("/readyz").await.body, "ready");
    assert_eq!(api_request(&app, Method::GET, "/api/v1/me", &token, None).await.status, StatusCode::OK);
}

#[tokio::test]
async fn readiness_still_tells_a_dead_database() {
    let mut cfg = test_config(&[]);
    cfg.db_max_connections = 2;
    let dead = hearth::db::request_pool_options(&cfg)
        .acquire_timeout(Duration::from_millis(500))
        .connect_lazy("postgres://nobody@127.0.0.1:1/none")
        .unwrap();
    let state = hearth::AppState::new(dead, cfg, &hearth::REGISTRY).await.unwrap();
    let router = hearth::build_app(state);
    let start = Instant::now();
    let res = router.oneshot(Request::get("/readyz").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = res.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(&body[..], b"database unreachable");
    assert!(start.elapsed() < Duration::from_secs(3));
}

// ------------------------------------------------------------------ 17: the OpenAPI document

fn fill(path: &str) -> String {
    path.replace("{id}", "00000000-0000-4000-8000-000000000000")
        .replace("{item}", "00000000-0000-4000-8000-000000000001")
        .replace("{doc}", "00000000-0000-4000-8000-000000000002")
        .replace("{n}", "1")
}

#[tokio::test]
async fn the_openapi_document_and_the_router_describe_the_same_operations() {
    let mut app = TestApp::new().await;
    let res = app.get("/api/openapi.json").await;
    assert_eq!(res.status, StatusCode::OK);
    let doc = res.json();
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                documented.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    let served: BTreeSet<(String, String)> = hearth::REGISTRY
        .api_operations()
        .into_iter()
        .filter(|(_, p)| p.starts_with("/api/v1/"))
        .map(|(m, p)| (m.to_string(), p))
        .collect();
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let unserved: Vec<_> = documented.difference(&served).collect();
    assert!(undocumented.is_empty(), "served but not documented: {undocumented:?}");
    assert!(unserved.is_empty(), "documented but not served: {unserved:?}");
    assert!(served.len() >= 35, "{served:?}");

    // The list is the router's: each operation reaches a handler (no 404 or 405 from routing).
    for (method, path) in &served {
        let req = Request::builder()
            .method(Method::from_bytes(method.as_bytes()).unwrap())
            .uri(fill(path))
            .body(Body::empty())
            .unwrap();
        let r = app.request(req).await;
        assert!(
            r.status != StatusCode::NOT_FOUND && r.status != StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}: {}",
            r.status
        );
    }
}

#[tokio::test]
async fn query_parameters_are_optional_query_parameters_and_errors_are_documented() {
    let mut app = TestApp::new().await;
    let doc = app.get("/api/openapi.json").await.json();
    for (path, names) in [
        ("/api/v1/patients", &["q", "after", "limit"][..]),
        ("/api/v1/icd10", &["q", "billable", "limit"][..]),
        ("/api/v1/patients/{id}/timeline", &["after", "limit"][..]),
        ("/api/v1/patients/{id}/encounters", &["after", "limit"][..]),
        ("/api/v1/patients/{id}/vitals", &["after", "limit"][..]),
        ("/api/v1/patients/{id}/notes", &["after", "limit"][..]),
        ("/api/v1/patients/{id}/documents", &["after", "limit"][..]),
    ] {
        let params = doc["paths"][path]["get"]["parameters"].as_array().unwrap();
        for name in names {
            let p = params.iter().find(|p| p["name"] == *name).unwrap_or_else(|| panic!("{path} {name}"));
            assert_eq!(p["in"], "query", "{path} {name}");
            assert_ne!(p["required"], true, "{path} {name}");
        }
        assert!(!params.iter().any(|p| p["in"] == "path" && names.contains(&p["name"].as_str().unwrap())));
    }
    // The error schema does not replace the chart's `Problem` (a problem-list entry).
    assert!(doc["components"]["schemas"]["Problem"]["properties"]["icd_code"].is_object());
    assert!(doc["components"]["schemas"]["ProblemDetails"]["properties"]["detail"].is_object());
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            let has = |c: &str| responses.contains_key(c);
            assert!(has("429") && has("503"), "{method} {path}");
            if op.get("security").is_some() {
                assert!(has("401"), "{method} {path}: 401");
            }
            if op.get("requestBody").is_some() {
                for c in ["400", "415", "422"] {
                    assert!(has(c), "{method} {path}: {c}");
                }
            }
            for (code, r) in responses {
                if code.as_str() >= "400" {
                    assert!(r["content"]["application/problem+json"].is_object(), "{method} {path} {code}");
                }
            }
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let keyed = params.iter().any(|p| p["name"] == "Idempotency-Key" && p["in"] == "header");
            assert_eq!(keyed, method == "post" && path != "/api/v1/auth/token", "{method} {path}");
        }
    }
}

/// Found by schemathesis: a NUL in a search reached PostgreSQL and answered 500.
#[tokio::test]
async fn a_nul_byte_in_an_api_search_is_a_client_error() {
    let mut app = TestApp::new().await;
    let email = app.user("doctor").await;
    let token = app.api_token(&email).await;
    for path in ["/api/v1/icd10?q=%00abc", "/api/v1/patients?q=a%00b"] {
        let r = api_request(&app, Method::GET, path, &token, None).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}: {}", r.body);
        assert_eq!(r.content_type(), "application/problem+json");
    }
}

// ------------------------------------------------------------------ 18: SMS idempotency

#[tokio::test]
async fn sms_retries_carry_the_same_idempotency_key() {
    let gw = HttpServer::start().await;
    let mut app = TestApp::with_config(&[
        ("HEARTH_SMS_URL", &gw.url("")),
        ("HEARTH_SMS_ACCOUNT", "AC123"),
        ("HEARTH_SMS_TOKEN", "tok"),
        ("HEARTH_SMS_FROM", "+15550001111"),
    ])
    .await;
    let email = app.user("doctor").await;
    app.login(&email, PASSWORD).await;
    let r = app
        .post_form(
            "/notifications/settings",
            &[("pref", "system.message:sms"), ("pref", "system.message:in_app"), ("sms_number", "+15557654321")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let uid: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(&email).fetch_one(&app.pool).await.unwrap();
    let mut tx = app.pool.begin().await.unwrap();
    let n = hearth::platform::notify::Notice {
        kind: &hearth::platform::notify::SYSTEM_MESSAGE,
        title: "Ward round moved",
        body: "Body",
        link: None,
        urgent: true,
    };
    hearth::platform::notify::notify_user(&mut tx, uid, &n).await.unwrap();
    tx.commit().await.unwrap();

    // The gateway fails once (as if its answer were lost); the retry is the same message.
    gw.then(503, "busy");
    let w = hearth::platform::jobs::Worker::new(app.state.clone())
        .poll(Duration::from_millis(20))
        .backoff_base(Duration::from_millis(5));
    eventually(10, "the SMS", || async {
        w.run_once().await.unwrap();
        let s: String =
            sqlx::query_scalar("SELECT status FROM messages WHERE channel = 'sms'").fetch_one(&app.pool).await.unwrap();
        (s == "sent").then_some(())
    })
    .await;
    let id: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM messages WHERE channel = 'sms'").fetch_one(&app.pool).await.unwrap();
    let reqs = gw.requests.lock().unwrap().clone();
    assert_eq!(reqs.len(), 2);
    let keys: Vec<String> = reqs
        .iter()
        .map(|r| r.headers.get("i-twilio-idempotency-token").expect("idempotency header").to_str().unwrap().to_string())
        .collect();
    assert_eq!(keys[0], keys[1]);
    assert_eq!(keys[0], format!("hearth-msg-{id}"));
    assert_eq!(reqs[1].headers.get("idempotency-key").unwrap().to_str().unwrap(), keys[0]);
    let sid: Option<String> = sqlx::query_scalar("SELECT provider_ref FROM messages WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(sid.as_deref(), Some("SM0001"));
}

// ------------------------------------------------------------------ 19: API idempotency keys

async fn post_with_key(app: &TestApp, token: &str, key: &str, body: &serde_json::Value) -> TestResponse {
    let req = Request::post("/api/v1/patients")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .header("idempotency-key", key)
        .body(Body::from(body.to_string()))
        .unwrap();
    let res = app.router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    TestResponse { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
}

#[tokio::test]
async fn a_repeated_registration_with_the_same_key_gets_the_first_answer() {
    let mut app = TestApp::new().await;
    let email = app.user("receptionist").await;
    let token = app.api_token(&email).await;
    let body = serde_json::json!({"given_name": "Idem", "family_name": "Potent", "sex": "female"});

    let first = post_with_key(&app, &token, "reg-0001", &body).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert!(first.headers.get("idempotency-replayed").is_none());
    let again = post_with_key(&app, &token, "reg-0001", &body).await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.body);
    assert_eq!(again.body, first.body);
    assert_eq!(again.headers.get("idempotency-replayed").unwrap(), "true");
    assert_eq!(again.content_type(), "application/json");
    assert_eq!(app.patient_count().await, 1);

    // The same key with another request is refused; a bad key is refused.
    let other = serde_json::json!({"given_name": "Other", "family_name": "Person", "sex": "male"});
    let r = post_with_key(&app, &token, "reg-0001", &other).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.content_type(), "application/problem+json");
    let r = post_with_key(&app, &token, "has space", &other).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(app.patient_count().await, 1);

    // Keys belong to their caller: another user's identical key is a new request.
    let email2 = app.user("receptionist").await;
    let token2 = app.api_token(&email2).await;
    let r = post_with_key(&app, &token2, "reg-0001", &other).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(app.patient_count().await, 2);

    // A failed request releases its key: fixed and sent again with the same key, it runs.
    let bad = serde_json::json!({"given_name": "", "family_name": "Fixed", "sex": "female"});
    let r = post_with_key(&app, &token, "reg-0002", &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let good = serde_json::json!({"given_name": "Now", "family_name": "Fixed", "sex": "female"});
    let r = post_with_key(&app, &token, "reg-0002", &good).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(app.patient_count().await, 3);

    // The answer was stored with the patient, in its transaction.
    let stored: Option<i16> = sqlx::query_scalar("SELECT status FROM api_idempotency WHERE key = 'reg-0002'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, Some(201));

    // Keys expire after 24 hours.
    sqlx::query("UPDATE api_idempotency SET created_at = now() - interval '25 hours' WHERE key = 'reg-0001'")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(hearth::platform::idempotency::expire(&app.pool).await.unwrap(), 2);
}

#[tokio::test]
async fn concurrent_repeats_register_one_patient() {
    let mut app = TestApp::new().await;
    let email = app.user("receptionist").await;
    let token = app.api_token(&email).await;
    let body = serde_json::json!({"given_name": "Race", "family_name": "Condition", "sex": "male"});
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let router = app.router.clone();
        let token = token.clone();
        let body = body.to_string();
        tasks.push(tokio::spawn(async move {
            let req = Request::post("/api/v1/patients")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "application/json")
                .header("idempotency-key", "race-1")
                .body(Body::from(body))
                .unwrap();
            let res = router.oneshot(req).await.unwrap();
            let status = res.status();
            let bytes = res.into_body().collect().await.unwrap().to_bytes();
            (status, String::from_utf8_lossy(&bytes).into_owned())
        }));
    }
    let mut created = Vec::new();
    for t in tasks {
        let (status, body) = t.await.unwrap();
        match status {
            StatusCode::CREATED => created.push(body),
            StatusCode::CONFLICT => assert!(body.contains("still being processed"), "{body}"),
            s => panic!("{s}: {body}"),
        }
    }
    assert!(!created.is_empty());
    assert!(created.iter().all(|b| *b == created[0]), "{created:?}");
    assert_eq!(app.patient_count().await, 1);
    // Once the first has finished, a repeat replays it.
    let r = post_with_key(&app, &token, "race-1", &body).await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(r.body, created[0]);
}

// ------------------------------------------------------------------ 20: the listener

/// `hearth serve` on a free port against the app's database.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    async fn start(app: &TestApp, env: &[(&str, &str)]) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let dir = std::env::temp_dir().join(format!("hearth-srv-{}", uuid::Uuid::new_v4()));
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_hearth"));
        cmd.args(["serve"])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", server_url(&app.db_name))
            .env("HEARTH_MASTER_KEY", MASTER_KEY)
            .env("HEARTH_DATA_DIR", &dir)
            .env("HEARTH_ADDR", format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("start hearth serve");
        let server = Server { child, port };
        eventually(60, "hearth serve to be ready", || async {
            let r = server.http("GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await;
            r.filter(|t| t.starts_with("HTTP/1.1 200")).map(|_| ())
        })
        .await;
        server
    }

    /// Sends raw bytes and reads the answer to the end (None if the connection failed).
    async fn http(&self, raw: &str) -> Option<String> {
        let mut s = tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await.ok()?;
        s.write_all(raw.as_bytes()).await.ok()?;
        let mut out = Vec::new();
        tokio::time::timeout(Duration::from_secs(30), s.read_to_end(&mut out)).await.ok()?.ok()?;
        Some(String::from_utf8_lossy(&out).into_owned())
    }

    fn terminate(&self) {
        let ok = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        assert!(ok.success());
    }

    /// Waits up to `limit` for the process to exit.
    async fn exited_within(&mut self, limit: Duration) -> Option<Duration> {
        let start = Instant::now();
        while start.elapsed() < limit {
            if self.child.try_wait().unwrap().is_some() {
                return Some(start.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Seconds until the server closes a connection that dribbles `first` and then one byte every
/// 400 ms (None: still open after `limit`).
async fn closed_after(port: u16, first: &[u8], limit: Duration) -> Option<Duration> {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let start = Instant::now();
    if !first.is_empty() {
        s.write_all(first).await.unwrap();
    }
    let mut buf = [0u8; 512];
    while start.elapsed() < limit {
        match tokio::time::timeout(Duration::from_millis(400), s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return Some(start.elapsed()),
            // A 408 or similar before closing: keep reading to the close.
            Ok(Ok(_)) => continue,
            Err(_) => {
                if !first.is_empty() && s.write_all(b"x").await.is_err() {
                    return Some(start.elapsed());
                }
            }
        }
    }
    None
}

#[tokio::test]
async fn slow_headers_and_idle_connections_are_closed() {
    let app = TestApp::new().await;
    let server = Server::start(&app, &[("HEARTH_HEADER_READ_TIMEOUT_SECONDS", "2")]).await;
    // A request line, then one header byte every 400 ms: closed at the header-read timeout.
    let t = closed_after(server.port, b"GET /healthz HTTP/1.1\r\nX-Slow: ", Duration::from_secs(8)).await;
    let t = t.expect("the slow-header connection was never closed");
    assert!(t >= Duration::from_millis(1500) && t < Duration::from_secs(5), "closed after {t:?}");
    // A connection that sends nothing at all.
    let t = closed_after(server.port, b"", Duration::from_secs(8)).await.expect("the silent connection stayed open");
    assert!(t < Duration::from_secs(5), "closed after {t:?}");
    // A keep-alive connection idle after its request.
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", server.port)).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let start = Instant::now();
    let mut all = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout(Duration::from_secs(8), s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => all.extend_from_slice(&buf[..n]),
            Err(_) => panic!("the idle keep-alive connection stayed open"),
        }
    }
    assert!(String::from_utf8_lossy(&all).starts_with("HTTP/1.1 200"));
    assert!(start.elapsed() < Duration::from_secs(5));
    // Ordinary requests are unaffected.
    let r = server.http("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
    assert!(r.starts_with("HTTP/1.1 200") && r.ends_with("ok"), "{r}");
}

#[tokio::test]
async fn sigterm_drains_for_the_grace_period_and_then_exits() {
    let app = TestApp::new().await;
    let email = app.user("receptionist").await;
    let mut server = Server::start(
        &app,
        &[
            ("HEARTH_SHUTDOWN_GRACE_SECONDS", "2"),
            ("HEARTH_DB_LOCK_TIMEOUT_SECONDS", "120"),
            ("HEARTH_REQUEST_TIMEOUT_SECONDS", "120"),
        ],
    )
    .await;
    let login = serde_json::json!({"email": email, "password": PASSWORD}).to_string();
    let raw = format!(
        "POST /api/v1/auth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{login}",
        login.len()
    );
    let answer = server.http(&raw).await.unwrap();
    let json = &answer[answer.find("\r\n\r\n").unwrap() + 4..];
    let token = serde_json::from_str::<serde_json::Value>(json).unwrap()["access_token"].as_str().unwrap().to_string();

    let lock = TableLock::patients(&app).await;
    let port = server.port;
    let stuck = tokio::spawn(async move {
        let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let req = format!(
            "GET /api/v1/patients?q=drain HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
        );
        s.write_all(req.as_bytes()).await.unwrap();
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out).await;
        out
    });
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(!stuck.is_finished(), "the search should be waiting for the lock");

    server.terminate();
    let exited = server.exited_within(Duration::from_secs(12)).await;
    lock.release().await;
    let took = exited.expect("hearth did not exit after SIGTERM while a request was stuck");
    assert!(took >= Duration::from_millis(1500), "exited after {took:?}, before the grace ran out");
    assert!(took < Duration::from_secs(7), "exited after {took:?}");
    // The cut request's connection was closed without an answer.
    let out = tokio::time::timeout(Duration::from_secs(5), stuck).await.unwrap().unwrap();
    assert!(out.is_empty(), "{}", String::from_utf8_lossy(&out));
}
