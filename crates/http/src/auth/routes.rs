//! `/api/v1/auth/*` and staff revocation.

use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use entraide_core::{Email, Role};
use entraide_notifier::messages::SignInLink;
use entraide_store::users::{self, Session, User};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::{hash_sign_in_token, new_sign_in_token, Authenticated, Staff, SIGN_IN_PAGE};
use crate::json::Json;
use crate::{client_ip, ApiError, AppState, Problem};

/// Registers `/api/v1/auth/*` (the scope is made in `crate::configure`).
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(sign_in)
        .service(create_session)
        .service(sign_out)
        .service(me)
        .service(list_sessions)
        .service(revoke_session);
}

/// Registers `/api/v1/users/*`.
pub fn configure_users(cfg: &mut ServiceConfig) {
    cfg.service(revoke_user_sessions);
}

/// A person as the API shows them to themselves and to staff.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    /// Stable id.
    pub id: Uuid,
    /// Address the person signs in with.
    #[schema(value_type = String, format = "email", example = "marie.durand@chu-exemple.fr")]
    pub email: String,
    /// Display name.
    #[schema(example = "Marie Durand")]
    pub name: Option<String>,
    /// Roles held.
    pub roles: Vec<Role>,
}

impl From<User> for UserView {
    fn from(user: User) -> Self {
        Self {
            id: user.id,
            email: user.email,
            name: user.name,
            roles: user.roles,
        }
    }
}

/// A session, for "my sessions" lists.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    /// The session id (the token's `jti`).
    pub id: Uuid,
    /// Owner.
    pub user_id: Uuid,
    /// Start (UTC).
    pub created_at: NaiveDateTime,
    /// End unless revoked before (UTC).
    pub expires_at: NaiveDateTime,
    /// Set by sign-out or revocation (UTC).
    pub revoked_at: Option<NaiveDateTime>,
}

impl From<Session> for SessionView {
    fn from(session: Session) -> Self {
        Self {
            id: session.id,
            user_id: session.user_id,
            created_at: session.created_at,
            expires_at: session.expires_at,
            revoked_at: session.revoked_at,
        }
    }
}

/// Body of `POST /api/v1/auth/sign-in`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInBody {
    /// Address to send the link to.
    pub email: Email,
}

/// The one answer to a sign-in request, whether the address is known or not.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignInAccepted {
    /// What happens next, in French.
    #[schema(
        example = "Si cette adresse est connue, un lien de connexion valable 15 minutes vient d'y être envoyé."
    )]
    pub message: &'static str,
}

const SIGN_IN_ACCEPTED: &str =
    "Si cette adresse est connue, un lien de connexion valable 15 minutes vient d'y être envoyé.";

/// The link a person follows to sign in; the token travels in the fragment so that it
/// never reaches server logs or `Referer` headers.
pub fn sign_in_link(public_url: &str, token: &str) -> String {
    format!("{public_url}{SIGN_IN_PAGE}#token={token}")
}

/// Creates a one-time sign-in link for `user` and returns it (the token is stored hashed).
/// Shared by the e-mail flow, `entraide staff add` and tests.
pub fn issue_sign_in_link(
    conn: &mut entraide_store::DbConnection,
    state: &AppState,
    user: &User,
) -> Result<String, ApiError> {
    let token = new_sign_in_token();
    let now = state.clock.now();
    let expires_at = now + to_delta(state.auth.sign_in_link_ttl);
    users::create_sign_in_token(conn, user.id, &hash_sign_in_token(&token), now, expires_at)?;
    Ok(sign_in_link(&state.public_url, &token))
}

fn to_delta(duration: std::time::Duration) -> TimeDelta {
    TimeDelta::from_std(duration).unwrap_or(TimeDelta::MAX)
}

/// Ask for a sign-in link by e-mail.
///
/// The answer is the same whether the address is known or not, so that it reveals nothing.
/// Limited per IP address and per e-mail address.
#[utoipa::path(
    tag = "auth",
    request_body = SignInBody,
    responses(
        (status = 202, description = "Request taken into account.", body = SignInAccepted),
        (status = 400, description = "Malformed JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid e-mail address.", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts; see `Retry-After`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/sign-in")]
async fn sign_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<SignInBody>,
) -> Result<HttpResponse, ApiError> {
    let email = body.into_inner().email;
    state.limits.sign_in(client_ip(&req), email.as_str())?;
    let worker = state.clone();
    state
        .store
        .run(move |conn| {
            // Reads, then writes: on SQLite only a transaction that takes the write lock
            // first survives another connection writing in between (see `write_transaction`).
            entraide_store::write_transaction(conn, |conn| {
                let Some(user) = users::find_by_email(conn, &email)? else {
                    return Ok::<_, ApiError>(());
                };
                if user.disabled_at.is_some() {
                    return Ok(());
                }
                let now = worker.clock.now();
                let link = issue_sign_in_link(conn, &worker, &user)?;
                let message = SignInLink {
                    recipient_name: user.name.clone(),
                    link,
                    valid_minutes: (worker.auth.sign_in_link_ttl.as_secs() / 60) as u32,
                };
                entraide_notifier::queue_at(conn, &email, &message, now)?;
                tracing::info!(user_id = %user.id, "sign-in link queued");
                Ok(())
            })
        })
        .await?;
    Ok(HttpResponse::Accepted().json(SignInAccepted {
        message: SIGN_IN_ACCEPTED,
    }))
}

/// Body of `POST /api/v1/auth/session`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionBody {
    /// The token from the e-mailed link (after `#token=`).
    pub token: String,
}

/// A new session.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionCreated {
    /// JWT to send as `Authorization: Bearer …`.
    pub access_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// When the session ends.
    pub expires_at: DateTime<Utc>,
    /// Who signed in.
    pub user: UserView,
}

/// Exchange a sign-in link for a session.
///
/// A link works once, for 15 minutes.
#[utoipa::path(
    tag = "auth",
    request_body = SessionBody,
    responses(
        (status = 200, description = "Session opened.", body = SessionCreated),
        (status = 401, description = "Link unknown, already used or expired.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid body.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/session")]
async fn create_session(
    state: web::Data<AppState>,
    body: Json<SessionBody>,
) -> Result<HttpResponse, ApiError> {
    let token_hash = hash_sign_in_token(&body.into_inner().token);
    let now_utc = state.clock.now_utc();
    let now = state.clock.now();
    let expires_at = now_utc + to_delta(state.auth.session_ttl);
    let session_id = Uuid::new_v4();
    let user = state
        .store
        .run(move |conn| {
            // Reads the token, then writes: see `write_transaction`.
            entraide_store::write_transaction(conn, |conn| {
                let user = users::consume_sign_in_token(conn, &token_hash, now)?.ok_or(
                    ApiError::Unauthorized("sign-in link unknown, used or expired"),
                )?;
                users::create_session(conn, session_id, user.id, now, expires_at.naive_utc())?;
                Ok::<_, ApiError>(user)
            })
        })
        .await?;
    let access_token = state
        .jwt
        .issue(user.id, user.roles.clone(), session_id, now_utc, expires_at)
        .map_err(|e| ApiError::Internal(format!("signing a session token: {e}")))?;
    tracing::info!(user_id = %user.id, session_id = %session_id, "session opened");
    Ok(HttpResponse::Ok().json(SessionCreated {
        access_token,
        token_type: "Bearer",
        expires_at,
        user: user.into(),
    }))
}

/// End the current session.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Session ended."),
        (status = 401, description = "No valid session.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/sign-out")]
async fn sign_out(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now();
    let visibility = auth.visibility();
    let session_id = auth.session_id;
    state
        .store
        .run(move |conn| users::revoke_session(conn, visibility, session_id, now))
        .await
        .map_err(ApiError::from)?;
    tracing::info!(user_id = %auth.user.id, session_id = %session_id, "signed out");
    Ok(HttpResponse::NoContent().finish())
}

/// Who is signed in.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The signed-in person.", body = UserView),
        (status = 401, description = "No valid session.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me")]
async fn me(auth: Authenticated) -> web::Json<UserView> {
    web::Json(auth.user.into())
}

/// Query of `GET /api/v1/auth/sessions`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SessionsQuery {
    /// Whose sessions (staff only; default: the caller's).
    pub user_id: Option<Uuid>,
}

/// List sessions: one's own, or anyone's for staff.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    params(SessionsQuery),
    responses(
        (status = 200, description = "Sessions, newest first.", body = Vec<SessionView>),
        (status = 401, description = "No valid session.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such person visible to the caller.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/sessions")]
async fn list_sessions(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: web::Query<SessionsQuery>,
) -> Result<web::Json<Vec<SessionView>>, ApiError> {
    let user_id = query.user_id.unwrap_or(auth.user.id);
    let visibility = auth.visibility();
    let sessions = state
        .store
        .run(move |conn| users::list_sessions(conn, visibility, user_id))
        .await
        .map_err(ApiError::from)?;
    Ok(web::Json(
        sessions.into_iter().map(SessionView::from).collect(),
    ))
}

/// End one session: one's own, or anyone's for staff.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Session id")),
    responses(
        (status = 204, description = "Session ended (or already ended)."),
        (status = 401, description = "No valid session.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such session visible to the caller.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/sessions/{id}")]
async fn revoke_session(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now();
    let visibility = auth.visibility();
    let session_id = path.into_inner();
    state
        .store
        .run(move |conn| users::revoke_session(conn, visibility, session_id, now))
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::NoContent().finish())
}

/// Answer of a staff revocation.
#[derive(Debug, Serialize, ToSchema)]
pub struct Revoked {
    /// Sessions ended.
    pub revoked: usize,
}

/// End every session of a person (staff).
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "User id")),
    responses(
        (status = 200, description = "Sessions ended.", body = Revoked),
        (status = 401, description = "No valid session.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Staff only.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/{id}/sessions/revoke")]
async fn revoke_user_sessions(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<Uuid>,
) -> Result<web::Json<Revoked>, ApiError> {
    let now = state.clock.now();
    let user_id = path.into_inner();
    let revoked = state
        .store
        .run(move |conn| {
            users::get(conn, user_id)?;
            users::revoke_all_sessions(conn, user_id, now)
        })
        .await
        .map_err(ApiError::from)?;
    tracing::info!(staff_id = %staff.0.user.id, %user_id, revoked, "sessions revoked by staff");
    Ok(web::Json(Revoked { revoked }))
}
