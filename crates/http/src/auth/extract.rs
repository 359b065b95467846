//! Extractors that make a handler's access rule part of its signature: a handler that
//! takes `Staff` cannot run for anyone else.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{web, FromRequest, HttpRequest};
use chrono::NaiveDateTime;
use entraide_core::Role;
use entraide_store::changes::{ChangeEpoch, EpochCache, Lookups};
use entraide_store::users::{self, User};
use entraide_store::{DbConnection, Visibility};
use uuid::Uuid;

use super::Claims;
use crate::{ApiError, AppState};

/// A person with a valid, unrevoked session. Roles are read from the database on each
/// request, so a change of roles or a revocation takes effect at once.
#[derive(Debug, Clone)]
pub struct Authenticated {
    /// The person.
    pub user: User,
    /// The session behind the token (its `jti`).
    pub session_id: Uuid,
}

impl Authenticated {
    /// What this person may read of objects owned by people: staff see everything,
    /// anyone else only their own. Queries on owned objects take this value, so that an
    /// endpoint cannot forget the check.
    pub fn visibility(&self) -> Visibility {
        if self.user.has_role(Role::Staff) {
            Visibility::All
        } else {
            Visibility::OwnedBy(self.user.id)
        }
    }

    fn require(self, role: Role) -> Result<Self, ApiError> {
        if self.user.has_role(role) {
            Ok(self)
        } else {
            Err(ApiError::Forbidden)
        }
    }
}

fn bearer_token(req: &HttpRequest) -> Result<String, ApiError> {
    let value = req
        .headers()
        .get(AUTHORIZATION)
        .ok_or(ApiError::Unauthorized("no Authorization header"))?
        .to_str()
        .map_err(|_| ApiError::Unauthorized("unreadable Authorization header"))?;
    let (scheme, token) = value
        .split_once(' ')
        .ok_or(ApiError::Unauthorized("malformed Authorization header"))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::Unauthorized("not a bearer token"));
    }
    Ok(token.trim().to_owned())
}

/// Checks a session token's signature and claims (no database).
fn verify(state: &AppState, token: &str) -> Result<Claims, ApiError> {
    state
        .jwt
        .verify(token, state.clock.now_utc())
        .map_err(|error| {
            tracing::debug!(%error, "session token refused");
            ApiError::Unauthorized("invalid session token")
        })
}

/// Sessions checked since the last change to sessions, people or roles (PostgreSQL
/// only, see `entraide_store::changes`): every authenticated request checks its session,
/// and most come with one seen a moment before.
#[derive(Debug)]
pub struct SessionCache(EpochCache<Uuid, Arc<CheckedSession>>);

/// A session found open, its owner and when it expires.
#[derive(Debug)]
struct CheckedSession {
    user: User,
    expires_at: NaiveDateTime,
}

/// Most sessions kept in memory.
const CACHED_SESSIONS: usize = 100_000;

impl SessionCache {
    /// An empty cache that trusts what it holds while `changes` says nothing changed.
    pub fn new(changes: Arc<ChangeEpoch>) -> Self {
        Self(EpochCache::new(changes, CACHED_SESSIONS))
    }

    /// Lookups so far (for `/metrics`).
    pub fn lookups(&self) -> Lookups {
        self.0.lookups()
    }

    /// The session's owner from memory, when the session was found open since the last
    /// change and has not expired since; `None` when the database must be asked.
    fn cached(
        &self,
        claims: &Claims,
        now: NaiveDateTime,
    ) -> Option<Result<Authenticated, ApiError>> {
        let session = self.0.get(&claims.jti)?;
        (now < session.expires_at).then(|| owned_by(claims, Some(session.user.clone())))
    }
}

/// The session's owner if the token's subject is that owner.
fn owned_by(claims: &Claims, user: Option<User>) -> Result<Authenticated, ApiError> {
    let user = user.ok_or(ApiError::Unauthorized(
        "session revoked, expired or unknown",
    ))?;
    if user.id != claims.sub {
        return Err(ApiError::Unauthorized(
            "token subject does not own the session",
        ));
    }
    Ok(Authenticated {
        user,
        session_id: claims.jti,
    })
}

/// The owner of a verified token's session, read from the database on the caller's
/// connection (blocking) and kept in `sessions`; callers ask [`SessionCache::cached`]
/// first. The session must be neither revoked nor expired and its owner not disabled,
/// so that a sign-out or a revocation made by this process takes effect at once, and one
/// made by another process as soon as its notification arrives (within milliseconds).
pub fn session_user(
    conn: &mut DbConnection,
    sessions: &SessionCache,
    claims: &Claims,
    now: NaiveDateTime,
) -> Result<Authenticated, ApiError> {
    let stamp = sessions.0.stamp();
    let found = users::active_session_user(conn, claims.jti, now)?;
    let user = found.map(|(user, expires_at)| {
        if let Some(stamp) = stamp {
            let checked = Arc::new(CheckedSession {
                user: user.clone(),
                expires_at,
            });
            sessions.0.insert(stamp, claims.jti, checked);
        }
        user
    });
    owned_by(claims, user)
}

async fn authenticate(
    state: web::Data<AppState>,
    token: String,
) -> Result<Authenticated, ApiError> {
    let claims = verify(&state, &token)?;
    let now = state.clock.now();
    // From memory on the worker thread when possible: no trip to a blocking thread.
    if let Some(found) = state.sessions.cached(&claims, now) {
        return found;
    }
    let worker = state.clone();
    state
        .store
        .run(move |conn| session_user(conn, &worker.sessions, &claims, now))
        .await
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req);
        Box::pin(async move {
            let state =
                state.ok_or_else(|| ApiError::Internal("application state missing".into()))?;
            authenticate(state, token?).await
        })
    }
}

/// Declares an extractor that admits only holders of one role (`403` for others).
macro_rules! role_extractor {
    ($(#[$meta:meta])* $name:ident, $role:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone)]
        pub struct $name(pub Authenticated);

        impl FromRequest for $name {
            type Error = ApiError;
            type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

            fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
                let authenticated = Authenticated::from_request(req, payload);
                Box::pin(async move { authenticated.await?.require($role).map($name) })
            }
        }
    };
}

role_extractor!(
    /// ANAP staff.
    Staff,
    Role::Staff
);
role_extractor!(
    /// An accepted volunteer.
    Volunteer,
    Role::Volunteer
);
role_extractor!(
    /// The contact person of an establishment that asked for help.
    Requester,
    Role::Requester
);

/// A staff session token whose signature is checked, but whose session and role are not
/// yet: the handler checks them with [`StaffToken::cached`] on its worker or
/// [`StaffToken::confirm`] in its own database task.
///
/// For the hottest staff endpoint (the ranking): the check then costs no extra trip to
/// a blocking thread, and it follows the same rules as every other session check.
#[derive(Debug, Clone)]
pub struct StaffToken(Claims);

impl StaffToken {
    /// The check from memory alone (`None` when the database must be asked).
    pub fn cached(
        &self,
        sessions: &SessionCache,
        now: NaiveDateTime,
    ) -> Option<Result<Staff, ApiError>> {
        sessions
            .cached(&self.0, now)
            .map(|found| found?.require(Role::Staff).map(Staff))
    }

    /// Checks the session in the database and that its owner is staff (`401`, `403`
    /// otherwise), on the caller's connection (blocking): when [`Self::cached`] could
    /// not answer.
    pub fn confirm(
        &self,
        conn: &mut DbConnection,
        sessions: &SessionCache,
        now: NaiveDateTime,
    ) -> Result<Staff, ApiError> {
        session_user(conn, sessions, &self.0, now)?
            .require(Role::Staff)
            .map(Staff)
    }
}

impl FromRequest for StaffToken {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let verified = match req.app_data::<web::Data<AppState>>() {
            Some(state) => bearer_token(req).and_then(|token| verify(state, &token)),
            None => Err(ApiError::Internal("application state missing".into())),
        };
        std::future::ready(verified.map(StaffToken))
    }
}
