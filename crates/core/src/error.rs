//! The one error type of this crate: a rejected user input.

/// A value typed by a user was rejected.
///
/// `code` is stable and machine-readable so that clients and tests can branch
/// on it; `message` is a short French sentence that can be shown as is to the
/// person who typed the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ValidationError {
    /// Stable machine-readable code, e.g. `"finess.key"`.
    pub code: &'static str,
    /// Short French sentence for the user: what is wrong and the expected form.
    pub message: String,
}

impl ValidationError {
    /// Builds an error; kept short so that validators read like their rules.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// Longest part of a rejected input that is quoted back in a message, so that
/// a pasted page of text does not end up in an error response or a log line.
const MAX_QUOTED_CHARS: usize = 40;

/// Quotes a rejected input for an error message, shortened when too long.
pub(crate) fn quoted(input: &str) -> String {
    let mut chars = input.chars();
    let head: String = chars.by_ref().take(MAX_QUOTED_CHARS).collect();
    if chars.next().is_some() {
        format!("« {head}… »")
    } else {
        format!("« {head} »")
    }
}

/// Trims a free-text field and checks it is present and not too long.
///
/// Every free-text field of a form (names, descriptions, presentations) needs
/// the same two checks; `code` names the field in the error
/// (e.g. `"volunteer.last_name"`) so that the client can point at it.
/// The length is counted in characters, not bytes, because that is what the
/// user sees.
pub fn bounded_text(
    field_value: &str,
    max_chars: usize,
    code: &'static str,
) -> Result<String, ValidationError> {
    let value = field_value.trim();
    if value.is_empty() {
        return Err(ValidationError::new(
            code,
            "Ce champ est obligatoire : il ne peut pas être vide.",
        ));
    }
    let count = value.chars().count();
    if count > max_chars {
        return Err(ValidationError::new(
            code,
            format!("Ce champ ne doit pas dépasser {max_chars} caractères ({count} reçus)."),
        ));
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_the_message() {
        let e = ValidationError::new("x.y", "Message.");
        assert_eq!(e.to_string(), "Message.");
        assert_eq!(e.code, "x.y");
    }

    #[test]
    fn bounded_text_trims() {
        assert_eq!(bounded_text("  Dupont \n", 10, "f").unwrap(), "Dupont");
    }

    #[test]
    fn bounded_text_rejects_empty_and_blank() {
        for v in ["", "   ", "\t\n"] {
            let e = bounded_text(v, 10, "volunteer.name").unwrap_err();
            assert_eq!(e.code, "volunteer.name");
            assert!(e.message.contains("obligatoire"));
        }
    }

    #[test]
    fn bounded_text_counts_chars_not_bytes() {
        // 5 characters, 10 bytes.
        assert_eq!(bounded_text("ééééé", 5, "f").unwrap(), "ééééé");
        let e = bounded_text("éééééé", 5, "f").unwrap_err();
        assert_eq!(e.code, "f");
        assert_eq!(
            e.message,
            "Ce champ ne doit pas dépasser 5 caractères (6 reçus)."
        );
    }

    #[test]
    fn bounded_text_length_is_checked_after_trim() {
        assert_eq!(bounded_text("   abc   ", 3, "f").unwrap(), "abc");
    }

    #[test]
    fn quoted_shortens_long_input() {
        assert_eq!(quoted("abc"), "« abc »");
        let long = "a".repeat(100);
        let q = quoted(&long);
        assert!(q.ends_with("… »"));
        assert_eq!(q.chars().filter(|c| *c == 'a').count(), MAX_QUOTED_CHARS);
    }
}
