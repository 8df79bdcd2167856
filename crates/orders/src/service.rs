//! What the pages and the API share: placing orders through their kind's create function (one
//! order, or an order set in one transaction), and acting on an order with the permission checks.

use std::collections::HashMap;

use uuid::Uuid;

use crate::model::{self, ItemChoice, Order, OrderForm, ReasonForm};
use crate::perms;
use crate::repo::{self, Action};
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::{HasPerms, Perm};
use hearth_core::registry::{OrderEntry, OrderKind, OrderRequest};
use hearth_core::web::FieldErrors;

/// The sign permission of an order's kind (`orders.sign` when no module declares the kind any
/// more).
pub fn sign_perm(state: &AppState, kind: &str) -> Perm {
    state.registry.order_kind(kind).map(|k| k.sign_perm).unwrap_or(perms::SIGN)
}

/// Whether the user may place orders of `kind` themselves, or enter them on someone's behalf.
pub fn may_order(auth: &Auth, kind: &OrderKind) -> bool {
    auth.can(kind.sign_perm) || auth.can(perms::ENTER)
}

/// Places one order from the order form or the API: the caller's own (signed or draft, with
/// the kind's sign permission) or entered on a prescriber's behalf (verbal or telephone, with
/// `orders.enter`). The kind's create function runs on the transaction.
pub async fn place_one(state: &AppState, auth: &Auth, patient: Uuid, form: &OrderForm) -> AppResult<Uuid> {
    let v = form.validate()?;
    let kind = state.registry.order_kind(&v.kind).ok_or_else(|| AppError::field("kind", "Choose a kind of order."))?;
    let orderer = match (v.entry.on_behalf(), v.orderer) {
        (true, Some(o)) => {
            auth.require(perms::ENTER)?;
            o
        }
        _ => {
            auth.require(kind.sign_perm)?;
            auth.id
        }
    };
    let req = OrderRequest {
        kind,
        patient,
        encounter: v.encounter,
        code: v.code,
        priority: v.priority,
        indication: v.indication,
        orderer,
        entry: v.entry,
        read_back: v.read_back,
        options: v.options,
        set_id: None,
    };
    let mut tx = state.pool.begin().await?;
    let id = (kind.create)(&mut tx, &auth.meta, &req).await?;
    tx.commit().await?;
    Ok(id)
}

/// An item of an order set as edited before signing.
#[derive(Debug, Clone)]
pub struct Edited {
    pub item: Uuid,
    pub include: bool,
    pub code: String,
    pub priority: String,
    pub indication: String,
}

/// The set's items with the caller's changes (items not named keep their defaults).
pub fn edited(items: &[model::SetItem], choices: &[ItemChoice]) -> Vec<Edited> {
    let by_id: HashMap<Uuid, &ItemChoice> = choices.iter().map(|c| (c.item, c)).collect();
    items
        .iter()
        .map(|i| {
            let c = by_id.get(&i.id);
            Edited {
                item: i.id,
                include: c.and_then(|c| c.include).unwrap_or(true),
                code: c.and_then(|c| c.code.clone()).unwrap_or_else(|| i.code.clone()),
                priority: c.and_then(|c| c.priority.clone()).unwrap_or_else(|| i.priority.clone()),
                indication: c.and_then(|c| c.indication.clone()).unwrap_or_else(|| i.indication.clone()),
            }
        })
        .collect()
}

/// Places the included items of an order set as edited, **all in one transaction**: each item
/// goes through its kind's create function on the same transaction, and the first refusal rolls
/// everything back (the error names the item). `entry` is signed or draft.
pub async fn place_set(
    state: &AppState,
    auth: &Auth,
    patient: Uuid,
    set_id: Uuid,
    encounter: Option<Uuid>,
    entry: OrderEntry,
    items: &[Edited],
) -> AppResult<Vec<Uuid>> {
    if entry.on_behalf() {
        return Err(AppError::field("entry", "An order set is placed and signed by the ordering clinician."));
    }
    let (set, defs) = repo::set(&state.pool, set_id).await?.ok_or(AppError::NotFound)?;
    if !set.active {
        return Err(AppError::Conflict("This order set is retired.".into()));
    }
    let mut reqs: Vec<(usize, &model::SetItem, &'static OrderKind, OrderRequest)> = Vec::new();
    let mut e = FieldErrors::default();
    for (n, def) in defs.iter().enumerate() {
        let Some(ed) = items.iter().find(|x| x.item == def.id) else { continue };
        if !ed.include {
            continue;
        }
        let what = format!("Item {} ({})", n + 1, def.display);
        let Some(kind) = state.registry.order_kind(&def.kind) else {
            e.add("items", format!("{what}: this kind of order is no longer offered."));
            continue;
        };
        auth.require(kind.sign_perm)?;
        let mut fe = FieldErrors::default();
        let priority = model::priority(&mut fe, "priority", &ed.priority);
        let indication = model::indication(&mut fe, "indication", &ed.indication);
        if ed.code.trim().is_empty() {
            fe.add("code", "Choose what to order.");
        }
        if !fe.is_empty() {
            e.add("items", format!("{what}: {}", fe.messages()));
            continue;
        }
        let req = OrderRequest {
            kind,
            patient,
            encounter,
            code: ed.code.trim().to_string(),
            priority,
            indication,
            orderer: auth.id,
            entry,
            read_back: false,
            options: def.options.clone(),
            set_id: Some(set_id),
        };
        reqs.push((n, def, kind, req));
    }
    if !e.is_empty() {
        return Err(e.into());
    }
    if reqs.is_empty() {
        return Err(AppError::field("items", "Choose at least one item of the set."));
    }
    let mut tx = state.pool.begin().await?;
    let mut ids = Vec::with_capacity(reqs.len());
    for (n, def, kind, req) in &reqs {
        match (kind.create)(&mut tx, &auth.meta, req).await {
            Ok(id) => ids.push(id),
            // Dropping the transaction rolls back the items placed before this one.
            Err(err) => return Err(item_error(*n, &def.display, err)),
        }
    }
    tx.commit().await?;
    Ok(ids)
}

/// An item's refusal, naming the item.
fn item_error(n: usize, display: &str, err: AppError) -> AppError {
    let what = format!("Item {} ({display})", n + 1);
    match err {
        AppError::Invalid(fe) => AppError::Invalid(FieldErrors::one("items", format!("{what}: {}", fe.messages()))),
        AppError::Conflict(m) => AppError::Conflict(format!("{what}: {m}")),
        AppError::Unprocessable(m) => AppError::Invalid(FieldErrors::one("items", format!("{what}: {m}"))),
        other => other,
    }
}

/// Acts on an order: sign, hold, resume and revoke need the kind's sign permission (signing is
/// the orderer's own); entered in error also the nurse who entered it (`orders.enter`).
pub async fn act(state: &AppState, auth: &Auth, order: &Order, action: Action, reason: &ReasonForm) -> AppResult<()> {
    let perm = sign_perm(state, &order.kind);
    if action == Action::EnteredInError {
        let entered_it = auth.can(perms::ENTER) && order.entered_by == Some(auth.id);
        if !auth.can(perm) && !entered_it {
            return Err(AppError::Forbidden);
        }
    } else {
        auth.require(perm)?;
    }
    let reason = match action.reason_needed() {
        Some(what) => Some(reason.required(what)?),
        None => None,
    };
    let mut tx = state.pool.begin().await?;
    repo::transition(&mut tx, &auth.meta, order.id, action, auth.id, reason.as_deref()).await?;
    tx.commit().await?;
    Ok(())
}

/// The prescriber countersigns a verbal or telephone order.
pub async fn countersign(state: &AppState, auth: &Auth, order: &Order) -> AppResult<()> {
    auth.require(sign_perm(state, &order.kind))?;
    let mut tx = state.pool.begin().await?;
    repo::countersign(&mut tx, &auth.meta, order.id, auth.id).await?;
    tx.commit().await?;
    Ok(())
}

/// An order of the patient in the path (404 when it is another patient's).
pub async fn order_of(state: &AppState, patient: Uuid, id: Uuid) -> AppResult<Order> {
    let mut conn = state.pool.acquire().await?;
    match repo::load(&mut conn, id).await? {
        Some(o) if o.patient_id == patient => Ok(o),
        _ => Err(AppError::NotFound),
    }
}
