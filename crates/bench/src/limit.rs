//! The physical limit: the core reads straight through a pool with the same concurrency, no HTTP.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::ops::{Data, Op};
use crate::seed::{mrn, PREFIXES};

/// Each query kind for `secs` seconds: (label, requests per second, the operation it compares to).
pub async fn direct_limit(
    pool_url: &str,
    clients: usize,
    secs: u64,
    data: &Data,
) -> anyhow::Result<Vec<(&'static str, f64, Op)>> {
    let pool = hearth::db::pool_options(clients.min(32) as u32).connect(pool_url).await?;
    let mut out = Vec::new();
    for (label, op) in [
        ("search: name prefix", Op::SearchName),
        ("search: MRN", Op::SearchMrn),
        ("open chart (patient + timeline)", Op::OpenChart),
    ] {
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
                    let r = match op {
                        Op::SearchName => {
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
                        Op::SearchMrn => sqlx::query("SELECT id, mrn, given_name, family_name FROM patients WHERE mrn = $1")
                            .bind(mrn(rng.gen_range(1..=n)))
                            .fetch_all(&pool)
                            .await
                            .map(|_| ()),
                        _ => {
                            let id = ids[rng.gen_range(0..ids.len())];
                            let a = sqlx::query(
                                "SELECT mrn, given_name, family_name, sex, birth_date FROM patients WHERE id = $1",
                            )
                            .bind(id)
                            .fetch_optional(&pool)
                            .await;
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
        out.push((label, total as f64 / secs as f64, op));
    }
    Ok(out)
}
