//! Clinical alerts with acknowledgement and escalation: an alert about a patient, addressed to a
//! person or to whoever holds a duty in a facility or department, that must be acknowledged and
//! that escalates along a chain (e.g. attending clinician → nurse in charge → on-call doctor)
//! while nobody does, through the job queue and the notification channels, with a banner on every
//! page of its addressees until it is acknowledged. With it, the minimum of assignment the chains
//! address: on-call lists per facility and department, and nurse–patient assignments per shift.
//!
//! Modules raise alerts with [`raise`] on their own transaction and cancel them with [`cancel`]
//! when the cause resolves; they declare their alert kinds (and default chains) in their
//! descriptor's `alert_kinds` (see `docs/modules.md`, "Clinical alerts").

pub mod api;
pub mod chains;
pub mod demo;
pub mod i18n;
pub mod jobs;
pub mod model;
pub mod pages;
pub mod perms;
pub mod repo;
pub mod roster;
pub mod service;
pub mod start;

pub use model::{NewAlert, Severity};
pub use service::{acknowledge, cancel, raise};

use futures_util::FutureExt;
use hearth_core::registry::{
    BannerContribution, BannerGroup, BannerItem, BannerPart, ChartTab, ExportSections, JobDef, LayoutFragment, Level,
    Module, NavEntry, OnMerge, PatientTable, TimelineSource,
};

/// The clinical alerts' descriptor.
pub const MODULE: Module = Module {
    pages: pages::routes,
    api: api::routes,
    openapi: api::openapi,
    nav: &[NavEntry { label: "Alerts", href: "/alerts", perm: Some(perms::READ), order: 50 }],
    permissions: perms::ALL,
    chart_tabs: &[ChartTab { key: "alerts", label: "Alerts", suffix: "alerts", order: 170 }],
    banner: Some(BANNER),
    timeline: &[TimelineSource {
        kind: "alert",
        label: "Alert",
        select: "SELECT al.created_at, 'alert', al.id, al.title,
                        concat_ws(' · ', al.severity, CASE WHEN al.escalated_at IS NOT NULL THEN 'escalated' END,
                                  CASE WHEN al.acknowledged_at IS NOT NULL THEN 'acknowledged' END),
                        al.status
                 FROM alerts al WHERE al.patient_id = $1",
        at: "al.created_at",
        id: "al.id",
        href: "/alerts/{id}",
    }],
    patient_tables: &[
        PatientTable { table: "alerts", column: "patient_id", key: "id", on_merge: OnMerge::Follow },
        PatientTable { table: "alert_nurse_assignments", column: "patient_id", key: "id", on_merge: OnMerge::Follow },
    ],
    export: Some(ExportSections {
        sections: &["alerts"],
        perm: perms::READ,
        fetch: |state, id| {
            async move { Ok(serde_json::json!({ "alerts": repo::export(&state.pool, id).await? })) }.boxed()
        },
    }),
    jobs: &[
        JobDef { kind: service::ESCALATE_JOB, run: |state, job| jobs::escalate(state, job).boxed() },
        JobDef { kind: service::OFF_SHIFT_JOB, run: |state, job| jobs::off_shift(state, job).boxed() },
    ],
    schedules: jobs::schedules,
    notification_kinds: &[service::NOTICE],
    constraint_messages: &[
        ("alert_on_call_one_at_a_time", "Someone is already on call for this duty then."),
        ("alert_on_call_period", "A shift ends after it starts and lasts at most 7 days."),
        ("alert_nurse_assignments_period", "An assignment ends after it starts and lasts at most 24 hours."),
    ],
    layout_fragments: &[LayoutFragment {
        id: "alerts-banner",
        href: "/alerts/banner",
        event: service::EVENT,
        perm: Some(perms::READ),
    }],
    start_panels: start::PANELS,
    demo: Some(|conn, ctx| demo::seed(conn, ctx).boxed()),
    messages: &[
        ("en", include_str!("../../../locales/en/alerts.ftl")),
        ("es", include_str!("../../../locales/es/alerts.ftl")),
        ("ar", include_str!("../../../locales/ar/alerts.ftl")),
    ],
    ..Module::new("alerts", "Clinical alerts")
};

/// The banner's group "Open alerts": the patient's unacknowledged alerts (at most five).
const BANNER: BannerPart = BannerPart {
    sql: "(SELECT jsonb_agg(jsonb_build_object('t', x.title, 's', x.severity, 'e', x.escalated_at IS NOT NULL))
           FROM (SELECT al.title, al.severity, al.escalated_at FROM alerts al
                 WHERE al.patient_id = p.id AND al.status = 'open'
                 ORDER BY al.created_at DESC, al.id DESC LIMIT 5) x)",
    render: banner_group,
    order: 5,
};

fn banner_group(v: &serde_json::Value) -> BannerContribution {
    let items: Vec<BannerItem> = v
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| {
                    let sev = x["s"].as_str().unwrap_or("");
                    let title = x["t"].as_str().unwrap_or("");
                    let escalated = if x["e"].as_bool().unwrap_or(false) { " · escalated" } else { "" };
                    BannerItem::text(
                        format!("{title} · {}{escalated}", model::severity_label(sev).to_lowercase()),
                        match sev {
                            "critical" => Level::Danger,
                            "warning" => Level::Warn,
                            _ => Level::Muted,
                        },
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    if items.is_empty() {
        BannerContribution::default()
    } else {
        BannerContribution { groups: vec![BannerGroup { label: "Open alerts", items }], alerts: Vec::new() }
    }
}
