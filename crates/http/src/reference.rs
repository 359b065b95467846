//! Reference data: themes (which staff extend), regions, departments and the closed lists
//! the forms offer.

use actix_web::{get, patch, post, web, HttpResponse};
use chrono::NaiveDateTime;
use entraide_core::{
    AnswerType, Department, EstablishmentKind, Gender, JobRole, LegalStatus, Region, Sector,
    ThemeId, Urgency,
};
use entraide_store::themes::{self, Theme, ThemeChange};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Staff;
use crate::json::Json;
use crate::{ApiError, AppState, FieldError, Problem};

/// Registers the reference routes directly under `/api/v1`.
pub(crate) fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_themes)
        .service(add_theme)
        .service(change_theme)
        .service(list_regions)
        .service(list_departments)
        .service(list_answer_types)
        .service(vocabularies);
}

/// A theme of expertise or of help requests.
#[derive(Debug, Serialize, ToSchema)]
pub struct ThemeView {
    /// Stable id.
    #[schema(example = "teletravail")]
    pub id: String,
    /// French label.
    #[schema(example = "Télétravail")]
    pub label: String,
    /// Display order.
    pub position: i32,
    /// Set when staff retired the theme: it is offered no more, but old records keep it.
    pub retired_at: Option<NaiveDateTime>,
}

impl From<Theme> for ThemeView {
    fn from(theme: Theme) -> Self {
        Self {
            id: theme.id,
            label: theme.label,
            position: theme.position,
            retired_at: theme.retired_at,
        }
    }
}

/// Query of the theme list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ThemesQuery {
    /// Include retired themes (default: no).
    pub include_retired: Option<bool>,
}

/// Themes, in display order.
#[utoipa::path(
    tag = "reference",
    params(ThemesQuery),
    responses((status = 200, description = "Themes.", body = Vec<ThemeView>))
)]
#[get("/themes")]
async fn list_themes(
    state: web::Data<AppState>,
    query: web::Query<ThemesQuery>,
) -> Result<web::Json<Vec<ThemeView>>, ApiError> {
    let include_retired = query.include_retired.unwrap_or(false);
    let listed = state
        .store
        .run(move |conn| themes::list(conn, include_retired))
        .await
        .map_err(ApiError::from)?;
    Ok(web::Json(listed.into_iter().map(ThemeView::from).collect()))
}

/// A new theme.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTheme {
    /// French label, 1 to 100 characters.
    #[schema(example = "Gestion de crise cyber")]
    pub label: String,
    /// Id; derived from the label when absent.
    pub id: Option<ThemeId>,
}

fn theme_label(label: &str) -> Result<String, ApiError> {
    entraide_core::bounded_text(label, 100, "theme.label")
        .map_err(|error| ApiError::invalid("/label", &error))
}

/// Add a theme (staff).
#[utoipa::path(
    tag = "reference",
    security(("bearer" = [])),
    request_body = NewTheme,
    responses(
        (status = 201, description = "Theme added.", body = ThemeView),
        (status = 401, description = "No valid session.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Staff only.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The id or the label is taken.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid label or id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/themes")]
async fn add_theme(
    state: web::Data<AppState>,
    _staff: Staff,
    body: Json<NewTheme>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let label = theme_label(&body.label)?;
    let id = match body.id {
        Some(id) => id,
        None => ThemeId::from_label(&label).map_err(|error| ApiError::invalid("/label", &error))?,
    };
    let now = state.clock.now();
    let theme = state
        .store
        // Reads the last position, then writes: see `write_transaction`.
        .run(move |conn| {
            entraide_store::write_transaction(conn, |conn| {
                themes::add(conn, id.as_str(), &label, now)
            })
        })
        .await
        .map_err(|error| match error {
            entraide_store::StoreError::Conflict(_) => {
                ApiError::Conflict("Un thème porte déjà cet identifiant ou ce libellé.".into())
            }
            other => other.into(),
        })?;
    Ok(HttpResponse::Created().json(ThemeView::from(theme)))
}

/// Changes to a theme; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ThemePatch {
    /// New French label.
    pub label: Option<String>,
    /// New display position.
    pub position: Option<i32>,
    /// `true` retires the theme, `false` offers it again.
    pub retired: Option<bool>,
}

/// Rename, reorder, retire or restore a theme (staff).
#[utoipa::path(
    tag = "reference",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Theme id")),
    request_body = ThemePatch,
    responses(
        (status = 200, description = "Theme changed.", body = ThemeView),
        (status = 401, description = "No valid session.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Staff only.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such theme.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The label is taken.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid values.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/themes/{id}")]
async fn change_theme(
    state: web::Data<AppState>,
    _staff: Staff,
    path: web::Path<String>,
    body: Json<ThemePatch>,
) -> Result<web::Json<ThemeView>, ApiError> {
    let body = body.into_inner();
    let mut errors = Vec::new();
    let label = match body.label.as_deref().map(theme_label).transpose() {
        Ok(label) => label,
        Err(ApiError::Validation(mut found)) => {
            errors.append(&mut found);
            None
        }
        Err(other) => return Err(other),
    };
    if body.position.is_some_and(|p| p < 0) {
        errors.push(FieldError {
            path: "/position".into(),
            code: "theme.position".into(),
            message: "La position doit être positive ou nulle.".into(),
        });
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let change = ThemeChange {
        label,
        position: body.position,
        retired: body.retired,
    };
    let id = path.into_inner();
    let now = state.clock.now();
    let theme = state
        .store
        // Reads the theme, then writes: see `write_transaction`.
        .run(move |conn| {
            entraide_store::write_transaction(conn, |conn| themes::change(conn, &id, &change, now))
        })
        .await
        .map_err(|error| match error {
            entraide_store::StoreError::Conflict(_) => {
                ApiError::Conflict("Un autre thème porte déjà ce libellé.".into())
            }
            other => other.into(),
        })?;
    Ok(web::Json(theme.into()))
}

/// A region with its departments and land neighbours.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegionView {
    /// INSEE code.
    pub code: Region,
    /// French name.
    #[schema(example = "Île-de-France")]
    pub name: &'static str,
    /// Departments of the region.
    pub departments: Vec<Department>,
    /// Regions sharing a land border (none for Corsica and overseas).
    pub neighbours: Vec<Region>,
}

/// The 18 regions.
#[utoipa::path(
    tag = "reference",
    responses((status = 200, description = "Regions.", body = Vec<RegionView>))
)]
#[get("/regions")]
async fn list_regions() -> web::Json<Vec<RegionView>> {
    web::Json(
        Region::ALL
            .iter()
            .map(|&region| RegionView {
                code: region,
                name: region.name(),
                departments: region.departments().collect(),
                neighbours: region.neighbours().to_vec(),
            })
            .collect(),
    )
}

/// A department.
#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentView {
    /// INSEE code.
    pub code: Department,
    /// French name.
    #[schema(example = "Paris")]
    pub name: &'static str,
    /// Its region.
    pub region: Region,
}

/// The 101 departments.
#[utoipa::path(
    tag = "reference",
    responses((status = 200, description = "Departments.", body = Vec<DepartmentView>))
)]
#[get("/departments")]
async fn list_departments() -> web::Json<Vec<DepartmentView>> {
    web::Json(
        Department::all()
            .map(|department| DepartmentView {
                code: department,
                name: department.name(),
                region: department.region(),
            })
            .collect(),
    )
}

/// A value of a closed list, with its French label.
#[derive(Debug, Serialize, ToSchema)]
pub struct Labelled {
    /// Stable code.
    #[schema(example = "appel_telephonique")]
    pub code: &'static str,
    /// French label.
    #[schema(example = "Appel téléphonique")]
    pub label: &'static str,
}

macro_rules! labelled {
    ($type:ty) => {
        <$type>::ALL
            .iter()
            .map(|value| Labelled {
                code: value.as_str(),
                label: value.label(),
            })
            .collect::<Vec<_>>()
    };
}

/// How a volunteer may answer a request.
#[utoipa::path(
    tag = "reference",
    responses((status = 200, description = "Answer types.", body = Vec<Labelled>))
)]
#[get("/answer-types")]
async fn list_answer_types() -> web::Json<Vec<Labelled>> {
    web::Json(labelled!(AnswerType))
}

/// Every closed list the forms offer, with French labels.
#[derive(Debug, Serialize, ToSchema)]
pub struct Vocabularies {
    /// Sectors a volunteer comes from.
    pub sectors: Vec<Labelled>,
    /// Kinds of establishment.
    pub establishment_kinds: Vec<Labelled>,
    /// Legal statuses.
    pub legal_statuses: Vec<Labelled>,
    /// Job roles.
    pub job_roles: Vec<Labelled>,
    /// Genders (optional on forms).
    pub genders: Vec<Labelled>,
    /// Urgencies of a request.
    pub urgencies: Vec<Labelled>,
    /// Answer types.
    pub answer_types: Vec<Labelled>,
}

/// The closed lists of the forms (sectors, kinds, statuses, roles, genders, urgencies,
/// answer types).
#[utoipa::path(
    tag = "reference",
    responses((status = 200, description = "Closed lists.", body = Vocabularies))
)]
#[get("/vocabularies")]
async fn vocabularies() -> web::Json<Vocabularies> {
    web::Json(Vocabularies {
        sectors: labelled!(Sector),
        establishment_kinds: labelled!(EstablishmentKind),
        legal_statuses: labelled!(LegalStatus),
        job_roles: labelled!(JobRole),
        genders: labelled!(Gender),
        urgencies: labelled!(Urgency),
        answer_types: labelled!(AnswerType),
    })
}
