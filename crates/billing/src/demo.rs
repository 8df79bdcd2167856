//! Demo data of billing: USD settings and the starter price list for both demo facilities, and
//! invoices in every state — a draft, an issued one, one part-paid (cash today), one paid (card
//! today), one credited with its credit note — built from demo patients' captured charges plus a
//! manual registration fee, as the billing clerk would at the counter.

use sqlx::PgConnection;
use time::macros::date;
use uuid::Uuid;

use crate::model::{BillingInvoiceForm, BillingManualItem, BillingPaymentForm};
use crate::repo;
use hearth_core::platform::audit::AuditMeta;
use hearth_core::registry::DemoContext;

fn err(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("demo billing: {e}")
}

pub async fn seed(conn: &mut PgConnection, ctx: &DemoContext) -> anyhow::Result<()> {
    let (Some(clerk), Some(admin)) = (ctx.user("billing@demo.hearth"), ctx.user("hospitaladmin@demo.hearth")) else {
        return Ok(());
    };
    let as_user =
        |id: Uuid, label: &str| AuditMeta { actor_user_id: Some(id), actor_label: label.into(), ..ctx.meta.clone() };
    let clerk_meta = as_user(clerk, "billing@demo.hearth");
    let admin_meta = as_user(admin, "hospitaladmin@demo.hearth");
    for f in &ctx.facilities {
        let has: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM billing_settings WHERE facility_id = $1)")
            .bind(f)
            .fetch_one(&mut *conn)
            .await?;
        if !has {
            repo::set_settings(conn, &admin_meta, *f, "USD", 1).await.map_err(err)?;
        }
        crate::catalogue::load_for(conn, &admin_meta, *f, date!(2020 - 01 - 01)).await?;
    }
    let done: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM billing_invoices)").fetch_one(&mut *conn).await?;
    if done {
        return Ok(());
    }
    let fee = BillingManualItem {
        description: "Registration and records fee".into(),
        quantity: 1,
        unit_price: 1500,
        tax_rate_bp: 0,
    };
    // Patients with billable charges first (their charges become invoice lines), then others.
    let mut with_charges = Vec::new();
    let mut others = Vec::new();
    let today = time::OffsetDateTime::now_utc().date();
    for p in ctx.patients.iter().take(60) {
        // Only charges of the main facility with a demo price (billed ones are left out).
        let mut priced = Vec::new();
        for c in hearth_charges::repo::billable(&mut *conn, p.id, None).await? {
            if Some(c.facility_id) == ctx.facilities.first().copied()
                && repo::price_for(&mut *conn, c.facility_id, &c.code, today).await?.is_some()
            {
                priced.push(c.id);
            }
        }
        if priced.is_empty() {
            others.push((p.id, None));
        } else {
            with_charges.push((p.id, Some(priced)));
        }
    }
    let patients: Vec<(Uuid, Option<Vec<Uuid>>)> = with_charges.into_iter().chain(others).take(5).collect();
    let home = ctx.facilities.first().copied();
    for (i, (patient, charges)) in patients.into_iter().enumerate() {
        let f = BillingInvoiceForm {
            facility: home,
            charges: Some(charges.unwrap_or_default()),
            manual: vec![fee.clone()],
        };
        let id = repo::build_invoice(conn, &clerk_meta, None, home, patient, &f).await.map_err(err)?;
        if i == 0 {
            continue; // a draft
        }
        let inv = repo::load(conn, id).await?.ok_or_else(|| err("invoice"))?;
        repo::finalise(conn, &clerk_meta, &inv).await.map_err(err)?;
        let inv = repo::load(conn, id).await?.ok_or_else(|| err("invoice"))?;
        match i {
            2 => {
                let half = (inv.total / 2).max(1);
                let p = BillingPaymentForm { method: "cash".into(), amount: half, reference: String::new() };
                repo::pay(conn, &clerk_meta, &inv, &p).await.map_err(err)?;
            }
            3 => {
                let p = BillingPaymentForm {
                    method: "card".into(),
                    amount: inv.total,
                    reference: "TERM-01 AUTH 4821".into(),
                };
                repo::pay(conn, &clerk_meta, &inv, &p).await.map_err(err)?;
            }
            4 => {
                repo::credit(conn, &admin_meta, &inv, "Billed to the wrong patient at the counter.")
                    .await
                    .map_err(err)?;
            }
            _ => {}
        }
    }
    tracing::info!("seeded demo billing");
    Ok(())
}
