//! Password hashing (argon2id, OWASP parameters) and the password policy.

use std::sync::OnceLock;

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

pub const MIN_LEN: usize = 12;
pub const MAX_LEN: usize = 128;
pub const HISTORY: i64 = 5;

static COMMON: &str = include_str!("common-passwords.txt");

fn argon() -> Argon2<'static> {
    // OWASP minimum for argon2id: m = 19 MiB, t = 2, p = 1.
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(19 * 1024, 2, 1, None).expect("argon2 params"))
}

pub fn hash(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    argon().hash_password(password.as_bytes(), &salt).expect("argon2 hashing of a bounded password").to_string()
}

pub fn verify(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => argon().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// Spends the same time as a real verification, for unknown accounts.
pub fn verify_dummy(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let h = DUMMY.get_or_init(|| hash("dummy password for timing"));
    let _ = verify(password, h);
}

/// Runs argon2 work off the async runtime, at most one computation per core at a time: each
/// takes 19 MiB, and unbounded parallel hashing would grow memory (and malloc arenas) without
/// making anything faster.
pub async fn off_runtime<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    static PERMITS: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
    let sem = PERMITS.get_or_init(|| {
        tokio::sync::Semaphore::new(std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2))
    });
    let _permit = sem.acquire().await.ok()?;
    tokio::task::spawn_blocking(f).await.ok()
}

/// Checks the policy; the message is shown to the user as is.
pub fn check_policy(password: &str, email: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n < MIN_LEN {
        return Err(format!("Use at least {MIN_LEN} characters (this one has {n})."));
    }
    if n > MAX_LEN {
        return Err(format!("Use at most {MAX_LEN} characters."));
    }
    let lower = password.to_lowercase();
    if COMMON.lines().any(|c| c == lower) {
        return Err("This password is on the list of commonly used passwords; choose another.".into());
    }
    let first = lower.chars().next().unwrap_or(' ');
    if lower.chars().all(|c| c == first) {
        return Err("A password made of one repeated character is too easy to guess.".into());
    }
    let local = email.split('@').next().unwrap_or("").to_lowercase();
    if local.len() >= 4 && lower.contains(&local) {
        return Err("The password must not contain your email name.".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy() {
        assert!(check_policy("short", "a@b.c").unwrap_err().contains("at least 12"));
        assert!(check_policy("password1234", "a@b.c").unwrap_err().contains("commonly used"));
        assert!(check_policy("aaaaaaaaaaaaaa", "a@b.c").is_err());
        assert!(check_policy("doctorwho-is-fine", "doctor@x.y").unwrap_err().contains("email"));
        assert!(check_policy("Demo!Hearth2026", "nurse@demo.hearth").is_ok());
    }

    #[test]
    fn hash_and_verify() {
        let h = hash("correct horse battery");
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify("correct horse battery", &h));
        assert!(!verify("wrong horse battery", &h));
        assert!(!verify("x", "not a hash"));
    }
}
