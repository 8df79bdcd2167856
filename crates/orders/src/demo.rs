//! Demo data: a few orders of the kinds the installation's modules declare (placed through each
//! kind's create function, as the order form does): signed and urgent ones, a draft, a telephone
//! order waiting for the demo doctor's countersignature, one on hold, and a released result in
//! the demo doctor's inbox; plus an order set for the hospital administrator to look at.

use sqlx::PgConnection;

use crate::repo::{self, Action};
use hearth_core::platform::audit::AuditMeta;
use hearth_core::registry::{DemoContext, OrderEntry, OrderRequest};

fn meta_of(ctx: &DemoContext, user: uuid::Uuid, label: &str) -> AuditMeta {
    AuditMeta { actor_user_id: Some(user), actor_label: label.to_string(), ..ctx.meta.clone() }
}

pub async fn seed(conn: &mut PgConnection, ctx: &DemoContext) -> anyhow::Result<()> {
    let (Some(doctor), Some(nurse)) = (ctx.user("doctor@demo.hearth"), ctx.user("nurse@demo.hearth")) else {
        return Ok(());
    };
    let Some(kind) = ctx.registry.order_kinds().next() else { return Ok(()) };
    let codes = (kind.catalogue)(conn, "", 50).await?;
    if codes.len() < 3 || ctx.patients.len() < 6 {
        return Ok(());
    }
    let as_doctor = meta_of(ctx, doctor, "doctor@demo.hearth");
    let as_nurse = meta_of(ctx, nurse, "nurse@demo.hearth");
    let code = |i: usize| codes[i % codes.len()].0.clone();
    let req = |patient, code: String, priority: &str, indication: &str, orderer, entry| OrderRequest {
        kind,
        patient,
        encounter: None,
        code,
        priority: priority.to_string(),
        indication: indication.to_string(),
        orderer,
        entry,
        read_back: entry.on_behalf(),
        options: serde_json::json!({}),
        set_id: None,
    };
    let mut n = 0;
    let p = |i: usize| ctx.patients[i].id;
    // Signed orders, one urgent.
    let first = (kind.create)(
        conn,
        &as_doctor,
        &req(p(0), code(0), "routine", "Catch-up of the recommended schedule.", doctor, OrderEntry::Signed),
    )
    .await
    .map_err(|e| anyhow::anyhow!("demo order: {e}"))?;
    (kind.create)(conn, &as_doctor, &req(p(1), code(1), "urgent", "Outbreak on the ward.", doctor, OrderEntry::Signed))
        .await
        .map_err(|e| anyhow::anyhow!("demo order: {e}"))?;
    // A draft the doctor has not signed yet.
    (kind.create)(conn, &as_doctor, &req(p(2), code(2), "routine", "", doctor, OrderEntry::Draft))
        .await
        .map_err(|e| anyhow::anyhow!("demo order: {e}"))?;
    // A telephone order the nurse took from the doctor: waits for the countersignature.
    (kind.create)(
        conn,
        &as_nurse,
        &req(p(3), code(0), "asap", "Requested by phone during the night round.", doctor, OrderEntry::Telephone),
    )
    .await
    .map_err(|e| anyhow::anyhow!("demo order: {e}"))?;
    // One on hold.
    let held = (kind.create)(conn, &as_doctor, &req(p(4), code(1), "routine", "", doctor, OrderEntry::Signed))
        .await
        .map_err(|e| anyhow::anyhow!("demo order: {e}"))?;
    repo::transition(
        conn,
        &as_doctor,
        held,
        Action::Hold,
        doctor,
        Some("Febrile today; give once the fever has settled."),
    )
    .await
    .map_err(|e| anyhow::anyhow!("demo hold: {e}"))?;
    n += 5;
    // A released result in the doctor's inbox.
    repo::set_fulfilment(conn, &as_nurse, first, "in progress").await.map_err(|e| anyhow::anyhow!("demo: {e}"))?;
    repo::release_result(
        conn,
        &as_nurse,
        first,
        "Follow-up serology: antibody titre protective. No further dose needed.",
    )
    .await
    .map_err(|e| anyhow::anyhow!("demo result: {e}"))?;
    // An order set.
    let set = repo::create_set(conn, &ctx.meta, "Adult catch-up vaccination", "Common catch-up doses for adults.")
        .await
        .map_err(|e| anyhow::anyhow!("demo set: {e}"))?;
    for (c, d) in codes.iter().take(2) {
        repo::add_item(conn, &ctx.meta, set, kind.kind, c, d, "routine", "Catch-up of the recommended schedule.")
            .await
            .map_err(|e| anyhow::anyhow!("demo set item: {e}"))?;
    }
    tracing::info!(orders = n, "seeded demo orders");
    Ok(())
}
