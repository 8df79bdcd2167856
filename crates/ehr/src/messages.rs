//! The patient's messages (SMS, WhatsApp and email sent to them) with their delivery status, and a form
//! to send one. Messages go through the notification queue (`notify::message_patient`): the
//! patient's communications consent is checked at delivery, and the provider's delivery receipt
//! (SMS status callback) moves a message from `sent` to `delivered` or `failed`.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use serde_json::json;
use sqlx::{FromRow, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{audit_view, Banner, ChartPatient};
use hearth_core::app::AppState;
use hearth_core::error::AppResult;
use hearth_core::platform::audit::{self, Event};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::crypto::normalize_phone;
use hearth_core::platform::notify::{self, Notice};
use hearth_core::platform::rbac::HasPerms;
use hearth_core::web::paging::{PageRequest, Paged, Pager, TimeId};
use hearth_core::web::{self, FieldErrors, Page};
use hearth_patients::{consent, repo};

/// A message to a patient (not a user preference: the patient's consent decides).
pub const PATIENT_MESSAGE: hearth_core::platform::notify::NotificationKind =
    hearth_core::platform::notify::NotificationKind {
        code: "patient.message",
        label: "Message to a patient",
        email_by_default: false,
    };

pub const PAGE_SIZE: i64 = 50;
pub const SUBJECT_MAX: usize = 120;
pub const BODY_MAX: usize = 600;

#[derive(Debug, Clone, FromRow)]
pub struct MessageRow {
    pub id: Uuid,
    pub channel: String,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub provider_status: Option<String>,
    pub created_at: OffsetDateTime,
    pub sent_at: Option<OffsetDateTime>,
    pub delivered_at: Option<OffsetDateTime>,
}

/// Patient message templates: their subject and body are the messages
/// `ehr-msg-tpl-<name>-subject` / `-body` (argument `hospital`), written in the patient's
/// language when the catalogue is reviewed in it (else the facility's, else English).
pub const TEMPLATES: [&str; 3] = ["results-ready", "please-call", "prescription-ready"];

/// The catalogues a patient message's text comes from (the template's and the e-mail frame's).
pub const MESSAGE_CATALOGUES: [&str; 2] = ["ehr", hearth_core::i18n::CORE_MODULE];

impl MessageRow {
    pub fn channel_label(&self) -> &'static str {
        match self.channel.as_str() {
            "sms" => "SMS",
            "whatsapp" => "WhatsApp",
            "email" => "Email",
            _ => "Other",
        }
    }
    pub fn status_label(&self) -> &'static str {
        match self.status.as_str() {
            "queued" => "Queued",
            "sent" => "Sent",
            "delivered" => "Delivered",
            "failed" => "Failed",
            "dead" => "Not delivered",
            "not_sent" => "Not sent (no provider)",
            "suppressed" => "Not sent (no consent)",
            _ => "Unknown",
        }
    }
    pub fn status_class(&self) -> &'static str {
        match self.status.as_str() {
            "delivered" | "sent" => "badge-ok",
            "failed" | "dead" => "badge-danger",
            "queued" => "badge-warn",
            _ => "badge-muted",
        }
    }
}

/// One page of a patient's messages, newest first.
pub async fn list(pool: &PgPool, patient: Uuid, req: &PageRequest<TimeId>) -> sqlx::Result<Paged<MessageRow>> {
    let after = req.after_sql("created_at", "id", 3);
    let rows: Vec<MessageRow> = sqlx::query_as(&format!(
        "SELECT id, channel, kind, recipient, subject, status, attempts, last_error, provider_status,
                created_at, sent_at, delivered_at
         FROM messages WHERE patient_id = $1 {after}
         ORDER BY created_at DESC, id DESC LIMIT $2"
    ))
    .bind(patient)
    .bind(req.fetch())
    .bind(req.at())
    .bind(req.id())
    .fetch_all(pool)
    .await?;
    Ok(Paged::from_rows(rows, req.limit, |m| TimeId(m.created_at, m.id)))
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NewMessage {
    pub channel: String,
    /// One of [`TEMPLATES`], or empty: the subject and body as typed.
    pub template: String,
    pub subject: String,
    pub body: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PageQuery {
    after: Option<String>,
}

struct Contact {
    phone: Option<String>,
    email: Option<String>,
    sms_consent: bool,
    whatsapp_consent: bool,
    email_consent: bool,
}

#[derive(Template)]
#[template(path = "ehr/messages.html")]
struct MessagesPage {
    page: Page,
    b: Banner,
    rows: Vec<MessageRow>,
    later: bool,
    pager: Pager,
    form: NewMessage,
    errors: FieldErrors,
    can_send: bool,
    phone: String,
    email: String,
    sms_consent: bool,
    whatsapp_consent: bool,
    email_consent: bool,
}

async fn contact(state: &AppState, patient: Uuid) -> AppResult<Contact> {
    let mut conn = state.pool.acquire().await?;
    let p = repo::load(&mut conn, &state.keys, patient, false).await?;
    drop(conn);
    let (phone, email) = p.map(|p| (p.phone, p.email)).unwrap_or_default();
    Ok(Contact {
        phone,
        email,
        sms_consent: consent::communication_allowed(&state.pool, patient, "sms").await?,
        whatsapp_consent: consent::communication_allowed(&state.pool, patient, "whatsapp").await?,
        email_consent: consent::communication_allowed(&state.pool, patient, "email").await?,
    })
}

#[allow(clippy::too_many_arguments)]
async fn render(
    state: &AppState,
    page: Page,
    auth: &Auth,
    b: Banner,
    req: PageRequest<TimeId>,
    form: NewMessage,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let rows = list(&state.pool, b.id, &req).await?;
    let pager = Pager::new(&b.href("messages"), &[], &rows, req.is_later()).labels("Older", "Newest");
    let can_send =
        auth.can(crate::perms::CHART_WRITE) && b.active && b.merged_into.is_none() && b.deceased_at.is_none();
    let c = if can_send {
        contact(state, b.id).await?
    } else {
        Contact { phone: None, email: None, sms_consent: false, whatsapp_consent: false, email_consent: false }
    };
    audit_view(&state.pool, &auth.meta, b.id, "messages").await?;
    let t = MessagesPage {
        page: {
            let (title, list, tab) =
                (page.t1("ehr-msg-title", "name", b.name.as_str()), page.t("nav-patients"), page.t("ehr-msg-heading"));
            page.titled(title)
                .crumb(list, "/patients")
                .crumb(b.name.clone(), b.href("chart"))
                .crumb(tab, b.href("messages"))
        },
        b,
        rows: rows.items,
        later: req.is_later(),
        pager,
        form,
        errors,
        can_send,
        phone: c.phone.unwrap_or_default(),
        email: c.email.unwrap_or_default(),
        sms_consent: c.sms_consent,
        whatsapp_consent: c.whatsapp_consent,
        email_consent: c.email_consent,
    };
    web::render_status(status, &t)
}

pub async fn page(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_READ)?;
    let req = PageRequest::parse(q.after.as_deref(), None, PAGE_SIZE, PAGE_SIZE)?;
    let b = patient.banner("messages");
    let form = NewMessage { channel: "sms".into(), ..Default::default() };
    render(&state, page, &auth, b, req, form, FieldErrors::default(), StatusCode::OK).await
}

/// `POST /patients/{id}/messages`: queues an SMS or email to the contact details on the record.
pub async fn send(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Form(form): Form<NewMessage>,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_WRITE)?;
    let b = patient.banner("messages");
    if !b.active || b.merged_into.is_some() || b.deceased_at.is_some() {
        return Err(hearth_core::error::AppError::Conflict(
            "Messages can only be sent to active patients (this record is closed, merged or the patient has died)."
                .into(),
        ));
    }
    let c = contact(&state, b.id).await?;
    let mut e = FieldErrors::default();
    let to = match form.channel.as_str() {
        // Gateways want the number without spaces or punctuation (E.164 when it starts with +).
        "sms" | "whatsapp" => c.phone.as_deref().map(normalize_phone).filter(|p| p.len() >= 4).or_else(|| {
            e.add("channel", page.t("ehr-msg-err-no-phone"));
            None
        }),
        "email" => c.email.clone().filter(|p| !p.trim().is_empty()).or_else(|| {
            e.add("channel", page.t("ehr-msg-err-no-email"));
            None
        }),
        _ => {
            e.add("channel", page.t("ehr-msg-err-channel"));
            None
        }
    };
    // A template is written in the patient's language (reviewed catalogues only); typed text
    // is sent as it is.
    let lang = hearth_patients::i18n::message_language(&state.pool, b.id, &MESSAGE_CATALOGUES).await?;
    let (subject, body) = if form.template.is_empty() {
        (form.subject.trim().to_string(), form.body.trim().to_string())
    } else if TEMPLATES.contains(&form.template.as_str()) {
        let hospital = state.config.hospital_name.as_str();
        let key = |part: &str| format!("ehr-msg-tpl-{}-{part}", form.template);
        (
            hearth_core::i18n::t_args(&lang, &key("subject"), &[("hospital", &hospital)]),
            hearth_core::i18n::t_args(&lang, &key("body"), &[("hospital", &hospital)]),
        )
    } else {
        e.add("template", page.t("ehr-msg-err-template"));
        (String::new(), String::new())
    };
    if form.template.is_empty() {
        if subject.is_empty() {
            e.add("subject", page.t("ehr-msg-err-subject"));
        } else if subject.chars().count() > SUBJECT_MAX {
            e.add("subject", page.t1("ehr-msg-err-subject-max", "max", SUBJECT_MAX));
        }
        if body.chars().count() > BODY_MAX {
            e.add("body", page.t1("ehr-msg-err-body-max", "max", BODY_MAX));
        }
    }
    let (subject, body) = (subject.as_str(), body.as_str());
    let Some(to) = to.filter(|_| e.is_empty()) else {
        return render(
            &state,
            page,
            &auth,
            b,
            PageRequest::first(PAGE_SIZE),
            form,
            e,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let mut tx = state.pool.begin().await?;
    let notice = Notice { kind: &PATIENT_MESSAGE, title: subject, body, link: None, urgent: false };
    let message_id = notify::message_patient_in(&mut tx, b.id, &form.channel, &to, &notice, &lang).await?;
    audit::record(
        &mut tx,
        &auth.meta,
        Event::new("message.send", "message", message_id).patient(b.id).changes(json!({
            "channel": form.channel, "subject_length": subject.chars().count(),
            "template": (!form.template.is_empty()).then_some(&form.template), "locale": lang,
        })),
    )
    .await?;
    tx.commit().await?;
    let consented = match form.channel.as_str() {
        "sms" => c.sms_consent,
        "whatsapp" => c.whatsapp_consent,
        _ => c.email_consent,
    };
    let flash = if consented { page.t("ehr-msg-queued") } else { page.t("ehr-msg-no-consent") };
    Ok(web::redirect_flash(&b.href("messages"), if consented { "ok" } else { "info" }, &flash))
}

/// The template choices of the form: "write your own" (empty) and each of [`TEMPLATES`], labelled
/// in the page's language.
pub fn template_options(page: &Page) -> Vec<(String, String)> {
    let mut v = vec![(String::new(), page.t("ehr-msg-template-none"))];
    v.extend(TEMPLATES.iter().map(|t| (t.to_string(), page.t(&format!("ehr-msg-tpl-{t}-label")))));
    v
}
