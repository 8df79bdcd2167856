//! Telling people things: in-app notifications (the bell), email, SMS and webhooks.
//!
//! Callers use [`notify_user`] / [`notify_permission`] / [`message_patient`] /
//! [`webhook::emit`] on their own transaction. In-app notifications are written at once;
//! email, SMS and webhook calls become a `messages` row (delivery tracking) plus a
//! `notify.deliver` job keyed by the message id, so a retried job never sends twice: the
//! handler checks the message's status before sending and records the result after.

pub mod breaker;
pub mod email;
pub mod receipts;
pub mod routes;
pub mod sms;
pub mod webhook;

use askama::Template;
use sqlx::{FromRow, PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::app::AppState;
use crate::platform::events;
use crate::platform::jobs::{self, Job, Outcome};
pub use crate::registry::NotificationKind;

/// A provider's answer when it did not take the message.
#[derive(Debug)]
pub enum SendError {
    /// Worth retrying (unreachable, timed out, 5xx, garbage).
    Transient(String),
    /// Retrying cannot help (bad address, refused).
    Permanent(String),
    TransientCode(u16, String),
    PermanentCode(u16, String),
}

impl SendError {
    fn parts(&self) -> (bool, Option<i32>, &str) {
        match self {
            SendError::Transient(m) => (true, None, m),
            SendError::Permanent(m) => (false, None, m),
            SendError::TransientCode(c, m) => (true, Some(*c as i32), m),
            SendError::PermanentCode(c, m) => (false, Some(*c as i32), m),
        }
    }
}

/// Messages from administrators and the system (a preference kind of the platform).
pub const SYSTEM_MESSAGE: NotificationKind = NotificationKind {
    code: "system.message",
    label: "Messages from administrators and the system",
    email_by_default: false,
};

pub const CHANNELS: [&str; 3] = ["in_app", "email", "sms"];

/// What to tell a user.
#[derive(Debug, Clone)]
pub struct Notice<'a> {
    /// The kind (modules declare theirs; users choose channels per preference kind).
    pub kind: &'a NotificationKind,
    pub title: &'a str,
    pub body: &'a str,
    /// A path inside Hearth (the subject), e.g. `/patients/{id}`.
    pub link: Option<String>,
    /// Urgent messages ignore quiet hours.
    pub urgent: bool,
}

pub(crate) fn default_enabled(kind: &NotificationKind, channel: &str) -> bool {
    match channel {
        "in_app" => true,
        "email" => kind.email_by_default,
        _ => false,
    }
}

/// Notifies one user on the channels they chose for the notice's kind, on the caller's
/// transaction.
pub async fn notify_user(conn: &mut PgConnection, user_id: Uuid, n: &Notice<'_>) -> sqlx::Result<()> {
    let prefs: Vec<(String, bool)> =
        sqlx::query_as("SELECT channel, enabled FROM notification_prefs WHERE user_id = $1 AND kind = $2")
            .bind(user_id)
            .bind(n.kind.code)
            .fetch_all(&mut *conn)
            .await?;
    let on =
        |ch: &str| prefs.iter().find(|(c, _)| c == ch).map(|(_, e)| *e).unwrap_or_else(|| default_enabled(n.kind, ch));
    if on("in_app") {
        sqlx::query(
            "INSERT INTO notifications (id, user_id, kind, title, body, link, urgent) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(Uuid::new_v4())
        .bind(user_id)
        .bind(n.kind.code)
        .bind(n.title)
        .bind(n.body)
        .bind(&n.link)
        .bind(n.urgent)
        .execute(&mut *conn)
        .await?;
        raise_unread(conn, user_id).await?;
    }
    let (email, sms_number): (String, Option<String>) = sqlx::query_as(
        "SELECT u.email::text, s.sms_number FROM users u LEFT JOIN notification_settings s ON s.user_id = u.id
         WHERE u.id = $1 AND u.active",
    )
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await?
    .unwrap_or_default();
    if on("email") && !email.is_empty() {
        queue_message(conn, "email", &email, Some(user_id), None, n, None).await?;
    }
    if let Some(number) = sms_number.filter(|_| on("sms")) {
        queue_message(conn, "sms", &number, Some(user_id), None, n, None).await?;
    }
    Ok(())
}

/// Notifies every active user holding `permission`.
pub async fn notify_permission(conn: &mut PgConnection, permission: &str, n: &Notice<'_>) -> sqlx::Result<usize> {
    let users: Vec<Uuid> = sqlx::query_scalar(
        "SELECT DISTINCT u.id FROM users u JOIN user_roles ur ON ur.user_id = u.id
         JOIN role_permissions rp ON rp.role_code = ur.role_code
         WHERE rp.permission_code = $1 AND u.active ORDER BY u.id",
    )
    .bind(permission)
    .fetch_all(&mut *conn)
    .await?;
    for u in &users {
        notify_user(conn, *u, n).await?;
    }
    Ok(users.len())
}

/// A message to a patient on `channel` ("email", "sms" or "whatsapp") at `to`. The patient's
/// communications consent is checked when it is delivered (consent may change meanwhile); without
/// it the message is recorded as suppressed and not sent.
pub async fn message_patient(
    conn: &mut PgConnection,
    patient_id: Uuid,
    channel: &str,
    to: &str,
    n: &Notice<'_>,
) -> sqlx::Result<Uuid> {
    queue_message(conn, channel, to, None, Some(patient_id), n, None).await
}

/// Like [`message_patient`], for a text already written in `locale` (a BCP 47 tag chosen by
/// [`crate::i18n::patient_language`]): the e-mail's frame (its footer, `lang` and `dir`) is
/// rendered in the same language at delivery.
pub async fn message_patient_in(
    conn: &mut PgConnection,
    patient_id: Uuid,
    channel: &str,
    to: &str,
    n: &Notice<'_>,
    locale: &str,
) -> sqlx::Result<Uuid> {
    queue_message(conn, channel, to, None, Some(patient_id), n, Some(locale)).await
}

async fn queue_message(
    conn: &mut PgConnection,
    channel: &str,
    to: &str,
    user_id: Option<Uuid>,
    patient_id: Option<Uuid>,
    n: &Notice<'_>,
    locale: Option<&str>,
) -> sqlx::Result<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO messages (id, channel, kind, recipient, user_id, patient_id, subject, body, link, urgent, locale)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(id)
    .bind(channel)
    .bind(n.kind.code)
    .bind(to)
    .bind(user_id)
    .bind(patient_id)
    .bind(n.title)
    .bind(n.body)
    .bind(&n.link)
    .bind(n.urgent)
    .bind(locale)
    .execute(&mut *conn)
    .await?;
    jobs::enqueue(conn, "notify.deliver", serde_json::json!({"message_id": id}), jobs::Opts::key(format!("msg:{id}")))
        .await?;
    Ok(id)
}

pub async fn unread_count(pool: &PgPool, user_id: Uuid) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
        .bind(user_id)
        .fetch_one(pool)
        .await
}

/// Pushes the user's new unread count to their open pages.
pub async fn raise_unread(conn: &mut PgConnection, user_id: Uuid) -> sqlx::Result<()> {
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
        .bind(user_id)
        .fetch_one(&mut *conn)
        .await?;
    events::raise(conn, Some(user_id), "unread", &events::badge(n)).await?;
    Ok(())
}

#[derive(FromRow)]
struct MessageRow {
    id: Uuid,
    channel: String,
    kind: String,
    recipient: String,
    user_id: Option<Uuid>,
    patient_id: Option<Uuid>,
    subscriber_id: Option<Uuid>,
    subject: String,
    body: String,
    link: Option<String>,
    urgent: bool,
    status: String,
    /// The language the text was written in (patient messages); None: English.
    locale: Option<String>,
}

/// When quiet hours (minutes after local midnight, possibly spanning midnight) hold at the
/// local wall-clock time `now` (read as UTC), the local time they end.
pub fn quiet_until(start: i32, end: i32, now: OffsetDateTime) -> Option<OffsetDateTime> {
    let m = now.hour() as i32 * 60 + now.minute() as i32;
    let quiet = if start < end {
        m >= start && m < end
    } else if start > end {
        m >= start || m < end
    } else {
        false
    };
    if !quiet {
        return None;
    }
    let ahead = (end - m).rem_euclid(1440) as i64;
    let base = now.replace_second(0).ok()?.replace_nanosecond(0).ok()?;
    Some(base + time::Duration::minutes(ahead))
}

pub(crate) async fn deliver(state: &AppState, job: &Job) -> Outcome {
    match try_deliver(state, job).await {
        Ok(o) => o,
        Err(e) => Outcome::Retry(format!("database: {e}")),
    }
}

async fn set_status(pool: &PgPool, id: Uuid, status: &str, error: Option<&str>, code: Option<i32>) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE messages SET status = $2, last_error = coalesce($3, last_error), response_code = coalesce($4, response_code),
                updated_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(status)
    .bind(error)
    .bind(code)
    .execute(pool)
    .await?;
    Ok(())
}

async fn try_deliver(state: &AppState, job: &Job) -> sqlx::Result<Outcome> {
    let pool = &state.pool;
    let Some(id) = job.payload.get("message_id").and_then(|v| v.as_str()).and_then(|s| s.parse::<Uuid>().ok()) else {
        return Ok(Outcome::Fail("the job has no message_id".into()));
    };
    let msg: Option<MessageRow> = sqlx::query_as(
        "SELECT id, channel, kind, recipient, user_id, patient_id, subscriber_id, subject, body, link, urgent, status,
                locale
         FROM messages WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    let Some(msg) = msg else { return Ok(Outcome::Fail("the message no longer exists".into())) };
    // Idempotency: a message already settled is never sent again, whatever ran this job.
    if !matches!(msg.status.as_str(), "queued" | "failed") {
        return Ok(Outcome::Done);
    }
    if let Some(pid) = msg.patient_id {
        let consent_channel = match msg.channel.as_str() {
            "sms" | "whatsapp" => msg.channel.as_str(),
            _ => "email",
        };
        if !state.registry.messaging_allowed(pool, pid, consent_channel).await? {
            set_status(pool, msg.id, "suppressed", Some("no communications consent for this channel"), None).await?;
            return Ok(Outcome::Done);
        }
    }
    if let (Some(uid), false, true) = (msg.user_id, msg.urgent, msg.channel != "webhook") {
        // Quiet hours are wall-clock times in the user's facility time zone.
        // The same zone as the user's pages (`user_zone_sql`), else the installation's.
        let q: Option<(Option<i32>, Option<i32>, String, time::PrimitiveDateTime)> = sqlx::query_as(&format!(
            "SELECT s.quiet_start, s.quiet_end, z.tz, (now() AT TIME ZONE z.tz)
             FROM notification_settings s
             CROSS JOIN LATERAL (SELECT coalesce({}, $2) AS tz) z
             WHERE s.user_id = $1",
            crate::platform::auth::user_zone_sql("s.user_id")
        ))
        .bind(uid)
        .bind(&state.config.time_zone)
        .fetch_optional(pool)
        .await?;
        if let Some((Some(s), Some(e), tz, local_now)) = q {
            if let Some(until) = quiet_until(s, e, local_now.assume_utc()) {
                let until = time::PrimitiveDateTime::new(until.date(), until.time());
                let until: OffsetDateTime = sqlx::query_scalar("SELECT ($1::timestamp AT TIME ZONE $2)")
                    .bind(until)
                    .bind(&tz)
                    .fetch_one(pool)
                    .await?;
                return Ok(Outcome::Defer(until, "quiet hours".into()));
            }
        }
    }
    let provider = match msg.channel.as_str() {
        "email" => "smtp".to_string(),
        "sms" | "whatsapp" => state.sms.name().to_string(),
        _ => format!("webhook:{}", msg.subscriber_id.unwrap_or_default()),
    };
    if msg.channel == "email" && state.mailer.is_none() {
        tracing::info!(message = %msg.id, kind = %msg.kind, "HEARTH_SMTP_URL is not set; email recorded, not sent");
        set_status(pool, msg.id, "not_sent", Some("no SMTP server configured (HEARTH_SMTP_URL)"), None).await?;
        return Ok(Outcome::Done);
    }
    let cooldown = state.config.breaker_cooldown;
    if let breaker::Admit::WaitUntil(t) = breaker::admit(pool, &provider, cooldown).await? {
        return Ok(Outcome::Defer(t, format!("circuit breaker for {provider} is open")));
    }
    sqlx::query("UPDATE messages SET attempts = attempts + 1, provider = $2, updated_at = now() WHERE id = $1")
        .bind(msg.id)
        .bind(&provider)
        .execute(pool)
        .await?;
    let result = match msg.channel.as_str() {
        "email" => send_email(state, &msg).await,
        "sms" | "whatsapp" => {
            let phone = sms::Phone::from_channel(&msg.channel).unwrap_or(sms::Phone::Sms);
            state.sms.send(msg.id, phone, &msg.recipient, &sms_text(state, &msg)).await
        }
        _ => match msg.subscriber_id {
            Some(sid) => webhook::deliver(state, msg.id, sid, &msg.kind, &msg.body).await,
            None => Err(SendError::Permanent("webhook message without a subscriber".into())),
        },
    };
    match result {
        Ok(reference) => {
            // The provider took it: record that (and its reference) before anything else can
            // fail, so a retry of this job finds the message settled and never sends it again.
            let code = if msg.channel == "webhook" {
                reference.strip_prefix("http-").and_then(|c| c.parse::<i32>().ok())
            } else {
                None
            };
            sqlx::query(
                "UPDATE messages SET status = 'sent', provider_ref = $2, sent_at = now(), last_error = NULL,
                        response_code = $3, updated_at = now()
                 WHERE id = $1",
            )
            .bind(msg.id)
            // A webhook's "reference" is only its status code.
            .bind(if msg.channel == "webhook" { None } else { Some(reference.chars().take(200).collect::<String>()) })
            .bind(code)
            .execute(pool)
            .await?;
            breaker::success(pool, &provider).await?;
            Ok(Outcome::Done)
        }
        Err(e) => {
            let (transient, code, text) = e.parts();
            if transient {
                breaker::failure(pool, &provider, text, state.config.breaker_threshold, cooldown).await?;
                let last = job.attempts >= job.max_attempts;
                set_status(pool, msg.id, if last { "dead" } else { "failed" }, Some(text), code).await?;
                Ok(Outcome::Retry(text.to_string()))
            } else {
                set_status(pool, msg.id, "dead", Some(text), code).await?;
                Ok(Outcome::Fail(text.to_string()))
            }
        }
    }
}

fn absolute_link(state: &AppState, link: &Option<String>) -> Option<String> {
    link.as_ref().filter(|l| l.starts_with('/')).map(|l| format!("{}{l}", state.config.base_url))
}

/// The most segments an SMS is sent in: 4 × 153 characters in Latin scripts (GSM-7), but only
/// 4 × 67 in Arabic and other scripts that need UCS-2 ([`sms::sms_budget`]).
pub const SMS_MAX_SEGMENTS: usize = 4;

fn sms_text(state: &AppState, msg: &MessageRow) -> String {
    let mut t = format!("{}: {}", state.config.hospital_name, msg.subject);
    if !msg.body.is_empty() {
        t.push_str(" - ");
        t.push_str(&msg.body);
    }
    sms::fit_sms(&t, SMS_MAX_SEGMENTS)
}

async fn send_email(state: &AppState, msg: &MessageRow) -> Result<String, SendError> {
    let Some(mailer) = &state.mailer else { return Err(SendError::Permanent("no SMTP server configured".into())) };
    let hospital = state.config.hospital_name.as_str();
    let link = absolute_link(state, &msg.link);
    // The frame in the language the text was written in: a patient's (chosen among reviewed
    // catalogues when queued), else English.
    let lang = msg.locale.as_deref().and_then(|l| crate::i18n::catalogues().offered(l)).unwrap_or_else(|| "en".into());
    let footer = if msg.patient_id.is_some() {
        crate::i18n::t_args(&lang, "notify-email-footer-patient", &[("hospital", &hospital)])
    } else {
        crate::i18n::t_args(&lang, "notify-email-footer-user", &[("hospital", &hospital)])
    };
    let frame = email::Frame {
        lang: lang.clone(),
        dir: if crate::i18n::is_rtl(&lang) { "rtl" } else { "ltr" },
        footer,
        open: crate::i18n::t(&lang, "notify-email-open"),
    };
    let html = email::EmailHtml { hospital, title: &msg.subject, body: &msg.body, link: link.clone(), frame: &frame }
        .render()
        .map_err(|e| SendError::Permanent(format!("template: {e}")))?;
    let text = email::EmailText { hospital, title: &msg.subject, body: &msg.body, link, frame: &frame }
        .render()
        .map_err(|e| SendError::Permanent(format!("template: {e}")))?;
    mailer.send(&msg.recipient, &format!("{hospital}: {}", msg.subject), text, html).await
}

/// What an unmerge meets in the outbound messages: messages to the patient, and webhook calls
/// naming either record, that went out since the merge. They cannot be called back; the user
/// reads them before confirming (complications, not blockers).
pub async fn unmerge_notes(
    conn: &mut PgConnection,
    m: &crate::registry::MergeRecord,
) -> sqlx::Result<Vec<crate::registry::UnmergeNote>> {
    use crate::registry::UnmergeNote;
    let (to_patient, webhooks): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE channel <> 'webhook' AND patient_id = $1),
                count(*) FILTER (WHERE channel = 'webhook' AND (strpos(body, $1::text) > 0 OR strpos(body, $2::text) > 0))
         FROM messages
         WHERE created_at >= $3 AND status IN ('sent', 'delivered')
           AND (patient_id = $1 OR channel = 'webhook')",
    )
    .bind(m.survivor)
    .bind(m.merged)
    .bind(m.merged_at)
    .fetch_one(&mut *conn)
    .await?;
    let mut out = Vec::new();
    if to_patient > 0 {
        out.push(UnmergeNote::warn(format!(
            "{to_patient} message(s) (email, SMS, WhatsApp) were sent to the surviving record's contacts since the \
             merge, possibly with the other patient's details. They cannot be called back."
        )));
    }
    if webhooks > 0 {
        out.push(UnmergeNote::warn(format!(
            "{webhooks} webhook call(s) naming one of the two records went out since the merge; the systems that \
             received them may need telling."
        )));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn quiet_hours_span_midnight() {
        assert_eq!(
            quiet_until(22 * 60, 7 * 60, datetime!(2026-03-01 23:30 UTC)),
            Some(datetime!(2026-03-02 07:00 UTC))
        );
        assert_eq!(
            quiet_until(22 * 60, 7 * 60, datetime!(2026-03-01 06:59:30 UTC)),
            Some(datetime!(2026-03-01 07:00 UTC))
        );
        assert_eq!(quiet_until(22 * 60, 7 * 60, datetime!(2026-03-01 12:00 UTC)), None);
        assert_eq!(
            quiet_until(9 * 60, 17 * 60, datetime!(2026-03-01 12:00 UTC)),
            Some(datetime!(2026-03-01 17:00 UTC))
        );
        assert_eq!(quiet_until(600, 600, datetime!(2026-03-01 10:00 UTC)), None);
    }
}
