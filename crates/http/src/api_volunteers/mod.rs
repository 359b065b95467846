//! Volunteer applications (`/api/v1/applications`) and volunteers (`/api/v1/volunteers`):
//! anyone applies, staff vet, accepted volunteers keep their profile up to date, and the
//! public directory shows them without any contact detail.

mod applications;
mod volunteers;

use entraide_core::ThemeId;
use entraide_store::applications::ThemeRef;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::FieldError;

/// Page of the web client where a volunteer manages their profile (linked from the
/// acceptance e-mail; the page asks to sign in).
pub const VOLUNTEER_SPACE_PAGE: &str = "/volontaire";

/// Longest name.
pub const NAME_MAX_CHARS: usize = 100;
/// Longest presentation.
pub const PRESENTATION_MAX_CHARS: usize = 2000;
/// Longest own establishment or organisation.
pub const ORGANISATION_MAX_CHARS: usize = 200;
/// Longest rejection reason.
pub const REASON_MAX_CHARS: usize = 2000;
/// Most themes on one profile.
pub const MAX_THEMES: usize = 20;
/// Capacity range (open cases at once).
pub const CAPACITY_RANGE: std::ops::RangeInclusive<i64> = 1..=10;
/// Capacity when the form leaves it out.
pub const DEFAULT_CAPACITY: i64 = 2;

/// Registers `/api/v1/applications/*` (the scope is made in `crate::configure`).
pub(crate) fn configure_applications(cfg: &mut ServiceConfig) {
    cfg.service(applications::submit)
        .service(applications::list)
        .service(applications::read)
        .service(applications::accept)
        .service(applications::reject);
}

/// Registers `/api/v1/volunteers/*`.
pub(crate) fn configure_volunteers(cfg: &mut ServiceConfig) {
    cfg.service(volunteers::directory)
        // `/me` before `/{id}`.
        .service(volunteers::read_own)
        .service(volunteers::update_own)
        .service(volunteers::read)
        .service(volunteers::deactivate);
}

/// A theme on a record, with its label.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ThemeLabel {
    /// Theme id.
    #[schema(example = "teletravail")]
    pub id: String,
    /// French label.
    #[schema(example = "Télétravail")]
    pub label: String,
}

impl From<ThemeRef> for ThemeLabel {
    fn from(theme: ThemeRef) -> Self {
        Self {
            id: theme.id,
            label: theme.label,
        }
    }
}

fn theme_labels(themes: Vec<ThemeRef>) -> Vec<ThemeLabel> {
    themes.into_iter().map(ThemeLabel::from).collect()
}

/// Collects the field errors of a form, so that one answer lists every failing field.
#[derive(Debug, Default)]
struct Errors(Vec<FieldError>);

impl Errors {
    fn push(&mut self, path: &str, code: &str, message: impl Into<String>) {
        self.0.push(FieldError {
            path: path.to_owned(),
            code: code.to_owned(),
            message: message.into(),
        });
    }

    /// A required free text, trimmed, of at most `max` characters.
    fn text(&mut self, path: &str, value: &str, max: usize, code: &'static str) -> String {
        match entraide_core::bounded_text(value, max, code) {
            Ok(text) => text,
            Err(error) => {
                self.0.push(FieldError::new(path, &error));
                String::new()
            }
        }
    }

    /// An optional free text: blank means none.
    fn optional_text(
        &mut self,
        path: &str,
        value: Option<&str>,
        max: usize,
        code: &'static str,
    ) -> Option<String> {
        let value = value.filter(|text| !text.trim().is_empty())?;
        Some(self.text(path, value, max, code))
    }

    fn capacity(&mut self, path: &str, capacity: i64) -> i32 {
        if CAPACITY_RANGE.contains(&capacity) {
            // Within 1..=10.
            capacity as i32
        } else {
            self.push(
                path,
                "capacity.range",
                format!(
                    "La capacité (nombre de demandes suivies à la fois) doit être comprise \
                     entre {} et {} ({capacity} reçu).",
                    CAPACITY_RANGE.start(),
                    CAPACITY_RANGE.end()
                ),
            );
            0
        }
    }

    /// Checks the number of themes; repeats are dropped, keeping the first occurrence.
    /// Returns the themes with the index each had in the request.
    fn themes(&mut self, path: &str, themes: &[ThemeId]) -> Vec<(usize, ThemeId)> {
        let mut unique: Vec<(usize, ThemeId)> = Vec::new();
        for (index, theme) in themes.iter().enumerate() {
            if !unique.iter().any(|(_, seen)| seen == theme) {
                unique.push((index, theme.clone()));
            }
        }
        if unique.is_empty() {
            self.push(
                path,
                "themes.empty",
                "Choisissez au moins un thème d'expertise.",
            );
        } else if unique.len() > MAX_THEMES {
            self.push(
                path,
                "themes.too_many",
                format!(
                    "Choisissez au plus {MAX_THEMES} thèmes d'expertise ({} reçus).",
                    unique.len()
                ),
            );
        }
        unique
    }

    /// Reports each theme that is unknown or no longer offered, at its index.
    fn unknown_themes(&mut self, path: &str, given: &[(usize, ThemeId)], refused: &[String]) {
        for (index, id) in given {
            if refused.iter().any(|r| r == id.as_str()) {
                self.push(
                    &format!("{path}/{index}"),
                    "theme.unknown",
                    format!("Le thème « {id} » n'existe pas ou n'est plus proposé."),
                );
            }
        }
    }

    fn into_result(self) -> Result<(), crate::ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(crate::ApiError::Validation(self.0))
        }
    }
}
