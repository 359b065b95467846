//! The bilan (`/api/v1/bilan`): the period report for staff, in JSON, CSV (zipped), XLSX
//! or HTML.

use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{get, web, HttpResponse};
use chrono::NaiveDate;
use entraide_bilan::{render, Bilan, BilanError, BilanOptions, Format, Period};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Staff;
use crate::{ApiError, AppState, FieldError, Problem};

/// Registers `/api/v1/bilan` (the scope is made in `crate::configure`).
pub(crate) fn configure(cfg: &mut ServiceConfig) {
    cfg.service(bilan);
}

/// Query of the bilan. Every parameter is optional: by default the bilan covers the four
/// weeks from the scheme's start date (`ENTRAIDE_SCHEME_START`), in JSON, not public.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BilanQuery {
    /// First day counted (`YYYY-MM-DD`, UTC), included; default: the scheme's start date.
    #[param(value_type = Option<String>, format = Date, example = "2020-04-02")]
    pub from: Option<String>,
    /// Last day counted, included; default: four weeks from `from` (27 days after it).
    #[param(value_type = Option<String>, format = Date, example = "2020-04-29")]
    pub to: Option<String>,
    /// `json` (default), `csv` (one CSV file per table, in a zip archive), `xlsx` (one
    /// sheet per table) or `html` (the report in French with its four figures, printable
    /// to PDF).
    #[param(inline, value_type = Option<Format>)]
    pub format: Option<String>,
    /// The public bilan: counts below the threshold (`ENTRAIDE_BILAN_PUBLIC_THRESHOLD`,
    /// default 3) are masked in the breakdowns that could identify a person, and the
    /// report says so. Default: false.
    pub public: Option<bool>,
}

/// A file: the zip archive of CSV files, or the XLSX workbook.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)] // Describes the body in the OpenAPI document; never built.
struct BilanFile(Vec<u8>);

fn invalid(path: &str, code: &str, message: String) -> FieldError {
    FieldError {
        path: path.to_owned(),
        code: code.to_owned(),
        message,
    }
}

fn parse_day(path: &str, text: &str) -> Result<NaiveDate, FieldError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        invalid(
            path,
            "date.invalid",
            format!(
                "« {} » n'est pas une date au format AAAA-MM-JJ.",
                text.trim()
            ),
        )
    })
}

impl BilanQuery {
    /// The period and the format asked for, or every invalid parameter at once.
    fn checked(&self, scheme_start: NaiveDate) -> Result<(Period, Format), ApiError> {
        let mut errors = Vec::new();
        let from = match self
            .from
            .as_deref()
            .map(|t| parse_day("/from", t))
            .transpose()
        {
            Ok(from) => from.unwrap_or(scheme_start),
            Err(error) => {
                errors.push(error);
                scheme_start
            }
        };
        let to = match self.to.as_deref().map(|t| parse_day("/to", t)).transpose() {
            Ok(to) => to.unwrap_or_else(|| Period::default_end(from)),
            Err(error) => {
                errors.push(error);
                from
            }
        };
        let format = match self.format.as_deref().map(str::parse::<Format>).transpose() {
            Ok(format) => format.unwrap_or(Format::Json),
            Err(message) => {
                errors.push(invalid("/format", "bilan.format", message));
                Format::Json
            }
        };
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        let period = Period::new(from, to).map_err(|error| {
            ApiError::Validation(vec![match error {
                BilanError::FromAfterTo { from, to } => invalid(
                    "/to",
                    "bilan.period",
                    format!(
                        "La fin de la période ({}) précède son début ({}).",
                        to.format("%d/%m/%Y"),
                        from.format("%d/%m/%Y")
                    ),
                ),
                other => invalid(
                    "/from",
                    "bilan.period",
                    format!("Période invalide : {other}."),
                ),
            }])
        })?;
        Ok((period, format))
    }
}

impl From<BilanError> for ApiError {
    fn from(error: BilanError) -> Self {
        match error {
            BilanError::Store(store) => ApiError::Store(store),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

/// The bilan of a period (staff): who volunteered, who asked for help, on what, how it
/// was answered, plus delays, proposals, ratings and load. Every breakdown has a "non
/// renseigné" row so that totals add up.
#[utoipa::path(
    tag = "bilan",
    security(("bearer" = [])),
    params(BilanQuery),
    responses(
        (status = 200, description = "The bilan, in the format asked for. `csv` and `xlsx` come as attachments named after the period; `html` is a self-contained page (its own Content-Security-Policy allows its one style element and nothing else).",
            headers(("content-disposition" = String, description = "File name, e.g. `attachment; filename=\"bilan-entraide_2020-04-02_2020-04-29.xlsx\"`")),
            content(
                (Bilan = "application/json"),
                (BilanFile = "application/zip"),
                (BilanFile = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                (String = "text/html"),
            )
        ),
        (status = 401, description = "No valid session.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Staff only.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid date or format, or a period that ends before it starts.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("")]
async fn bilan(
    state: web::Data<AppState>,
    _staff: Staff,
    query: web::Query<BilanQuery>,
) -> Result<HttpResponse, ApiError> {
    let settings = state.bilan;
    let (period, format) = query.checked(settings.scheme_start)?;
    let options = BilanOptions {
        period,
        public: query.public.unwrap_or(false),
        threshold: settings.public_threshold,
        scheme_start: settings.scheme_start,
        generated_at: state.clock.now(),
    };
    // Rendering a workbook is CPU work: it runs with the queries, off the HTTP workers.
    let (body, file_name) = state
        .store
        .run(move |conn| {
            let bilan = entraide_bilan::compute(conn, &options)?;
            let body = render(&bilan, format)?;
            Ok::<_, BilanError>((body, format.file_name(&bilan)))
        })
        .await?;
    let disposition = ContentDisposition {
        disposition: if format.is_download() {
            DispositionType::Attachment
        } else {
            DispositionType::Inline
        },
        parameters: vec![DispositionParam::Filename(file_name)],
    };
    let mut response = HttpResponse::Ok();
    response
        .content_type(format.content_type())
        .insert_header(disposition)
        // Figures about people: never kept by a shared cache.
        .insert_header((header::CACHE_CONTROL, "no-store"));
    if format == Format::Html {
        // The service-wide policy forbids every inline style; this page has one style
        // element, allowed by its hash (the service's default headers keep a header the
        // response already has).
        response.insert_header((
            header::CONTENT_SECURITY_POLICY,
            entraide_bilan::format::html::content_security_policy(),
        ));
    }
    Ok(response.body(body))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn query(from: Option<&str>, to: Option<&str>, format: Option<&str>) -> BilanQuery {
        BilanQuery {
            from: from.map(str::to_owned),
            to: to.map(str::to_owned),
            format: format.map(str::to_owned),
            public: None,
        }
    }

    fn start() -> NaiveDate {
        NaiveDate::from_ymd_opt(2020, 4, 2).unwrap()
    }

    #[test]
    fn defaults_are_the_first_four_weeks_in_json() {
        let (period, format) = query(None, None, None).checked(start()).unwrap();
        assert_eq!(
            (period.from(), period.to().to_string().as_str()),
            (start(), "2020-04-29")
        );
        assert_eq!(format, Format::Json);
        let (period, format) = query(Some("2020-05-01"), None, Some("XLSX"))
            .checked(start())
            .unwrap();
        assert_eq!(period.to().to_string(), "2020-05-28");
        assert_eq!(format, Format::Xlsx);
    }

    #[test]
    fn every_bad_parameter_is_reported_at_once() {
        let Err(ApiError::Validation(errors)) =
            query(Some("02/04/2020"), Some("2020-13-01"), Some("pdf")).checked(start())
        else {
            panic!("accepted");
        };
        let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["/from", "/to", "/format"]);
        let Err(ApiError::Validation(errors)) =
            query(Some("2020-04-10"), Some("2020-04-09"), None).checked(start())
        else {
            panic!("accepted");
        };
        assert_eq!(errors[0].code, "bilan.period");
        assert!(
            errors[0].message.contains("09/04/2020"),
            "{}",
            errors[0].message
        );
    }
}
