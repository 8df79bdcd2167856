//! Demo.
use hearth_core::registry::DemoContext;
use sqlx::PgConnection;
pub async fn seed(_conn: &mut PgConnection, _ctx: &DemoContext) -> anyhow::Result<()> {
    Ok(())
}
