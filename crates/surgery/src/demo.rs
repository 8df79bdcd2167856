use hearth_core::registry::DemoContext;
pub async fn seed(_conn: &mut sqlx::PgConnection, _ctx: &DemoContext) -> anyhow::Result<()> {
    Ok(())
}
