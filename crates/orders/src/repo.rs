//! All SQL of the orders core. Writes take the caller's transaction and audit on it; the ones
//! other modules call are re-exported at the crate's root (see `docs/modules.md`, "Orders").

use serde_json::json;
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::model::{
    label, Away, CountersignItem, InboxItem, Order, OrderResult, OrderSet, SetItem, PRIORITIES, STATUSES,
};
use crate::NOTICE;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, AuditMeta, Event};
use hearth_core::platform::notify::{self, Notice};
use hearth_core::registry::{OrderEntry, OrderKind, OrderRequest};
use hearth_core::web::paging::{PageRequest, Paged, TimeId};
use hearth_core::web::FieldErrors;

/// A new order header, as a module hands it to [`place`].
#[derive(Debug, Clone)]
pub struct NewOrder<'a> {
    /// The kind (the module's `OrderKind`, also listed in its descriptor's `order_kinds`).
    pub kind: &'static OrderKind,
    pub patient: Uuid,
    pub encounter: Option<Uuid>,
    /// The module's detail row, if the kind has one.
    pub detail_id: Option<Uuid>,
    /// The code in the kind's catalogue and its display text.
    pub code: &'a str,
    pub display: &'a str,
    /// routine, urgent, asap or stat.
    pub priority: &'a str,
    pub indication: &'a str,
    /// The ordering clinician: the entering user for draft and signed orders; the prescriber
    /// who gave a verbal or telephone order.
    pub orderer: Uuid,
    pub entry: OrderEntry,
    pub read_back: bool,
    pub set_id: Option<Uuid>,
}

impl<'a> NewOrder<'a> {
    /// The header of an [`OrderRequest`] (what a kind's create function received), with the
    /// display text of its code and the module's detail row.
    pub fn from_request(req: &'a OrderRequest, display: &'a str, detail_id: Option<Uuid>) -> NewOrder<'a> {
        NewOrder {
            kind: req.kind,
            patient: req.patient,
            encounter: req.encounter,
            detail_id,
            code: &req.code,
            display,
            priority: &req.priority,
            indication: &req.indication,
            orderer: req.orderer,
            entry: req.entry,
            read_back: req.read_back,
            set_id: req.set_id,
        }
    }
}

const SELECT: &str = "SELECT o.id, o.patient_id, o.encounter_id, o.kind, o.module, o.detail_id, o.code, o.display,
        o.priority, o.indication, o.status, o.hold_reason, o.revoke_reason, o.error_reason, o.fulfilment,
        o.fulfilment_at, o.orderer_id, ou.display_name AS orderer, o.entered_by, eu.display_name AS entered_by_name,
        o.entry_mode, o.read_back, o.signed_by, o.signed_at,
        (o.entry_mode <> 'electronic' AND o.signed_at IS NULL AND o.status <> 'entered_in_error') AS awaiting_countersignature,
        o.set_id, o.requested_at, o.started_at, o.completed_at
     FROM orders o JOIN users ou ON ou.id = o.orderer_id LEFT JOIN users eu ON eu.id = o.entered_by";

/// Whether an active user holds a permission.
pub async fn user_holds(conn: &mut PgConnection, user: Uuid, perm: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM users u JOIN user_roles ur ON ur.user_id = u.id
                         JOIN role_permissions rp ON rp.role_code = ur.role_code
                        WHERE u.id = $1 AND u.active AND rp.permission_code = $2)",
    )
    .bind(user)
    .bind(perm)
    .fetch_one(conn)
    .await
}

/// Places an order on the caller's transaction and returns its id. Draft and signed orders are
/// the entering user's own (`orderer` = the actor); verbal and telephone orders are entered on
/// the prescriber's behalf (`orderer`), must have been read back, are active at once and wait
/// for the prescriber's countersignature (who is notified). The orderer must hold the kind's
/// sign permission. Refusals: field errors (`priority`, `indication`, `code`, `encounter_id`,
/// `orderer_id`, `read_back`), 403 (someone else's signature), 409 (a merged or deceased
/// patient's record).
pub async fn place(conn: &mut PgConnection, meta: &AuditMeta, o: NewOrder<'_>) -> AppResult<Uuid> {
    let mut e = FieldErrors::default();
    if !PRIORITIES.iter().any(|(k, _)| *k == o.priority) {
        e.add("priority", "Choose routine, urgent, as soon as possible or stat.");
    }
    if o.indication.chars().count() > 1000 {
        e.add("indication", "At most 1,000 characters.");
    }
    if o.code.trim().is_empty() || o.code.chars().count() > 60 {
        e.add("code", "Choose what to order.");
    }
    if o.display.trim().is_empty() || o.display.chars().count() > 300 {
        e.add("code", "The catalogue entry has no usable name.");
    }
    let actor = meta.actor_user_id;
    if o.entry.on_behalf() {
        if !o.read_back {
            e.add("read_back", "Read the order back to the prescriber and confirm it.");
        }
        if actor.is_none() || actor == Some(o.orderer) {
            e.add("orderer_id", "A verbal or telephone order is entered on another prescriber's behalf.");
        }
    } else if actor != Some(o.orderer) {
        // Nobody places or signs an order in someone else's name but through verbal entry.
        return Err(AppError::Forbidden);
    }
    if !e.is_empty() {
        return Err(e.into());
    }
    let state: Option<(bool, bool)> =
        sqlx::query_as("SELECT merged_into IS NOT NULL, deceased_at IS NOT NULL FROM patients WHERE id = $1")
            .bind(o.patient)
            .fetch_optional(&mut *conn)
            .await?;
    match state {
        None => return Err(AppError::NotFound),
        Some((true, _)) => {
            return Err(AppError::Conflict("This record was merged; place the order on the surviving record.".into()))
        }
        Some((_, true)) => return Err(AppError::Conflict("The patient is deceased; no new orders.".into())),
        _ => {}
    }
    if let Some(enc) = o.encounter {
        if !hearth_ehr::encounters::belongs_to(conn, o.patient, enc).await? {
            return Err(AppError::field("encounter_id", "Choose one of the patient's encounters."));
        }
    }
    if !user_holds(conn, o.orderer, o.kind.sign_perm.code()).await? {
        return Err(if o.entry.on_behalf() {
            AppError::field("orderer_id", format!("The prescriber may not order {}.", o.kind.label.to_lowercase()))
        } else {
            AppError::Forbidden
        });
    }
    let id = Uuid::new_v4();
    let (status, mode) = match o.entry {
        OrderEntry::Draft => ("draft", "electronic"),
        OrderEntry::Signed => ("active", "electronic"),
        OrderEntry::Verbal => ("active", "verbal"),
        OrderEntry::Telephone => ("active", "telephone"),
    };
    let signed = o.entry == OrderEntry::Signed;
    sqlx::query(
        "INSERT INTO orders (id, patient_id, encounter_id, kind, module, detail_id, code, display, priority, indication,
                             status, orderer_id, entered_by, entry_mode, read_back, signed_by, signed_at, set_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
                 CASE WHEN $16 THEN $12 END, CASE WHEN $16 THEN now() END, $17)",
    )
    .bind(id)
    .bind(o.patient)
    .bind(o.encounter)
    .bind(o.kind.kind)
    .bind(o.kind.module)
    .bind(o.detail_id)
    .bind(o.code.trim())
    .bind(o.display.trim())
    .bind(o.priority)
    .bind(o.indication.trim())
    .bind(status)
    .bind(o.orderer)
    .bind(actor)
    .bind(mode)
    .bind(o.read_back && o.entry.on_behalf())
    .bind(signed)
    .bind(o.set_id)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        meta,
        Event::new("orders.order.place", "order", id).patient(o.patient).changes(json!({
            "kind": o.kind.kind, "code": o.code, "priority": o.priority, "status": status, "entry_mode": mode,
            "orderer_id": o.orderer, "encounter_id": o.encounter, "detail_id": o.detail_id, "set_id": o.set_id,
            "read_back": o.read_back && o.entry.on_behalf(),
        })),
    )
    .await?;
    if o.entry.on_behalf() {
        notify::notify_user(
            conn,
            o.orderer,
            &Notice {
                kind: &NOTICE,
                title: "An order waits for your countersignature",
                body: "A verbal or telephone order entered on your behalf waits for your countersignature.",
                link: Some(format!("/patients/{}/orders/{id}", o.patient)),
                urgent: false,
            },
        )
        .await?;
    }
    Ok(id)
}

/// One order (without access checks: the caller checks the patient).
pub async fn load(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<Order>> {
    sqlx::query_as(&format!("{SELECT} WHERE o.id = $1")).bind(id).fetch_optional(conn).await
}

/// A patient's open orders (draft, active, on hold) of one kind, newest first (at most 100):
/// e.g. the immunizations waiting to be given.
pub async fn open_of_kind(pool: &PgPool, patient: Uuid, kind: &str) -> sqlx::Result<Vec<Order>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE o.patient_id = $1 AND o.kind = $2 AND o.status IN ('draft', 'active', 'on_hold')
         ORDER BY o.requested_at DESC, o.id DESC LIMIT 100"
    ))
    .bind(patient)
    .bind(kind)
    .fetch_all(pool)
    .await
}

/// A page of a patient's orders across modules, newest first, optionally only the open ones
/// and of one kind.
pub async fn paged(
    pool: &PgPool,
    patient: Uuid,
    open_only: bool,
    kind: Option<&str>,
    req: &PageRequest<TimeId>,
) -> sqlx::Result<Paged<Order>> {
    let statuses: Vec<&str> =
        if open_only { crate::model::OPEN.to_vec() } else { STATUSES.iter().map(|(k, _)| *k).collect() };
    let filter = "o.patient_id = $1 AND o.status = ANY($2) AND ($3::text IS NULL OR o.kind = $3)";
    let rows: Vec<Order> = match req.after {
        None => {
            sqlx::query_as(&format!("{SELECT} WHERE {filter} ORDER BY o.requested_at DESC, o.id DESC LIMIT $4"))
                .bind(patient)
                .bind(&statuses)
                .bind(kind)
                .bind(req.fetch())
                .fetch_all(pool)
                .await?
        }
        Some(TimeId(at, id)) => {
            sqlx::query_as(&format!(
                "{SELECT} WHERE {filter} AND (o.requested_at, o.id) < ($5, $6)
                 ORDER BY o.requested_at DESC, o.id DESC LIMIT $4"
            ))
            .bind(patient)
            .bind(&statuses)
            .bind(kind)
            .bind(req.fetch())
            .bind(at)
            .bind(id)
            .fetch_all(pool)
            .await?
        }
    };
    Ok(Paged::from_rows(rows, req.limit, |o: &Order| TimeId(o.requested_at, o.id)))
}

/// A patient's orders for the whole-record export (newest first, at most 2,000).
pub async fn all_of_patient(pool: &PgPool, patient: Uuid) -> sqlx::Result<Vec<Order>> {
    sqlx::query_as(&format!("{SELECT} WHERE o.patient_id = $1 ORDER BY o.requested_at DESC, o.id DESC LIMIT 2000"))
        .bind(patient)
        .fetch_all(pool)
        .await
}

/// The released results of an order, newest first.
pub async fn results_of(pool: &PgPool, order: Uuid) -> sqlx::Result<Vec<OrderResult>> {
    sqlx::query_as(
        "SELECT r.id, r.order_id, r.summary, r.released_at, r.assigned_to, a.display_name AS assigned_to_name,
                r.reassigned_from, r.signed_off_at, s.display_name AS signed_off_by_name, r.signoff_note
         FROM order_results r JOIN users a ON a.id = r.assigned_to LEFT JOIN users s ON s.id = r.signed_off_by
         WHERE r.order_id = $1 ORDER BY r.released_at DESC, r.id DESC LIMIT 200",
    )
    .bind(order)
    .fetch_all(pool)
    .await
}

/// A change of request status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// draft → active, by the ordering clinician.
    Sign,
    /// active → on hold (reason).
    Hold,
    /// on hold → active.
    Resume,
    /// draft, active or on hold → revoked (reason).
    Revoke,
    /// any but entered in error → entered in error (reason).
    EnteredInError,
}

impl Action {
    pub fn parse(s: &str) -> Option<Action> {
        Some(match s {
            "sign" => Action::Sign,
            "hold" => Action::Hold,
            "resume" => Action::Resume,
            "revoke" => Action::Revoke,
            "entered-in-error" | "entered_in_error" | "error" => Action::EnteredInError,
            _ => return None,
        })
    }

    /// The statuses the action starts from and the one it leads to.
    pub fn flow(self) -> (&'static [&'static str], &'static str) {
        match self {
            Action::Sign => (&["draft"], "active"),
            Action::Hold => (&["active"], "on_hold"),
            Action::Resume => (&["on_hold"], "active"),
            Action::Revoke => (&["draft", "active", "on_hold"], "revoked"),
            Action::EnteredInError => (&["draft", "active", "on_hold", "revoked", "completed"], "entered_in_error"),
        }
    }

    /// Whether the action needs a reason, and how the reason's prompt reads ("put on hold").
    pub fn reason_needed(self) -> Option<&'static str> {
        match self {
            Action::Hold => Some("put on hold"),
            Action::Revoke => Some("revoked"),
            Action::EnteredInError => Some("entered in error"),
            _ => None,
        }
    }

    pub fn audit_action(self) -> &'static str {
        match self {
            Action::Sign => "orders.order.sign",
            Action::Hold => "orders.order.hold",
            Action::Resume => "orders.order.resume",
            Action::Revoke => "orders.order.revoke",
            Action::EnteredInError => "orders.order.entered_in_error",
        }
    }

    pub fn done(self) -> &'static str {
        match self {
            Action::Sign => "The order is signed.",
            Action::Hold => "The order is on hold.",
            Action::Resume => "The order is active again.",
            Action::Revoke => "The order is revoked.",
            Action::EnteredInError => "The order is marked entered in error.",
        }
    }
}

/// Moves an order along the request flow, guarded in the UPDATE's WHERE: of two concurrent
/// changes from the same status one wins, the other finds nothing to change and answers 409.
/// Signing is the ordering clinician's (`actor`); the caller checks permissions.
pub async fn transition(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    id: Uuid,
    action: Action,
    actor: Uuid,
    reason: Option<&str>,
) -> AppResult<()> {
    let (from, to) = action.flow();
    let sign = action == Action::Sign;
    let row: Option<(Uuid, String)> = sqlx::query_as(
        "UPDATE orders n SET status = $2,
                hold_reason = CASE WHEN $2 = 'on_hold' THEN $4 ELSE n.hold_reason END,
                revoke_reason = CASE WHEN $2 = 'revoked' THEN $4 ELSE n.revoke_reason END,
                error_reason = CASE WHEN $2 = 'entered_in_error' THEN $4 ELSE n.error_reason END,
                signed_by = CASE WHEN $5 THEN $6 ELSE n.signed_by END,
                signed_at = CASE WHEN $5 THEN now() ELSE n.signed_at END
         FROM orders o
         WHERE n.id = o.id AND n.id = $1 AND n.status = ANY($3) AND (NOT $5 OR n.orderer_id = $6)
         RETURNING n.patient_id, o.status",
    )
    .bind(id)
    .bind(to)
    .bind(from)
    .bind(reason)
    .bind(sign)
    .bind(actor)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((patient, was)) = row else {
        let now: Option<(String, Uuid)> = sqlx::query_as("SELECT status, orderer_id FROM orders WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
        return Err(match now {
            None => AppError::NotFound,
            Some((_, orderer)) if sign && orderer != actor => AppError::Forbidden,
            Some((status, _)) if status == to => {
                AppError::Conflict(format!("The order is already {}.", label(&STATUSES, to).to_lowercase()))
            }
            Some((status, _)) => AppError::Conflict(format!(
                "An order that is {} cannot be {}.",
                label(&STATUSES, &status).to_lowercase(),
                match action {
                    Action::Sign => "signed",
                    Action::Hold => "put on hold",
                    Action::Resume => "resumed",
                    Action::Revoke => "revoked",
                    Action::EnteredInError => "marked entered in error",
                }
            )),
        });
    };
    audit::record(
        conn,
        meta,
        Event::new(action.audit_action(), "order", id)
            .patient(patient)
            .changes(json!({"status": {"from": was, "to": to}, "reason": reason})),
    )
    .await?;
    Ok(())
}

/// The prescriber countersigns a verbal or telephone order entered on their behalf.
pub async fn countersign(conn: &mut PgConnection, meta: &AuditMeta, id: Uuid, actor: Uuid) -> AppResult<()> {
    let patient: Option<Uuid> = sqlx::query_scalar(
        "UPDATE orders SET signed_by = $2, signed_at = now()
         WHERE id = $1 AND orderer_id = $2 AND entry_mode <> 'electronic' AND signed_at IS NULL
           AND status <> 'entered_in_error'
         RETURNING patient_id",
    )
    .bind(id)
    .bind(actor)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(patient) = patient else {
        let now: Option<(Uuid, String, bool, String)> =
            sqlx::query_as("SELECT orderer_id, entry_mode, signed_at IS NOT NULL, status FROM orders WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?;
        return Err(match now {
            None => AppError::NotFound,
            Some((orderer, _, _, _)) if orderer != actor => AppError::Forbidden,
            Some((_, mode, _, _)) if mode == "electronic" => {
                AppError::Conflict("Only verbal and telephone orders are countersigned.".into())
            }
            Some((_, _, true, _)) => AppError::Conflict("The order is already countersigned.".into()),
            Some(_) => AppError::Conflict("An order entered in error is not countersigned.".into()),
        });
    };
    audit::record(conn, meta, Event::new("orders.order.countersign", "order", id).patient(patient)).await?;
    Ok(())
}

/// Sets how far the work on an active order has got, in the fulfilling module's words
/// (`collected`, `in progress`, `resulted`…; 1 to 60 characters); the first one also records
/// the start. An order that is not active answers 409.
pub async fn set_fulfilment(conn: &mut PgConnection, meta: &AuditMeta, id: Uuid, fulfilment: &str) -> AppResult<()> {
    let f = fulfilment.trim();
    if f.is_empty() || f.chars().count() > 60 {
        return Err(AppError::field("fulfilment", "Say how far the work has got, in at most 60 characters."));
    }
    let patient: Option<Uuid> = sqlx::query_scalar(
        "UPDATE orders SET fulfilment = $2, fulfilment_at = now(), started_at = coalesce(started_at, now())
         WHERE id = $1 AND status = 'active' RETURNING patient_id",
    )
    .bind(id)
    .bind(f)
    .fetch_optional(&mut *conn)
    .await?;
    let patient = match patient {
        Some(p) => p,
        None => return Err(not_active(conn, id).await?),
    };
    audit::record(
        conn,
        meta,
        Event::new("orders.order.fulfilment", "order", id).patient(patient).changes(json!({"fulfilment": f})),
    )
    .await?;
    Ok(())
}

/// Completes an active order (the fulfilling module's work is done). Anything else answers 409.
pub async fn complete(conn: &mut PgConnection, meta: &AuditMeta, id: Uuid) -> AppResult<()> {
    let patient: Option<Uuid> = sqlx::query_scalar(
        "UPDATE orders SET status = 'completed', completed_at = now(), started_at = coalesce(started_at, now())
         WHERE id = $1 AND status = 'active' RETURNING patient_id",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let patient = match patient {
        Some(p) => p,
        None => return Err(not_active(conn, id).await?),
    };
    audit::record(
        conn,
        meta,
        Event::new("orders.order.complete", "order", id)
            .patient(patient)
            .changes(json!({"status": {"from": "active", "to": "completed"}})),
    )
    .await?;
    Ok(())
}

async fn not_active(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<AppError> {
    let status: Option<String> =
        sqlx::query_scalar("SELECT status FROM orders WHERE id = $1").bind(id).fetch_optional(conn).await?;
    Ok(match status {
        None => AppError::NotFound,
        Some(s) => AppError::Conflict(format!(
            "The order is {}: only an active order is carried out.",
            label(&STATUSES, &s).to_lowercase()
        )),
    })
}

/// Who receives `user`'s results now: `user`, or who covers for them while they are away
/// (following the cover of a cover who is away too, at most five steps, never in a circle).
pub async fn route(conn: &mut PgConnection, user: Uuid) -> sqlx::Result<Uuid> {
    sqlx::query_scalar(
        "WITH RECURSIVE chain(uid, depth, path) AS (
             SELECT $1::uuid, 0, ARRAY[$1::uuid]
             UNION ALL
             SELECT a.covered_by, c.depth + 1, c.path || a.covered_by
             FROM chain c JOIN clinician_away a ON a.user_id = c.uid
             WHERE a.away_until > now() AND c.depth < 5 AND NOT a.covered_by = ANY(c.path)
         )
         SELECT uid FROM chain ORDER BY depth DESC LIMIT 1",
    )
    .bind(user)
    .fetch_one(conn)
    .await
}

/// Releases a result of an order (the fulfilling module's summary, 1 to 2,000 characters) into
/// the ordering clinician's results inbox, or into their cover's when they are away; the
/// receiver is notified. A draft order or one entered in error answers 409.
pub async fn release_result(conn: &mut PgConnection, meta: &AuditMeta, order: Uuid, summary: &str) -> AppResult<Uuid> {
    let summary = summary.trim();
    if summary.is_empty() || summary.chars().count() > 2000 {
        return Err(AppError::field("summary", "A result's summary is 1 to 2,000 characters."));
    }
    let row: Option<(Uuid, Uuid, String)> =
        sqlx::query_as("SELECT patient_id, orderer_id, status FROM orders WHERE id = $1 FOR SHARE")
            .bind(order)
            .fetch_optional(&mut *conn)
            .await?;
    let Some((patient, orderer, status)) = row else { return Err(AppError::NotFound) };
    if status == "draft" || status == "entered_in_error" {
        return Err(AppError::Conflict(format!(
            "The order is {}: it has no results.",
            label(&STATUSES, &status).to_lowercase()
        )));
    }
    let to = route(conn, orderer).await?;
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO order_results (id, order_id, summary, released_by, assigned_to, reassigned_from, reassigned_at)
         VALUES ($1, $2, $3, $4, $5, CASE WHEN $5 <> $6 THEN $6 END, CASE WHEN $5 <> $6 THEN now() END)",
    )
    .bind(id)
    .bind(order)
    .bind(summary)
    .bind(meta.actor_user_id)
    .bind(to)
    .bind(orderer)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        meta,
        Event::new("orders.result.release", "order_result", id)
            .patient(patient)
            .changes(json!({"order_id": order, "assigned_to": to, "orderer_id": orderer})),
    )
    .await?;
    notify::notify_user(
        conn,
        to,
        &Notice {
            kind: &crate::RESULT_NOTICE,
            title: "A result waits for your sign-off",
            body: "A released result of an order is in your results inbox.",
            link: Some("/inbox".into()),
            urgent: false,
        },
    )
    .await?;
    Ok(id)
}

/// Signs off a result in the user's inbox (with an optional note). Someone else's result is
/// 403, one already signed off 409.
pub async fn sign_off(conn: &mut PgConnection, meta: &AuditMeta, id: Uuid, user: Uuid, note: &str) -> AppResult<()> {
    let row: Option<(Uuid,)> = sqlx::query_as(
        "UPDATE order_results r SET signed_off_by = $2, signed_off_at = now(), signoff_note = $3
         FROM orders o WHERE o.id = r.order_id AND r.id = $1 AND r.assigned_to = $2 AND r.signed_off_at IS NULL
         RETURNING o.patient_id",
    )
    .bind(id)
    .bind(user)
    .bind(note)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((patient,)) = row else {
        let now: Option<(Uuid, bool)> =
            sqlx::query_as("SELECT assigned_to, signed_off_at IS NOT NULL FROM order_results WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?;
        return Err(match now {
            None => AppError::NotFound,
            Some((to, _)) if to != user => AppError::Forbidden,
            Some(_) => AppError::Conflict("The result is already signed off.".into()),
        });
    };
    audit::record(
        conn,
        meta,
        Event::new("orders.result.signoff", "order_result", id)
            .patient(patient)
            .changes(json!({"note": (!note.is_empty()).then_some(note)})),
    )
    .await?;
    Ok(())
}

/// The inbox columns; `$2..$4` are the reader's `visible_sql` parameters.
fn inbox_select() -> String {
    format!(
        "SELECT r.id, r.order_id, o.patient_id, NOT {vis} AS restricted,
                CASE WHEN {vis} THEN p.family_name || ', ' || p.given_name ELSE 'Restricted record' END AS patient_name,
                p.mrn, o.kind, o.code, o.display,
                CASE WHEN {vis} THEN r.summary ELSE 'Open the record to read this result.' END AS summary,
                r.released_at, ou.display_name AS orderer, fu.display_name AS reassigned_from,
                r.signed_off_at, r.signoff_note
         FROM order_results r JOIN orders o ON o.id = r.order_id JOIN patients p ON p.id = o.patient_id
              JOIN users ou ON ou.id = o.orderer_id LEFT JOIN users fu ON fu.id = r.reassigned_from",
        vis = hearth_patients::access::visible_sql(2)
    )
}

/// A page of the user's results inbox: waiting for sign-off (`done` false), or signed off,
/// newest first.
pub async fn inbox(
    pool: &PgPool,
    viewer: (bool, Uuid, Option<Uuid>),
    done: bool,
    req: &PageRequest<TimeId>,
) -> sqlx::Result<Paged<InboxItem>> {
    let (perm, uid, sid) = viewer;
    let state = if done { "r.signed_off_at IS NOT NULL" } else { "r.signed_off_at IS NULL" };
    let base = inbox_select();
    let rows: Vec<InboxItem> = match req.after {
        None => {
            sqlx::query_as(&format!(
                "{base} WHERE r.assigned_to = $1 AND {state} ORDER BY r.released_at DESC, r.id DESC LIMIT $5"
            ))
            .bind(uid)
            .bind(perm)
            .bind(uid)
            .bind(sid)
            .bind(req.fetch())
            .fetch_all(pool)
            .await?
        }
        Some(TimeId(at, id)) => {
            sqlx::query_as(&format!(
                "{base} WHERE r.assigned_to = $1 AND {state} AND (r.released_at, r.id) < ($6, $7)
                 ORDER BY r.released_at DESC, r.id DESC LIMIT $5"
            ))
            .bind(uid)
            .bind(perm)
            .bind(uid)
            .bind(sid)
            .bind(req.fetch())
            .bind(at)
            .bind(id)
            .fetch_all(pool)
            .await?
        }
    };
    Ok(Paged::from_rows(rows, req.limit, |r: &InboxItem| TimeId(r.released_at, r.id)))
}

/// How many results wait for the user's sign-off.
pub async fn inbox_count(pool: &PgPool, user: Uuid) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM order_results WHERE assigned_to = $1 AND signed_off_at IS NULL")
        .bind(user)
        .fetch_one(pool)
        .await
}

/// The verbal and telephone orders waiting for the user's countersignature (newest first, at
/// most `limit`) and how many there are.
pub async fn to_countersign(
    pool: &PgPool,
    viewer: (bool, Uuid, Option<Uuid>),
    limit: i64,
) -> sqlx::Result<(Vec<CountersignItem>, i64)> {
    let (perm, uid, sid) = viewer;
    let pending = "o.orderer_id = $1 AND o.entry_mode <> 'electronic' AND o.signed_at IS NULL
                   AND o.status <> 'entered_in_error'";
    let vis = hearth_patients::access::visible_sql(2);
    let rows = sqlx::query_as(&format!(
        "SELECT o.id, o.patient_id, NOT {vis} AS restricted,
                CASE WHEN {vis} THEN p.family_name || ', ' || p.given_name ELSE 'Restricted record' END AS patient_name,
                p.mrn, CASE WHEN {vis} THEN o.display ELSE 'Open the record to read this order.' END AS display,
                o.priority, o.entry_mode, eu.display_name AS entered_by_name, o.requested_at
         FROM orders o JOIN patients p ON p.id = o.patient_id LEFT JOIN users eu ON eu.id = o.entered_by
         WHERE {pending} ORDER BY o.requested_at DESC, o.id DESC LIMIT $5"
    ))
    .bind(uid)
    .bind(perm)
    .bind(uid)
    .bind(sid)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let count: i64 =
        sqlx::query_scalar(&format!("SELECT count(*) FROM orders o WHERE {pending}")).bind(uid).fetch_one(pool).await?;
    Ok((rows, count))
}

/// The user's "away" setting, if it still runs.
pub async fn away(pool: &PgPool, user: Uuid) -> sqlx::Result<Option<Away>> {
    sqlx::query_as(
        "SELECT a.away_until, a.covered_by, u.display_name AS covered_by_name
         FROM clinician_away a JOIN users u ON u.id = a.covered_by WHERE a.user_id = $1 AND a.away_until > now()",
    )
    .bind(user)
    .fetch_optional(pool)
    .await
}

/// Marks the user away until `until`, covered by `cover` (an active user with a results inbox,
/// not the user), and moves the results waiting in their inbox to whoever receives them now.
/// Returns how many moved.
pub async fn set_away(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    user: Uuid,
    until: OffsetDateTime,
    cover: Uuid,
) -> AppResult<u64> {
    if cover == user {
        return Err(AppError::field("covered_by", "Choose a colleague to cover for you."));
    }
    if !user_holds(conn, cover, crate::perms::RESULTS_SIGNOFF.code()).await? {
        return Err(AppError::field(
            "covered_by",
            "The covering clinician must be an active user with a results inbox.",
        ));
    }
    sqlx::query(
        "INSERT INTO clinician_away (user_id, away_until, covered_by) VALUES ($1, $2, $3)
         ON CONFLICT (user_id) DO UPDATE SET away_until = EXCLUDED.away_until, covered_by = EXCLUDED.covered_by,
                                             set_at = now()",
    )
    .bind(user)
    .bind(until)
    .bind(cover)
    .execute(&mut *conn)
    .await?;
    let to = route(conn, user).await?;
    let moved = if to == user {
        0
    } else {
        sqlx::query(
            "UPDATE order_results SET assigned_to = $2, reassigned_from = assigned_to, reassigned_at = now()
             WHERE assigned_to = $1 AND signed_off_at IS NULL",
        )
        .bind(user)
        .bind(to)
        .execute(&mut *conn)
        .await?
        .rows_affected()
    };
    audit::record(
        conn,
        meta,
        Event::new("orders.away.set", "user", user).changes(json!({
            "away_until": until.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
            "covered_by": cover, "results_moved": moved, "moved_to": to,
        })),
    )
    .await?;
    if moved > 0 {
        notify::notify_user(
            conn,
            to,
            &Notice {
                kind: &crate::RESULT_NOTICE,
                title: "Results moved to your inbox",
                body: "You cover for a colleague who is away: their results wait for your sign-off.",
                link: Some("/inbox".into()),
                urgent: false,
            },
        )
        .await?;
    }
    Ok(moved)
}

/// Ends the user's "away" setting (results already moved stay with the cover).
pub async fn clear_away(conn: &mut PgConnection, meta: &AuditMeta, user: Uuid) -> AppResult<()> {
    let n = sqlx::query("DELETE FROM clinician_away WHERE user_id = $1").bind(user).execute(&mut *conn).await?;
    if n.rows_affected() > 0 {
        audit::record(conn, meta, Event::new("orders.away.clear", "user", user)).await?;
    }
    Ok(())
}

/// Active users holding `perm` who share a facility with the caller (not the caller), by name:
/// prescribers for verbal orders, colleagues to cover.
pub async fn colleagues_with(
    pool: &PgPool,
    perm: &str,
    facilities: &[Uuid],
    except: Uuid,
) -> sqlx::Result<Vec<(Uuid, String)>> {
    sqlx::query_as(
        "SELECT u.id, u.display_name FROM users u
         WHERE u.active AND u.id <> $3
           AND EXISTS (SELECT 1 FROM user_roles ur JOIN role_permissions rp ON rp.role_code = ur.role_code
                       WHERE ur.user_id = u.id AND rp.permission_code = $1)
           AND EXISTS (SELECT 1 FROM user_facilities uf WHERE uf.user_id = u.id AND uf.facility_id = ANY($2))
         ORDER BY lower(u.display_name), u.id LIMIT 500",
    )
    .bind(perm)
    .bind(facilities)
    .bind(except)
    .fetch_all(pool)
    .await
}

/// Revokes every open order of a patient (e.g. when a death is recorded), with the reason.
/// Returns how many were revoked.
pub async fn revoke_open(conn: &mut PgConnection, meta: &AuditMeta, patient: Uuid, reason: &str) -> AppResult<u64> {
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "UPDATE orders SET status = 'revoked', revoke_reason = $2
         WHERE patient_id = $1 AND status IN ('draft', 'active', 'on_hold') RETURNING id",
    )
    .bind(patient)
    .bind(reason)
    .fetch_all(&mut *conn)
    .await?;
    for id in &ids {
        audit::record(
            conn,
            meta,
            Event::new("orders.order.revoke", "order", id)
                .patient(patient)
                .changes(json!({"status": {"to": "revoked"}, "reason": reason})),
        )
        .await?;
    }
    Ok(ids.len() as u64)
}

// ---- Order sets ----

/// Order sets by name (only the active ones unless `all`).
pub async fn sets(pool: &PgPool, all: bool) -> sqlx::Result<Vec<OrderSet>> {
    sqlx::query_as(
        "SELECT s.id, s.name, s.description, s.active,
                (SELECT count(*) FROM order_set_items i WHERE i.set_id = s.id) AS item_count
         FROM order_sets s WHERE $1 OR s.active ORDER BY lower(s.name) LIMIT 500",
    )
    .bind(all)
    .fetch_all(pool)
    .await
}

pub async fn set(pool: &PgPool, id: Uuid) -> sqlx::Result<Option<(OrderSet, Vec<SetItem>)>> {
    let set: Option<OrderSet> = sqlx::query_as(
        "SELECT s.id, s.name, s.description, s.active,
                (SELECT count(*) FROM order_set_items i WHERE i.set_id = s.id) AS item_count
         FROM order_sets s WHERE s.id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    let Some(set) = set else { return Ok(None) };
    let items = sqlx::query_as(
        "SELECT id, position, kind, code, display, priority, indication, options FROM order_set_items
         WHERE set_id = $1 ORDER BY position, id",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    Ok(Some((set, items)))
}

pub async fn create_set(conn: &mut PgConnection, meta: &AuditMeta, name: &str, description: &str) -> AppResult<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query("INSERT INTO order_sets (id, name, description, created_by) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(name)
        .bind(description)
        .bind(meta.actor_user_id)
        .execute(&mut *conn)
        .await?;
    audit::record(conn, meta, Event::new("orders.set.create", "order_set", id).changes(json!({"name": name}))).await?;
    Ok(id)
}

pub async fn update_set(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    id: Uuid,
    name: &str,
    description: &str,
    active: bool,
) -> AppResult<()> {
    let n = sqlx::query("UPDATE order_sets SET name = $2, description = $3, active = $4 WHERE id = $1")
        .bind(id)
        .bind(name)
        .bind(description)
        .bind(active)
        .execute(&mut *conn)
        .await?;
    if n.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    audit::record(
        conn,
        meta,
        Event::new("orders.set.update", "order_set", id).changes(json!({"name": name, "active": active})),
    )
    .await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
pub async fn add_item(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    set: Uuid,
    kind: &str,
    code: &str,
    display: &str,
    priority: &str,
    indication: &str,
) -> AppResult<Uuid> {
    let id = Uuid::new_v4();
    let n = sqlx::query(
        "INSERT INTO order_set_items (id, set_id, position, kind, code, display, priority, indication)
         SELECT $1, s.id, coalesce((SELECT max(position) + 1 FROM order_set_items WHERE set_id = s.id), 0),
                $3, $4, $5, $6, $7
         FROM order_sets s WHERE s.id = $2",
    )
    .bind(id)
    .bind(set)
    .bind(kind)
    .bind(code)
    .bind(display)
    .bind(priority)
    .bind(indication)
    .execute(&mut *conn)
    .await?;
    if n.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    audit::record(
        conn,
        meta,
        Event::new("orders.set.item_add", "order_set", set)
            .changes(json!({"item": id, "kind": kind, "code": code, "priority": priority})),
    )
    .await?;
    Ok(id)
}

pub async fn remove_item(conn: &mut PgConnection, meta: &AuditMeta, set: Uuid, item: Uuid) -> AppResult<()> {
    let n = sqlx::query("DELETE FROM order_set_items WHERE id = $1 AND set_id = $2")
        .bind(item)
        .bind(set)
        .execute(&mut *conn)
        .await?;
    if n.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    audit::record(conn, meta, Event::new("orders.set.item_remove", "order_set", set).changes(json!({"item": item})))
        .await?;
    Ok(())
}
