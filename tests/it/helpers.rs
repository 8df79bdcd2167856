//! The test harness: a fresh database per test (cloned from a migrated template), the real
//! router driven through `oneshot`, and a small cookie jar.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use hearth::config::Config;
use hearth::db::embedded::EmbeddedPg;
use hearth::modules::admin::{create_user, NewUser};
use hearth::platform::audit::AuditMeta;
use hearth::AppState;
use http_body_util::BodyExt;
use sqlx::{Connection, Executor, PgConnection, PgPool};
use tower::ServiceExt;
use uuid::Uuid;

pub const PASSWORD: &str = "Correct-Horse-42!";
pub const MASTER_KEY: &str = "dGVzdC1tYXN0ZXIta2V5LTMyLWJ5dGVzLWxvbmchISE=";

static EMBEDDED: OnceLock<EmbeddedPg> = OnceLock::new();
static TEMPLATE: OnceLock<String> = OnceLock::new();
static COUNTER: AtomicU32 = AtomicU32::new(0);

/// URL of the server's maintenance database: DATABASE_URL, or the embedded cluster.
pub fn server_url(db: &str) -> String {
    match std::env::var("DATABASE_URL").ok().filter(|s| !s.is_empty()) {
        Some(url) => {
            let base = url.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap_or(url);
            format!("{base}/{db}")
        }
        None => {
            let pg = EMBEDDED.get_or_init(|| {
                let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("hearth-test-pg");
                EmbeddedPg::start(&dir).expect("start the embedded PostgreSQL for tests")
            });
            pg.url(db)
        }
    }
}

fn template_name() -> String {
    let mut h: u64 = 1469598103934665603;
    let mut mix = |bytes: &[u8]| {
        for b in bytes {
            h = (h ^ *b as u64).wrapping_mul(1099511628211);
        }
    };
    // Version and content: a migration renumbered without a change is a new template too.
    for m in hearth::db::MIGRATOR.iter() {
        mix(&m.version.to_le_bytes());
        mix(&m.checksum);
    }
    // The modules' declared permissions are part of a prepared database too.
    for (_, p) in hearth::REGISTRY.permissions() {
        mix(p.perm.code().as_bytes());
        mix(p.description.as_bytes());
        mix(p.default_roles.join(",").as_bytes());
    }
    format!("hearth_tpl_{h:016x}")
}

/// Creates the migrated template once per server (guarded by an advisory lock across processes).
async fn ensure_template() -> String {
    if let Some(t) = TEMPLATE.get() {
        return t.clone();
    }
    let name = template_name();
    let mut admin = PgConnection::connect(&server_url("postgres")).await.expect("connect to PostgreSQL");
    admin.execute("SELECT pg_advisory_lock(7311999)").await.unwrap();
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
        .bind(&name)
        .fetch_one(&mut admin)
        .await
        .unwrap();
    if !exists {
        let tmp = format!("{name}_building");
        admin.execute(format!("DROP DATABASE IF EXISTS {tmp} WITH (FORCE)").as_str()).await.unwrap();
        admin.execute(format!("CREATE DATABASE {tmp}").as_str()).await.unwrap();
        let pool = PgPool::connect(&server_url(&tmp)).await.unwrap();
        hearth::db::migrate(&pool).await.expect("migrations apply");
        hearth::REGISTRY.prepare(&pool).await.expect("permissions and reference data load");
        pool.close().await;
        // A closed connection's server process can take a moment to end (more so on a loaded
        // machine): the rename waits for the building database to have no other session.
        let rename = format!("ALTER DATABASE {tmp} RENAME TO {name}");
        let mut tries = 0;
        while let Err(e) = admin.execute(rename.as_str()).await {
            tries += 1;
            assert!(tries < 100, "renaming the template database: {e}");
            sqlx::query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            )
            .bind(&tmp)
            .execute(&mut admin)
            .await
            .unwrap();
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        // Clear out databases left by test processes that died.
        let stale: Vec<String> =
            sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'hearth_t\\_%'")
                .fetch_all(&mut admin)
                .await
                .unwrap();
        for d in stale {
            let pid: Option<u32> = d.split('_').nth(2).and_then(|p| p.parse().ok());
            if pid.is_some_and(|p| !std::path::Path::new(&format!("/proc/{p}")).exists()) {
                let _ = admin.execute(format!("DROP DATABASE IF EXISTS {d} WITH (FORCE)").as_str()).await;
            }
        }
    }
    admin.execute("SELECT pg_advisory_unlock(7311999)").await.unwrap();
    let _ = TEMPLATE.set(name.clone());
    name
}

/// A fresh, migrated database of its own.
pub async fn fresh_db() -> (String, PgPool) {
    let tpl = ensure_template().await;
    let name = format!("hearth_t_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst));
    let mut admin = PgConnection::connect(&server_url("postgres")).await.unwrap();
    admin.execute(format!("CREATE DATABASE {name} TEMPLATE {tpl}").as_str()).await.unwrap();
    // A test database is thrown away: its commits need not wait for the WAL flush (the
    // server's own setting, and durability, are untouched; only this database's sessions).
    admin.execute(format!("ALTER DATABASE {name} SET synchronous_commit = off").as_str()).await.unwrap();
    admin.close().await.ok();
    let pool = hearth::db::pool_options(8).connect(&server_url(&name)).await.unwrap();
    (name, pool)
}

/// The `/metrics` bearer token of every test app (see [`TestApp::metrics`]).
pub const METRICS_TOKEN: &str = "test-metrics-token-0123456789";

pub fn test_config(overrides: &[(&str, &str)]) -> Config {
    let dir = std::env::temp_dir().join(format!("hearth-test-{}", Uuid::new_v4()));
    let mut map: HashMap<String, String> = HashMap::new();
    map.insert("HEARTH_MASTER_KEY".into(), MASTER_KEY.into());
    map.insert("HEARTH_DATA_DIR".into(), dir.to_string_lossy().into());
    map.insert("HEARTH_METRICS_TOKEN".into(), METRICS_TOKEN.into());
    // The fake SMS gateway and webhook subscribers listen on 127.0.0.1: tests opt in to private
    // targets (refused in production); the SSRF tests set it back to false.
    if !overrides.iter().any(|(k, v)| *k == "HEARTH_ENV" && *v == "production") {
        map.insert("HEARTH_ALLOW_PRIVATE_WEBHOOKS".into(), "true".into());
    }
    for (k, v) in overrides {
        map.insert(k.to_string(), v.to_string());
    }
    Config::from_lookup(|k| map.get(k).cloned()).expect("test config")
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl TestResponse {
    pub fn location(&self) -> &str {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("")
    }
    pub fn content_type(&self) -> &str {
        self.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("")
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

pub struct TestApp {
    pub db_name: String,
    pub pool: PgPool,
    pub state: AppState,
    pub router: Router,
    pub cookies: HashMap<String, String>,
    pub facility_id: Uuid,
    owns_db: bool,
}

impl TestApp {
    pub async fn new() -> Self {
        Self::with_config(&[]).await
    }

    pub async fn with_config(overrides: &[(&str, &str)]) -> Self {
        let (db_name, setup) = fresh_db().await;
        setup.close().await;
        let config = test_config(overrides);
        // The request pool as `hearth serve` opens it: its size and session limits come from
        // the configuration.
        let pool = hearth::db::request_pool_options(&config).connect(&server_url(&db_name)).await.unwrap();
        let state = AppState::new(pool.clone(), config, &hearth::REGISTRY).await.unwrap();
        let router = hearth::build_app(state.clone())
            .layer(axum::Extension(ConnectInfo(SocketAddr::from(([10, 1, 2, 3], 40000)))));
        // Tests of other features sign in with a password; MFA tests turn the role policy back on.
        sqlx::query("UPDATE roles SET mfa_required = false").execute(&pool).await.unwrap();
        let facility_id = Uuid::new_v4();
        sqlx::query("INSERT INTO facilities (id, code, name) VALUES ($1, 'TST', 'Test Hospital')")
            .bind(facility_id)
            .execute(&pool)
            .await
            .unwrap();
        TestApp { db_name, pool, state, router, cookies: HashMap::new(), facility_id, owns_db: true }
    }

    /// Another browser on the same app and database (its own cookies).
    pub fn another_client(&self) -> TestApp {
        TestApp {
            db_name: self.db_name.clone(),
            pool: self.pool.clone(),
            state: self.state.clone(),
            router: self.router.clone(),
            cookies: HashMap::new(),
            facility_id: self.facility_id,
            owns_db: false,
        }
    }

    /// Creates a user holding `role` in the test facility; returns its email.
    pub async fn user(&self, role: &str) -> String {
        let email = format!("{}.{}@test.hearth", role.replace('_', "-"), &Uuid::new_v4().to_string()[..8]);
        let mut tx = self.pool.begin().await.unwrap();
        create_user(
            &mut tx,
            &NewUser {
                email: &email,
                display_name: role,
                password: PASSWORD,
                roles: &[role],
                facility_ids: &[self.facility_id],
                must_change_password: false,
            },
            &AuditMeta::system("test"),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        email
    }

    /// Creates a user of `role` and signs in as it (browser session).
    pub async fn signed_in(role: &str) -> (Self, String) {
        let mut app = Self::new().await;
        let email = app.user(role).await;
        app.login(&email, PASSWORD).await;
        (app, email)
    }

    pub async fn login(&mut self, email: &str, password: &str) -> TestResponse {
        let res = self.post_form("/login", &[("email", email), ("password", password)]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "login of {email} failed: {}", res.body);
        res
    }

    pub async fn request(&mut self, req: Request<Body>) -> TestResponse {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        for v in headers.get_all(header::SET_COOKIE) {
            let v = v.to_str().unwrap();
            let (kv, attrs) = v.split_once(';').unwrap_or((v, ""));
            let (k, val) = kv.split_once('=').unwrap();
            if attrs.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), val.to_string());
            }
        }
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        TestResponse { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    pub fn builder(&self, method: Method, path: &str) -> axum::http::request::Builder {
        let mut b = Request::builder().method(method).uri(path).header(header::USER_AGENT, "hearth-tests");
        if !self.cookies.is_empty() {
            b = b.header(header::COOKIE, self.cookie_header());
        }
        b
    }

    pub async fn get(&mut self, path: &str) -> TestResponse {
        let req = self.builder(Method::GET, path).body(Body::empty()).unwrap();
        self.request(req).await
    }

    /// The CSRF token the server currently expects from this client.
    pub async fn csrf(&mut self) -> String {
        // Any page carries it; follow the redirects a signed-in (or half-signed-in) client gets.
        let mut page = self.get("/login").await;
        for _ in 0..4 {
            if page.status != StatusCode::SEE_OTHER {
                break;
            }
            let to = page.location().to_string();
            page = self.get(&to).await;
        }
        extract_csrf(&page.body).expect("csrf token in page")
    }

    /// Posts a form with a valid CSRF token.
    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> TestResponse {
        let token = self.csrf().await;
        let mut all: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &serde_urlencoded::to_string(&all).unwrap()).await
    }

    pub async fn post_raw(&mut self, path: &str, body: &str) -> TestResponse {
        let req = self
            .builder(Method::POST, path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body.to_string()))
            .unwrap();
        self.request(req).await
    }

    /// Posts a multipart form with one file; the CSRF token goes in the first part (as browsers
    /// send the form's hidden field) unless `csrf` is false.
    pub async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file: (&str, &str, &[u8]),
        csrf: bool,
    ) -> TestResponse {
        let token = if csrf { Some(self.csrf().await) } else { None };
        let mut all: Vec<(&str, &str)> = token.as_deref().map(|t| ("csrf_token", t)).into_iter().collect();
        all.extend_from_slice(fields);
        let body = multipart_body(&all, file);
        let req = self
            .builder(Method::POST, path)
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={MULTIPART_BOUNDARY}"))
            .body(Body::from(body))
            .unwrap();
        self.request(req).await
    }

    /// Registers a patient through the form (confirming past duplicate warnings); returns its id.
    pub async fn register_patient(&mut self, fields: &[(&str, &str)]) -> String {
        let mut all = fields.to_vec();
        // Registration needs a date of birth or an age (issue 13): tests that do not care get an age.
        if !all.iter().any(|(k, _)| matches!(*k, "birth_date" | "age_years" | "age_months")) {
            all.push(("age_years", "40"));
        }
        all.push(("register_anyway", "on"));
        let r = self.post_form("/patients", &all).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        r.location().trim_start_matches("/patients/").to_string()
    }

    pub async fn api_token(&mut self, email: &str) -> String {
        let res = self
            .api(
                Method::POST,
                "/api/v1/auth/token",
                None,
                Some(serde_json::json!({"email": email, "password": PASSWORD})),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        res.json()["access_token"].as_str().unwrap().to_string()
    }

    pub async fn api(
        &mut self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> TestResponse {
        let mut b = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let req = match body {
            Some(v) => b.header(header::CONTENT_TYPE, "application/json").body(Body::from(v.to_string())).unwrap(),
            None => b.body(Body::empty()).unwrap(),
        };
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        TestResponse { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }

    /// `GET /metrics` as the configured scraper.
    pub async fn metrics(&mut self) -> TestResponse {
        let req = self
            .builder(Method::GET, "/metrics")
            .header(header::AUTHORIZATION, format!("Bearer {METRICS_TOKEN}"))
            .body(Body::empty())
            .unwrap();
        self.request(req).await
    }

    pub async fn audit_count(&self, action: &str) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE action = $1")
            .bind(action)
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }

    pub async fn patient_count(&self) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM patients").fetch_one(&self.pool).await.unwrap()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if !self.owns_db {
            return;
        }
        let name = self.db_name.clone();
        // Drop the database from a thread of its own: Drop cannot await.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async move {
                if let Ok(mut admin) = PgConnection::connect(&server_url("postgres")).await {
                    let _ = admin.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str()).await;
                }
            });
        })
        .join();
    }
}

pub const MULTIPART_BOUNDARY: &str = "hearthtestboundary7311";

/// A multipart/form-data body: the text fields in order, then one file part.
pub fn multipart_body(fields: &[(&str, &str)], file: (&str, &str, &[u8])) -> Vec<u8> {
    let boundary = MULTIPART_BOUNDARY;
    let mut body: Vec<u8> = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
        );
    }
    let (name, filename, bytes) = file;
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    body
}

pub fn extract_csrf(html: &str) -> Option<String> {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_string())
}

pub const ALL_ROLES: [&str; 10] = [
    "super_admin",
    "hospital_admin",
    "doctor",
    "nurse",
    "receptionist",
    "pharmacist",
    "lab_technician",
    "radiologist",
    "billing_clerk",
    "ed_coordinator",
];
