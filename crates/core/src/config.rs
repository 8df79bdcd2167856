//! All settings, read from the environment once at start and validated.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use base64::Engine;
use secrecy::SecretSlice;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Env {
    Dev,
    Demo,
    Production,
}

impl Env {
    pub fn as_str(self) -> &'static str {
        match self {
            Env::Dev => "dev",
            Env::Demo => "demo",
            Env::Production => "production",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub env: Env,
    pub database_url: Option<String>,
    pub data_dir: PathBuf,
    pub addr: SocketAddr,
    pub base_url: String,
    pub master_key: MasterKey,
    pub smtp_url: Option<String>,
    /// Sender of notification mail (`HEARTH_MAIL_FROM`).
    pub mail_from: String,
    /// Named in mail and SMS (`HEARTH_HOSPITAL_NAME`).
    pub hospital_name: String,
    /// The installation's time zone (`HEARTH_TIME_ZONE`, an IANA name; UTC by default): pages of
    /// users without an active facility, and the sign-in pages, show times in it.
    pub time_zone: String,
    /// A Twilio-compatible SMS gateway; unset: SMS are recorded by the local provider.
    pub sms: Option<SmsConfig>,
    /// Consecutive failures that open a provider's circuit breaker.
    pub breaker_threshold: i32,
    /// How long an open breaker pauses deliveries before one trial.
    pub breaker_cooldown: Duration,
    pub log_json: bool,
    /// Secure cookies (HTTPS). On outside dev; off in dev/demo unless the base URL is https.
    pub secure_cookies: bool,
    pub session_idle: Duration,
    pub session_absolute: Duration,
    pub api_token_ttl: Duration,
    pub max_body_bytes: usize,
    pub db_max_connections: u32,
    /// Connections kept beside `db_max_connections` for sign-in, session lookup and readiness:
    /// ordinary requests never hold more than `db_max_connections` at once
    /// (`HEARTH_DB_RESERVED`).
    pub db_reserved: u32,
    /// Per-connection limits of the request pool (`HEARTH_DB_STATEMENT_TIMEOUT_SECONDS`, ...).
    pub db_interactive: DbTimeouts,
    /// Per-connection limits of background work: the job worker, the audit sealer, live
    /// updates, and the CLI commands (migrations, demo seeding, key rotation, audit verify).
    pub db_background: DbTimeouts,
    /// Time to produce a response (`HEARTH_REQUEST_TIMEOUT_SECONDS`); then 503.
    pub request_timeout: Duration,
    /// The same for multipart uploads (`HEARTH_UPLOAD_TIMEOUT_SECONDS`).
    pub upload_timeout: Duration,
    /// A client must send a request's headers within this time; also closes keep-alive
    /// connections idle between requests (`HEARTH_HEADER_READ_TIMEOUT_SECONDS`).
    pub header_read_timeout: Duration,
    /// A connection with no request running and no byte moving either way for this long is
    /// closed (`HEARTH_IDLE_TIMEOUT_SECONDS`).
    pub idle_timeout: Duration,
    /// On SIGTERM: how long in-flight requests and jobs may finish before the process exits
    /// anyway (`HEARTH_SHUTDOWN_GRACE_SECONDS`).
    pub shutdown_grace: Duration,
    /// Behind a reverse proxy: take the client address from the last X-Forwarded-For hop.
    pub trust_proxy: bool,
    /// Rate limits on sign-in, MFA, tokens and the API (`HEARTH_RATE_LIMITS=off` only outside
    /// production, for load tests).
    pub rate_limits: bool,
    /// Bearer token a Prometheus scraper sends to `/metrics` (`HEARTH_METRICS_TOKEN`); unset:
    /// `/metrics` answers 404.
    pub metrics_token: Option<secrecy::SecretString>,
    /// Outbound HTTP (webhooks, SMS gateway) may reach loopback, private and link-local
    /// addresses (`HEARTH_ALLOW_PRIVATE_WEBHOOKS=true`, local testing only; refused in production).
    pub allow_private_webhooks: bool,
    /// The registry records race and ethnicity (`HEARTH_RECORD_RACE_ETHNICITY=true`; off by
    /// default: only where the jurisdiction records them).
    pub record_race_ethnicity: bool,
    /// Requests per minute of an API client granted the `import` scope
    /// (`HEARTH_IMPORT_RATE_PER_MIN`, default 20,000).
    pub import_rate_per_min: u32,
}

/// PostgreSQL session limits set on every connection of a pool; zero means off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DbTimeouts {
    /// `statement_timeout`: a statement running longer is cancelled.
    pub statement: Duration,
    /// `lock_timeout`: waiting longer for a lock cancels the statement.
    pub lock: Duration,
    /// `idle_in_transaction_session_timeout`: a session idle inside a transaction is ended.
    pub idle_in_transaction: Duration,
}

/// A Twilio-compatible SMS API: `POST {url}/2010-04-01/Accounts/{account}/Messages.json`.
#[derive(Clone)]
pub struct SmsConfig {
    pub url: String,
    pub account: String,
    pub token: secrecy::SecretString,
    pub from: String,
    /// The WhatsApp sender on the same gateway (`HEARTH_WHATSAPP_FROM`); unset: no WhatsApp.
    pub whatsapp_from: Option<String>,
}

impl std::fmt::Debug for SmsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsConfig")
            .field("url", &self.url)
            .field("account", &self.account)
            .field("from", &self.from)
            .field("whatsapp_from", &self.whatsapp_from)
            .finish()
    }
}

/// The 32-byte root key; never printed.
#[derive(Clone)]
pub struct MasterKey(pub SecretSlice<u8>);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(**redacted**)")
    }
}

#[derive(Debug, thiserror::Error)]
#[error("configuration error: {0}")]
pub struct ConfigError(pub String);

fn err<T>(msg: impl Into<String>) -> Result<T, ConfigError> {
    Err(ConfigError(msg.into()))
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
    }

    /// Reads settings through `get`, so tests can supply their own environment.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = match get("HEARTH_ENV").as_deref() {
            None | Some("dev") => Env::Dev,
            Some("demo") => Env::Demo,
            Some("production") => Env::Production,
            Some(other) => return err(format!("HEARTH_ENV must be dev, demo or production, not {other:?}")),
        };
        let data_dir = PathBuf::from(get("HEARTH_DATA_DIR").unwrap_or_else(|| "./.hearth".into()));
        let addr_text = get("HEARTH_ADDR").unwrap_or_else(|| "127.0.0.1:8080".into());
        let addr: SocketAddr = match addr_text.parse() {
            Ok(a) => a,
            Err(_) => return err(format!("HEARTH_ADDR must be host:port such as 127.0.0.1:8080, not {addr_text:?}")),
        };
        let base_url =
            get("HEARTH_BASE_URL").unwrap_or_else(|| format!("http://{addr}")).trim_end_matches('/').to_string();
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return err("HEARTH_BASE_URL must start with http:// or https://");
        }
        let master_key = match get("HEARTH_MASTER_KEY") {
            Some(text) => MasterKey::parse(&text)?,
            None if env == Env::Production => {
                return err("HEARTH_MASTER_KEY is required in production (base64 of 32 random bytes, e.g. `openssl rand -base64 32`)")
            }
            None => MasterKey::load_or_create(&data_dir)?,
        };
        let secure_cookies = match get("HEARTH_SECURE_COOKIES").as_deref() {
            Some("true" | "1") => true,
            Some("false" | "0") => false,
            Some(other) => return err(format!("HEARTH_SECURE_COOKIES must be true or false, not {other:?}")),
            None => env == Env::Production || base_url.starts_with("https://"),
        };
        if env == Env::Production {
            if !secure_cookies {
                return err(
                    "production refuses plain-HTTP cookies: unset HEARTH_SECURE_COOKIES=false and serve over HTTPS",
                );
            }
            if !base_url.starts_with("https://") {
                return err("production needs an https:// HEARTH_BASE_URL");
            }
        }
        let minutes = |key: &str, default: u64| -> Result<Duration, ConfigError> {
            match get(key) {
                None => Ok(Duration::from_secs(default * 60)),
                Some(v) => match v.parse::<u64>() {
                    Ok(m) if m > 0 && m <= 60 * 24 * 30 => Ok(Duration::from_secs(m * 60)),
                    _ => err(format!("{key} must be a whole number of minutes, not {v:?}")),
                },
            }
        };
        let smtp_url = get("HEARTH_SMTP_URL");
        if let Some(u) = &smtp_url {
            if !(u.starts_with("smtp://") || u.starts_with("smtps://")) {
                return err("HEARTH_SMTP_URL must start with smtp:// or smtps://, e.g. smtp://127.0.0.1:2525");
            }
        }
        let mail_from = get("HEARTH_MAIL_FROM").unwrap_or_else(|| "Hearth <no-reply@hearth.invalid>".into());
        if mail_from.parse::<lettre::message::Mailbox>().is_err() {
            return err(format!(
                "HEARTH_MAIL_FROM must be an address such as \"Hearth <no-reply@example.org>\", not {mail_from:?}"
            ));
        }
        let hospital_name = get("HEARTH_HOSPITAL_NAME").unwrap_or_else(|| "Hearth".into());
        if hospital_name.chars().count() > 200 {
            return err("HEARTH_HOSPITAL_NAME has at most 200 characters");
        }
        let time_zone = get("HEARTH_TIME_ZONE").map(|z| z.trim().to_string()).unwrap_or_else(|| "UTC".into());
        if crate::web::time::Zone::named(&time_zone).is_none() {
            return err(format!(
                "HEARTH_TIME_ZONE must be an IANA time zone name such as Europe/London or UTC, not {time_zone:?}"
            ));
        }
        let sms = match get("HEARTH_SMS_URL") {
            None => None,
            Some(url) => {
                let url = url.trim_end_matches('/').to_string();
                if !(url.starts_with("https://") || (env != Env::Production && url.starts_with("http://"))) {
                    return err("HEARTH_SMS_URL must be an https:// URL (http:// is allowed outside production)");
                }
                let need =
                    |k: &str| get(k).ok_or_else(|| ConfigError(format!("{k} is required when HEARTH_SMS_URL is set")));
                let e164 = |s: &str| s.starts_with('+') && s.len() >= 8 && s[1..].chars().all(|c| c.is_ascii_digit());
                let from = need("HEARTH_SMS_FROM")?;
                if !e164(&from) {
                    return err(format!("HEARTH_SMS_FROM must be an E.164 number such as +15551234567, not {from:?}"));
                }
                let whatsapp_from = get("HEARTH_WHATSAPP_FROM");
                if let Some(w) = whatsapp_from.as_deref().filter(|w| !e164(w)) {
                    return err(format!(
                        "HEARTH_WHATSAPP_FROM must be an E.164 number such as +15551234567, not {w:?}"
                    ));
                }
                Some(SmsConfig {
                    url,
                    account: need("HEARTH_SMS_ACCOUNT")?,
                    token: secrecy::SecretString::from(need("HEARTH_SMS_TOKEN")?),
                    from,
                    whatsapp_from,
                })
            }
        };
        let breaker_threshold = match get("HEARTH_BREAKER_THRESHOLD") {
            None => 5,
            Some(v) => match v.parse::<i32>() {
                Ok(n) if (1..=1000).contains(&n) => n,
                _ => return err(format!("HEARTH_BREAKER_THRESHOLD must be 1..1000, not {v:?}")),
            },
        };
        let breaker_cooldown = match get("HEARTH_BREAKER_COOLDOWN_SECONDS") {
            None => Duration::from_secs(60),
            Some(v) => match v.parse::<u64>() {
                Ok(n) if (1..=86400).contains(&n) => Duration::from_secs(n),
                _ => return err(format!("HEARTH_BREAKER_COOLDOWN_SECONDS must be 1..86400, not {v:?}")),
            },
        };
        let trust_proxy = match get("HEARTH_TRUST_PROXY").as_deref() {
            None | Some("false" | "0") => false,
            Some("true" | "1") => true,
            Some(other) => return err(format!("HEARTH_TRUST_PROXY must be true or false, not {other:?}")),
        };
        let rate_limits = match get("HEARTH_RATE_LIMITS").as_deref() {
            None | Some("on") => true,
            Some("off") if env == Env::Production => {
                return err("HEARTH_RATE_LIMITS=off is refused in production");
            }
            Some("off") => false,
            Some(other) => return err(format!("HEARTH_RATE_LIMITS must be on or off, not {other:?}")),
        };
        let metrics_token = match get("HEARTH_METRICS_TOKEN").filter(|t| !t.is_empty()) {
            None => None,
            Some(t) if t.len() >= 16 && t.len() <= 512 && t.chars().all(|c| c.is_ascii_graphic()) => {
                Some(secrecy::SecretString::from(t))
            }
            Some(_) => {
                return err("HEARTH_METRICS_TOKEN must be 16 to 512 printable ASCII characters without spaces (e.g. `openssl rand -hex 32`)")
            }
        };
        let allow_private_webhooks = match get("HEARTH_ALLOW_PRIVATE_WEBHOOKS").as_deref() {
            None | Some("false" | "0") => false,
            Some("true" | "1") if env == Env::Production => {
                return err("HEARTH_ALLOW_PRIVATE_WEBHOOKS=true is refused in production");
            }
            Some("true" | "1") => true,
            Some(other) => return err(format!("HEARTH_ALLOW_PRIVATE_WEBHOOKS must be true or false, not {other:?}")),
        };
        let record_race_ethnicity = match get("HEARTH_RECORD_RACE_ETHNICITY").as_deref() {
            None | Some("false" | "0") => false,
            Some("true" | "1") => true,
            Some(other) => return err(format!("HEARTH_RECORD_RACE_ETHNICITY must be true or false, not {other:?}")),
        };
        let import_rate_per_min = match get("HEARTH_IMPORT_RATE_PER_MIN") {
            None => 20_000,
            Some(v) => match v.parse::<u32>() {
                Ok(n) if (1..=1_000_000).contains(&n) => n,
                _ => return err(format!("HEARTH_IMPORT_RATE_PER_MIN must be 1 to 1000000, not {v:?}")),
            },
        };
        let log_json = matches!(get("HEARTH_LOG_FORMAT").as_deref(), Some("json"));
        let db_max_connections = match get("HEARTH_DB_POOL") {
            // A few connections per core: more only adds context switches and lock waits in
            // PostgreSQL (measured in docs/PERFORMANCE.md: 8 beat 3, 4, 16 and 32 on 2 cores).
            None => 4 * std::thread::available_parallelism().map(|n| n.get() as u32).unwrap_or(2).clamp(1, 16),
            Some(v) => match v.parse::<u32>() {
                Ok(n) if (1..=500).contains(&n) => n,
                _ => return err(format!("HEARTH_DB_POOL must be 1..500, not {v:?}")),
            },
        };
        let db_reserved = match get("HEARTH_DB_RESERVED") {
            None => (db_max_connections / 4).clamp(1, 8),
            Some(v) => match v.parse::<u32>() {
                Ok(n) if n <= 100 => n,
                _ => return err(format!("HEARTH_DB_RESERVED must be 0..100, not {v:?}")),
            },
        };
        // Seconds within `range`, or `default` when unset; 0 only where `range` allows it.
        let seconds =
            |key: &str, default: u64, range: std::ops::RangeInclusive<u64>| -> Result<Duration, ConfigError> {
                match get(key) {
                    None => Ok(Duration::from_secs(default)),
                    Some(v) => match v.parse::<u64>() {
                        Ok(n) if range.contains(&n) => Ok(Duration::from_secs(n)),
                        _ => err(format!(
                            "{key} must be a whole number of seconds in {}..{}, not {v:?}",
                            range.start(),
                            range.end()
                        )),
                    },
                }
            };
        let db_interactive = DbTimeouts {
            statement: seconds("HEARTH_DB_STATEMENT_TIMEOUT_SECONDS", 15, 1..=3600)?,
            lock: seconds("HEARTH_DB_LOCK_TIMEOUT_SECONDS", 5, 1..=3600)?,
            idle_in_transaction: seconds("HEARTH_DB_IDLE_IN_TRANSACTION_SECONDS", 60, 1..=3600)?,
        };
        let db_background = DbTimeouts {
            statement: seconds("HEARTH_DB_BACKGROUND_STATEMENT_TIMEOUT_SECONDS", 600, 0..=86400)?,
            lock: seconds("HEARTH_DB_BACKGROUND_LOCK_TIMEOUT_SECONDS", 60, 0..=86400)?,
            idle_in_transaction: seconds("HEARTH_DB_BACKGROUND_IDLE_IN_TRANSACTION_SECONDS", 600, 0..=86400)?,
        };
        let request_timeout = seconds("HEARTH_REQUEST_TIMEOUT_SECONDS", 30, 1..=3600)?;
        let upload_timeout = seconds("HEARTH_UPLOAD_TIMEOUT_SECONDS", 300, 1..=3600)?;
        let header_read_timeout = seconds("HEARTH_HEADER_READ_TIMEOUT_SECONDS", 15, 1..=600)?;
        // Above the live-update stream's 20-second keep-alive, so an open /events stays open.
        let idle_timeout = seconds("HEARTH_IDLE_TIMEOUT_SECONDS", 60, 30..=3600)?;
        let shutdown_grace = seconds("HEARTH_SHUTDOWN_GRACE_SECONDS", 20, 1..=600)?;
        Ok(Config {
            env,
            database_url: get("DATABASE_URL"),
            data_dir,
            addr,
            base_url,
            master_key,
            smtp_url,
            mail_from,
            hospital_name,
            time_zone,
            sms,
            breaker_threshold,
            breaker_cooldown,
            log_json,
            secure_cookies,
            session_idle: minutes("HEARTH_SESSION_IDLE_MINUTES", 15)?,
            session_absolute: minutes("HEARTH_SESSION_MAX_MINUTES", 12 * 60)?,
            api_token_ttl: minutes("HEARTH_API_TOKEN_MINUTES", 15)?,
            max_body_bytes: 2 * 1024 * 1024,
            db_max_connections,
            db_reserved,
            db_interactive,
            db_background,
            request_timeout,
            upload_timeout,
            header_read_timeout,
            idle_timeout,
            shutdown_grace,
            trust_proxy,
            rate_limits,
            metrics_token,
            allow_private_webhooks,
            record_race_ethnicity,
            import_rate_per_min,
        })
    }

    /// Demo accounts exist only outside production.
    pub fn allows_demo(&self) -> bool {
        self.env != Env::Production
    }
}

impl MasterKey {
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|_| ConfigError("HEARTH_MASTER_KEY is not valid base64".into()))?;
        if bytes.len() != 32 {
            return err(format!("HEARTH_MASTER_KEY must decode to 32 bytes, got {}", bytes.len()));
        }
        Ok(MasterKey(SecretSlice::from(bytes)))
    }

    /// Dev and demo: a key generated once into the data dir, readable only by its owner.
    fn load_or_create(data_dir: &std::path::Path) -> Result<Self, ConfigError> {
        let path = data_dir.join("master.key");
        if let Ok(text) = std::fs::read_to_string(&path) {
            return Self::parse(&text);
        }
        std::fs::create_dir_all(data_dir)
            .map_err(|e| ConfigError(format!("cannot create HEARTH_DATA_DIR {}: {e}", data_dir.display())))?;
        let mut key = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut key);
        let text = base64::engine::general_purpose::STANDARD.encode(key);
        write_private(&path, text.as_bytes())
            .map_err(|e| ConfigError(format!("cannot write {}: {e}", path.display())))?;
        Self::parse(&text)
    }

    pub fn for_testing() -> Self {
        MasterKey(SecretSlice::from(vec![7u8; 32]))
    }
}

/// Writes a file with mode 0600.
pub fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)?;
    f.write_all(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn cfg(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let dir = std::env::temp_dir().join(format!("hearth-cfg-{}", uuid::Uuid::new_v4()));
        let dir = dir.to_string_lossy().to_string();
        Config::from_lookup(move |k| {
            if k == "HEARTH_DATA_DIR" {
                return Some(map.get(k).cloned().unwrap_or_else(|| dir.clone()));
            }
            map.get(k).cloned()
        })
    }

    const KEY: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

    #[test]
    fn production_refuses_missing_master_key() {
        let e = cfg(&[("HEARTH_ENV", "production"), ("HEARTH_BASE_URL", "https://h.example")]).unwrap_err();
        assert!(e.0.contains("HEARTH_MASTER_KEY is required"), "{e}");
    }

    #[test]
    fn production_refuses_plain_http_cookies() {
        let e =
            cfg(&[("HEARTH_ENV", "production"), ("HEARTH_MASTER_KEY", KEY), ("HEARTH_BASE_URL", "http://h.example")])
                .unwrap_err();
        assert!(e.0.contains("https"), "{e}");
        let e = cfg(&[
            ("HEARTH_ENV", "production"),
            ("HEARTH_MASTER_KEY", KEY),
            ("HEARTH_BASE_URL", "https://h.example"),
            ("HEARTH_SECURE_COOKIES", "false"),
        ])
        .unwrap_err();
        assert!(e.0.contains("plain-HTTP cookies"), "{e}");
        let ok =
            cfg(&[("HEARTH_ENV", "production"), ("HEARTH_MASTER_KEY", KEY), ("HEARTH_BASE_URL", "https://h.example")])
                .unwrap();
        assert!(ok.secure_cookies && !ok.allows_demo());
    }

    #[test]
    fn bad_values_are_named() {
        assert!(cfg(&[("HEARTH_ENV", "staging")]).unwrap_err().0.contains("HEARTH_ENV"));
        assert!(cfg(&[("HEARTH_ADDR", "nope")]).unwrap_err().0.contains("HEARTH_ADDR"));
        assert!(cfg(&[("HEARTH_MASTER_KEY", "c2hvcnQ=")]).unwrap_err().0.contains("32 bytes"));
        assert!(cfg(&[("HEARTH_SESSION_IDLE_MINUTES", "x")]).unwrap_err().0.contains("minutes"));
        assert!(cfg(&[("HEARTH_SMTP_URL", "mail.example")]).unwrap_err().0.contains("smtp://"));
        assert!(cfg(&[("HEARTH_DB_POOL", "0")]).unwrap_err().0.contains("HEARTH_DB_POOL"));
        assert!(!cfg(&[("HEARTH_RATE_LIMITS", "off")]).unwrap().rate_limits);
        let e = cfg(&[
            ("HEARTH_ENV", "production"),
            ("HEARTH_MASTER_KEY", KEY),
            ("HEARTH_BASE_URL", "https://h.example"),
            ("HEARTH_RATE_LIMITS", "off"),
        ])
        .unwrap_err();
        assert!(e.0.contains("refused in production"), "{e}");
        assert!(cfg(&[("HEARTH_MAIL_FROM", "not an address")]).unwrap_err().0.contains("HEARTH_MAIL_FROM"));
        assert!(cfg(&[("HEARTH_SMS_URL", "ftp://x")]).unwrap_err().0.contains("HEARTH_SMS_URL"));
        assert!(cfg(&[("HEARTH_SMS_URL", "http://127.0.0.1:9")]).unwrap_err().0.contains("HEARTH_SMS_FROM"));
        let sms = [
            ("HEARTH_SMS_URL", "http://127.0.0.1:9"),
            ("HEARTH_SMS_ACCOUNT", "AC1"),
            ("HEARTH_SMS_TOKEN", "t"),
            ("HEARTH_SMS_FROM", "+15550001111"),
        ];
        assert!(cfg(&sms).is_ok());
        let bad_whatsapp = [&sms[..], &[("HEARTH_WHATSAPP_FROM", "whatsapp")]].concat();
        assert!(cfg(&bad_whatsapp).unwrap_err().0.contains("HEARTH_WHATSAPP_FROM"));
        assert!(cfg(&[("HEARTH_BREAKER_THRESHOLD", "0")]).unwrap_err().0.contains("HEARTH_BREAKER_THRESHOLD"));
        assert!(cfg(&[("HEARTH_METRICS_TOKEN", "short")]).unwrap_err().0.contains("HEARTH_METRICS_TOKEN"));
        assert!(cfg(&[("HEARTH_METRICS_TOKEN", "0123456789abcdef")]).unwrap().metrics_token.is_some());
        assert!(cfg(&[("HEARTH_ALLOW_PRIVATE_WEBHOOKS", "true")]).unwrap().allow_private_webhooks);
        assert!(cfg(&[("HEARTH_ALLOW_PRIVATE_WEBHOOKS", "maybe")]).unwrap_err().0.contains("HEARTH_ALLOW_PRIVATE"));
        assert!(!cfg(&[]).unwrap().record_race_ethnicity);
        assert!(cfg(&[("HEARTH_RECORD_RACE_ETHNICITY", "true")]).unwrap().record_race_ethnicity);
        assert!(cfg(&[("HEARTH_RECORD_RACE_ETHNICITY", "yes")]).unwrap_err().0.contains("HEARTH_RECORD_RACE"));
        assert_eq!(cfg(&[]).unwrap().import_rate_per_min, 20_000);
        assert_eq!(cfg(&[("HEARTH_IMPORT_RATE_PER_MIN", "50")]).unwrap().import_rate_per_min, 50);
        assert!(cfg(&[("HEARTH_IMPORT_RATE_PER_MIN", "0")]).unwrap_err().0.contains("HEARTH_IMPORT_RATE"));
        let e = cfg(&[
            ("HEARTH_ENV", "production"),
            ("HEARTH_MASTER_KEY", KEY),
            ("HEARTH_BASE_URL", "https://h.example"),
            ("HEARTH_ALLOW_PRIVATE_WEBHOOKS", "true"),
        ])
        .unwrap_err();
        assert!(e.0.contains("refused in production"), "{e}");
    }

    #[test]
    fn timeouts_have_defaults_and_bounds() {
        let c = cfg(&[("HEARTH_DB_POOL", "8")]).unwrap();
        assert_eq!(c.db_reserved, 2);
        assert_eq!(c.request_timeout, Duration::from_secs(30));
        assert_eq!(c.db_interactive.lock, Duration::from_secs(5));
        assert_eq!(c.db_background.statement, Duration::from_secs(600));
        assert_eq!(c.shutdown_grace, Duration::from_secs(20));
        // Background limits may be turned off; interactive ones may not.
        let off = cfg(&[("HEARTH_DB_BACKGROUND_STATEMENT_TIMEOUT_SECONDS", "0")]).unwrap();
        assert_eq!(off.db_background.statement, Duration::ZERO);
        for key in [
            "HEARTH_DB_STATEMENT_TIMEOUT_SECONDS",
            "HEARTH_DB_LOCK_TIMEOUT_SECONDS",
            "HEARTH_DB_IDLE_IN_TRANSACTION_SECONDS",
            "HEARTH_REQUEST_TIMEOUT_SECONDS",
            "HEARTH_UPLOAD_TIMEOUT_SECONDS",
            "HEARTH_HEADER_READ_TIMEOUT_SECONDS",
            "HEARTH_SHUTDOWN_GRACE_SECONDS",
        ] {
            assert!(cfg(&[(key, "0")]).unwrap_err().0.contains(key), "{key}");
            assert!(cfg(&[(key, "ten")]).unwrap_err().0.contains(key), "{key}");
        }
        assert!(cfg(&[("HEARTH_IDLE_TIMEOUT_SECONDS", "10")]).unwrap_err().0.contains("HEARTH_IDLE_TIMEOUT_SECONDS"));
        assert!(cfg(&[("HEARTH_DB_RESERVED", "-1")]).unwrap_err().0.contains("HEARTH_DB_RESERVED"));
        assert_eq!(cfg(&[("HEARTH_DB_RESERVED", "0")]).unwrap().db_reserved, 0);
    }

    #[test]
    fn dev_generates_and_keeps_a_master_key() {
        let dir = std::env::temp_dir().join(format!("hearth-key-{}", uuid::Uuid::new_v4()));
        let d = dir.to_string_lossy().to_string();
        let a = cfg(&[("HEARTH_DATA_DIR", &d)]).unwrap();
        let b = cfg(&[("HEARTH_DATA_DIR", &d)]).unwrap();
        use secrecy::ExposeSecret;
        assert_eq!(a.master_key.0.expose_secret(), b.master_key.0.expose_secret());
        assert!(!a.secure_cookies);
        let _ = std::fs::remove_dir_all(dir);
    }
}
