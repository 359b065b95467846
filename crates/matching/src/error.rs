//! The one error type of the crate.

use uuid::Uuid;

/// What can go wrong in matching: a bad configuration, too many themes, or an
/// assignment handed to [`crate::Matcher::batch_objective`] that breaks a rule.
///
/// Messages are French and short, for the start-up error of the service or a
/// problem-details body.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MatchingError {
    /// A weight is negative, not finite, or above [`crate::Weights::MAX`].
    #[error(
        "Le poids de matching « {name} » doit être un nombre entre 0 et {max} (reçu {value}).",
        max = crate::Weights::MAX
    )]
    InvalidWeight {
        /// Field name, as in the configuration.
        name: &'static str,
        /// The value refused.
        value: f64,
    },
    /// Every scoring weight is zero: every volunteer would score 0.
    #[error("Les poids de matching sont tous nuls : au moins un doit être positif.")]
    AllWeightsZero,
    /// The theme catalog is full (see [`crate::ThemeSet::CAPACITY`]).
    #[error(
        "Trop de thèmes pour le matching : {max} au plus.",
        max = crate::ThemeSet::CAPACITY
    )]
    TooManyThemes,
    /// An assignment names a request that is not in the batch.
    #[error("Demande inconnue dans l'affectation : {0}.")]
    UnknownRequest(Uuid),
    /// An assignment names a volunteer that is not in the batch.
    #[error("Volontaire inconnu dans l'affectation : {0}.")]
    UnknownVolunteer(Uuid),
    /// A request is given to two volunteers.
    #[error("La demande {0} est affectée deux fois.")]
    RequestAssignedTwice(Uuid),
    /// A request is given to a volunteer who is not eligible for it.
    #[error("Le volontaire {volunteer} n'est pas éligible pour la demande {request}.")]
    Ineligible {
        /// The request.
        request: Uuid,
        /// The volunteer.
        volunteer: Uuid,
    },
    /// A volunteer receives more requests than their spare capacity.
    #[error("Le volontaire {0} reçoit plus de demandes que sa capacité disponible.")]
    OverCapacity(Uuid),
}
