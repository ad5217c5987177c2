//! Who a user is to the system: their role, and which organisation's records they act for.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Applicant,
    Reviewer,
    ProgrammeOfficer,
    PlacementCoordinator,
    ComplianceCoordinator,
    FacilitySupervisor,
    Administrator,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Applicant,
        Role::Reviewer,
        Role::ProgrammeOfficer,
        Role::PlacementCoordinator,
        Role::ComplianceCoordinator,
        Role::FacilitySupervisor,
        Role::Administrator,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Applicant => "applicant",
            Role::Reviewer => "reviewer",
            Role::ProgrammeOfficer => "programme_officer",
            Role::PlacementCoordinator => "placement_coordinator",
            Role::ComplianceCoordinator => "compliance_coordinator",
            Role::FacilitySupervisor => "facility_supervisor",
            Role::Administrator => "administrator",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Staff act for an organisation; applicants and administrators do not need one.
    pub fn needs_organisation(self) -> bool {
        !matches!(self, Role::Applicant | Role::Administrator)
    }

    /// Funder staff who may read every application made to their organisation's calls. Reviewers are not
    /// among them: they read only the applications assigned to them, until they declare a conflict.
    pub fn reads_applications(self) -> bool {
        matches!(self, Role::ProgrammeOfficer | Role::Administrator)
    }
}

/// The kinds of organisation that fund or oversee scholarships.
pub const ORGANISATION_KINDS: [&str; 3] = ["ministry", "regional_government", "ngo"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_name() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("superuser"), None);
    }

    #[test]
    fn only_staff_need_an_organisation() {
        assert!(!Role::Applicant.needs_organisation());
        assert!(!Role::Administrator.needs_organisation());
        assert!(Role::ProgrammeOfficer.needs_organisation());
        assert!(Role::FacilitySupervisor.needs_organisation());
    }
}
