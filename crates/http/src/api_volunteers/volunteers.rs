//! `/api/v1/volunteers`: the public directory, the volunteer's own profile, staff
//! deactivation.

use actix_web::http::header::AUTHORIZATION;
use actix_web::{get, patch, post, web, FromRequest, HttpRequest};
use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use entraide_core::{
    Department, Email, Gender, JobRole, LegalStatus, PhoneNumber, Region, Sector, ThemeId,
};
use entraide_store::volunteers::{self, DirectoryEntry, DirectoryFilter, ProfileChange, Volunteer};
use entraide_store::{themes, StoreError};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{theme_labels, Errors, ThemeLabel, NAME_MAX_CHARS, PRESENTATION_MAX_CHARS};
use crate::auth::{Authenticated, Staff, Volunteer as VolunteerRole};
use crate::json::Json;
use crate::page::{Page, PageQuery};
use crate::{ApiError, AppState, Problem};

/// Longest pause, in days from today.
pub const MAX_PAUSE_DAYS: i64 = 365;

/// A volunteer as the public directory shows them: never an e-mail address, a phone
/// number or anything else private.
#[derive(Debug, Serialize, ToSchema)]
// Makes the schema closed (`additionalProperties: false`), which tells it apart from
// `VolunteerView` in `VolunteerDetail`.
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "id": "0b8e4f7a-1c2d-4e3f-8a9b-0c1d2e3f4a5b",
    "name": "Claire Lefèvre",
    "job_role": "dsi",
    "origin_sector": "sanitaire",
    "region": "84",
    "themes": [{"id": "teletravail", "label": "Télétravail"}],
    "presentation": "DSI d'un CHU depuis 8 ans, j'ai déployé le télétravail pour 2 000 agents en mars 2020.",
    "available": true
}))]
pub struct PublicVolunteer {
    /// Id.
    pub id: Uuid,
    /// Full name.
    pub name: String,
    /// Job role.
    pub job_role: JobRole,
    /// Sector the volunteer works in; `null` when not stated (records from before the
    /// service).
    pub origin_sector: Option<Sector>,
    /// Region.
    pub region: Region,
    /// Expertise themes, in display order.
    pub themes: Vec<ThemeLabel>,
    /// Short presentation.
    pub presentation: String,
    /// False while the volunteer has paused their availability.
    pub available: bool,
}

fn public(entry: DirectoryEntry, today: NaiveDate) -> PublicVolunteer {
    PublicVolunteer {
        id: entry.id,
        name: entry.name,
        job_role: entry.job_role,
        origin_sector: entry.origin_sector,
        region: entry.region,
        themes: theme_labels(entry.themes),
        presentation: entry.presentation,
        available: !volunteers::is_paused(entry.paused_until, today),
    }
}

/// A volunteer with every detail: for the volunteer themself and for staff.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0b8e4f7a-1c2d-4e3f-8a9b-0c1d2e3f4a5b",
    "user_id": "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d",
    "application_id": "6f1c2b9e-4d3a-4c8e-9a1b-2f3e4d5c6b7a",
    "email": "claire.lefevre@chu-exemple.fr",
    "name": "Claire Lefèvre",
    "phone": "+33612345678",
    "gender": "femme",
    "job_role": "dsi",
    "origin_sector": "sanitaire",
    "origin_status": "public",
    "department": "69",
    "region": "84",
    "themes": [{"id": "teletravail", "label": "Télétravail"}],
    "presentation": "DSI d'un CHU depuis 8 ans, j'ai déployé le télétravail pour 2 000 agents en mars 2020.",
    "capacity": 2,
    "own_organisation": "CHU de Lyon",
    "publication_consent": true,
    "paused_until": null,
    "available": true,
    "active": true,
    "deactivated_at": null,
    "created_at": "2026-11-24T10:00:00",
    "updated_at": "2026-11-24T10:00:00"
}))]
pub struct VolunteerView {
    /// Id.
    pub id: Uuid,
    /// The user the volunteer signs in as.
    pub user_id: Uuid,
    /// The accepted application.
    pub application_id: Uuid,
    /// Address (the sign-in address).
    pub email: Email,
    /// Full name.
    pub name: String,
    /// Phone number, E.164.
    pub phone: PhoneNumber,
    /// Gender, when given.
    pub gender: Option<Gender>,
    /// Job role.
    pub job_role: JobRole,
    /// Sector the volunteer works in; `null` when not stated (records from before the
    /// service).
    pub origin_sector: Option<Sector>,
    /// Legal status of the volunteer's employer.
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
    /// Own establishment or organisation (conflicts of interest); never published.
    pub own_organisation: Option<String>,
    /// Consent to the publication of the public profile in the directory.
    pub publication_consent: bool,
    /// Unavailable through this day (UTC) included.
    pub paused_until: Option<NaiveDate>,
    /// Active and not paused today.
    pub available: bool,
    /// False once staff deactivated the volunteer.
    pub active: bool,
    /// When staff deactivated the volunteer (UTC).
    pub deactivated_at: Option<NaiveDateTime>,
    /// When the application was accepted (UTC).
    pub created_at: NaiveDateTime,
    /// Last change of the profile (UTC).
    pub updated_at: NaiveDateTime,
}

fn full(volunteer: Volunteer, today: NaiveDate) -> VolunteerView {
    let available = volunteer.active && !volunteer.is_paused(today);
    VolunteerView {
        id: volunteer.id,
        user_id: volunteer.user_id,
        application_id: volunteer.application_id,
        email: volunteer.email,
        name: volunteer.name,
        phone: volunteer.phone,
        gender: volunteer.gender,
        job_role: volunteer.job_role,
        origin_sector: volunteer.origin_sector,
        origin_status: volunteer.origin_status,
        department: volunteer.department,
        region: volunteer.region,
        themes: theme_labels(volunteer.themes),
        presentation: volunteer.presentation,
        capacity: volunteer.capacity,
        own_organisation: volunteer.own_organisation,
        publication_consent: volunteer.publication_consent,
        paused_until: volunteer.paused_until,
        available,
        active: volunteer.active,
        deactivated_at: volunteer.deactivated_at,
        created_at: volunteer.created_at,
        updated_at: volunteer.updated_at,
    }
}

/// One volunteer: the full view for staff and for the volunteer themself, the public
/// view for anyone else (recognisable by the absence of `email`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum VolunteerDetail {
    /// Staff, or the volunteer themself.
    Full(VolunteerView),
    /// Anyone else.
    Public(PublicVolunteer),
}

/// Filters and page of the directory.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DirectoryQuery {
    /// Only volunteers offering this theme.
    pub theme: Option<ThemeId>,
    /// Only volunteers of this region (INSEE code).
    pub region: Option<Region>,
    /// Page number, from 1 (default 1).
    #[param(minimum = 1, example = 1)]
    pub page: Option<u32>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub per_page: Option<u32>,
}

/// The public directory of volunteers.
///
/// Public. Lists accepted volunteers who are active and consented to publication, in
/// order of acceptance (pages stay stable as volunteers join). Paused volunteers are
/// listed with `available: false`. Never shows an e-mail address or a phone number.
#[utoipa::path(
    tag = "volunteers",
    operation_id = "list_volunteers",
    params(DirectoryQuery),
    responses(
        (status = 200, description = "One page of the directory.", body = Page<PublicVolunteer>),
        (status = 422, description = "Invalid filter or page.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("")]
pub(super) async fn directory(
    state: web::Data<AppState>,
    query: web::Query<DirectoryQuery>,
) -> Result<web::Json<Page<PublicVolunteer>>, ApiError> {
    let query = query.into_inner();
    let page = PageQuery {
        page: query.page,
        per_page: query.per_page,
    }
    .validate()?;
    let filter = DirectoryFilter {
        theme: query.theme,
        region: query.region,
    };
    let today = state.clock.now().date();
    let (entries, total) = state
        .store
        .run(move |conn| volunteers::directory(conn, &filter, page.offset(), page.limit()))
        .await
        .map_err(ApiError::from)?;
    Ok(web::Json(Page::new(
        entries.into_iter().map(|e| public(e, today)).collect(),
        page,
        total,
    )))
}

/// Read one's own volunteer profile.
#[utoipa::path(
    tag = "volunteers",
    operation_id = "read_own_volunteer_profile",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's profile.", body = VolunteerView),
        (status = 401, description = "No valid session.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Volunteers only.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The caller has no volunteer profile.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me")]
pub(super) async fn read_own(
    state: web::Data<AppState>,
    volunteer: VolunteerRole,
) -> Result<web::Json<VolunteerView>, ApiError> {
    let user_id = volunteer.0.user.id;
    let today = state.clock.now().date();
    let found = state
        .store
        .run(move |conn| volunteers::find_by_user(conn, user_id))
        .await
        .map_err(ApiError::from)?;
    let own = found.ok_or_else(|| {
        tracing::debug!(%user_id, "no volunteer profile for this user");
        ApiError::NotFound
    })?;
    Ok(web::Json(full(own, today)))
}

/// Keeps `null` apart from an absent field: `Some(None)` for `null`.
fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// Changes to one's own profile; absent (or `null`) fields stay as they are, except
/// `paused_until`, where `null` ends the pause.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "themes": ["teletravail", "cybersecurite"],
    "capacity": 3,
    "paused_until": "2026-12-31",
    "phone": "07 98 76 54 32"
}))]
pub struct ProfilePatch {
    /// Full name, 1 to 100 characters (also the display name of the user).
    pub name: Option<String>,
    /// Phone number (French).
    pub phone: Option<PhoneNumber>,
    /// The new set of themes (replaces the old one): at least one, at most 20. Themes
    /// already on the profile may stay even if staff retired them since; added ones must
    /// be offered.
    pub themes: Option<Vec<ThemeId>>,
    /// Open cases at once, 1 to 10.
    #[schema(minimum = 1, maximum = 10, example = 3)]
    pub capacity: Option<i64>,
    /// Pause through this day (UTC) included, from today to one year ahead; `null` ends
    /// the pause.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, format = Date, example = "2026-12-31")]
    pub paused_until: Option<Option<String>>,
    /// Short presentation, 1 to 2,000 characters. **No patient or health data.**
    pub presentation: Option<String>,
    /// Give or withdraw consent to appear in the public directory.
    pub publication_consent: Option<bool>,
}

fn pause_date(errors: &mut Errors, text: &str, today: NaiveDate) -> Option<NaiveDate> {
    const PATH: &str = "/paused_until";
    let Ok(date) = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") else {
        errors.push(
            PATH,
            "date.invalid",
            "La date doit être au format AAAA-MM-JJ (par exemple 2026-12-31).",
        );
        return None;
    };
    let latest = today + TimeDelta::days(MAX_PAUSE_DAYS);
    if date < today {
        errors.push(
            PATH,
            "paused_until.past",
            "La date de fin de pause ne peut pas être passée.",
        );
    } else if date > latest {
        errors.push(
            PATH,
            "paused_until.too_far",
            format!(
                "Une pause ne peut pas dépasser un an : indiquez une date au plus tard le {}.",
                latest.format("%d/%m/%Y")
            ),
        );
    }
    Some(date)
}

/// Change one's own volunteer profile: themes, capacity, pause, presentation, name,
/// phone, consent to publication.
///
/// A deactivated volunteer can read their profile but no longer change it (`409`).
#[utoipa::path(
    tag = "volunteers",
    operation_id = "update_own_volunteer_profile",
    security(("bearer" = [])),
    request_body = ProfilePatch,
    responses(
        (status = 200, description = "The changed profile.", body = VolunteerView),
        (status = 400, description = "Malformed JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid session.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Volunteers only.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The caller has no volunteer profile.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Staff deactivated this volunteer.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, each listed with its path.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/me")]
pub(super) async fn update_own(
    state: web::Data<AppState>,
    volunteer: VolunteerRole,
    body: Json<ProfilePatch>,
) -> Result<web::Json<VolunteerView>, ApiError> {
    let patch = body.into_inner();
    let today = state.clock.now().date();
    let mut errors = Errors::default();
    let name = patch
        .name
        .as_deref()
        .map(|name| errors.text("/name", name, NAME_MAX_CHARS, "volunteer.name"));
    let presentation = patch.presentation.as_deref().map(|text| {
        errors.text(
            "/presentation",
            text,
            PRESENTATION_MAX_CHARS,
            "volunteer.presentation",
        )
    });
    let capacity = patch
        .capacity
        .map(|capacity| errors.capacity("/capacity", capacity));
    let paused_until = patch
        .paused_until
        .map(|pause| pause.and_then(|text| pause_date(&mut errors, &text, today)));
    let themes = patch
        .themes
        .as_deref()
        .map(|themes| errors.themes("/themes", themes));
    let change = ProfileChange {
        name,
        phone: patch.phone,
        themes: themes
            .as_ref()
            .map(|themes| themes.iter().map(|(_, id)| id.clone()).collect()),
        capacity,
        paused_until,
        presentation,
        publication_consent: patch.publication_consent,
    };
    let visibility = volunteer.0.visibility();
    let user_id = volunteer.0.user.id;
    let now = state.clock.now();
    let updated = state
        .store
        .run(move |conn| {
            // Reads, then writes: on SQLite only a transaction that takes the write lock
            // first survives another connection writing in between (see `write_transaction`).
            entraide_store::write_transaction(conn, |conn| {
                let current = volunteers::find_by_user(conn, user_id)?.ok_or_else(|| {
                    tracing::debug!(%user_id, "no volunteer profile for this user");
                    ApiError::NotFound
                })?;
                if let Some(themes) = &themes {
                    // Themes already held may stay even if retired since.
                    let added: Vec<String> = themes
                        .iter()
                        .map(|(_, id)| id.to_string())
                        .filter(|id| !current.themes.iter().any(|held| &held.id == id))
                        .collect();
                    let refused = themes::unknown_or_retired(conn, &added)?;
                    errors.unknown_themes("/themes", themes, &refused);
                }
                errors.into_result()?;
                if !current.active {
                    return Err(ApiError::Conflict(
                        "Votre profil de volontaire a été désactivé par l'équipe de l'ANAP : \
                         il ne peut plus être modifié."
                            .into(),
                    ));
                }
                Ok::<_, ApiError>(volunteers::update(
                    conn, visibility, current.id, &change, now,
                )?)
            })
        })
        .await?;
    tracing::info!(volunteer_id = %updated.id, "volunteer profile changed");
    Ok(web::Json(full(updated, today)))
}

/// Who is reading, when an `Authorization` header is sent: a public endpoint still
/// refuses an invalid session (`401`) rather than silently answering as to anyone.
async fn optional_reader(req: &HttpRequest) -> Result<Option<Authenticated>, ApiError> {
    if req.headers().contains_key(AUTHORIZATION) {
        Authenticated::extract(req).await.map(Some)
    } else {
        Ok(None)
    }
}

/// Read one volunteer.
///
/// Public. Anyone sees the directory's view of a volunteer the directory shows (`404`
/// for anyone else). Staff, and the volunteer themself, see every detail of any
/// volunteer they may see, contact details included, whether listed or not.
#[utoipa::path(
    tag = "volunteers",
    operation_id = "read_volunteer",
    security((), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "Volunteer id")),
    responses(
        (status = 200, description = "The volunteer: full view for staff and for the volunteer themself, public view otherwise.", body = VolunteerDetail),
        (status = 401, description = "An `Authorization` header was sent, but the session is not valid.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such volunteer visible to the caller.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{id}")]
pub(super) async fn read(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Uuid>,
) -> Result<web::Json<VolunteerDetail>, ApiError> {
    let id = path.into_inner();
    let visibility = optional_reader(&req)
        .await?
        .map(|reader| reader.visibility());
    let today = state.clock.now().date();
    let detail = state
        .store
        .run(move |conn| {
            if let Some(visibility) = visibility {
                match volunteers::get(conn, visibility, id) {
                    Ok(volunteer) => return Ok(VolunteerDetail::Full(full(volunteer, today))),
                    Err(StoreError::NotFound) => {}
                    Err(other) => return Err(other),
                }
            }
            let entry = volunteers::directory_entry(conn, id)?;
            Ok(VolunteerDetail::Public(public(entry, today)))
        })
        .await
        .map_err(ApiError::from)?;
    Ok(web::Json(detail))
}

/// Deactivate a volunteer (staff).
///
/// The volunteer leaves the directory (and matching) at once; their data and their
/// accepted application stay, so the same address cannot apply again. Deactivating an
/// inactive volunteer changes nothing.
#[utoipa::path(
    tag = "volunteers",
    operation_id = "deactivate_volunteer",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Volunteer id")),
    responses(
        (status = 200, description = "The volunteer, inactive.", body = VolunteerView),
        (status = 401, description = "No valid session.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Staff only.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such volunteer.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/{id}/deactivate")]
pub(super) async fn deactivate(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<Uuid>,
) -> Result<web::Json<VolunteerView>, ApiError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let volunteer = state
        .store
        .run(move |conn| volunteers::deactivate(conn, id, now))
        .await
        .map_err(ApiError::from)?;
    tracing::info!(volunteer_id = %id, staff_id = %staff.0.user.id, "volunteer deactivated");
    Ok(web::Json(full(volunteer, now.date())))
}
