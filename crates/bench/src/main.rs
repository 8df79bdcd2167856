//! The load benchmark (docs/PERFORMANCE.md).
//!
//! ```sh
//! cargo build --release && target/release/hearth-bench --patients 200000 --duration 60 --clients 64
//! ```
//!
//! 1. Creates (or reuses) the database `hearth_bench` on the server of `DATABASE_URL` (default
//!    `postgres://postgres@127.0.0.1:5432/postgres`) and seeds it with COPY: patients with
//!    encrypted, blind-indexed fields, encounters, vital signs, problems, audit history, users.
//! 2. Starts `hearth serve` (the release binary beside this one) on a free port, or targets
//!    `--url`, and times start-up to ready.
//! 3. Measures queries per request for each operation (sequential calibration, from the
//!    server's `hearth_db_queries_total`).
//! 4. Drives a fixed-seed mixed workload with N concurrent clients for a bounded time and prints
//!    count, throughput, p50/p95/p99/max latency and errors per operation, server CPU seconds,
//!    peak RSS and database size.
//! 5. Runs three core queries directly against PostgreSQL through a pool with the same
//!    concurrency (no HTTP) and prints Hearth's throughput as a ratio of that limit.
//!
//! Sign-in and API tokens run argon2id (19 MiB, t=2) on purpose; they are reported apart.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use clap::Parser;
use hearth::config::MasterKey;
use hearth::modules::patients::repo::{bidx_national_id, bidx_phone};
use hearth::platform::crypto::KeyRing;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Method, Request, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::postgres::PgPoolCopyExt;
use sqlx::{Connection, Executor, PgConnection, PgPool};
use uuid::Uuid;

/// The benchmark database's master key (it holds synthetic data only).
const BENCH_KEY: &str = "YmVuY2htYXJrLW9ubHkta2V5LW5vdC1hLXNlY3JldCE=";
const PASSWORD: &str = "Bench-Password-2026!";
const USERS: usize = 64;

#[derive(Parser, Debug, Clone)]
#[command(name = "hearth-bench", about = "Hearth load benchmark")]
struct Args {
    /// Patients to seed (the database is reused when it already has them).
    #[arg(long, default_value_t = 200_000)]
    patients: usize,
    /// Seconds of measured load.
    #[arg(long, default_value_t = 60)]
    duration: u64,
    /// Concurrent clients.
    #[arg(long, default_value_t = 64)]
    clients: usize,
    /// Target an already running Hearth (on the benchmark database) instead of starting one;
    /// export its `HEARTH_METRICS_TOKEN` so the benchmark can read `/metrics`.
    #[arg(long)]
    url: Option<String>,
    /// Name of the benchmark database.
    #[arg(long, default_value = "hearth_bench")]
    db: String,
    /// Workload and data seed.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Drop and seed the database again.
    #[arg(long)]
    reseed: bool,
    /// Only seed, then exit.
    #[arg(long)]
    seed_only: bool,
    /// Write the results as markdown to this file (e.g. docs/PERFORMANCE.md's results).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Database connections of the server under test (default: the server's own default).
    #[arg(long)]
    pool: Option<u32>,
    /// Sign-ins plus API tokens per second, paced in their own lane beside the clinical mix
    /// (argon2id is costly on purpose; a hospital's staff sign in a few times a shift).
    #[arg(long, default_value_t = 4.0)]
    auth_rate: f64,
    /// Open loop: offer this many clinical requests per second in total, spread evenly over the
    /// clients, and measure each latency from its scheduled start (so queueing is counted, not
    /// hidden). Without it the clients run closed-loop: each sends its next request as soon as
    /// the last one answered, which measures the saturation throughput.
    #[arg(long)]
    rate: Option<f64>,
    /// Seconds per query kind of the direct (no HTTP) physical-limit measurement.
    #[arg(long, default_value_t = 5)]
    limit_seconds: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Op {
    SignIn,
    ApiToken,
    SearchName,
    SearchMrn,
    SearchPhone,
    OpenChart,
    Register,
    Vitals,
    Note,
    AuditList,
}

impl Op {
    const ALL: [Op; 10] = [
        Op::SignIn,
        Op::ApiToken,
        Op::SearchName,
        Op::SearchMrn,
        Op::SearchPhone,
        Op::OpenChart,
        Op::Register,
        Op::Vitals,
        Op::Note,
        Op::AuditList,
    ];

    fn name(self) -> &'static str {
        match self {
            Op::SignIn => "sign in (form + CSRF, argon2id)",
            Op::ApiToken => "API token (argon2id)",
            Op::SearchName => "search: name prefix (type-ahead)",
            Op::SearchMrn => "search: MRN",
            Op::SearchPhone => "search: phone (blind index)",
            Op::OpenChart => "open chart (banner + timeline)",
            Op::Register => "register patient",
            Op::Vitals => "record vitals",
            Op::Note => "write a note",
            Op::AuditList => "list audit events",
        }
    }

    /// Relative frequency in the mixed workload.
    fn weight(self) -> u32 {
        match self {
            // Paced in the auth lane (--auth-rate), not drawn in the mix.
            Op::SignIn => 0,
            Op::ApiToken => 0,
            Op::SearchName => 30,
            Op::SearchMrn => 10,
            Op::SearchPhone => 8,
            Op::OpenChart => 25,
            Op::Register => 6,
            Op::Vitals => 10,
            Op::Note => 6,
            Op::AuditList => 3,
        }
    }

    fn is_write(self) -> bool {
        matches!(self, Op::Register | Op::Vitals | Op::Note)
    }
}

fn pick(rng: &mut StdRng) -> Op {
    let total: u32 = Op::ALL.iter().map(|o| o.weight()).sum();
    let mut x = rng.gen_range(0..total);
    for op in Op::ALL {
        if x < op.weight() {
            return op;
        }
        x -= op.weight();
    }
    Op::SearchName
}

// ------------------------------------------------------------------------------------ seeding

const SYLLABLES: &[&str] = &["ka", "lo", "mi", "ren", "sa", "to", "vi", "dan", "el", "bor", "qui", "nes", "ta", "ul"];
const PREFIXES: &[&str] = &["gar", "oka", "ngu", "mul", "smi", "jen", "kow", "ros", "had", "tan", "kalo", "ren", "vid"];

fn mrn(seq: usize) -> String {
    format!("BEN-{seq:07}")
}

fn phone(seq: usize) -> String {
    format!("+4477{seq:08}")
}

fn bytea(b: &[u8]) -> String {
    format!("\\\\x{}", hex::encode(b))
}

fn esc(s: &str) -> String {
    s.replace('\\', "\\\\").replace(['\t', '\n'], " ")
}

fn admin_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// DATABASE_URL with another database name, keeping any `?query` (e.g. `?host=/var/run/postgresql`
/// for the Unix socket).
fn db_url(name: &str) -> String {
    let url = admin_url();
    let (path, query) = match url.split_once('?') {
        Some((p, q)) => (p.to_string(), format!("?{q}")),
        None => (url, String::new()),
    };
    let base = path.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap_or(path);
    format!("{base}/{name}{query}")
}

async fn copy(pool: &PgPool, stmt: &str, data: String) -> anyhow::Result<()> {
    let mut c = pool.copy_in_raw(stmt).await?;
    c.send(data.into_bytes()).await?;
    c.finish().await?;
    Ok(())
}

/// Seeds (or reuses) the benchmark database; returns its pool.
async fn prepare(args: &Args, keys: &KeyRing) -> anyhow::Result<PgPool> {
    let mut admin = PgConnection::connect(&admin_url()).await.context("connect to PostgreSQL (DATABASE_URL)")?;
    if args.reseed {
        admin.execute(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", args.db).as_str()).await?;
    }
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
        .bind(&args.db)
        .fetch_one(&mut admin)
        .await?;
    if !exists {
        admin.execute(format!("CREATE DATABASE {}", args.db).as_str()).await?;
    }
    let pool = hearth::db::pool_options(8).connect(&db_url(&args.db)).await?;
    hearth::db::migrate(&pool).await?;
    hearth::modules::ehr::icd::ensure_loaded(&pool).await?;
    let have: i64 = sqlx::query_scalar("SELECT count(*) FROM patients WHERE mrn LIKE 'BEN-%'").fetch_one(&pool).await?;
    if have as usize >= args.patients {
        eprintln!("reusing {} with {have} patients", args.db);
        return Ok(pool);
    }
    if have > 0 {
        bail!("{} has {have} benchmark patients, fewer than {}: run with --reseed", args.db, args.patients);
    }
    let t0 = Instant::now();
    // The benchmark signs in with passwords: no second factor for its users.
    sqlx::query("UPDATE roles SET mfa_required = false").execute(&pool).await?;
    let facility = Uuid::new_v4();
    sqlx::query("INSERT INTO facilities (id, code, name) VALUES ($1, 'BEN', 'Benchmark Hospital')")
        .bind(facility)
        .execute(&pool)
        .await?;
    let dept = Uuid::new_v4();
    sqlx::query("INSERT INTO departments (id, facility_id, code, name) VALUES ($1, $2, 'MED', 'Medicine')")
        .bind(dept)
        .bind(facility)
        .execute(&pool)
        .await?;
    let hash = hearth::platform::auth::password::hash(PASSWORD);
    let mut users = Vec::new();
    for i in 0..USERS {
        let id = Uuid::new_v4();
        sqlx::query("INSERT INTO users (id, email, display_name, password_hash) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(format!("bench{i}@bench.hearth"))
            .bind(format!("Bench User {i}"))
            .bind(&hash)
            .execute(&pool)
            .await?;
        for role in ["doctor", "hospital_admin"] {
            sqlx::query("INSERT INTO user_roles (user_id, role_code) VALUES ($1, $2)")
                .bind(id)
                .bind(role)
                .execute(&pool)
                .await?;
        }
        sqlx::query("INSERT INTO user_facilities (user_id, facility_id) VALUES ($1, $2)")
            .bind(id)
            .bind(facility)
            .execute(&pool)
            .await?;
        users.push(id);
    }
    let mut rng = StdRng::seed_from_u64(args.seed);
    let n = args.patients;
    let mut done = 0;
    while done < n {
        let batch = (n - done).min(10_000);
        let (mut pats, mut encs, mut vits, mut probs) = (String::new(), String::new(), String::new(), String::new());
        for i in 0..batch {
            let seq = done + i + 1;
            let family = if rng.gen_bool(0.5) {
                hearth::demo::FAMILY[rng.gen_range(0..hearth::demo::FAMILY.len())].to_string()
            } else {
                let mut s: String =
                    (0..rng.gen_range(2..4)).map(|_| SYLLABLES[rng.gen_range(0..SYLLABLES.len())]).collect();
                s[..1].make_ascii_uppercase();
                s
            };
            let names = if rng.gen_bool(0.5) { hearth::demo::GIVEN_F } else { hearth::demo::GIVEN_M };
            let given = names[rng.gen_range(0..names.len())];
            let sex = if rng.gen_bool(0.5) { "female" } else { "male" };
            let birth =
                format!("{}-{:02}-{:02}", rng.gen_range(1930..2024), rng.gen_range(1..=12), rng.gen_range(1..=28));
            let nid = format!("BN{seq:08}");
            let id = Uuid::new_v4();
            let ph = phone(seq);
            writeln!(
                pats,
                "{id}\t{facility}\t{}\t{}\t{}\t{sex}\t{birth}\t{}\t{}\t{}\t{}\t{}",
                mrn(seq),
                esc(given),
                esc(&family),
                bytea(&keys.encrypt(&ph, "patients.phone")),
                bytea(&bidx_phone(keys, &ph)),
                bytea(&keys.encrypt(&nid, "patients.national_id")),
                bytea(&bidx_national_id(keys, &nid)),
                bytea(&keys.encrypt(&format!("{} Bench Street", seq % 500), "patients.address")),
            )?;
            let days = rng.gen_range(1..2000);
            writeln!(
                encs,
                "{}\t{id}\toutpatient\tfinished\t{dept}\t{}\tFollow-up\t{days}",
                Uuid::new_v4(),
                users[seq % USERS]
            )?;
            for k in 0..2 {
                writeln!(
                    vits,
                    "{}\t{id}\t{}\t{}\t{}\t{}\t{}",
                    Uuid::new_v4(),
                    format_args!("{} days", days + k * 30),
                    rng.gen_range(55..110),
                    rng.gen_range(105..160),
                    rng.gen_range(60..95),
                    rng.gen_range(94..100)
                )?;
            }
            if seq % 2 == 0 {
                let (code, desc) = [
                    ("I10", "Essential (primary) hypertension"),
                    ("E11.9", "Type 2 diabetes mellitus without complications"),
                    ("J45.909", "Unspecified asthma, uncomplicated"),
                ][seq % 3];
                writeln!(probs, "{}\t{id}\t{code}\t{desc}\tactive", Uuid::new_v4())?;
            }
        }
        copy(
            &pool,
            "COPY patients (id, facility_id, mrn, given_name, family_name, sex, birth_date, phone_enc, phone_bidx,
             national_id_enc, national_id_bidx, address_enc) FROM STDIN",
            pats,
        )
        .await?;
        // Timestamps are relative to now: load through staging tables (one connection: they are temporary).
        let mut conn = pool.acquire().await?;
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS enc_stage (id uuid, patient_id uuid, kind text, status text, department_id uuid, clinician_id uuid, reason text, days int)").await?;
        conn.execute("TRUNCATE enc_stage").await?;
        let mut c = conn.copy_in_raw("COPY enc_stage FROM STDIN").await?;
        c.send(encs.into_bytes()).await?;
        c.finish().await?;
        conn.execute(
            "INSERT INTO encounters (id, patient_id, kind, status, department_id, clinician_id, reason, starts_at, ended_at)
             SELECT id, patient_id, kind, status, department_id, clinician_id, reason,
                    now() - make_interval(days => days), now() - make_interval(days => days) + interval '20 minutes'
             FROM enc_stage",
        )
        .await?;
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS vit_stage (id uuid, patient_id uuid, ago interval, pulse int, sys int, dia int, spo2 int)").await?;
        conn.execute("TRUNCATE vit_stage").await?;
        let mut c = conn.copy_in_raw("COPY vit_stage FROM STDIN").await?;
        c.send(vits.into_bytes()).await?;
        c.finish().await?;
        conn.execute(
            "INSERT INTO vitals (id, patient_id, taken_at, pulse, bp_systolic, bp_diastolic, spo2)
             SELECT id, patient_id, now() - ago, pulse, sys, dia, spo2 FROM vit_stage",
        )
        .await?;
        drop(conn);
        copy(&pool, "COPY problems (id, patient_id, icd_code, description, status) FROM STDIN", probs).await?;
        done += batch;
        eprintln!("seeded {done} / {n} patients ({:.0} s)", t0.elapsed().as_secs_f64());
    }
    sqlx::query("UPDATE facilities SET mrn_next = $2 WHERE id = $1")
        .bind(facility)
        .bind(n as i64 + 1)
        .execute(&pool)
        .await?;
    // Audit history: one event per patient, sealed into the hash chain like any other.
    eprintln!("seeding audit history...");
    sqlx::query(
        "INSERT INTO audit_events (actor_label, action, entity_type, entity_id, patient_id)
         SELECT 'bench-seed', 'patient.create', 'patient', id::text, id FROM patients WHERE mrn LIKE 'BEN-%'",
    )
    .execute(&pool)
    .await?;
    hearth::platform::audit::seal_all(&pool).await?;
    for t in ["patients", "encounters", "vitals", "problems", "audit_events", "audit_seals", "users"] {
        sqlx::query(&format!("ANALYZE {t}")).execute(&pool).await?;
    }
    // The seal queue just held every seeded event: clear its dead rows as autovacuum would.
    sqlx::query("VACUUM ANALYZE audit_unsealed").execute(&pool).await?;
    eprintln!("seeded in {:.0} s", t0.elapsed().as_secs_f64());
    Ok(pool)
}

// ------------------------------------------------------------------------------------ client

type Http = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

struct Session {
    http: Http,
    base: String,
    cookies: HashMap<String, String>,
    csrf: String,
}

struct Reply {
    status: StatusCode,
    location: String,
    body: String,
}

impl Session {
    fn new(http: Http, base: &str) -> Self {
        Session { http, base: base.to_string(), cookies: HashMap::new(), csrf: String::new() }
    }

    async fn send(&mut self, method: Method, path: &str, ctype: Option<&str>, body: String) -> anyhow::Result<Reply> {
        let mut b = Request::builder().method(method).uri(format!("{}{path}", self.base));
        if !self.cookies.is_empty() {
            let c = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
            b = b.header("cookie", c);
        }
        if let Some(ct) = ctype {
            b = b.header("content-type", ct);
        }
        let res = self.http.request(b.body(Full::new(Bytes::from(body)))?).await?;
        let status = res.status();
        for v in res.headers().get_all("set-cookie") {
            if let Some((kv, attrs)) = v.to_str().ok().map(|s| s.split_once(';').unwrap_or((s, ""))) {
                if let Some((k, val)) = kv.split_once('=') {
                    if attrs.contains("Max-Age=0") {
                        self.cookies.remove(k);
                    } else {
                        self.cookies.insert(k.to_string(), val.to_string());
                    }
                }
            }
        }
        let location = res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let bytes = res.into_body().collect().await?.to_bytes();
        let body = String::from_utf8_lossy(&bytes).into_owned();
        if let Some(t) = extract_csrf(&body) {
            self.csrf = t;
        }
        Ok(Reply { status, location, body })
    }

    async fn get(&mut self, path: &str) -> anyhow::Result<Reply> {
        self.send(Method::GET, path, None, String::new()).await
    }

    async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> anyhow::Result<Reply> {
        let mut all = vec![("csrf_token", self.csrf.as_str())];
        all.extend_from_slice(fields);
        let body = serde_urlencoded::to_string(&all)?;
        self.send(Method::POST, path, Some("application/x-www-form-urlencoded"), body).await
    }

    async fn sign_in(&mut self, email: &str) -> anyhow::Result<Reply> {
        self.cookies.remove("hearth_session");
        self.get("/login").await?;
        let r = self.post_form("/login", &[("email", email), ("password", PASSWORD)]).await?;
        if r.status != StatusCode::SEE_OTHER || r.location != "/" {
            bail!("sign-in of {email} failed: {} {}", r.status, r.location);
        }
        // A page with the session's CSRF token.
        self.get("/account").await?;
        Ok(r)
    }
}

fn extract_csrf(html: &str) -> Option<String> {
    let m = "name=\"csrf-token\" content=\"";
    let s = html.find(m)? + m.len();
    let e = html[s..].find('"')?;
    let t = &html[s..s + e];
    (!t.is_empty()).then(|| t.to_string())
}

/// What the workload needs to know about the seeded data.
struct Data {
    patients: usize,
    ids: Vec<Uuid>,
}

async fn run_op(s: &mut Session, op: Op, rng: &mut StdRng, data: &Data, email: &str) -> anyhow::Result<bool> {
    let seq = rng.gen_range(1..=data.patients);
    let ok = |r: &Reply| r.status.is_success() || r.status == StatusCode::SEE_OTHER;
    let r = match op {
        Op::SignIn => s.sign_in(email).await?,
        Op::ApiToken => {
            let body = serde_json::json!({"email": email, "password": PASSWORD}).to_string();
            s.send(Method::POST, "/api/v1/auth/token", Some("application/json"), body).await?
        }
        Op::SearchName => {
            let p = PREFIXES[rng.gen_range(0..PREFIXES.len())];
            s.get(&format!("/search/suggest?q={p}")).await?
        }
        Op::SearchMrn => s.get(&format!("/patients?q={}", mrn(seq))).await?,
        Op::SearchPhone => s.get(&format!("/patients?q=%2B{}", &phone(seq)[1..])).await?,
        Op::OpenChart => {
            let id = data.ids[rng.gen_range(0..data.ids.len())];
            s.get(&format!("/patients/{id}/chart")).await?
        }
        Op::Register => {
            let family = format!("Bench{}", rng.gen_range(0..1_000_000));
            let r = s
                .post_form(
                    "/patients",
                    &[
                        ("given_name", "Load"),
                        ("family_name", &family),
                        ("sex", "other"),
                        ("birth_date", "1990-05-05"),
                        ("register_anyway", "on"),
                    ],
                )
                .await?;
            if r.status == StatusCode::SEE_OTHER {
                s.cookies.remove("hearth_flash");
            }
            r
        }
        Op::Vitals => {
            let id = data.ids[rng.gen_range(0..data.ids.len())];
            let pulse = rng.gen_range(50..120).to_string();
            let r = s
                .post_form(
                    &format!("/patients/{id}/vitals"),
                    &[("pulse", &pulse), ("bp_systolic", "128"), ("bp_diastolic", "82"), ("spo2", "97")],
                )
                .await?;
            s.cookies.remove("hearth_flash");
            r
        }
        Op::Note => {
            let id = data.ids[rng.gen_range(0..data.ids.len())];
            let r = s
                .post_form(
                    &format!("/patients/{id}/notes"),
                    &[
                        ("template", "progress"),
                        ("title", "Ward round"),
                        ("body", "Comfortable overnight. Observations stable. Plan: continue."),
                    ],
                )
                .await?;
            s.cookies.remove("hearth_flash");
            r
        }
        Op::AuditList => s.get("/audit").await?,
    };
    let good = ok(&r) && !(op == Op::Register && r.body.contains("field-error"));
    Ok(good)
}

// ------------------------------------------------------------------------------------ stats

#[derive(Default, Clone)]
struct Stats {
    micros: Vec<u32>,
    errors: u64,
}

impl Stats {
    /// One request that started at `t` (its scheduled start in open loop).
    fn record(&mut self, t: Instant, ok: bool) {
        self.micros.push(t.elapsed().as_micros().min(u32::MAX as u128) as u32);
        if !ok {
            self.errors += 1;
        }
    }
}

fn pct(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

/// CPU seconds of every PostgreSQL server process (the server, its backends and workers).
fn postgres_cpu_seconds() -> f64 {
    let Ok(dir) = std::fs::read_dir("/proc") else { return 0.0 };
    dir.filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()))
        .filter(|pid| std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == "postgres"))
        .filter_map(cpu_seconds)
        .sum()
}

/// CPU seconds (user + system) of a process, from /proc.
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn peak_rss_mb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| m.lines().next().and_then(|l| l.split_whitespace().nth(1)).and_then(|k| k.parse::<f64>().ok()))
        .map(|kb| kb / 1024.0 / 1024.0)
        .unwrap_or(0.0);
    format!("{cores} cores ({cpu}), {mem:.0} GiB RAM; load generator, Hearth and PostgreSQL share them")
}

/// `/metrics` needs a bearer token: `HEARTH_METRICS_TOKEN` of the server under test (given to a
/// server the benchmark starts itself, and read from the environment for `--url`).
async fn metric(http: &Http, base: &str, token: &str, name: &str) -> anyhow::Result<f64> {
    let req = Request::get(format!("{base}/metrics"))
        .header("authorization", format!("Bearer {token}"))
        .body(Full::new(Bytes::new()))?;
    let res = http.request(req).await?;
    let body = res.into_body().collect().await?.to_bytes();
    let text = String::from_utf8_lossy(&body);
    text.lines()
        .find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| anyhow!("metric {name} not found (is HEARTH_COUNT_QUERIES=1 set on the server?)"))
}

/// The physical limit: the core reads straight through a pool with the same concurrency.
async fn direct_limit(
    pool_url: &str,
    clients: usize,
    secs: u64,
    data: &Data,
) -> anyhow::Result<Vec<(&'static str, f64)>> {
    let pool = hearth::db::pool_options(clients.min(32) as u32).connect(pool_url).await?;
    let mut out = Vec::new();
    for (label, which) in [("search: name prefix", 0), ("search: MRN", 1), ("open chart (patient + timeline)", 2)] {
        let stop = Arc::new(AtomicBool::new(false));
        let mut tasks = Vec::new();
        for c in 0..clients {
            let pool = pool.clone();
            let stop = stop.clone();
            let ids = data.ids.clone();
            let n = data.patients;
            tasks.push(tokio::spawn(async move {
                let mut rng = StdRng::seed_from_u64(c as u64);
                let mut count = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let r = match which {
                        0 => {
                            // The type-ahead's first branch (patients::search::suggest).
                            let p = PREFIXES[rng.gen_range(0..PREFIXES.len())];
                            sqlx::query(
                                "SELECT id, mrn, given_name, family_name FROM patients
                                 WHERE family_fold >= $1 COLLATE \"C\" AND family_fold < $1 COLLATE \"C\" || chr(1114111)
                                 ORDER BY family_fold, given_fold, id LIMIT 6",
                            )
                            .bind(p)
                                .fetch_all(&pool)
                                .await
                                .map(|_| ())
                        }
                        1 => sqlx::query("SELECT id, mrn, given_name, family_name FROM patients WHERE mrn = $1")
                            .bind(mrn(rng.gen_range(1..=n)))
                            .fetch_all(&pool)
                            .await
                            .map(|_| ()),
                        _ => {
                            let id = ids[rng.gen_range(0..ids.len())];
                            let a = sqlx::query("SELECT mrn, given_name, family_name, sex, birth_date FROM patients WHERE id = $1").bind(id).fetch_optional(&pool).await;
                            let b = sqlx::query(
                                "(SELECT 'e' AS k, id, starts_at AS at FROM encounters WHERE patient_id = $1 ORDER BY starts_at DESC LIMIT 20)
                                 UNION ALL (SELECT 'v', id, taken_at FROM vitals WHERE patient_id = $1 ORDER BY taken_at DESC LIMIT 20)
                                 ORDER BY at DESC LIMIT 20",
                            )
                            .bind(id)
                            .fetch_all(&pool)
                            .await;
                            a.and(b).map(|_| ())
                        }
                    };
                    if r.is_ok() {
                        count += 1;
                    }
                }
                count
            }));
        }
        tokio::time::sleep(Duration::from_secs(secs)).await;
        stop.store(true, Ordering::Relaxed);
        let mut total = 0;
        for t in tasks {
            total += t.await.unwrap_or(0);
        }
        out.push((label, total as f64 / secs as f64));
    }
    Ok(out)
}

// ------------------------------------------------------------------------------------ main

/// The server under test; killed when the benchmark ends, however it ends.
struct ServerGuard(std::process::Child);

impl Drop for ServerGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let keys = KeyRing::new(MasterKey::parse(BENCH_KEY).map_err(|e| anyhow!("{e}"))?, 1);
    let pool = prepare(&args, &keys).await?;
    if args.seed_only {
        return Ok(());
    }
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM patients WHERE mrn LIKE 'BEN-%'").fetch_one(&pool).await?;
    let ids: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM patients WHERE mrn LIKE 'BEN-%' ORDER BY mrn LIMIT 20000")
        .fetch_all(&pool)
        .await?;
    let data = Arc::new(Data { patients: n as usize, ids });
    let db_size: i64 = sqlx::query_scalar("SELECT pg_database_size(current_database())").fetch_one(&pool).await?;

    // Start the server under test.
    let metrics_token = std::env::var("HEARTH_METRICS_TOKEN")
        .ok()
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| format!("bench-{}", Uuid::new_v4().simple()));
    let mut child = None;
    let t_start = Instant::now();
    let base = match &args.url {
        Some(u) => u.trim_end_matches('/').to_string(),
        None => {
            let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
            let exe = std::env::current_exe()?.with_file_name("hearth");
            if !exe.exists() {
                bail!("{} not found: cargo build --release first", exe.display());
            }
            let dir = std::env::temp_dir().join(format!("hearth-bench-{}", std::process::id()));
            let mut cmd = std::process::Command::new(exe);
            if let Some(p) = args.pool {
                cmd.env("HEARTH_DB_POOL", p.to_string());
            }
            let c = cmd
                .args(["serve", "--no-migrate"])
                .env("DATABASE_URL", db_url(&args.db))
                .env("HEARTH_ADDR", format!("127.0.0.1:{port}"))
                .env("HEARTH_MASTER_KEY", BENCH_KEY)
                .env("HEARTH_DATA_DIR", &dir)
                .env("HEARTH_COUNT_QUERIES", "1")
                .env("HEARTH_METRICS_TOKEN", &metrics_token)
                // 64 clients share one address: the sign-in limits would measure the limiter.
                .env("HEARTH_RATE_LIMITS", "off")
                .env("RUST_LOG", "warn")
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .context("start hearth serve")?;
            child = Some(ServerGuard(c));
            format!("http://127.0.0.1:{port}")
        }
    };
    let http: Http = Client::builder(TokioExecutor::new()).pool_max_idle_per_host(args.clients * 2).build_http();
    let ready = loop {
        let ok = match http.request(Request::get(format!("{base}/readyz")).body(Full::new(Bytes::new()))?).await {
            Ok(r) => r.status() == StatusCode::OK,
            Err(_) => false,
        };
        if ok {
            break t_start.elapsed();
        }
        if t_start.elapsed() > Duration::from_secs(30) {
            bail!("the server did not become ready in 30 s");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let pid = child.as_ref().map(|c| c.0.id());
    eprintln!("server ready in {} ms", ready.as_millis());

    // Queries per request, one operation at a time.
    let mut qpr: HashMap<Op, f64> = HashMap::new();
    {
        let mut s = Session::new(http.clone(), &base);
        s.sign_in("bench0@bench.hearth").await?;
        let mut rng = StdRng::seed_from_u64(args.seed);
        for op in Op::ALL {
            let before = metric(&http, &base, &metrics_token, "hearth_db_queries_total").await?;
            let rounds = if matches!(op, Op::SignIn | Op::ApiToken) { 3 } else { 10 };
            for _ in 0..rounds {
                run_op(&mut s, op, &mut rng, &data, "bench0@bench.hearth").await?;
            }
            let after = metric(&http, &base, &metrics_token, "hearth_db_queries_total").await?;
            qpr.insert(op, (after - before) / rounds as f64);
        }
    }

    // The mixed workload.
    let cpu0 = pid.and_then(cpu_seconds);
    let pg_cpu0 = postgres_cpu_seconds();
    let gen_cpu0 = cpu_seconds(std::process::id());
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    // The auth lane: sign-ins and API tokens alternate at --auth-rate per second.
    if args.auth_rate > 0.0 {
        let (http, base, stop) = (http.clone(), base.clone(), stop.clone());
        let period = Duration::from_secs_f64(1.0 / args.auth_rate);
        let data = data.clone();
        let seed = args.seed;
        tasks.push(tokio::spawn(async move {
            let mut stats: HashMap<Op, Stats> = HashMap::new();
            let mut tick = tokio::time::interval(period);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut rng = StdRng::seed_from_u64(seed ^ 0xA5A5);
            let mut n = 0usize;
            while !stop.load(Ordering::Relaxed) {
                tick.tick().await;
                let op = if n.is_multiple_of(2) { Op::SignIn } else { Op::ApiToken };
                let email = format!("bench{}@bench.hearth", n % USERS);
                n += 1;
                let mut s = Session::new(http.clone(), &base);
                let t = Instant::now();
                let ok = matches!(run_op(&mut s, op, &mut rng, &data, &email).await, Ok(true));
                stats.entry(op).or_default().record(t, ok);
            }
            stats
        }));
    }
    for c in 0..args.clients {
        let http = http.clone();
        let base = base.clone();
        let data = data.clone();
        let stop = stop.clone();
        let seed = args.seed.wrapping_add(c as u64 * 7919);
        let (rate, clients) = (args.rate, args.clients);
        tasks.push(tokio::spawn(async move {
            let email = format!("bench{}@bench.hearth", c % USERS);
            let mut s = Session::new(http, &base);
            let mut stats: HashMap<Op, Stats> = HashMap::new();
            if s.sign_in(&email).await.is_err() {
                stats.entry(Op::SignIn).or_default().errors += 1;
                return stats;
            }
            let mut rng = StdRng::seed_from_u64(seed);
            // Open loop: this client's share of the offered rate, staggered across clients.
            let interval = rate.map(|r| Duration::from_secs_f64(clients as f64 / r));
            let mut next_at = tokio::time::Instant::now()
                + interval.map(|i| i.mul_f64(c as f64 / clients as f64)).unwrap_or_default();
            while !stop.load(Ordering::Relaxed) {
                let op = pick(&mut rng);
                let t = match interval {
                    Some(i) => {
                        tokio::time::sleep_until(next_at).await;
                        let scheduled = next_at.into_std();
                        next_at += i;
                        scheduled
                    }
                    None => Instant::now(),
                };
                let ok = matches!(run_op(&mut s, op, &mut rng, &data, &email).await, Ok(true));
                stats.entry(op).or_default().record(t, ok);
            }
            stats
        }));
    }
    let t0 = Instant::now();
    tokio::time::sleep(Duration::from_secs(args.duration)).await;
    stop.store(true, Ordering::Relaxed);
    let mut all: HashMap<Op, Stats> = HashMap::new();
    for t in tasks {
        for (op, s) in t.await? {
            let e = all.entry(op).or_default();
            e.micros.extend(s.micros);
            e.errors += s.errors;
        }
    }
    let elapsed = t0.elapsed().as_secs_f64();
    let cpu = match (cpu0, pid.and_then(cpu_seconds)) {
        (Some(a), Some(b)) => Some(b - a),
        _ => None,
    };
    let pg_cpu = postgres_cpu_seconds() - pg_cpu0;
    let gen_cpu = match (gen_cpu0, cpu_seconds(std::process::id())) {
        (Some(a), Some(b)) => b - a,
        _ => 0.0,
    };
    let rss = pid.and_then(peak_rss_mb);
    let limits = direct_limit(&db_url(&args.db), args.clients, args.limit_seconds, &data).await?;
    drop(child);

    // Report.
    let mut md = String::new();
    writeln!(md, "Machine: {}", machine())?;
    writeln!(
        md,
        "Command: `hearth-bench --patients {} --duration {} --clients {} --seed {}{}` ({} patients in the database, {:.0} MiB)\n",
        args.patients,
        args.duration,
        args.clients,
        args.seed,
        args.rate.map(|r| format!(" --rate {r}")).unwrap_or_default(),
        n,
        db_size as f64 / 1048576.0
    )?;
    writeln!(md, "| operation | count | req/s | p50 ms | p95 ms | p99 ms | max ms | errors | queries/req |")?;
    writeln!(md, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")?;
    let mut total = 0usize;
    let mut mix_total = 0usize;
    let mut errors = 0u64;
    let mut ops: Vec<_> = all.into_iter().collect();
    ops.sort_by_key(|(op, _)| *op);
    let mut hearth_rps: HashMap<Op, f64> = HashMap::new();
    for (op, mut s) in ops {
        s.micros.sort_unstable();
        total += s.micros.len();
        if !matches!(op, Op::SignIn | Op::ApiToken) {
            mix_total += s.micros.len();
        }
        errors += s.errors;
        let rps = s.micros.len() as f64 / elapsed;
        hearth_rps.insert(op, rps);
        writeln!(
            md,
            "| {}{} | {} | {:.0} | {:.1} | {:.1} | {:.1} | {:.1} | {} | {:.1} |",
            op.name(),
            if op.is_write() { " (write)" } else { "" },
            s.micros.len(),
            rps,
            pct(&s.micros, 0.50),
            pct(&s.micros, 0.95),
            pct(&s.micros, 0.99),
            pct(&s.micros, 1.0),
            s.errors,
            qpr.get(&op).copied().unwrap_or(0.0)
        )?;
    }
    writeln!(
        md,
        "\nClinical mix: {mix_total} requests in {elapsed:.1} s = **{:.0} req/s**; with the paced sign-in lane ({} per s) {total} requests, {errors} errors.",
        mix_total as f64 / elapsed,
        args.auth_rate
    )?;
    writeln!(md, "Start-up to ready (migrated database): {} ms.", ready.as_millis())?;
    if let Some(c) = cpu {
        writeln!(
            md,
            "CPU over {elapsed:.0} s: Hearth {c:.1} s ({:.2} cores), PostgreSQL {pg_cpu:.1} s ({:.2} cores), load generator {gen_cpu:.1} s ({:.2} cores).",
            c / elapsed,
            pg_cpu / elapsed,
            gen_cpu / elapsed
        )?;
    }
    if let Some(r) = rss {
        writeln!(md, "Server peak RSS: {r:.0} MB.")?;
    }
    writeln!(md, "\nPhysical limit (same SQL straight through a pool, {} concurrent, no HTTP):\n", args.clients)?;
    writeln!(md, "| query | direct req/s | Hearth req/s in the mix |")?;
    writeln!(md, "| --- | ---: | ---: |")?;
    for (label, rps) in &limits {
        let op = match *label {
            "search: name prefix" => Op::SearchName,
            "search: MRN" => Op::SearchMrn,
            _ => Op::OpenChart,
        };
        writeln!(md, "| {label} | {rps:.0} | {:.0} |", hearth_rps.get(&op).copied().unwrap_or(0.0))?;
    }
    writeln!(
        md,
        "\n(In the mix each operation gets only its share of the time, so the right column is not the operation's own maximum; the direct figures run one query kind at a time.)"
    )?;
    println!("{md}");
    if let Some(out) = &args.out {
        std::fs::write(out, &md)?;
        eprintln!("written to {}", out.display());
    }
    // For CI's smoke run: a run with failed requests, or none at all, fails.
    if errors > 0 || mix_total == 0 {
        bail!("{errors} failed requests, {mix_total} clinical requests answered");
    }
    Ok(())
}
