//! Hearth's platform: what every module stands on. Configuration, the database, the application
//! state, authentication, RBAC, audit, field encryption, jobs, notifications, live events, the
//! request pipeline, the web kit and the module registry. Nothing here imports a module: modules
//! plug in through [`registry::Module`].

extern crate self as hearth_core;

pub mod api;
pub mod app;
pub mod config;
pub mod db;
pub mod error;
pub mod formats;
pub mod i18n;
pub mod platform;
pub mod registry;
pub mod router;
pub mod web;

pub use app::AppState;
