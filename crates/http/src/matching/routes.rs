//! `GET /api/v1/requests/{id}/matches` and `POST /api/v1/assignments/propose` (staff).

use actix_web::{get, post, web};
use entraide_matching::{Components, Exclusion, RankOptions};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::Snapshot;
use crate::auth::{Staff, StaffToken};
use crate::json::Json;
use crate::{ApiError, AppState, FieldError, Problem};

/// Registers `/api/v1/requests/{id}/matches` in the requests scope.
pub fn configure_requests(cfg: &mut ServiceConfig) {
    cfg.service(matches);
}

/// Registers `/api/v1/assignments/*`.
pub fn configure_assignments(cfg: &mut ServiceConfig) {
    cfg.service(propose);
}

/// The six score components (raw values in [0, 1], or their weighted contributions).
#[derive(Debug, Serialize, ToSchema)]
pub struct ComponentsView {
    /// Share of the request's themes the volunteer covers.
    pub themes: f64,
    /// Experience of the establishment's sector.
    pub sector: f64,
    /// Same region 1, neighbouring 0.5, elsewhere 0.
    pub region: f64,
    /// Same public/private family.
    pub status: f64,
    /// Spare capacity.
    pub capacity: f64,
    /// Fewer recent cases ranks higher.
    pub recent_load: f64,
}

impl From<Components> for ComponentsView {
    fn from(c: Components) -> Self {
        Self {
            themes: c.themes,
            sector: c.sector,
            region: c.region,
            status: c.status,
            capacity: c.capacity,
            recent_load: c.recent_load,
        }
    }
}

/// One ranked volunteer, with the explanation.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchView {
    /// Position, from 1.
    pub rank: usize,
    /// Volunteer id.
    pub volunteer_id: Uuid,
    /// Volunteer name.
    #[schema(example = "Claire Martin")]
    pub name: String,
    /// Total score: the sum of the contributions.
    pub total: f64,
    /// Raw components.
    pub components: ComponentsView,
    /// Weighted components; they add up to `total`.
    pub contributions: ComponentsView,
    /// Short French reasons.
    #[schema(example = json!(["Thèmes couverts : 2 sur 2", "Même région"]))]
    pub reasons: Vec<String>,
}

/// Why a volunteer may not take the request.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExclusionView {
    /// Stable code (`paused`, `at_capacity`, `no_common_theme`, ...).
    pub code: &'static str,
    /// French explanation.
    pub message: String,
}

impl From<&Exclusion> for ExclusionView {
    fn from(exclusion: &Exclusion) -> Self {
        Self {
            code: exclusion.code(),
            message: exclusion.message(),
        }
    }
}

/// An excluded volunteer with every reason.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExcludedView {
    /// Volunteer id.
    pub volunteer_id: Uuid,
    /// Volunteer name.
    pub name: String,
    /// Every reason.
    pub reasons: Vec<ExclusionView>,
}

/// The ranking of volunteers for one request.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchesView {
    /// The request.
    pub request_id: Uuid,
    /// Its current state.
    #[schema(example = "submitted")]
    pub request_status: String,
    /// Volunteers looked at.
    pub considered: usize,
    /// Eligible among them.
    pub eligible: usize,
    /// The best eligible volunteers, best first (ties broken deterministically).
    pub matches: Vec<MatchView>,
    /// With `explain=excluded`: every volunteer who may not take it, with the reasons.
    pub excluded: Vec<ExcludedView>,
}

fn name_of(snapshot: &Snapshot, id: Uuid) -> String {
    snapshot.names.get(&id).cloned().unwrap_or_default()
}

/// Query of the ranking.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MatchesQuery {
    /// How many volunteers, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100, example = 20)]
    pub limit: Option<usize>,
    /// `excluded` also lists every volunteer who may not take the request, with reasons.
    #[param(example = "excluded")]
    pub explain: Option<String>,
}

/// Rank the volunteers for a request (staff), with the reasons of each score.
#[utoipa::path(
    tag = "matching",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Request id"), MatchesQuery),
    responses(
        (status = 200, description = "The ranking.", body = MatchesView),
        (status = 401, description = "No valid session.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Staff only.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid `limit` or `explain`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{id}/matches")]
async fn matches(
    state: web::Data<AppState>,
    token: StaffToken,
    path: web::Path<Uuid>,
    query: web::Query<MatchesQuery>,
) -> Result<web::Json<MatchesView>, ApiError> {
    let query = query.into_inner();
    let mut errors = Vec::new();
    let limit = query.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        errors.push(FieldError {
            path: "?limit".into(),
            code: "limit.invalid".into(),
            message: "Le nombre de volontaires doit être compris entre 1 et 100.".into(),
        });
    }
    let explain_excluded = match query.explain.as_deref() {
        None => false,
        Some("excluded") => true,
        Some(_) => {
            errors.push(FieldError {
                path: "?explain".into(),
                code: "explain.invalid".into(),
                message: "La seule valeur possible est « excluded ».".into(),
            });
            false
        }
    };
    let options = RankOptions {
        limit,
        explain_excluded,
    };
    let request_id = path.into_inner();
    let now = state.clock.now();
    // From memory on the worker thread when the session, the request's profile and the
    // volunteer profiles are all known unchanged (PostgreSQL): no database, no blocking
    // thread. The ranking itself takes a tenth of a millisecond.
    let session_known = match token.cached(&state.sessions, now) {
        Some(Ok(_)) => true,
        Some(Err(refused)) => return Err(refused),
        None => false,
    };
    let from_memory = if session_known && errors.is_empty() {
        state.matching.rank_cached(request_id, now, &options)
    } else {
        None
    };
    let ranked = match from_memory {
        Some(ranked) => ranked?,
        None => {
            let worker = state.clone();
            // The session, unless memory already vouched for it, is checked in the
            // ranking's own database task: one trip to a blocking thread instead of two.
            state
                .store
                .run(move |conn| {
                    if !session_known {
                        token.confirm(conn, &worker.sessions, now)?;
                    }
                    if !errors.is_empty() {
                        return Err(ApiError::Validation(errors));
                    }
                    worker.matching.rank(conn, request_id, now, &options)
                })
                .await?
        }
    };
    state.metrics.observe_ranking(ranked.elapsed);
    let snapshot = &ranked.snapshot;
    Ok(web::Json(MatchesView {
        request_id,
        request_status: ranked.request.status.clone(),
        considered: ranked.ranking.considered,
        eligible: ranked.ranking.eligible,
        matches: ranked
            .ranking
            .entries
            .into_iter()
            // Moved, not cloned: a ranking's reasons are a hundred small strings.
            .map(|entry| MatchView {
                rank: entry.rank,
                volunteer_id: entry.score.volunteer,
                name: name_of(snapshot, entry.score.volunteer),
                total: entry.score.total,
                components: entry.score.components.into(),
                contributions: entry.score.contributions.into(),
                reasons: entry.score.reasons,
            })
            .collect(),
        excluded: ranked
            .ranking
            .excluded
            .iter()
            .map(|excluded| ExcludedView {
                volunteer_id: excluded.volunteer,
                name: name_of(snapshot, excluded.volunteer),
                reasons: excluded.reasons.iter().map(ExclusionView::from).collect(),
            })
            .collect(),
    }))
}

/// Largest batch staff may ask for at once.
pub const MAX_BATCH: usize = 2_000;

/// A batch proposal request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposeBody {
    /// The requests to serve; by default every request waiting for a volunteer
    /// (submitted or unmatched), oldest first, up to 2,000.
    pub request_ids: Option<Vec<Uuid>>,
}

/// One request given to one volunteer in a batch.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssignmentView {
    /// The request.
    pub request_id: Uuid,
    /// The volunteer proposed.
    pub volunteer_id: Uuid,
    /// Volunteer name.
    pub name: String,
    /// The volunteer's score for the request.
    pub total: f64,
    /// Why.
    pub reasons: Vec<String>,
    /// Requests of this batch the volunteer receives.
    pub batch_cases: u32,
}

/// A request the batch does not serve.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnservedView {
    /// The request.
    pub request_id: Uuid,
    /// Stable code (`no_volunteer_with_theme`, `no_eligible_volunteer`,
    /// `capacity_taken`, `fairness_limit`).
    pub code: &'static str,
    /// French explanation.
    pub message: String,
}

/// The proposal for a batch: a preview that changes nothing until staff confirm it.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchProposalView {
    /// One volunteer per served request, most urgent first.
    pub assignments: Vec<AssignmentView>,
    /// Requests left without a volunteer, with the reason.
    pub unserved: Vec<UnservedView>,
    /// Sum of the scores of the assignments.
    pub total_score: f64,
    /// Penalty that spread the load (subtracted from the total in the objective).
    pub fairness_penalty: f64,
    /// Distinct volunteers receiving a request.
    pub volunteers_used: usize,
}

/// Preview a batch proposal (staff): one volunteer per request, maximising the total
/// score under each volunteer's spare capacity, with a fairness term that spreads the load.
/// Nothing is changed: `POST /api/v1/assignments/confirm` applies the pairs staff keep.
#[utoipa::path(
    tag = "matching",
    security(("bearer" = [])),
    request_body = ProposeBody,
    responses(
        (status = 200, description = "The proposal.", body = BatchProposalView),
        (status = 401, description = "No valid session.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Staff only.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "A listed request does not exist.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Too many or repeated requests.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/propose")]
async fn propose(
    state: web::Data<AppState>,
    _staff: Staff,
    body: Json<ProposeBody>,
) -> Result<web::Json<BatchProposalView>, ApiError> {
    let requested = body.into_inner().request_ids;
    if let Some(ids) = &requested {
        let mut seen = std::collections::HashSet::new();
        let mut errors = Vec::new();
        if ids.len() > MAX_BATCH {
            errors.push(FieldError {
                path: "/request_ids".into(),
                code: "batch.too_large".into(),
                message: format!("Au plus {MAX_BATCH} demandes par proposition."),
            });
        }
        for (index, id) in ids.iter().enumerate() {
            if !seen.insert(id) {
                errors.push(FieldError {
                    path: format!("/request_ids/{index}"),
                    code: "batch.duplicate".into(),
                    message: "Cette demande figure déjà dans la liste.".into(),
                });
            }
        }
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
    }
    let now = state.clock.now();
    let worker = state.clone();
    let (assignment, snapshot) = state
        .store
        .run(move |conn| {
            let ids = match requested {
                Some(ids) => ids,
                None => entraide_store::matching::requests_awaiting_match(conn, MAX_BATCH as i64)?,
            };
            worker.matching.assign(conn, &ids, now)
        })
        .await?;
    let volunteers_used = assignment
        .assignments
        .iter()
        .map(|a| a.volunteer)
        .collect::<std::collections::HashSet<_>>()
        .len();
    Ok(web::Json(BatchProposalView {
        assignments: assignment
            .assignments
            .iter()
            .map(|a| AssignmentView {
                request_id: a.request,
                volunteer_id: a.volunteer,
                name: name_of(&snapshot, a.volunteer),
                total: a.total,
                reasons: a.reasons.clone(),
                batch_cases: a.batch_cases,
            })
            .collect(),
        unserved: assignment
            .unserved
            .iter()
            .map(|u| UnservedView {
                request_id: u.request,
                code: u.reason.code(),
                message: u.reason.message(),
            })
            .collect(),
        total_score: assignment.objective.total_score,
        fairness_penalty: assignment.objective.fairness_penalty,
        volunteers_used,
    }))
}
