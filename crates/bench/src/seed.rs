//! Seeding the benchmark database with COPY: patients with encrypted, blind-indexed fields,
//! a short history each, audit history, users, and a long-history cohort.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::time::Instant;

use anyhow::{bail, Context};
use hearth::modules::ehr::notes::AAD_BODY;
use hearth::modules::patients::repo::{bidx_national_id, bidx_phone, bidx_phone_tail, PHONE_INDEX_VERSION};
use hearth::platform::crypto::KeyRing;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::postgres::PgPoolCopyExt;
use sqlx::{Connection, Executor, PgConnection, PgPool};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::cli::Args;
use crate::ops::Data;

/// The benchmark database's master key (it holds synthetic data only).
pub const BENCH_KEY: &str = "YmVuY2htYXJrLW9ubHkta2V5LW5vdC1hLXNlY3JldCE=";
pub const PASSWORD: &str = "Bench-Password-2026!";
pub const USERS: usize = 64;

const SYLLABLES: &[&str] = &["ka", "lo", "mi", "ren", "sa", "to", "vi", "dan", "el", "bor", "qui", "nes", "ta", "ul"];
pub const PREFIXES: &[&str] =
    &["gar", "oka", "ngu", "mul", "smi", "jen", "kow", "ros", "had", "tan", "kalo", "ren", "vid"];

/// At most this many ordinary patients are opened and written to by the workload.
const SAMPLED: i64 = 20_000;

pub fn mrn(seq: usize) -> String {
    format!("BEN-{seq:07}")
}

pub fn phone(seq: usize) -> String {
    format!("+4477{seq:08}")
}

fn bytea(b: &[u8]) -> String {
    format!("\\\\x{}", hex::encode(b))
}

fn esc(s: &str) -> String {
    s.replace('\\', "\\\\").replace(['\t', '\n'], " ")
}

/// A timestamp as PostgreSQL reads it in COPY text (UTC).
pub fn pg_ts(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!("{} {:02}:{:02}:{:02}.{:06}+00", t.date(), t.hour(), t.minute(), t.second(), t.microsecond())
}

pub fn admin_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// DATABASE_URL with another database name, keeping any `?query` (e.g. `?host=/var/run/postgresql`
/// for the Unix socket).
pub fn db_url(name: &str) -> String {
    with_db(&admin_url(), name)
}

fn with_db(url: &str, name: &str) -> String {
    let url = url.to_string();
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

async fn copy_conn(conn: &mut PgConnection, stmt: &str, data: String) -> anyhow::Result<()> {
    let mut c = conn.copy_in_raw(stmt).await?;
    c.send(data.into_bytes()).await?;
    c.finish().await?;
    Ok(())
}

/// The long-history cohort's size and history per patient (`--long-history-*`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LongHistory {
    pub share: f64,
    pub encounters: u32,
    pub vitals: u32,
    pub notes: u32,
}

impl LongHistory {
    pub fn of(args: &Args) -> Self {
        LongHistory {
            share: args.long_history_share,
            encounters: args.long_history_encounters,
            vitals: args.long_history_vitals,
            notes: args.long_history_notes,
        }
    }
}

/// The sequence numbers (1-based) of the cohort's patients: `round(n × share)` of them, spread
/// evenly over the MRNs.
pub fn cohort_seqs(n: usize, share: f64) -> Vec<usize> {
    let count = ((n as f64 * share).round() as usize).min(n);
    (0..count).map(|k| k * n / count + 1).collect()
}

/// Seeds (or reuses) the benchmark database; returns its pool.
pub async fn prepare(args: &Args, keys: &KeyRing) -> anyhow::Result<PgPool> {
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
    hearth::REGISTRY.prepare(&pool).await?;
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
    let long = LongHistory::of(args);
    let cohort: HashSet<usize> = cohort_seqs(n, long.share).into_iter().collect();
    let mut cohort_ids = Vec::with_capacity(cohort.len());
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
            if cohort.contains(&seq) {
                cohort_ids.push(id);
            }
            let ph = phone(seq);
            writeln!(
                pats,
                "{id}\t{facility}\t{}\t{}\t{}\t{sex}\t{birth}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                mrn(seq),
                esc(given),
                esc(&family),
                bytea(&keys.encrypt(&ph, "patients.phone")),
                bytea(&bidx_phone(keys, &ph)),
                bytea(&keys.encrypt(&nid, "patients.national_id")),
                bytea(&bidx_national_id(keys, &nid)),
                bytea(&keys.encrypt(&format!("{} Bench Street", seq % 500), "patients.address")),
                bytea(&bidx_phone_tail(keys, &ph).unwrap_or_default()),
                PHONE_INDEX_VERSION,
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
             national_id_enc, national_id_bidx, address_enc, phone_tail_bidx, phone_index_version) FROM STDIN",
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
    seed_long_history(&pool, keys, &mut rng, &cohort_ids, long, dept, &users).await?;
    // Audit history: one event per patient, sealed into the hash chain like any other.
    eprintln!("seeding audit history...");
    sqlx::query(
        "INSERT INTO audit_events (actor_label, action, entity_type, entity_id, patient_id)
         SELECT 'bench-seed', 'patient.create', 'patient', id::text, id FROM patients WHERE mrn LIKE 'BEN-%'",
    )
    .execute(&pool)
    .await?;
    hearth::platform::audit::seal_all(&pool).await?;
    for t in ["patients", "encounters", "vitals", "problems", "notes", "audit_events", "audit_seals", "users"] {
        sqlx::query(&format!("ANALYZE {t}")).execute(&pool).await?;
    }
    // The seal queue just held every seeded event: clear its dead rows as autovacuum would.
    sqlx::query("VACUUM ANALYZE audit_unsealed").execute(&pool).await?;
    eprintln!("seeded in {:.0} s", t0.elapsed().as_secs_f64());
    Ok(pool)
}

const NOTE_TITLES: &[(&str, &str)] = &[
    ("progress", "Ward round"),
    ("progress", "Progress note"),
    ("soap", "Clinic review"),
    ("soap", "Telephone review"),
    ("procedure", "Procedure note"),
    ("free", "Discharge summary"),
];

const NOTE_SENTENCES: &[&str] = &[
    "Seen on the ward round with the nursing team.",
    "Comfortable at rest, no new complaints overnight.",
    "Observations stable; afebrile; saturations on room air within target.",
    "Chest clear on auscultation, heart sounds normal, abdomen soft and non-tender.",
    "Blood results reviewed: renal function stable, inflammatory markers falling.",
    "Medication chart reviewed and reconciled with the community prescription.",
    "Capillary glucose readings within target on the current regimen.",
    "Mobilising with a frame; physiotherapy to continue daily.",
    "Plan discussed with the patient, who agrees and has no further questions.",
    "Blood pressure remains above target; antihypertensive dose increased.",
    "Wound inspected: clean and dry, no signs of infection.",
    "Dietitian review requested for weight loss over the last three months.",
    "Safety-netting advice given; to return if symptoms worsen.",
    "Fluid balance neutral over the last 24 hours; oral intake improving.",
    "Pain controlled on regular paracetamol; no opioid needed overnight.",
    "Reviewed with the family at their request; questions answered.",
];

const NOTE_SECTIONS: &[&str] = &["Subjective:", "Objective:", "Assessment:", "Plan:"];

/// A plausible note body of 400–1,600 characters.
fn note_body(rng: &mut StdRng) -> String {
    let target = rng.gen_range(400..1600);
    let mut s = String::with_capacity(target + 200);
    let mut section = 0;
    while s.len() < target {
        if section < NOTE_SECTIONS.len() && (s.is_empty() || rng.gen_bool(0.3)) {
            if !s.is_empty() {
                s.push_str("\n\n");
            }
            s.push_str(NOTE_SECTIONS[section]);
            s.push('\n');
            section += 1;
        } else {
            s.push(' ');
        }
        s.push_str(NOTE_SENTENCES[rng.gen_range(0..NOTE_SENTENCES.len())]);
    }
    s
}

/// Rows per COPY while seeding the cohort (a few MB of text each).
const COPY_ROWS: usize = 50_000;

/// The long-history cohort: for each patient `long.encounters` finished encounters,
/// `long.vitals` vital-sign readings and `long.notes` notes (encrypted bodies, most signed,
/// each attached to one of the encounters) spread over ten years, loaded with COPY in batches;
/// the cohort is recorded in `hearth_bench.long_history` for the runs that reuse the database.
async fn seed_long_history(
    pool: &PgPool,
    keys: &KeyRing,
    rng: &mut StdRng,
    ids: &[Uuid],
    long: LongHistory,
    dept: Uuid,
    users: &[Uuid],
) -> anyhow::Result<()> {
    sqlx::raw_sql(
        "CREATE SCHEMA IF NOT EXISTS hearth_bench;
         CREATE TABLE IF NOT EXISTS hearth_bench.long_history (
             patient_id uuid PRIMARY KEY, encounters int NOT NULL, vitals int NOT NULL, notes int NOT NULL)",
    )
    .execute(pool)
    .await?;
    if ids.is_empty() {
        return Ok(());
    }
    let t0 = Instant::now();
    // The rows are consistent by construction (their patients, users, department and
    // encounters exist): a superuser skips the per-row foreign-key triggers, which are about
    // half of the load's time. Without the privilege the checks run.
    let mut conn = pool.acquire().await?;
    let fast = conn.execute("SET session_replication_role = replica").await.is_ok();
    let r = copy_long_history(&mut conn, keys, rng, ids, long, dept, users).await;
    if fast {
        conn.execute("RESET session_replication_role").await?;
    }
    r?;
    sqlx::query(
        "INSERT INTO hearth_bench.long_history (patient_id, encounters, vitals, notes)
         SELECT unnest($1::uuid[]), $2, $3, $4",
    )
    .bind(ids)
    .bind(long.encounters as i32)
    .bind(long.vitals as i32)
    .bind(long.notes as i32)
    .execute(pool)
    .await?;
    eprintln!("long history seeded in {:.0} s", t0.elapsed().as_secs_f64());
    Ok(())
}

async fn copy_long_history(
    conn: &mut PgConnection,
    keys: &KeyRing,
    rng: &mut StdRng,
    ids: &[Uuid],
    long: LongHistory,
    dept: Uuid,
    users: &[Uuid],
) -> anyhow::Result<()> {
    let t0 = Instant::now();
    let now = OffsetDateTime::now_utc();
    let span = 10 * 365 * 86_400i64;
    let (mut encs, mut vits, mut notes) = (String::new(), String::new(), String::new());
    let (mut ne, mut nv, mut nn) = (0usize, 0usize, 0usize);
    let per_patient = (long.encounters + long.vitals + long.notes) as usize;
    let batch = (COPY_ROWS / per_patient.max(1)).max(1);
    for (i, chunk) in ids.chunks(batch).enumerate() {
        for &id in chunk {
            // Encounters, remembered for the notes that belong to them.
            let mut visits = Vec::with_capacity(long.encounters as usize);
            for _ in 0..long.encounters {
                let eid = Uuid::new_v4();
                let start = now - Duration::seconds(rng.gen_range(7_200..span));
                let (kind, reason) = [
                    ("outpatient", "Clinic review"),
                    ("inpatient", "Admission"),
                    ("emergency", "Shortness of breath"),
                    ("telephone", "Results"),
                    ("outpatient", "Follow-up"),
                ][rng.gen_range(0..5)];
                writeln!(
                    encs,
                    "{eid}\t{id}\t{kind}\tfinished\t{dept}\t{}\t{reason}\t{}\t{}",
                    users[rng.gen_range(0..users.len())],
                    pg_ts(start),
                    pg_ts(start + Duration::minutes(30)),
                )?;
                visits.push((eid, start));
            }
            for _ in 0..long.vitals {
                let sys = rng.gen_range(105..165);
                writeln!(
                    vits,
                    "{}\t{id}\t{}\t{:.1}\t{}\t{}\t{sys}\t{}\t{}\t{}",
                    Uuid::new_v4(),
                    pg_ts(now - Duration::seconds(rng.gen_range(60..span))),
                    rng.gen_range(360..385) as f64 / 10.0,
                    rng.gen_range(55..110),
                    rng.gen_range(12..22),
                    rng.gen_range(60..95),
                    rng.gen_range(92..=100),
                    users[rng.gen_range(0..users.len())],
                )?;
            }
            for _ in 0..long.notes {
                let (template, title) = NOTE_TITLES[rng.gen_range(0..NOTE_TITLES.len())];
                let author = users[rng.gen_range(0..users.len())];
                let (encounter, created) = if visits.is_empty() {
                    ("\\N".to_string(), now - Duration::seconds(rng.gen_range(7_200..span)))
                } else {
                    let (eid, start) = visits[rng.gen_range(0..visits.len())];
                    (eid.to_string(), start + Duration::minutes(60))
                };
                let body = bytea(&keys.encrypt(&note_body(rng), AAD_BODY));
                let signed = rng.gen_bool(0.9);
                let (status, signed_by, signed_at) = if signed {
                    ("signed", author.to_string(), pg_ts(created + Duration::minutes(30)))
                } else {
                    ("draft", "\\N".to_string(), "\\N".to_string())
                };
                writeln!(
                    notes,
                    "{}\t{id}\t{encounter}\t{template}\t{title}\t{body}\t{status}\t{author}\t{signed_by}\t{signed_at}\t{}",
                    Uuid::new_v4(),
                    pg_ts(created),
                )?;
            }
        }
        ne += chunk.len() * long.encounters as usize;
        nv += chunk.len() * long.vitals as usize;
        nn += chunk.len() * long.notes as usize;
        copy_conn(
            conn,
            "COPY encounters (id, patient_id, kind, status, department_id, clinician_id, reason, starts_at, ended_at) FROM STDIN",
            std::mem::take(&mut encs),
        )
        .await?;
        copy_conn(
            conn,
            "COPY vitals (id, patient_id, taken_at, temperature_c, pulse, resp_rate, bp_systolic, bp_diastolic, spo2, recorded_by) FROM STDIN",
            std::mem::take(&mut vits),
        )
        .await?;
        copy_conn(
            conn,
            "COPY notes (id, patient_id, encounter_id, template, title, body_enc, status, author_id, signed_by, signed_at, created_at) FROM STDIN",
            std::mem::take(&mut notes),
        )
        .await?;
        if i % 10 == 9 || (i + 1) * batch >= ids.len() {
            eprintln!(
                "long history: {} / {} patients ({ne} encounters, {nv} vital signs, {nn} notes, {:.0} s)",
                ((i + 1) * batch).min(ids.len()),
                ids.len(),
                t0.elapsed().as_secs_f64()
            );
        }
    }
    Ok(())
}

/// The long-history cohort as seeded: patients and history per patient.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CohortInfo {
    pub patients: usize,
    pub encounters: u32,
    pub vitals: u32,
    pub notes: u32,
}

/// What the workload needs from the database: patient counts, the ordinary patients it opens,
/// and the long-history cohort (warning when the database was seeded with other
/// `--long-history-*` flags).
pub async fn load(pool: &PgPool, args: &Args) -> anyhow::Result<(Data, Option<CohortInfo>)> {
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM patients WHERE mrn LIKE 'BEN-%'").fetch_one(pool).await?;
    let has_cohort: bool =
        sqlx::query_scalar("SELECT to_regclass('hearth_bench.long_history') IS NOT NULL").fetch_one(pool).await?;
    let (long, info): (Vec<Uuid>, Option<CohortInfo>) = if has_cohort {
        let long: Vec<Uuid> = sqlx::query_scalar(
            "SELECT l.patient_id FROM hearth_bench.long_history l JOIN patients p ON p.id = l.patient_id ORDER BY p.mrn",
        )
        .fetch_all(pool)
        .await?;
        let row: Option<(i32, i32, i32)> =
            sqlx::query_as("SELECT max(encounters), max(vitals), max(notes) FROM hearth_bench.long_history")
                .fetch_one(pool)
                .await
                .ok();
        let info = row.filter(|_| !long.is_empty()).map(|(e, v, nt)| CohortInfo {
            patients: long.len(),
            encounters: e as u32,
            vitals: v as u32,
            notes: nt as u32,
        });
        (long, info)
    } else {
        (Vec::new(), None)
    };
    let wanted = LongHistory::of(args);
    // Registrations of earlier runs add patients: the share is compared loosely.
    let expected = cohort_seqs(n as usize, wanted.share).len();
    let matches = match info {
        None => expected == 0 || wanted.encounters + wanted.vitals + wanted.notes == 0,
        Some(i) => {
            i.patients.abs_diff(expected) <= (expected / 20).max(1)
                && (i.encounters, i.vitals, i.notes) == (wanted.encounters, wanted.vitals, wanted.notes)
        }
    };
    if !matches {
        eprintln!(
            "note: {} holds a long-history cohort of {} (the flags ask for {expected} patients with {} encounters, {} vital signs, {} notes); run with --reseed to seed it again",
            args.db,
            info.map(|i| format!("{} patients with {} encounters, {} vital signs, {} notes", i.patients, i.encounters, i.vitals, i.notes))
                .unwrap_or_else(|| "none".into()),
            wanted.encounters,
            wanted.vitals,
            wanted.notes
        );
    }
    let skip: HashSet<Uuid> = long.iter().copied().collect();
    let mut ids: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM patients WHERE mrn LIKE 'BEN-%' ORDER BY mrn LIMIT $1")
        .bind(SAMPLED + long.len() as i64)
        .fetch_all(pool)
        .await?;
    ids.retain(|id| !skip.contains(id));
    ids.truncate(SAMPLED as usize);
    if ids.is_empty() {
        bail!("{} has no ordinary benchmark patients", args.db);
    }
    Ok((Data { patients: n as usize, ids, long, long_views: args.long_history_views, ..Default::default() }, info))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cohort_is_spread_over_the_mrns() {
        assert_eq!(cohort_seqs(500, 0.01), vec![1, 101, 201, 301, 401]);
        assert_eq!(cohort_seqs(200_000, 0.01).len(), 2_000);
        assert!(cohort_seqs(500, 0.0).is_empty());
        assert_eq!(cohort_seqs(3, 1.0), vec![1, 2, 3]);
        assert_eq!(cohort_seqs(10, 0.5), vec![1, 3, 5, 7, 9]);
        assert!(cohort_seqs(0, 0.5).is_empty());
    }

    #[test]
    fn timestamps_for_copy() {
        let t = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap() + Duration::microseconds(42);
        assert_eq!(pg_ts(t), "2023-11-14 22:13:20.000042+00");
    }

    #[test]
    fn note_bodies_are_sections_of_sentences() {
        let mut rng = StdRng::seed_from_u64(3);
        for _ in 0..50 {
            let b = note_body(&mut rng);
            assert!((400..1800).contains(&b.len()), "{}", b.len());
            assert!(b.starts_with("Subjective:"));
            assert!(!b.contains('\t'));
        }
    }

    #[test]
    fn database_urls_keep_their_query() {
        assert_eq!(
            with_db("postgres://u@h:5432/postgres?host=/run/pg", "hearth_bench"),
            "postgres://u@h:5432/hearth_bench?host=/run/pg"
        );
        assert_eq!(with_db("postgres://u@h/postgres", "x"), "postgres://u@h/x");
    }
}
