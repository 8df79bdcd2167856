//! Vital signs with plausibility limits (also CHECKs in the database), BMI computed by the
//! database, and SVG trend charts.
//!
//! The parts: [`model`] (limits, form and input, validation, rows), [`repo`] (SQL) and
//! [`pages`] (the page and its trend charts); the JSON API is in `crate::api`.

pub mod model;
pub mod pages;
pub mod ranges;
pub mod repo;

pub use model::*;
pub use pages::*;
pub use repo::*;
