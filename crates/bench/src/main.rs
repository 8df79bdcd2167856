//! The load benchmark (docs/PERFORMANCE.md).
//!
//! ```sh
//! cargo build --release -p hearth -p hearth-bench
//! target/release/hearth-bench --patients 200000 --duration 60 --clients 64
//! ```
//!
//! 1. Creates (or reuses) the database `hearth_bench` on the server of `DATABASE_URL` (default
//!    `postgres://postgres@127.0.0.1:5432/postgres`) and seeds it with COPY ([`seed`]): patients
//!    with encrypted, blind-indexed fields, encounters, vital signs, problems, audit history,
//!    users, and a long-history cohort (1% of patients with 1,000 encounters, 5,000 vital-sign
//!    readings and 300 encrypted notes each, by default).
//! 2. Starts `hearth serve` (the binary beside this one, or `--server`) on a free port, or
//!    targets `--url`, and times start-up to ready.
//! 3. Measures queries per request for each operation (sequential calibration, from the
//!    server's `hearth_db_queries_total`), for chart operations on both kinds of patient.
//! 4. Drives a fixed-seed mix of operations ([`ops`]; or `--only` some of them) with N
//!    concurrent clients for a bounded time and reports ([`report`]) count, throughput,
//!    p50/p95/p99/max latency and errors per operation, chart operations on long-history
//!    patients apart, server CPU seconds, peak RSS and database size.
//! 5. Runs three core queries directly against PostgreSQL through a pool with the same
//!    concurrency (no HTTP) and prints Hearth's throughput beside that limit ([`limit`]).
//!
//! Sign-in and API tokens run argon2id (19 MiB, t=2) on purpose; they are reported apart.
//! `hearth-bench compare --before a.json … --after b.json …` compares runs written with `--json`.

mod cli;
mod client;
mod limit;
mod modules;
mod ops;
mod report;
mod seed;
mod sys;
mod wards;

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use clap::Parser;
use hearth::config::MasterKey;
use hearth::platform::crypto::KeyRing;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Request, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use rand::rngs::StdRng;
use rand::SeedableRng;
use tokio::sync::Barrier;
use uuid::Uuid;

use cli::{Args, Cmd};
use client::{run_op, Http, Session};
use ops::{Cohort, Data, Mix, Op};
use report::{Cpu, Key, Run, Stats};
use seed::{db_url, BENCH_KEY, USERS};

/// The server under test; killed when the benchmark ends, however it ends.
struct ServerGuard(std::process::Child);

impl Drop for ServerGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the server under test (or takes `--url`); returns its base URL and process.
fn start_server(args: &Args, metrics_token: &str) -> anyhow::Result<(String, Option<ServerGuard>)> {
    if let Some(u) = &args.url {
        return Ok((u.trim_end_matches('/').to_string(), None));
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let exe = match &args.server {
        Some(p) => p.clone(),
        None => std::env::current_exe()?.with_file_name("hearth"),
    };
    if !exe.exists() {
        bail!("{} not found: cargo build --release -p hearth first (or give --server)", exe.display());
    }
    let dir = std::env::temp_dir().join(format!("hearth-bench-{}", std::process::id()));
    let mut cmd = std::process::Command::new(&exe);
    if let Some(p) = args.pool {
        cmd.env("HEARTH_DB_POOL", p.to_string());
    }
    let child = cmd
        .args(["serve", "--no-migrate"])
        .env("DATABASE_URL", db_url(&args.db))
        .env("HEARTH_ADDR", format!("127.0.0.1:{port}"))
        .env("HEARTH_MASTER_KEY", BENCH_KEY)
        .env("HEARTH_DATA_DIR", &dir)
        .env("HEARTH_COUNT_QUERIES", "1")
        .env("HEARTH_METRICS_TOKEN", metrics_token)
        // 64 clients share one address: the sign-in limits would measure the limiter.
        .env("HEARTH_RATE_LIMITS", "off")
        // API tokens are fetched once per client: they must outlive the run.
        .env("HEARTH_API_TOKEN_MINUTES", (args.duration / 60 + 30).min(60 * 24 * 30).to_string())
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .with_context(|| format!("start {} serve", exe.display()))?;
    Ok((format!("http://127.0.0.1:{port}"), Some(ServerGuard(child))))
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

/// Queries per request of each operation of the mix, one at a time (chart operations on both
/// kinds of patient). Every answer must be right: a failure here stops the run.
async fn calibrate(
    http: &Http,
    base: &str,
    metrics_token: &str,
    mix: &Mix,
    data: &Data,
    seed: u64,
    lane: bool,
) -> anyhow::Result<HashMap<Key, f64>> {
    let email = "bench0@bench.hearth";
    let mut qpr = HashMap::new();
    let mut s = Session::new(http.clone(), base);
    s.sign_in(email).await?;
    if mix.needs_token() {
        s.fetch_token(email).await?;
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let mut cohorts = vec![Cohort::Normal];
    if !data.long.is_empty() {
        cohorts.push(Cohort::Long);
    }
    // The paced lane's operations are calibrated too when it runs.
    let lane = if lane { vec![Op::SignIn, Op::ApiToken] } else { vec![] };
    for op in mix.ops().chain(lane) {
        for &cohort in &cohorts {
            if cohort == Cohort::Long && !op.reads_chart() {
                continue;
            }
            let before = metric(http, base, metrics_token, "hearth_db_queries_total").await?;
            let rounds = match (op.is_auth(), cohort) {
                (true, _) => 3,
                (false, Cohort::Long) => 5,
                (false, Cohort::Normal) => 10,
            };
            for _ in 0..rounds {
                if !run_op(&mut s, op, cohort, &mut rng, data, email).await? {
                    bail!("calibration: {} ({}) was not answered as expected", op.key(), cohort.key());
                }
            }
            let after = metric(http, base, metrics_token, "hearth_db_queries_total").await?;
            qpr.insert((op, cohort), (after - before) / rounds as f64);
        }
    }
    Ok(qpr)
}

/// The measured load: the clients sign in (and fetch API tokens) first, then all start
/// together and run for `args.duration` seconds, beside the paced sign-in lane unless `--only`.
async fn drive(
    args: &Args,
    http: &Http,
    base: &str,
    mix: &Arc<Mix>,
    data: &Arc<Data>,
    lane: Option<f64>,
) -> anyhow::Result<(BTreeMap<Key, Stats>, f64)> {
    let stop = Arc::new(AtomicBool::new(false));
    let ready = Arc::new(Barrier::new(args.clients + 1));
    let mut tasks = Vec::new();
    for c in 0..args.clients {
        let (http, base, data, mix, stop, ready) =
            (http.clone(), base.to_string(), data.clone(), mix.clone(), stop.clone(), ready.clone());
        let seed = args.seed.wrapping_add(c as u64 * 7919);
        let (rate, clients) = (args.rate, args.clients);
        tasks.push(tokio::spawn(async move {
            let email = format!("bench{}@bench.hearth", c % USERS);
            let mut s = Session::new(http, &base);
            let mut stats: HashMap<Key, Stats> = HashMap::new();
            let mut setup = s.sign_in(&email).await.map(|_| ());
            if setup.is_ok() && mix.needs_token() {
                setup = s.fetch_token(&email).await;
            }
            ready.wait().await;
            if setup.is_err() {
                stats.entry((Op::SignIn, Cohort::Normal)).or_default().errors += 1;
                return stats;
            }
            let mut rng = StdRng::seed_from_u64(seed);
            // Open loop: this client's share of the offered rate, staggered across clients.
            let interval = rate.map(|r| Duration::from_secs_f64(clients as f64 / r));
            let mut next_at = tokio::time::Instant::now()
                + interval.map(|i| i.mul_f64(c as f64 / clients as f64)).unwrap_or_default();
            while !stop.load(Ordering::Relaxed) {
                let op = mix.pick(&mut rng);
                let cohort = data.cohort(op, &mut rng);
                let t = match interval {
                    Some(i) => {
                        tokio::time::sleep_until(next_at).await;
                        let scheduled = next_at.into_std();
                        next_at += i;
                        scheduled
                    }
                    None => Instant::now(),
                };
                let ok = matches!(run_op(&mut s, op, cohort, &mut rng, &data, &email).await, Ok(true));
                stats.entry((op, cohort)).or_default().record(t, ok);
            }
            stats
        }));
    }
    ready.wait().await;
    let t0 = Instant::now();
    // The auth lane: sign-ins and API tokens alternate at --auth-rate per second.
    if let Some(rate) = lane {
        let (http, base, stop, data) = (http.clone(), base.to_string(), stop.clone(), data.clone());
        let period = Duration::from_secs_f64(1.0 / rate);
        let seed = args.seed;
        tasks.push(tokio::spawn(async move {
            let mut stats: HashMap<Key, Stats> = HashMap::new();
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
                let ok = matches!(run_op(&mut s, op, Cohort::Normal, &mut rng, &data, &email).await, Ok(true));
                stats.entry((op, Cohort::Normal)).or_default().record(t, ok);
            }
            stats
        }));
    }
    tokio::time::sleep(Duration::from_secs(args.duration)).await;
    stop.store(true, Ordering::Relaxed);
    let mut all: BTreeMap<Key, Stats> = BTreeMap::new();
    for t in tasks {
        for (k, s) in t.await? {
            all.entry(k).or_default().merge(&s);
        }
    }
    Ok((all, t0.elapsed().as_secs_f64()))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if let Some(Cmd::Compare { before, after, tolerance }) = &args.cmd {
        let (md, _) = report::compare(&report::read_runs(before)?, &report::read_runs(after)?, *tolerance)?;
        println!("{md}");
        return Ok(());
    }
    let keys = KeyRing::new(MasterKey::parse(BENCH_KEY).map_err(|e| anyhow!("{e}"))?, 1);
    let pool = seed::prepare(&args, &keys).await?;
    wards::seed(&pool).await?;
    let patients: i64 =
        sqlx::query_scalar("SELECT count(*) FROM patients WHERE mrn LIKE 'BEN-%'").fetch_one(&pool).await?;
    modules::seed(&pool, patients as usize).await?;
    if args.seed_only {
        return Ok(());
    }
    let (mut data, cohort) = seed::load(&pool, &args).await?;
    data.modules = modules::load(&pool).await?;
    let data = Arc::new(data);
    let mix = Arc::new(Mix::new(&args.only));
    let lane = (Mix::is_default(&args.only) && args.auth_rate > 0.0).then_some(args.auth_rate);
    let db_size: i64 = sqlx::query_scalar("SELECT pg_database_size(current_database())").fetch_one(&pool).await?;

    // Start the server under test.
    let metrics_token = std::env::var("HEARTH_METRICS_TOKEN")
        .ok()
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| format!("bench-{}", Uuid::new_v4().simple()));
    let t_start = Instant::now();
    let (base, child) = start_server(&args, &metrics_token)?;
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

    let t_cal = Instant::now();
    let qpr = calibrate(&http, &base, &metrics_token, &mix, &data, args.seed, lane.is_some()).await?;
    eprintln!("calibrated queries per request in {:.1} s", t_cal.elapsed().as_secs_f64());

    let cpu0 = pid.and_then(sys::cpu_seconds);
    let pg_cpu0 = sys::postgres_cpu_seconds();
    let gen_cpu0 = sys::cpu_seconds(std::process::id());
    let (stats, elapsed) = drive(&args, &http, &base, &mix, &data, lane).await?;
    let cpu = match (cpu0, pid.and_then(sys::cpu_seconds)) {
        (Some(a), Some(b)) => Some(Cpu {
            hearth: b - a,
            postgres: sys::postgres_cpu_seconds() - pg_cpu0,
            generator: match (gen_cpu0, sys::cpu_seconds(std::process::id())) {
                (Some(a), Some(b)) => b - a,
                _ => 0.0,
            },
        }),
        _ => None,
    };
    let rss_mb = pid.and_then(sys::peak_rss_mb);
    let limits = if args.limit_seconds > 0 {
        limit::direct_limit(&db_url(&args.db), args.clients, args.limit_seconds, &data).await?
    } else {
        Vec::new()
    };
    drop(child);

    let run = Run {
        machine: sys::machine(),
        command: args.describe(),
        patients_in_db: data.patients,
        db_mib: db_size as f64 / 1_048_576.0,
        clients: args.clients,
        elapsed,
        stats,
        qpr,
        lane,
        ready_ms: ready.as_millis(),
        cpu,
        rss_mb,
        limits,
        cohort: cohort.map(|c| (c, data.long_views)),
    };
    let md = run.markdown()?;
    println!("{md}");
    if let Some(out) = &args.out {
        std::fs::write(out, &md)?;
        eprintln!("written to {}", out.display());
    }
    if let Some(out) = &args.json {
        std::fs::write(out, serde_json::to_string_pretty(&run.json())?)?;
        eprintln!("written to {}", out.display());
    }
    // For CI's smoke run: a run with failed requests, or none at all, fails.
    let (_, mix_total, errors) = run.totals();
    if errors > 0 || mix_total == 0 {
        bail!("{errors} failed requests, {mix_total} requests answered");
    }
    Ok(())
}
