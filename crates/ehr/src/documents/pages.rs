//! The document archive's pages, and the response serving a version's bytes.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use super::model::{
    refuse_merged, validate_new, validate_version, Document, DocumentVersion, CATEGORIES, FILE, MAX_DOCUMENT_BYTES,
};
use super::repo::{content, get, insert, insert_version, paged};
use crate::{audit_view, Banner, ChartPatient};
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, AuditMeta, Event};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::web::paging::{PageParams, PageRequest, Pager, TimeId};
use hearth_core::web::upload::{self, Disposition};
use hearth_core::web::Path;
use hearth_core::web::{self, FieldErrors, Page};
use hearth_patients::context::PatientCtx;

/// The response carrying a version's bytes, inline (shown by the browser) or as an attachment
/// (`web::upload::serve`: never as HTML). Audited as `document.view` or `document.download`.
pub async fn serve(
    pool: &PgPool,
    meta: &AuditMeta,
    patient: Uuid,
    id: Uuid,
    version: i32,
    download: bool,
) -> AppResult<Response> {
    let (v, data) = content(pool, patient, id, version).await?;
    let action = if download { "document.download" } else { "document.view" };
    audit::record_now(
        pool,
        meta,
        Event::new(action, "document", id).patient(patient).changes(json!({"version": version, "sha256": v.sha256})),
    )
    .await?;
    let disposition = if download { Disposition::Attachment } else { Disposition::Inline };
    Ok(upload::serve(data, &v.content_type, &v.file_name, disposition))
}

// ---------------------------------------------------------------- pages

#[derive(Template)]
#[template(path = "ehr/documents.html")]
struct DocumentsPage {
    page: Page,
    b: Banner,
    docs: Vec<Document>,
    pager: Pager,
    form: HashMap<String, String>,
    errors: FieldErrors,
    can_write: bool,
    categories: &'static [(&'static str, &'static str)],
    max_mib: usize,
}

impl DocumentsPage {
    fn value(&self, name: &str) -> &str {
        self.form.get(name).map(String::as_str).unwrap_or("")
    }
    fn file_hint(&self) -> String {
        file_hint(&self.page, self.max_mib)
    }
    /// The categories, labelled in the page's language.
    fn category_options(&self) -> Vec<(&'static str, String)> {
        self.categories.iter().map(|(k, _)| (*k, crate::i18n::doc_category(&self.page, k))).collect()
    }
}

/// What the file field accepts (the kinds' names stay as the upload kit names them).
fn file_hint(page: &Page, max_mib: usize) -> String {
    page.t2("ehr-docs-file-hint", "kinds", FILE.kinds_label(), "max", max_mib)
}

#[expect(clippy::too_many_arguments, reason = "a page render needs the request context, the page and the form state")]
async fn render_list(
    state: &AppState,
    page: Page,
    auth: &Auth,
    b: Banner,
    req: PageRequest<TimeId>,
    form: HashMap<String, String>,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let docs = paged(&state.pool, b.id, &req).await?;
    let pager = Pager::new(&b.href("documents"), &[], &docs, req.is_later()).labels("Older", "Newest");
    audit_view(&state.pool, &auth.meta, b.id, "documents").await?;
    let t = DocumentsPage {
        page: {
            let (list, tab) = (page.t("nav-patients"), page.t("patients-tab-documents"));
            page.titled(format!("{tab} · {}", b.name))
                .crumb(list, "/patients")
                .crumb(b.name.clone(), b.href("chart"))
                .crumb(tab, b.href("documents"))
        },
        b,
        docs: docs.items,
        pager,
        form,
        errors,
        can_write: auth.can(crate::perms::CHART_WRITE),
        categories: CATEGORIES,
        max_mib: MAX_DOCUMENT_BYTES / (1024 * 1024),
    };
    web::render_status(status, &t)
}

pub async fn page(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Query(q): Query<PageParams>,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_READ)?;
    let req = PageRequest::new(&q, crate::PAGE_SIZE, crate::PAGE_MAX)?;
    let b = patient.banner("documents");
    let form = HashMap::from([("category".to_string(), "other".to_string())]);
    render_list(&state, page, &auth, b, req, form, FieldErrors::default(), StatusCode::OK).await
}

pub async fn upload(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    mut mp: Multipart,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_WRITE)?;
    let b = patient.banner("documents");
    refuse_merged(&b)?;
    let up = upload::read(&mut mp, &[FILE]).await?;
    let (m, f) = match validate_new(&up, b.birth_date, page.zone.today()) {
        Ok(v) => v,
        Err(errors) => {
            let first = PageRequest::first(crate::PAGE_SIZE);
            return render_list(&state, page, &auth, b, first, up.fields, errors, StatusCode::UNPROCESSABLE_ENTITY)
                .await;
        }
    };
    let mut tx = state.pool.begin().await?;
    let stored = insert(&mut tx, &auth.meta, b.id, &m, &f).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(
        &format!("/patients/{}/documents/{}", b.id, stored.id),
        "ok",
        &format!("Stored {} ({}).", m.title, f.kind.label),
    ))
}

#[derive(Template)]
#[template(path = "ehr/document.html")]
struct DocumentPage {
    page: Page,
    b: Banner,
    d: Document,
    shown: DocumentVersion,
    errors: FieldErrors,
    comment: String,
    can_write: bool,
    max_mib: usize,
}

impl DocumentPage {
    fn file_hint(&self) -> String {
        file_hint(&self.page, self.max_mib)
    }
}

#[derive(Deserialize, Default)]
pub struct ShowQuery {
    version: Option<String>,
}

#[expect(clippy::too_many_arguments, reason = "a page render needs the request context and the form state")]
async fn render_document(
    state: &AppState,
    page: Page,
    auth: &Auth,
    b: Banner,
    doc: Uuid,
    version: Option<i32>,
    errors: FieldErrors,
    comment: String,
    status: StatusCode,
) -> AppResult<Response> {
    let d = get(&state.pool, b.id, doc).await?;
    let shown = d.version(version.unwrap_or(d.current_version)).cloned().ok_or(AppError::NotFound)?;
    audit::record_now(
        &state.pool,
        &auth.meta,
        Event::new("chart.view", "document", d.id)
            .patient(b.id)
            .changes(json!({"section": "document", "version": shown.version})),
    )
    .await?;
    let t = DocumentPage {
        page: {
            let (list, tab) = (page.t("nav-patients"), page.t("patients-tab-documents"));
            page.titled(format!("{} · {}", d.title, b.name))
                .crumb(list, "/patients")
                .crumb(b.name.clone(), b.href("chart"))
                .crumb(tab, b.href("documents"))
                .crumb(d.title.clone(), d.href())
        },
        b,
        d,
        shown,
        errors,
        comment,
        can_write: auth.can(crate::perms::CHART_WRITE),
        max_mib: MAX_DOCUMENT_BYTES / (1024 * 1024),
    };
    web::render_status(status, &t)
}

pub async fn show(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Path((_, doc)): Path<(String, Uuid)>,
    Query(q): Query<ShowQuery>,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_READ)?;
    let b = patient.banner("documents");
    let version = match q.version.as_deref().filter(|v| !v.is_empty()) {
        None => None,
        Some(v) => Some(v.parse::<i32>().map_err(|_| AppError::NotFound)?),
    };
    render_document(&state, page, &auth, b, doc, version, FieldErrors::default(), String::new(), StatusCode::OK).await
}

pub async fn upload_version(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Path((_, doc)): Path<(String, Uuid)>,
    mut mp: Multipart,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_WRITE)?;
    let b = patient.banner("documents");
    refuse_merged(&b)?;
    let up = upload::read(&mut mp, &[FILE]).await?;
    let (f, comment) = match validate_version(&up) {
        Ok(v) => v,
        Err(errors) => {
            let comment = up.field("comment").to_string();
            return render_document(
                &state,
                page,
                &auth,
                b,
                doc,
                None,
                errors,
                comment,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let mut tx = state.pool.begin().await?;
    let stored = insert_version(&mut tx, &auth.meta, b.id, doc, &f, &comment).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(
        &format!("/patients/{}/documents/{}", b.id, doc),
        "ok",
        &format!("Stored version {}; the earlier versions are kept.", stored.version),
    ))
}

#[derive(Deserialize, Default)]
pub struct ContentQuery {
    download: Option<String>,
}

/// The bytes of a version: shown inline (images in the page, PDFs in the browser's viewer) or,
/// with `?download=1`, as an attachment.
pub async fn content_page(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    Path((_, doc, version)): Path<(String, Uuid, i32)>,
    Query(q): Query<ContentQuery>,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_READ)?;
    let pid = patient.id;
    let download = q.download.as_deref().is_some_and(|v| !v.is_empty() && v != "0");
    serve(&state.pool, &auth.meta, pid, doc, version, download).await
}
