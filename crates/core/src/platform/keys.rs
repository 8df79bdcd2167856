//! `hearth keys rotate`: make a new key version active, then re-encrypt every encrypted column
//! in batches. Old versions keep decrypting throughout, so nothing stops.

use sqlx::{PgPool, Row};

use crate::platform::audit::{self, AuditMeta, Event};
use crate::platform::crypto::KeyRing;
use crate::registry::Registry;

pub const BATCH: i64 = 500;

/// Activates the next version and returns it.
pub async fn activate_next(pool: &PgPool) -> sqlx::Result<u32> {
    let mut tx = pool.begin().await?;
    sqlx::query("LOCK TABLE crypto_key_versions IN EXCLUSIVE MODE").execute(&mut *tx).await?;
    let next: i32 =
        sqlx::query_scalar("SELECT coalesce(max(version), 0) + 1 FROM crypto_key_versions").fetch_one(&mut *tx).await?;
    sqlx::query("UPDATE crypto_key_versions SET active = false WHERE active").execute(&mut *tx).await?;
    sqlx::query("INSERT INTO crypto_key_versions (version, active) VALUES ($1, true)")
        .bind(next)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        &AuditMeta::system("hearth keys rotate"),
        Event::new("keys.rotate", "crypto_key_version", next),
    )
    .await?;
    tx.commit().await?;
    Ok(next as u32)
}

/// Re-encrypts values not under `version`; calls `progress(table, column, done)` per batch.
pub async fn reencrypt_all(
    pool: &PgPool,
    keys: &KeyRing,
    registry: &Registry,
    version: u32,
    mut progress: impl FnMut(&str, &str, u64),
) -> anyhow::Result<u64> {
    let vbytes = version.to_be_bytes().to_vec();
    let mut total = 0u64;
    for c in registry.encrypted_columns() {
        let (table, pk, col) = (c.table, c.key, c.column);
        let mut done = 0u64;
        loop {
            let mut tx = pool.begin().await?;
            let rows = sqlx::query(&format!(
                "SELECT {pk} AS pk, {col} AS v FROM {table} WHERE {col} IS NOT NULL AND substring({col} from 1 for 4) <> $1 LIMIT $2 FOR UPDATE SKIP LOCKED"
            ))
            .bind(&vbytes)
            .bind(BATCH)
            .fetch_all(&mut *tx)
            .await?;
            if rows.is_empty() {
                break;
            }
            for r in &rows {
                let id: uuid::Uuid = r.get("pk");
                let blob: Vec<u8> = r.get("v");
                let aad = c.aad.for_row(id);
                let plain = keys.decrypt(&blob, &aad).map_err(|e| anyhow::anyhow!("{table}.{col} row {id}: {e}"))?;
                let fresh = keys.encrypt_with(version, &plain, &aad);
                sqlx::query(&format!("UPDATE {table} SET {col} = $1 WHERE {pk} = $2"))
                    .bind(fresh)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            done += rows.len() as u64;
            progress(table, col, done);
        }
        total += done;
    }
    Ok(total)
}
