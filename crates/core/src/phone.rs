//! French phone numbers (metropolitan and overseas departments), stored in
//! E.164 so that the same line typed two ways is the same value.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{quoted, ValidationError};

/// Country code of metropolitan France.
const FRANCE: &str = "33";

/// National prefixes (first 4 digits of the 10-digit number) of the overseas
/// departments, with the country code their numbers are dialled with from
/// abroad.
const OVERSEAS_PREFIXES: [(&str, &str); 14] = [
    ("0590", "590"), // Guadeloupe, fixed
    ("0690", "590"), // Guadeloupe, mobile
    ("0691", "590"), // Guadeloupe, mobile
    ("0594", "594"), // Guyane, fixed
    ("0694", "594"), // Guyane, mobile
    ("0596", "596"), // Martinique, fixed
    ("0696", "596"), // Martinique, mobile
    ("0697", "596"), // Martinique, mobile
    ("0262", "262"), // La Réunion, fixed
    ("0263", "262"), // La Réunion, fixed
    ("0692", "262"), // La Réunion, mobile
    ("0693", "262"), // La Réunion, mobile
    ("0269", "262"), // Mayotte, fixed
    ("0639", "262"), // Mayotte, mobile
];

/// Country codes accepted in international form. `269` is Mayotte's former
/// code, still found in old address books; its numbers are stored with 262.
const COUNTRY_CODES: [&str; 6] = [FRANCE, "590", "594", "596", "262", "269"];

/// A French phone number, metropolitan or overseas, held in E.164
/// (`+33612345678`, `+590690123456`).
///
/// Accepts what people type: `01 23 45 67 89`, `06.12.34.56.78`,
/// `+33 6 12 34 56 78`, `+33 (0)6 12 34 56 78`, `0033612345678`, and the
/// overseas country codes. Displayed in the national form (`06 12 34 56 78`),
/// serialized as E.164.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Checks and normalizes a number typed by a user.
    pub fn parse(input: &str) -> Result<PhoneNumber, ValidationError> {
        normalize(input).map(PhoneNumber).ok_or_else(|| {
            ValidationError::new(
                "phone.invalid",
                format!(
                    "Le numéro de téléphone {} n'est pas valide : indiquez un numéro \
                         français à 10 chiffres (par exemple 06 12 34 56 78) ou au format \
                         international (+33 6 12 34 56 78).",
                    quoted(input.trim())
                ),
            )
        })
    }

    /// The number in E.164 (`+33612345678`), as stored and for `tel:` links.
    pub fn e164(&self) -> &str {
        &self.0
    }

    /// The 10-digit national form in pairs (`06 12 34 56 78`), the way French
    /// people read and write numbers.
    pub fn national(&self) -> String {
        let significant = COUNTRY_CODES
            .iter()
            .find_map(|cc| self.0.strip_prefix('+')?.strip_prefix(cc))
            .unwrap_or_default();
        let digits = format!("0{significant}");
        let mut out = String::with_capacity(14);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && i % 2 == 0 {
                out.push(' ');
            }
            out.push(c);
        }
        out
    }
}

/// Returns the E.164 form of a French number, or `None`.
fn normalize(input: &str) -> Option<String> {
    // Separators people type between digit groups.
    let compact: String = input
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-' | '/' | '\u{a0}' | '\u{202f}'))
        .collect();
    let international = compact
        .strip_prefix('+')
        .or_else(|| compact.strip_prefix("00"));
    let national = match international {
        Some(rest) => {
            let (cc, after) = COUNTRY_CODES
                .iter()
                .find_map(|cc| rest.strip_prefix(cc).map(|after| (*cc, after)))?;
            // "+33 (0)6 …": the trunk 0 written in brackets is dropped.
            let significant = after.strip_prefix("(0)").unwrap_or(after);
            if significant.starts_with('0') {
                return None;
            }
            let national = format!("0{significant}");
            // The country code must be the one of the number's territory.
            let expected = country_code(&national)?;
            let same_territory = cc == expected || (cc == "269" && expected == "262");
            if !same_territory {
                return None;
            }
            national
        }
        None => compact,
    };
    let cc = country_code(&national)?;
    Some(format!("+{cc}{}", &national[1..]))
}

/// Country code of a 10-digit national number, or `None` when it is not one:
/// a 0, then a digit from 1 to 9 (a second 0 would be an international
/// prefix), then 8 digits.
fn country_code(national: &str) -> Option<&'static str> {
    let bytes = national.as_bytes();
    let well_formed = bytes.len() == 10
        && bytes[0] == b'0'
        && (b'1'..=b'9').contains(&bytes[1])
        && bytes.iter().all(u8::is_ascii_digit);
    if !well_formed {
        return None;
    }
    let cc = OVERSEAS_PREFIXES
        .iter()
        .find(|(prefix, _)| national.starts_with(prefix))
        .map_or(FRANCE, |(_, cc)| cc);
    Some(cc)
}

/// Shows the national form (`06 12 34 56 78`).
impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.national())
    }
}

/// Same rules as [`PhoneNumber::parse`].
impl FromStr for PhoneNumber {
    type Err = ValidationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Accepts any of the forms [`PhoneNumber::parse`] accepts.
impl TryFrom<String> for PhoneNumber {
    type Error = ValidationError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

/// Gives the E.164 form.
impl From<PhoneNumber> for String {
    fn from(phone: PhoneNumber) -> Self {
        phone.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn e164(input: &str) -> String {
        PhoneNumber::parse(input)
            .unwrap_or_else(|e| panic!("{input:?}: {e}"))
            .e164()
            .to_owned()
    }

    #[test]
    fn metropolitan_forms() {
        let cases = [
            ("01 23 45 67 89", "+33123456789"),
            ("0123456789", "+33123456789"),
            ("06.12.34.56.78", "+33612345678"),
            ("06-12-34-56-78", "+33612345678"),
            ("  07 12 34 56 78 ", "+33712345678"),
            ("+33 6 12 34 56 78", "+33612345678"),
            ("+33612345678", "+33612345678"),
            ("+33 (0)6 12 34 56 78", "+33612345678"),
            ("+33(0)612345678", "+33612345678"),
            ("0033612345678", "+33612345678"),
            ("0033 (0)6 12 34 56 78", "+33612345678"),
            ("09 87 65 43 21", "+33987654321"),
            ("05 56 79 56 79", "+33556795679"),
            ("06\u{a0}12\u{a0}34\u{a0}56\u{a0}78", "+33612345678"),
        ];
        for (input, want) in cases {
            assert_eq!(e164(input), want, "{input:?}");
        }
    }

    #[test]
    fn overseas_forms() {
        let cases = [
            ("0590 12 34 56", "+590590123456"),
            ("06 90 12 34 56", "+590690123456"),
            ("0691123456", "+590691123456"),
            ("0594 12 34 56", "+594594123456"),
            ("0694 12 34 56", "+594694123456"),
            ("0596 12 34 56", "+596596123456"),
            ("0696 12 34 56", "+596696123456"),
            ("0697 12 34 56", "+596697123456"),
            ("0262 12 34 56", "+262262123456"),
            ("0263 12 34 56", "+262263123456"),
            ("0692 12 34 56", "+262692123456"),
            ("0693 12 34 56", "+262693123456"),
            ("0269 61 23 45", "+262269612345"),
            ("0639 12 34 56", "+262639123456"),
            ("+590 690 12 34 56", "+590690123456"),
            ("+594 594 12 34 56", "+594594123456"),
            ("+596 696 12 34 56", "+596696123456"),
            ("+262 692 12 34 56", "+262692123456"),
            ("+262 639 12 34 56", "+262639123456"),
            ("+269 639 12 34 56", "+262639123456"),
            ("00590690123456", "+590690123456"),
            ("+590 (0)690 12 34 56", "+590690123456"),
        ];
        for (input, want) in cases {
            assert_eq!(e164(input), want, "{input:?}");
        }
    }

    #[test]
    fn rejected_numbers() {
        let cases = [
            "",
            "   ",
            "0012345678",
            "00 12 34 56 78",
            "012345678",
            "01234567890",
            "1234567890",
            "612345678",
            "06 12 34 56 7a",
            "O6 12 34 56 78",
            "tel: 0612345678",
            "+33 06 12 34 56 78",
            "+3361234567",
            "+336123456789",
            "+44 20 7946 0958",
            "+1 212 555 0100",
            "+33 690 12 34 56",
            "+590 6 12 34 56 78",
            "+269 612345678",
            "(06) 12 34 56 78",
            "06 12 34 56 78 (0)",
            "++33612345678",
            "0612345678+",
            "+",
            "00",
        ];
        for bad in cases {
            let e = PhoneNumber::parse(bad).unwrap_err();
            assert_eq!(e.code, "phone.invalid", "{bad:?}");
            assert!(e.message.contains("06 12 34 56 78"), "{}", e.message);
        }
    }

    #[test]
    fn national_format() {
        let p = PhoneNumber::parse("+33612345678").unwrap();
        assert_eq!(p.national(), "06 12 34 56 78");
        assert_eq!(p.to_string(), "06 12 34 56 78");
        let p = PhoneNumber::parse("+590690123456").unwrap();
        assert_eq!(p.national(), "06 90 12 34 56");
        let p = PhoneNumber::parse("+269 269 61 23 45").unwrap();
        assert_eq!(p.e164(), "+262269612345");
        assert_eq!(p.national(), "02 69 61 23 45");
    }

    #[test]
    fn serde_is_e164_and_accepts_any_form() {
        let p = PhoneNumber::parse("06 12 34 56 78").unwrap();
        assert_eq!(serde_json::to_string(&p).unwrap(), "\"+33612345678\"");
        for form in [
            "\"+33612345678\"",
            "\"06.12.34.56.78\"",
            "\"0033612345678\"",
        ] {
            assert_eq!(serde_json::from_str::<PhoneNumber>(form).unwrap(), p);
        }
        let err = serde_json::from_str::<PhoneNumber>("\"0012345678\"").unwrap_err();
        assert!(err.to_string().contains("téléphone"));
        assert_eq!("06 12 34 56 78".parse::<PhoneNumber>().unwrap(), p);
    }

    proptest! {
        #[test]
        fn national_e164_national_round_trip(
            second in 1u8..10,
            rest in proptest::collection::vec(0u8..10, 8),
            sep in prop_oneof![Just(""), Just(" "), Just("."), Just("-")],
        ) {
            let digits: String = std::iter::once(0)
                .chain(std::iter::once(second))
                .chain(rest)
                .map(|d| char::from(b'0' + d))
                .collect();
            let pairs: Vec<&str> = (0..5).map(|i| &digits[2 * i..2 * i + 2]).collect();
            let typed = pairs.join(sep);
            let p = PhoneNumber::parse(&typed).unwrap();
            prop_assert_eq!(p.national().replace(' ', ""), digits.clone());
            prop_assert_eq!(p.national(), pairs.join(" "));
            let again = PhoneNumber::parse(p.e164()).unwrap();
            prop_assert_eq!(&again, &p);
            prop_assert_eq!(PhoneNumber::parse(&p.national()).unwrap(), p.clone());
            let json = serde_json::to_string(&p).unwrap();
            prop_assert_eq!(serde_json::from_str::<PhoneNumber>(&json).unwrap(), p);
        }

        #[test]
        fn parse_never_panics(input in "[0-9+() .-]{0,20}|\\PC{0,20}") {
            if let Ok(p) = PhoneNumber::parse(&input) {
                prop_assert_eq!(PhoneNumber::parse(p.e164()).unwrap(), p.clone());
                prop_assert_eq!(p.national().len(), 14);
            }
        }
    }
}
