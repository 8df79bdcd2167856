//! Seeds many synthetic patients into a scratch database and times the registry searches on
//! them (see docs/patients.md). Not part of CI.
//!
//! `DATABASE_URL=postgres://.../scratch HEARTH_DATA_DIR=/tmp/x cargo run --bin seed_patients -- 200000`
//!
//! Rows go in with COPY, 10,000 at a time, with phone, national ID, email and address encrypted
//! and blind-indexed exactly as registration does.

use std::time::Instant;

use hearth::config::Config;
use hearth::modules::patients::repo::{bidx_email, bidx_national_id, bidx_phone, bidx_phone_tail, PHONE_INDEX_VERSION};
use hearth::modules::patients::search::search;
use hearth::platform::crypto::KeyRing;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::postgres::PgPoolCopyExt;
use uuid::Uuid;

const SYLLABLES: &[&str] =
    &["ka", "lo", "mi", "ren", "sa", "to", "vi", "dan", "el", "bor", "qui", "nes", "ta", "ul", "gar"];

fn hex(b: &[u8]) -> String {
    format!("\\\\x{}", hex::encode(b))
}

fn esc(s: &str) -> String {
    s.replace('\\', "\\\\").replace(['\t', '\n'], " ")
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(200_000);
    let config = Config::from_env()?;
    let url = config.database_url.clone().ok_or_else(|| anyhow::anyhow!("set DATABASE_URL to a scratch database"))?;
    let pool = hearth::db::pool_options(4).connect(&url).await?;
    hearth::db::migrate(&pool).await?;
    let keys = KeyRing::new(config.master_key.clone(), 1);
    let facility = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO facilities (id, code, name) VALUES ($1, 'SEED', 'Seed Hospital') ON CONFLICT (code) DO NOTHING",
    )
    .bind(facility)
    .execute(&pool)
    .await?;
    let facility: Uuid = sqlx::query_scalar("SELECT id FROM facilities WHERE code = 'SEED'").fetch_one(&pool).await?;
    let start_seq: i64 =
        sqlx::query_scalar("UPDATE facilities SET mrn_next = mrn_next + $2 WHERE id = $1 RETURNING mrn_next - $2")
            .bind(facility)
            .bind(n as i64)
            .fetch_one(&pool)
            .await?;
    let mut rng = StdRng::seed_from_u64(200_000);
    let t0 = Instant::now();
    let mut done = 0usize;
    while done < n {
        let batch = (n - done).min(10_000);
        let mut buf = String::with_capacity(batch * 600);
        for i in 0..batch {
            let seq = start_seq + (done + i) as i64;
            // Common names plus generated ones, so names are neither all unique nor all alike.
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
            let phone = format!("+4477{:08}", seq);
            let nid = format!("SD{:08}", seq);
            let email = format!("p{seq}@example.org");
            let addr = format!("{} Seed Street", seq % 500);
            let id = Uuid::new_v4();
            buf.push_str(&format!(
                "{id}\t{facility}\tSEED-{seq:07}\t{}\t{}\t{sex}\t{birth}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
                esc(given),
                esc(&family),
                hex(&keys.encrypt(&phone, "patients.phone")),
                hex(&bidx_phone(&keys, &phone)),
                hex(&keys.encrypt(&nid, "patients.national_id")),
                hex(&bidx_national_id(&keys, &nid)),
                hex(&keys.encrypt(&addr, "patients.address")),
                hex(&keys.encrypt(&email, "patients.email")),
                hex(&bidx_email(&keys, &email)),
                hex(&bidx_phone_tail(&keys, &phone).unwrap_or_default()),
                PHONE_INDEX_VERSION,
            ));
        }
        let mut copy = pool
            .copy_in_raw(
                "COPY patients (id, facility_id, mrn, given_name, family_name, sex, birth_date, phone_enc, phone_bidx,
                 national_id_enc, national_id_bidx, address_enc, email_enc, email_bidx, phone_tail_bidx,
                 phone_index_version) FROM STDIN",
            )
            .await?;
        copy.send(buf.into_bytes()).await?;
        copy.finish().await?;
        done += batch;
        eprintln!("{done} / {n} patients ({:.1} s)", t0.elapsed().as_secs_f64());
    }
    sqlx::query("ANALYZE patients").execute(&pool).await?;
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM patients").fetch_one(&pool).await?;
    println!("patients in the database: {total}");
    // Time the real code path (classification, folding query, search query), warm cache.
    // A patient from the middle of everything seeded so far (run with 0 to only measure).
    let mid = (start_seq + n as i64) / 2;
    let probes = [
        ("name prefix", "müll".to_string()),
        ("name prefix, two words", "jose garc".to_string()),
        ("fuzzy (typo)", "kowalsky".to_string()),
        ("generated name substring", "renbor".to_string()),
        ("MRN", format!("SEED-{mid:07}")),
        ("phone", format!("+44 77{mid:08}")),
        ("national ID", format!("sd-{mid:08}")),
        ("date of birth", "1980-02-14".to_string()),
        ("list (no query)", String::new()),
    ];
    for (label, q) in probes {
        let _ = search(&pool, &keys, &q, None, 26).await?;
        let mut times = Vec::new();
        let mut hits = 0;
        for _ in 0..20 {
            let t = Instant::now();
            hits = search(&pool, &keys, &q, None, 26).await?.len();
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(|a, b| a.total_cmp(b));
        println!("{label:<26} q={q:<22} hits={hits:<3} median {:.2} ms  p95 {:.2} ms", times[10], times[18]);
    }
    Ok(())
}
