//! Building and binding the HTTP server.

use std::net::SocketAddr;
use std::time::Duration;

use actix_web::dev::{Server, Service};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::{Condition, DefaultHeaders};
use actix_web::{web, App, HttpMessage, HttpServer};
use tracing_actix_web::{RequestId, TracingLogger};
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::openapi::OPENAPI_JSON_PATH;

use crate::{ApiError, AppState};

/// Header that carries the request id back to the client, to quote in support requests.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// How the server listens.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Address and port; port 0 picks a free one (tests).
    pub bind: SocketAddr,
    /// Worker threads; `None` uses one per core.
    pub workers: Option<usize>,
    /// How long in-flight requests may take to finish after SIGINT/SIGTERM.
    pub shutdown_timeout: Duration,
    /// Origins allowed to call the API from a browser; empty turns CORS off.
    pub cors_origins: Vec<String>,
}

/// A bound server, not yet awaited.
pub struct RunningServer {
    /// Await it to serve until a signal or a stop from the handle.
    pub server: Server,
    /// The address actually bound (useful with port 0).
    pub local_addr: SocketAddr,
}

impl std::fmt::Debug for RunningServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningServer")
            .field("local_addr", &self.local_addr)
            .finish_non_exhaustive()
    }
}

/// Binds the application. actix stops gracefully on SIGINT and SIGTERM: it stops
/// accepting, lets in-flight requests finish within `shutdown_timeout`, then returns.
pub fn build_server(
    state: std::sync::Arc<AppState>,
    settings: &HttpSettings,
) -> std::io::Result<RunningServer> {
    let data = web::Data::from(state);
    let cors_origins = settings.cors_origins.clone();
    let openapi = crate::openapi::openapi();
    let mut server = HttpServer::new(move || {
        let (app, _) = App::new()
            .into_utoipa_app()
            .app_data(data.clone())
            .app_data(query_config())
            .app_data(path_config())
            .configure(crate::configure)
            .split_for_parts();
        app.service(SwaggerUi::new("/docs/{_:.*}").url(OPENAPI_JSON_PATH, openapi.clone()))
            .configure(entraide_web::configure)
            .default_service(web::to(|| async { Err::<String, _>(ApiError::NoRoute) }))
            .wrap_fn(|req, srv| {
                let request_id = req.extensions().get::<RequestId>().map(|id| id.to_string());
                let started = std::time::Instant::now();
                let response = srv.call(req);
                async move {
                    let mut response = response.await?;
                    let request = response.request();
                    if let Some(state) = request.app_data::<web::Data<AppState>>() {
                        state.metrics.observe_request(
                            request.method().as_str(),
                            request.match_pattern().as_deref().unwrap_or("unmatched"),
                            response.status().as_u16(),
                            started.elapsed(),
                        );
                    }
                    // Inside the request's span, so the line carries its request id.
                    tracing::info!(
                        method = %response.request().method(),
                        path = response.request().path(),
                        status = response.status().as_u16(),
                        "request served"
                    );
                    if let Some(value) = request_id.and_then(|id| HeaderValue::from_str(&id).ok()) {
                        response
                            .headers_mut()
                            .insert(HeaderName::from_static(REQUEST_ID_HEADER), value);
                    }
                    Ok(response)
                }
            })
            .wrap(security_headers())
            .wrap(Condition::new(
                !cors_origins.is_empty(),
                cors(&cors_origins),
            ))
            // Outermost: every request gets a span with its own request id.
            .wrap(TracingLogger::default())
    })
    .shutdown_timeout(settings.shutdown_timeout.as_secs())
    .bind(settings.bind)?;
    if let Some(workers) = settings.workers {
        server = server.workers(workers);
    }
    let local_addr = server.addrs().first().copied().unwrap_or(settings.bind);
    Ok(RunningServer {
        server: server.run(),
        local_addr,
    })
}

/// Headers that tell browsers to load nothing from elsewhere, never frame the site,
/// never sniff types and never send our URLs (which may carry tokens) as referrers.
fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((
            "content-security-policy",
            "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; \
             form-action 'self'; frame-ancestors 'none'",
        ))
        .add(("x-content-type-options", "nosniff"))
        .add(("referrer-policy", "no-referrer"))
        .add(("x-frame-options", "DENY"))
        .add(("cross-origin-opener-policy", "same-origin"))
}

/// CORS for the configured origins only.
fn cors(origins: &[String]) -> actix_cors::Cors {
    origins
        .iter()
        .fold(actix_cors::Cors::default(), |cors, origin| {
            cors.allowed_origin(origin)
        })
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            actix_web::http::header::AUTHORIZATION,
            actix_web::http::header::CONTENT_TYPE,
        ])
        .max_age(3600)
}

/// Query-string errors as problem details.
fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|error, _| {
        let message = error.to_string();
        ApiError::Validation(vec![crate::FieldError {
            path: "?".to_owned(),
            code: "query.invalid".to_owned(),
            message: format!("Paramètre de requête invalide : {message}."),
        }])
        .into()
    })
}

/// A path segment of the wrong form (an id that is not a UUID) names nothing: 404.
fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|_, _| ApiError::NotFound.into())
}
