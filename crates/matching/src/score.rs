//! Eligibility, the six score components, and their French reasons.

use entraide_core::{LegalStatus, Region, Sector};
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use crate::profile::{RequestProfile, VolunteerProfile};
use crate::themes::ThemeSet;
use crate::weights::Weights;

/// Region component of a neighbouring region: help is mostly remote, so a
/// neighbour is half as good as the same region, not worthless.
pub const NEIGHBOUR_REGION: f64 = 0.5;

/// One number per score component: the raw components (each in `[0, 1]`) or
/// their contributions (`weight × component`) to the total.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Components {
    /// Theme coverage: themes in common / themes of the request.
    pub themes: f64,
    /// Sector affinity: 1 when the volunteer comes from the establishment's
    /// sector.
    pub sector: f64,
    /// Region: 1 same region, 0.5 neighbouring, 0 elsewhere or unknown.
    pub region: f64,
    /// Status affinity: 1 when both are public or both private.
    pub status: f64,
    /// Spare capacity: free share of the volunteer's capacity.
    pub capacity: f64,
    /// Recent load: `1 / (1 + recent cases)`.
    pub recent_load: f64,
}

impl Components {
    /// The sum in field order. Totals are computed by this very function, so
    /// the contributions of an entry add up to its total exactly.
    #[inline]
    pub fn sum(&self) -> f64 {
        self.themes + self.sector + self.region + self.status + self.capacity + self.recent_load
    }

    /// Each component times its weight.
    #[inline]
    pub fn weighted(&self, w: &Weights) -> Components {
        Components {
            themes: w.themes * self.themes,
            sector: w.sector * self.sector,
            region: w.region * self.region,
            status: w.status * self.status,
            capacity: w.capacity * self.capacity,
            recent_load: w.recent_load * self.recent_load,
        }
    }
}

/// Why a volunteer may not be proposed for a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Exclusion {
    /// Not accepted by staff, or deactivated.
    Inactive,
    /// Paused by the volunteer.
    Paused,
    /// As many open cases as the capacity allows.
    AtCapacity {
        /// Cases open now.
        open_cases: u32,
        /// Capacity of the volunteer.
        capacity: u32,
    },
    /// No theme of the request among the volunteer's themes.
    NoCommonTheme,
    /// Works in the requesting establishment.
    SameEstablishment,
    /// Belongs to the organisation of the requesting establishment.
    SameOrganisation,
    /// Already declined this request.
    Declined,
}

impl Exclusion {
    /// Stable snake_case code, for clients.
    pub fn code(&self) -> &'static str {
        match self {
            Exclusion::Inactive => "inactive",
            Exclusion::Paused => "paused",
            Exclusion::AtCapacity { .. } => "at_capacity",
            Exclusion::NoCommonTheme => "no_common_theme",
            Exclusion::SameEstablishment => "same_establishment",
            Exclusion::SameOrganisation => "same_organisation",
            Exclusion::Declined => "declined",
        }
    }

    /// Short French message, for staff.
    pub fn message(&self) -> String {
        match self {
            Exclusion::Inactive => "Volontaire inactif".to_owned(),
            Exclusion::Paused => "Volontaire en pause".to_owned(),
            Exclusion::AtCapacity {
                open_cases,
                capacity,
            } => format!(
                "Capacité atteinte : {} sur {capacity}",
                open_cases_text(*open_cases)
            ),
            Exclusion::NoCommonTheme => "Aucun thème en commun avec la demande".to_owned(),
            Exclusion::SameEstablishment => {
                "Travaille dans l'établissement demandeur (conflit d'intérêts)".to_owned()
            }
            Exclusion::SameOrganisation => {
                "Même organisme que l'établissement demandeur (conflit d'intérêts)".to_owned()
            }
            Exclusion::Declined => "A déjà décliné cette demande".to_owned(),
        }
    }
}

/// Serialized as `{"code": ..., "message": ...}`: a code for programs, a
/// sentence for people.
impl Serialize for Exclusion {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Exclusion", 2)?;
        s.serialize_field("code", self.code())?;
        s.serialize_field("message", &self.message())?;
        s.end()
    }
}

/// "aucun dossier en cours", "1 dossier en cours", "2 dossiers en cours".
fn open_cases_text(n: u32) -> String {
    match n {
        0 => "aucun dossier en cours".to_owned(),
        1 => "1 dossier en cours".to_owned(),
        n => format!("{n} dossiers en cours"),
    }
}

/// Exclusions as bits, so that the hot loop tests eligibility without
/// building anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Flags(u8);

impl Flags {
    const INACTIVE: u8 = 1;
    const PAUSED: u8 = 1 << 1;
    const AT_CAPACITY: u8 = 1 << 2;
    const NO_COMMON_THEME: u8 = 1 << 3;
    const SAME_ESTABLISHMENT: u8 = 1 << 4;
    const SAME_ORGANISATION: u8 = 1 << 5;
    const DECLINED: u8 = 1 << 6;

    pub(crate) fn is_eligible(self) -> bool {
        self.0 == 0
    }

    /// The exclusions, in a fixed order (availability first, then fit, then
    /// conflicts).
    pub(crate) fn to_exclusions(self, v: &VolunteerProfile) -> Vec<Exclusion> {
        let all = [
            (Self::INACTIVE, Exclusion::Inactive),
            (Self::PAUSED, Exclusion::Paused),
            (
                Self::AT_CAPACITY,
                Exclusion::AtCapacity {
                    open_cases: v.open_cases,
                    capacity: v.capacity,
                },
            ),
            (Self::NO_COMMON_THEME, Exclusion::NoCommonTheme),
            (Self::SAME_ESTABLISHMENT, Exclusion::SameEstablishment),
            (Self::SAME_ORGANISATION, Exclusion::SameOrganisation),
            (Self::DECLINED, Exclusion::Declined),
        ];
        all.into_iter()
            .filter(|(bit, _)| self.0 & bit != 0)
            .map(|(_, e)| e)
            .collect()
    }
}

/// Number of `Option<Region>` values: 18 regions and "unknown".
const REGION_SLOTS: usize = Region::ALL.len() + 1;

/// A request with everything the hot loop needs precomputed: per-request
/// tables replace branches on the volunteer's sector, status and region.
#[derive(Debug)]
pub(crate) struct Prepared<'a> {
    pub(crate) request: &'a RequestProfile,
    pub(crate) weights: Weights,
    themes: ThemeSet,
    theme_count: f64,
    sector: [f64; 4],
    status: [f64; 4],
    region: [f64; REGION_SLOTS],
}

fn sector_slot(s: Option<Sector>) -> usize {
    match s {
        Some(Sector::Sanitaire) => 0,
        Some(Sector::MedicoSocial) => 1,
        Some(Sector::Autre) => 2,
        None => 3,
    }
}

fn status_slot(s: Option<LegalStatus>) -> usize {
    match s {
        Some(LegalStatus::Public) => 0,
        Some(LegalStatus::PriveNonLucratif) => 1,
        Some(LegalStatus::PriveLucratif) => 2,
        None => 3,
    }
}

fn region_slot(r: Option<Region>) -> usize {
    // Fieldless enum: the discriminant is its position in the declaration,
    // which `Region::ALL` follows; 18 stands for "unknown".
    r.map_or(Region::ALL.len(), |r| r as usize)
}

impl<'a> Prepared<'a> {
    pub(crate) fn new(request: &'a RequestProfile, weights: Weights) -> Prepared<'a> {
        let want_sector = request.sector();
        let mut sector = [0.0; 4];
        for s in Sector::ALL {
            sector[sector_slot(Some(s))] = if s == want_sector { 1.0 } else { 0.0 };
        }
        let mut status = [0.0; 4];
        for s in LegalStatus::ALL {
            status[status_slot(Some(s))] = if s.is_private() == request.status.is_private() {
                1.0
            } else {
                0.0
            };
        }
        let here = request.region();
        let mut region = [0.0; REGION_SLOTS];
        for r in Region::ALL {
            region[region_slot(Some(r))] = if r == here {
                1.0
            } else if here.is_neighbour(r) {
                NEIGHBOUR_REGION
            } else {
                0.0
            };
        }
        Prepared {
            request,
            weights,
            themes: request.themes,
            theme_count: request.themes.len() as f64,
            sector,
            status,
            region,
        }
    }

    /// Every reason the volunteer is excluded, as bits (none: eligible).
    #[inline]
    pub(crate) fn flags(&self, v: &VolunteerProfile) -> Flags {
        let r = self.request;
        let mut f = 0;
        if !v.active {
            f |= Flags::INACTIVE;
        }
        if v.paused {
            f |= Flags::PAUSED;
        }
        if v.open_cases >= v.capacity {
            f |= Flags::AT_CAPACITY;
        }
        if !self.themes.intersects(&v.themes) {
            f |= Flags::NO_COMMON_THEME;
        }
        if v.establishment == Some(r.establishment) {
            f |= Flags::SAME_ESTABLISHMENT;
        }
        if r.organisation.is_some() && v.organisation == r.organisation {
            f |= Flags::SAME_ORGANISATION;
        }
        if !r.declined_by.is_empty() && r.declined_by.contains(&v.id) {
            f |= Flags::DECLINED;
        }
        Flags(f)
    }

    /// The raw components of an eligible volunteer (meaningless otherwise).
    #[inline]
    pub(crate) fn components(&self, v: &VolunteerProfile) -> Components {
        let common = self.themes.intersection_len(&v.themes);
        let capacity = v.capacity.max(1) as f64;
        Components {
            themes: if self.theme_count > 0.0 {
                common as f64 / self.theme_count
            } else {
                0.0
            },
            sector: self.sector[sector_slot(v.sector)],
            region: self.region[region_slot(v.region)],
            status: self.status[status_slot(v.status)],
            capacity: v.spare_capacity() as f64 / capacity,
            recent_load: 1.0 / (1.0 + v.recent_cases as f64),
        }
    }

    /// The total score of an eligible volunteer: the hot path of ranking.
    #[inline]
    pub(crate) fn total(&self, v: &VolunteerProfile) -> f64 {
        self.components(v).weighted(&self.weights).sum()
    }

    /// Short French reasons, one per component whose weight is not zero
    /// (a component that cannot change the score explains nothing).
    pub(crate) fn reasons(&self, v: &VolunteerProfile) -> Vec<String> {
        let w = &self.weights;
        let r = self.request;
        let mut out = Vec::with_capacity(6);
        if w.themes > 0.0 {
            out.push(format!(
                "Thèmes couverts : {} sur {}",
                self.themes.intersection_len(&v.themes),
                self.themes.len()
            ));
        }
        if w.sector > 0.0 {
            out.push(sector_reason(r.sector(), v.sector));
        }
        if w.region > 0.0 {
            let text = match v.region {
                None => "Région non renseignée",
                Some(vr) if vr == r.region() => "Même région",
                Some(vr) if r.region().is_neighbour(vr) => "Région voisine",
                Some(_) => "Autre région",
            };
            out.push(text.to_owned());
        }
        if w.status > 0.0 {
            out.push(match v.status {
                None => "Statut non renseigné".to_owned(),
                Some(s) => {
                    let family = if s.is_private() { "privé" } else { "public" };
                    if s.is_private() == r.status.is_private() {
                        format!("Même statut ({family})")
                    } else {
                        format!("Statut différent ({family})")
                    }
                }
            });
        }
        if w.capacity > 0.0 {
            out.push(format!(
                "Disponibilité : {} sur {}",
                open_cases_text(v.open_cases),
                v.capacity
            ));
        }
        if w.recent_load > 0.0 {
            out.push(match v.recent_cases {
                0 => "Aucun dossier récent".to_owned(),
                1 => "1 dossier récent".to_owned(),
                n => format!("{n} dossiers récents"),
            });
        }
        out
    }
}

fn sector_name(s: Sector) -> &'static str {
    match s {
        Sector::Sanitaire => "sanitaire",
        Sector::MedicoSocial => "médico-social",
        Sector::Autre => "autre",
    }
}

fn sector_reason(wanted: Sector, has: Option<Sector>) -> String {
    match has {
        None => "Secteur d'origine non renseigné".to_owned(),
        Some(s) if s == wanted => format!("Expérience du secteur {}", sector_name(s)),
        Some(Sector::Autre) => "Secteur d'origine hors santé et médico-social".to_owned(),
        Some(s) => format!("Autre secteur d'origine ({})", sector_name(s)),
    }
}
