//! Cross-cutting machinery every module uses.

pub mod audit;
pub mod auth;
pub mod crypto;
pub mod csrf;
pub mod keys;
pub mod metrics;
pub mod middleware;
pub mod ratelimit;
pub mod rbac;
