//! Demo data of the ledger. The demo immunizations capture their own charges (the example module
//! calls [`crate::capture`] as it records a dose given here); this adds what a billing clerk
//! also meets: a correction, one influenza dose reversed because the vaccine came from the public
//! programme.

use sqlx::PgConnection;
use uuid::Uuid;

use hearth_core::registry::DemoContext;

pub async fn seed(conn: &mut PgConnection, ctx: &DemoContext) -> anyhow::Result<()> {
    let Some(billing) = ctx.user("billing@demo.hearth") else { return Ok(()) };
    let one: Option<Uuid> = sqlx::query_scalar(
        "SELECT id FROM charges WHERE code = 'CVX:140' AND reverses IS NULL ORDER BY performed_at DESC, id LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(charge) = one {
        let meta = hearth_core::platform::audit::AuditMeta {
            actor_user_id: Some(billing),
            actor_label: "billing@demo.hearth".into(),
            ..ctx.meta.clone()
        };
        crate::reverse(conn, &meta, charge, "Vaccine supplied by the public programme; not billable.")
            .await
            .map_err(|e| anyhow::anyhow!("demo reversal: {e}"))?;
    }
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM charges").fetch_one(&mut *conn).await?;
    tracing::info!(charges = n, "seeded demo charges");
    Ok(())
}
