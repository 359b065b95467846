//! The 18 French regions, their INSEE codes and land borders.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::department::Department;
use crate::error::{quoted, ValidationError};

/// A French region (2016 map): the level at which ARS work, volunteers are
/// counted in the bilan and a "same or neighbouring region" preference applies.
///
/// Serialized as its INSEE code (`"84"`, `"11"`, `"01"`...), which never
/// changes when names are respelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Region {
    /// Auvergne-Rhône-Alpes (84).
    AuvergneRhoneAlpes,
    /// Bourgogne-Franche-Comté (27).
    BourgogneFrancheComte,
    /// Bretagne (53).
    Bretagne,
    /// Centre-Val de Loire (24).
    CentreValDeLoire,
    /// Corse (94).
    Corse,
    /// Grand Est (44).
    GrandEst,
    /// Hauts-de-France (32).
    HautsDeFrance,
    /// Île-de-France (11).
    IleDeFrance,
    /// Normandie (28).
    Normandie,
    /// Nouvelle-Aquitaine (75).
    NouvelleAquitaine,
    /// Occitanie (76).
    Occitanie,
    /// Pays de la Loire (52).
    PaysDeLaLoire,
    /// Provence-Alpes-Côte d'Azur (93).
    ProvenceAlpesCoteDAzur,
    /// Guadeloupe (01).
    Guadeloupe,
    /// Martinique (02).
    Martinique,
    /// Guyane (03).
    Guyane,
    /// La Réunion (04).
    LaReunion,
    /// Mayotte (06).
    Mayotte,
}

use Region::*;

impl Region {
    /// Every region, metropolitan first then overseas, for pick-lists and
    /// reports that must show a row even for a region with no data.
    pub const ALL: [Region; 18] = [
        AuvergneRhoneAlpes,
        BourgogneFrancheComte,
        Bretagne,
        CentreValDeLoire,
        Corse,
        GrandEst,
        HautsDeFrance,
        IleDeFrance,
        Normandie,
        NouvelleAquitaine,
        Occitanie,
        PaysDeLaLoire,
        ProvenceAlpesCoteDAzur,
        Guadeloupe,
        Martinique,
        Guyane,
        LaReunion,
        Mayotte,
    ];

    /// INSEE code: the stable identifier stored and exchanged.
    pub fn code(self) -> &'static str {
        match self {
            AuvergneRhoneAlpes => "84",
            BourgogneFrancheComte => "27",
            Bretagne => "53",
            CentreValDeLoire => "24",
            Corse => "94",
            GrandEst => "44",
            HautsDeFrance => "32",
            IleDeFrance => "11",
            Normandie => "28",
            NouvelleAquitaine => "75",
            Occitanie => "76",
            PaysDeLaLoire => "52",
            ProvenceAlpesCoteDAzur => "93",
            Guadeloupe => "01",
            Martinique => "02",
            Guyane => "03",
            LaReunion => "04",
            Mayotte => "06",
        }
    }

    /// Official French name, with accents, for display.
    pub fn name(self) -> &'static str {
        match self {
            AuvergneRhoneAlpes => "Auvergne-Rhône-Alpes",
            BourgogneFrancheComte => "Bourgogne-Franche-Comté",
            Bretagne => "Bretagne",
            CentreValDeLoire => "Centre-Val de Loire",
            Corse => "Corse",
            GrandEst => "Grand Est",
            HautsDeFrance => "Hauts-de-France",
            IleDeFrance => "Île-de-France",
            Normandie => "Normandie",
            NouvelleAquitaine => "Nouvelle-Aquitaine",
            Occitanie => "Occitanie",
            PaysDeLaLoire => "Pays de la Loire",
            ProvenceAlpesCoteDAzur => "Provence-Alpes-Côte d'Azur",
            Guadeloupe => "Guadeloupe",
            Martinique => "Martinique",
            Guyane => "Guyane",
            LaReunion => "La Réunion",
            Mayotte => "Mayotte",
        }
    }

    /// Finds a region by its exact INSEE code (`"01"`, not `"1"`), as stored.
    pub fn from_code(code: &str) -> Option<Region> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    /// Regions sharing a land border, for the "neighbouring region" matching
    /// preference. Corsica and the overseas regions have none.
    pub fn neighbours(self) -> &'static [Region] {
        match self {
            IleDeFrance => &[
                HautsDeFrance,
                GrandEst,
                BourgogneFrancheComte,
                CentreValDeLoire,
                Normandie,
            ],
            HautsDeFrance => &[Normandie, IleDeFrance, GrandEst],
            GrandEst => &[HautsDeFrance, IleDeFrance, BourgogneFrancheComte],
            BourgogneFrancheComte => &[GrandEst, IleDeFrance, CentreValDeLoire, AuvergneRhoneAlpes],
            CentreValDeLoire => &[
                IleDeFrance,
                Normandie,
                PaysDeLaLoire,
                NouvelleAquitaine,
                AuvergneRhoneAlpes,
                BourgogneFrancheComte,
            ],
            Normandie => &[
                HautsDeFrance,
                IleDeFrance,
                CentreValDeLoire,
                PaysDeLaLoire,
                Bretagne,
            ],
            Bretagne => &[Normandie, PaysDeLaLoire],
            PaysDeLaLoire => &[Bretagne, Normandie, CentreValDeLoire, NouvelleAquitaine],
            NouvelleAquitaine => &[
                PaysDeLaLoire,
                CentreValDeLoire,
                AuvergneRhoneAlpes,
                Occitanie,
            ],
            AuvergneRhoneAlpes => &[
                BourgogneFrancheComte,
                CentreValDeLoire,
                NouvelleAquitaine,
                Occitanie,
                ProvenceAlpesCoteDAzur,
            ],
            Occitanie => &[
                NouvelleAquitaine,
                AuvergneRhoneAlpes,
                ProvenceAlpesCoteDAzur,
            ],
            ProvenceAlpesCoteDAzur => &[AuvergneRhoneAlpes, Occitanie],
            Corse | Guadeloupe | Martinique | Guyane | LaReunion | Mayotte => &[],
        }
    }

    /// Whether two regions share a land border (a region is not its own
    /// neighbour: callers test equality first when "same region" counts more).
    pub fn is_neighbour(self, other: Region) -> bool {
        self.neighbours().contains(&other)
    }

    /// Whether the region is overseas, where travel to or from it is by plane.
    pub fn is_overseas(self) -> bool {
        matches!(self, Guadeloupe | Martinique | Guyane | LaReunion | Mayotte)
    }

    /// The departments of the region, in INSEE order, for pick-lists.
    pub fn departments(self) -> impl Iterator<Item = Department> {
        Department::all().filter(move |d| d.region() == self)
    }
}

/// Shows the INSEE code, like every other domain code; use
/// [`Region::name`] for people.
impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Parses an INSEE code, trimmed; the error lists the accepted codes.
impl FromStr for Region {
    type Err = ValidationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let code = s.trim();
        Self::from_code(code).ok_or_else(|| {
            let accepted: Vec<String> = Self::ALL
                .iter()
                .map(|r| format!("{} ({})", r.code(), r.name()))
                .collect();
            ValidationError::new(
                "region.unknown",
                format!(
                    "La région {} est inconnue : indiquez son code INSEE parmi {}.",
                    quoted(code),
                    accepted.join(", ")
                ),
            )
        })
    }
}

impl TryFrom<String> for Region {
    type Error = ValidationError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<Region> for String {
    fn from(region: Region) -> Self {
        region.code().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn eighteen_distinct_regions_codes_and_names() {
        let codes: HashSet<_> = Region::ALL.iter().map(|r| r.code()).collect();
        let names: HashSet<_> = Region::ALL.iter().map(|r| r.name()).collect();
        assert_eq!(codes.len(), 18);
        assert_eq!(names.len(), 18);
    }

    #[test]
    fn codes_and_names_match_domain() {
        let expected = [
            ("84", "Auvergne-Rhône-Alpes"),
            ("27", "Bourgogne-Franche-Comté"),
            ("53", "Bretagne"),
            ("24", "Centre-Val de Loire"),
            ("94", "Corse"),
            ("44", "Grand Est"),
            ("32", "Hauts-de-France"),
            ("11", "Île-de-France"),
            ("28", "Normandie"),
            ("75", "Nouvelle-Aquitaine"),
            ("76", "Occitanie"),
            ("52", "Pays de la Loire"),
            ("93", "Provence-Alpes-Côte d'Azur"),
            ("01", "Guadeloupe"),
            ("02", "Martinique"),
            ("03", "Guyane"),
            ("04", "La Réunion"),
            ("06", "Mayotte"),
        ];
        for (code, name) in expected {
            let r = Region::from_code(code).unwrap();
            assert_eq!(r.name(), name);
            assert_eq!(r.code(), code);
        }
    }

    #[test]
    fn from_code_round_trips_and_rejects_unknown() {
        for r in Region::ALL {
            assert_eq!(Region::from_code(r.code()), Some(r));
        }
        for bad in ["", "1", "00", "05", "99", "011", "IDF", " 11"] {
            assert_eq!(Region::from_code(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn neighbours_are_symmetric() {
        for a in Region::ALL {
            for &b in a.neighbours() {
                assert!(
                    b.neighbours().contains(&a),
                    "{} lists {} but not the reverse",
                    a.name(),
                    b.name()
                );
            }
        }
    }

    #[test]
    fn neighbours_have_no_self_nor_duplicates() {
        for a in Region::ALL {
            let n = a.neighbours();
            assert!(!n.contains(&a), "{}", a.name());
            let unique: HashSet<_> = n.iter().collect();
            assert_eq!(unique.len(), n.len(), "{}", a.name());
        }
    }

    #[test]
    fn islands_and_overseas_have_no_neighbours() {
        for r in [Corse, Guadeloupe, Martinique, Guyane, LaReunion, Mayotte] {
            assert!(r.neighbours().is_empty());
        }
        for r in Region::ALL {
            assert_eq!(r.is_overseas(), r.code().starts_with('0'));
        }
    }

    #[test]
    fn is_neighbour_examples() {
        assert!(IleDeFrance.is_neighbour(Normandie));
        assert!(Normandie.is_neighbour(IleDeFrance));
        assert!(Bretagne.is_neighbour(PaysDeLaLoire));
        assert!(!Bretagne.is_neighbour(IleDeFrance));
        assert!(!IleDeFrance.is_neighbour(IleDeFrance));
        assert!(!Corse.is_neighbour(ProvenceAlpesCoteDAzur));
        assert_eq!(CentreValDeLoire.neighbours().len(), 6);
    }

    #[test]
    fn display_and_from_str() {
        assert_eq!(IleDeFrance.to_string(), "11");
        assert_eq!(" 84 ".parse::<Region>().unwrap(), AuvergneRhoneAlpes);
        let e = "12".parse::<Region>().unwrap_err();
        assert_eq!(e.code, "region.unknown");
        assert!(e.message.contains("« 12 »"));
        assert!(e.message.contains("11 (Île-de-France)"));
    }

    #[test]
    fn serde_uses_insee_code() {
        assert_eq!(serde_json::to_string(&Guadeloupe).unwrap(), "\"01\"");
        assert_eq!(serde_json::to_string(&IleDeFrance).unwrap(), "\"11\"");
        let r: Region = serde_json::from_str("\"94\"").unwrap();
        assert_eq!(r, Corse);
        assert!(serde_json::from_str::<Region>("\"Corse\"").is_err());
        assert!(serde_json::from_str::<Region>("94").is_err());
        for r in Region::ALL {
            let json = serde_json::to_string(&r).unwrap();
            assert_eq!(serde_json::from_str::<Region>(&json).unwrap(), r);
        }
    }
}
