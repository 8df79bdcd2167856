//! Insurance, phase 1: payers and plans with their coverage rules (co-pay per visit, co-insurance,
//! deductible, annual limit, excluded codes, codes needing pre-authorisation); patients' policies
//! (primary/secondary) with eligibility checks recorded (local rule: active on the service date);
//! pre-authorisations (requested → approved/denied); the payer/patient split of a finalised
//! billing invoice by the plan's rules with billing's largest-remainder rule ([`rules`]), the
//! deductible and limit running totals per policy and year locked across invoices; claims (one per
//! invoice and policy, in the database) and remittance posted to billing as a payment of method
//! `insurance`. See `docs/modules/insurance.md`.

pub mod api;
pub mod demo;
pub mod model;
pub mod pages;
pub mod perms;
pub mod repo;
pub mod rules;

use futures_util::FutureExt;
use hearth_core::registry::{ChartTab, Module, NavEntry, OnMerge, PatientTable};

/// Insurance's descriptor.
pub const MODULE: Module = Module {
    pages: pages::routes,
    api: api::routes,
    openapi: api::openapi,
    nav: &[NavEntry { label: "Claims", href: "/insurance/claims", perm: Some(perms::READ), order: 720 }],
    permissions: perms::ALL,
    chart_tabs: &[ChartTab { key: "insurance", label: "Coverage", suffix: "insurance", order: 965 }],
    patient_tables: &[
        PatientTable { table: "insurance_policies", column: "patient_id", on_merge: OnMerge::Follow, key: "id" },
        PatientTable {
            table: "insurance_eligibility",
            column: "patient_id",
            on_merge: OnMerge::Keep("an eligibility answer is a record of what was checked for that record"),
            key: "id",
        },
        PatientTable { table: "insurance_preauths", column: "patient_id", on_merge: OnMerge::Follow, key: "id" },
        PatientTable {
            table: "insurance_splits",
            column: "patient_id",
            on_merge: OnMerge::Keep("a split belongs to the invoice, which stays with the record it was issued to"),
            key: "id",
        },
        PatientTable {
            table: "insurance_claims",
            column: "patient_id",
            on_merge: OnMerge::Keep("a claim sent to a payer stays with the invoice it claims"),
            key: "id",
        },
    ],
    constraint_messages: &[
        ("insurance_payers_code", "A payer with this code exists."),
        ("insurance_plans_code", "This payer already has a plan with this code."),
        ("insurance_policies_one_per_priority", "The patient already has an active policy with this priority."),
        ("insurance_splits_once", "This invoice is already split for this policy."),
        ("insurance_claims_once", "This invoice already has a claim for this policy."),
        ("insurance_claim_lines_not_overpaid", "A line cannot be paid more than claimed."),
        ("insurance_split_lines_sum", "The shares must sum to the line."),
    ],
    demo: Some(|conn, ctx| demo::seed(conn, ctx).boxed()),
    messages: &[
        ("en", include_str!("../../../locales/en/insurance.ftl")),
        ("es", include_str!("../../../locales/es/insurance.ftl")),
        ("ar", include_str!("../../../locales/ar/insurance.ftl")),
    ],
    ..Module::new("insurance", "Insurance")
};
