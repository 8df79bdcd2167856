//! Second factor: TOTP (RFC 6238, ±1 step, each code usable once) and single-use backup codes.

use rand::Rng;
use sqlx::PgConnection;
use totp_rs::{Algorithm, Secret, TOTP};
use uuid::Uuid;

use crate::platform::crypto::KeyRing;

pub const STEP: u64 = 30;
pub const AAD_SECRET: &str = "users.totp_secret";
pub const AAD_PENDING: &str = "users.totp_pending";
pub const BACKUP_CODES: usize = 10;

fn totp(secret: &[u8]) -> TOTP {
    // new_unchecked: the demo secret of CONTRACT.md is 80 bits, below totp-rs's 128-bit check.
    TOTP::new_unchecked(Algorithm::SHA1, 6, 1, STEP, secret.to_vec())
}

pub fn now_secs() -> u64 {
    time::OffsetDateTime::now_utc().unix_timestamp().max(0) as u64
}

/// A fresh 160-bit secret, base32 encoded.
pub fn new_secret() -> String {
    let mut b = [0u8; 20];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut b);
    Secret::Raw(b.to_vec()).to_encoded().to_string()
}

pub fn decode(secret_b32: &str) -> Option<Vec<u8>> {
    Secret::Encoded(secret_b32.to_string()).to_bytes().ok()
}

pub fn code_at(secret_b32: &str, time: u64) -> String {
    decode(secret_b32).map(|s| totp(&s).generate(time)).unwrap_or_default()
}

/// The time step a code matches (current, previous or next), if any.
pub fn matching_step(secret_b32: &str, code: &str, time: u64) -> Option<u64> {
    let code = code.trim().replace(' ', "");
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let secret = decode(secret_b32)?;
    let t = totp(&secret);
    let step = time / STEP;
    [step, step.saturating_sub(1), step + 1]
        .into_iter()
        .find(|s| subtle::ConstantTimeEq::ct_eq(t.generate(s * STEP).as_bytes(), code.as_bytes()).into())
}

pub fn otpauth_url(secret_b32: &str, email: &str) -> String {
    let label = serde_urlencoded::to_string([("l", format!("Hearth:{email}"))]).unwrap_or_default();
    format!(
        "otpauth://totp/{}?secret={secret_b32}&issuer=Hearth&algorithm=SHA1&digits=6&period=30",
        label.trim_start_matches("l=")
    )
}

/// The enrolment QR code as inline SVG (no remote service, CSP-safe: attributes only).
pub fn qr_svg(data: &str) -> String {
    match qrcode::QrCode::new(data.as_bytes()) {
        Ok(code) => {
            let svg = code
                .render::<qrcode::render::svg::Color>()
                .min_dimensions(220, 220)
                .dark_color(qrcode::render::svg::Color("#000000"))
                .light_color(qrcode::render::svg::Color("#ffffff"))
                .build();
            let body = svg.split_once("?>").map(|(_, b)| b).unwrap_or(&svg);
            body.replacen("<svg ", "<svg role=\"img\" aria-label=\"QR code for your authenticator app\" ", 1)
        }
        Err(_) => String::new(),
    }
}

/// Checks a TOTP code for the user and records its step, so it cannot be used again.
pub async fn verify_totp(conn: &mut PgConnection, keys: &KeyRing, user_id: Uuid, code: &str) -> sqlx::Result<bool> {
    let row: Option<(Option<Vec<u8>>, i64)> =
        sqlx::query_as("SELECT totp_secret_enc, totp_last_step FROM users WHERE id = $1 FOR UPDATE")
            .bind(user_id)
            .fetch_optional(&mut *conn)
            .await?;
    let Some((Some(blob), last)) = row else { return Ok(false) };
    let Some(secret) = keys.decrypt_opt(Some(&blob), AAD_SECRET) else { return Ok(false) };
    match matching_step(&secret, code, now_secs()) {
        Some(step) if step as i64 > last => {
            sqlx::query("UPDATE users SET totp_last_step = $2 WHERE id = $1")
                .bind(user_id)
                .bind(step as i64)
                .execute(&mut *conn)
                .await?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

fn normalize_backup(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect()
}

/// Replaces the user's backup codes with ten new ones and returns them (shown once).
pub async fn regenerate_backup_codes(
    conn: &mut PgConnection,
    keys: &KeyRing,
    user_id: Uuid,
) -> sqlx::Result<Vec<String>> {
    const ALPHA: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    sqlx::query("DELETE FROM mfa_backup_codes WHERE user_id = $1").bind(user_id).execute(&mut *conn).await?;
    let mut rng = rand::rngs::OsRng;
    let mut codes = Vec::with_capacity(BACKUP_CODES);
    for _ in 0..BACKUP_CODES {
        let raw: String = (0..10).map(|_| ALPHA[rng.gen_range(0..ALPHA.len())] as char).collect();
        let shown = format!("{}-{}", &raw[..5], &raw[5..]);
        sqlx::query("INSERT INTO mfa_backup_codes (id, user_id, code_hash) VALUES ($1, $2, $3)")
            .bind(Uuid::new_v4())
            .bind(user_id)
            .bind(keys.blind_index("mfa-backup-code", &raw))
            .execute(&mut *conn)
            .await?;
        codes.push(shown);
    }
    Ok(codes)
}

/// Spends a backup code; true when it existed and was unused.
pub async fn use_backup_code(conn: &mut PgConnection, keys: &KeyRing, user_id: Uuid, code: &str) -> sqlx::Result<bool> {
    let norm = normalize_backup(code);
    if norm.len() != 10 {
        return Ok(false);
    }
    let n = sqlx::query(
        "UPDATE mfa_backup_codes SET used_at = now() WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
    )
    .bind(user_id)
    .bind(keys.blind_index("mfa-backup-code", &norm))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n > 0)
}

/// A TOTP code or, failing that, a backup code.
pub async fn verify_any(
    conn: &mut PgConnection,
    keys: &KeyRing,
    user_id: Uuid,
    code: &str,
) -> sqlx::Result<Option<&'static str>> {
    let trimmed = code.trim();
    if trimmed.len() <= 7 && verify_totp(conn, keys, user_id, trimmed).await? {
        return Ok(Some("totp"));
    }
    if use_backup_code(conn, keys, user_id, trimmed).await? {
        return Ok(Some("backup_code"));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_within_one_step() {
        let s = "JBSWY3DPEHPK3PXP";
        let t = 1_800_000_000;
        let code = code_at(s, t);
        assert_eq!(code.len(), 6);
        assert_eq!(matching_step(s, &code, t), Some(t / STEP));
        assert_eq!(matching_step(s, &code, t + STEP), Some(t / STEP), "previous step accepted");
        assert_eq!(matching_step(s, &code, t - STEP), Some(t / STEP), "next step accepted");
        assert_eq!(matching_step(s, &code, t + 3 * STEP), None);
        assert_eq!(matching_step(s, "12345", t), None);
        assert_eq!(matching_step(s, "abcdef", t), None);
    }

    #[test]
    fn qr_is_inline_svg_without_styles() {
        let svg = qr_svg(&otpauth_url(&new_secret(), "a@b.c"));
        assert!(svg.starts_with("<svg"));
        assert!(!svg.contains("style"));
        assert!(otpauth_url("ABC", "a@b.c").starts_with("otpauth://totp/Hearth%3Aa%40b.c?secret=ABC"));
    }
}
