//! The permission catalogue. The role -> permission map lives in the database
//! (`role_permissions`) and is editable by super admins; the codes are fixed here so a typo is
//! a compile error.

use crate::error::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Perm {
    PatientsRead,
    PatientsWrite,
    PatientsMerge,
    PatientsRestricted,
    PatientsImport,
    PatientsRights,
    AuditRead,
    UsersManage,
    RolesManage,
    FacilitiesManage,
    SecurityRead,
    ApiClientsManage,
    ChartRead,
    ChartWrite,
    NotesSign,
    JobsManage,
    PrivacyAlerts,
}

impl Perm {
    pub const ALL: [Perm; 17] = [
        Perm::PatientsRead,
        Perm::PatientsWrite,
        Perm::PatientsMerge,
        Perm::PatientsRestricted,
        Perm::PatientsImport,
        Perm::PatientsRights,
        Perm::AuditRead,
        Perm::UsersManage,
        Perm::RolesManage,
        Perm::FacilitiesManage,
        Perm::SecurityRead,
        Perm::ApiClientsManage,
        Perm::ChartRead,
        Perm::ChartWrite,
        Perm::NotesSign,
        Perm::JobsManage,
        Perm::PrivacyAlerts,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Perm::PatientsRead => "patients.read",
            Perm::PatientsWrite => "patients.write",
            Perm::PatientsMerge => "patients.merge",
            Perm::PatientsRestricted => "patients.restricted",
            Perm::PatientsImport => "patients.import",
            Perm::PatientsRights => "patients.rights",
            Perm::AuditRead => "audit.read",
            Perm::UsersManage => "users.manage",
            Perm::RolesManage => "roles.manage",
            Perm::FacilitiesManage => "facilities.manage",
            Perm::SecurityRead => "security.read",
            Perm::ApiClientsManage => "api_clients.manage",
            Perm::ChartRead => "chart.read",
            Perm::ChartWrite => "chart.write",
            Perm::NotesSign => "notes.sign",
            Perm::JobsManage => "jobs.manage",
            Perm::PrivacyAlerts => "privacy.alerts",
        }
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
