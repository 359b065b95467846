//! Personal data (issue 10): a person downloads everything the service holds about them
//! (`GET /api/v1/me/data`) and asks for its erasure (`POST /api/v1/me/erase`); staff do
//! the same for a person on request (`/api/v1/users/{id}/data`, `/api/v1/users/{id}/erase`).
//!
//! An erasure first takes the person out of matching, hands their open work back (a case
//! they hold goes back to matching, as a staff reopening does; a proposal waiting for
//! their answer is declined; their own requests still waiting for help are cancelled),
//! then removes their identity in one write transaction
//! ([`entraide_store::privacy::erase_person`]). See `docs/privacy.md`.

use std::sync::Arc;
use std::time::Duration;

use actix_web::{get, post, web};
use chrono::NaiveDateTime;
use entraide_store::privacy::{
    self, AccountFate, ErasureReport, PersonalData, PurgeMode, PurgeReport, RetentionSettings,
};
use entraide_store::requests::CancelOutcome;
use entraide_store::{write_transaction, Clock, DbConnection, Store, StoreError, Visibility};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::{Authenticated, Staff};
use crate::cases::flow;
use crate::json::Json;
use crate::{ApiError, AppState, FieldError, Problem};

/// What the confirmation field must say.
pub const ERASE_CONFIRMATION: &str = "EFFACER";

/// Registers `/api/v1/me/*`.
pub(crate) fn configure_me(cfg: &mut ServiceConfig) {
    cfg.service(my_data).service(erase_me);
}

/// Registers the staff routes under `/api/v1/users`.
pub(crate) fn configure_users(cfg: &mut ServiceConfig) {
    cfg.service(user_data).service(erase_user);
}

/// The shape of the export, for the API document: the JSON is
/// [`entraide_store::privacy::PersonalData`] (a test checks that the keys agree).
#[derive(Debug, ToSchema)]
#[schema(as = PersonalData)]
#[allow(dead_code)] // Never built: it documents the JSON that `PersonalData` serializes.
pub struct PersonalDataDoc {
    /// When the export was made (UTC).
    generated_at: NaiveDateTime,
    /// The account: id, e-mail address, name, creation, last change, disabling, erasure.
    #[schema(value_type = Object)]
    user: serde_json::Value,
    /// Roles held (`staff`, `volunteer`, `requester`), since when.
    #[schema(value_type = Vec<Object>)]
    roles: Vec<serde_json::Value>,
    /// Sign-in links sent: creation, expiry and use dates (never the token or its hash).
    #[schema(value_type = Vec<Object>)]
    sign_in_links: Vec<serde_json::Value>,
    /// Sessions: start, planned end, sign-out or revocation.
    #[schema(value_type = Vec<Object>)]
    sessions: Vec<serde_json::Value>,
    /// Volunteer applications sent from the person's address, as sent, with staff's
    /// decision and the themes.
    #[schema(value_type = Vec<Object>)]
    applications: Vec<serde_json::Value>,
    /// The volunteer profile with its themes, or `null`.
    #[schema(value_type = Option<Object>)]
    volunteer: Option<serde_json::Value>,
    /// Help requests the person submitted or is the contact of, with the establishment,
    /// the themes and the audit trail.
    #[schema(value_type = Vec<Object>)]
    requests: Vec<serde_json::Value>,
    /// Requests offered to the person as a volunteer, with the matching reasons.
    #[schema(value_type = Vec<Object>)]
    proposals: Vec<serde_json::Value>,
    /// Cases held as a volunteer (`side: volunteer`) or received as a requester
    /// (`side: requester`), with the answer and the rating.
    #[schema(value_type = Vec<Object>)]
    cases: Vec<serde_json::Value>,
    /// Changes the person made to other records: request state changes (with reasons),
    /// application decisions, proposals made by hand.
    #[schema(value_type = Object)]
    actions: serde_json::Value,
    /// E-mails addressed to the person: kind, address, subject, text, state, dates.
    #[schema(value_type = Vec<Object>)]
    emails: Vec<serde_json::Value>,
}

async fn export(state: &AppState, user_id: Uuid) -> Result<PersonalData, ApiError> {
    let now = state.clock.now();
    Ok(state
        .store
        .run(move |conn| privacy::export(conn, user_id, now))
        .await?)
}

/// Download everything the service holds about you, as JSON (GDPR art. 15 and 20):
/// account, roles, sign-in history (dates only), applications, volunteer profile,
/// requests, proposals, cases with their answers and ratings, changes you made, and the
/// e-mails sent to you.
#[utoipa::path(
    tag = "privacy",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Everything held about you.", body = PersonalDataDoc),
        (status = 401, description = "No valid session.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/data")]
async fn my_data(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<web::Json<PersonalData>, ApiError> {
    let data = export(&state, auth.user.id).await?;
    tracing::info!(user_id = %auth.user.id, "personal data exported by its owner");
    Ok(web::Json(data))
}

/// Everything the service holds about a person, as JSON (staff, when the person asks
/// for it by another channel).
#[utoipa::path(
    tag = "privacy",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "User id")),
    responses(
        (status = 200, description = "Everything held about the person.", body = PersonalDataDoc),
        (status = 401, description = "No valid session.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Staff only.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{id}/data")]
async fn user_data(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<Uuid>,
) -> Result<web::Json<PersonalData>, ApiError> {
    let user_id = path.into_inner();
    let data = export(&state, user_id).await?;
    tracing::info!(%user_id, staff_id = %staff.0.user.id, "personal data exported by staff");
    Ok(web::Json(data))
}

/// The confirmation of an erasure.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EraseBody {
    /// Must be `EFFACER` (capital letters): the erasure cannot be undone.
    #[schema(example = "EFFACER")]
    pub confirmation: String,
}

fn confirmed(body: &EraseBody) -> Result<(), ApiError> {
    if body.confirmation.trim() == ERASE_CONFIRMATION {
        Ok(())
    } else {
        Err(ApiError::Validation(vec![FieldError {
            path: "/confirmation".into(),
            code: "erase.confirmation".into(),
            message: format!(
                "Pour confirmer l'effacement, qui est définitif, écrivez « {ERASE_CONFIRMATION} »."
            ),
        }]))
    }
}

/// What happened to the account row.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccountFateView {
    /// Other records point to it: kept, disabled, without e-mail address or name.
    KeptAsShell,
    /// Nothing pointed to it: deleted.
    Deleted,
}

/// What an erasure did, in counts.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErasureView {
    /// The person.
    pub user_id: Uuid,
    /// The person had been erased before; what was left was erased again.
    pub already_erased: bool,
    /// The account row.
    pub account: AccountFateView,
    /// Cases the person held, handed back to matching (proposed to other volunteers, or
    /// `unmatched` for staff when nobody can be asked).
    pub cases_handed_back: usize,
    /// Proposals that waited for the person's answer, declined.
    pub proposals_declined: usize,
    /// The person's requests still waiting for help, cancelled (a volunteer holding one
    /// is told).
    pub requests_cancelled: usize,
    /// Applications made anonymous.
    pub applications: usize,
    /// Whether a volunteer profile was made anonymous.
    pub volunteer_profile: bool,
    /// Requests whose contact details and description were removed.
    pub requests: usize,
    /// Decline reasons removed.
    pub decline_reasons: usize,
    /// Answer summaries removed.
    pub answers: usize,
    /// Rating comments removed.
    pub rating_comments: usize,
    /// Reasons removed from the audit trail.
    pub transition_reasons: usize,
    /// E-mails addressed to the person, deleted.
    pub emails_deleted: usize,
    /// E-mails to others that quoted the person, rewritten.
    pub emails_rewritten: usize,
    /// Other texts that quoted the person, rewritten.
    pub texts_rewritten: usize,
    /// Sessions deleted.
    pub sessions: usize,
    /// Sign-in links deleted.
    pub sign_in_links: usize,
}

/// The open work handed back before an erasure.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HandedBack {
    /// Cases reopened to other volunteers.
    pub cases: usize,
    /// Proposals declined.
    pub proposals: usize,
    /// Requests cancelled.
    pub requests: usize,
}

impl ErasureView {
    fn new(report: ErasureReport, handed_back: HandedBack) -> Self {
        Self {
            user_id: report.user_id,
            already_erased: report.already_erased,
            account: match report.account {
                AccountFate::KeptAsShell => AccountFateView::KeptAsShell,
                AccountFate::Deleted => AccountFateView::Deleted,
            },
            cases_handed_back: handed_back.cases,
            proposals_declined: handed_back.proposals,
            requests_cancelled: handed_back.requests,
            applications: report.applications,
            volunteer_profile: report.volunteer_profile,
            requests: report.requests,
            decline_reasons: report.decline_reasons,
            answers: report.answers,
            rating_comments: report.rating_comments,
            transition_reasons: report.transition_reasons,
            emails_deleted: report.emails_deleted,
            emails_rewritten: report.emails_rewritten,
            texts_rewritten: report.texts_rewritten,
            sessions: report.sessions,
            sign_in_links: report.sign_in_links,
        }
    }
}

/// Why a case goes back to matching, in its audit trail.
const HANDED_BACK_REASON: &str =
    "Le volontaire a demandé l'effacement de ses données : la demande est proposée à d'autres volontaires.";

/// Why a request is cancelled, in its audit trail.
const CANCELLED_REASON: &str = "Le demandeur a demandé l'effacement de ses données.";

/// A step that another change made pointless (the request moved on in between) is not an
/// error: erasure checks afterwards that nothing is left.
fn tolerate_moved(result: Result<(), ApiError>) -> Result<bool, ApiError> {
    match result {
        Ok(()) => Ok(true),
        Err(ApiError::InvalidState { .. }) => Ok(false),
        Err(other) => Err(other),
    }
}

/// Hands the open work of `user_id` back, each change in its own transaction, with the
/// cases engineer's state changes: a held case is reopened to other volunteers (staff's
/// reopening from `accepted`, with `actor` as the actor), a proposal waiting for the
/// person is declined, and the person's own requests still waiting for help are
/// cancelled. The volunteer profile leaves matching first, so that no new proposal
/// reaches them meanwhile.
pub fn hand_back_open_work(
    state: &AppState,
    conn: &mut DbConnection,
    user_id: Uuid,
    actor: Uuid,
    now: NaiveDateTime,
) -> Result<HandedBack, ApiError> {
    write_transaction(conn, |conn| privacy::leave_matching(conn, user_id, now))?;
    let work = privacy::open_work(conn, user_id)?;
    let mut done = HandedBack::default();
    for request_id in work.accepted_cases {
        let reopened = flow::reopen(state, conn, actor, request_id, HANDED_BACK_REASON, now);
        if tolerate_moved(reopened.map(|_| ()))? {
            done.cases += 1;
        }
    }
    for proposal_id in work.pending_proposals {
        let declined = flow::decline(state, conn, user_id, proposal_id, None, now);
        if tolerate_moved(declined.map(|_| ()))? {
            done.proposals += 1;
        }
    }
    for request_id in work.open_requests {
        let outcome = crate::cases::cancel(
            conn,
            Visibility::All,
            request_id,
            actor,
            Some(CANCELLED_REASON),
            now,
        )?;
        if matches!(outcome, CancelOutcome::Cancelled(_)) {
            done.requests += 1;
        }
    }
    Ok(done)
}

/// Erases the person `user_id`: open work handed back ([`hand_back_open_work`]), then
/// their identity removed ([`privacy::erase_person`]). `staff` is the staff member acting
/// on the person's request (`None` when the person erases themselves).
pub fn erase(
    state: &AppState,
    conn: &mut DbConnection,
    user_id: Uuid,
    staff: Option<Uuid>,
    now: NaiveDateTime,
) -> Result<ErasureView, ApiError> {
    // Fails early, before any change, for an unknown person.
    entraide_store::users::get(conn, user_id)?;
    let actor = staff.unwrap_or(user_id);
    let handed_back = hand_back_open_work(state, conn, user_id, actor, now)?;
    let report = write_transaction(conn, |conn| {
        privacy::erase_person(conn, user_id, staff, now)
    })
    .map_err(|error| match error {
        entraide_store::StoreError::Conflict(_) => ApiError::Conflict(
            "Une nouvelle proposition ou demande est arrivée pendant l'effacement : recommencez."
                .into(),
        ),
        other => other.into(),
    })?;
    tracing::info!(
        %user_id,
        staff_id = ?staff,
        cases_handed_back = handed_back.cases,
        proposals_declined = handed_back.proposals,
        requests_cancelled = handed_back.requests,
        applications = report.applications,
        requests = report.requests,
        emails_deleted = report.emails_deleted,
        emails_rewritten = report.emails_rewritten,
        texts_rewritten = report.texts_rewritten,
        account = ?report.account,
        "personal data erased"
    );
    Ok(ErasureView::new(report, handed_back))
}

/// Erase your personal data (GDPR art. 17); send `{"confirmation": "EFFACER"}`. Cases
/// you hold go back to matching, proposals waiting for you are declined, your requests
/// still waiting for help are cancelled; then your name, e-mail address, phone number,
/// presentation and the texts you wrote are removed everywhere, e-mails to you are
/// deleted, and your sessions end. What the bilan counts (role, sector, region, themes,
/// dates, states, answer types) stays as anonymous facts. Cannot be undone.
#[utoipa::path(
    tag = "privacy",
    security(("bearer" = [])),
    request_body = EraseBody,
    responses(
        (status = 200, description = "Erased; the session no longer works.", body = ErasureView),
        (status = 400, description = "Malformed JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid session.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Something new arrived meanwhile; send again.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing or wrong confirmation.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/erase")]
async fn erase_me(
    state: web::Data<AppState>,
    auth: Authenticated,
    body: Json<EraseBody>,
) -> Result<web::Json<ErasureView>, ApiError> {
    confirmed(&body.into_inner())?;
    let user_id = auth.user.id;
    let now = state.clock.now();
    let worker = state.clone();
    let view = state
        .store
        .run(move |conn| erase(&worker, conn, user_id, None, now))
        .await?;
    Ok(web::Json(view))
}

/// Erase a person's personal data on their request (staff); send
/// `{"confirmation": "EFFACER"}`. Same effect as `POST /api/v1/me/erase`.
#[utoipa::path(
    tag = "privacy",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "User id")),
    request_body = EraseBody,
    responses(
        (status = 200, description = "Erased.", body = ErasureView),
        (status = 400, description = "Malformed JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid session.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Staff only.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Something new arrived meanwhile; send again.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing or wrong confirmation.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/{id}/erase")]
async fn erase_user(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<Uuid>,
    body: Json<EraseBody>,
) -> Result<web::Json<ErasureView>, ApiError> {
    confirmed(&body.into_inner())?;
    let user_id = path.into_inner();
    let staff_id = staff.0.user.id;
    let now = state.clock.now();
    let worker = state.clone();
    let view = state
        .store
        .run(move |conn| erase(&worker, conn, user_id, Some(staff_id), now))
        .await?;
    Ok(web::Json(view))
}

// --- The retention purge ---

/// One purge at `now` ([`privacy::purge`]), logged in counts only.
pub fn run_purge(
    store: &Store,
    retention: &RetentionSettings,
    now: NaiveDateTime,
    mode: PurgeMode,
) -> Result<PurgeReport, StoreError> {
    let report = store.run_blocking(|conn| privacy::purge(conn, retention, now, mode))?;
    tracing::info!(
        dry_run = mode == PurgeMode::DryRun,
        rejected_applications = report.rejected_applications,
        inactive_people = report.inactive_people,
        inactive_with_open_work = report.inactive_with_open_work,
        closed_request_contacts = report.closed_request_contacts,
        sent_email_bodies = report.sent_email_bodies,
        sign_in_links = report.sign_in_links,
        sessions = report.sessions,
        "personal data purge"
    );
    Ok(report)
}

/// The running loop of the periodic purge.
#[derive(Debug)]
pub struct PurgeJobHandle {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl PurgeJobHandle {
    /// Asks the loop to stop and waits for the purge under way, if any, to finish.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        if let Err(error) = self.task.await {
            tracing::error!(error = %error, "purge task failed");
        }
    }
}

/// Starts the periodic purge of `entraide serve` on the current tokio runtime: one at
/// start, then one every `interval` (a day by default) on `clock`, until
/// [`PurgeJobHandle::shutdown`]. A failed purge is tried again within ten minutes.
pub fn spawn_periodic_purge(
    store: Store,
    clock: Arc<dyn Clock>,
    retention: RetentionSettings,
    interval: Duration,
) -> PurgeJobHandle {
    let (stop, mut stopped) = watch::channel(false);
    let task = tokio::spawn(async move {
        tracing::info!(
            interval_hours = interval.as_secs() / 3600,
            "personal data purge started"
        );
        let retry = interval.min(Duration::from_secs(600));
        loop {
            if *stopped.borrow() {
                break;
            }
            let now = clock.now();
            let worker = store.clone();
            let done = tokio::task::spawn_blocking(move || {
                run_purge(&worker, &retention, now, PurgeMode::Apply)
            })
            .await;
            let pause = match done {
                Ok(Ok(_)) => interval,
                Ok(Err(error)) => {
                    tracing::warn!(error = %error, "personal data purge failed; will try again");
                    retry
                }
                Err(error) => {
                    tracing::error!(error = %error, "personal data purge task failed");
                    retry
                }
            };
            tokio::select! {
                changed = stopped.changed() => {
                    if changed.is_err() {
                        break;
                    }
                }
                _ = tokio::time::sleep(pause) => {}
            }
        }
        tracing::info!("personal data purge stopped");
    });
    PurgeJobHandle { stop, task }
}
