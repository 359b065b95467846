//! Helpers shared by the tests of cases: volunteers who applied and were accepted, help
//! requests submitted through the API, calls, the outbox and the case jobs.

#![allow(clippy::unwrap_used, dead_code)] // Test code; not every file uses every helper.

use std::num::NonZeroU32;

use diesel::prelude::*;
use entraide_core::Role;
use entraide_http::cases::{propose_first_waves, run_case_jobs, CaseSettings, JobReport};
use entraide_http::testing::{test_settings, TestApp};
use entraide_store::testing::TestDb;
use entraide_store::Clock;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A test server whose public limits let a test create many volunteers and requests.
pub fn app_with(db: &TestDb, cases: CaseSettings) -> TestApp {
    let mut settings = test_settings();
    let plenty = NonZeroU32::new(100_000).unwrap();
    settings.rate_limits.public_post_per_ip_per_hour = plenty;
    settings.rate_limits.sign_in_per_ip_per_hour = plenty;
    settings.cases = cases;
    TestApp::start_with(db, settings, Vec::new())
}

/// A test server with the default case settings.
pub fn app(db: &TestDb) -> TestApp {
    app_with(db, CaseSettings::default())
}

/// A volunteer to create.
pub struct NewVolunteer<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub department: &'a str,
    pub themes: &'a [&'a str],
    pub capacity: i64,
}

impl<'a> NewVolunteer<'a> {
    /// A volunteer of Paris with the teleworking theme and a capacity of 2.
    pub fn new(name: &'a str, email: &'a str) -> Self {
        Self {
            name,
            email,
            department: "75",
            themes: &["teletravail"],
            capacity: 2,
        }
    }
}

/// Applies, has staff accept, and returns the volunteer's id.
pub async fn volunteer(app: &TestApp, staff: &str, v: &NewVolunteer<'_>) -> String {
    let body = json!({
        "name": v.name, "email": v.email, "phone": "06 12 34 56 78", "job_role": "dsi",
        "origin_sector": "sanitaire", "origin_status": "public", "department": v.department,
        "themes": v.themes, "presentation": "DSI depuis dix ans.", "capacity": v.capacity,
        "own_organisation": "GHT Exemple", "publication_consent": true,
    });
    let (status, application) = call(app, "POST", "/api/v1/applications", None, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{application}");
    let path = format!(
        "/api/v1/applications/{}/accept",
        application["id"].as_str().unwrap()
    );
    let (status, accepted) = call(app, "POST", &path, Some(staff), None).await;
    assert_eq!(status, 200, "{accepted}");
    accepted["volunteer_id"].as_str().unwrap().to_owned()
}

/// The body of a request of a Paris hospital.
pub fn request_body(contact_email: &str, themes: &[&str], urgency: &str) -> Value {
    json!({
        "establishment": {"finess": "750712184", "name": "Hôpital Saint-Exemple", "kind": "es", "legal_status": "public", "department": "75"},
        "contact": {"name": "Paul Girard", "email": contact_email, "phone": "01 40 00 00 00", "job_role": "dsi"},
        "themes": themes,
        "description": "Nous devons équiper 200 agents pour le télétravail cette semaine.",
        "urgency": urgency,
    })
}

/// Submits a request, then proposes its first wave as the server's dispatcher does just
/// after the answer; returns the created request as answered (`submitted`).
pub async fn request(app: &TestApp, contact_email: &str, themes: &[&str], urgency: &str) -> Value {
    let (status, created) = call(
        app,
        "POST",
        "/api/v1/requests",
        None,
        Some(request_body(contact_email, themes, urgency)),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["status"], "submitted", "{created}");
    first_waves(app).await;
    created
}

/// Proposes the first waves of the requests submitted so far, as the dispatcher of
/// `entraide serve` does (tests run no dispatcher).
pub async fn first_waves(app: &TestApp) -> JobReport {
    propose_first_waves(app.state.clone(), app.clock.now())
        .await
        .unwrap()
}

/// One API call; returns the status and the JSON body (`null` when empty).
pub async fn call(
    app: &TestApp,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut builder = app.client.request(method, app.url(path));
    if let Some(token) = token {
        builder = builder.bearer_auth(token);
    }
    if let Some(body) = body {
        builder = builder.json(&body);
    }
    let response = builder.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, value)
}

/// Signs in as staff.
pub async fn staff(app: &TestApp) -> String {
    app.sign_in("equipe@anap.fr", Role::Staff).await
}

/// A queued e-mail.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub kind: String,
    pub subject: String,
    pub text: String,
}

/// Every e-mail queued, oldest first.
pub fn outbox(app: &TestApp) -> Vec<Mail> {
    use entraide_store::schema::outbox;
    app.state
        .store
        .run_blocking(|conn| {
            outbox::table
                .order((outbox::created_at.asc(), outbox::id.asc()))
                .select((
                    outbox::recipient,
                    outbox::kind,
                    outbox::subject,
                    outbox::body_text,
                ))
                .load::<(String, String, String, String)>(conn)
                .map_err(entraide_store::StoreError::from)
        })
        .unwrap()
        .into_iter()
        .map(|(to, kind, subject, text)| Mail {
            to,
            kind,
            subject,
            text,
        })
        .collect()
}

/// E-mails of one kind, as (recipient, text).
pub fn mails(app: &TestApp, kind: &str) -> Vec<Mail> {
    outbox(app).into_iter().filter(|m| m.kind == kind).collect()
}

/// One pass of the case jobs at the app's current time.
pub async fn run_jobs(app: &TestApp) -> JobReport {
    run_case_jobs(app.state.clone(), app.clock.now())
        .await
        .unwrap()
}

/// The volunteer ids of a request's proposals, by status, from the API (staff).
pub async fn proposals_of(app: &TestApp, staff: &str, request: &str) -> Vec<Value> {
    let (status, page) = call(
        app,
        "GET",
        &format!("/api/v1/proposals?request_id={request}&per_page=200"),
        Some(staff),
        None,
    )
    .await;
    assert_eq!(status, 200, "{page}");
    page["items"].as_array().unwrap().clone()
}

/// The ids of the proposals of a request in a status.
pub async fn proposal_ids(app: &TestApp, staff: &str, request: &str, status: &str) -> Vec<String> {
    proposals_of(app, staff, request)
        .await
        .into_iter()
        .filter(|p| p["status"] == status)
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The state of a request, read by staff.
pub async fn status_of(app: &TestApp, staff: &str, request: &str) -> String {
    let (status, case) = call(
        app,
        "GET",
        &format!("/api/v1/cases/{request}"),
        Some(staff),
        None,
    )
    .await;
    assert_eq!(status, 200, "{case}");
    case["request"]["status"].as_str().unwrap().to_owned()
}

/// Rows of `cases` for a request (0 or 1).
pub fn case_rows(app: &TestApp, request: &str) -> Vec<String> {
    use entraide_store::schema::cases;
    let request = request.to_owned();
    app.state
        .store
        .run_blocking(move |conn| {
            cases::table
                .filter(cases::request_id.eq(&request))
                .select(cases::volunteer_id)
                .load::<String>(conn)
                .map_err(entraide_store::StoreError::from)
        })
        .unwrap()
}

/// The bilan's copy of each request (`request_facts`, kept by triggers) matches the
/// tables it copies after everything the test did.
pub fn assert_request_facts_in_step(app: &TestApp) {
    let drift = entraide_store::testing::request_facts_drift(&app.state.store);
    assert!(drift.is_empty(), "request_facts out of step for {drift:?}");
}
