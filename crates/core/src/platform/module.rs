//! The platform's own descriptor: its pages (sign-in, MFA, account, notifications, jobs,
//! webhooks, live events, search), the token endpoint and `/api/v1/me`, its permissions, jobs,
//! schedules, notification kinds and encrypted columns. Listed first in the registry.

use futures_util::FutureExt;

use crate::platform::jobs::Outcome;
use crate::platform::routes::Routes;
use crate::registry::{Aad, EncryptedColumn, JobDef, Module, NavEntry, OnMerge, PatientTable};

pub const MODULE: Module = Module {
    pages,
    public: crate::platform::notify::receipts::router,
    api: crate::api::routes,
    openapi: crate::api::base_doc,
    nav: &[
        NavEntry { label: "Jobs & delivery", href: "/admin/jobs", perm: Some(super::perms::JOBS_MANAGE), order: 960 },
        NavEntry { label: "Webhooks", href: "/admin/webhooks", perm: Some(super::perms::JOBS_MANAGE), order: 970 },
        NavEntry { label: "Notifications", href: "/notifications", perm: None, order: 980 },
        NavEntry { label: "My account", href: "/account", perm: None, order: 990 },
    ],
    permissions: super::perms::ALL,
    messages: &[
        ("en", include_str!("../../../../locales/en/core.ftl")),
        ("es", include_str!("../../../../locales/es/core.ftl")),
        ("ar", include_str!("../../../../locales/ar/core.ftl")),
    ],
    patient_tables: &[
        // A patient's messages belong to the chart (its Messages tab): they follow a merge.
        PatientTable { table: "messages", column: "patient_id", on_merge: OnMerge::Follow, key: "id" },
        PatientTable {
            table: "audit_events",
            column: "patient_id",
            on_merge: OnMerge::Keep("the audit log records what happened to which record, then"),
            key: "id",
        },
    ],
    unmerge_notes: Some(|c, m| super::notify::unmerge_notes(c, m).boxed()),
    encrypted_columns: &[
        EncryptedColumn { table: "users", key: "id", column: "totp_secret_enc", aad: Aad::Column("users.totp_secret") },
        EncryptedColumn {
            table: "users",
            key: "id",
            column: "totp_pending_enc",
            aad: Aad::Column("users.totp_pending"),
        },
        EncryptedColumn {
            table: "webhook_subscribers",
            key: "id",
            column: "secret_enc",
            aad: Aad::Row("webhook_subscribers.secret:"),
        },
    ],
    jobs: &[
        JobDef {
            kind: "jobs.housekeeping",
            run: |state, _job| async move { super::jobs::housekeeping(&state).await }.boxed(),
        },
        JobDef {
            kind: "notify.deliver",
            run: |state, job| async move { super::notify::deliver(&state, &job).await }.boxed(),
        },
        JobDef {
            kind: "api.idempotency_expire",
            run: |state, _job| {
                async move {
                    match super::idempotency::expire(&state.pool).await {
                        Ok(_) => Outcome::Done,
                        Err(e) => Outcome::Retry(format!("database: {e}")),
                    }
                }
                .boxed()
            },
        },
        JobDef {
            kind: "audit.publish_head",
            run: |state, _job| {
                async move {
                    match super::audit::publish_head(&state).await {
                        Ok(_) => Outcome::Done,
                        Err(e) => Outcome::Retry(e.to_string()),
                    }
                }
                .boxed()
            },
        },
    ],
    schedules: super::jobs::builtin_schedules,
    notification_kinds: &[super::notify::SYSTEM_MESSAGE],
    ..Module::new("platform", "Platform")
};

fn pages() -> Routes {
    super::auth::routes::router()
        .merge(super::auth::mfa_routes::router())
        .merge(super::auth::account::router())
        .merge(crate::web::search::router())
        .merge(super::jobs::admin::router())
        .merge(super::notify::routes::router())
        .merge(super::notify::webhook::router())
        .merge(super::events::router())
}
