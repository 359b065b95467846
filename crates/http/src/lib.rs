//! The actix-web application of entraide: routes, error mapping and the server.

mod api_requests;
mod api_volunteers;
pub mod auth;
mod bilan;
pub mod cases;
mod health;
pub mod json;
pub mod matching;
pub mod metrics;
pub mod openapi;
pub mod page;
pub mod privacy;
mod problem;
mod reference;
mod server;
#[cfg(feature = "testing")]
pub mod testing;

pub use problem::{ApiError, FieldError, Problem, PROBLEM_JSON};
pub use server::{build_server, HttpSettings, RunningServer, REQUEST_ID_HEADER};

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use actix_web::HttpRequest;
use entraide_store::{Clock, Store};

use crate::auth::{AuthSettings, JwtKeys, RateLimitSettings, RateLimits};

/// Settings of the application itself (as opposed to how it listens).
#[derive(Debug, Clone)]
pub struct AppSettings {
    /// Public base URL, used in links sent by e-mail (no trailing slash).
    pub public_url: String,
    /// Sign-in and sessions.
    pub auth: AuthSettings,
    /// Allowances of the rate limiters.
    pub rate_limits: RateLimitSettings,
    /// Weights of the matching score.
    pub matching_weights: entraide_matching::Weights,
    /// Who may read `/metrics`.
    pub metrics_access: metrics::MetricsAccess,
    /// Waves, expiry, reminders and closing of cases.
    pub cases: cases::CaseSettings,
    /// Scheme start (the bilan's default period) and the public bilan's threshold.
    pub bilan: entraide_bilan::BilanSettings,
}

/// Why the application state could not be built from its settings.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// Invalid matching weights.
    #[error("matching weights: {0}")]
    Matching(#[from] entraide_matching::MatchingError),
    /// The metrics registry refused a collector (a bug).
    #[error("metrics: {0}")]
    Metrics(#[from] prometheus::Error),
    /// The thread that follows other processes' changes could not start.
    #[error("change listener: {0}")]
    Changes(#[from] entraide_store::StoreError),
}

/// What every handler can reach; built once and shared by all workers.
#[derive(Debug)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// The time source (a manual clock in tests).
    pub clock: Arc<dyn Clock>,
    /// Session token keys.
    pub jwt: JwtKeys,
    /// Sign-in settings.
    pub auth: AuthSettings,
    /// Rate limiters of this process.
    pub limits: RateLimits,
    /// Sessions checked recently (PostgreSQL only).
    pub sessions: auth::SessionCache,
    /// Public base URL.
    pub public_url: String,
    /// The matcher and the in-memory index of volunteer profiles.
    pub matching: matching::MatchingService,
    /// Prometheus collectors of this process.
    pub metrics: metrics::Metrics,
    /// Waves, expiry, reminders and closing of cases.
    pub cases: cases::CaseSettings,
    /// Submitted requests waiting for their first wave in this process.
    pub first_waves: cases::FirstWaveQueue,
    /// Scheme start (the bilan's default period) and the public bilan's threshold.
    pub bilan: entraide_bilan::BilanSettings,
}

impl AppState {
    /// Builds the state from its settings (refused when the matching weights are invalid).
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        settings: &AppSettings,
    ) -> Result<Self, StateError> {
        // On PostgreSQL, what other processes change reaches this one's caches.
        store.listen_for_changes()?;
        let changes = store.changes().clone();
        Ok(Self {
            sessions: auth::SessionCache::new(changes.clone()),
            matching: matching::MatchingService::new(settings.matching_weights, changes)?,
            store,
            clock,
            jwt: JwtKeys::new(
                &settings.auth.jwt_secret,
                &settings.auth.issuer,
                &settings.auth.audience,
            ),
            auth: settings.auth.clone(),
            limits: RateLimits::new(&settings.rate_limits),
            public_url: settings.public_url.clone(),
            metrics: metrics::Metrics::new(settings.metrics_access.clone())?,
            cases: settings.cases.clone(),
            first_waves: cases::FirstWaveQueue::default(),
            bilan: settings.bilan,
        })
    }
}

/// The client's address as the server sees it. Forwarded headers are ignored on purpose:
/// anyone can send them, and rate limits keyed on them could be dodged.
pub fn client_ip(req: &HttpRequest) -> IpAddr {
    req.peer_addr()
        .map(|addr| addr.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// Registers every route of the API; the OpenAPI document is collected from the same
/// calls, so a route cannot be served without being documented.
///
/// Every prefix is declared here, once: actix gives a request to the first scope whose
/// prefix matches and never tries the next one, so two modules must never open scopes
/// with the same prefix, and the catch-all `/api/v1` scope comes last.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    use utoipa_actix_web::scope::scope;
    health::configure(cfg);
    metrics::configure(cfg);
    cfg.service(scope("/api/v1/auth").configure(auth::configure))
        .service(
            scope("/api/v1/users")
                .configure(auth::configure_users)
                .configure(privacy::configure_users),
        )
        .service(scope("/api/v1/me").configure(privacy::configure_me))
        .service(scope("/api/v1/applications").configure(api_volunteers::configure_applications))
        .service(scope("/api/v1/volunteers").configure(api_volunteers::configure_volunteers))
        .service(
            scope("/api/v1/requests")
                .configure(api_requests::configure_requests)
                .configure(matching::configure_requests)
                .configure(cases::configure_requests),
        )
        .service(scope("/api/v1/establishments").configure(api_requests::configure_establishments))
        .service(
            scope("/api/v1/assignments")
                .configure(matching::configure_assignments)
                .configure(cases::configure_assignments),
        )
        .service(scope("/api/v1/proposals").configure(cases::configure_proposals))
        .service(scope("/api/v1/cases").configure(cases::configure_cases))
        .service(scope("/api/v1/bilan").configure(bilan::configure))
        .service(scope("/api/v1").configure(reference::configure));
}
