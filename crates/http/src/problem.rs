//! RFC 9457 problem details: the one place where errors become HTTP responses.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use entraide_core::ValidationError;
use entraide_store::StoreError;
use serde::Serialize;

/// Media type of error responses.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One invalid field of a request body or query.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct FieldError {
    /// JSON pointer to the field, e.g. `/contact/email`.
    pub path: String,
    /// Stable machine-readable code, e.g. `finess.key`.
    pub code: String,
    /// French message for the person who typed the value.
    pub message: String,
}

impl FieldError {
    /// A field error from a core validation error.
    pub fn new(path: impl Into<String>, error: &ValidationError) -> Self {
        Self {
            path: path.into(),
            code: error.code.to_owned(),
            message: error.message.clone(),
        }
    }
}

/// An error response body (RFC 9457), with a stable machine-readable `code`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Problem {
    /// URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short French summary, the same for every occurrence of the kind.
    pub title: String,
    /// HTTP status code.
    pub status: u16,
    /// What went wrong this time, for a person.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Stable code for programs, e.g. `not_found`.
    pub code: String,
    /// Every invalid field, for validation errors (and, for a refused batch, every item
    /// that no longer fits).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// For a `409` about a help request: the state it is in now (`accepted`, `closed`...),
    /// so that a client can show it without reading it again.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "accepted")]
    pub current_status: Option<String>,
}

/// Every error a handler can return; mapped to a status and a problem once, here.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No such resource or route (also used for objects the caller may not see, so that
    /// their existence does not leak).
    #[error("not found")]
    NotFound,
    /// No route matches the URL and method (a typo in the address, not a missing object).
    #[error("no route")]
    NoRoute,
    /// Malformed JSON or an unreadable request.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The body is not JSON.
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// The body is larger than allowed.
    #[error("payload too large")]
    PayloadTooLarge,
    /// One or more fields are invalid.
    #[error("invalid input ({} fields)", .0.len())]
    Validation(Vec<FieldError>),
    /// No valid session: missing, malformed, tampered, expired or revoked token, or a
    /// sign-in link that cannot be used. The reason goes to the log only.
    #[error("unauthenticated: {0}")]
    Unauthorized(&'static str),
    /// Signed in, but without the role the action needs.
    #[error("forbidden")]
    Forbidden,
    /// The action conflicts with the current state.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The action does not fit the current state of a help request or of one of its
    /// proposals: a `409` with a specific code and the request's current state.
    #[error("invalid state ({code}): {detail}")]
    InvalidState {
        /// Stable code, e.g. `invalid_transition`, `proposal_expired`, `at_capacity`.
        code: &'static str,
        /// What is wrong, in French.
        detail: String,
        /// The request's state now, when the problem is about one request.
        current_status: Option<String>,
        /// Items of a batch that no longer fit.
        errors: Vec<FieldError>,
    },
    /// Too many attempts; retry after the given delay.
    #[error("rate limited")]
    TooManyRequests {
        /// Seconds to wait.
        retry_after_secs: u64,
    },
    /// The database does not answer.
    #[error("database unavailable: {0}")]
    Unavailable(StoreError),
    /// A storage error.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Any other failure of ours; the cause goes to the log.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<entraide_notifier::NotifierError> for ApiError {
    fn from(error: entraide_notifier::NotifierError) -> Self {
        match error {
            entraide_notifier::NotifierError::Store(store) => ApiError::Store(store),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(error: diesel::result::Error) -> Self {
        ApiError::Store(error.into())
    }
}

impl ApiError {
    /// A validation error on one field.
    pub fn invalid(path: &str, error: &ValidationError) -> Self {
        ApiError::Validation(vec![FieldError::new(path, error)])
    }

    fn code(&self) -> &'static str {
        match self {
            ApiError::NotFound | ApiError::Store(StoreError::NotFound) => "not_found",
            ApiError::NoRoute => "route_not_found",
            ApiError::BadRequest(_) => "malformed_request",
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::PayloadTooLarge => "payload_too_large",
            ApiError::Validation(_) => "validation_failed",
            ApiError::Unauthorized(_) => "unauthenticated",
            ApiError::Forbidden => "forbidden",
            ApiError::Conflict(_) | ApiError::Store(StoreError::Conflict(_)) => "conflict",
            ApiError::InvalidState { code, .. } => code,
            ApiError::TooManyRequests { .. } => "rate_limited",
            ApiError::Unavailable(_)
            | ApiError::Store(StoreError::Pool(_) | StoreError::Unavailable(_)) => "unavailable",
            ApiError::Store(_) | ApiError::Internal(_) => "internal",
        }
    }

    fn title(&self) -> &'static str {
        match self.status_code() {
            StatusCode::BAD_REQUEST => "Requête mal formée",
            StatusCode::UNAUTHORIZED => "Connexion requise",
            StatusCode::FORBIDDEN => "Accès refusé",
            StatusCode::NOT_FOUND => "Ressource introuvable",
            StatusCode::CONFLICT => "Conflit avec l'état actuel",
            StatusCode::PAYLOAD_TOO_LARGE => "Requête trop volumineuse",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "Type de contenu non pris en charge",
            StatusCode::UNPROCESSABLE_ENTITY => "Données invalides",
            StatusCode::TOO_MANY_REQUESTS => "Trop de tentatives",
            StatusCode::SERVICE_UNAVAILABLE => "Service momentanément indisponible",
            _ => "Erreur interne",
        }
    }

    fn detail(&self) -> Option<String> {
        let text = match self {
            ApiError::NotFound | ApiError::Store(StoreError::NotFound) => {
                "Cette ressource n'existe pas ou ne vous est pas accessible."
            }
            ApiError::NoRoute => "Aucune ressource ne correspond à cette adresse et à cette méthode.",
            ApiError::BadRequest(reason) => return Some(reason.clone()),
            ApiError::UnsupportedMediaType => "Le corps de la requête doit être du JSON (Content-Type: application/json).",
            ApiError::PayloadTooLarge => "Le corps de la requête dépasse la taille autorisée.",
            ApiError::Validation(_) => "Certains champs sont invalides : voir la liste des erreurs.",
            ApiError::Unauthorized(_) => "Session absente, expirée ou révoquée, ou lien de connexion invalide : reconnectez-vous.",
            ApiError::Forbidden => "Votre rôle ne permet pas cette action.",
            ApiError::Conflict(reason) => return Some(reason.clone()),
            ApiError::InvalidState { detail, .. } => return Some(detail.clone()),
            ApiError::Store(StoreError::Conflict(_)) => "Cette action entre en conflit avec des données existantes.",
            ApiError::TooManyRequests { retry_after_secs } => {
                return Some(format!(
                    "Trop de tentatives : réessayez dans {retry_after_secs} secondes."
                ))
            }
            ApiError::Unavailable(_)
            | ApiError::Store(StoreError::Pool(_) | StoreError::Unavailable(_)) => {
                "La base de données ne répond pas ; réessayez dans un instant."
            }
            ApiError::Store(_) | ApiError::Internal(_) => return None,
        };
        Some(text.to_owned())
    }

    /// The body sent to the client: never the internal cause.
    pub fn problem(&self) -> Problem {
        Problem {
            kind: format!("https://entraide.anap.fr/problems/{}", self.code()),
            title: self.title().to_owned(),
            status: self.status_code().as_u16(),
            detail: self.detail(),
            code: self.code().to_owned(),
            errors: match self {
                ApiError::Validation(errors) | ApiError::InvalidState { errors, .. } => {
                    errors.clone()
                }
                _ => Vec::new(),
            },
            current_status: match self {
                ApiError::InvalidState { current_status, .. } => current_status.clone(),
                _ => None,
            },
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::NotFound | ApiError::NoRoute | ApiError::Store(StoreError::NotFound) => {
                StatusCode::NOT_FOUND
            }
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::Conflict(_)
            | ApiError::InvalidState { .. }
            | ApiError::Store(StoreError::Conflict(_)) => StatusCode::CONFLICT,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_)
            | ApiError::Store(StoreError::Pool(_) | StoreError::Unavailable(_)) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ApiError::Store(_) | ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            // The cause goes to the log, never to the client.
            tracing::error!(error = %self, status = status.as_u16(), "request failed");
        } else if let ApiError::Unauthorized(reason) = self {
            tracing::info!(reason, "request refused: not authenticated");
        }
        let mut response = HttpResponse::build(status);
        response.content_type(PROBLEM_JSON);
        match self {
            ApiError::Unauthorized(_) => {
                response.insert_header((
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"entraide\", error=\"invalid_token\""),
                ));
            }
            ApiError::TooManyRequests { retry_after_secs } => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            _ => {}
        }
        response.json(self.problem())
    }
}
