//! FINESS numbers: the national identifier of health and social
//! establishments.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::department::Department;
use crate::error::{quoted, ValidationError};
use crate::region::Region;

/// Length of every FINESS number.
const LEN: usize = 9;

/// Third (or fourth) digit of the overseas departments that exist (971 to
/// 974 and 976; there is no 975 department).
const OVERSEAS_DIGITS: [char; 5] = ['1', '2', '3', '4', '6'];

/// A FINESS number (e.g. `750712184`), checked when built: it identifies the
/// requesting establishment and gives its department.
///
/// Rules: 9 characters; starts with a department prefix (`01`–`95`, `2A`/`2B`
/// for Corsica, `97` + the overseas digit); digits after it; the Luhn key
/// over the 9 digits must hold, except for Corsican numbers whose letter
/// makes it meaningless. Serialized as the plain string.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Finess {
    number: String,
    department: Department,
}

impl Finess {
    /// Checks a number typed by a user: surrounding spaces are removed and
    /// `2a`/`2b` accepted in lower case. Each rule has its own error code
    /// (`finess.length`, `finess.department`, `finess.digits`, `finess.key`)
    /// so that the form can say exactly what to fix.
    pub fn parse(input: &str) -> Result<Finess, ValidationError> {
        let number = input.trim().to_ascii_uppercase();
        let chars: Vec<char> = number.chars().collect();
        if chars.len() != LEN {
            return Err(ValidationError::new(
                "finess.length",
                format!(
                    "Le numéro FINESS doit comporter 9 caractères ({} reçus).",
                    chars.len()
                ),
            ));
        }
        let (department, prefix_len) = department_prefix(&chars).ok_or_else(|| {
            ValidationError::new(
                "finess.department",
                format!(
                    "Le numéro FINESS {} ne commence pas par un code de département : \
                     il doit commencer par 01 à 95, 2A, 2B ou 971 à 976.",
                    quoted(&number)
                ),
            )
        })?;
        if !chars[prefix_len..].iter().all(char::is_ascii_digit) {
            return Err(ValidationError::new(
                "finess.digits",
                format!(
                    "Le numéro FINESS {} ne doit contenir que des chiffres après le code \
                     du département.",
                    quoted(&number)
                ),
            ));
        }
        let corsican = department.region() == Region::Corse;
        if !corsican && !luhn_valid(&chars) {
            return Err(ValidationError::new(
                "finess.key",
                format!(
                    "La clé de contrôle du numéro FINESS {} est fausse : vérifiez chaque chiffre.",
                    quoted(&number)
                ),
            ));
        }
        Ok(Finess { number, department })
    }

    /// The department that registered the establishment (for `97x`
    /// numbers, the overseas department), hence its region.
    pub fn department(&self) -> Department {
        self.department
    }

    /// The number as stored: 9 characters, upper case.
    pub fn as_str(&self) -> &str {
        &self.number
    }
}

/// Reads the department prefix of a 9-character number, with its length.
///
/// Overseas numbers are accepted both as `97` + department digit (`971…`) and
/// as `970` + department digit (`9701…`), because both layouts are found in
/// extracts of the register; neither can be mistaken for the other since
/// there is no department 970.
fn department_prefix(chars: &[char]) -> Option<(Department, usize)> {
    match chars {
        ['2', c @ ('A' | 'B'), ..] => Department::from_code(&format!("2{c}")).map(|d| (d, 2)),
        ['9', '7', '0', d, ..] if OVERSEAS_DIGITS.contains(d) => {
            Department::from_code(&format!("97{d}")).map(|dep| (dep, 4))
        }
        ['9', '7', d, ..] if OVERSEAS_DIGITS.contains(d) => {
            Department::from_code(&format!("97{d}")).map(|dep| (dep, 3))
        }
        [a, b, ..] if a.is_ascii_digit() && b.is_ascii_digit() => {
            // Two-digit codes in the table are exactly the metropolitan ones
            // (01–95 without 20); "97" alone is handled above.
            Department::from_code(&format!("{a}{b}")).map(|d| (d, 2))
        }
        _ => None,
    }
}

/// Luhn check over all-digit characters: the FINESS key catches any single
/// mistyped digit and most swaps of two neighbours.
fn luhn_valid(chars: &[char]) -> bool {
    luhn_sum(chars.iter().rev().filter_map(|c| c.to_digit(10))) % 10 == 0
}

/// Luhn sum of digits given from the rightmost one.
fn luhn_sum(digits_from_right: impl Iterator<Item = u32>) -> u32 {
    digits_from_right
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 {
                    doubled - 9
                } else {
                    doubled
                }
            } else {
                d
            }
        })
        .sum()
}

/// Shows the number as stored.
impl fmt::Display for Finess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.number)
    }
}

/// Same rules as [`Finess::parse`].
impl FromStr for Finess {
    type Err = ValidationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Finess {
    type Error = ValidationError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Finess> for String {
    fn from(finess: Finess) -> Self {
        finess.number
    }
}

impl AsRef<str> for Finess {
    fn as_ref(&self) -> &str {
        &self.number
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Completes 8 digits with the Luhn key, to build valid test numbers.
    fn with_key(first8: &str) -> String {
        // With a 0 in the key's place, the key is what brings the sum to a
        // multiple of ten (the key itself is not doubled).
        let digits = first8.chars().rev().filter_map(|c| c.to_digit(10));
        let sum = luhn_sum(std::iter::once(0).chain(digits));
        let key = (10 - sum % 10) % 10;
        format!("{first8}{key}")
    }

    #[test]
    fn real_numbers_pass() {
        for n in ["010003820", "750712184", "850014655", "010780195"] {
            let f = Finess::parse(n).unwrap();
            assert_eq!(f.as_str(), n);
        }
        assert_eq!(
            Finess::parse("750712184").unwrap().department().code(),
            "75"
        );
        assert_eq!(
            Finess::parse("850014655").unwrap().department().region(),
            Region::PaysDeLaLoire
        );
        assert_eq!(
            Finess::parse("010003820").unwrap().department().name(),
            "Ain"
        );
    }

    #[test]
    fn with_key_builds_valid_numbers() {
        assert_eq!(with_key("75071218"), "750712184");
        assert_eq!(with_key("01000382"), "010003820");
    }

    #[test]
    fn trims_and_uppercases() {
        assert_eq!(
            Finess::parse("  750712184 \n").unwrap().as_str(),
            "750712184"
        );
        let f = Finess::parse("2a0000123").unwrap();
        assert_eq!(f.as_str(), "2A0000123");
        assert_eq!(f.department().code(), "2A");
        assert_eq!(f.department().region(), Region::Corse);
        assert_eq!(
            Finess::parse("2B0001234").unwrap().department().code(),
            "2B"
        );
    }

    #[test]
    fn overseas_numbers() {
        for (first8, dep) in [
            ("97100001", "971"),
            ("97200001", "972"),
            ("97300001", "973"),
            ("97400001", "974"),
            ("97600001", "976"),
            ("97010022", "971"),
            ("97042103", "974"),
            ("97060001", "976"),
        ] {
            let n = with_key(first8);
            let f = Finess::parse(&n).unwrap();
            assert_eq!(f.department().code(), dep, "{n}");
        }
    }

    #[test]
    fn wrong_length() {
        for (bad, got) in [
            ("", 0),
            ("75071218", 8),
            ("7507121840", 10),
            ("750 712 184", 11),
        ] {
            let e = Finess::parse(bad).unwrap_err();
            assert_eq!(e.code, "finess.length", "{bad:?}");
            assert_eq!(
                e.message,
                format!("Le numéro FINESS doit comporter 9 caractères ({got} reçus).")
            );
        }
        // Characters, not bytes.
        assert_eq!(
            Finess::parse("é50712184").unwrap_err().code,
            "finess.department"
        );
    }

    #[test]
    fn bad_department_prefix() {
        for first8 in ["00071218", "20071218", "96071218", "98071218", "99071218"] {
            let n = with_key(first8);
            assert_eq!(
                Finess::parse(&n).unwrap_err().code,
                "finess.department",
                "{n}"
            );
        }
        for bad in [
            "975000012",
            "977000012",
            "970500012",
            "970000012",
            "2C0000123",
            "AB0000123",
            "A50712184",
            "7A0712184",
        ] {
            let e = Finess::parse(bad).unwrap_err();
            assert_eq!(e.code, "finess.department", "{bad}");
            assert!(e.message.contains("2A"));
        }
    }

    #[test]
    fn non_digits_after_prefix() {
        for bad in [
            "75071218A",
            "75O712184",
            "2A00001B3",
            "971-00001",
            "75 712184",
        ] {
            let e = Finess::parse(bad).unwrap_err();
            assert_eq!(e.code, "finess.digits", "{bad}");
        }
    }

    #[test]
    fn bad_key() {
        for bad in ["750712185", "010003821", "850014650", "570712184"] {
            let e = Finess::parse(bad).unwrap_err();
            assert_eq!(e.code, "finess.key", "{bad}");
            assert!(e.message.contains(bad));
        }
    }

    #[test]
    fn corsican_numbers_skip_the_key() {
        for n in ["2A0000000", "2A0000001", "2B9999999"] {
            assert!(Finess::parse(n).is_ok(), "{n}");
        }
    }

    #[test]
    fn serde_and_display() {
        let f = Finess::parse("750712184").unwrap();
        assert_eq!(f.to_string(), "750712184");
        assert_eq!(serde_json::to_string(&f).unwrap(), "\"750712184\"");
        assert_eq!(serde_json::from_str::<Finess>("\"750712184\"").unwrap(), f);
        assert_eq!(
            serde_json::from_str::<Finess>("\"2a0000001\"")
                .unwrap()
                .as_str(),
            "2A0000001"
        );
        let err = serde_json::from_str::<Finess>("\"750712185\"").unwrap_err();
        assert!(err.to_string().contains("clé"));
        assert_eq!("750712184".parse::<Finess>().unwrap(), f);
    }

    /// Any metropolitan or overseas all-digit prefix that exists.
    fn digit_prefix() -> impl Strategy<Value = String> {
        let prefixes: Vec<String> = Department::all()
            .map(|d| d.code().to_owned())
            .filter(|c| c.bytes().all(|b| b.is_ascii_digit()))
            .collect();
        proptest::sample::select(prefixes)
    }

    /// Valid all-digit FINESS numbers.
    fn valid_number() -> impl Strategy<Value = String> {
        (digit_prefix(), proptest::collection::vec(0u32..10, 6)).prop_map(|(prefix, rest)| {
            let body: String = rest.iter().map(|d| d.to_string()).collect();
            let first8: String = format!("{prefix}{body}").chars().take(8).collect();
            with_key(&first8)
        })
    }

    proptest! {
        #[test]
        fn generated_numbers_are_valid(n in valid_number()) {
            let f = Finess::parse(&n).unwrap();
            prop_assert_eq!(f.as_str(), n.as_str());
            prop_assert!(n.starts_with(&f.department().code()[..2]));
        }

        #[test]
        fn one_changed_digit_is_rejected(
            n in valid_number(),
            pos in 0usize..LEN,
            delta in 1u32..10,
        ) {
            let mut digits: Vec<u32> = n.chars().filter_map(|c| c.to_digit(10)).collect();
            digits[pos] = (digits[pos] + delta) % 10;
            let changed: String = digits.iter().map(|d| d.to_string()).collect();
            prop_assert!(Finess::parse(&changed).is_err(), "{} accepted", changed);
        }

        #[test]
        fn serde_round_trip(n in valid_number()) {
            let f = Finess::parse(&n).unwrap();
            let json = serde_json::to_string(&f).unwrap();
            prop_assert_eq!(serde_json::from_str::<Finess>(&json).unwrap(), f);
        }
    }
}
