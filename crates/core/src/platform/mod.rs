//! Cross-cutting machinery every module uses.

pub mod audit;
pub mod auth;
pub mod crypto;
pub mod csrf;
pub mod events;
pub mod http;
pub mod idempotency;
pub mod jobs;
pub mod keys;
pub mod metrics;
pub mod middleware;
pub mod module;
pub mod notify;
pub mod overload;
pub mod perms;
pub mod ratelimit;
pub mod rbac;
pub mod routes;
