//! The endpoints of cases: `/api/v1/proposals` (volunteers answer), `/api/v1/cases`
//! (views of requesters, volunteers and staff), `/api/v1/requests/{id}/...` (staff
//! proposals, answer, rating, closing, reopening, audit trail) and
//! `/api/v1/assignments/confirm` (applying a previewed batch proposal).

use std::collections::HashSet;

use actix_web::{get, post, web, HttpResponse};
use chrono::TimeDelta;
use entraide_core::{bounded_text, AnswerType, Role};
use entraide_store::cases::{
    self as store, Answer, AnswerItem, CaseFilter, Proposal, ProposalFilter, Rating,
};
use entraide_store::requests::{self, RequestStatus};
use entraide_store::{volunteers, DbConnection, Visibility};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::flow::{self, Pair};
use super::views::{CaseView, ProposalStatusView, ProposalView, TransitionView};
use crate::api_requests::StatusView;
use crate::auth::{Authenticated, Requester, Staff, Volunteer};
use crate::json::Json;
use crate::page::{Page, PageQuery};
use crate::{ApiError, AppState, FieldError, Problem};

/// Longest reason (decline, close, reopen).
const REASON_MAX: usize = 1000;
/// Longest answer summary and rating comment.
const TEXT_MAX: usize = 2000;
/// Longest tool name.
const TOOL_NAME_MAX: usize = 200;
/// Longest tool link.
const TOOL_LINK_MAX: usize = 500;
/// Most answer types on one answer.
const ANSWERS_MAX: usize = 10;
/// Most time declared on one answer (100 hours).
const MINUTES_MAX: u32 = 6000;
/// Most pairs confirmed at once: as many as a batch preview holds.
const MAX_BATCH: usize = 2_000;

/// Registers `/api/v1/requests/{id}/...` of cases in the requests scope.
pub fn configure_requests(cfg: &mut ServiceConfig) {
    cfg.service(propose_to_volunteer)
        .service(record_answer)
        .service(rate_case)
        .service(close_case)
        .service(reopen_request)
        .service(list_transitions);
}

/// Registers `/api/v1/proposals/*`.
pub fn configure_proposals(cfg: &mut ServiceConfig) {
    cfg.service(list_proposals)
        .service(read_proposal)
        .service(accept_proposal)
        .service(decline_proposal);
}

/// Registers `/api/v1/cases/*`.
pub fn configure_cases(cfg: &mut ServiceConfig) {
    cfg.service(list_cases).service(read_case);
}

/// Registers `/api/v1/assignments/confirm` in the assignments scope.
pub fn configure_assignments(cfg: &mut ServiceConfig) {
    cfg.service(confirm_assignments);
}

/// An optional free text: blank counts as none.
fn optional_text(
    text: Option<String>,
    max: usize,
    code: &'static str,
    path: &str,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    match text {
        Some(text) if !text.trim().is_empty() => match bounded_text(&text, max, code) {
            Ok(text) => Some(text),
            Err(error) => {
                errors.push(FieldError::new(path, &error));
                None
            }
        },
        _ => None,
    }
}

fn checked<T>(value: T, errors: Vec<FieldError>) -> Result<T, ApiError> {
    if errors.is_empty() {
        Ok(value)
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// The view of a proposal, with its request and the volunteer's name.
fn proposal_view(conn: &mut DbConnection, proposal: Proposal) -> Result<ProposalView, ApiError> {
    let request = requests::get(conn, Visibility::All, proposal.request_id)?;
    let name = volunteers::get(conn, Visibility::All, proposal.volunteer_id)?.name;
    Ok(ProposalView::new(proposal, &request, name))
}

// --- /api/v1/proposals ---

/// Query of proposal lists.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ProposalsQuery {
    /// Only proposals in this state (`pending`: those waiting for an answer).
    pub status: Option<ProposalStatusView>,
    /// Only proposals of this request (staff).
    pub request_id: Option<Uuid>,
    /// Page number, from 1 (default 1).
    #[param(minimum = 1, example = 1)]
    pub page: Option<u32>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub per_page: Option<u32>,
}

/// Who may read proposals: staff (all of them) and volunteers (those addressed to them).
fn proposal_reader(auth: &Authenticated) -> Result<Visibility, ApiError> {
    if auth.user.has_role(Role::Staff) {
        Ok(Visibility::All)
    } else if auth.user.has_role(Role::Volunteer) {
        Ok(Visibility::OwnedBy(auth.user.id))
    } else {
        Err(ApiError::Forbidden)
    }
}

/// List proposals, newest first: a volunteer sees the requests offered to them, with
/// why they were chosen (`?status=pending` for those waiting for an answer); staff see
/// every proposal (`?request_id=` for one request).
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(ProposalsQuery),
    responses(
        (status = 200, description = "One page of proposals.", body = Page<ProposalView>),
        (status = 401, description = "No valid session.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Volunteers and staff only.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid filter or page.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("")]
async fn list_proposals(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: web::Query<ProposalsQuery>,
) -> Result<web::Json<Page<ProposalView>>, ApiError> {
    let visibility = proposal_reader(&auth)?;
    let query = query.into_inner();
    let page = PageQuery {
        page: query.page,
        per_page: query.per_page,
    }
    .validate()?;
    let filter = ProposalFilter {
        status: query.status.map(Into::into),
        request_id: query.request_id,
    };
    let (items, total) = state
        .store
        .run(move |conn| {
            let (proposals, total) =
                store::list_proposals(conn, visibility, filter, page.offset(), page.limit())?;
            let views = proposals
                .into_iter()
                .map(|p| proposal_view(conn, p))
                .collect::<Result<Vec<_>, ApiError>>()?;
            Ok::<_, ApiError>((views, total))
        })
        .await?;
    Ok(web::Json(Page::new(items, page, total)))
}

/// Read one proposal: the volunteer it is addressed to, or staff.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Proposal id")),
    responses(
        (status = 200, description = "The proposal.", body = ProposalView),
        (status = 401, description = "No valid session.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Volunteers and staff only.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such proposal addressed to the caller.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{id}")]
async fn read_proposal(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<web::Json<ProposalView>, ApiError> {
    let visibility = proposal_reader(&auth)?;
    let id = path.into_inner();
    let view = state
        .store
        .run(move |conn| {
            let proposal = store::proposal(conn, visibility, id)?;
            proposal_view(conn, proposal)
        })
        .await?;
    Ok(web::Json(view))
}

/// Accept a proposal addressed to you (volunteer).
///
/// The first acceptance wins: the request becomes `accepted`, every other proposal of it
/// is withdrawn, and both you and the establishment's contact are e-mailed each other's
/// name, role and contact details. Refused with `409` (and the request's
/// `current_status`) when another volunteer accepted first (`already_accepted`), the
/// proposal was answered, withdrawn or has expired (`proposal_closed`,
/// `proposal_expired`), the request no longer waits for a volunteer
/// (`invalid_transition`), or you already hold as many open cases as your capacity
/// (`at_capacity`).
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Proposal id")),
    responses(
        (status = 200, description = "You hold the case.", body = CaseView),
        (status = 401, description = "No valid session.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Volunteers only.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such proposal addressed to you.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Too late or not possible; `code` says why and `current_status` gives the request's state.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/{id}/accept")]
async fn accept_proposal(
    state: web::Data<AppState>,
    volunteer: Volunteer,
    path: web::Path<Uuid>,
) -> Result<web::Json<CaseView>, ApiError> {
    let user = volunteer.0.user.id;
    let id = path.into_inner();
    let now = state.clock.now();
    let worker = state.clone();
    let record = state
        .store
        .run(move |conn| flow::accept(&worker, conn, user, id, now))
        .await?;
    Ok(web::Json(record.into()))
}

/// Body of a decline.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclineBody {
    /// Why, at most 1,000 characters (optional; blank counts as none). Shown to staff.
    /// **No patient or health data.**
    #[schema(example = "Je suis en congé cette semaine.", max_length = 1000)]
    pub reason: Option<String>,
}

/// Decline a proposal addressed to you (volunteer), with an optional reason. Send `{}`
/// when giving no reason. When every proposal of the wave is answered, the request is
/// proposed to the next volunteers at once. A proposal no longer pending answers `409`
/// (`proposal_closed`).
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Proposal id")),
    request_body = DeclineBody,
    responses(
        (status = 200, description = "Declined.", body = ProposalView),
        (status = 400, description = "Malformed JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid session.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Volunteers only.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such proposal addressed to you.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The proposal no longer waits for an answer.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Reason too long, or unknown fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/{id}/decline")]
async fn decline_proposal(
    state: web::Data<AppState>,
    volunteer: Volunteer,
    path: web::Path<Uuid>,
    body: Json<DeclineBody>,
) -> Result<web::Json<ProposalView>, ApiError> {
    let mut errors = Vec::new();
    let reason = optional_text(
        body.into_inner().reason,
        REASON_MAX,
        "proposal.decline_reason",
        "/reason",
        &mut errors,
    );
    let reason = checked(reason, errors)?;
    let user = volunteer.0.user.id;
    let id = path.into_inner();
    let now = state.clock.now();
    let worker = state.clone();
    let view = state
        .store
        .run(move |conn| {
            let proposal = flow::decline(&worker, conn, user, id, reason.as_deref(), now)?;
            proposal_view(conn, proposal)
        })
        .await?;
    Ok(web::Json(view))
}

// --- /api/v1/cases ---

/// Query of case lists.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CasesQuery {
    /// Only requests in this state.
    pub status: Option<StatusView>,
    /// Only requests submitted at least this many days ago (1 to 3,650).
    #[param(minimum = 1, maximum = 3650, example = 7)]
    pub older_than_days: Option<u32>,
    /// `true`: only requests that need staff (unmatched or stalled).
    pub attention: Option<bool>,
    /// Page number, from 1 (default 1).
    #[param(minimum = 1, example = 1)]
    pub page: Option<u32>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub per_page: Option<u32>,
}

/// List cases: staff see every request, a requester their requests, a volunteer the
/// cases they hold. Unmatched requests come first, then stalled ones (accepted a week
/// ago without an answer, or submitted an hour ago and proposed to nobody), then the
/// others; oldest first within each group.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(CasesQuery),
    responses(
        (status = 200, description = "One page of cases.", body = Page<CaseView>),
        (status = 401, description = "No valid session.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid filter or page.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("")]
async fn list_cases(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: web::Query<CasesQuery>,
) -> Result<web::Json<Page<CaseView>>, ApiError> {
    let visibility = auth.visibility();
    let query = query.into_inner();
    let mut errors = match (PageQuery {
        page: query.page,
        per_page: query.per_page,
    })
    .validate()
    {
        Err(ApiError::Validation(errors)) => errors,
        Err(other) => return Err(other),
        Ok(_) => Vec::new(),
    };
    if query
        .older_than_days
        .is_some_and(|days| !(1..=3650).contains(&days))
    {
        errors.push(FieldError {
            path: "?older_than_days".into(),
            code: "older_than_days.invalid".into(),
            message: "L'ancienneté doit être comprise entre 1 et 3 650 jours.".into(),
        });
    }
    checked((), errors)?;
    let page = PageQuery {
        page: query.page,
        per_page: query.per_page,
    }
    .validate()?;
    let now = state.clock.now();
    let filter = CaseFilter {
        status: query.status.map(RequestStatus::from),
        submitted_before: query
            .older_than_days
            .map(|days| now - TimeDelta::days(i64::from(days))),
        attention: query.attention.unwrap_or(false),
    };
    let (records, total) = state
        .store
        .run(move |conn| {
            store::list_cases(conn, visibility, filter, now, page.offset(), page.limit())
        })
        .await?;
    Ok(web::Json(Page::new(
        records.into_iter().map(CaseView::from).collect(),
        page,
        total,
    )))
}

/// Read one case (the request's id): its requester, the volunteer holding it, or staff.
/// Others get `404`, as if it did not exist.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Request id")),
    responses(
        (status = 200, description = "The case.", body = CaseView),
        (status = 401, description = "No valid session.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case visible to the caller.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{id}")]
async fn read_case(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<web::Json<CaseView>, ApiError> {
    let visibility = auth.visibility();
    let id = path.into_inner();
    let now = state.clock.now();
    let record = state
        .store
        .run(move |conn| store::case_record(conn, visibility, id, now))
        .await?;
    Ok(web::Json(record.into()))
}

// --- /api/v1/requests/{id}/... ---

/// A staff proposal to a named volunteer.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffProposalBody {
    /// The volunteer to ask.
    pub volunteer_id: Uuid,
}

/// Propose a request to a named volunteer (staff), who is e-mailed like any other.
///
/// Only for a request waiting for a volunteer (`submitted`, `proposed` or `unmatched`:
/// it becomes `proposed`). Refused with `409` when the volunteer was already asked for it
/// (`already_proposed`) or may not take it (`volunteer_excluded`, with the reasons: paused,
/// at capacity, no common theme, conflict of interest...).
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Request id")),
    request_body = StaffProposalBody,
    responses(
        (status = 201, description = "Proposed and e-mailed.", body = ProposalView),
        (status = 400, description = "Malformed JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid session.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Staff only.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not possible in the request's state, or for this volunteer.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown volunteer or unknown fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/{id}/proposals")]
async fn propose_to_volunteer(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<Uuid>,
    body: Json<StaffProposalBody>,
) -> Result<HttpResponse, ApiError> {
    let user = staff.0.user.id;
    let request_id = path.into_inner();
    let volunteer_id = body.into_inner().volunteer_id;
    let now = state.clock.now();
    let worker = state.clone();
    let view = state
        .store
        .run(move |conn| {
            let proposal = flow::staff_propose(&worker, conn, user, request_id, volunteer_id, now)?;
            proposal_view(conn, proposal)
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// One way the volunteer helped.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerItemInput {
    /// Answer type.
    #[serde(rename = "type")]
    pub answer_type: AnswerType,
    /// For `envoi_outil` (required there, refused elsewhere): the tool sent, 1 to 200
    /// characters.
    #[schema(example = "Charte de télétravail", max_length = 200)]
    pub tool_name: Option<String>,
    /// For `envoi_outil` (optional): an `http(s)://` link to the tool, at most 500
    /// characters.
    #[schema(
        example = "https://www.anap.fr/outils/charte-teletravail",
        max_length = 500
    )]
    pub tool_link: Option<String>,
}

/// How the volunteer helped.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerBody {
    /// One or more answer types, each once, at most 10.
    #[schema(min_items = 1, max_items = 10)]
    pub answers: Vec<AnswerItemInput>,
    /// Short summary, 1 to 2,000 characters. **No patient or health data.**
    #[schema(
        example = "Appel d'une heure : choix du VPN, charte de télétravail envoyée.",
        max_length = 2000
    )]
    pub summary: String,
    /// Time spent, in minutes (1 to 6,000).
    #[schema(minimum = 1, maximum = 6000, example = 90)]
    pub time_spent_minutes: u32,
}

fn check_answer(body: AnswerBody, now: chrono::NaiveDateTime) -> Result<Answer, ApiError> {
    let mut errors = Vec::new();
    if body.answers.is_empty() || body.answers.len() > ANSWERS_MAX {
        errors.push(FieldError {
            path: "/answers".into(),
            code: "answer.count".into(),
            message: format!("Indiquez entre 1 et {ANSWERS_MAX} types de réponse."),
        });
    }
    let mut seen = HashSet::new();
    let mut items = Vec::with_capacity(body.answers.len());
    for (index, item) in body.answers.into_iter().enumerate() {
        if !seen.insert(item.answer_type) {
            errors.push(FieldError {
                path: format!("/answers/{index}/type"),
                code: "answer.duplicate".into(),
                message: "Ce type de réponse figure déjà dans la liste.".into(),
            });
        }
        let is_tool = item.answer_type == AnswerType::EnvoiOutil;
        let mut tool_name = None;
        let mut tool_link = None;
        if is_tool {
            match item
                .tool_name
                .as_deref()
                .map(|name| bounded_text(name, TOOL_NAME_MAX, "answer.tool_name"))
            {
                Some(Ok(name)) => tool_name = Some(name),
                Some(Err(error)) => errors.push(FieldError::new(
                    format!("/answers/{index}/tool_name"),
                    &error,
                )),
                None => errors.push(FieldError {
                    path: format!("/answers/{index}/tool_name"),
                    code: "answer.tool_name".into(),
                    message: "Indiquez l'outil envoyé (charte, PCA type...).".into(),
                }),
            }
            if let Some(link) = item.tool_link.filter(|l| !l.trim().is_empty()) {
                let link = link.trim().to_owned();
                let valid = (link.starts_with("https://") || link.starts_with("http://"))
                    && link.chars().count() <= TOOL_LINK_MAX
                    && !link.contains(char::is_whitespace);
                if valid {
                    tool_link = Some(link);
                } else {
                    errors.push(FieldError {
                        path: format!("/answers/{index}/tool_link"),
                        code: "answer.tool_link".into(),
                        message: format!(
                            "Le lien doit commencer par https:// ou http://, sans espace, en {TOOL_LINK_MAX} caractères au plus."
                        ),
                    });
                }
            }
        } else if item.tool_name.is_some() || item.tool_link.is_some() {
            errors.push(FieldError {
                path: format!("/answers/{index}"),
                code: "answer.tool_unexpected".into(),
                message: "Un outil ne s'indique que pour le type « envoi_outil ».".into(),
            });
        }
        items.push(AnswerItem {
            answer_type: item.answer_type,
            tool_name,
            tool_link,
        });
    }
    let summary = bounded_text(&body.summary, TEXT_MAX, "answer.summary")
        .map_err(|error| errors.push(FieldError::new("/summary", &error)))
        .unwrap_or_default();
    if !(1..=MINUTES_MAX).contains(&body.time_spent_minutes) {
        errors.push(FieldError {
            path: "/time_spent_minutes".into(),
            code: "answer.time_spent".into(),
            message: format!("Le temps passé doit être compris entre 1 et {MINUTES_MAX} minutes."),
        });
    }
    checked(
        Answer {
            items,
            summary,
            time_spent_minutes: i32::try_from(body.time_spent_minutes).unwrap_or(i32::MAX),
            created_at: now,
        },
        errors,
    )
}

/// Record how you helped (the volunteer holding the case): the request becomes
/// `resolved` and its contact is e-mailed a link to say whether the help was useful.
///
/// `envoi_outil` needs the tool's name (and takes an optional link). The summary **must
/// contain no patient or health data**. Only an `accepted` request takes an answer
/// (`409` otherwise); another volunteer gets `404`.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Request id")),
    request_body = AnswerBody,
    responses(
        (status = 200, description = "Answer recorded; the request is resolved.", body = CaseView),
        (status = 400, description = "Malformed JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid session.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Volunteers only.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case held by you.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The request is not in state `accepted`; `current_status` gives it.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid answer types, tool, summary or time.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/{id}/answer")]
async fn record_answer(
    state: web::Data<AppState>,
    volunteer: Volunteer,
    path: web::Path<Uuid>,
    body: Json<AnswerBody>,
) -> Result<web::Json<CaseView>, ApiError> {
    let now = state.clock.now();
    let answer = check_answer(body.into_inner(), now)?;
    let user = volunteer.0.user.id;
    let id = path.into_inner();
    let worker = state.clone();
    let record = state
        .store
        .run(move |conn| flow::resolve(&worker, conn, user, id, &answer, now))
        .await?;
    Ok(web::Json(record.into()))
}

/// The requester's rating.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingBody {
    /// Was the help useful? 1 (not at all) to 5 (very).
    #[schema(minimum = 1, maximum = 5, example = 5)]
    pub rating: u8,
    /// Comment, at most 2,000 characters (optional; blank counts as none). **No patient
    /// or health data.**
    #[schema(
        example = "Très réactif, la charte nous a fait gagner une semaine.",
        max_length = 2000
    )]
    pub comment: Option<String>,
}

/// Say whether the help was useful (the request's requester): a `resolved` request
/// becomes `closed`. A request closed without a rating (by staff or automatically)
/// still takes one. A second rating, or a request not answered yet, answers `409`.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Request id")),
    request_body = RatingBody,
    responses(
        (status = 200, description = "Rating recorded; the request is closed.", body = CaseView),
        (status = 400, description = "Malformed JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid session.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Requesters only (staff may not rate in their place).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request of yours.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not answered yet, or already rated.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Rating out of 1–5, comment too long, or unknown fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/{id}/rating")]
async fn rate_case(
    state: web::Data<AppState>,
    requester: Requester,
    path: web::Path<Uuid>,
    body: Json<RatingBody>,
) -> Result<web::Json<CaseView>, ApiError> {
    let body = body.into_inner();
    let mut errors = Vec::new();
    if !(1..=5).contains(&body.rating) {
        errors.push(FieldError {
            path: "/rating".into(),
            code: "rating.range".into(),
            message: "La note va de 1 (pas utile) à 5 (très utile).".into(),
        });
    }
    let comment = optional_text(
        body.comment,
        TEXT_MAX,
        "rating.comment",
        "/comment",
        &mut errors,
    );
    let now = state.clock.now();
    let rating = checked(
        Rating {
            rating: i32::from(body.rating),
            comment,
            created_at: now,
        },
        errors,
    )?;
    let user = requester.0.user.id;
    let is_staff = requester.0.user.has_role(Role::Staff);
    let id = path.into_inner();
    let record = state
        .store
        .run(move |conn| flow::rate(conn, user, is_staff, id, &rating, now))
        .await?;
    Ok(web::Json(record.into()))
}

/// Body of a closing by staff.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseBody {
    /// Why, at most 1,000 characters (optional). Kept in the audit trail. **No patient
    /// or health data.**
    #[schema(example = "Le demandeur a confirmé par téléphone.", max_length = 1000)]
    pub reason: Option<String>,
}

/// Close a `resolved` request without waiting for the rating (staff). Send `{}` when
/// giving no reason. Other states answer `409`.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Request id")),
    request_body = CloseBody,
    responses(
        (status = 200, description = "Closed.", body = CaseView),
        (status = 400, description = "Malformed JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid session.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Staff only.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The request is not `resolved`.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Reason too long, or unknown fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/{id}/close")]
async fn close_case(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<Uuid>,
    body: Json<CloseBody>,
) -> Result<web::Json<CaseView>, ApiError> {
    let mut errors = Vec::new();
    let reason = optional_text(
        body.into_inner().reason,
        REASON_MAX,
        "case.close_reason",
        "/reason",
        &mut errors,
    );
    let reason = checked(reason, errors)?;
    let user = staff.0.user.id;
    let id = path.into_inner();
    let now = state.clock.now();
    let record = state
        .store
        .run(move |conn| flow::close(conn, user, id, reason.as_deref(), now))
        .await?;
    Ok(web::Json(record.into()))
}

/// Body of a reopening.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReopenBody {
    /// Why, 1 to 1,000 characters. Kept in the audit trail (and sent to a volunteer who
    /// is released). **No patient or health data.**
    #[schema(example = "Le volontaire n'est plus joignable.", max_length = 1000)]
    pub reason: String,
}

/// Reopen a request (staff), with a reason:
/// * `accepted`: the volunteer is released (and e-mailed) and the request is proposed to
///   other volunteers (`proposed`, or `unmatched` when nobody can be asked);
/// * `resolved` or `closed`: the case goes back to its volunteer (`accepted`), who
///   records a new answer; the rating is dropped;
/// * `cancelled`: the request is proposed again (`proposed` or `unmatched`);
/// * `unmatched`: the request is proposed to volunteers not asked yet (`409`
///   `no_volunteer` when there is none: propose a named volunteer instead).
///
/// `submitted` and `proposed` requests answer `409`.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Request id")),
    request_body = ReopenBody,
    responses(
        (status = 200, description = "Reopened.", body = CaseView),
        (status = 400, description = "Malformed JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid session.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Staff only.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not possible in the request's state; `current_status` gives it.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing or too long reason, or unknown fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/{id}/reopen")]
async fn reopen_request(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<Uuid>,
    body: Json<ReopenBody>,
) -> Result<web::Json<CaseView>, ApiError> {
    let reason = bounded_text(&body.into_inner().reason, REASON_MAX, "case.reopen_reason")
        .map_err(|error| ApiError::invalid("/reason", &error))?;
    let user = staff.0.user.id;
    let id = path.into_inner();
    let now = state.clock.now();
    let worker = state.clone();
    let record = state
        .store
        .run(move |conn| flow::reopen(&worker, conn, user, id, &reason, now))
        .await?;
    Ok(web::Json(record.into()))
}

/// The audit trail of a request, oldest first: every change of state, who made it
/// (`null`: the service itself), when and why. For staff, the requester and the volunteer
/// holding the case.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Request id")),
    responses(
        (status = 200, description = "The audit trail.", body = Vec<TransitionView>),
        (status = 401, description = "No valid session.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request visible to the caller.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{id}/transitions")]
async fn list_transitions(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<web::Json<Vec<TransitionView>>, ApiError> {
    let visibility = auth.visibility();
    let id = path.into_inner();
    let trail = state
        .store
        .run(move |conn| {
            store::check_visible(conn, visibility, id)?;
            requests::transitions(conn, Visibility::All, id)
        })
        .await?;
    Ok(web::Json(
        trail.into_iter().map(TransitionView::from).collect(),
    ))
}

// --- /api/v1/assignments/confirm ---

/// One pair of a previewed batch proposal.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignmentPair {
    /// The request.
    pub request_id: Uuid,
    /// The volunteer proposed for it.
    pub volunteer_id: Uuid,
}

/// A batch proposal to apply: the pairs of the preview that staff keep.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmBody {
    /// (request, volunteer) pairs from `POST /api/v1/assignments/propose`, each request
    /// once, at most 2,000.
    #[schema(min_items = 1, max_items = 2000)]
    pub assignments: Vec<AssignmentPair>,
}

/// The proposals a confirmed batch made.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConfirmedView {
    /// One proposal per pair, in the order given; each volunteer was e-mailed.
    pub proposals: Vec<ProposalView>,
}

/// Apply a previewed batch proposal (staff): each pair becomes a proposal, e-mailed to
/// the volunteer, and its request becomes `proposed`.
///
/// Every pair is checked again against the database first: the request still waits for
/// a volunteer (`submitted` or `unmatched`), the volunteer was not asked for it yet, is
/// still eligible, and has the spare capacity for all the pairs given to them. If any
/// pair no longer fits, nothing is applied: `409` (`batch_changed`) lists each such pair
/// in `errors` (`/assignments/{index}`, with a code and a French message); preview again.
#[utoipa::path(
    tag = "matching",
    security(("bearer" = [])),
    request_body = ConfirmBody,
    responses(
        (status = 200, description = "Applied.", body = ConfirmedView),
        (status = 400, description = "Malformed JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid session.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Staff only.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The situation changed since the preview; nothing was applied.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Empty, too large or repeated requests.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/confirm")]
async fn confirm_assignments(
    state: web::Data<AppState>,
    staff: Staff,
    body: Json<ConfirmBody>,
) -> Result<web::Json<ConfirmedView>, ApiError> {
    let pairs: Vec<Pair> = body
        .into_inner()
        .assignments
        .into_iter()
        .map(|a| Pair {
            request_id: a.request_id,
            volunteer_id: a.volunteer_id,
        })
        .collect();
    let mut errors = Vec::new();
    if pairs.is_empty() || pairs.len() > MAX_BATCH {
        errors.push(FieldError {
            path: "/assignments".into(),
            code: "batch.size".into(),
            message: format!("Confirmez entre 1 et {MAX_BATCH} propositions."),
        });
    }
    let mut seen = HashSet::new();
    for (index, pair) in pairs.iter().enumerate() {
        if !seen.insert(pair.request_id) {
            errors.push(FieldError {
                path: format!("/assignments/{index}/request_id"),
                code: "batch.duplicate".into(),
                message: "Cette demande figure déjà dans la liste.".into(),
            });
        }
    }
    checked((), errors)?;
    let user = staff.0.user.id;
    let now = state.clock.now();
    let worker = state.clone();
    let proposals = state
        .store
        .run(move |conn| {
            let made = flow::confirm_batch(&worker, conn, user, &pairs, now)?;
            made.into_iter()
                .map(|p| proposal_view(conn, p))
                .collect::<Result<Vec<_>, ApiError>>()
        })
        .await?;
    Ok(web::Json(ConfirmedView { proposals }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(answer_type: AnswerType, tool: Option<&str>, link: Option<&str>) -> AnswerItemInput {
        AnswerItemInput {
            answer_type,
            tool_name: tool.map(str::to_owned),
            tool_link: link.map(str::to_owned),
        }
    }

    fn paths(result: Result<Answer, ApiError>) -> Vec<String> {
        match result {
            Err(ApiError::Validation(errors)) => errors.into_iter().map(|e| e.path).collect(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn answers_are_checked_field_by_field() {
        let now = chrono::NaiveDateTime::default();
        let ok = check_answer(
            AnswerBody {
                answers: vec![
                    item(AnswerType::AppelTelephonique, None, None),
                    item(
                        AnswerType::EnvoiOutil,
                        Some(" Charte de télétravail "),
                        Some("https://anap.fr/charte"),
                    ),
                ],
                summary: "Appel et charte envoyée.".into(),
                time_spent_minutes: 90,
            },
            now,
        );
        let ok = ok.map_err(|e| e.to_string());
        assert_eq!(
            ok.as_ref().map(|a| a.items[1].tool_name.clone()),
            Ok(Some("Charte de télétravail".to_owned()))
        );
        let bad = check_answer(
            AnswerBody {
                answers: vec![
                    item(AnswerType::EnvoiOutil, None, Some("ftp://x")),
                    item(AnswerType::PostForum, Some("outil"), None),
                    item(AnswerType::PostForum, None, None),
                ],
                summary: " ".into(),
                time_spent_minutes: 0,
            },
            now,
        );
        assert_eq!(
            paths(bad),
            [
                "/answers/0/tool_name",
                "/answers/0/tool_link",
                "/answers/1",
                "/answers/2/type",
                "/summary",
                "/time_spent_minutes"
            ]
        );
        let empty = check_answer(
            AnswerBody {
                answers: vec![],
                summary: "x".into(),
                time_spent_minutes: 5,
            },
            now,
        );
        assert_eq!(paths(empty), ["/answers"]);
    }
}
