//! The clinical modules' work lists the benchmark's module operations read: a pharmacy
//! verification queue, laboratory specimens to collect and to result, radiology bookings in
//! three rooms (X-ray, CT, ultrasound) from today over the coming weeks, theatre lists with cases, two wards'
//! patients on verified, acknowledged medicines with doses planned (eMAR), and billing patients
//! with unbilled charges. Built through the modules' own public functions (as their demo
//! seeders do), so rows, charges, alerts and audit are as real; sized from the number of
//! benchmark patients; seeded once per database (`hearth_bench.modules`).

use std::time::Instant;

use anyhow::{anyhow, Context};
use hearth::modules::{bednet, billing, emar, insurance, laboratory, pharmacy, radiology, surgery};
use hearth::platform::audit::AuditMeta;
use hearth::registry::{OrderEntry, OrderRequest};
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// The seeded work the module operations need at run time.
#[derive(Debug, Clone, Default)]
pub struct ModuleData {
    /// The eMAR ward (`W01`) whose doses due the `emar-ward` operation lists.
    pub ward: Option<Uuid>,
    /// Patients with unbilled charges (`invoice-draft` bills and cancels them).
    pub billing: Vec<Uuid>,
    /// The bed network's public facilities' coordinates (`bednet-public` asks from near them).
    pub network: Vec<(f64, f64)>,
}

/// How much of each work list is seeded for `n` benchmark patients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sizes {
    /// Medication orders awaiting pharmacist verification.
    pub rx_pending: usize,
    /// Laboratory orders whose specimen is still to be collected.
    pub lab_to_collect: usize,
    /// Specimens received in biochemistry, awaiting results (the worksheet).
    pub lab_received: usize,
    /// Imaging orders protocolled and booked (12 per room per day, from today on).
    pub imaging: usize,
    /// Theatre cases booked (8 per theatre per day in 4 theatres, back from today).
    pub cases: usize,
    /// Billing patients with three unbilled charges each.
    pub billing: usize,
    /// Insured patients with an issued invoice and its insurance claim (the claims worklist;
    /// other patients than the billing ones, so never more than the patients left).
    pub claims: usize,
}

impl Sizes {
    pub fn of(n: usize) -> Sizes {
        let c = |x: usize, lo: usize, hi: usize| x.clamp(lo, hi).min(n.max(1));
        Sizes {
            rx_pending: c(n / 200, 20, 100),
            lab_to_collect: c(n / 100, 20, 150),
            lab_received: c(n / 500, 10, 40),
            imaging: c(n / 20, 36, 1_000),
            cases: c(n / 50, 16, 400),
            billing: c(n / 20, 64, 1_000),
            claims: c(n / 100, 40, 300).min(n.saturating_sub(c(n / 20, 64, 1_000))),
        }
    }
}

const ROOMS: [(&str, &str, &str, &str); 3] =
    [("XR1", "X-ray 1", "XR", "XR-CHEST"), ("CT1", "CT 1", "CT", "CT-HEAD"), ("US1", "Ultrasound 1", "US", "US-ABDO")];

pub const MODALITIES: [&str; 3] = ["XR", "CT", "US"];

const THEATRES: usize = 4;

fn e(what: &'static str) -> impl Fn(hearth::error::AppError) -> anyhow::Error {
    move |err| anyhow!("{what}: {err}")
}

fn meta(id: Uuid, label: &str) -> AuditMeta {
    AuditMeta { actor_user_id: Some(id), actor_label: label.into(), ..AuditMeta::system("hearth-bench") }
}

struct Staff {
    facility: Uuid,
    doctor: (Uuid, AuditMeta),
    colleague: (Uuid, AuditMeta),
    nurse: (Uuid, AuditMeta),
    admin: AuditMeta,
}

/// Seeds the module work lists once (and gives the benchmark users the clinical roles the
/// operations need: nurse, pharmacist, laboratory technician, radiologist, radiographer).
pub async fn seed(pool: &PgPool, n: usize) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO user_roles (user_id, role_code)
         SELECT u.id, r FROM users u
              CROSS JOIN unnest(ARRAY['nurse', 'pharmacist', 'lab_technician', 'radiologist', 'radiographer']) r
         WHERE u.email LIKE 'bench%@bench.hearth'
         ON CONFLICT DO NOTHING",
    )
    .execute(pool)
    .await?;
    sqlx::raw_sql("CREATE SCHEMA IF NOT EXISTS hearth_bench; CREATE TABLE IF NOT EXISTS hearth_bench.modules (seeded_at timestamptz NOT NULL)")
        .execute(pool)
        .await?;
    bed_network(pool).await.context("bednet")?;
    let done: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM hearth_bench.modules)").fetch_one(pool).await?;
    if done {
        return Ok(());
    }
    let t0 = Instant::now();
    let sizes = Sizes::of(n);
    eprintln!("seeding the modules' work lists ({sizes:?})...");
    let facility: Uuid = sqlx::query_scalar("SELECT id FROM facilities WHERE code = 'BEN'").fetch_one(pool).await?;
    let users: Vec<Uuid> =
        sqlx::query_scalar("SELECT id FROM users WHERE email LIKE 'bench%@bench.hearth' ORDER BY email LIMIT 3")
            .fetch_all(pool)
            .await?;
    let [a, b, c] = users[..] else { anyhow::bail!("the benchmark users are missing") };
    let staff = Staff {
        facility,
        doctor: (a, meta(a, "bench0@bench.hearth")),
        colleague: (b, meta(b, "bench1@bench.hearth")),
        nurse: (c, meta(c, "bench10@bench.hearth")),
        admin: meta(a, "bench0@bench.hearth"),
    };
    let patients: Vec<Uuid> =
        sqlx::query_scalar("SELECT id FROM patients WHERE mrn LIKE 'BEN-%' ORDER BY mrn").fetch_all(pool).await?;
    if patients.is_empty() {
        anyhow::bail!("no benchmark patients");
    }
    // Patients from the end of the list (the first ones are in beds and in the ED).
    let pick = |i: usize| patients[patients.len() - 1 - i % patients.len()];

    let mut tx = pool.begin().await?;
    pharmacy_queue(&mut tx, &staff, sizes.rx_pending, &pick).await.context("pharmacy")?;
    laboratory_lists(&mut tx, &staff, sizes, &pick).await.context("laboratory")?;
    tx.commit().await?;
    let mut tx = pool.begin().await?;
    radiology_bookings(&mut tx, &staff, sizes.imaging, &pick).await.context("radiology")?;
    tx.commit().await?;
    let mut tx = pool.begin().await?;
    theatre_lists(&mut tx, &staff, sizes.cases, &pick).await.context("surgery")?;
    ward_medicines(&mut tx, &staff).await.context("emar")?;
    billing_charges(&mut tx, &staff, sizes.billing, &pick).await.context("billing")?;
    insurance_claims(&mut tx, &staff, sizes, &pick).await.context("insurance")?;
    sqlx::query("INSERT INTO hearth_bench.modules (seeded_at) VALUES (now())").execute(&mut *tx).await?;
    tx.commit().await?;
    // Seal the audit events the seeding wrote (thousands), as the patients' seed does: a server
    // started on a fresh database would otherwise seal them while the first requests that write
    // audit wait on the chain (a 503 once the lock timeout passes).
    hearth::platform::audit::seal_all(pool).await?;
    sqlx::query("VACUUM ANALYZE audit_unsealed").execute(pool).await?;
    for t in [
        "rx_orders",
        "lab_orders",
        "lab_specimens",
        "rad_orders",
        "surgery_cases",
        "emar_doses",
        "charges",
        "billing_invoices",
        "insurance_claims",
        "orders",
        "audit_events",
    ] {
        sqlx::query(&format!("ANALYZE {t}")).execute(pool).await?;
    }
    eprintln!("seeded the modules' work lists in {:.0} s", t0.elapsed().as_secs_f64());
    Ok(())
}

/// What the operations need: the eMAR ward and the billing patients.
pub async fn load(pool: &PgPool) -> anyhow::Result<ModuleData> {
    let ward: Option<Uuid> = sqlx::query_scalar(
        "SELECT w.id FROM inpatient_wards w JOIN facilities f ON f.id = w.facility_id
         WHERE f.code = 'BEN' AND w.code = 'W01'",
    )
    .fetch_optional(pool)
    .await?;
    let billing: Vec<Uuid> = sqlx::query_scalar(
        "SELECT DISTINCT patient_id FROM charges WHERE source_module = 'laboratory' AND kind = 'result'
         AND code LIKE 'LAB:LAB-CHEM-%' ORDER BY patient_id",
    )
    .fetch_all(pool)
    .await?;
    let network: Vec<(f64, f64)> =
        sqlx::query_as("SELECT lat, lon FROM bednet_facilities WHERE public ORDER BY code").fetch_all(pool).await?;
    Ok(ModuleData { ward, billing, network })
}

/// The bed network: the benchmark hospital (counts live from its wards) and four external
/// facilities, all listed publicly, with a few open emergency bed requests (seeded once, as
/// `crates/bednet/src/demo.rs` does). The external facilities report fresh counts at every
/// start (through the module's `push_report`), so a reused database's reports are not stale.
async fn bed_network(pool: &PgPool) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    let have: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM bednet_facilities WHERE code = 'BEN')")
        .fetch_one(&mut *tx)
        .await?;
    let user: Uuid =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'bench0@bench.hearth'").fetch_one(&mut *tx).await?;
    let m = meta(user, "bench0@bench.hearth");
    if !have {
        sqlx::query(
            "INSERT INTO bednet_facilities (id, facility_id, code, name, lat, lon, address, services, contact, ed_status, public)
             SELECT $1, f.id, f.code, f.name, 51.5010, -0.1180, 'Westminster Bridge Road', $2, '+44 20 7000 0000', 'normal', true
             FROM facilities f WHERE f.code = 'BEN'",
        )
        .bind(Uuid::new_v4())
        .bind(vec!["trauma".to_string(), "stroke".to_string(), "dialysis".to_string()])
        .execute(&mut *tx)
        .await?;
        for ext in bednet::demo::EXTERNAL {
            bednet::demo::insert_external(&mut tx, ext).await?;
        }
    }
    let now = OffsetDateTime::now_utc();
    for (code, _, _, _, _, _, _, beds) in bednet::demo::EXTERNAL {
        let f = sqlx::query_scalar::<_, Uuid>("SELECT id FROM bednet_facilities WHERE code = $1")
            .bind(code)
            .fetch_one(&mut *tx)
            .await?;
        let f = bednet::repo::facility(&mut tx, f).await?.ok_or_else(|| anyhow!("network facility {code}"))?;
        // Above the last report's (refused otherwise), even for two starts in one second.
        let last: Option<i64> = sqlx::query_scalar("SELECT max(seq) FROM bednet_counts WHERE network_facility_id = $1")
            .bind(f.id)
            .fetch_one(&mut *tx)
            .await?;
        let r = bednet::model::BednetReport {
            as_of: now,
            seq: now.unix_timestamp().max(last.map_or(0, |l| l + 1)),
            counts: beds
                .iter()
                .map(|&(t, physical, staffed, free)| bednet::model::BednetReportCount {
                    bed_type: t.into(),
                    physical: physical.into(),
                    staffed: staffed.into(),
                    free: free.into(),
                })
                .collect(),
        };
        bednet::repo::push_report(&mut tx, &m, &f, &r).await.map_err(e("report"))?;
    }
    if !have {
        let ben: Uuid =
            sqlx::query_scalar("SELECT id FROM bednet_facilities WHERE code = 'BEN'").fetch_one(&mut *tx).await?;
        let smh: Uuid =
            sqlx::query_scalar("SELECT id FROM bednet_facilities WHERE code = 'SMH'").fetch_one(&mut *tx).await?;
        for (facility, bed_type, priority, esi, summary) in [
            (ben, "critical_care", "P1", 1, "Polytrauma after a road collision, intubated on scene."),
            (ben, "general", "P3", 3, "Community-acquired pneumonia, needs IV antibiotics."),
            (smh, "critical_care", "P2", 2, "STEMI, for primary PCI."),
        ] {
            let v = bednet::model::ValidRequest {
                facility,
                bed_type: bed_type.into(),
                priority: priority.into(),
                esi,
                news2: Some(5),
                summary: summary.into(),
                eta: now + Duration::minutes(30),
            };
            bednet::repo::create_request(&mut tx, &m, &v).await.map_err(e("bed request"))?;
        }
    }
    tx.commit().await?;
    bednet::snapshot::invalidate();
    Ok(())
}

fn order(
    kind: &'static hearth::registry::OrderKind,
    patient: Uuid,
    code: &str,
    doctor: Uuid,
    options: serde_json::Value,
) -> OrderRequest {
    OrderRequest {
        kind,
        patient,
        encounter: None,
        code: code.into(),
        priority: "routine".into(),
        indication: "Benchmark order".into(),
        orderer: doctor,
        entry: OrderEntry::Signed,
        read_back: false,
        options,
        set_id: None,
    }
}

fn rx_options(product: &str, dose: &str, unit: &str, frequency: &str) -> serde_json::Value {
    let yesterday = (OffsetDateTime::now_utc() - Duration::days(1)).date().to_string();
    json!({
        "product": product, "dose": dose, "dose_unit": unit, "frequency": frequency,
        "prn": "", "prn_indication": "", "quantity": "28", "start_date": yesterday,
        "override_reason": "Reviewed (benchmark).",
    })
}

async fn pharmacy_queue(
    conn: &mut PgConnection,
    s: &Staff,
    count: usize,
    pick: &impl Fn(usize) -> Uuid,
) -> anyhow::Result<()> {
    for i in 0..count {
        let req = order(
            &pharmacy::orders::KIND,
            pick(i),
            "OMEP-20-CAP",
            s.doctor.0,
            rx_options("OMEP-20-CAP", "20", "mg", "OD"),
        );
        pharmacy::orders::create_detail(conn, &s.doctor.1, &req).await.map_err(e("prescribe"))?;
    }
    Ok(())
}

async fn laboratory_lists(
    conn: &mut PgConnection,
    s: &Staff,
    sizes: Sizes,
    pick: &impl Fn(usize) -> Uuid,
) -> anyhow::Result<()> {
    for i in 0..sizes.lab_to_collect + sizes.lab_received {
        let code = if i % 2 == 0 { "BMP" } else { "CBC" };
        // Received specimens are all biochemistry (the worksheet's default section).
        let code = if i >= sizes.lab_to_collect { "BMP" } else { code };
        let req = order(&laboratory::orders::KIND, pick(i), code, s.doctor.0, json!({"confirm_duplicate": true}));
        let header = (laboratory::orders::KIND.create)(conn, &s.doctor.1, &req).await.map_err(e("lab order"))?;
        if i < sizes.lab_to_collect {
            continue;
        }
        let specimen: Uuid = sqlx::query_scalar(
            "SELECT s.id FROM lab_specimens s JOIN lab_orders lo ON lo.id = s.lab_order_id WHERE lo.order_id = $1",
        )
        .bind(header)
        .fetch_one(&mut *conn)
        .await?;
        laboratory::repo::collect(conn, &s.nurse.1, specimen, s.nurse.0, None).await.map_err(e("collect"))?;
        laboratory::repo::receive(conn, &s.doctor.1, specimen).await.map_err(e("receive"))?;
    }
    Ok(())
}

async fn radiology_bookings(
    conn: &mut PgConnection,
    s: &Staff,
    count: usize,
    pick: &impl Fn(usize) -> Uuid,
) -> anyhow::Result<()> {
    let facilities = [s.facility];
    let mut rooms = Vec::new();
    for (code, name, modality, _) in ROOMS {
        let form = radiology::model::RadiologyRoomForm {
            facility_id: s.facility.to_string(),
            code: code.into(),
            name: name.into(),
            modality: modality.into(),
        };
        rooms.push(radiology::repo::create_room(conn, &s.admin, &facilities, &form).await.map_err(e("room"))?);
    }
    let today = OffsetDateTime::now_utc().replace_time(time::Time::MIDNIGHT);
    for i in 0..count {
        let r = i % ROOMS.len();
        let k = (i / ROOMS.len()) as i64;
        let req = order(&radiology::orders::KIND, pick(i), ROOMS[r].3, s.doctor.0, json!({"laterality": ""}));
        let header = (radiology::orders::KIND.create)(conn, &s.doctor.1, &req).await.map_err(e("imaging order"))?;
        let id: Uuid = sqlx::query_scalar("SELECT id FROM rad_orders WHERE order_id = $1")
            .bind(header)
            .fetch_one(&mut *conn)
            .await?;
        let pf = radiology::model::RadiologyProtocolForm { decision: "accept".into(), ..Default::default() };
        radiology::repo::protocol(conn, &s.doctor.1, id, &facilities, &pf).await.map_err(e("protocol"))?;
        let bf = radiology::model::RadiologyBookForm {
            room_id: rooms[r].to_string(),
            pregnancy: "not_pregnant".into(),
            mr_implant: "none".into(),
            ..Default::default()
        };
        // Hourly from 07:00, twelve a day per room, today and the days after (a booking may
        // start at most 24 hours back).
        let start = today + Duration::hours(7 + k % 12) + Duration::days(k / 12);
        radiology::repo::book(conn, &s.colleague.1, id, &facilities, &bf, Some(start)).await.map_err(e("book"))?;
    }
    Ok(())
}

async fn theatre_lists(
    conn: &mut PgConnection,
    s: &Staff,
    count: usize,
    pick: &impl Fn(usize) -> Uuid,
) -> anyhow::Result<()> {
    let facilities = vec![s.facility];
    let today = OffsetDateTime::now_utc().replace_time(time::Time::MIDNIGHT);
    let mut theatres = Vec::new();
    for t in 0..THEATRES {
        let v = surgery::model::ValidTheatre {
            facility_id: s.facility,
            code: format!("OR{}", t + 1),
            name: format!("Theatre {}", t + 1),
            specialty: "General surgery".into(),
            equipment: "Laparoscopy stack".into(),
            emergency: false,
        };
        let id = surgery::repo::create_theatre(conn, &s.admin, &v).await.map_err(e("theatre"))?;
        let v = surgery::model::ValidSession {
            theatre_id: id,
            surgeon_id: None,
            specialty: "General surgery".into(),
            starts_at: today + Duration::hours(7),
            ends_at: today + Duration::hours(20),
        };
        surgery::repo::create_session(conn, &s.admin, &v, &facilities).await.map_err(e("session"))?;
        theatres.push(id);
    }
    for i in 0..count {
        let t = i % THEATRES;
        let k = (i / THEATRES) as i64;
        // Every 90 minutes from 07:30, eight a day per theatre, today and back.
        let start = today + Duration::minutes(450 + 90 * (k % 8)) - Duration::days(k / 8);
        let v = surgery::model::ValidCase {
            theatre_id: theatres[t],
            session_id: None,
            procedure_code: if i % 2 == 0 { "CHOLE-LAP".into() } else { "APPX-LAP".into() },
            side: "not_applicable".into(),
            site: String::new(),
            surgeon_id: s.doctor.0,
            assistant_id: None,
            anaesthetist_id: s.colleague.0,
            nurse_id: Some(s.nurse.0),
            anaesthesia: "general".into(),
            priority: "elective".into(),
            target_at: None,
            admission: "inpatient".into(),
            blood: "none".into(),
            blood_units: 0,
            blood_attested: false,
            planned_start: start,
            expected_minutes: Some(60),
        };
        surgery::repo::book(conn, &s.doctor.1, pick(i), &v, &facilities).await.map_err(e("case"))?;
    }
    Ok(())
}

/// Every patient in wards W01 and W02: three regular medicines verified by the pharmacist,
/// acknowledged by the nurse, a wristband, and doses planned from 20 hours ago to 24 hours ahead.
async fn ward_medicines(conn: &mut PgConnection, s: &Staff) -> anyhow::Result<()> {
    let stays: Vec<Uuid> = sqlx::query_scalar(
        "SELECT a.patient_id FROM inpatient_admissions a JOIN inpatient_wards w ON w.id = a.ward_id
         WHERE w.facility_id = $1 AND w.code IN ('W01', 'W02') AND a.status = 'admitted' ORDER BY w.code, a.patient_id",
    )
    .bind(s.facility)
    .fetch_all(&mut *conn)
    .await?;
    let now = OffsetDateTime::now_utc();
    let zone = hearth::web::time::Zone::utc();
    for patient in stays {
        for (product, dose, unit, frequency) in
            [("PARA-500-TAB", "1", "g", "QDS"), ("ENOX-40-INJ", "40", "mg", "OD"), ("METF-500-TAB", "500", "mg", "TDS")]
        {
            let req = order(
                &pharmacy::orders::KIND,
                patient,
                product,
                s.doctor.0,
                rx_options(product, dose, unit, frequency),
            );
            let (_, id, _) =
                pharmacy::orders::create_detail(conn, &s.doctor.1, &req).await.map_err(e("ward prescription"))?;
            pharmacy::repo::verify(conn, &s.colleague.1, id).await.map_err(e("verify"))?;
            emar::repo::acknowledge(conn, &s.nurse.1, patient, id).await.map_err(e("acknowledge"))?;
        }
        emar::repo::issue_wristband(conn, &s.nurse.1, patient).await.map_err(e("wristband"))?;
        emar::repo::generate(conn, &zone, patient, now - Duration::hours(20), now + Duration::hours(24))
            .await
            .map_err(e("plan doses"))?;
    }
    Ok(())
}

/// The facility's billing settings and starter price list, and three priced laboratory charges
/// (captured as a released order captures them) for each billing patient.
async fn billing_charges(
    conn: &mut PgConnection,
    s: &Staff,
    count: usize,
    pick: &impl Fn(usize) -> Uuid,
) -> anyhow::Result<()> {
    let has: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM billing_settings WHERE facility_id = $1)")
        .bind(s.facility)
        .fetch_one(&mut *conn)
        .await?;
    if !has {
        billing::repo::set_settings(conn, &s.admin, s.facility, "USD", 1).await.map_err(e("settings"))?;
    }
    billing::catalogue::load_for(conn, &s.admin, s.facility, time::macros::date!(2020 - 01 - 01)).await?;
    let now = OffsetDateTime::now_utc();
    for i in 0..count {
        let patient = pick(i);
        for (k, (code, name)) in [("LAB-CHEM-NA", "Sodium"), ("LAB-CHEM-K", "Potassium"), ("LAB-CHEM-CL", "Chloride")]
            .into_iter()
            .enumerate()
        {
            let at = now - Duration::hours((i % 72) as i64 + k as i64);
            laboratory::repo::charge(conn, &s.doctor.1, patient, Uuid::new_v4(), code, name, at)
                .await
                .map_err(e("charge"))?;
        }
    }
    Ok(())
}

/// A payer with one plan (USD: copay, 20 % coinsurance) and, for each insured patient (after the
/// billing patients), a primary policy, three priced haematology charges invoiced and issued,
/// and the invoice's claim: two in three submitted, the others left drafts (as insurance's demo
/// does, through its own functions).
async fn insurance_claims(
    conn: &mut PgConnection,
    s: &Staff,
    sizes: Sizes,
    pick: &impl Fn(usize) -> Uuid,
) -> anyhow::Result<()> {
    use insurance::model::*;
    let payer = insurance::repo::create_payer(
        conn,
        &s.admin,
        &InsurancePayerForm { code: "BENCH".into(), name: "Bench Mutual".into() },
    )
    .await
    .map_err(e("payer"))?;
    let plan = insurance::repo::create_plan(
        conn,
        &s.admin,
        &InsurancePlanForm {
            payer: Some(payer),
            code: "STD".into(),
            name: "Standard".into(),
            currency: "USD".into(),
            copay: 1500,
            coinsurance_bp: 2000,
            deductible: 0,
            annual_limit: None,
            excluded_codes: vec![],
            preauth_codes: vec![],
        },
    )
    .await
    .map_err(e("plan"))?;
    let clerk = hearth::platform::auth::CurrentUser {
        id: s.doctor.0,
        email: "bench0@bench.hearth".into(),
        display_name: "Bench 0".into(),
        roles: vec!["hospital_admin".into()],
        perms: vec![],
        facility_ids: vec![s.facility],
        session_id: None,
        must_change_password: false,
        mfa_enabled: false,
        mfa_required: false,
        via: hearth::platform::auth::AuthVia::Bearer,
        client_id: None,
        time_zone: None,
        locale: String::new(),
    };
    let now = OffsetDateTime::now_utc();
    let facilities = [s.facility];
    for i in 0..sizes.claims {
        let patient = pick(sizes.billing + i);
        for (k, (code, name)) in
            [("LAB-HAEM-WBC", "Leukocytes (WBC)"), ("LAB-HAEM-HGB", "Haemoglobin"), ("LAB-HAEM-PLT", "Platelets")]
                .into_iter()
                .enumerate()
        {
            let at = now - Duration::days(1 + (i % 20) as i64) - Duration::hours(k as i64);
            laboratory::repo::charge(conn, &s.doctor.1, patient, Uuid::new_v4(), code, name, at)
                .await
                .map_err(e("charge"))?;
        }
        let form = billing::model::BillingInvoiceForm { facility: Some(s.facility), charges: None, manual: vec![] };
        let id = billing::repo::build_invoice(conn, &s.admin, Some(&facilities), Some(s.facility), patient, &form)
            .await
            .map_err(e("invoice"))?;
        let inv = billing::repo::load(conn, id).await?.ok_or_else(|| anyhow!("invoice {id}"))?;
        billing::repo::finalise(conn, &s.admin, &inv).await.map_err(e("finalise"))?;
        let policy = insurance::repo::add_policy(
            conn,
            &s.admin,
            patient,
            &InsurancePolicyForm {
                plan: Some(plan),
                member_id: format!("BEN-{i:05}"),
                valid_from: "2020-01-01".into(),
                valid_to: String::new(),
                priority: "primary".into(),
                relationship: "self".into(),
            },
        )
        .await
        .map_err(e("policy"))?;
        let claim = insurance::repo::create_claim(
            conn,
            &s.admin,
            &clerk,
            patient,
            &InsuranceClaimForm { invoice: Some(id), policy: Some(policy) },
        )
        .await
        .map_err(e("claim"))?;
        if i % 3 != 0 {
            let c = insurance::repo::claim(conn, claim).await?.ok_or_else(|| anyhow!("claim {claim}"))?;
            insurance::repo::claim_action(
                conn,
                &s.admin,
                &c,
                &InsuranceClaimAction { action: "submit".into(), reason: String::new() },
            )
            .await
            .map_err(e("submit"))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_grow_with_the_patients_and_stay_bounded() {
        let small = Sizes::of(500);
        assert_eq!(small.rx_pending, 20);
        assert_eq!(small.imaging, 36);
        assert_eq!(small.billing, 64);
        assert_eq!(small.claims, 40);
        let large = Sizes::of(200_000);
        assert_eq!(large.rx_pending, 100);
        assert_eq!(large.imaging, 1_000);
        assert_eq!(large.cases, 400);
        assert_eq!(large.claims, 300);
        assert!(Sizes::of(10).billing <= 10);
        assert_eq!(Sizes::of(10).claims, 0);
        assert_eq!(Sizes::of(100).claims, 36);
    }
}
