//! Domain modules. Each owns its routes, templates, SQL and tables.

pub mod admin;
pub mod audit;
pub mod dashboard;
pub mod ehr;
pub mod patients;
