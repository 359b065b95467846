//! E-mail addresses of volunteers, contacts and staff.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{quoted, ValidationError};

/// Longest address accepted (RFC 5321 path limit).
const MAX_LEN: usize = 254;
/// Longest local part (RFC 5321).
const MAX_LOCAL_LEN: usize = 64;
/// Longest domain label (RFC 1035).
const MAX_LABEL_LEN: usize = 63;

/// An e-mail address, trimmed and lowercased.
///
/// Lowercasing the whole address (not only the domain) is deliberate: the
/// address is the login and the duplicate check, and no mail system that
/// health establishments use distinguishes case in the local part.
/// Only plain ASCII addresses are accepted; the checks are the ones that
/// catch typing mistakes, not the full RFC 5322 grammar.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// Checks and normalizes an address typed by a user.
    pub fn parse(input: &str) -> Result<Email, ValidationError> {
        let address = input.trim().to_lowercase();
        check(&address).map_err(|reason| {
            ValidationError::new(
                "email.invalid",
                format!(
                    "L'adresse e-mail {} n'est pas valide ({reason}) : elle doit être de la \
                     forme nom@domaine.fr.",
                    quoted(&address)
                ),
            )
        })?;
        Ok(Email(address))
    }

    /// The normalized address, as stored and used to send mail.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part after `@`, e.g. to recognise addresses of the same
    /// organisation.
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, domain)| domain)
    }

    /// The part before `@`.
    pub fn local_part(&self) -> &str {
        self.0.split_once('@').map_or("", |(local, _)| local)
    }
}

/// Returns the reason an address is refused, in French, for the message.
fn check(address: &str) -> Result<(), &'static str> {
    if address.is_empty() {
        return Err("adresse vide");
    }
    if address.chars().any(char::is_whitespace) {
        return Err("elle contient un espace");
    }
    if !address.is_ascii() {
        return Err("elle contient un caractère accentué ou spécial");
    }
    if address.len() > MAX_LEN {
        return Err("elle dépasse 254 caractères");
    }
    let (local, domain) = match address.split_once('@') {
        Some((local, domain)) if !domain.contains('@') => (local, domain),
        Some(_) => return Err("elle contient plusieurs @"),
        None => return Err("il manque le @"),
    };
    check_local(local)?;
    check_domain(domain)
}

/// Unquoted local part: atoms of letters, digits and the few symbols that
/// real addresses use, separated by single dots.
fn check_local(local: &str) -> Result<(), &'static str> {
    if local.is_empty() {
        return Err("il manque le nom avant le @");
    }
    if local.len() > MAX_LOCAL_LEN {
        return Err("la partie avant le @ dépasse 64 caractères");
    }
    let allowed = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+/=?^_`{|}~-".contains(&b);
    let well_formed = local
        .split('.')
        .all(|atom| !atom.is_empty() && atom.bytes().all(allowed));
    if well_formed {
        Ok(())
    } else {
        Err("la partie avant le @ contient un caractère ou un point mal placé")
    }
}

/// Domain name: at least two labels of `a-z`, `0-9` and inner `-`.
fn check_domain(domain: &str) -> Result<(), &'static str> {
    if domain.is_empty() {
        return Err("il manque le domaine après le @");
    }
    if !domain.contains('.') {
        return Err("le domaine doit contenir un point, comme dans domaine.fr");
    }
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.len() <= MAX_LABEL_LEN
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    if domain.split('.').all(label_ok) {
        Ok(())
    } else {
        Err("le domaine contient un caractère ou un point mal placé")
    }
}

/// Shows the normalized address.
impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Same rules as [`Email::parse`].
impl FromStr for Email {
    type Err = ValidationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Email {
    type Error = ValidationError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Email> for String {
    fn from(email: Email) -> Self {
        email.0
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn valid_addresses_are_normalized() {
        let cases = [
            ("jean.dupont@chu-lille.fr", "jean.dupont@chu-lille.fr"),
            ("  Jean.Dupont@CHU-Lille.FR \n", "jean.dupont@chu-lille.fr"),
            ("a@b.co", "a@b.co"),
            ("dsi+entraide@ars.sante.fr", "dsi+entraide@ars.sante.fr"),
            ("o'neil@example.org", "o'neil@example.org"),
            ("x_y-z@sub.domain.example.fr", "x_y-z@sub.domain.example.fr"),
            ("contact@3com.com", "contact@3com.com"),
        ];
        for (input, normalized) in cases {
            let e = Email::parse(input).unwrap();
            assert_eq!(e.as_str(), normalized, "{input:?}");
        }
    }

    #[test]
    fn domain_and_local_part() {
        let e = Email::parse("Marie.Curie@ARS.Sante.fr").unwrap();
        assert_eq!(e.domain(), "ars.sante.fr");
        assert_eq!(e.local_part(), "marie.curie");
    }

    #[test]
    fn invalid_addresses() {
        let long_local = format!("{}@example.fr", "a".repeat(65));
        let long_total = format!("a@{}.fr", "b.".repeat(130));
        let long_label = format!("a@{}.fr", "b".repeat(64));
        let cases = [
            "",
            "   ",
            "jean.dupont",
            "jean@dupont@chu.fr",
            "@chu.fr",
            "jean@",
            "jean@localhost",
            "jean dupont@chu.fr",
            "jean@chu .fr",
            "jean.@chu.fr",
            ".jean@chu.fr",
            "je..an@chu.fr",
            "jean@-chu.fr",
            "jean@chu-.fr",
            "jean@chu..fr",
            "jean@.chu.fr",
            "jean@chu.fr.",
            "jean@chu_lille.fr",
            "jéan@chu.fr",
            "jean@chü.fr",
            "jean(x)@chu.fr",
            "\"jean\"@chu.fr",
            "jean,paul@chu.fr",
            &long_local,
            &long_total,
            &long_label,
        ];
        for bad in cases {
            let e = Email::parse(bad).unwrap_err();
            assert_eq!(e.code, "email.invalid", "{bad:?}");
            assert!(e.message.contains("nom@domaine.fr"), "{}", e.message);
        }
    }

    #[test]
    fn limits_are_inclusive() {
        let local64 = format!("{}@example.fr", "a".repeat(64));
        assert!(Email::parse(&local64).is_ok());
        let label63 = format!("a@{}.fr", "b".repeat(63));
        assert!(Email::parse(&label63).is_ok());
        // 254 characters in all.
        let domain = format!(
            "{}.{}.{}.{}",
            "c".repeat(63),
            "d".repeat(63),
            "e".repeat(63),
            "f".repeat(60)
        );
        let at254 = format!("a@{domain}");
        assert_eq!(at254.len(), 254);
        assert!(Email::parse(&at254).is_ok());
        let at255 = format!("ab@{domain}");
        assert!(Email::parse(&at255).is_err());
    }

    #[test]
    fn messages_say_what_is_wrong() {
        let m = Email::parse("jean.dupont").unwrap_err().message;
        assert_eq!(
            m,
            "L'adresse e-mail « jean.dupont » n'est pas valide (il manque le @) : elle doit \
             être de la forme nom@domaine.fr."
        );
        assert!(Email::parse("jean@chu")
            .unwrap_err()
            .message
            .contains("point"));
    }

    #[test]
    fn serde_and_display() {
        let e = Email::parse("A@B.fr").unwrap();
        assert_eq!(e.to_string(), "a@b.fr");
        assert_eq!(serde_json::to_string(&e).unwrap(), "\"a@b.fr\"");
        assert_eq!(serde_json::from_str::<Email>("\" A@B.FR \"").unwrap(), e);
        assert!(serde_json::from_str::<Email>("\"nope\"").is_err());
        assert_eq!("a@b.fr".parse::<Email>().unwrap(), e);
    }

    fn address() -> impl Strategy<Value = String> {
        "[A-Za-z0-9_+-]{1,20}(\\.[A-Za-z0-9_+-]{1,10}){0,2}@[A-Za-z0-9]([A-Za-z0-9-]{0,10}[A-Za-z0-9])?(\\.[a-z]{2,6}){1,3}"
    }

    proptest! {
        #[test]
        fn parse_display_round_trip(input in address()) {
            let e = Email::parse(&input).unwrap();
            prop_assert_eq!(e.as_str(), input.to_lowercase());
            let shown = e.to_string();
            prop_assert_eq!(shown.as_str(), e.as_str());
            prop_assert_eq!(Email::parse(&shown).unwrap(), e.clone());
            let json = serde_json::to_string(&e).unwrap();
            prop_assert_eq!(serde_json::from_str::<Email>(&json).unwrap(), e);
        }

        #[test]
        fn parse_never_panics_and_results_reparse(input in "\\PC{0,80}") {
            if let Ok(e) = Email::parse(&input) {
                prop_assert_eq!(Email::parse(e.as_str()).unwrap(), e);
            }
        }
    }
}
