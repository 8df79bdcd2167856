//! Permissions. A permission is a code (`module.verb`, e.g. `chart.read`); each module declares
//! its own as constants of [`Perm`] (in its `perms` module, listed in its registry descriptor with
//! their default grants), so a typo is a compile error and the catalogue is the registry. The
//! role -> permission map lives in the database (`role_permissions`) and is editable by super
//! admins; `registry::sync_permissions` adds newly declared permissions with their defaults.

use crate::error::AppError;

/// A permission code. Construct only in a module's `perms` constants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Perm(&'static str);

impl Perm {
    pub const fn new(code: &'static str) -> Perm {
        Perm(code)
    }

    pub const fn code(self) -> &'static str {
        self.0
    }
}

impl std::fmt::Display for Perm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

/// Anything that holds a set of permission codes.
pub trait HasPerms {
    fn perm_codes(&self) -> &[String];

    fn can(&self, p: Perm) -> bool {
        self.perm_codes().iter().any(|c| c == p.code())
    }

    fn require(&self, p: Perm) -> Result<(), AppError> {
        if self.can(p) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}
