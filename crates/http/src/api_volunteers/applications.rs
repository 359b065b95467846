//! `/api/v1/applications`: anyone applies; staff list, read, accept and reject.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use entraide_core::{
    Department, Email, Gender, JobRole, LegalStatus, PhoneNumber, Region, Sector, ThemeId,
};
use entraide_notifier::messages::{ApplicationAccepted, ApplicationReceived, ApplicationRejected};
use entraide_store::applications::{self, Application, ApplicationFilter, NewApplication};
use entraide_store::{themes, StoreError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{
    theme_labels, Errors, ThemeLabel, DEFAULT_CAPACITY, NAME_MAX_CHARS, ORGANISATION_MAX_CHARS,
    PRESENTATION_MAX_CHARS, REASON_MAX_CHARS, VOLUNTEER_SPACE_PAGE,
};
use crate::auth::Staff;
use crate::json::Json;
use crate::page::{Page, PageQuery};
use crate::{client_ip, ApiError, AppState, Problem};

/// Where an application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationStatus {
    /// Waiting for staff.
    Pending,
    /// Accepted: the applicant is a volunteer.
    Accepted,
    /// Rejected, with a reason.
    Rejected,
}

impl From<applications::ApplicationStatus> for ApplicationStatus {
    fn from(status: applications::ApplicationStatus) -> Self {
        match status {
            applications::ApplicationStatus::Pending => ApplicationStatus::Pending,
            applications::ApplicationStatus::Accepted => ApplicationStatus::Accepted,
            applications::ApplicationStatus::Rejected => ApplicationStatus::Rejected,
        }
    }
}

impl From<ApplicationStatus> for applications::ApplicationStatus {
    fn from(status: ApplicationStatus) -> Self {
        match status {
            ApplicationStatus::Pending => applications::ApplicationStatus::Pending,
            ApplicationStatus::Accepted => applications::ApplicationStatus::Accepted,
            ApplicationStatus::Rejected => applications::ApplicationStatus::Rejected,
        }
    }
}

/// The volunteer application form.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Claire Lefèvre",
    "email": "claire.lefevre@chu-exemple.fr",
    "phone": "06 12 34 56 78",
    "gender": "femme",
    "job_role": "dsi",
    "origin_sector": "sanitaire",
    "origin_status": "public",
    "department": "69",
    "themes": ["teletravail", "pca"],
    "presentation": "DSI d'un CHU depuis 8 ans, j'ai déployé le télétravail pour 2 000 agents en mars 2020.",
    "capacity": 2,
    "own_organisation": "CHU de Lyon",
    "publication_consent": true
}))]
pub struct ApplicationForm {
    /// Full name, 1 to 100 characters.
    pub name: String,
    /// Address: the acknowledgement and the decision are sent there, and the volunteer
    /// signs in with it once accepted. One pending or accepted application per address.
    pub email: Email,
    /// Phone number (French).
    pub phone: PhoneNumber,
    /// Gender, optional (only for the head counts of the bilan).
    #[serde(default)]
    pub gender: Option<Gender>,
    /// Job role.
    pub job_role: JobRole,
    /// Sector the applicant works in.
    pub origin_sector: Sector,
    /// Legal status of the applicant's employer.
    pub origin_status: LegalStatus,
    /// Department where the applicant works; the region is derived from it.
    pub department: Department,
    /// Expertise themes offered: at least one, at most 20, each offered (not retired);
    /// repeats are ignored.
    pub themes: Vec<ThemeId>,
    /// Short presentation, 1 to 2,000 characters, published in the directory once
    /// accepted if `publication_consent` is true. **No patient or health data.**
    pub presentation: String,
    /// Open cases at once, 1 to 10 (default 2).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 10, default = 2, example = 2)]
    pub capacity: Option<i64>,
    /// Own establishment or organisation, up to 200 characters, used to avoid conflicts
    /// of interest; never published. Blank means none.
    #[serde(default)]
    pub own_organisation: Option<String>,
    /// Consent to the publication of the public profile (name, role, sector, region,
    /// themes, presentation) in the directory once accepted. Must be answered.
    pub publication_consent: bool,
}

/// An application, as staff see it (and as the applicant gets it back).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "6f1c2b9e-4d3a-4c8e-9a1b-2f3e4d5c6b7a",
    "email": "claire.lefevre@chu-exemple.fr",
    "name": "Claire Lefèvre",
    "phone": "+33612345678",
    "gender": "femme",
    "job_role": "dsi",
    "origin_sector": "sanitaire",
    "origin_status": "public",
    "department": "69",
    "region": "84",
    "themes": [{"id": "teletravail", "label": "Télétravail"}, {"id": "pca", "label": "Plan de continuité d'activité (PCA)"}],
    "presentation": "DSI d'un CHU depuis 8 ans, j'ai déployé le télétravail pour 2 000 agents en mars 2020.",
    "capacity": 2,
    "own_organisation": "CHU de Lyon",
    "publication_consent": true,
    "status": "pending",
    "rejection_reason": null,
    "decided_at": null,
    "decided_by": null,
    "volunteer_id": null,
    "created_at": "2026-11-23T09:30:00",
    "updated_at": "2026-11-23T09:30:00"
}))]
pub struct ApplicationView {
    /// Id.
    pub id: Uuid,
    /// Applicant's address.
    pub email: Email,
    /// Full name.
    pub name: String,
    /// Phone number, E.164.
    pub phone: PhoneNumber,
    /// Gender, when given.
    pub gender: Option<Gender>,
    /// Job role.
    pub job_role: JobRole,
    /// Sector the applicant works in; `null` when not stated (records from before the
    /// service: the form asks for it).
    pub origin_sector: Option<Sector>,
    /// Legal status of the applicant's employer.
    pub origin_status: LegalStatus,
    /// Department.
    pub department: Department,
    /// Region of the department.
    pub region: Region,
    /// Expertise themes, in display order.
    pub themes: Vec<ThemeLabel>,
    /// Short presentation.
    pub presentation: String,
    /// Open cases at once.
    pub capacity: i32,
    /// Own establishment or organisation.
    pub own_organisation: Option<String>,
    /// Consent to publication.
    pub publication_consent: bool,
    /// Where it stands.
    pub status: ApplicationStatus,
    /// Why it was rejected, as sent to the applicant.
    pub rejection_reason: Option<String>,
    /// When staff decided (UTC).
    pub decided_at: Option<NaiveDateTime>,
    /// The staff user who decided.
    pub decided_by: Option<Uuid>,
    /// The volunteer it became, once accepted.
    pub volunteer_id: Option<Uuid>,
    /// When it was sent (UTC).
    pub created_at: NaiveDateTime,
    /// Last change (UTC).
    pub updated_at: NaiveDateTime,
}

impl From<Application> for ApplicationView {
    fn from(application: Application) -> Self {
        Self {
            id: application.id,
            email: application.email,
            name: application.name,
            phone: application.phone,
            gender: application.gender,
            job_role: application.job_role,
            origin_sector: application.origin_sector,
            origin_status: application.origin_status,
            department: application.department,
            region: application.region,
            themes: theme_labels(application.themes),
            presentation: application.presentation,
            capacity: application.capacity,
            own_organisation: application.own_organisation,
            publication_consent: application.publication_consent,
            status: application.status.into(),
            rejection_reason: application.rejection_reason,
            decided_at: application.decided_at,
            decided_by: application.decided_by,
            volunteer_id: application.volunteer_id,
            created_at: application.created_at,
            updated_at: application.updated_at,
        }
    }
}

const ALREADY_APPLIED: &str = "Une candidature est déjà en cours d'examen ou a déjà été acceptée \
     pour cette adresse e-mail.";

/// Apply as a volunteer.
///
/// Public. The applicant receives an acknowledgement by e-mail; staff then accept or
/// reject the application. A second application from an address whose application is
/// pending or accepted is refused (`409`); after a rejection, one may apply again.
/// Limited per IP address.
#[utoipa::path(
    tag = "volunteers",
    operation_id = "submit_application",
    request_body = ApplicationForm,
    responses(
        (status = 201, description = "Application recorded; the acknowledgement is queued.", body = ApplicationView),
        (status = 400, description = "Malformed JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "This address already has a pending or accepted application.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, each listed with its path.", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many submissions from this address; see `Retry-After`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("")]
pub(super) async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<ApplicationForm>,
) -> Result<HttpResponse, ApiError> {
    state.limits.public_post(client_ip(&req))?;
    let form = body.into_inner();
    let mut errors = Errors::default();
    let name = errors.text("/name", &form.name, NAME_MAX_CHARS, "application.name");
    let presentation = errors.text(
        "/presentation",
        &form.presentation,
        PRESENTATION_MAX_CHARS,
        "application.presentation",
    );
    let own_organisation = errors.optional_text(
        "/own_organisation",
        form.own_organisation.as_deref(),
        ORGANISATION_MAX_CHARS,
        "application.own_organisation",
    );
    let capacity = errors.capacity("/capacity", form.capacity.unwrap_or(DEFAULT_CAPACITY));
    let themes = errors.themes("/themes", &form.themes);
    let new = NewApplication {
        email: form.email,
        name,
        phone: form.phone,
        gender: form.gender,
        job_role: form.job_role,
        origin_sector: form.origin_sector,
        origin_status: form.origin_status,
        department: form.department,
        themes: themes.iter().map(|(_, id)| id.clone()).collect(),
        presentation,
        capacity,
        own_organisation,
        publication_consent: form.publication_consent,
    };
    let now = state.clock.now();
    let application = state
        .store
        .run(move |conn| {
            // Reads, then writes: on SQLite only a transaction that takes the write lock
            // first survives another connection writing in between (see `write_transaction`).
            entraide_store::write_transaction(conn, |conn| {
                let ids: Vec<String> = themes.iter().map(|(_, id)| id.to_string()).collect();
                let refused = themes::unknown_or_retired(conn, &ids)?;
                errors.unknown_themes("/themes", &themes, &refused);
                errors.into_result()?;
                if applications::has_open_application(conn, &new.email)? {
                    return Err(ApiError::Conflict(ALREADY_APPLIED.into()));
                }
                let application =
                    applications::create(conn, &new, now).map_err(|error| match error {
                        StoreError::Conflict(_) => ApiError::Conflict(ALREADY_APPLIED.into()),
                        other => other.into(),
                    })?;
                let message = ApplicationReceived {
                    volunteer_name: application.name.clone(),
                    themes: application.themes.iter().map(|t| t.label.clone()).collect(),
                    region: application.region.name().to_owned(),
                };
                entraide_notifier::queue_at(conn, &application.email, &message, now)?;
                Ok::<_, ApiError>(application)
            })
        })
        .await?;
    tracing::info!(application_id = %application.id, "volunteer application received");
    Ok(HttpResponse::Created().json(ApplicationView::from(application)))
}

/// Filters and page of the application list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ApplicationsQuery {
    /// Only this status.
    pub status: Option<ApplicationStatus>,
    /// Only applicants of this region (INSEE code).
    pub region: Option<Region>,
    /// Only applications offering this theme.
    pub theme: Option<ThemeId>,
    /// Only applicants of this sector.
    pub sector: Option<Sector>,
    /// Page number, from 1 (default 1).
    #[param(minimum = 1, example = 1)]
    pub page: Option<u32>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub per_page: Option<u32>,
}

/// List applications (staff), newest first.
#[utoipa::path(
    tag = "volunteers",
    operation_id = "list_applications",
    security(("bearer" = [])),
    params(ApplicationsQuery),
    responses(
        (status = 200, description = "One page of applications, newest first.", body = Page<ApplicationView>),
        (status = 401, description = "No valid session.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Staff only.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid filter or page.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("")]
pub(super) async fn list(
    state: web::Data<AppState>,
    _staff: Staff,
    query: web::Query<ApplicationsQuery>,
) -> Result<web::Json<Page<ApplicationView>>, ApiError> {
    let query = query.into_inner();
    let page = PageQuery {
        page: query.page,
        per_page: query.per_page,
    }
    .validate()?;
    let filter = ApplicationFilter {
        status: query.status.map(Into::into),
        region: query.region,
        theme: query.theme,
        sector: query.sector,
    };
    let (items, total) = state
        .store
        .run(move |conn| applications::list(conn, &filter, page.offset(), page.limit()))
        .await
        .map_err(ApiError::from)?;
    Ok(web::Json(Page::new(
        items.into_iter().map(ApplicationView::from).collect(),
        page,
        total,
    )))
}

/// Read one application (staff).
#[utoipa::path(
    tag = "volunteers",
    operation_id = "read_application",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Application id")),
    responses(
        (status = 200, description = "The application.", body = ApplicationView),
        (status = 401, description = "No valid session.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Staff only.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{id}")]
pub(super) async fn read(
    state: web::Data<AppState>,
    _staff: Staff,
    path: web::Path<Uuid>,
) -> Result<web::Json<ApplicationView>, ApiError> {
    let id = path.into_inner();
    let application = state
        .store
        .run(move |conn| applications::get(conn, id))
        .await
        .map_err(ApiError::from)?;
    Ok(web::Json(application.into()))
}

/// The `409` of a decision on an application that is no longer pending.
fn already_decided(status: applications::ApplicationStatus) -> ApiError {
    ApiError::Conflict(match status {
        applications::ApplicationStatus::Accepted => {
            "Cette candidature a déjà été acceptée.".to_owned()
        }
        applications::ApplicationStatus::Rejected => {
            "Cette candidature a déjà été refusée.".to_owned()
        }
        applications::ApplicationStatus::Pending => {
            "Cette candidature vient d'être traitée par quelqu'un d'autre.".to_owned()
        }
    })
}

/// Reads an application and checks that it is still pending.
fn pending(conn: &mut entraide_store::DbConnection, id: Uuid) -> Result<Application, ApiError> {
    let application = applications::get(conn, id)?;
    if application.status == applications::ApplicationStatus::Pending {
        Ok(application)
    } else {
        Err(already_decided(application.status))
    }
}

/// Maps the conflict of a decision that lost a race with another one.
fn decision_error(
    conn: &mut entraide_store::DbConnection,
    id: Uuid,
    error: StoreError,
) -> ApiError {
    match error {
        StoreError::Conflict(_) => match applications::get(conn, id) {
            Ok(current) => already_decided(current.status),
            Err(other) => other.into(),
        },
        other => other.into(),
    }
}

/// Accept a pending application (staff).
///
/// Creates the volunteer with the application's profile, and the applicant's user with
/// the `volunteer` role (or adds the role to an existing user of that address), then
/// e-mails the applicant a link to their area. Answers with the application, whose
/// `volunteer_id` names the new volunteer.
#[utoipa::path(
    tag = "volunteers",
    operation_id = "accept_application",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Application id")),
    responses(
        (status = 200, description = "Accepted; the volunteer exists and the e-mail is queued.", body = ApplicationView),
        (status = 401, description = "No valid session.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Staff only.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The application is not pending (already accepted or rejected).", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/{id}/accept")]
pub(super) async fn accept(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<Uuid>,
) -> Result<web::Json<ApplicationView>, ApiError> {
    let id = path.into_inner();
    let staff_id = staff.0.user.id;
    let now = state.clock.now();
    let space_link = format!("{}{VOLUNTEER_SPACE_PAGE}", state.public_url);
    let (application, volunteer) = state
        .store
        .run(move |conn| {
            // Reads, then writes: on SQLite only a transaction that takes the write lock
            // first survives another connection writing in between (see `write_transaction`).
            entraide_store::write_transaction(conn, |conn| {
                pending(conn, id)?;
                let (application, volunteer) = applications::accept(conn, id, staff_id, now)
                    .map_err(|error| decision_error(conn, id, error))?;
                let message = ApplicationAccepted {
                    volunteer_name: volunteer.name.clone(),
                    capacity: u32::try_from(volunteer.capacity).unwrap_or(1),
                    space_link,
                };
                entraide_notifier::queue_at(conn, &volunteer.email, &message, now)?;
                Ok::<_, ApiError>((application, volunteer))
            })
        })
        .await?;
    tracing::info!(
        application_id = %application.id,
        volunteer_id = %volunteer.id,
        staff_id = %staff_id,
        "volunteer application accepted"
    );
    Ok(web::Json(application.into()))
}

/// Why an application is rejected.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "reason": "Le dispositif recherche en priorité des profils ayant une expérience des systèmes d'information en établissement."
}))]
pub struct Rejection {
    /// The reason, 1 to 2,000 characters, written for the applicant: it is sent to them
    /// by e-mail and kept on the application. **No health data.**
    pub reason: String,
}

/// Reject a pending application with a reason (staff).
///
/// The applicant receives the reason by e-mail and may apply again later.
#[utoipa::path(
    tag = "volunteers",
    operation_id = "reject_application",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Application id")),
    request_body = Rejection,
    responses(
        (status = 200, description = "Rejected; the e-mail is queued.", body = ApplicationView),
        (status = 400, description = "Malformed JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid session.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Staff only.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The application is not pending (already accepted or rejected).", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing, empty or too long reason.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/{id}/reject")]
pub(super) async fn reject(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<Uuid>,
    body: Json<Rejection>,
) -> Result<web::Json<ApplicationView>, ApiError> {
    let id = path.into_inner();
    let mut errors = Errors::default();
    let reason = errors.text(
        "/reason",
        &body.into_inner().reason,
        REASON_MAX_CHARS,
        "application.rejection_reason",
    );
    errors.into_result()?;
    let staff_id = staff.0.user.id;
    let now = state.clock.now();
    let application = state
        .store
        .run(move |conn| {
            // Reads, then writes: on SQLite only a transaction that takes the write lock
            // first survives another connection writing in between (see `write_transaction`).
            entraide_store::write_transaction(conn, |conn| {
                pending(conn, id)?;
                let application = applications::reject(conn, id, staff_id, &reason, now)
                    .map_err(|error| decision_error(conn, id, error))?;
                let message = ApplicationRejected {
                    volunteer_name: application.name.clone(),
                    reason: Some(reason.clone()),
                };
                entraide_notifier::queue_at(conn, &application.email, &message, now)?;
                Ok::<_, ApiError>(application)
            })
        })
        .await?;
    tracing::info!(
        application_id = %application.id,
        staff_id = %staff_id,
        "volunteer application rejected"
    );
    Ok(web::Json(application.into()))
}
