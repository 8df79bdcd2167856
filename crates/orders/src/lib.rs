//! The orders core: one order header that every ordering module (laboratory, radiology,
//! pharmacy, procedures, nursing, diet, referrals, immunizations…) uses. Modules declare their
//! kinds of order in the registry (`order_kinds`) and own their catalogues and detail rows; the
//! core owns the header, the request status (FHIR's request pattern), signing and the verbal or
//! telephone order's countersignature, order sets, the chart's Orders tab, released results and
//! the clinician's results inbox (with cover while away), and the start-page panels for both.
//!
//! The Rust API other modules call is at this crate's root: [`place`], [`load`],
//! [`set_fulfilment`], [`complete`], [`release_result`], [`open_of_kind`], [`revoke_open`]
//! (see `docs/modules.md`, "Orders").

pub mod api;
pub mod demo;
pub mod i18n;
pub mod inbox;
pub mod model;
pub mod pages;
pub mod perms;
pub mod repo;
pub mod service;
pub mod sets;

use futures_util::FutureExt;
use hearth_core::platform::routes::Routes;
use hearth_core::registry::{
    ChartTab, ExportSections, Module, NavEntry, NotificationKind, OnMerge, PatientTable, StartPanel, TimelineSource,
};

pub use model::{Order, OrderResult};
pub use repo::{complete, load, open_of_kind, place, release_result, revoke_open, set_fulfilment, Action, NewOrder};

/// Notifications about orders (a verbal or telephone order to countersign).
pub const NOTICE: NotificationKind = NotificationKind {
    code: "orders.countersign",
    label: "Orders waiting for my countersignature",
    email_by_default: false,
};
/// Notifications about results (a result in the inbox).
pub const RESULT_NOTICE: NotificationKind =
    NotificationKind { code: "orders.result", label: "Results waiting for my sign-off", email_by_default: false };

/// The orders core's descriptor.
pub const MODULE: Module = Module {
    pages: routes,
    api: api::routes,
    openapi: api::openapi,
    nav: &[
        NavEntry { label: "Inbox", href: "/inbox", perm: Some(perms::RESULTS_SIGNOFF), order: 50 },
        NavEntry { label: "Order sets", href: "/orders/sets", perm: Some(perms::SETS), order: 850 },
    ],
    permissions: perms::ALL,
    chart_tabs: &[ChartTab { key: "orders", label: "Orders", suffix: "orders", order: 155 }],
    timeline: &[TimelineSource {
        kind: "order",
        label: "Order",
        select: "SELECT o.requested_at, 'order', o.id, o.display,
                        concat_ws(' · ', o.priority, CASE WHEN o.entry_mode <> 'electronic' THEN o.entry_mode || ' order' END,
                                  o.fulfilment),
                        o.status
                 FROM orders o WHERE o.patient_id = $1",
        at: "o.requested_at",
        id: "o.id",
        href: "/patients/{patient}/orders/{id}",
    }],
    patient_tables: &[PatientTable { table: "orders", column: "patient_id", key: "id", on_merge: OnMerge::Follow }],
    export: Some(ExportSections {
        sections: &["orders"],
        perm: perms::READ,
        fetch: |state, id| {
            async move { Ok(serde_json::json!({ "orders": repo::all_of_patient(&state.pool, id).await? })) }.boxed()
        },
    }),
    notification_kinds: &[NOTICE, RESULT_NOTICE],
    start_panels: &[
        StartPanel {
            key: "countersign",
            title: "Orders to countersign",
            perm: Some(perms::SIGN),
            order: 10,
            render: |state, page| inbox::countersign_panel(state, page).boxed(),
        },
        StartPanel {
            key: "results",
            title: "Results to sign off",
            perm: Some(perms::RESULTS_SIGNOFF),
            order: 20,
            render: |state, page| inbox::results_panel(state, page).boxed(),
        },
    ],
    constraint_messages: &[
        ("order_sets_name", "An order set with this name exists already."),
        ("orders_detail", "This detail row already belongs to another order."),
        ("clinician_away_not_self", "Choose a colleague to cover for you."),
    ],
    demo: Some(|conn, ctx| demo::seed(conn, ctx).boxed()),
    on_death: Some(|conn, meta, patient| {
        async move { repo::revoke_open(conn, meta, patient, "The patient died.").await.map(|_| ()) }.boxed()
    }),
    messages: &[
        ("en", include_str!("../../../locales/en/orders.ftl")),
        ("es", include_str!("../../../locales/es/orders.ftl")),
        ("ar", include_str!("../../../locales/ar/orders.ftl")),
    ],
    ..Module::new("orders", "Orders")
};

/// The orders core's pages. Routes below a patient take the registry's patient context.
pub fn routes() -> Routes {
    use axum::routing::{get, post};
    Routes::new()
        .route("/patients/{id}/orders", get(pages::tab).post(pages::create))
        .route("/patients/{id}/orders/new", get(pages::new_form))
        .route("/patients/{id}/orders/sets/{set}", get(sets::place_form).post(sets::place))
        .route("/patients/{id}/orders/{order}", get(pages::show))
        .route("/patients/{id}/orders/{order}/{action}", post(pages::act))
        .route("/inbox", get(inbox::page))
        .route("/inbox/away", post(inbox::set_away))
        .route("/inbox/back", post(inbox::back))
        .route("/inbox/{result}/sign-off", post(inbox::sign_off))
        .route("/orders/sets", get(sets::list).post(sets::create))
        .route("/orders/sets/{set}", get(sets::edit).post(sets::update))
        .route("/orders/sets/{set}/items", post(sets::add_item))
        .route("/orders/sets/{set}/items/{item}/remove", post(sets::remove_item))
}
