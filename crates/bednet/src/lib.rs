//! The city-wide bed network (issue 24, phase 1): network facilities (Hearth's own, counted live
//! from the inpatient bed board, and external ones that push counts with an as-of time and a
//! sequence number), the public availability page and JSON (no sign-in, no patient data, served
//! from an in-memory snapshot with ETag caching, an SVG schematic), and emergency bed booking
//! (P1–P4 requests whose acceptance holds a bed in inpatient's one allocation table), with a job
//! that lapses expired holds and the coordinator's network board. See `docs/modules/bednet.md`.

pub mod api;
pub mod demo;
pub mod jobs;
pub mod model;
pub mod pages;
pub mod perms;
pub mod public;
pub mod repo;
pub mod snapshot;

use futures_util::FutureExt;
use hearth_core::registry::{JobDef, Module, NavEntry};

/// The bed network's descriptor.
pub const MODULE: Module = Module {
    pages: pages::routes,
    public: public::routes,
    api: api::routes,
    openapi: api::openapi,
    nav: &[NavEntry { label: "Bed network", href: "/bednet", perm: Some(perms::BOARD), order: 128 }],
    permissions: perms::ALL,
    jobs: &[JobDef { kind: jobs::LAPSE_JOB, run: |state, job| jobs::lapse(state, job).boxed() }],
    schedules: jobs::schedules,
    constraint_messages: &[
        ("bednet_counts_consistent", "Free beds cannot exceed staffed beds, nor staffed beds physical beds."),
        ("bednet_requests_declined", "A decline needs its reason."),
    ],
    demo: Some(|conn, ctx| demo::seed(conn, ctx).boxed()),
    messages: &[
        ("en", include_str!("../../../locales/en/bednet.ftl")),
        ("es", include_str!("../../../locales/es/bednet.ftl")),
        ("ar", include_str!("../../../locales/ar/bednet.ftl")),
    ],
    ..Module::new("bednet", "Bed network")
};
