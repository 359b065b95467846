//! Session tokens: HS256 JWTs with the algorithm pinned and every claim checked.

use std::fmt;

use chrono::{DateTime, Utc};
use entraide_core::Role;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The signing key; never printed.
#[derive(Clone)]
pub struct JwtSecret(Vec<u8>);

impl JwtSecret {
    /// Shortest accepted key, in bytes (HS256 wants at least its output size).
    pub const MIN_LEN: usize = 32;

    /// Wraps key bytes; refuses keys shorter than [`Self::MIN_LEN`].
    pub fn new(bytes: Vec<u8>) -> Result<Self, String> {
        if bytes.len() < Self::MIN_LEN {
            return Err(format!(
                "the key has {} bytes; at least {} are needed",
                bytes.len(),
                Self::MIN_LEN
            ));
        }
        Ok(Self(bytes))
    }

    /// The key bytes.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for JwtSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JwtSecret(***)")
    }
}

/// What a session token says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Issuer: the service's public URL.
    pub iss: String,
    /// Audience: [`super::API_AUDIENCE`].
    pub aud: String,
    /// The user's id.
    pub sub: Uuid,
    /// Roles at sign-in (informative: each request re-reads them from the database).
    pub roles: Vec<Role>,
    /// Session id, recorded in the database.
    pub jti: Uuid,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Not valid before.
    pub nbf: i64,
    /// Expires at.
    pub exp: i64,
}

/// Encoding and decoding keys with the validation rules, built once at start.
#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
}

impl fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtKeys")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

impl JwtKeys {
    /// Keys for tokens issued by `issuer` for `audience`.
    pub fn new(secret: &JwtSecret, issuer: &str, audience: &str) -> Self {
        // Only HS256: a token announcing `none` or any other algorithm is refused.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        // Validity is checked in `verify` against the service's clock (a test clock in
        // tests), not the system clock jsonwebtoken would use.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        Self {
            encoding: EncodingKey::from_secret(secret.expose()),
            decoding: DecodingKey::from_secret(secret.expose()),
            validation,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
        }
    }

    /// Signs a token for a session.
    pub fn issue(
        &self,
        user_id: Uuid,
        roles: Vec<Role>,
        session_id: Uuid,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: user_id,
            roles,
            jti: session_id,
            iat: now.timestamp(),
            nbf: now.timestamp(),
            exp: expires_at.timestamp(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
    }

    /// Checks signature, algorithm, issuer, audience, and the validity period at `now`
    /// (with 30 seconds of leeway for clocks that differ between servers).
    pub fn verify(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<Claims, jsonwebtoken::errors::Error> {
        use jsonwebtoken::errors::{Error, ErrorKind};
        const LEEWAY_SECS: i64 = 30;
        let claims =
            jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)?.claims;
        let now = now.timestamp();
        if claims.exp <= now - LEEWAY_SECS {
            return Err(Error::from(ErrorKind::ExpiredSignature));
        }
        if claims.nbf > now + LEEWAY_SECS {
            return Err(Error::from(ErrorKind::ImmatureSignature));
        }
        Ok(claims)
    }
}
