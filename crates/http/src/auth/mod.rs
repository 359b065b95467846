//! Sign-in by e-mailed link, JWT sessions recorded in the database, roles, and the
//! rate limits that protect the public endpoints.

mod extract;
mod jwt;
mod rate_limit;
mod routes;
mod token;

pub use extract::{
    session_user, Authenticated, Requester, SessionCache, Staff, StaffToken, Volunteer,
};
pub use jwt::{Claims, JwtKeys, JwtSecret};
pub use rate_limit::{RateLimitSettings, RateLimits};
pub use routes::{configure, configure_users, issue_sign_in_link, sign_in_link};
pub use token::{hash_sign_in_token, new_sign_in_token};

use std::time::Duration;

/// Settings of sign-in and sessions.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// Key signing session tokens (HS256).
    pub jwt_secret: JwtSecret,
    /// `iss` of issued tokens: the service's public URL.
    pub issuer: String,
    /// `aud` of issued tokens.
    pub audience: String,
    /// How long a session lasts.
    pub session_ttl: Duration,
    /// How long an e-mailed sign-in link stays valid.
    pub sign_in_link_ttl: Duration,
}

/// Audience of the API's session tokens.
pub const API_AUDIENCE: &str = "entraide-api";

/// Path of the web client's page that exchanges a sign-in link for a session.
pub const SIGN_IN_PAGE: &str = "/connexion";
