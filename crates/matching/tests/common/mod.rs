//! Realistic French profiles for the tests: a request is a Paris hospital
//! asking for help on teleworking, a volunteer an IT director of a public
//! hospital in Île-de-France, unless a test says otherwise.

#![allow(dead_code)]

use entraide_core::{Department, EstablishmentKind, LegalStatus, Region, Sector, ThemeId, Urgency};
use entraide_matching::{RequestProfile, ThemeCatalog, ThemeSet, VolunteerProfile};
use uuid::Uuid;

/// The default themes, interned in `DEFAULT_THEMES` order.
pub fn catalog() -> ThemeCatalog {
    ThemeCatalog::with_default_themes()
}

/// A set of default themes by slug.
pub fn themes(slugs: &[&str]) -> ThemeSet {
    let mut catalog = catalog();
    let ids: Vec<ThemeId> = slugs.iter().map(|s| ThemeId::parse(s).unwrap()).collect();
    catalog.set(&ids).unwrap()
}

pub fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

/// Establishment id of the default request (AP-HP-like hospital in Paris).
pub const HOSPITAL: u128 = 10_000;

/// A hospital (ES, public) in Paris asking for help on teleworking.
pub fn request() -> RequestProfile {
    RequestProfile {
        id: id(1),
        themes: themes(&["teletravail"]),
        kind: EstablishmentKind::Es,
        status: LegalStatus::Public,
        department: Department::parse("75").unwrap(),
        urgency: Urgency::Normal,
        establishment: id(HOSPITAL),
        organisation: None,
        declined_by: vec![],
    }
}

/// An IT director of a public hospital in Île-de-France, offering
/// teleworking, with room for 3 cases and none open.
pub fn volunteer(n: u128) -> VolunteerProfile {
    VolunteerProfile {
        id: id(n),
        themes: themes(&["teletravail"]),
        sector: Some(Sector::Sanitaire),
        status: Some(LegalStatus::Public),
        region: Some(Region::IleDeFrance),
        capacity: 3,
        open_cases: 0,
        recent_cases: 0,
        active: true,
        paused: false,
        establishment: None,
        organisation: None,
    }
}
