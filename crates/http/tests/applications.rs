//! Volunteer applications: the public form, staff vetting, and the e-mails of each step,
//! against the real server on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used)] // Test code: a panic is how a test reports failure.

use std::num::NonZeroU32;

use chrono::TimeDelta;
use entraide_core::{Email, Role};
use entraide_http::testing::{test_settings, TestApp, TEST_PUBLIC_URL};
use entraide_store::backend_test;
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

/// A complete, valid application, as the web form would send it.
fn form(email: &str) -> Value {
    json!({
        "name": "Claire Lefèvre",
        "email": email,
        "phone": "06 12 34 56 78",
        "gender": "femme",
        "job_role": "dsi",
        "origin_sector": "sanitaire",
        "origin_status": "public",
        "department": "69",
        "themes": ["teletravail", "pca"],
        "presentation": "DSI des Hospices civils depuis 8 ans, j'ai déployé le télétravail pour 2 000 agents en mars 2020.",
        "capacity": 3,
        "own_organisation": "Hospices civils de Lyon",
        "publication_consent": true
    })
}

fn with(mut body: Value, key: &str, value: Value) -> Value {
    body[key] = value;
    body
}

fn without(mut body: Value, key: &str) -> Value {
    body.as_object_mut().unwrap().remove(key);
    body
}

async fn apply(app: &TestApp, body: &Value) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/applications"))
        .json(body)
        .send()
        .await
        .unwrap()
}

/// Applies and returns the created application.
async fn applied(app: &TestApp, body: &Value) -> Value {
    let response = apply(app, body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

async fn get(app: &TestApp, path: impl AsRef<str>, token: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(app.url(path.as_ref()));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

async fn post(
    app: &TestApp,
    path: impl AsRef<str>,
    token: Option<&str>,
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = app.client.post(app.url(path.as_ref()));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

async fn problem(response: reqwest::Response, status: StatusCode) -> Value {
    assert_eq!(response.status(), status);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    response.json().await.unwrap()
}

/// The paths of the field errors of a `422`.
async fn error_paths(response: reqwest::Response) -> Vec<String> {
    let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["code"], "validation_failed");
    body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|error| {
            assert!(!error["message"].as_str().unwrap().is_empty(), "{error}");
            error["path"].as_str().unwrap().to_owned()
        })
        .collect()
}

/// Every message queued for `recipient`, as (kind, subject, plain-text body).
fn outbox_for(app: &TestApp, recipient: &str) -> Vec<(String, String, String)> {
    use diesel::prelude::*;
    use entraide_store::schema::outbox;
    let recipient = recipient.to_owned();
    app.state
        .store
        .run_blocking(move |conn| {
            outbox::table
                .filter(outbox::recipient.eq(&recipient))
                .order(outbox::created_at.asc())
                .select((outbox::kind, outbox::subject, outbox::body_text))
                .load::<(String, String, String)>(conn)
                .map_err(entraide_store::StoreError::from)
        })
        .unwrap()
}

fn outbox_kinds(app: &TestApp, recipient: &str) -> Vec<String> {
    outbox_for(app, recipient)
        .into_iter()
        .map(|(kind, _, _)| kind)
        .collect()
}

fn roles_of(app: &TestApp, email: &str) -> Vec<Role> {
    let email = Email::parse(email).unwrap();
    app.state
        .store
        .run_blocking(|conn| entraide_store::users::find_by_email(conn, &email))
        .unwrap()
        .map(|user| user.roles)
        .unwrap_or_default()
}

backend_test! {
    #[actix_web::test]
    async fn an_application_is_recorded_and_acknowledged(db) {
        let app = TestApp::start(db);
        let body = with(form("Claire.Lefevre@CHU-Lyon.fr"), "themes", json!(["pca", "teletravail", "pca"]));
        let response = apply(&app, &body).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let created: Value = response.json().await.unwrap();
        assert!(Uuid::parse_str(created["id"].as_str().unwrap()).is_ok());
        assert_eq!(created["email"], "claire.lefevre@chu-lyon.fr");
        assert_eq!(created["phone"], "+33612345678");
        assert_eq!(created["department"], "69");
        assert_eq!(created["region"], "84", "region derived from the department");
        // Repeats dropped, display order.
        assert_eq!(
            created["themes"],
            json!([
                {"id": "teletravail", "label": "Télétravail"},
                {"id": "pca", "label": "Plan de continuité d'activité (PCA)"}
            ])
        );
        assert_eq!(created["capacity"], 3);
        assert_eq!(created["status"], "pending");
        assert_eq!(created["publication_consent"], true);
        assert_eq!(created["own_organisation"], "Hospices civils de Lyon");
        for absent in ["rejection_reason", "decided_at", "decided_by", "volunteer_id"] {
            assert!(created[absent].is_null(), "{absent}");
        }
        // Nobody becomes a user by applying.
        assert!(roles_of(&app, "claire.lefevre@chu-lyon.fr").is_empty());

        let messages = outbox_for(&app, "claire.lefevre@chu-lyon.fr");
        assert_eq!(messages.len(), 1, "{messages:?}");
        let (kind, subject, text) = &messages[0];
        assert_eq!(kind, "application_received");
        assert!(!subject.is_empty());
        assert!(text.contains("Claire Lefèvre"), "{text}");
        assert!(text.contains("Télétravail"), "{text}");
        assert!(text.contains("Auvergne-Rhône-Alpes"), "{text}");

        // Optional fields: gender and own organisation absent or blank, capacity defaults to 2.
        let minimal = without(without(without(form("paul.martin@ehpad-rennes.fr"), "gender"), "capacity"), "own_organisation");
        let created = applied(&app, &minimal).await;
        assert!(created["gender"].is_null());
        assert!(created["own_organisation"].is_null());
        assert_eq!(created["capacity"], 2);
        let blank = with(with(form("lea.bernard@ght-exemple.fr"), "own_organisation", json!("   ")), "gender", Value::Null);
        let created = applied(&app, &blank).await;
        assert!(created["own_organisation"].is_null());
        assert!(created["gender"].is_null());
    }
}

backend_test! {
    #[actix_web::test]
    async fn one_open_application_per_address(db) {
        let app = TestApp::start(db);
        let staff = app.sign_in("equipe@anap.fr", Role::Staff).await;
        let first = applied(&app, &form("marc.petit@clinique-exemple.fr")).await;

        // Pending: refused, whatever the case of the address.
        let response = apply(&app, &form("Marc.Petit@Clinique-Exemple.fr")).await;
        let body = problem(response, StatusCode::CONFLICT).await;
        assert_eq!(body["code"], "conflict");
        assert!(body["detail"].as_str().unwrap().contains("candidature"), "{body}");
        assert_eq!(outbox_kinds(&app, "marc.petit@clinique-exemple.fr"), ["application_received"]);

        // Rejected: one may apply again.
        let id = first["id"].as_str().unwrap();
        let response = post(&app, &format!("/api/v1/applications/{id}/reject"), Some(&staff), Some(json!({"reason": "Profil incomplet."}))).await;
        assert_eq!(response.status(), 200);
        let second = applied(&app, &form("marc.petit@clinique-exemple.fr")).await;

        // Accepted: refused again.
        let id = second["id"].as_str().unwrap();
        let response = post(&app, &format!("/api/v1/applications/{id}/accept"), Some(&staff), None).await;
        assert_eq!(response.status(), 200);
        let response = apply(&app, &form("marc.petit@clinique-exemple.fr")).await;
        assert_eq!(response.status(), StatusCode::CONFLICT);
    }
}

backend_test! {
    #[actix_web::test]
    async fn every_invalid_field_is_listed(db) {
        let app = TestApp::start(db);
        let mut body = form("anne.roux@ch-exemple.fr");
        body["name"] = json!("   ");
        body["presentation"] = json!("é".repeat(2001));
        body["capacity"] = json!(11);
        body["themes"] = json!([]);
        body["own_organisation"] = json!("x".repeat(201));
        let mut paths = error_paths(apply(&app, &body).await).await;
        paths.sort();
        assert_eq!(paths, ["/capacity", "/name", "/own_organisation", "/presentation", "/themes"]);

        // Each rule alone, at its bounds.
        let cases: Vec<(Value, &str)> = vec![
            (with(form("a@ch-exemple.fr"), "name", json!("x".repeat(101))), "/name"),
            (with(form("a@ch-exemple.fr"), "presentation", json!("")), "/presentation"),
            (with(form("a@ch-exemple.fr"), "capacity", json!(0)), "/capacity"),
            (with(form("a@ch-exemple.fr"), "capacity", json!(-3)), "/capacity"),
            (with(form("a@ch-exemple.fr"), "themes", json!((1..=21).map(|i| format!("theme-{i}")).collect::<Vec<_>>())), "/themes"),
            // Values that do not even have the right form.
            (with(form("a@ch-exemple.fr"), "email", json!("anne.roux@")), "/email"),
            (with(form("a@ch-exemple.fr"), "phone", json!("12 34")), "/phone"),
            (with(form("a@ch-exemple.fr"), "department", json!("99")), "/department"),
            (with(form("a@ch-exemple.fr"), "job_role", json!("stagiaire")), "/job_role"),
            (with(form("a@ch-exemple.fr"), "origin_sector", json!("industrie")), "/origin_sector"),
            (with(form("a@ch-exemple.fr"), "origin_status", json!("associatif")), "/origin_status"),
            (with(form("a@ch-exemple.fr"), "gender", json!("x")), "/gender"),
            (with(form("a@ch-exemple.fr"), "themes", json!(["Télétravail"])), "/themes/0"),
            (with(form("a@ch-exemple.fr"), "capacity", json!("deux")), "/capacity"),
            (with(form("a@ch-exemple.fr"), "publication_consent", json!("oui")), "/publication_consent"),
        ];
        for (body, path) in cases {
            let paths = error_paths(apply(&app, &body).await).await;
            assert!(paths.iter().any(|p| p == path), "{path}: {paths:?} for {body}");
        }
        // Unknown and missing fields are named.
        for (body, code, field) in [
            (with(form("a@ch-exemple.fr"), "role", json!("staff")), "field.unknown", "role"),
            (without(form("a@ch-exemple.fr"), "publication_consent"), "field.missing", "publication_consent"),
            (without(form("a@ch-exemple.fr"), "themes"), "field.missing", "themes"),
        ] {
            let problem = problem(apply(&app, &body).await, StatusCode::UNPROCESSABLE_ENTITY).await;
            assert_eq!(problem["errors"][0]["code"], code, "{problem}");
            assert!(problem["errors"][0]["message"].as_str().unwrap().contains(field), "{problem}");
        }
        // The bounds themselves are accepted.
        let at_bounds = [
            with(with(form("bornes1@ch-exemple.fr"), "name", json!("x".repeat(100))), "capacity", json!(10)),
            with(with(form("bornes2@ch-exemple.fr"), "presentation", json!("é".repeat(2000))), "capacity", json!(1)),
            with(form("bornes3@ch-exemple.fr"), "own_organisation", json!("x".repeat(200))),
        ];
        for body in &at_bounds {
            applied(&app, body).await;
        }

        // Themes must exist and be offered; each bad one is named by its index.
        let staff = app.sign_in("equipe@anap.fr", Role::Staff).await;
        let response = app.client.patch(app.url("/api/v1/themes/ins")).bearer_auth(&staff).json(&json!({"retired": true})).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let body = with(form("b@ch-exemple.fr"), "themes", json!(["teletravail", "inconnu", "ins"]));
        let response = apply(&app, &body).await;
        let problem = problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        let errors = problem["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 2, "{problem}");
        assert_eq!(errors[0]["path"], "/themes/1");
        assert_eq!(errors[0]["code"], "theme.unknown");
        assert!(errors[0]["message"].as_str().unwrap().contains("inconnu"));
        assert_eq!(errors[1]["path"], "/themes/2");
        // The field rules and the theme check are reported together.
        let body = with(with(form("b@ch-exemple.fr"), "themes", json!(["inconnu"])), "capacity", json!(12));
        let mut paths = error_paths(apply(&app, &body).await).await;
        paths.sort();
        assert_eq!(paths, ["/capacity", "/themes/0"]);

        // Nothing was recorded, nothing was sent.
        assert!(outbox_for(&app, "b@ch-exemple.fr").is_empty());
        assert!(outbox_for(&app, "anne.roux@ch-exemple.fr").is_empty());
    }
}

backend_test! {
    #[actix_web::test]
    async fn bad_bodies_get_clear_errors(db) {
        let app = TestApp::start(db);
        let url = app.url("/api/v1/applications");
        let send = |body: String, content_type: &'static str| {
            app.client.post(&url).header("content-type", content_type).body(body).send()
        };
        let response = send("{\"name\": ".into(), "application/json").await.unwrap();
        assert_eq!(problem(response, StatusCode::BAD_REQUEST).await["code"], "malformed_request");
        let response = send(form("a@b.fr").to_string(), "text/plain").await.unwrap();
        assert_eq!(problem(response, StatusCode::UNSUPPORTED_MEDIA_TYPE).await["code"], "unsupported_media_type");
        let huge = with(form("a@b.fr"), "presentation", json!("x".repeat(70_000))).to_string();
        let response = send(huge, "application/json").await.unwrap();
        assert_eq!(problem(response, StatusCode::PAYLOAD_TOO_LARGE).await["code"], "payload_too_large");
        let response = send("[]".into(), "application/json").await.unwrap();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
}

backend_test! {
    #[actix_web::test]
    async fn applications_are_rate_limited_per_ip(db) {
        let mut settings = test_settings();
        settings.rate_limits.public_post_per_ip_per_hour = NonZeroU32::new(2).unwrap();
        let app = TestApp::start_with(db, settings, Vec::new());
        applied(&app, &form("un@ch-exemple.fr")).await;
        applied(&app, &form("deux@ch-exemple.fr")).await;
        let response = apply(&app, &form("trois@ch-exemple.fr")).await;
        assert!(response.headers().contains_key("retry-after"));
        assert_eq!(problem(response, StatusCode::TOO_MANY_REQUESTS).await["code"], "rate_limited");
        assert!(outbox_for(&app, "trois@ch-exemple.fr").is_empty());
    }
}

backend_test! {
    #[actix_web::test]
    async fn staff_list_with_filters_and_pages(db) {
        let app = TestApp::start(db);
        let staff = app.sign_in("equipe@anap.fr", Role::Staff).await;
        // Oldest first; the clock moves so that "newest first" is well defined.
        let specs = [
            ("jeanne.morel@chu-lille.fr", "59", "sanitaire", json!(["teletravail"])),
            ("luc.garnier@ehpad-paris.fr", "75", "medico_social", json!(["si-medico-social", "pca"])),
            ("ines.faure@chu-toulouse.fr", "31", "sanitaire", json!(["cybersecurite"])),
            ("hugo.blanc@apf-lille.fr", "62", "medico_social", json!(["teletravail", "cybersecurite"])),
        ];
        let mut ids = Vec::new();
        for (email, department, sector, themes) in specs {
            let body = with(with(with(form(email), "department", json!(department)), "origin_sector", json!(sector)), "themes", themes);
            ids.push(applied(&app, &body).await["id"].as_str().unwrap().to_owned());
            app.clock.advance(TimeDelta::minutes(5));
        }
        assert_eq!(post(&app, &format!("/api/v1/applications/{}/accept", ids[0]), Some(&staff), None).await.status(), 200);
        assert_eq!(post(&app, &format!("/api/v1/applications/{}/reject", ids[2]), Some(&staff), Some(json!({"reason": "Hors périmètre."}))).await.status(), 200);

        let list = |query: &'static str| {
            let app = &app;
            let staff = staff.clone();
            async move {
                let response = get(app, &format!("/api/v1/applications{query}"), Some(&staff)).await;
                assert_eq!(response.status(), 200, "{query}");
                let page: Value = response.json().await.unwrap();
                let emails: Vec<String> = page["items"].as_array().unwrap().iter().map(|a| a["email"].as_str().unwrap().to_owned()).collect();
                (emails, page)
            }
        };
        let (all, page) = list("").await;
        assert_eq!(all, ["hugo.blanc@apf-lille.fr", "ines.faure@chu-toulouse.fr", "luc.garnier@ehpad-paris.fr", "jeanne.morel@chu-lille.fr"]);
        assert_eq!((page["total"].as_i64(), page["page"].as_i64(), page["per_page"].as_i64()), (Some(4), Some(1), Some(50)));
        assert!(page["items"][3]["volunteer_id"].is_string(), "the accepted one names its volunteer");
        assert_eq!(page["items"][1]["rejection_reason"], "Hors périmètre.");

        assert_eq!(list("?status=pending").await.0, ["hugo.blanc@apf-lille.fr", "luc.garnier@ehpad-paris.fr"]);
        assert_eq!(list("?status=accepted").await.0, ["jeanne.morel@chu-lille.fr"]);
        assert_eq!(list("?status=rejected").await.0, ["ines.faure@chu-toulouse.fr"]);
        assert_eq!(list("?region=32").await.0, ["hugo.blanc@apf-lille.fr", "jeanne.morel@chu-lille.fr"]);
        assert_eq!(list("?theme=teletravail").await.0, ["hugo.blanc@apf-lille.fr", "jeanne.morel@chu-lille.fr"]);
        assert_eq!(list("?sector=medico_social").await.0, ["hugo.blanc@apf-lille.fr", "luc.garnier@ehpad-paris.fr"]);
        assert_eq!(list("?region=32&theme=cybersecurite&sector=medico_social&status=pending").await.0, ["hugo.blanc@apf-lille.fr"]);
        assert!(list("?region=94").await.0.is_empty());
        assert!(list("?theme=theme-inexistant").await.0.is_empty());

        let (emails, page) = list("?per_page=3&page=2").await;
        assert_eq!(emails, ["jeanne.morel@chu-lille.fr"]);
        assert_eq!(page["total"], 4);
        let (emails, page) = list("?per_page=3&page=3").await;
        assert!(emails.is_empty());
        assert_eq!(page["total"], 4);

        for bad in ["?status=en_attente", "?region=99", "?sector=industrie", "?theme=Pas%20Un%20Id", "?page=0", "?per_page=201", "?per_page=abc", "?statut=pending"] {
            let response = get(&app, &format!("/api/v1/applications{bad}"), Some(&staff)).await;
            assert_eq!(problem(response, StatusCode::UNPROCESSABLE_ENTITY).await["code"], "validation_failed", "{bad}");
        }

        // Read one.
        let response = get(&app, &format!("/api/v1/applications/{}", ids[1]), Some(&staff)).await;
        assert_eq!(response.status(), 200);
        let one: Value = response.json().await.unwrap();
        assert_eq!(one["email"], "luc.garnier@ehpad-paris.fr");
        assert_eq!(one["region"], "11");
        assert_eq!(one["themes"][0]["id"], "si-medico-social");
    }
}

backend_test! {
    #[actix_web::test]
    async fn only_staff_see_and_decide_applications(db) {
        let app = TestApp::start(db);
        let id = applied(&app, &form("sophie.girard@ch-exemple.fr")).await["id"].as_str().unwrap().to_owned();
        let volunteer = app.sign_in("benevole@chu-exemple.fr", Role::Volunteer).await;
        let requester = app.sign_in("direction@ehpad-exemple.fr", Role::Requester).await;
        let staff = app.sign_in("equipe@anap.fr", Role::Staff).await;

        let paths = [
            ("GET", "/api/v1/applications".to_owned()),
            ("GET", format!("/api/v1/applications/{id}")),
            ("POST", format!("/api/v1/applications/{id}/accept")),
            ("POST", format!("/api/v1/applications/{id}/reject")),
        ];
        for (method, path) in &paths {
            let send = |token: Option<&str>| {
                let mut request = app.client.request(method.parse().unwrap(), app.url(path)).json(&json!({"reason": "Non."}));
                if let Some(token) = token {
                    request = request.bearer_auth(token);
                }
                request.send()
            };
            let response = send(None).await.unwrap();
            assert!(response.headers().contains_key("www-authenticate"));
            assert_eq!(problem(response, StatusCode::UNAUTHORIZED).await["code"], "unauthenticated", "{method} {path}");
            assert_eq!(problem(send(Some("pas-un-jeton")).await.unwrap(), StatusCode::UNAUTHORIZED).await["code"], "unauthenticated");
            for token in [&volunteer, &requester] {
                let response = send(Some(token)).await.unwrap();
                assert_eq!(problem(response, StatusCode::FORBIDDEN).await["code"], "forbidden", "{method} {path}");
            }
        }
        // Still pending: nobody but staff could decide.
        let response = get(&app, &format!("/api/v1/applications/{id}"), Some(&staff)).await;
        assert_eq!(response.json::<Value>().await.unwrap()["status"], "pending");

        // Unknown or malformed ids name nothing.
        let unknown = Uuid::new_v4();
        for path in [
            format!("/api/v1/applications/{unknown}"),
            "/api/v1/applications/pas-un-uuid".to_owned(),
        ] {
            assert_eq!(problem(get(&app, &path, Some(&staff)).await, StatusCode::NOT_FOUND).await["code"], "not_found");
        }
        let response = post(&app, &format!("/api/v1/applications/{unknown}/accept"), Some(&staff), None).await;
        assert_eq!(problem(response, StatusCode::NOT_FOUND).await["code"], "not_found");
        let response = post(&app, &format!("/api/v1/applications/{unknown}/reject"), Some(&staff), Some(json!({"reason": "Non."}))).await;
        assert_eq!(problem(response, StatusCode::NOT_FOUND).await["code"], "not_found");
    }
}

backend_test! {
    #[actix_web::test]
    async fn accepting_creates_the_volunteer_and_emails_them(db) {
        let app = TestApp::start(db);
        let staff = app.sign_in("equipe@anap.fr", Role::Staff).await;
        let staff_id = get(&app, "/api/v1/auth/me", Some(&staff)).await.json::<Value>().await.unwrap()["id"].clone();
        let id = applied(&app, &form("claire.lefevre@chu-lyon.fr")).await["id"].as_str().unwrap().to_owned();
        // Within the tokens' leeway: sessions are signed with the test clock but checked
        // against the system clock.
        app.clock.advance(TimeDelta::seconds(2));

        let response = post(&app, &format!("/api/v1/applications/{id}/accept"), Some(&staff), None).await;
        assert_eq!(response.status(), 200);
        let accepted: Value = response.json().await.unwrap();
        assert_eq!(accepted["status"], "accepted");
        assert_eq!(accepted["decided_by"], staff_id);
        assert!(accepted["decided_at"].is_string());
        assert_ne!(accepted["decided_at"], accepted["created_at"]);
        assert!(accepted["rejection_reason"].is_null());
        let volunteer_id = accepted["volunteer_id"].as_str().unwrap().to_owned();

        // The applicant is now a volunteer user, named, and was told so.
        assert_eq!(roles_of(&app, "claire.lefevre@chu-lyon.fr"), [Role::Volunteer]);
        assert_eq!(outbox_kinds(&app, "claire.lefevre@chu-lyon.fr"), ["application_received", "application_accepted"]);
        let (_, _, text) = outbox_for(&app, "claire.lefevre@chu-lyon.fr").pop().unwrap();
        assert!(text.contains("Claire Lefèvre"), "{text}");
        assert!(text.contains("3 demandes"), "{text}");
        assert!(text.contains(&format!("{TEST_PUBLIC_URL}/volontaire")), "{text}");
        assert!(outbox_for(&app, "equipe@anap.fr").is_empty());

        // The volunteer's profile is the application's.
        let session = app.sign_in("claire.lefevre@chu-lyon.fr", Role::Volunteer).await;
        let me: Value = get(&app, "/api/v1/volunteers/me", Some(&session)).await.json().await.unwrap();
        assert_eq!(me["id"], volunteer_id.as_str(), "{me}");
        assert_eq!(me["application_id"], id.as_str());
        assert_eq!(me["name"], "Claire Lefèvre");
        assert_eq!(me["email"], "claire.lefevre@chu-lyon.fr");
        assert_eq!(me["phone"], "+33612345678");
        assert_eq!(me["region"], "84");
        assert_eq!(me["capacity"], 3);
        assert_eq!(me["own_organisation"], "Hospices civils de Lyon");
        assert_eq!(me["themes"].as_array().unwrap().len(), 2);
        assert_eq!((me["active"].as_bool(), me["available"].as_bool()), (Some(true), Some(true)));
        let user: Value = get(&app, "/api/v1/auth/me", Some(&session)).await.json().await.unwrap();
        assert_eq!(user["name"], "Claire Lefèvre");

        // A decision is final.
        let response = post(&app, &format!("/api/v1/applications/{id}/accept"), Some(&staff), None).await;
        assert!(problem(response, StatusCode::CONFLICT).await["detail"].as_str().unwrap().contains("acceptée"));
        let response = post(&app, &format!("/api/v1/applications/{id}/reject"), Some(&staff), Some(json!({"reason": "Non."}))).await;
        assert_eq!(response.status(), StatusCode::CONFLICT);
        assert_eq!(outbox_for(&app, "claire.lefevre@chu-lyon.fr").len(), 2, "no e-mail for a refused decision");
    }
}

backend_test! {
    #[actix_web::test]
    async fn an_existing_user_gets_the_volunteer_role(db) {
        let app = TestApp::start(db);
        let staff = app.sign_in("equipe@anap.fr", Role::Staff).await;
        app.sign_in_token("directeur@ehpad-exemple.fr", Role::Requester);
        let id = applied(&app, &form("directeur@ehpad-exemple.fr")).await["id"].as_str().unwrap().to_owned();
        assert_eq!(post(&app, &format!("/api/v1/applications/{id}/accept"), Some(&staff), None).await.status(), 200);
        assert_eq!(roles_of(&app, "directeur@ehpad-exemple.fr"), [Role::Volunteer, Role::Requester]);
    }
}

backend_test! {
    #[actix_web::test]
    async fn rejecting_emails_the_reason(db) {
        let app = TestApp::start(db);
        let staff = app.sign_in("equipe@anap.fr", Role::Staff).await;
        let id = applied(&app, &form("thomas.durand@ch-exemple.fr")).await["id"].as_str().unwrap().to_owned();
        let reject = |body: Value| post(&app, format!("/api/v1/applications/{id}/reject"), Some(&staff), Some(body));

        for body in [json!({"reason": "   "}), json!({"reason": "x".repeat(2001)})] {
            assert_eq!(error_paths(reject(body).await).await, ["/reason"]);
        }
        for (body, code) in [(json!({}), "field.missing"), (json!({"reason": "Non.", "notify": false}), "field.unknown")] {
            let problem = problem(reject(body).await, StatusCode::UNPROCESSABLE_ENTITY).await;
            assert_eq!(problem["errors"][0]["code"], code, "{problem}");
        }
        let response = app.client.post(app.url(&format!("/api/v1/applications/{id}/reject"))).bearer_auth(&staff).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

        let reason = "Le dispositif recherche en priorité des profils ayant une expérience des SI en établissement.";
        let response = reject(json!({"reason": format!("  {reason} ")})).await;
        assert_eq!(response.status(), 200);
        let rejected: Value = response.json().await.unwrap();
        assert_eq!(rejected["status"], "rejected");
        assert_eq!(rejected["rejection_reason"], reason);
        assert!(rejected["volunteer_id"].is_null());
        assert!(rejected["decided_at"].is_string());

        assert_eq!(outbox_kinds(&app, "thomas.durand@ch-exemple.fr"), ["application_received", "application_rejected"]);
        let (_, _, text) = outbox_for(&app, "thomas.durand@ch-exemple.fr").pop().unwrap();
        assert!(text.contains(reason), "{text}");
        assert!(text.contains("Claire Lefèvre"), "{text}");
        // No user, no volunteer.
        assert!(roles_of(&app, "thomas.durand@ch-exemple.fr").is_empty());

        let response = reject(json!({"reason": "Encore."})).await;
        assert!(problem(response, StatusCode::CONFLICT).await["detail"].as_str().unwrap().contains("refusée"));
        let response = post(&app, &format!("/api/v1/applications/{id}/accept"), Some(&staff), None).await;
        assert_eq!(response.status(), StatusCode::CONFLICT);
        assert_eq!(outbox_for(&app, "thomas.durand@ch-exemple.fr").len(), 2);
    }
}
