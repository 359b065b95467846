//! Matching of entraide: which volunteers should help with a request, in
//! which order and why, and a fair proposal for many requests at once.
//!
//! Pure computation on plain profiles, no IO: the service feeds it from its
//! in-memory index of volunteer profiles and shows the result.
//!
//! - [`Matcher::rank`]: eligible volunteers for one request, best first, each
//!   with a total, its six components and their contributions (which add up
//!   to the total exactly), and short French reasons; optionally every
//!   excluded volunteer with the reasons.
//! - [`Matcher::evaluate`]: the same for one volunteer, for the final check
//!   before a proposal is accepted.
//! - [`Matcher::assign`]: one volunteer per request for a batch of requests,
//!   maximising the total score minus a fairness penalty that spreads load,
//!   under each volunteer's spare capacity.
//!
//! Themes are interned once in a [`ThemeCatalog`] and carried as
//! [`ThemeSet`] bitsets, so that ranking 100,000 volunteers takes a few
//! milliseconds (see `docs/performance.md`).
//!
//! ```
//! use entraide_core::{Department, EstablishmentKind, LegalStatus, Region, Sector, ThemeId, Urgency};
//! use entraide_matching::{Matcher, RankOptions, RequestProfile, ThemeCatalog, VolunteerProfile, Weights};
//! use uuid::Uuid;
//!
//! let mut catalog = ThemeCatalog::with_default_themes();
//! let teletravail = ThemeId::parse("teletravail").unwrap();
//! let pca = ThemeId::parse("pca").unwrap();
//!
//! let request = RequestProfile {
//!     id: Uuid::from_u128(1),
//!     themes: catalog.set([&teletravail, &pca]).unwrap(),
//!     kind: EstablishmentKind::Es,
//!     status: LegalStatus::Public,
//!     department: Department::parse("59").unwrap(),
//!     urgency: Urgency::High,
//!     establishment: Uuid::from_u128(100),
//!     organisation: None,
//!     declined_by: vec![],
//! };
//! let volunteer = VolunteerProfile {
//!     id: Uuid::from_u128(2),
//!     themes: catalog.set([&teletravail, &pca]).unwrap(),
//!     sector: Some(Sector::Sanitaire),
//!     status: Some(LegalStatus::Public),
//!     region: Some(Region::HautsDeFrance),
//!     capacity: 3,
//!     open_cases: 1,
//!     recent_cases: 0,
//!     active: true,
//!     paused: false,
//!     establishment: None,
//!     organisation: None,
//! };
//!
//! let matcher = Matcher::new(Weights::default()).unwrap();
//! let ranking = matcher.rank(&request, &[volunteer], &RankOptions::default());
//! let best = &ranking.entries[0].score;
//! assert_eq!(best.contributions.sum(), best.total);
//! assert_eq!(
//!     best.reasons,
//!     [
//!         "Thèmes couverts : 2 sur 2",
//!         "Expérience du secteur sanitaire",
//!         "Même région",
//!         "Même statut (public)",
//!         "Disponibilité : 1 dossier en cours sur 3",
//!         "Aucun dossier récent",
//!     ]
//! );
//! ```

mod batch;
mod error;
mod profile;
mod rank;
mod score;
mod themes;
mod weights;

pub use batch::{
    fairness_penalty, to_units, Assignment, BatchAssignment, BatchObjective, Unserved,
    UnservedReason, UNITS_PER_POINT,
};
pub use error::MatchingError;
pub use profile::{RequestProfile, VolunteerProfile};
pub use rank::{Excluded, MatchScore, Matcher, RankOptions, RankedVolunteer, Ranking};
pub use score::{Components, Exclusion, NEIGHBOUR_REGION};
pub use themes::{ThemeCatalog, ThemeIndex, ThemeSet};
pub use weights::Weights;
