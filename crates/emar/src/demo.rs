pub async fn seed(_conn: &mut sqlx::PgConnection, _ctx: &hearth_core::registry::DemoContext) -> anyhow::Result<()> { Ok(()) }
