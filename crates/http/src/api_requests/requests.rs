//! `/api/v1/requests`: the public submission, the lists of staff and requesters, reading
//! one request, and cancelling it.

use actix_web::http::header::LOCATION;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use entraide_core::{
    bounded_text, Department, Email, EstablishmentKind, Finess, JobRole, LegalStatus, PhoneNumber,
    Region, Role, ThemeId, Urgency, ValidationError,
};
use entraide_notifier::messages::RequestReceived;
use entraide_store::establishments::{self, NewEstablishment};
use entraide_store::requests::{
    self, CancelOutcome, Contact, HelpRequest, NewHelpRequest, RequestFilter, RequestStatus,
    RequestTheme,
};
use entraide_store::{themes, users, DbConnection, StoreError, Visibility};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::EstablishmentView;
use crate::auth::{issue_sign_in_link, Authenticated, SIGN_IN_PAGE};
use crate::json::Json;
use crate::page::{Page, PageQuery};
use crate::{client_ip, ApiError, AppState, FieldError, Problem};

/// Longest establishment name.
const ESTABLISHMENT_NAME_MAX: usize = 200;
/// Longest contact name.
const CONTACT_NAME_MAX: usize = 120;
/// Longest description (issue 5).
const DESCRIPTION_MAX: usize = 4000;
/// Most themes on one request.
const THEMES_MAX: usize = 20;
/// Longest cancellation reason.
const REASON_MAX: usize = 1000;
/// Attempts of a submission whose transaction lost a race on a unique index (the same
/// new account created at the same moment by another kind of write).
const SUBMIT_ATTEMPTS: usize = 3;

/// The establishment named by a request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EstablishmentInput {
    /// FINESS number of the establishment (or of its legal entity). Checked with the
    /// other fields rather than as the body is read, so that its error names the precise
    /// rule (`finess.length`, `finess.department`, `finess.digits`, `finess.key`) and comes
    /// with the other failing fields.
    #[schema(value_type = Finess)]
    pub finess: String,
    /// Name, 1 to 200 characters.
    #[schema(example = "Centre hospitalier de Bourg-en-Bresse", max_length = 200)]
    pub name: String,
    /// ES, ESMS or ambulatory structure.
    pub kind: EstablishmentKind,
    /// Public or private.
    pub legal_status: LegalStatus,
    /// Department; derived from the FINESS number when absent, and must agree with it
    /// when given.
    pub department: Option<Department>,
}

/// The person the volunteer will call.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    /// Full name, 1 to 120 characters.
    #[schema(example = "Claire Lefèvre", max_length = 120)]
    pub name: String,
    /// E-mail address: the acknowledgement and the sign-in link go there, and it becomes
    /// the requester's login.
    pub email: Email,
    /// Phone number.
    pub phone: PhoneNumber,
    /// Job role.
    pub job_role: JobRole,
}

/// A help request, as an establishment submits it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRequestBody {
    /// The establishment asking for help; created when its FINESS number is not known yet.
    pub establishment: EstablishmentInput,
    /// The contact person.
    pub contact: ContactInput,
    /// Themes (ids from `GET /api/v1/themes`), main one first: at least one, at most 20,
    /// each offered (not retired); repeated ids count once.
    #[schema(min_items = 1, max_items = 20, example = json!(["teletravail", "pca"]))]
    pub themes: Vec<ThemeId>,
    /// What the establishment needs, 1 to 4,000 characters. **It must contain no patient
    /// or health data**: describe the organisational or technical need only.
    #[schema(
        max_length = 4000,
        example = "Nous devons équiper 40 agents administratifs pour le télétravail d'ici lundi : choix des outils, VPN et charte."
    )]
    pub description: String,
    /// Urgency (default `normal`).
    pub urgency: Option<Urgency>,
}

/// A request's state (see issue 7 for the life of a case): `submitted` → `proposed` →
/// `accepted` → `resolved` → `closed`, or `cancelled`, or `unmatched`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = RequestStatus)]
pub enum StatusView {
    /// Received, not yet offered to volunteers.
    Submitted,
    /// Offered to volunteers.
    Proposed,
    /// A volunteer holds the case.
    Accepted,
    /// The volunteer recorded the answer.
    Resolved,
    /// Done.
    Closed,
    /// Withdrawn by the requester or staff.
    Cancelled,
    /// Nobody accepted in time.
    Unmatched,
}

impl From<RequestStatus> for StatusView {
    fn from(status: RequestStatus) -> Self {
        match status {
            RequestStatus::Submitted => StatusView::Submitted,
            RequestStatus::Proposed => StatusView::Proposed,
            RequestStatus::Accepted => StatusView::Accepted,
            RequestStatus::Resolved => StatusView::Resolved,
            RequestStatus::Closed => StatusView::Closed,
            RequestStatus::Cancelled => StatusView::Cancelled,
            RequestStatus::Unmatched => StatusView::Unmatched,
        }
    }
}

impl From<StatusView> for RequestStatus {
    fn from(status: StatusView) -> Self {
        match status {
            StatusView::Submitted => RequestStatus::Submitted,
            StatusView::Proposed => RequestStatus::Proposed,
            StatusView::Accepted => RequestStatus::Accepted,
            StatusView::Resolved => RequestStatus::Resolved,
            StatusView::Closed => RequestStatus::Closed,
            StatusView::Cancelled => RequestStatus::Cancelled,
            StatusView::Unmatched => RequestStatus::Unmatched,
        }
    }
}

/// A theme of a request.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestThemeView {
    /// Theme id.
    #[schema(example = "teletravail")]
    pub id: String,
    /// Current French label.
    #[schema(example = "Télétravail")]
    pub label: String,
}

/// The contact person of a request.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactView {
    /// Full name.
    #[schema(example = "Claire Lefèvre")]
    pub name: String,
    /// E-mail address.
    pub email: Email,
    /// Phone number (E.164).
    pub phone: PhoneNumber,
    /// Job role.
    pub job_role: JobRole,
}

/// A help request, as its requester and staff see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct HelpRequestView {
    /// Stable id.
    pub id: Uuid,
    /// Reference quoted in e-mails and on the phone: `DA-<year>-<number in the year>`.
    #[schema(example = "DA-2026-0042")]
    pub reference: String,
    /// Current state.
    pub status: StatusView,
    /// Urgency.
    pub urgency: Urgency,
    /// Themes, main one first.
    pub themes: Vec<RequestThemeView>,
    /// What the establishment needs (no patient or health data).
    pub description: String,
    /// The establishment asking for help.
    pub establishment: EstablishmentView,
    /// The contact person.
    pub contact: ContactView,
    /// Submission (UTC).
    pub created_at: NaiveDateTime,
    /// Last change (UTC).
    pub updated_at: NaiveDateTime,
    /// Cancellation (UTC), if cancelled.
    pub cancelled_at: Option<NaiveDateTime>,
    /// Why it was cancelled, when a reason was given.
    pub cancel_reason: Option<String>,
}

impl From<HelpRequest> for HelpRequestView {
    fn from(request: HelpRequest) -> Self {
        Self {
            id: request.id,
            reference: request.reference,
            status: request.status.into(),
            urgency: request.urgency,
            themes: request
                .themes
                .into_iter()
                .map(|theme| RequestThemeView {
                    id: theme.id,
                    label: theme.label,
                })
                .collect(),
            description: request.description,
            establishment: EstablishmentView::from(&request.establishment),
            contact: ContactView {
                name: request.contact.name,
                email: request.contact.email,
                phone: request.contact.phone,
                job_role: request.contact.job_role,
            },
            created_at: request.created_at,
            updated_at: request.updated_at,
            cancelled_at: request.cancelled_at,
            cancel_reason: request.cancel_reason,
        }
    }
}

/// A submission whose fields passed every check that needs no database.
#[derive(Debug, Clone)]
struct Checked {
    establishment: NewEstablishment,
    contact: Contact,
    description: String,
    urgency: Urgency,
}

fn field(
    path: &str,
    result: Result<String, ValidationError>,
    errors: &mut Vec<FieldError>,
) -> String {
    result.unwrap_or_else(|error| {
        errors.push(FieldError::new(path, &error));
        String::new()
    })
}

/// Checks what the types could not (lengths, the department against the FINESS number,
/// the number of themes), collecting every failing field. Returns the themes without
/// repeats, each with its index in the body (for error paths).
fn check(body: NewRequestBody) -> (Option<Checked>, Vec<(usize, ThemeId)>, Vec<FieldError>) {
    let mut errors = Vec::new();
    let NewRequestBody {
        establishment,
        contact,
        themes,
        description,
        urgency,
    } = body;

    let finess = Finess::parse(&establishment.finess)
        .map_err(|error| errors.push(FieldError::new("/establishment/finess", &error)))
        .ok();
    let name = field(
        "/establishment/name",
        bounded_text(
            &establishment.name,
            ESTABLISHMENT_NAME_MAX,
            "establishment.name",
        ),
        &mut errors,
    );
    let registered = finess.as_ref().map(Finess::department);
    let department = establishment.department.or(registered);
    if let (Some(given), Some(registered), Some(finess)) = (department, registered, &finess) {
        if given != registered {
            errors.push(FieldError {
                path: "/establishment/department".into(),
                code: "establishment.department_mismatch".into(),
                message: format!(
                    "Le département {} ne correspond pas au numéro FINESS {finess}, attribué \
                     dans le département {} ({}) : vérifiez l'un et l'autre.",
                    given.code(),
                    registered.code(),
                    registered.name()
                ),
            });
        }
    }
    let contact_name = field(
        "/contact/name",
        bounded_text(&contact.name, CONTACT_NAME_MAX, "contact.name"),
        &mut errors,
    );
    let description = field(
        "/description",
        bounded_text(&description, DESCRIPTION_MAX, "request.description"),
        &mut errors,
    );

    let mut distinct: Vec<(usize, ThemeId)> = Vec::new();
    for (index, theme) in themes.into_iter().enumerate() {
        if !distinct.iter().any(|(_, seen)| *seen == theme) {
            distinct.push((index, theme));
        }
    }
    if distinct.is_empty() {
        errors.push(FieldError {
            path: "/themes".into(),
            code: "request.themes_empty".into(),
            message: "Choisissez au moins un thème.".into(),
        });
    } else if distinct.len() > THEMES_MAX {
        errors.push(FieldError {
            path: "/themes".into(),
            code: "request.themes_too_many".into(),
            message: format!(
                "Choisissez au plus {THEMES_MAX} thèmes ({} reçus).",
                distinct.len()
            ),
        });
    }

    let checked = match (finess, department) {
        (Some(finess), Some(department)) if errors.is_empty() => Some(Checked {
            establishment: NewEstablishment {
                finess,
                name,
                kind: establishment.kind,
                legal_status: establishment.legal_status,
                department,
            },
            contact: Contact {
                name: contact_name,
                email: contact.email,
                phone: contact.phone,
                job_role: contact.job_role,
            },
            description,
            urgency: urgency.unwrap_or(Urgency::Normal),
        }),
        _ => None,
    };
    (checked, distinct, errors)
}

/// The themes of a submission as stored (labels included), and one error per theme that
/// is unknown or retired, at its index in the body.
fn offered_themes(
    conn: &mut DbConnection,
    themes: &[(usize, ThemeId)],
) -> Result<(Vec<RequestTheme>, Vec<FieldError>), StoreError> {
    let ids: Vec<String> = themes
        .iter()
        .map(|(_, id)| id.as_str().to_owned())
        .collect();
    let offered: Vec<RequestTheme> = themes::offered(conn, &ids)?
        .into_iter()
        .map(|(id, label)| RequestTheme { id, label })
        .collect();
    let errors = themes
        .iter()
        .filter(|(_, id)| !offered.iter().any(|theme| theme.id == id.as_str()))
        .map(|(index, id)| FieldError {
            path: format!("/themes/{index}"),
            code: "theme.unknown".into(),
            message: format!(
                "Le thème « {id} » n'existe pas ou n'est plus proposé : choisissez-en un \
                 dans la liste des thèmes."
            ),
        })
        .collect();
    Ok((offered, errors))
}

/// The submission's writes, in a transaction of their own (a savepoint of a grouped
/// one): the establishment, the requester's account, the request and its acknowledgement
/// e-mail are written together or not at all. The first wave of proposals follows in a
/// transaction of its own (see [`crate::cases::first_waves`]).
fn submit_in(
    conn: &mut DbConnection,
    state: &AppState,
    checked: Option<Checked>,
    themes: &[(usize, ThemeId)],
    mut errors: Vec<FieldError>,
) -> Result<HelpRequest, ApiError> {
    requests::lock_submissions(conn)?;
    let (offered, refused) = offered_themes(conn, themes)?;
    errors.extend(refused);
    let checked = match checked {
        Some(checked) if errors.is_empty() => checked,
        _ => return Err(ApiError::Validation(errors)),
    };
    let now = state.clock.now();
    let establishment = establishments::find_or_create(conn, &checked.establishment, now)?;
    let user = users::ensure_user_with_role(
        conn,
        &checked.contact.email,
        Some(&checked.contact.name),
        Role::Requester,
        now,
    )?;
    let new = NewHelpRequest {
        establishment,
        requester_user_id: user.id,
        contact: checked.contact.clone(),
        themes: offered,
        description: checked.description,
        urgency: checked.urgency,
    };
    let request = requests::create(conn, &new, now)?;
    // A disabled account gets the sign-in page instead of a link that could not work.
    let link = if user.disabled_at.is_none() {
        issue_sign_in_link(conn, state, &user)?
    } else {
        format!("{}{SIGN_IN_PAGE}", state.public_url)
    };
    let message = RequestReceived {
        contact_name: request.contact.name.clone(),
        establishment_name: request.establishment.name.clone(),
        reference: request.reference.clone(),
        themes: request.themes.iter().map(|t| t.label.clone()).collect(),
        urgency: request.urgency.label().to_owned(),
        sign_in_link: link,
    };
    entraide_notifier::queue_at(conn, &checked.contact.email, &message, now)?;
    Ok(request)
}

/// Submit a help request (public).
///
/// Creates the establishment when its FINESS number is not known yet (a known one is
/// reused as stored: the name, kind and status given are then ignored), creates or
/// reuses the contact's `requester` account, and e-mails the contact an acknowledgement
/// with the request's reference and a one-time sign-in link to follow it. The request
/// starts in state `submitted`; its first wave of proposals follows just after the
/// answer.
///
/// The free-text description **must contain no patient or health data**.
///
/// Every failing field is listed in one `422` (FINESS number, names, department against
/// the FINESS number, themes, description), except values of the wrong type or form
/// (e-mail, phone, closed-list codes, unknown fields), which are reported one at a time
/// as the body is read. Limited per IP address.
#[utoipa::path(
    tag = "requests",
    request_body = NewRequestBody,
    responses(
        (status = 201, description = "Request recorded and acknowledged by e-mail; `Location` names it.", body = HelpRequestView),
        (status = 400, description = "Malformed JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid or missing fields, unknown fields, unknown or retired themes.", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many submissions from this address; see `Retry-After`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("")]
pub(super) async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<NewRequestBody>,
) -> Result<HttpResponse, ApiError> {
    state.limits.public_post(client_ip(&req))?;
    let (checked, themes, errors) = check(body.into_inner());
    let mut attempt = 1;
    let request = loop {
        let worker = state.clone();
        let (checked, themes, errors) = (checked.clone(), themes.clone(), errors.clone());
        // Submissions arriving together are committed together (group commit).
        let result = state
            .store
            .write_grouped(move |conn| submit_in(conn, &worker, checked, &themes, errors))
            .await;
        match result {
            Err(ApiError::Store(StoreError::Conflict(reason))) if attempt < SUBMIT_ATTEMPTS => {
                tracing::debug!(%reason, attempt, "help request submission raced, retrying");
                attempt += 1;
            }
            other => break other?,
        }
    };
    tracing::info!(
        request_id = %request.id,
        reference = %request.reference,
        establishment_id = %request.establishment.id,
        "help request submitted"
    );
    // The first wave of proposals (issue 7), once the request is committed.
    state.first_waves.push(request.id);
    Ok(HttpResponse::Created()
        .insert_header((LOCATION, format!("/api/v1/requests/{}", request.id)))
        .json(HelpRequestView::from(request)))
}

/// Who may read requests: staff (all of them) and requesters (their own).
fn reader(auth: &Authenticated) -> Result<Visibility, ApiError> {
    if auth.user.has_role(Role::Staff) || auth.user.has_role(Role::Requester) {
        Ok(auth.visibility())
    } else {
        Err(ApiError::Forbidden)
    }
}

/// Query of request lists.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RequestsQuery {
    /// Only requests in this state.
    pub status: Option<StatusView>,
    /// Only requests naming this theme.
    pub theme: Option<ThemeId>,
    /// Only establishments of this region (INSEE code).
    pub region: Option<Region>,
    /// Only establishments of this kind.
    pub kind: Option<EstablishmentKind>,
    /// Only requests submitted on or after this day (UTC).
    #[param(example = "2026-03-23")]
    pub from: Option<NaiveDate>,
    /// Only requests submitted on or before this day (UTC, the whole day included).
    #[param(example = "2026-04-30")]
    pub to: Option<NaiveDate>,
    /// Page number, from 1 (default 1).
    #[param(minimum = 1, example = 1)]
    pub page: Option<u32>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub per_page: Option<u32>,
}

fn start_of(day: NaiveDate) -> NaiveDateTime {
    day.and_time(NaiveTime::MIN)
}

/// List help requests, newest first: staff see every request, a requester their own.
///
/// Filters combine (all must hold). The period is of submission days in UTC, both ends
/// included.
#[utoipa::path(
    operation_id = "list_requests",
    tag = "requests",
    security(("bearer" = [])),
    params(RequestsQuery),
    responses(
        (status = 200, description = "One page of requests.", body = Page<HelpRequestView>),
        (status = 401, description = "No valid session.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Staff and requesters only.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid filter, period (`from` after `to`) or page.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("")]
pub(super) async fn list(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: web::Query<RequestsQuery>,
) -> Result<web::Json<Page<HelpRequestView>>, ApiError> {
    let visibility = reader(&auth)?;
    let query = query.into_inner();
    let mut errors = Vec::new();
    let page = match (PageQuery {
        page: query.page,
        per_page: query.per_page,
    })
    .validate()
    {
        Ok(page) => Some(page),
        Err(ApiError::Validation(mut found)) => {
            errors.append(&mut found);
            None
        }
        Err(other) => return Err(other),
    };
    if let (Some(from), Some(to)) = (query.from, query.to) {
        if from > to {
            errors.push(FieldError {
                path: "?to".into(),
                code: "period.invalid".into(),
                message: format!("La fin de la période ({to}) précède son début ({from})."),
            });
        }
    }
    let page = match page {
        Some(page) if errors.is_empty() => page,
        _ => return Err(ApiError::Validation(errors)),
    };
    let filter = RequestFilter {
        status: query.status.map(RequestStatus::from),
        theme: query.theme,
        region: query.region,
        kind: query.kind,
        created_from: query.from.map(start_of),
        created_before: query.to.and_then(|to| to.succ_opt()).map(start_of),
    };
    let (items, total) = state
        .store
        .run(move |conn| requests::list(conn, visibility, &filter, page.offset(), page.limit()))
        .await
        .map_err(ApiError::from)?;
    Ok(web::Json(Page::new(
        items.into_iter().map(HelpRequestView::from).collect(),
        page,
        total,
    )))
}

/// Read one help request: its requester or staff.
///
/// Another person's request answers `404`, as if it did not exist.
#[utoipa::path(
    tag = "requests",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Request id")),
    responses(
        (status = 200, description = "The request.", body = HelpRequestView),
        (status = 401, description = "No valid session.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Staff and requesters only.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request visible to the caller.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{id}")]
pub(super) async fn read(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
) -> Result<web::Json<HelpRequestView>, ApiError> {
    let visibility = reader(&auth)?;
    let id = path.into_inner();
    let request = state
        .store
        .run(move |conn| requests::get(conn, visibility, id))
        .await
        .map_err(ApiError::from)?;
    Ok(web::Json(request.into()))
}

/// Body of a cancellation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelBody {
    /// Why, at most 1,000 characters (optional; blank counts as none). Kept with the
    /// request and in its audit trail. **No patient or health data.**
    #[schema(
        example = "Le prestataire a finalement déployé le VPN.",
        max_length = 1000
    )]
    pub reason: Option<String>,
}

/// Cancel a help request: its requester or staff.
///
/// Possible while no help has been given: from `submitted`, `proposed`, `accepted` or
/// `unmatched`. A request already `cancelled`, `resolved` or `closed` answers `409`
/// with its current state in `current_status` (and `detail`). Who cancelled, when and
/// why are kept in the request's audit trail. Pending proposals are withdrawn, and a
/// volunteer who had accepted is released and e-mailed. Send `{}` when giving no reason.
#[utoipa::path(
    tag = "requests",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Request id")),
    request_body = CancelBody,
    responses(
        (status = 200, description = "Request cancelled.", body = HelpRequestView),
        (status = 400, description = "Malformed JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid session.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Staff and requesters only.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request visible to the caller.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The request can no longer be cancelled; `current_status` gives its state.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Reason too long, or unknown fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/{id}/cancel")]
pub(super) async fn cancel(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<Uuid>,
    body: Json<CancelBody>,
) -> Result<web::Json<HelpRequestView>, ApiError> {
    let visibility = reader(&auth)?;
    let reason = match body.into_inner().reason {
        Some(reason) if !reason.trim().is_empty() => Some(
            bounded_text(&reason, REASON_MAX, "request.cancel_reason")
                .map_err(|error| ApiError::invalid("/reason", &error))?,
        ),
        _ => None,
    };
    let id = path.into_inner();
    let actor = auth.user.id;
    let now = state.clock.now();
    // Also withdraws the proposals and releases a volunteer who had accepted (issue 7).
    let outcome = state
        .store
        .run(move |conn| crate::cases::cancel(conn, visibility, id, actor, reason.as_deref(), now))
        .await?;
    match outcome {
        CancelOutcome::Cancelled(request) => {
            tracing::info!(request_id = %request.id, user_id = %actor, "help request cancelled");
            Ok(web::Json((*request).into()))
        }
        // `current_status` too, as for every refused transition (issue 7).
        CancelOutcome::Refused { current } => Err(ApiError::InvalidState {
            code: "conflict",
            detail: format!(
                "Cette demande ne peut plus être annulée : elle est dans l'état « {} » ({}).",
                current.label(),
                current.as_str()
            ),
            current_status: Some(current.as_str().to_owned()),
            errors: Vec::new(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_view_and_store_status_agree() {
        for status in RequestStatus::ALL {
            let view = StatusView::from(status);
            assert_eq!(RequestStatus::from(view), status);
            assert_eq!(
                serde_json::to_value(view).ok(),
                Some(serde_json::Value::String(status.as_str().to_owned()))
            );
        }
    }
}
