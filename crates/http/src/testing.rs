//! A real server on a free port over a fresh database, for tests of this crate and of
//! the crates above it.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use diesel::Connection;
use entraide_core::{Email, Role};
use entraide_store::testing::TestDb;
use entraide_store::{users, Clock, ManualClock};

use crate::auth::{AuthSettings, JwtSecret, RateLimitSettings, API_AUDIENCE};
use crate::{build_server, ApiError, AppSettings, AppState, HttpSettings};

/// The signing key of test servers (tests forge tokens with it).
pub const TEST_JWT_SECRET: &[u8] = b"test-secret-test-secret-test-secret-0123456789";

/// Public URL of test servers (the `iss` of their tokens).
pub const TEST_PUBLIC_URL: &str = "http://entraide.test";

/// Settings of a test server; change them before `TestApp::start_with`.
pub fn test_settings() -> AppSettings {
    AppSettings {
        public_url: TEST_PUBLIC_URL.to_owned(),
        auth: AuthSettings {
            jwt_secret: JwtSecret::new(TEST_JWT_SECRET.to_vec())
                .expect("the test key is long enough"),
            issuer: TEST_PUBLIC_URL.to_owned(),
            audience: API_AUDIENCE.to_owned(),
            session_ttl: Duration::from_secs(8 * 3600),
            sign_in_link_ttl: Duration::from_secs(15 * 60),
        },
        rate_limits: RateLimitSettings::default(),
        matching_weights: entraide_matching::Weights::default(),
        metrics_access: crate::metrics::MetricsAccess::Loopback,
        cases: crate::cases::CaseSettings::default(),
        bilan: entraide_bilan::BilanSettings::default(),
    }
}

/// A running application.
#[derive(Debug)]
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The state the server uses (same store and clock).
    pub state: Arc<AppState>,
    /// The server's clock, to move time in tests.
    pub clock: ManualClock,
    /// An HTTP client.
    pub client: reqwest::Client,
}

impl TestApp {
    /// Starts the application with the default test settings. Call from an actix test.
    pub fn start(db: &TestDb) -> TestApp {
        Self::start_with(db, test_settings(), Vec::new())
    }

    /// Starts the application with the given settings and CORS origins.
    pub fn start_with(db: &TestDb, settings: AppSettings, cors_origins: Vec<String>) -> TestApp {
        let clock = ManualClock::new(Utc::now());
        let state = Arc::new(
            AppState::new(db.store(), Arc::new(clock.clone()), &settings)
                .expect("valid test settings"),
        );
        let http = HttpSettings {
            bind: "127.0.0.1:0".parse().expect("a socket address"),
            workers: Some(2),
            shutdown_timeout: Duration::from_secs(1),
            cors_origins,
        };
        let running = build_server(state.clone(), &http).expect("bind a free port");
        actix_web::rt::spawn(running.server);
        TestApp {
            base: format!("http://{}", running.local_addr),
            state,
            clock,
            client: reqwest::Client::new(),
        }
    }

    /// On PostgreSQL, waits until the change listener follows the database, so that what
    /// comes next may be answered from memory; returns at once on SQLite, which caches
    /// nothing. Blocking; panics after 10 s.
    pub fn wait_for_change_listener(&self) {
        if self.state.store.backend() != entraide_store::Backend::Postgres {
            return;
        }
        let started = std::time::Instant::now();
        while self.state.store.changes().stamp().is_none() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "the change listener did not start"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// The absolute URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Creates `email` with `role` (if needed) and returns a one-time sign-in token, as
    /// the e-mailed link would carry it.
    pub fn sign_in_token(&self, email: &str, role: Role) -> String {
        let email = Email::parse(email).expect("a valid test address");
        let now = self.clock.now();
        let state = &self.state;
        let link = state
            .store
            .run_blocking(|conn| {
                conn.transaction(|conn| {
                    let user = users::ensure_user_with_role(conn, &email, Some("Test"), role, now)?;
                    crate::auth::issue_sign_in_link(conn, state, &user)
                })
            })
            .map_err(|e: ApiError| e.to_string())
            .expect("create a sign-in link");
        token_from_link(&link).to_owned()
    }

    /// Signs `email` in with `role` through the API and returns the session token.
    pub async fn sign_in(&self, email: &str, role: Role) -> String {
        let token = self.sign_in_token(email, role);
        let response = self
            .client
            .post(self.url("/api/v1/auth/session"))
            .json(&serde_json::json!({ "token": token }))
            .send()
            .await
            .expect("reach the test server");
        assert_eq!(response.status(), 200, "session refused");
        let body: serde_json::Value = response.json().await.expect("a JSON body");
        body["access_token"]
            .as_str()
            .expect("an access token")
            .to_owned()
    }
}

/// The token carried by a sign-in link (`…/connexion#token=TOKEN`).
pub fn token_from_link(link: &str) -> &str {
    link.rsplit_once("#token=")
        .map(|(_, token)| token)
        .unwrap_or(link)
}
