//! The 101 French departments, their names and regions.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{quoted, ValidationError};
use crate::region::Region;

use Region::*;

/// Number of departments: 96 metropolitan (with 2A and 2B) and 5 overseas.
const COUNT: usize = 101;

/// Reference table in INSEE order (2A and 2B sit where 20 used to be).
/// Kept as one table so that code, name and region cannot drift apart.
static DEPARTMENTS: [(&str, &str, Region); COUNT] = [
    ("01", "Ain", AuvergneRhoneAlpes),
    ("02", "Aisne", HautsDeFrance),
    ("03", "Allier", AuvergneRhoneAlpes),
    ("04", "Alpes-de-Haute-Provence", ProvenceAlpesCoteDAzur),
    ("05", "Hautes-Alpes", ProvenceAlpesCoteDAzur),
    ("06", "Alpes-Maritimes", ProvenceAlpesCoteDAzur),
    ("07", "Ardèche", AuvergneRhoneAlpes),
    ("08", "Ardennes", GrandEst),
    ("09", "Ariège", Occitanie),
    ("10", "Aube", GrandEst),
    ("11", "Aude", Occitanie),
    ("12", "Aveyron", Occitanie),
    ("13", "Bouches-du-Rhône", ProvenceAlpesCoteDAzur),
    ("14", "Calvados", Normandie),
    ("15", "Cantal", AuvergneRhoneAlpes),
    ("16", "Charente", NouvelleAquitaine),
    ("17", "Charente-Maritime", NouvelleAquitaine),
    ("18", "Cher", CentreValDeLoire),
    ("19", "Corrèze", NouvelleAquitaine),
    ("2A", "Corse-du-Sud", Corse),
    ("2B", "Haute-Corse", Corse),
    ("21", "Côte-d'Or", BourgogneFrancheComte),
    ("22", "Côtes-d'Armor", Bretagne),
    ("23", "Creuse", NouvelleAquitaine),
    ("24", "Dordogne", NouvelleAquitaine),
    ("25", "Doubs", BourgogneFrancheComte),
    ("26", "Drôme", AuvergneRhoneAlpes),
    ("27", "Eure", Normandie),
    ("28", "Eure-et-Loir", CentreValDeLoire),
    ("29", "Finistère", Bretagne),
    ("30", "Gard", Occitanie),
    ("31", "Haute-Garonne", Occitanie),
    ("32", "Gers", Occitanie),
    ("33", "Gironde", NouvelleAquitaine),
    ("34", "Hérault", Occitanie),
    ("35", "Ille-et-Vilaine", Bretagne),
    ("36", "Indre", CentreValDeLoire),
    ("37", "Indre-et-Loire", CentreValDeLoire),
    ("38", "Isère", AuvergneRhoneAlpes),
    ("39", "Jura", BourgogneFrancheComte),
    ("40", "Landes", NouvelleAquitaine),
    ("41", "Loir-et-Cher", CentreValDeLoire),
    ("42", "Loire", AuvergneRhoneAlpes),
    ("43", "Haute-Loire", AuvergneRhoneAlpes),
    ("44", "Loire-Atlantique", PaysDeLaLoire),
    ("45", "Loiret", CentreValDeLoire),
    ("46", "Lot", Occitanie),
    ("47", "Lot-et-Garonne", NouvelleAquitaine),
    ("48", "Lozère", Occitanie),
    ("49", "Maine-et-Loire", PaysDeLaLoire),
    ("50", "Manche", Normandie),
    ("51", "Marne", GrandEst),
    ("52", "Haute-Marne", GrandEst),
    ("53", "Mayenne", PaysDeLaLoire),
    ("54", "Meurthe-et-Moselle", GrandEst),
    ("55", "Meuse", GrandEst),
    ("56", "Morbihan", Bretagne),
    ("57", "Moselle", GrandEst),
    ("58", "Nièvre", BourgogneFrancheComte),
    ("59", "Nord", HautsDeFrance),
    ("60", "Oise", HautsDeFrance),
    ("61", "Orne", Normandie),
    ("62", "Pas-de-Calais", HautsDeFrance),
    ("63", "Puy-de-Dôme", AuvergneRhoneAlpes),
    ("64", "Pyrénées-Atlantiques", NouvelleAquitaine),
    ("65", "Hautes-Pyrénées", Occitanie),
    ("66", "Pyrénées-Orientales", Occitanie),
    ("67", "Bas-Rhin", GrandEst),
    ("68", "Haut-Rhin", GrandEst),
    ("69", "Rhône", AuvergneRhoneAlpes),
    ("70", "Haute-Saône", BourgogneFrancheComte),
    ("71", "Saône-et-Loire", BourgogneFrancheComte),
    ("72", "Sarthe", PaysDeLaLoire),
    ("73", "Savoie", AuvergneRhoneAlpes),
    ("74", "Haute-Savoie", AuvergneRhoneAlpes),
    ("75", "Paris", IleDeFrance),
    ("76", "Seine-Maritime", Normandie),
    ("77", "Seine-et-Marne", IleDeFrance),
    ("78", "Yvelines", IleDeFrance),
    ("79", "Deux-Sèvres", NouvelleAquitaine),
    ("80", "Somme", HautsDeFrance),
    ("81", "Tarn", Occitanie),
    ("82", "Tarn-et-Garonne", Occitanie),
    ("83", "Var", ProvenceAlpesCoteDAzur),
    ("84", "Vaucluse", ProvenceAlpesCoteDAzur),
    ("85", "Vendée", PaysDeLaLoire),
    ("86", "Vienne", NouvelleAquitaine),
    ("87", "Haute-Vienne", NouvelleAquitaine),
    ("88", "Vosges", GrandEst),
    ("89", "Yonne", BourgogneFrancheComte),
    ("90", "Territoire de Belfort", BourgogneFrancheComte),
    ("91", "Essonne", IleDeFrance),
    ("92", "Hauts-de-Seine", IleDeFrance),
    ("93", "Seine-Saint-Denis", IleDeFrance),
    ("94", "Val-de-Marne", IleDeFrance),
    ("95", "Val-d'Oise", IleDeFrance),
    ("971", "Guadeloupe", Guadeloupe),
    ("972", "Martinique", Martinique),
    ("973", "Guyane", Guyane),
    ("974", "La Réunion", LaReunion),
    ("976", "Mayotte", Mayotte),
];

/// A French department: where an establishment is, hence its region.
///
/// Only the 101 real departments can be built, so a `Department` held by a
/// handler or stored in a row is always valid. It is a small index into a
/// static table: `Copy`, and ordered in INSEE order (01 … 19, 2A, 2B, 21 …
/// 95, 971 … 976). Serialized as its code (`"75"`, `"2A"`, `"971"`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Department(u8);

impl Department {
    /// Every department in INSEE order, for pick-lists and exhaustive reports.
    pub const ALL: [Department; COUNT] = {
        let mut all = [Department(0); COUNT];
        let mut i = 0;
        while i < all.len() {
            // The table has 101 rows, so the index fits in a u8.
            all[i] = Department(i as u8);
            i += 1;
        }
        all
    };

    /// Iterates over every department in INSEE order.
    pub fn all() -> impl Iterator<Item = Department> {
        Self::ALL.into_iter()
    }

    /// Parses a department code as typed by a user: trimmed, and `2a`/`2b`
    /// accepted in lower case. The code must be exact (`"01"`, not `"1"`),
    /// because a silent fix-up could place an establishment in the wrong
    /// department.
    pub fn parse(input: &str) -> Result<Department, ValidationError> {
        let code = input.trim().to_ascii_uppercase();
        Self::from_code(&code).ok_or_else(|| {
            ValidationError::new(
                "department.unknown",
                format!(
                    "Le département {} est inconnu : indiquez son code à 2 ou 3 caractères \
                     (par exemple 01, 75, 2A ou 971).",
                    quoted(input.trim())
                ),
            )
        })
    }

    /// Exact lookup of a stored code, without trimming or case folding.
    pub(crate) fn from_code(code: &str) -> Option<Department> {
        DEPARTMENTS
            .iter()
            .position(|(c, _, _)| *c == code)
            // The table has 101 rows, so the index fits in a u8.
            .map(|i| Department(i as u8))
    }

    fn info(self) -> &'static (&'static str, &'static str, Region) {
        &DEPARTMENTS[usize::from(self.0)]
    }

    /// INSEE code (`"75"`, `"2A"`, `"971"`): the stored identifier.
    pub fn code(self) -> &'static str {
        self.info().0
    }

    /// French name, with accents (`"Val-d'Oise"`), for display.
    pub fn name(self) -> &'static str {
        self.info().1
    }

    /// The region the department belongs to.
    pub fn region(self) -> Region {
        self.info().2
    }
}

/// Shows the code, which is what people and logs need to tell two
/// departments apart.
impl fmt::Debug for Department {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Department").field(&self.code()).finish()
    }
}

/// Shows the code (`"2A"`); use [`Department::name`] for people.
impl fmt::Display for Department {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Same rules as [`Department::parse`].
impl FromStr for Department {
    type Err = ValidationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Department {
    type Error = ValidationError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Department> for String {
    fn from(department: Department) -> Self {
        department.code().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn exactly_101_distinct_departments() {
        assert_eq!(Department::ALL.len(), 101);
        assert_eq!(Department::all().count(), 101);
        let codes: HashSet<_> = Department::all().map(|d| d.code()).collect();
        let names: HashSet<_> = Department::all().map(|d| d.name()).collect();
        assert_eq!(codes.len(), 101);
        assert_eq!(names.len(), 101);
    }

    #[test]
    fn each_region_matches_domain() {
        // Copied from the reference table of DOMAIN.md.
        let expected = [
            ("84", "01 03 07 15 26 38 42 43 63 69 73 74"),
            ("27", "21 25 39 58 70 71 89 90"),
            ("53", "22 29 35 56"),
            ("24", "18 28 36 37 41 45"),
            ("94", "2A 2B"),
            ("44", "08 10 51 52 54 55 57 67 68 88"),
            ("32", "02 59 60 62 80"),
            ("11", "75 77 78 91 92 93 94 95"),
            ("28", "14 27 50 61 76"),
            ("75", "16 17 19 23 24 33 40 47 64 79 86 87"),
            ("76", "09 11 12 30 31 32 34 46 48 65 66 81 82"),
            ("52", "44 49 53 72 85"),
            ("93", "04 05 06 13 83 84"),
            ("01", "971"),
            ("02", "972"),
            ("03", "973"),
            ("04", "974"),
            ("06", "976"),
        ];
        let mut seen = 0;
        for (region_code, departments) in expected {
            let region = Region::from_code(region_code).unwrap();
            let got: Vec<&str> = region.departments().map(|d| d.code()).collect();
            let want: Vec<&str> = departments.split(' ').collect();
            assert_eq!(got, want, "{}", region.name());
            seen += want.len();
        }
        assert_eq!(seen, 101);
    }

    #[test]
    fn names_of_some_departments() {
        let cases = [
            ("01", "Ain"),
            ("2A", "Corse-du-Sud"),
            ("2B", "Haute-Corse"),
            ("75", "Paris"),
            ("95", "Val-d'Oise"),
            ("971", "Guadeloupe"),
            ("972", "Martinique"),
            ("973", "Guyane"),
            ("974", "La Réunion"),
            ("976", "Mayotte"),
        ];
        for (code, name) in cases {
            assert_eq!(Department::parse(code).unwrap().name(), name);
        }
    }

    #[test]
    fn parse_accepts_exact_codes_trimmed_and_corsica_in_lower_case() {
        assert_eq!(Department::parse("75").unwrap().code(), "75");
        assert_eq!(Department::parse(" 971 ").unwrap().code(), "971");
        assert_eq!(Department::parse("2a").unwrap().code(), "2A");
        assert_eq!(Department::parse("2B").unwrap().code(), "2B");
        assert_eq!(Department::parse("2b").unwrap().region(), Region::Corse);
    }

    #[test]
    fn parse_rejects_unknown_codes() {
        for bad in [
            "", "1", "20", "00", "96", "975", "977", "970", "075", "2C", "Paris", "7 5",
        ] {
            let e = Department::parse(bad).unwrap_err();
            assert_eq!(e.code, "department.unknown", "{bad:?}");
            assert!(e.message.contains("2A"), "{}", e.message);
        }
    }

    #[test]
    fn every_code_round_trips() {
        for d in Department::all() {
            assert_eq!(Department::parse(d.code()).unwrap(), d);
            assert_eq!(d.to_string().parse::<Department>().unwrap(), d);
        }
    }

    #[test]
    fn insee_order() {
        let codes: Vec<_> = Department::all().map(|d| d.code()).collect();
        assert_eq!(&codes[17..22], &["18", "19", "2A", "2B", "21"]);
        assert_eq!(codes.last(), Some(&"976"));
        assert!(Department::parse("19").unwrap() < Department::parse("2A").unwrap());
    }

    #[test]
    fn debug_and_display_show_the_code() {
        let d = Department::parse("2a").unwrap();
        assert_eq!(d.to_string(), "2A");
        assert_eq!(format!("{d:?}"), "Department(\"2A\")");
    }

    #[test]
    fn serde_uses_the_code() {
        let d = Department::parse("971").unwrap();
        assert_eq!(serde_json::to_string(&d).unwrap(), "\"971\"");
        let back: Department = serde_json::from_str("\"2b\"").unwrap();
        assert_eq!(back.code(), "2B");
        let err = serde_json::from_str::<Department>("\"20\"").unwrap_err();
        assert!(err.to_string().contains("inconnu"));
    }
}
