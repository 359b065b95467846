//! `GET /api/v1/establishments/{finess}` (the form's FINESS check) and the staff list.

use actix_web::{get, web};
use chrono::NaiveDateTime;
use entraide_core::{Department, EstablishmentKind, Finess, LegalStatus, Region};
use entraide_store::establishments::{self, Establishment, EstablishmentFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::EstablishmentView;
use crate::auth::Staff;
use crate::page::{Page, PageQuery};
use crate::{ApiError, AppState, FieldError, Problem};

/// Check a FINESS number and read what is known of its establishment.
///
/// For the request form: an invalid number gets `422` with the precise rule it breaks
/// (`finess.length`, `finess.department`, `finess.digits` or `finess.key`, at path
/// `{finess}`); a valid number of an establishment that has not asked for help yet gets
/// `404` (the form then asks for its name, kind and status); a known one gets its
/// register facts, which a new request reuses as they are.
#[utoipa::path(
    tag = "establishments",
    params(("finess" = String, Path, description = "FINESS number, e.g. 750712184 (spaces around it and a lower-case 2a/2b are accepted)")),
    responses(
        (status = 200, description = "Known establishment.", body = EstablishmentView),
        (status = 404, description = "Valid number, establishment not known yet.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid FINESS number; `errors[0].code` names the broken rule.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{finess}")]
pub(super) async fn check(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<web::Json<EstablishmentView>, ApiError> {
    let finess = Finess::parse(&path.into_inner())
        .map_err(|error| ApiError::Validation(vec![FieldError::new("{finess}", &error)]))?;
    let found = state
        .store
        .run(move |conn| establishments::find_by_finess(conn, &finess))
        .await
        .map_err(ApiError::from)?
        .ok_or(ApiError::NotFound)?;
    Ok(web::Json(EstablishmentView::from(&found)))
}

/// An establishment as staff see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct EstablishmentRecord {
    /// Stable id.
    pub id: Uuid,
    /// FINESS number.
    pub finess: Finess,
    /// Name.
    #[schema(example = "EHPAD Les Tilleuls")]
    pub name: String,
    /// ES, ESMS or ambulatory structure.
    pub kind: EstablishmentKind,
    /// Public or private.
    pub legal_status: LegalStatus,
    /// Department.
    pub department: Department,
    /// Region (the department's).
    pub region: Region,
    /// When its first help request arrived (UTC).
    pub created_at: NaiveDateTime,
    /// Last change (UTC).
    pub updated_at: NaiveDateTime,
}

impl From<Establishment> for EstablishmentRecord {
    fn from(establishment: Establishment) -> Self {
        Self {
            id: establishment.id,
            region: establishment.region(),
            finess: establishment.finess,
            name: establishment.name,
            kind: establishment.kind,
            legal_status: establishment.legal_status,
            department: establishment.department,
            created_at: establishment.created_at,
            updated_at: establishment.updated_at,
        }
    }
}

/// Query of the staff list of establishments.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EstablishmentsQuery {
    /// Only this kind.
    pub kind: Option<EstablishmentKind>,
    /// Only this region (INSEE code).
    pub region: Option<Region>,
    /// Page number, from 1 (default 1).
    #[param(minimum = 1, example = 1)]
    pub page: Option<u32>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub per_page: Option<u32>,
}

/// List the establishments that asked for help (staff), newest first.
#[utoipa::path(
    operation_id = "list_establishments",
    tag = "establishments",
    security(("bearer" = [])),
    params(EstablishmentsQuery),
    responses(
        (status = 200, description = "One page of establishments.", body = Page<EstablishmentRecord>),
        (status = 401, description = "No valid session.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Staff only.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid filter or page.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("")]
pub(super) async fn list(
    state: web::Data<AppState>,
    _staff: Staff,
    query: web::Query<EstablishmentsQuery>,
) -> Result<web::Json<Page<EstablishmentRecord>>, ApiError> {
    let query = query.into_inner();
    let page = PageQuery {
        page: query.page,
        per_page: query.per_page,
    }
    .validate()?;
    let filter = EstablishmentFilter {
        kind: query.kind,
        region: query.region,
    };
    let (items, total) = state
        .store
        .run(move |conn| establishments::list(conn, filter, page.offset(), page.limit()))
        .await
        .map_err(ApiError::from)?;
    Ok(web::Json(Page::new(
        items.into_iter().map(EstablishmentRecord::from).collect(),
        page,
        total,
    )))
}
