//! Order sets: administrators define named groups of items (`/orders/sets`); a clinician opens
//! one on a patient (`/patients/{id}/orders/sets/{set}`), edits the items (leave out, code,
//! priority, indication) and signs them all at once, placed in one transaction.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use uuid::Uuid;

use crate::model::{self, ItemForm, OrderSet, SetForm, SetItem};
use crate::service::{self, Edited};
use crate::{perms, repo};
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::registry::OrderEntry;
use hearth_core::web::form;
use hearth_core::web::{self, FieldErrors, Page, Path};
use hearth_patients::banner::{Banner, ChartPatient};

// ---- Administration ----

#[derive(Template)]
#[template(path = "orders/sets.html")]
struct ListPage {
    page: Page,
    sets: Vec<OrderSet>,
    form: SetForm,
    errors: FieldErrors,
}

async fn render_list(
    state: &AppState,
    page: Page,
    form: SetForm,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let sets = repo::sets(&state.pool, true).await?;
    let heading = page.t("orders-sets-heading");
    let t = ListPage { page: page.titled(heading.clone()).crumb(heading, "/orders/sets"), sets, form, errors };
    web::render_status(status, &t)
}

pub async fn list(State(state): State<AppState>, page: Page, auth: Auth) -> AppResult<Response> {
    auth.require(perms::SETS)?;
    render_list(&state, page, SetForm { active: true, ..Default::default() }, FieldErrors::default(), StatusCode::OK)
        .await
}

pub async fn create(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Form(form): Form<SetForm>,
) -> AppResult<Response> {
    auth.require(perms::SETS)?;
    let (name, description) = match form.validate() {
        Ok(v) => v,
        Err(e) => return render_list(&state, page, form, e, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let mut tx = state.pool.begin().await?;
    let id = repo::create_set(&mut tx, &auth.meta, &name, &description).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&format!("/orders/sets/{id}"), "ok", &page.t("orders-set-created")))
}

#[derive(Template)]
#[template(path = "orders/set_edit.html")]
struct EditPage {
    page: Page,
    set: OrderSet,
    items: Vec<SetItem>,
    kinds: Vec<(&'static str, String)>,
    /// `(code, "display · kind")` of every kind's catalogue (the code input's suggestions).
    suggestions: Vec<(String, String)>,
    priorities: Vec<(&'static str, String)>,
    form: SetForm,
    item: ItemForm,
    errors: FieldErrors,
}

impl EditPage {
    fn kind_label(&self, k: &str) -> String {
        self.kinds
            .iter()
            .find(|(c, _)| *c == k)
            .map(|(_, l)| l.clone())
            .unwrap_or_else(|| self.page.t1("orders-set-kind-gone", "kind", k))
    }
}

async fn render_edit(
    state: &AppState,
    page: Page,
    id: Uuid,
    form: Option<SetForm>,
    item: ItemForm,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let (set, items) = repo::set(&state.pool, id).await?.ok_or(AppError::NotFound)?;
    let mut suggestions = Vec::new();
    let mut conn = state.pool.acquire().await?;
    for k in state.registry.order_kinds() {
        for (c, d) in (k.catalogue)(&mut conn, "", 300).await? {
            suggestions.push((c, format!("{d} · {}", crate::i18n::kind(&page, k.kind, k.label))));
        }
    }
    drop(conn);
    let form = form.unwrap_or_else(|| SetForm {
        name: set.name.clone(),
        description: set.description.clone(),
        active: set.active,
    });
    let kinds = state.registry.order_kinds().map(|k| (k.kind, crate::i18n::kind(&page, k.kind, k.label))).collect();
    let priorities = crate::i18n::priorities(&page);
    let t = EditPage {
        page: page
            .clone()
            .titled(format!("{} · {}", page.t("orders-set-title"), set.name))
            .crumb(page.t("orders-sets-heading"), "/orders/sets")
            .crumb(set.name.clone(), format!("/orders/sets/{id}")),
        set,
        items,
        kinds,
        suggestions,
        priorities,
        form,
        item,
        errors,
    };
    web::render_status(status, &t)
}

pub async fn edit(State(state): State<AppState>, page: Page, auth: Auth, Path(id): Path<Uuid>) -> AppResult<Response> {
    auth.require(perms::SETS)?;
    let item = ItemForm { priority: "routine".into(), ..Default::default() };
    render_edit(&state, page, id, None, item, FieldErrors::default(), StatusCode::OK).await
}

pub async fn update(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(form): Form<SetForm>,
) -> AppResult<Response> {
    auth.require(perms::SETS)?;
    let (name, description) = match form.validate() {
        Ok(v) => v,
        Err(e) => {
            return render_edit(&state, page, id, Some(form), ItemForm::default(), e, StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
    };
    let mut tx = state.pool.begin().await?;
    repo::update_set(&mut tx, &auth.meta, id, &name, &description, form.active).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&format!("/orders/sets/{id}"), "ok", &page.t("orders-set-saved")))
}

pub async fn add_item(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(item): Form<ItemForm>,
) -> AppResult<Response> {
    auth.require(perms::SETS)?;
    let mut e = FieldErrors::default();
    let kind = state.registry.order_kind(item.kind.trim());
    if kind.is_none() {
        e.add("kind", page.t("orders-set-kind-missing"));
    }
    let priority = model::priority(&mut e, "priority", &item.priority);
    let indication = model::indication(&mut e, "indication", &item.indication);
    let code = item.code.trim().to_string();
    let mut display = None;
    if code.is_empty() || code.chars().count() > 60 {
        e.add("code", page.t("orders-set-code-missing"));
    } else if let Some(k) = kind {
        let mut conn = state.pool.acquire().await?;
        display = (k.lookup)(&mut conn, &code).await?;
        if display.is_none() {
            e.add(
                "code",
                page.t1("orders-set-code-unknown", "kind", crate::i18n::kind(&page, k.kind, k.label).to_lowercase()),
            );
        }
    }
    let (Some(kind), Some(display), true) = (kind, display, e.is_empty()) else {
        return render_edit(&state, page, id, None, item, e, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let mut tx = state.pool.begin().await?;
    repo::add_item(&mut tx, &auth.meta, id, kind.kind, &code, &display, &priority, &indication).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&format!("/orders/sets/{id}"), "ok", &page.t("orders-set-item-added")))
}

pub async fn remove_item(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path((id, item)): Path<(Uuid, Uuid)>,
) -> AppResult<Response> {
    auth.require(perms::SETS)?;
    let mut tx = state.pool.begin().await?;
    repo::remove_item(&mut tx, &auth.meta, id, item).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&format!("/orders/sets/{id}"), "ok", &page.t("orders-set-item-removed")))
}

// ---- Placing a set on a patient ----

#[derive(Template)]
#[template(path = "orders/set_place.html")]
struct PlacePage {
    page: Page,
    b: Banner,
    set: OrderSet,
    rows: Vec<(SetItem, Edited, String)>,
    priorities: Vec<(&'static str, String)>,
    signatures: Vec<(&'static str, String)>,
    encounters: Vec<(String, String)>,
    encounter_id: String,
    entry: String,
    errors: FieldErrors,
}

#[allow(clippy::too_many_arguments)]
async fn render_place(
    state: &AppState,
    page: Page,
    b: Banner,
    set_id: Uuid,
    edited: Option<Vec<Edited>>,
    encounter_id: String,
    entry: String,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let (set, items) = repo::set(&state.pool, set_id).await?.ok_or(AppError::NotFound)?;
    let edited = edited.unwrap_or_else(|| service::edited(&items, &[]));
    let rows = items
        .into_iter()
        .filter_map(|i| {
            let e = edited.iter().find(|e| e.item == i.id)?.clone();
            let label = state
                .registry
                .order_kind(&i.kind)
                .map(|k| crate::i18n::kind(&page, k.kind, k.label))
                .unwrap_or_else(|| i.kind.clone());
            Some((i, e, label))
        })
        .collect();
    let encounters = std::iter::once((String::new(), "—".to_string()))
        .chain(
            hearth_ehr::encounters::list(&state.pool, b.id, 20)
                .await?
                .into_iter()
                .map(|e| (e.id.to_string(), crate::i18n::encounter_option(&page, &e))),
        )
        .collect();
    let priorities = crate::i18n::priorities(&page);
    let signatures = vec![("signed", page.t("orders-set-sign-now")), ("draft", page.t("orders-set-save-drafts"))];
    let t = PlacePage {
        page: page
            .clone()
            .titled(format!("{} · {}", set.name, b.name))
            .crumb(page.t("nav-patients"), "/patients")
            .crumb(b.name.clone(), b.href("chart"))
            .crumb(page.t("orders-tab-heading"), b.href("orders"))
            .crumb(set.name.clone(), b.href(&format!("orders/sets/{set_id}"))),
        b,
        set,
        rows,
        priorities,
        signatures,
        encounters,
        encounter_id,
        entry,
        errors,
    };
    web::render_status(status, &t)
}

pub async fn place_form(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Path((_, set)): Path<(String, Uuid)>,
) -> AppResult<Response> {
    auth.require(perms::SIGN)?;
    let b = patient.banner("orders");
    render_place(&state, page, b, set, None, String::new(), "signed".into(), FieldErrors::default(), StatusCode::OK)
        .await
}

/// The page's form: `include_<item>` (checkbox), `code_<item>`, `priority_<item>`,
/// `indication_<item>` per item, `encounter_id`, `entry` (signed or draft).
pub async fn place(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Path((_, set)): Path<(String, Uuid)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    auth.require(perms::SIGN)?;
    let b = patient.banner("orders");
    let (_, items) = repo::set(&state.pool, set).await?.ok_or(AppError::NotFound)?;
    let edited: Vec<Edited> = items
        .iter()
        .map(|i| Edited {
            item: i.id,
            include: !form::one(&pairs, &format!("include_{}", i.id)).is_empty(),
            code: form::one(&pairs, &format!("code_{}", i.id)).to_string(),
            priority: form::one(&pairs, &format!("priority_{}", i.id)).to_string(),
            indication: form::one(&pairs, &format!("indication_{}", i.id)).to_string(),
        })
        .collect();
    let encounter_id = form::one(&pairs, "encounter_id").to_string();
    let entry_s = form::one(&pairs, "entry").to_string();
    let mut e = FieldErrors::default();
    let encounter = model::opt_uuid(&mut e, "encounter_id", &encounter_id);
    let entry = match model::entry(&entry_s) {
        Some(x @ (OrderEntry::Signed | OrderEntry::Draft)) => x,
        _ => {
            e.add("entry", page.t("orders-set-entry-invalid"));
            OrderEntry::Signed
        }
    };
    let result = if e.is_empty() {
        service::place_set(&state, &auth, b.id, set, encounter, entry, &edited).await
    } else {
        Err(e.into())
    };
    match result {
        Ok(ids) => {
            let msg = page.t1(
                if entry == OrderEntry::Draft { "orders-set-placed-drafts" } else { "orders-set-placed-signed" },
                "count",
                ids.len() as i64,
            );
            Ok(web::redirect_flash(&b.href("orders"), "ok", &msg))
        }
        Err(AppError::Invalid(errors)) => {
            render_place(
                &state,
                page,
                b,
                set,
                Some(edited),
                encounter_id,
                entry_s,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(AppError::Conflict(m)) => {
            let errors = FieldErrors::one("items", m);
            render_place(&state, page, b, set, Some(edited), encounter_id, entry_s, errors, StatusCode::CONFLICT).await
        }
        Err(e) => Err(e),
    }
}
