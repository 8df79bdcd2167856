//! Field encryption (AES-256-GCM under a versioned key ring) and HMAC blind indexes.
//!
//! Every key is derived from the master key with HKDF-SHA256, so the ring needs no key storage:
//! version N's key is `HKDF(master, info = "hearth/field/vN")`. A ciphertext is
//! `version (u32 BE) || nonce (12) || AES-GCM(ciphertext + tag)`, so any version decrypts at any
//! time and rotation can proceed in the background.

use std::sync::atomic::{AtomicU32, Ordering};

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use rand::RngCore;
use secrecy::ExposeSecret;
use sha2::Sha256;

use crate::config::MasterKey;

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("ciphertext is malformed")]
    Malformed,
    #[error("ciphertext failed authentication")]
    Tampered,
    #[error("decrypted value is not UTF-8")]
    NotUtf8,
}

pub struct KeyRing {
    master: MasterKey,
    active: AtomicU32,
    blind_key: [u8; 32],
    csrf_key: [u8; 32],
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing").field("active", &self.active_version()).finish()
    }
}

fn derive(master: &MasterKey, info: &str) -> [u8; 32] {
    let hk = Hkdf::<Sha256>::new(Some(b"hearth"), master.0.expose_secret());
    let mut out = [0u8; 32];
    // 32 bytes is always a valid HKDF-SHA256 output length.
    hk.expand(info.as_bytes(), &mut out).expect("HKDF length");
    out
}

impl KeyRing {
    pub fn new(master: MasterKey, active_version: u32) -> Self {
        KeyRing {
            blind_key: derive(&master, "hearth/blind-index"),
            csrf_key: derive(&master, "hearth/csrf"),
            master,
            active: AtomicU32::new(active_version.max(1)),
        }
    }

    pub fn active_version(&self) -> u32 {
        self.active.load(Ordering::Relaxed)
    }

    pub fn set_active_version(&self, v: u32) {
        self.active.store(v.max(1), Ordering::Relaxed);
    }

    fn cipher(&self, version: u32) -> Aes256Gcm {
        let key = derive(&self.master, &format!("hearth/field/v{version}"));
        Aes256Gcm::new(&key.into())
    }

    /// Encrypts under the active key. `aad` binds the value to its column so ciphertexts
    /// cannot be swapped between fields.
    pub fn encrypt(&self, plaintext: &str, aad: &str) -> Vec<u8> {
        self.encrypt_with(self.active_version(), plaintext, aad)
    }

    pub fn encrypt_with(&self, version: u32, plaintext: &str, aad: &str) -> Vec<u8> {
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let ct = self
            .cipher(version)
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: plaintext.as_bytes(), aad: aad.as_bytes() })
            .expect("AES-GCM encryption of an in-memory buffer");
        let mut out = Vec::with_capacity(4 + 12 + ct.len());
        out.extend_from_slice(&version.to_be_bytes());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out
    }

    pub fn decrypt(&self, blob: &[u8], aad: &str) -> Result<String, CryptoError> {
        if blob.len() < 4 + 12 + 16 {
            return Err(CryptoError::Malformed);
        }
        let version = u32::from_be_bytes([blob[0], blob[1], blob[2], blob[3]]);
        if version == 0 {
            return Err(CryptoError::Malformed);
        }
        let pt = self
            .cipher(version)
            .decrypt(Nonce::from_slice(&blob[4..16]), Payload { msg: &blob[16..], aad: aad.as_bytes() })
            .map_err(|_| CryptoError::Tampered)?;
        String::from_utf8(pt).map_err(|_| CryptoError::NotUtf8)
    }

    pub fn decrypt_opt(&self, blob: Option<&[u8]>, aad: &str) -> Option<String> {
        blob.and_then(|b| self.decrypt(b, aad).ok())
    }

    /// Version of a stored ciphertext.
    pub fn version_of(blob: &[u8]) -> Option<u32> {
        blob.get(..4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// Deterministic HMAC of a normalised value for exact-match lookup. `domain` separates
    /// fields so equal values in different columns do not share an index value.
    pub fn blind_index(&self, domain: &str, normalized: &str) -> Vec<u8> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.blind_key).expect("HMAC key");
        mac.update(domain.as_bytes());
        mac.update(&[0]);
        mac.update(normalized.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    pub fn hmac_csrf(&self, data: &[u8]) -> Vec<u8> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.csrf_key).expect("HMAC key");
        mac.update(data);
        mac.finalize().into_bytes().to_vec()
    }

    /// The API token signing key of a key version; it rotates with `hearth keys rotate`.
    pub fn jwt_secret(&self, version: u32) -> [u8; 32] {
        derive(&self.master, &format!("hearth/jwt/v{version}"))
    }
}

/// Normalises a phone number for the blind index: digits only, leading + kept.
pub fn normalize_phone(s: &str) -> String {
    let t = s.trim();
    let mut out: String = t.chars().filter(|c| c.is_ascii_digit()).collect();
    if t.starts_with('+') {
        out.insert(0, '+');
    }
    out
}

/// A phone number in one canonical international form, `+<country code><number>`, for the blind
/// index: `+44 7700 968012`, `0044 7700 968012`, `+44 (0)7700 968012`, `07700 968012` and
/// `7700968012` (national forms, read with `country`, the facility's calling code) are all
/// `+447700968012`. Anything but digits and a leading `+` is dropped.
pub fn canonical_phone(s: &str, country: &str) -> String {
    let t = s.trim().replace("(0)", "");
    let digits: String = t.chars().filter(|c| c.is_ascii_digit()).collect();
    if t.starts_with('+') {
        return format!("+{digits}");
    }
    if let Some(rest) = digits.strip_prefix("00") {
        return format!("+{rest}");
    }
    if let Some(rest) = digits.strip_prefix('0') {
        return format!("+{country}{rest}");
    }
    // International digits typed without the plus (447700968012): longer than a national number.
    if digits.len() > 10 && digits.starts_with(country) {
        return format!("+{digits}");
    }
    format!("+{country}{digits}")
}

/// How many trailing digits of a phone number the partial-number index keeps.
pub const PHONE_TAIL_DIGITS: usize = 6;

/// The last [`PHONE_TAIL_DIGITS`] digits of a phone number, `None` when it has fewer.
pub fn phone_tail(s: &str) -> Option<String> {
    let digits: Vec<char> = s.chars().filter(|c| c.is_ascii_digit()).collect();
    (digits.len() >= PHONE_TAIL_DIGITS).then(|| digits[digits.len() - PHONE_TAIL_DIGITS..].iter().collect())
}

/// Normalises an identifier for the blind index: upper case, no spaces or dashes.
pub fn normalize_identifier(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper_detection() {
        let ring = KeyRing::new(MasterKey::for_testing(), 1);
        let a = ring.encrypt("AB-123", "patients.national_id");
        let b = ring.encrypt("AB-123", "patients.national_id");
        assert_ne!(a, b, "random nonce per value");
        assert!(!a.windows(6).any(|w| w == b"AB-123"));
        assert_eq!(ring.decrypt(&a, "patients.national_id").unwrap(), "AB-123");
        assert!(ring.decrypt(&a, "patients.phone").is_err(), "AAD binds the column");
        let mut t = a.clone();
        let last = t.len() - 1;
        t[last] ^= 1;
        assert!(matches!(ring.decrypt(&t, "patients.national_id"), Err(CryptoError::Tampered)));
        assert!(matches!(ring.decrypt(&[0, 0], "x"), Err(CryptoError::Malformed)));
    }

    #[test]
    fn old_versions_still_decrypt_after_rotation() {
        let ring = KeyRing::new(MasterKey::for_testing(), 1);
        let old = ring.encrypt("secret", "x");
        ring.set_active_version(2);
        let new = ring.encrypt("secret", "x");
        assert_eq!(KeyRing::version_of(&old), Some(1));
        assert_eq!(KeyRing::version_of(&new), Some(2));
        assert_eq!(ring.decrypt(&old, "x").unwrap(), "secret");
        assert_eq!(ring.decrypt(&new, "x").unwrap(), "secret");
    }

    #[test]
    fn blind_index_is_deterministic_and_domain_separated() {
        let ring = KeyRing::new(MasterKey::for_testing(), 1);
        assert_eq!(ring.blind_index("phone", "+441234"), ring.blind_index("phone", "+441234"));
        assert_ne!(ring.blind_index("phone", "+441234"), ring.blind_index("national_id", "+441234"));
        assert_eq!(normalize_phone(" +44 (0)12-34 "), "+4401234");
        assert_eq!(normalize_identifier("ab-12 3"), "AB123");
    }

    #[test]
    fn phone_numbers_have_one_canonical_form() {
        for v in [
            "07700 968012",
            "07700968012",
            "+447700968012",
            "+44 7700 968012",
            "+44 (0)7700 968012",
            "0044 7700 968012",
            "7700 968012",
            "447700968012",
            " (07700) 968-012 ",
        ] {
            assert_eq!(canonical_phone(v, "44"), "+447700968012", "{v}");
        }
        assert_eq!(canonical_phone("+1 415 555 0100", "44"), "+14155550100");
        assert_eq!(canonical_phone("0415 555 0100", "1"), "+14155550100");
        assert_ne!(canonical_phone("07700968012", "44"), canonical_phone("07700968013", "44"));
        assert_eq!(phone_tail("07700 968012").as_deref(), Some("968012"));
        assert_eq!(phone_tail("968012").as_deref(), Some("968012"));
        assert_eq!(phone_tail("+44 77"), None);
    }
}
