//! Hearth: an open hospital management system. This crate is the application: the list of
//! modules ([`MODULES`], the one place a module is registered), the router built from them, the
//! demo network and the command line (`main.rs`). The platform is `hearth-core`; each domain
//! module is a crate of its own under `crates/`.

pub mod demo;
pub mod server;

pub use hearth_core::{api, app, config, db, error, formats, i18n, platform, registry, web, AppState};

use hearth_core::registry::{Module, Registry};

/// Every module of the application, in order: navigation, chart tabs and search groups follow it
/// within each one's own `order`. Adding a module is one line here.
pub static MODULES: &[&Module] = &[
    &hearth_core::platform::module::MODULE,
    &hearth_dashboard::MODULE,
    &hearth_patients::MODULE,
    &hearth_ehr::MODULE,
    &hearth_orders::MODULE,
    &hearth_immunizations::MODULE,
    &hearth_appointments::MODULE,
    &hearth_inpatient::MODULE,
    &hearth_laboratory::MODULE,
    &hearth_surgery::MODULE,
    &hearth_radiology::MODULE,
    &hearth_alerts::MODULE,
    &hearth_charges::MODULE,
    &hearth_emergency::MODULE,
    &hearth_pharmacy::MODULE,
    &hearth_billing::MODULE,
    &hearth_insurance::MODULE,
    &hearth_emar::MODULE,
    &hearth_bednet::MODULE,
    &hearth_fhir::MODULE,
    &hearth_audit::MODULE,
    &hearth_admin::MODULE,
];

/// The registry of [`MODULES`].
pub static REGISTRY: Registry = Registry::new(MODULES);

/// The domain modules, by name, for code and tests that address one directly.
pub mod modules {
    pub use hearth_admin as admin;
    pub use hearth_alerts as alerts;
    pub use hearth_appointments as appointments;
    pub use hearth_audit as audit;
    pub use hearth_bednet as bednet;
    pub use hearth_billing as billing;
    pub use hearth_charges as charges;
    pub use hearth_dashboard as dashboard;
    pub use hearth_ehr as ehr;
    pub use hearth_emar as emar;
    pub use hearth_emergency as emergency;
    pub use hearth_immunizations as immunizations;
    pub use hearth_inpatient as inpatient;
    pub use hearth_insurance as insurance;
    pub use hearth_laboratory as laboratory;
    pub use hearth_orders as orders;
    pub use hearth_patients as patients;
    pub use hearth_pharmacy as pharmacy;
    pub use hearth_radiology as radiology;
    pub use hearth_surgery as surgery;
}

/// The whole application: every module's routes plus the middleware stack.
pub fn build_app(state: AppState) -> axum::Router {
    hearth_core::router::build(state)
}
