//! The job queue: retries with backoff, dead letters, the admin page, leases after a killed
//! worker, two workers sharing work, recurring schedules, graceful shutdown and metrics.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::StatusCode;
use hearth::platform::jobs::{self, Opts, Outcome, Schedule, Worker};
use uuid::Uuid;

use crate::fakes::eventually;
use crate::helpers::TestApp;

fn fast(app: &TestApp) -> Worker {
    Worker::new(app.state.clone()).poll(Duration::from_millis(20)).backoff_base(Duration::from_millis(5))
}

async fn enqueue(app: &TestApp, kind: &str, payload: serde_json::Value, opts: Opts) -> i64 {
    let mut tx = app.pool.begin().await.unwrap();
    let id = jobs::enqueue(&mut tx, kind, payload, opts).await.unwrap().unwrap();
    tx.commit().await.unwrap();
    id
}

async fn job_state(app: &TestApp, id: i64) -> (String, i32, Option<String>) {
    sqlx::query_as("SELECT state, attempts, last_error FROM jobs WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn failures_are_retried_with_backoff_then_dead_lettered_and_admins_retry_or_discard() {
    let (mut admin, _) = TestApp::signed_in("hospital_admin").await;
    let calls: Arc<Mutex<HashMap<i64, u32>>> = Arc::default();
    let c = calls.clone();
    let worker = fast(&admin).handler("test.flaky", move |_s, job| {
        let c = c.clone();
        async move {
            let mut m = c.lock().unwrap();
            let n = m.entry(job.id).or_default();
            *n += 1;
            let fail_times = job.payload["fail"].as_u64().unwrap_or(0) as u32;
            if *n <= fail_times {
                Outcome::Retry(format!("boom {n}"))
            } else {
                Outcome::Done
            }
        }
    });
    let ok = enqueue(&admin, "test.flaky", serde_json::json!({"fail": 2}), Opts::default().attempts(5)).await;
    let dead = enqueue(&admin, "test.flaky", serde_json::json!({"fail": 99}), Opts::default().attempts(3)).await;
    // The same idempotency key twice: one job.
    let keyed = enqueue(&admin, "test.flaky", serde_json::json!({}), Opts::key("once")).await;
    let mut tx = admin.pool.begin().await.unwrap();
    assert_eq!(jobs::enqueue(&mut tx, "test.flaky", serde_json::json!({}), Opts::key("once")).await.unwrap(), None);
    tx.commit().await.unwrap();

    eventually(10, "jobs to settle", || async {
        worker.run_once().await.unwrap();
        let a = job_state(&admin, ok).await;
        let b = job_state(&admin, dead).await;
        (a.0 == "done" && b.0 == "dead").then_some(())
    })
    .await;
    assert_eq!(calls.lock().unwrap()[&ok], 3);
    assert_eq!(calls.lock().unwrap()[&dead], 3, "max_attempts respected");
    assert_eq!(calls.lock().unwrap()[&keyed], 1);
    let (_, attempts, err) = job_state(&admin, dead).await;
    assert_eq!((attempts, err.as_deref()), (3, Some("boom 3")));

    // The admin page shows the dead job with its error; retry is audited and re-runs it.
    let page = admin.get("/admin/jobs?state=dead").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("test.flaky") && page.body.contains("boom 3"), "{}", page.body);
    assert_eq!(admin.get("/admin/jobs?state=bogus").await.status, StatusCode::BAD_REQUEST);
    let r = admin.post_form(&format!("/admin/jobs/{dead}/retry"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(job_state(&admin, dead).await.0, "queued");
    assert_eq!(admin.audit_count("job.retry").await, 1);
    // A queued job cannot be "retried"; a done one cannot be discarded; unknown ids are 404.
    assert_eq!(admin.post_form(&format!("/admin/jobs/{dead}/retry"), &[]).await.status, StatusCode::CONFLICT);
    assert_eq!(admin.post_form(&format!("/admin/jobs/{ok}/discard"), &[]).await.status, StatusCode::CONFLICT);
    assert_eq!(admin.post_form("/admin/jobs/999999/discard", &[]).await.status, StatusCode::NOT_FOUND);
    let r = admin.post_form(&format!("/admin/jobs/{dead}/discard"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(admin.audit_count("job.discard").await, 1);
    let gone: i64 =
        sqlx::query_scalar("SELECT count(*) FROM jobs WHERE id = $1").bind(dead).fetch_one(&admin.pool).await.unwrap();
    assert_eq!(gone, 0);

    // Metrics: queue depth by state, runs and failures by kind.
    let m = admin.metrics().await.body;
    assert!(m.contains("hearth_jobs_queue_depth{state=\"dead\"} 0"), "{m}");
    assert!(m.contains("hearth_jobs_total{kind=\"test.flaky\",outcome=\"done\"} 2"), "{m}");
    assert!(m.contains("hearth_job_failures_total{kind=\"test.flaky\"} 5"), "{m}");
    assert!(m.contains("hearth_job_duration_seconds_count{kind=\"test.flaky\",outcome=\"done\"} 2"), "{m}");
}

#[tokio::test]
async fn jobs_manage_is_needed_for_the_admin_page() {
    let (mut nurse, _) = TestApp::signed_in("nurse").await;
    assert_eq!(nurse.get("/admin/jobs").await.status, StatusCode::FORBIDDEN);
    assert_eq!(nurse.post_form("/admin/jobs/1/retry", &[]).await.status, StatusCode::FORBIDDEN);
    let (mut sa, _) = TestApp::signed_in("super_admin").await;
    assert_eq!(sa.get("/admin/jobs").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_killed_workers_job_runs_again_after_the_lease_exactly_once() {
    let app = TestApp::new().await;
    let runs = Arc::new(Mutex::new(0u32));
    let r = runs.clone();
    let worker = fast(&app).handler("test.once", move |_s, _j| {
        let r = r.clone();
        async move {
            *r.lock().unwrap() += 1;
            Outcome::Done
        }
    });
    let id = enqueue(&app, "test.once", serde_json::json!({}), Opts::default()).await;
    // A worker claims it and dies (never finishes).
    let dead_worker = Uuid::new_v4();
    let claimed = jobs::claim(&app.pool, dead_worker, Duration::from_millis(300), 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    // Still leased: nobody else may take it.
    assert_eq!(worker.run_once().await.unwrap(), 0);
    eventually(10, "the lease to run out", || async { (worker.run_once().await.unwrap() == 1).then_some(()) }).await;
    assert_eq!(*runs.lock().unwrap(), 1);
    assert_eq!(job_state(&app, id).await.0, "done");
    // The dead worker's late completion is refused (fenced by its claim token).
    let stale = jobs::finish(&app.pool, &claimed[0], &Outcome::Done, Duration::from_secs(1)).await.unwrap();
    assert_eq!(stale, None);
    assert_eq!(worker.run_once().await.unwrap(), 0);
    assert_eq!(*runs.lock().unwrap(), 1);
}

#[tokio::test]
async fn two_workers_share_the_queue_and_run_each_job_once() {
    let app = TestApp::new().await;
    let seen: Arc<Mutex<Vec<i64>>> = Arc::default();
    let mk = |s: Arc<Mutex<Vec<i64>>>| {
        fast(&app).concurrency(3).handler("test.count", move |_st, job| {
            let s = s.clone();
            async move {
                tokio::time::sleep(Duration::from_millis(5)).await;
                s.lock().unwrap().push(job.id);
                Outcome::Done
            }
        })
    };
    for _ in 0..30 {
        enqueue(&app, "test.count", serde_json::json!({}), Opts::default()).await;
    }
    let (a, b) = (mk(seen.clone()), mk(seen.clone()));
    eventually(20, "all jobs", || async {
        let (x, y) = tokio::join!(a.run_once(), b.run_once());
        (x.unwrap() + y.unwrap() == 0 && seen.lock().unwrap().len() >= 30).then_some(())
    })
    .await;
    let mut ids = seen.lock().unwrap().clone();
    ids.sort();
    let n = ids.len();
    ids.dedup();
    assert_eq!((n, ids.len()), (30, 30), "every job ran exactly once");
}

#[tokio::test]
async fn cron_schedules_are_validated_and_each_occurrence_runs_once() {
    for bad in ["* * *", "60 * * * *", "0 25 * * *", "*/0 * * * *", "0 7 * * mon"] {
        assert!(Schedule::new("x", bad, "test.tick", serde_json::Value::Null).is_err(), "{bad}");
    }
    let app = TestApp::new().await;
    let s = Schedule::new("daily-report", "0 7 * * *", "test.tick", serde_json::json!({"r": 1})).unwrap();
    jobs::register_schedules(&app.pool, &[s]).await.unwrap();
    // Make an occurrence due, then let several "replicas" race for it.
    sqlx::query("UPDATE job_schedules SET next_run_at = '2026-01-01T07:00:00Z' WHERE name = 'daily-report'")
        .execute(&app.pool)
        .await
        .unwrap();
    let results = futures_util::future::join_all((0..4).map(|_| jobs::tick_schedules(&app.pool))).await;
    assert_eq!(results.into_iter().map(|r| r.unwrap()).sum::<u32>(), 1);
    // Even a second insert of the same occurrence (a replica with a stale view) is refused.
    sqlx::query("UPDATE job_schedules SET next_run_at = '2026-01-01T07:00:00Z' WHERE name = 'daily-report'")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(jobs::tick_schedules(&app.pool).await.unwrap(), 0);
    let (n, next): (i64, time::OffsetDateTime) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM jobs WHERE schedule = 'daily-report'), next_run_at FROM job_schedules WHERE name = 'daily-report'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(n, 1);
    assert!(next > time::OffsetDateTime::now_utc() && next.hour() == 7 && next.minute() == 0);
}

#[tokio::test]
async fn schedules_run_at_wall_clock_time_in_their_time_zone() {
    use time::macros::datetime;
    let app = TestApp::new().await;
    let seven = jobs::cron::Cron::parse("0 7 * * *").unwrap();
    // 07:00 in London is 07:00Z in winter and 06:00Z in summer; Kolkata has no DST (+05:30).
    let next = |zone: &'static str, after: time::OffsetDateTime| {
        let pool = app.pool.clone();
        let c = seven.clone();
        async move { jobs::next_in_zone(&pool, &c, zone, after).await.unwrap() }
    };
    assert_eq!(next("Europe/London", datetime!(2026-12-01 08:00 UTC)).await, datetime!(2026-12-02 07:00 UTC));
    assert_eq!(next("Europe/London", datetime!(2026-07-01 00:00 UTC)).await, datetime!(2026-07-01 06:00 UTC));
    // Across the spring change (29 March 2026): the day before at 07:00Z, the day after at 06:00Z.
    assert_eq!(next("Europe/London", datetime!(2026-03-28 08:00 UTC)).await, datetime!(2026-03-29 06:00 UTC));
    assert_eq!(next("Asia/Kolkata", datetime!(2026-12-01 00:00 UTC)).await, datetime!(2026-12-01 01:30 UTC));
    assert_eq!(next("UTC", datetime!(2026-12-01 00:00 UTC)).await, datetime!(2026-12-01 07:00 UTC));

    // Registered in a facility's zone; an unknown zone is refused when configured.
    let s = Schedule::new("kolkata-report", "30 7 * * *", "test.tick", serde_json::Value::Null).unwrap();
    jobs::register_schedules(&app.pool, &[s.in_zone("Asia/Kolkata")]).await.unwrap();
    let (zone, next): (String, time::OffsetDateTime) =
        sqlx::query_as("SELECT time_zone, next_run_at FROM job_schedules WHERE name = 'kolkata-report'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(zone, "Asia/Kolkata");
    assert_eq!((next.hour(), next.minute()), (2, 0), "07:30 IST is 02:00Z: {next}");
    let bad = Schedule::new("mars-report", "0 7 * * *", "test.tick", serde_json::Value::Null).unwrap();
    let e = jobs::register_schedules(&app.pool, &[bad.in_zone("Mars/Olympus")]).await.unwrap_err();
    assert!(e.to_string().contains("unknown time zone"), "{e}");
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM job_schedules WHERE name = 'mars-report'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(n, 0);
}

#[tokio::test]
async fn shutdown_lets_running_jobs_finish_and_releases_the_rest() {
    let app = TestApp::new().await;
    let quick = enqueue(&app, "test.quick", serde_json::json!({}), Opts::default()).await;
    let slow = enqueue(&app, "test.slow", serde_json::json!({}), Opts::default()).await;
    let started = Arc::new(tokio::sync::Notify::new());
    let (s1, s2) = (started.clone(), started.clone());
    let worker = fast(&app)
        .grace(Duration::from_millis(300))
        .handler("test.quick", move |_s, _j| {
            let s = s1.clone();
            async move {
                s.notify_one();
                tokio::time::sleep(Duration::from_millis(50)).await;
                Outcome::Done
            }
        })
        .handler("test.slow", move |_s, _j| {
            let s = s2.clone();
            async move {
                s.notify_one();
                tokio::time::sleep(Duration::from_secs(60)).await;
                Outcome::Done
            }
        });
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let run = tokio::spawn(worker.run_until(async move {
        let _ = stop_rx.await;
    }));
    started.notified().await;
    started.notified().await;
    stop_tx.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), run).await.expect("worker stops").unwrap();
    assert_eq!(job_state(&app, quick).await.0, "done");
    let (state, attempts, _) = job_state(&app, slow).await;
    assert_eq!((state.as_str(), attempts), ("queued", 0), "released without using an attempt");
}
