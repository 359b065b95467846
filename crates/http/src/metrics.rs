//! Prometheus metrics at `GET /metrics`: request counts and latencies by route and
//! status, ranking time, and figures read at scrape time (pool, first waves queued, outbox,
//! requests by state).

use std::time::Duration;

use actix_web::http::header::AUTHORIZATION;
use actix_web::{get, web, HttpRequest, HttpResponse};
use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry,
    TextEncoder,
};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::{client_ip, ApiError, AppState, Problem};

/// Who may read the metrics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetricsAccess {
    /// Only from the machine itself (default): a scraper on the host or a sidecar.
    Loopback,
    /// Anyone presenting this bearer token.
    Token(String),
}

/// The collectors of one process.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    ranking: Histogram,
    gauges: IntGaugeVec,
    access: MetricsAccess,
}

/// Buckets from 0.5 ms to 10 s: the API answers in milliseconds, exports take seconds.
const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Buckets of one ranking: tens of microseconds to tens of milliseconds.
const RANKING_BUCKETS: &[f64] = &[
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05,
];

impl Metrics {
    /// Registers every collector.
    pub fn new(access: MetricsAccess) -> Result<Self, prometheus::Error> {
        let registry = Registry::new_custom(Some("entraide".into()), None)?;
        let requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests by method, route and status",
            ),
            &["method", "route", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "HTTP request latency by route",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["method", "route"],
        )?;
        let ranking = Histogram::with_opts(
            HistogramOpts::new(
                "ranking_duration_seconds",
                "Time to rank volunteers for one request",
            )
            .buckets(RANKING_BUCKETS.to_vec()),
        )?;
        let gauges = IntGaugeVec::new(
            Opts::new(
                "state",
                "Figures read at scrape time: pool, first waves queued, outbox, requests by state, cache lookups",
            ),
            &["what", "value"],
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(ranking.clone()))?;
        registry.register(Box::new(gauges.clone()))?;
        Ok(Self {
            registry,
            requests,
            latency,
            ranking,
            gauges,
            access,
        })
    }

    /// Records one served request. `route` is the matched pattern (`/api/v1/requests/{id}`),
    /// never the raw path, so that ids do not explode the number of series.
    pub fn observe_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        self.requests
            .with_label_values(&[method, route, &status.to_string()])
            .inc();
        self.latency
            .with_label_values(&[method, route])
            .observe(elapsed.as_secs_f64());
    }

    /// Records the time of one ranking.
    pub fn observe_ranking(&self, elapsed: Duration) {
        self.ranking.observe(elapsed.as_secs_f64());
    }

    fn set(&self, what: &str, value: &str, count: i64) {
        self.gauges.with_label_values(&[what, value]).set(count);
    }

    fn allows(&self, req: &HttpRequest) -> bool {
        match &self.access {
            MetricsAccess::Loopback => client_ip(req).is_loopback(),
            MetricsAccess::Token(expected) => req
                .headers()
                .get(AUTHORIZATION)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.strip_prefix("Bearer "))
                .is_some_and(|token| constant_time_eq(token.as_bytes(), expected.as_bytes())),
        }
    }
}

/// Compares secrets without leaking, through timing, how much of a guess was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub(crate) fn configure(cfg: &mut ServiceConfig) {
    cfg.service(metrics);
}

/// Prometheus metrics (text format). Readable from the loopback interface, or with the
/// bearer token set in `ENTRAIDE_METRICS_TOKEN`.
#[utoipa::path(
    tag = "probes",
    responses(
        (status = 200, description = "Metrics in the Prometheus text format.", body = String, content_type = "text/plain; version=0.0.4"),
        (status = 403, description = "Not from the loopback interface, or without the metrics token.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/metrics")]
async fn metrics(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    if !state.metrics.allows(&req) {
        return Err(ApiError::Forbidden);
    }
    let (connections, idle) = state.store.pool_state();
    state
        .metrics
        .set("db_pool", "connections", i64::from(connections));
    state.metrics.set("db_pool", "idle", i64::from(idle));
    // Submissions answered whose first wave this process has not proposed yet.
    let queued = i64::try_from(state.first_waves.len()).unwrap_or(i64::MAX);
    state.metrics.set("first_waves", "queued", queued);
    // Lookups answered from memory (PostgreSQL) and sent to the database, since start.
    for (cache, lookups) in [
        ("session_cache", state.sessions.lookups()),
        ("request_cache", state.matching.request_lookups()),
    ] {
        let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        state.metrics.set(cache, "hits", count(lookups.hits));
        state.metrics.set(cache, "misses", count(lookups.misses));
    }
    let (outbox, requests) = state
        .store
        .run(|conn| {
            let outbox = entraide_notifier::outbox::counts(conn)?;
            let requests = entraide_store::requests::count_by_status(conn)?;
            Ok::<_, ApiError>((outbox, requests))
        })
        .await?;
    for (status, count) in outbox {
        state.metrics.set("outbox", status.as_str(), count);
    }
    for (status, count) in requests {
        state.metrics.set("requests", &status, count);
    }
    let mut body = Vec::new();
    TextEncoder::new()
        .encode(&state.metrics.registry.gather(), &mut body)
        .map_err(|e| ApiError::Internal(format!("encoding metrics: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body))
}
