//! The starter chargemaster `data/billing/prices.csv` (demo prices; see its README), loaded as a
//! facility's first price list.

use sqlx::PgConnection;
use time::Date;
use uuid::Uuid;

use crate::money;
use hearth_core::platform::audit::{self, AuditMeta, Event};

static PRICES: &str = include_str!("../../../data/billing/prices.csv");

/// The starter prices: (code, description, price in major units as written, tax basis points).
pub fn starter() -> anyhow::Result<Vec<(String, String, String, i32)>> {
    let mut out = Vec::new();
    for row in csv::Reader::from_reader(PRICES.as_bytes()).records() {
        let r = row?;
        let g = |i: usize| r.get(i).unwrap_or_default().trim().to_string();
        out.push((g(0), g(1), g(2), g(3).parse().unwrap_or(0)));
    }
    Ok(out)
}

/// Loads the starter prices as the facility's first price list (effective `from`), in the
/// facility's currency (prices written with two decimals are rescaled to its exponent). Does
/// nothing when the facility has a price list already. Returns the items loaded.
pub async fn load_for(conn: &mut PgConnection, meta: &AuditMeta, facility: Uuid, from: Date) -> anyhow::Result<u64> {
    let has: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM billing_price_lists WHERE facility_id = $1)")
        .bind(facility)
        .fetch_one(&mut *conn)
        .await?;
    if has {
        return Ok(0);
    }
    let s = crate::repo::settings(conn, facility).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO billing_price_lists (id, facility_id, version, effective_from, created_by) VALUES ($1, $2, 1, $3, $4)",
    )
    .bind(id)
    .bind(facility)
    .bind(from)
    .bind(meta.actor_user_id)
    .execute(&mut *conn)
    .await?;
    let mut n = 0;
    for (code, description, price, tax) in starter()? {
        let cents = money::parse(&price, 2).map_err(|e| anyhow::anyhow!("{code}: {e}"))?;
        let unit_price = match s.exp() {
            0 => cents / 100,
            3 => cents * 10,
            _ => cents,
        };
        n += sqlx::query(
            "INSERT INTO billing_price_items (price_list_id, code, description, unit_price, tax_rate_bp) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(&code)
        .bind(&description)
        .bind(unit_price)
        .bind(tax)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    }
    audit::record(
        conn,
        meta,
        Event::new("billing.price_list.load", "price_list", id)
            .changes(serde_json::json!({"facility": facility, "items": n})),
    )
    .await?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_starter_prices_parse() {
        let rows = super::starter().unwrap();
        assert!(rows.len() > 100);
        for (code, _, price, tax) in rows {
            assert!(crate::money::parse(&price, 2).is_ok(), "{code}");
            assert!((0..=10_000).contains(&tax));
        }
    }
}
