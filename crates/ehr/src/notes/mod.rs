//! Clinical notes: templates, body encrypted at rest, draft -> signed (locked, also in SQL),
//! corrections only as (encrypted) addenda.
//!
//! The parts: [`model`] (forms, validation, rows), [`repo`] (SQL, encryption of bodies) and
//! [`pages`] (browser handlers); the JSON API is in `crate::api`.

pub mod model;
pub mod pages;
pub mod repo;

pub use model::*;
pub use pages::*;
pub use repo::*;
