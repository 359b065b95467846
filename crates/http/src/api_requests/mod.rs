//! Establishments (`/api/v1/establishments`) and help requests (`/api/v1/requests`).
//!
//! Each resource has its own scope: a second `/api/v1` scope would never be reached,
//! because actix hands a request to the first scope whose prefix matches.

mod establishments;
mod requests;

pub(crate) use requests::{HelpRequestView, RequestThemeView, StatusView};

use entraide_core::{Department, EstablishmentKind, Finess, LegalStatus, Region};
use entraide_store::establishments::Establishment;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

/// Registers `/api/v1/requests/*` (the scope is made in `crate::configure`).
pub(crate) fn configure_requests(cfg: &mut ServiceConfig) {
    cfg.service(requests::submit)
        .service(requests::list)
        .service(requests::read)
        .service(requests::cancel);
}

/// Registers `/api/v1/establishments/*`.
pub(crate) fn configure_establishments(cfg: &mut ServiceConfig) {
    cfg.service(establishments::check)
        .service(establishments::list);
}

/// What anyone may know of an establishment: the facts of the national FINESS register.
#[derive(Debug, Serialize, ToSchema)]
pub struct EstablishmentView {
    /// FINESS number.
    pub finess: Finess,
    /// Name.
    #[schema(example = "Centre hospitalier de Bourg-en-Bresse")]
    pub name: String,
    /// ES, ESMS or ambulatory structure.
    pub kind: EstablishmentKind,
    /// Public or private.
    pub legal_status: LegalStatus,
    /// Department.
    pub department: Department,
    /// Region (the department's).
    pub region: Region,
}

impl From<&Establishment> for EstablishmentView {
    fn from(establishment: &Establishment) -> Self {
        Self {
            finess: establishment.finess.clone(),
            name: establishment.name.clone(),
            kind: establishment.kind,
            legal_status: establishment.legal_status,
            department: establishment.department,
            region: establishment.region(),
        }
    }
}
