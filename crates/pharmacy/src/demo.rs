//! Demo data: stocked stores with lots of varied expiry (one near expiry, one quarantined), and
//! medication orders for demo patients — verified, dispensed, and a verification queue with
//! work in it, including orders that raised an interaction and an allergy alert (overridden
//! with a reason). The formulary itself is the reference data (`data/pharmacy/formulary.csv`).

use serde_json::json;
use sqlx::PgConnection;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::model::ValidReceipt;
use crate::repo;
use hearth_core::platform::audit::AuditMeta;
use hearth_core::registry::{DemoContext, OrderEntry, OrderRequest};

struct Rx {
    product: &'static str,
    dose: &'static str,
    unit: &'static str,
    frequency: &'static str,
    prn: &'static str,
    quantity: i32,
    override_reason: &'static str,
    /// 0: pending verification, 1: verified, 2: verified and dispensed.
    stage: u8,
}

const fn rx(
    product: &'static str,
    dose: &'static str,
    unit: &'static str,
    frequency: &'static str,
    quantity: i32,
    stage: u8,
) -> Rx {
    Rx { product, dose, unit, frequency, prn: "", quantity, override_reason: "", stage }
}

pub async fn seed(conn: &mut PgConnection, ctx: &DemoContext) -> anyhow::Result<()> {
    let Some(&facility) = ctx.facilities.first() else { return Ok(()) };
    let (Some(doctor), Some(pharmacist)) = (ctx.user("doctor@demo.hearth"), ctx.user("pharmacist@demo.hearth")) else {
        return Ok(());
    };
    let already: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM rx_stores)").fetch_one(&mut *conn).await?;
    if already {
        return Ok(());
    }
    let err = |e: hearth_core::error::AppError| anyhow::anyhow!("pharmacy demo: {e}");
    let pmeta =
        AuditMeta { actor_user_id: Some(pharmacist), actor_label: "pharmacist@demo.hearth".into(), ..ctx.meta.clone() };
    let dmeta = AuditMeta { actor_user_id: Some(doctor), actor_label: "doctor@demo.hearth".into(), ..ctx.meta.clone() };

    // Stores and stock.
    let main = repo::create_store(conn, &pmeta, facility, "Main pharmacy", "main").await.map_err(err)?;
    let ward = repo::create_store(conn, &pmeta, facility, "Medical ward stock", "ward").await.map_err(err)?;
    let ed = repo::create_store(conn, &pmeta, facility, "Emergency department stock", "ed").await.map_err(err)?;
    if let Some(&second) = ctx.facilities.get(1) {
        let other = repo::create_store(conn, &pmeta, second, "Main pharmacy", "main").await.map_err(err)?;
        for (i, code) in ["PARA-500-TAB", "AMOX-500-CAP", "METF-500-TAB", "OMEP-20-CAP"].iter().enumerate() {
            receive(conn, &pmeta, other, code, &format!("B2{i:03}"), 300, 200).await?;
        }
    }
    let today = OffsetDateTime::now_utc().date();
    let codes: Vec<String> =
        sqlx::query_scalar("SELECT code FROM rx_products WHERE active ORDER BY code").fetch_all(&mut *conn).await?;
    for (i, code) in codes.iter().enumerate() {
        // Two lots in the main pharmacy: a short-dated one (FEFO takes it first) and a long one.
        receive(conn, &pmeta, main, code, &format!("S{:02}{}", i, today.year() % 100), 45 + (i as i64 % 5) * 10, 30)
            .await?;
        receive(conn, &pmeta, main, code, &format!("L{:02}{}", i, today.year() % 100 + 2), 420 + i as i64 * 7, 200)
            .await?;
        if i % 3 == 0 {
            receive(conn, &pmeta, ward, code, &format!("W{:02}", i), 200, 20).await?;
        }
        if i % 4 == 0 {
            receive(conn, &pmeta, ed, code, &format!("E{:02}", i), 150, 10).await?;
        }
    }
    // A lot recalled by its maker: quarantined (the database refuses to dispense it).
    sqlx::query("UPDATE rx_lots SET quarantined = true WHERE product_code = 'AMOX-500-CAP' AND lot_number LIKE 'L%'")
        .execute(&mut *conn)
        .await?;

    // Medication orders for adult demo patients.
    let adults: Vec<Uuid> =
        ctx.patients.iter().filter(|p| (today - p.birth).whole_days() > 25 * 365).map(|p| p.id).take(8).collect();
    if adults.len() < 8 {
        return Ok(());
    }
    let stories: Vec<(Uuid, Vec<Rx>)> = vec![
        // Anticoagulated; an NSAID added for gout: a severe interaction, overridden with a reason.
        (
            adults[0],
            vec![
                rx("WARF-1-TAB", "5", "mg", "OD", 28, 2),
                Rx {
                    override_reason:
                        "Three days only for acute gout; colchicine not tolerated; INR on Friday, omeprazole cover.",
                    ..rx("IBU-400-TAB", "400", "mg", "TDS", 9, 0)
                },
            ],
        ),
        // Statin, then clarithromycin for pneumonia: contraindicated, overridden (statin paused).
        (
            adults[1],
            vec![
                rx("SIMVA-40-TAB", "40", "mg", "NOCTE", 28, 1),
                Rx {
                    override_reason: "Simvastatin paused for the 7-day course; pharmacist to confirm.",
                    ..rx("CLARI-500-TAB", "500", "mg", "BD", 14, 0)
                },
            ],
        ),
        // Post-operative analgesia: scheduled paracetamol and PRN morphine.
        (
            adults[2],
            vec![
                rx("PARA-500-TAB", "1", "g", "QDS", 56, 2),
                Rx { prn: "Severe pain (score 7 or more)", ..rx("MORPH-ORAL-2", "5", "mL", "Q4H", 1, 0) },
            ],
        ),
        // Type 2 diabetes and hypertension, verified and waiting to be dispensed.
        (adults[3], vec![rx("METF-500-TAB", "500", "mg", "BD", 56, 1), rx("RAMI-5-CAP", "5", "mg", "OD", 28, 1)]),
        // Heart failure: ramipril with spironolactone (a severe interaction, overridden).
        (
            adults[4],
            vec![
                rx("RAMI-5-CAP", "2.5", "mg", "OD", 28, 2),
                Rx {
                    override_reason: "HFrEF per cardiology; potassium and creatinine in 1 week and monthly.",
                    ..rx("SPIRO-25-TAB", "25", "mg", "OD", 28, 0)
                },
            ],
        ),
        (adults[5], vec![rx("AMOX-500-CAP", "500", "mg", "TDS", 15, 0), rx("OMEP-20-CAP", "20", "mg", "OD", 28, 0)]),
        (adults[6], vec![rx("AMLO-5-TAB", "5", "mg", "OD", 28, 2), rx("CEFALEX-500-CAP", "500", "mg", "QDS", 20, 0)]),
        (adults[7], vec![rx("APIX-5-TAB", "5", "mg", "BD", 56, 1)]),
    ];
    // A coded penicillin allergy (rash) for the patient given cefalexin: a non-interruptive
    // cross-sensitivity alert.
    let allergy = hearth_ehr::allergies::NewAllergy {
        substance_code: "penicillin".into(),
        reaction: "Urticarial rash".into(),
        severity: "moderate".into(),
        ..Default::default()
    };
    let list = hearth_ehr::allergies::list(&mut *conn, adults[6]).await?;
    if !list.iter().any(|a| a.substance_code.as_deref() == Some("penicillin")) {
        if let Ok(v) = allergy.validate(None, today, &hearth_core::web::time::Zone::utc()) {
            hearth_ehr::allergies::insert(conn, &dmeta, adults[6], &v).await.map_err(err)?;
        }
    }
    for (patient, orders) in stories {
        for o in orders {
            let req = OrderRequest {
                kind: &crate::orders::KIND,
                patient,
                encounter: None,
                code: o.product.into(),
                priority: "routine".into(),
                indication: String::new(),
                orderer: doctor,
                entry: OrderEntry::Signed,
                read_back: false,
                options: json!({
                    "product": o.product, "dose": o.dose, "dose_unit": o.unit, "frequency": o.frequency,
                    "prn": if o.prn.is_empty() { "" } else { "true" }, "prn_indication": o.prn,
                    "quantity": o.quantity.to_string(), "override_reason": o.override_reason,
                }),
                set_id: None,
            };
            let (_, id, _) = match crate::orders::create_detail(conn, &dmeta, &req).await {
                Ok(x) => x,
                Err(e) => {
                    tracing::warn!(product = o.product, "pharmacy demo order skipped: {e}");
                    continue;
                }
            };
            if o.stage >= 1 {
                repo::verify(conn, &pmeta, id).await.map_err(err)?;
            }
            if o.stage >= 2 {
                repo::dispense(conn, &pmeta, id, main, Some(o.quantity.min(28))).await.map_err(err)?;
            }
        }
    }
    Ok(())
}

async fn receive(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    store: Uuid,
    product: &str,
    lot: &str,
    days: i64,
    quantity: i32,
) -> anyhow::Result<()> {
    let r = ValidReceipt {
        store_id: store,
        product: product.to_string(),
        lot_number: lot.to_string(),
        expiry: OffsetDateTime::now_utc().date() + Duration::days(days),
        quantity,
        supplier: "Demo Wholesale Ltd".into(),
    };
    repo::receive(conn, meta, &r).await.map_err(|e| anyhow::anyhow!("pharmacy demo receipt: {e}"))?;
    Ok(())
}
