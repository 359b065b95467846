//! Expertise themes: identified by a slug so that staff can add themes
//! without a code change, while stored ids stay readable and URL-safe.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{quoted, ValidationError};

/// Longest slug: enough for any label of a few words, short enough for URLs.
pub const THEME_ID_MAX_CHARS: usize = 64;

/// Themes seen in the seeds, as (slug, French label), loaded at first start;
/// staff may add more.
pub const DEFAULT_THEMES: &[(&str, &str)] = &[
    ("teletravail", "Télétravail"),
    ("si-medico-social", "SI médico-social / DUI"),
    ("pca", "Plan de continuité d'activité (PCA)"),
    ("telemedecine", "Télémédecine / télésanté"),
    ("cybersecurite", "Cybersécurité"),
    ("messagerie-securisee", "Messagerie sécurisée (MSSanté)"),
    ("infrastructure-reseau", "Infrastructure et réseau"),
    (
        "outils-collaboratifs",
        "Outils collaboratifs / visioconférence",
    ),
    ("achats-materiel", "Achats et matériel"),
    ("protection-donnees", "Protection des données (RGPD)"),
    ("interoperabilite", "Interopérabilité"),
    ("ins", "Identité nationale de santé (INS)"),
    ("gouvernance-si", "Gouvernance et pilotage SI"),
];

/// Identifier of a theme: a slug of 1 to 64 characters among `a-z`, `0-9`
/// and `-`, neither starting nor ending with `-`.
///
/// Serialized as the plain string, validated again when deserialized so that
/// a bad id in a request body is refused at the edge.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ThemeId(String);

impl ThemeId {
    /// Checks a slug as given (only surrounding spaces are removed): ids are
    /// compared byte for byte, so nothing else is fixed up silently.
    pub fn parse(input: &str) -> Result<ThemeId, ValidationError> {
        let slug = input.trim();
        let len = slug.chars().count();
        let well_formed = (1..=THEME_ID_MAX_CHARS).contains(&len)
            && slug
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !slug.starts_with('-')
            && !slug.ends_with('-');
        if well_formed {
            Ok(ThemeId(slug.to_owned()))
        } else {
            Err(ValidationError::new(
                "theme.invalid",
                format!(
                    "L'identifiant de thème {} n'est pas valide : il doit comporter de 1 à \
                     {THEME_ID_MAX_CHARS} caractères parmi les lettres minuscules sans accent, \
                     les chiffres et le tiret, sans tiret au début ni à la fin \
                     (par exemple « teletravail »).",
                    quoted(slug)
                ),
            ))
        }
    }

    /// Derives a slug from a French label typed by staff when adding a theme:
    /// accents are stripped, letters lowercased, and every run of other
    /// characters becomes one `-` (`"Télé-santé & PCA"` → `"tele-sante-pca"`).
    /// Too long results are cut at a word boundary when possible.
    pub fn from_label(label: &str) -> Result<ThemeId, ValidationError> {
        let mut slug = fold_to_slug(label);
        if slug.len() > THEME_ID_MAX_CHARS {
            // The slug is ASCII, so byte offsets are char offsets.
            let cut = &slug[..THEME_ID_MAX_CHARS];
            let cut = match cut.rfind('-') {
                Some(i) if i > 0 && slug.as_bytes()[THEME_ID_MAX_CHARS] != b'-' => &cut[..i],
                _ => cut,
            };
            slug = cut.trim_end_matches('-').to_owned();
        }
        if slug.is_empty() {
            return Err(ValidationError::new(
                "theme.invalid",
                "Le libellé du thème doit contenir au moins une lettre ou un chiffre.",
            ));
        }
        Self::parse(&slug)
    }

    /// The slug, as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Appends the ASCII form of a lowercase character to a slug, or returns
/// `false` when the character separates words. Hand-written for French (and
/// a few neighbours) rather than a Unicode normalization crate: the labels
/// are French.
/// Lower-case ASCII words joined by `-`, accents removed ("Clinique Sainte-Anne (Lyon)" →
/// `clinique-sainte-anne-lyon`): for ids, and to compare names typed differently.
pub fn fold_to_slug(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    let mut pending_dash = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        let before = slug.len();
        if pending_dash && !slug.is_empty() {
            slug.push('-');
        }
        if push_folded(c, &mut slug) {
            pending_dash = false;
        } else {
            // Not a letter or digit: undo the dash, remember the gap.
            slug.truncate(before);
            pending_dash = true;
        }
    }
    slug
}

fn push_folded(c: char, slug: &mut String) -> bool {
    let folded = match c {
        'a'..='z' | '0'..='9' => {
            slug.push(c);
            return true;
        }
        'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' => "a",
        'ç' => "c",
        'é' | 'è' | 'ê' | 'ë' => "e",
        'î' | 'ï' | 'í' | 'ì' => "i",
        'ô' | 'ö' | 'ó' | 'ò' | 'õ' | 'ø' => "o",
        'ù' | 'û' | 'ü' | 'ú' => "u",
        'ÿ' | 'ý' => "y",
        'ñ' => "n",
        'œ' => "oe",
        'æ' => "ae",
        'ß' => "ss",
        _ => return false,
    };
    slug.push_str(folded);
    true
}

/// Shows the slug.
impl fmt::Display for ThemeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Same rules as [`ThemeId::parse`].
impl FromStr for ThemeId {
    type Err = ValidationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for ThemeId {
    type Error = ValidationError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<ThemeId> for String {
    fn from(id: ThemeId) -> Self {
        id.0
    }
}

impl AsRef<str> for ThemeId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    #[test]
    fn default_themes_are_valid_and_unique() {
        assert_eq!(DEFAULT_THEMES.len(), 13);
        let mut seen = HashSet::new();
        for (slug, label) in DEFAULT_THEMES {
            assert_eq!(ThemeId::parse(slug).unwrap().as_str(), *slug);
            assert!(!label.is_empty());
            assert!(seen.insert(*slug));
        }
        assert_eq!(DEFAULT_THEMES[0], ("teletravail", "Télétravail"));
    }

    #[test]
    fn parse_valid() {
        for ok in [
            "a",
            "pca",
            "si-medico-social",
            "ins",
            "covid-19",
            "2020",
            &"a".repeat(64),
        ] {
            assert_eq!(ThemeId::parse(ok).unwrap().as_str(), ok);
        }
        assert_eq!(ThemeId::parse("  pca ").unwrap().as_str(), "pca");
    }

    #[test]
    fn parse_invalid() {
        let too_long = "a".repeat(65);
        for bad in [
            "",
            " ",
            "-pca",
            "pca-",
            "-",
            "PCA",
            "télétravail",
            "pca pca",
            "pca_x",
            "a/b",
            &too_long,
        ] {
            let e = ThemeId::parse(bad).unwrap_err();
            assert_eq!(e.code, "theme.invalid", "{bad:?}");
        }
    }

    #[test]
    fn from_label_examples() {
        let cases = [
            ("Télétravail", "teletravail"),
            ("SI médico-social / DUI", "si-medico-social-dui"),
            (
                "Plan de continuité d'activité (PCA)",
                "plan-de-continuite-d-activite-pca",
            ),
            ("Télémédecine / télésanté", "telemedecine-telesante"),
            ("  Cybersécurité  ", "cybersecurite"),
            ("Œuvres & ÇA", "oeuvres-ca"),
            ("Interopérabilité", "interoperabilite"),
            ("COVID-19", "covid-19"),
            ("--a--b--", "a-b"),
        ];
        for (label, slug) in cases {
            assert_eq!(
                ThemeId::from_label(label).unwrap().as_str(),
                slug,
                "{label}"
            );
        }
    }

    #[test]
    fn names_typed_differently_fold_alike() {
        assert_eq!(
            fold_to_slug("Clinique Sainte-Anne (Lyon)"),
            "clinique-sainte-anne-lyon"
        );
        assert_eq!(
            fold_to_slug("  CLINIQUE sainte anne – lyon "),
            "clinique-sainte-anne-lyon"
        );
        assert_eq!(fold_to_slug("Hôpital Émile-Roux"), "hopital-emile-roux");
        assert_eq!(fold_to_slug("!!"), "");
    }

    #[test]
    fn from_label_rejects_labels_without_letters() {
        for bad in ["", "   ", "---", "/ & ()", "日本"] {
            let e = ThemeId::from_label(bad).unwrap_err();
            assert_eq!(e.code, "theme.invalid");
        }
    }

    #[test]
    fn from_label_cuts_long_labels_at_a_word() {
        let label = "word ".repeat(30);
        let id = ThemeId::from_label(&label).unwrap();
        assert!(id.as_str().len() <= THEME_ID_MAX_CHARS);
        assert!(id.as_str().split('-').all(|w| w == "word"));
        let one_word = "x".repeat(100);
        assert_eq!(ThemeId::from_label(&one_word).unwrap().as_str().len(), 64);
    }

    #[test]
    fn serde_is_transparent_and_validated() {
        let id = ThemeId::parse("pca").unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"pca\"");
        assert_eq!(serde_json::from_str::<ThemeId>("\"pca\"").unwrap(), id);
        assert!(serde_json::from_str::<ThemeId>("\"Bad Id\"").is_err());
        assert_eq!(id.to_string(), "pca");
        assert_eq!("pca".parse::<ThemeId>().unwrap(), id);
    }

    proptest! {
        #[test]
        fn from_label_always_gives_a_valid_slug(label in "\\PC{0,100}") {
            if let Ok(id) = ThemeId::from_label(&label) {
                prop_assert_eq!(ThemeId::parse(id.as_str()).unwrap(), id.clone());
                // Idempotent: a slug is its own label.
                prop_assert_eq!(ThemeId::from_label(id.as_str()).unwrap(), id);
            }
        }

        #[test]
        fn valid_slugs_round_trip(slug in "[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?") {
            let id = ThemeId::parse(&slug).unwrap();
            prop_assert_eq!(id.as_str(), slug.as_str());
            let json = serde_json::to_string(&id).unwrap();
            prop_assert_eq!(serde_json::from_str::<ThemeId>(&json).unwrap(), id);
        }
    }
}
