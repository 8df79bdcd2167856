//! The notes' pages: list, new, show, edit, sign, addenda.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::model::{validate_edit, NewNote, Note, NoteMeta, TEMPLATES};
use super::repo::{get, insert, insert_addendum, paged, sign_note, update_draft};
use crate::{audit_view, Banner, ChartPatient};
use hearth_core::app::AppState;
use hearth_core::error::AppResult;
use hearth_core::platform::audit::{self, Event};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::web::paging::{PageParams, PageRequest, Pager};
use hearth_core::web::Path;
use hearth_core::web::{self, FieldErrors, Page};

#[derive(Template)]
#[template(path = "ehr/notes.html")]
struct ListPage {
    page: Page,
    b: Banner,
    rows: Vec<NoteMeta>,
    pager: Pager,
    can_write: bool,
    templates: &'static [(&'static str, &'static str, &'static str)],
}

pub async fn list_page(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Query(q): Query<PageParams>,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_READ)?;
    let req = PageRequest::new(&q, crate::PAGE_SIZE, crate::PAGE_MAX)?;
    let b = patient.banner("notes");
    let rows = paged(&state.pool, b.id, &req).await?;
    let pager = Pager::new(&b.href("notes"), &[], &rows, req.is_later()).labels("Older", "Newest");
    audit_view(&state.pool, &auth.meta, b.id, "notes").await?;
    web::render(&ListPage {
        page: {
            let (heading, list) = (page.t("ehr-notes-heading"), page.t("nav-patients"));
            page.titled(format!("{heading} · {}", b.name))
                .crumb(list, "/patients")
                .crumb(b.name.clone(), b.href("chart"))
                .crumb(heading, b.href("notes"))
        },
        b,
        rows: rows.items,
        pager,
        can_write: auth.can(crate::perms::CHART_WRITE),
        templates: TEMPLATES,
    })
}

#[derive(Template)]
#[template(path = "ehr/note_new.html")]
struct NewPage {
    page: Page,
    b: Banner,
    form: NewNote,
    errors: FieldErrors,
    encounters: Vec<crate::encounters::Encounter>,
    can_sign: bool,
    templates: &'static [(&'static str, &'static str, &'static str)],
}

async fn render_new(
    state: &AppState,
    page: Page,
    auth: &Auth,
    b: Banner,
    form: NewNote,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let encounters = crate::encounters::list(&state.pool, b.id, 20).await?;
    let errors = crate::i18n::localise_errors(&page, errors);
    let (heading, list, notes, new) = (
        page.t("ehr-note-new-heading"),
        page.t("nav-patients"),
        page.t("ehr-notes-heading"),
        page.t("ehr-note-crumb-new"),
    );
    let t = NewPage {
        page: page
            .titled(format!("{heading} · {}", b.name))
            .crumb(list, "/patients")
            .crumb(b.name.clone(), b.href("chart"))
            .crumb(notes, b.href("notes"))
            .crumb(new, b.href("notes/new")),
        b,
        form,
        errors,
        encounters,
        can_sign: auth.can(crate::perms::NOTES_SIGN),
        templates: TEMPLATES,
    };
    web::render_status(status, &t)
}

#[derive(Deserialize, Default)]
pub struct NewQuery {
    #[serde(default)]
    template: String,
}

pub async fn new_page(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Query(q): Query<NewQuery>,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_WRITE)?;
    let b = patient.banner("notes");
    let (key, label, text) =
        TEMPLATES.iter().find(|(k, _, _)| *k == q.template).copied().unwrap_or(("soap", "SOAP note", TEMPLATES[0].2));
    let title = page.t_or(&hearth_patients::i18n::key("ehr-note-template", key), label);
    let form = NewNote { template: key.into(), title, body: text.into(), ..Default::default() };
    render_new(&state, page, &auth, b, form, FieldErrors::default(), StatusCode::OK).await
}

pub async fn create(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Form(form): Form<NewNote>,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_WRITE)?;
    if form.wants_sign() {
        auth.require(crate::perms::NOTES_SIGN)?;
    }
    let b = patient.banner("notes");
    let mut valid = form.validate(&state.pool, b.id).await?;
    if form.sign_unconfirmed() {
        let msg = "Tick “I have reviewed this note” to sign it (signing locks it), or save a draft.";
        match &mut valid {
            Err(errors) => errors.add("confirm", msg),
            Ok(_) => valid = Err(FieldErrors::one("confirm", msg)),
        }
    }
    let valid = match valid {
        Ok(v) => v,
        Err(errors) => return render_new(&state, page, &auth, b, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let mut tx = state.pool.begin().await?;
    let nid = insert(&mut tx, &state.keys, &auth.meta, b.id, &valid).await?;
    if form.wants_sign() {
        sign_note(&mut tx, &auth.meta, b.id, nid).await?;
    }
    tx.commit().await?;
    let msg = if form.wants_sign() { "ehr-note-signed-flash" } else { "ehr-note-draft-saved" };
    Ok(web::redirect_flash(&b.href(&format!("notes/{nid}")), "ok", &page.t(msg)))
}

#[derive(Template)]
#[template(path = "ehr/note.html")]
struct ShowPage {
    page: Page,
    b: Banner,
    n: Note,
    can_edit: bool,
    can_sign: bool,
    can_amend: bool,
    /// The draft form's and the addendum form's messages (fields title, body, addendum, confirm).
    errors: FieldErrors,
    /// What was typed, when a form comes back with its message: (title, body) of the draft.
    draft: Option<(String, String)>,
    addendum: String,
}

impl ShowPage {
    fn draft_title(&self) -> &str {
        self.draft.as_ref().map(|d| d.0.as_str()).unwrap_or(&self.n.meta.title)
    }
    fn draft_body(&self) -> &str {
        self.draft.as_ref().map(|d| d.1.as_str()).unwrap_or(&self.n.body)
    }
}

/// What a note page re-renders with after a refused form.
#[derive(Default)]
struct Typed {
    errors: FieldErrors,
    draft: Option<(String, String)>,
    addendum: String,
}

async fn render_show(
    state: &AppState,
    page: Page,
    auth: &Auth,
    b: Banner,
    item: Uuid,
    typed: Typed,
    status: StatusCode,
) -> AppResult<Response> {
    let n = get(&state.pool, &state.keys, b.id, item).await?;
    audit::record_now(
        &state.pool,
        &auth.meta,
        Event::new("chart.view", "note", n.meta.id).patient(b.id).changes(json!({"section": "note"})),
    )
    .await?;
    let signed = n.meta.signed();
    let errors = crate::i18n::localise_errors(&page, typed.errors);
    let (list, notes) = (page.t("nav-patients"), page.t("ehr-notes-heading"));
    let t = ShowPage {
        page: page
            .titled(format!("{} · {}", n.meta.title, b.name))
            .crumb(list, "/patients")
            .crumb(b.name.clone(), b.href("chart"))
            .crumb(notes, b.href("notes"))
            .crumb(n.meta.title.clone(), b.href(&format!("notes/{}", n.meta.id))),
        can_edit: !signed && auth.can(crate::perms::CHART_WRITE) && n.meta.author_id == auth.id,
        can_sign: !signed && auth.can(crate::perms::NOTES_SIGN) && n.meta.author_id == auth.id,
        can_amend: signed && auth.can(crate::perms::CHART_WRITE),
        b,
        n,
        errors,
        draft: typed.draft,
        addendum: typed.addendum,
    };
    web::render_status(status, &t)
}

pub async fn show(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Path((_, item)): Path<(String, Uuid)>,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_READ)?;
    let b = patient.banner("notes");
    render_show(&state, page, &auth, b, item, Typed::default(), StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct EditForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
}

/// The field a validation error names, as a form field of the note page.
fn invalid(e: hearth_core::error::AppError) -> Result<FieldErrors, hearth_core::error::AppError> {
    match e {
        hearth_core::error::AppError::Invalid(errors) => Ok(errors),
        other => Err(other),
    }
}

pub async fn update(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Path((_, item)): Path<(String, Uuid)>,
    Form(f): Form<EditForm>,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_WRITE)?;
    let b = patient.banner("notes");
    let (pid, nid) = (b.id, item);
    let (title, body) = match validate_edit(&f.title, &f.body) {
        Ok(v) => v,
        Err(e) => {
            let typed = Typed { errors: invalid(e)?, draft: Some((f.title, f.body)), addendum: String::new() };
            return render_show(&state, page, &auth, b, nid, typed, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let mut tx = state.pool.begin().await?;
    update_draft(&mut tx, &state.keys, &auth.meta, pid, nid, &title, &body).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&format!("/patients/{pid}/notes/{nid}"), "ok", &page.t("ehr-note-draft-saved")))
}

#[derive(Deserialize)]
pub struct SignForm {
    /// "yes" when the signer confirmed that signing locks the note.
    #[serde(default)]
    confirm: String,
}

pub async fn sign(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Path((_, item)): Path<(String, Uuid)>,
    Form(f): Form<SignForm>,
) -> AppResult<Response> {
    auth.require(crate::perms::NOTES_SIGN)?;
    let b = patient.banner("notes");
    let (pid, nid) = (b.id, item);
    if f.confirm != "yes" {
        // Someone who may not sign it, or a signed note, gets the same answer as with confirmation.
        let row: Option<(String, Uuid)> =
            sqlx::query_as("SELECT status, author_id FROM notes WHERE id = $1 AND patient_id = $2")
                .bind(nid)
                .bind(pid)
                .fetch_optional(&state.pool)
                .await?;
        let (status, author) = row.ok_or(hearth_core::error::AppError::NotFound)?;
        if status == "signed" {
            return Err(hearth_core::error::AppError::Conflict("This note is already signed.".into()));
        }
        if author != auth.id {
            return Err(hearth_core::error::AppError::Forbidden);
        }
        let errors = FieldErrors::one(
            "confirm",
            "Tick “I have reviewed this note” to sign it; signing locks it. Nothing was signed.",
        );
        let typed = Typed { errors, ..Default::default() };
        return render_show(&state, page, &auth, b, nid, typed, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let mut tx = state.pool.begin().await?;
    sign_note(&mut tx, &auth.meta, pid, nid).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&format!("/patients/{pid}/notes/{nid}"), "ok", &page.t("ehr-note-signed-locked-flash")))
}

#[derive(Deserialize)]
pub struct AddendumForm {
    #[serde(default)]
    body: String,
}

pub async fn add_addendum(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Path((_, item)): Path<(String, Uuid)>,
    Form(f): Form<AddendumForm>,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_WRITE)?;
    let b = patient.banner("notes");
    let (pid, nid) = (b.id, item);
    let mut tx = state.pool.begin().await?;
    if let Err(e) = insert_addendum(&mut tx, &state.keys, &auth.meta, pid, nid, &f.body).await {
        tx.rollback().await?;
        // The addendum's own message (field "body") shows on its field, "addendum".
        let errors = FieldErrors(invalid(e)?.0.into_iter().map(|(_, m)| ("addendum", m)).collect());
        let typed = Typed { errors, draft: None, addendum: f.body };
        return render_show(&state, page, &auth, b, nid, typed, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    tx.commit().await?;
    Ok(web::redirect_flash(&format!("/patients/{pid}/notes/{nid}"), "ok", &page.t("ehr-note-addendum-added")))
}
