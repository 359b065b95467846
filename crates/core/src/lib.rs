//! Domain types of the entraide service and their validation.
//!
//! Everything a user types goes through one of these types before it reaches
//! the rest of the system, so a [`Finess`], an [`Email`] or a [`Department`]
//! held anywhere else is valid by construction. No IO here: the crate is the
//! bottom of the workspace and every other crate may depend on it.
//!
//! ```
//! use entraide_core::{Finess, PhoneNumber, Region};
//!
//! let finess = Finess::parse(" 750712184 ").unwrap();
//! assert_eq!(finess.department().region(), Region::IleDeFrance);
//!
//! let err = Finess::parse("75071218").unwrap_err();
//! assert_eq!(err.code, "finess.length");
//! assert_eq!(err.to_string(), "Le numéro FINESS doit comporter 9 caractères (8 reçus).");
//!
//! let phone = PhoneNumber::parse("+33 (0)6 12 34 56 78").unwrap();
//! assert_eq!(phone.e164(), "+33612345678");
//! assert_eq!(phone.to_string(), "06 12 34 56 78");
//! ```

pub mod department;
pub mod email;
pub mod error;
pub mod finess;
pub mod kinds;
#[cfg(feature = "openapi")]
mod openapi;
pub mod phone;
pub mod region;
pub mod theme;

pub use department::Department;
pub use email::Email;
pub use error::{bounded_text, ValidationError};
pub use finess::Finess;
pub use kinds::{
    AnswerType, EstablishmentKind, Gender, JobRole, LegalStatus, Role, Sector, Urgency,
};
pub use phone::PhoneNumber;
pub use region::Region;
pub use theme::{fold_to_slug, ThemeId, DEFAULT_THEMES, THEME_ID_MAX_CHARS};
