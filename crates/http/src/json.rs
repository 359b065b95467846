//! The JSON body extractor of the API: content type, size limit, and errors that say
//! which field is wrong and why (as problem details), never a bare 400.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{FromRequest, HttpRequest};
use serde::de::DeserializeOwned;

use crate::problem::FieldError;
use crate::ApiError;

/// Largest JSON body accepted (a help request with a 4,000-character description fits
/// many times over).
pub const MAX_JSON_BODY: usize = 64 * 1024;

/// A request body parsed from JSON into `T`, with validation errors mapped to `422`.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    /// The parsed value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

fn is_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(|mime| {
            let mime = mime.trim().to_ascii_lowercase();
            mime == "application/json"
                || (mime.starts_with("application/") && mime.ends_with("+json"))
        })
        .unwrap_or(false)
}

/// serde_json's message without its " at line L column C" suffix, which means nothing
/// to the person who filled a form.
fn without_position(message: &str) -> &str {
    message
        .rfind(" at line ")
        .map(|at| &message[..at])
        .unwrap_or(message)
}

/// Turns a JSON JSON pointer-like path from serde_path_to_error (`contact.email`,
/// `themes[0]`) into a JSON pointer (`/contact/email`, `/themes/0`).
fn pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        out.push('/');
        match segment {
            Segment::Seq { index } => out.push_str(&index.to_string()),
            Segment::Map { key } => out.push_str(key),
            Segment::Enum { variant } => out.push_str(variant),
            Segment::Unknown => out.push('?'),
        }
    }
    out
}

/// Parses a JSON body into `T`; shared by the extractor and by tests.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let deserializer = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let path = pointer(error.path());
        let inner = error.inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                let message = without_position(&inner.to_string()).to_owned();
                let code = if message.starts_with("unknown field") {
                    "field.unknown"
                } else if message.starts_with("missing field") {
                    "field.missing"
                } else {
                    "field.invalid"
                };
                ApiError::Validation(vec![FieldError {
                    path,
                    code: code.to_owned(),
                    message: french_serde_message(&message),
                }])
            }
            _ => ApiError::BadRequest(format!(
                "Le corps de la requête n'est pas du JSON valide ({}).",
                inner
            )),
        }
    })
}

/// Our own validation messages are already French; serde's generic ones are translated
/// in their common forms.
fn french_serde_message(message: &str) -> String {
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let field = rest.split(',').next().unwrap_or(rest);
        return format!("Champ inconnu : {field}.");
    }
    if let Some(rest) = message.strip_prefix("missing field ") {
        return format!("Champ obligatoire manquant : {rest}.");
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        return format!("Type de valeur incorrect ({rest}).");
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        return format!("Valeur inconnue : {rest}.");
    }
    message.to_owned()
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = is_json(req);
        let declared_length = req
            .headers()
            .get(actix_web::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if !json {
                return Err(ApiError::UnsupportedMediaType);
            }
            if declared_length.is_some_and(|length| length > MAX_JSON_BODY) {
                return Err(ApiError::PayloadTooLarge);
            }
            let body = read_limited(&mut payload, MAX_JSON_BODY).await?;
            parse_json(&body).map(Json)
        })
    }
}

/// Reads the body, failing as soon as it passes `limit` bytes.
async fn read_limited(payload: &mut Payload, limit: usize) -> Result<Bytes, ApiError> {
    use futures_util::StreamExt;
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk
            .map_err(|e| ApiError::BadRequest(format!("Corps de requête illisible ({e}).")))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Form {
        email: entraide_core::Email,
        themes: Vec<entraide_core::ThemeId>,
    }

    fn errors(body: &str) -> Vec<FieldError> {
        match parse_json::<Form>(body.as_bytes()) {
            Err(ApiError::Validation(errors)) => errors,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn invalid_values_name_the_field_in_french() {
        let errors = errors(r#"{"email": "pas-une-adresse", "themes": []}"#);
        assert_eq!(errors[0].path, "/email");
        assert!(errors[0].message.contains("adresse"), "{errors:?}");

        let errors = super::tests::errors(r#"{"email": "a@b.fr", "themes": ["ok", "Pas Bon"]}"#);
        assert_eq!(errors[0].path, "/themes/1");
    }

    #[test]
    fn unknown_and_missing_fields_are_named() {
        let errors = errors(r#"{"email": "a@b.fr", "themes": [], "admin": true}"#);
        assert_eq!(errors[0].code, "field.unknown");
        assert!(errors[0].message.contains("admin"), "{errors:?}");
        let errors = super::tests::errors(r#"{"themes": []}"#);
        assert_eq!(errors[0].code, "field.missing");
        assert!(errors[0].message.contains("email"), "{errors:?}");
    }

    #[test]
    fn broken_json_is_a_bad_request() {
        assert!(matches!(
            parse_json::<Form>(b"{\"email\": "),
            Err(ApiError::BadRequest(_))
        ));
    }
}
