//! What the matcher knows of a help request and of a volunteer.
//!
//! Plain data, built by the service from its database or in-memory index:
//! the matcher never looks anything up. Ids are the service's UUIDs and must
//! be unique within one call.

use entraide_core::{Department, EstablishmentKind, LegalStatus, Region, Sector, Urgency};
use uuid::Uuid;

use crate::themes::ThemeSet;

/// A help request, as far as matching is concerned.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestProfile {
    /// Id of the request.
    pub id: Uuid,
    /// Themes asked for; a volunteer must share at least one.
    pub themes: ThemeSet,
    /// Kind of the requesting establishment; its sector
    /// ([`EstablishmentKind::sector`]) drives sector affinity, an ambulatory
    /// structure counting as sanitaire.
    pub kind: EstablishmentKind,
    /// Legal status of the establishment, for status affinity.
    pub status: LegalStatus,
    /// Department of the establishment; its region drives the region
    /// component.
    pub department: Department,
    /// Urgency: orders the output of a batch (most urgent first); it says
    /// when help is needed, not who fits, so it does not change a score.
    pub urgency: Urgency,
    /// Id of the requesting establishment: its own staff may not volunteer
    /// for it (conflict of interest).
    pub establishment: Uuid,
    /// Organisation the establishment belongs to (legal entity, GHT, group),
    /// if known: volunteers from the same organisation are excluded too. The
    /// service decides what an organisation is and maps it to a UUID (for
    /// example a name-based UUID of the FINESS number of the legal entity).
    pub organisation: Option<Uuid>,
    /// Volunteers who already declined this request: not proposed again.
    pub declined_by: Vec<Uuid>,
}

impl RequestProfile {
    /// Region of the establishment.
    pub fn region(&self) -> Region {
        self.department.region()
    }

    /// Sector of the establishment.
    pub fn sector(&self) -> Sector {
        self.kind.sector()
    }
}

/// A volunteer, as far as matching is concerned. Optional fields are the ones
/// an application may leave empty; an empty field never excludes anyone, it
/// only scores 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VolunteerProfile {
    /// Id of the volunteer.
    pub id: Uuid,
    /// Expertise themes offered.
    pub themes: ThemeSet,
    /// Sector the volunteer comes from.
    pub sector: Option<Sector>,
    /// Legal status of the volunteer's employer.
    pub status: Option<LegalStatus>,
    /// Region the volunteer lives or works in.
    pub region: Option<Region>,
    /// How many open cases the volunteer accepts at once.
    pub capacity: u32,
    /// Cases open now.
    pub open_cases: u32,
    /// Cases handled in the recent past (the window is the service's choice,
    /// for example the last 30 days), open or closed.
    pub recent_cases: u32,
    /// Accepted by staff and not deactivated.
    pub active: bool,
    /// Paused by the volunteer (holidays, workload).
    pub paused: bool,
    /// Establishment the volunteer works in, if it is known to the service.
    pub establishment: Option<Uuid>,
    /// Organisation of the volunteer's employer, same key as
    /// [`RequestProfile::organisation`].
    pub organisation: Option<Uuid>,
}

impl VolunteerProfile {
    /// Cases the volunteer can still take: `capacity − open_cases`, never
    /// negative.
    pub fn spare_capacity(&self) -> u32 {
        self.capacity.saturating_sub(self.open_cases)
    }
}
