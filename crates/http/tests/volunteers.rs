//! Volunteers: the public directory (which never shows contact details), one's own
//! profile, and staff deactivation, against the real server on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used)] // Test code: a panic is how a test reports failure.

use std::collections::BTreeSet;

use chrono::{NaiveDate, TimeDelta};
use entraide_core::Role;
use entraide_http::testing::TestApp;
use entraide_store::{backend_test, Clock};
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

/// A volunteer to create: (name, e-mail, department, themes, consent to publication).
struct Applicant {
    name: &'static str,
    email: &'static str,
    phone: &'static str,
    department: &'static str,
    themes: &'static [&'static str],
    consent: bool,
}

const CLAIRE: Applicant = Applicant {
    name: "Claire Lefèvre",
    email: "claire.lefevre@chu-lyon.fr",
    phone: "06 12 34 56 78",
    department: "69",
    themes: &["teletravail", "pca"],
    consent: true,
};
const KARIM: Applicant = Applicant {
    name: "Karim Benali",
    email: "karim.benali@ght-paris.fr",
    phone: "01 45 67 89 10",
    department: "75",
    themes: &["cybersecurite"],
    consent: true,
};
const NADIA: Applicant = Applicant {
    name: "Nadia Rousseau",
    email: "nadia.rousseau@ehpad-grenoble.fr",
    phone: "04 76 12 34 56",
    department: "38",
    themes: &["si-medico-social"],
    consent: false,
};
const PIERRE: Applicant = Applicant {
    name: "Pierre Vidal",
    email: "pierre.vidal@clinique-lyon.fr",
    phone: "07 11 22 33 44",
    department: "69",
    themes: &["teletravail"],
    consent: true,
};

/// A created volunteer: id and a session.
struct Created {
    id: String,
    token: String,
}

async fn send(
    app: &TestApp,
    method: &str,
    path: impl AsRef<str>,
    token: Option<&str>,
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = app
        .client
        .request(method.parse().unwrap(), app.url(path.as_ref()));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

async fn json_of(response: reqwest::Response, status: StatusCode) -> Value {
    assert_eq!(response.status(), status);
    response.json().await.unwrap()
}

/// Applies, has staff accept, signs the new volunteer in.
async fn volunteer(app: &TestApp, staff: &str, who: &Applicant) -> Created {
    let form = json!({
        "name": who.name,
        "email": who.email,
        "phone": who.phone,
        "job_role": "dsi",
        "origin_sector": "sanitaire",
        "origin_status": "prive_non_lucratif",
        "department": who.department,
        "themes": who.themes,
        "presentation": format!("{}, DSI, propose son aide sur {}.", who.name, who.themes.join(", ")),
        "own_organisation": "Groupe hospitalier privé",
        "publication_consent": who.consent,
    });
    let created = json_of(
        send(app, "POST", "/api/v1/applications", None, Some(form)).await,
        StatusCode::CREATED,
    )
    .await;
    let id = created["id"].as_str().unwrap();
    let accepted = json_of(
        send(
            app,
            "POST",
            &format!("/api/v1/applications/{id}/accept"),
            Some(staff),
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    // Later volunteers are accepted later: the directory lists in order of acceptance.
    // (Seconds only: sessions are signed with the test clock but checked against the
    // system clock, with a leeway of a minute.)
    app.clock.advance(TimeDelta::seconds(1));
    Created {
        id: accepted["volunteer_id"].as_str().unwrap().to_owned(),
        token: app.sign_in(who.email, Role::Volunteer).await,
    }
}

async fn directory(app: &TestApp, query: &str) -> Value {
    let response = send(
        app,
        "GET",
        &format!("/api/v1/volunteers{query}"),
        None,
        None,
    )
    .await;
    assert_eq!(response.status(), 200, "{query}");
    let text = response.text().await.unwrap();
    assert_no_contact_details(&text);
    serde_json::from_str(&text).unwrap()
}

fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap().to_owned())
        .collect()
}

/// No address, no phone number, no private field, in any form.
fn assert_no_contact_details(text: &str) {
    for who in [CLAIRE, KARIM, NADIA, PIERRE] {
        assert!(!text.contains(who.email), "e-mail leaked: {text}");
        let digits: String = who.phone.chars().filter(char::is_ascii_digit).collect();
        assert!(!text.contains(&digits[1..]), "phone leaked: {text}");
        assert!(!text.contains(who.phone), "phone leaked: {text}");
    }
    for private in [
        "@",
        "\"email\"",
        "\"phone\"",
        "own_organisation",
        "Groupe hospitalier",
        "user_id",
        "gender",
        "capacity",
        "paused_until",
    ] {
        assert!(!text.contains(private), "{private} leaked: {text}");
    }
}

const PUBLIC_FIELDS: [&str; 8] = [
    "available",
    "id",
    "job_role",
    "name",
    "origin_sector",
    "presentation",
    "region",
    "themes",
];

fn keys(object: &Value) -> Vec<&str> {
    object
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

async fn read(app: &TestApp, id: &str, token: Option<&str>) -> reqwest::Response {
    send(app, "GET", format!("/api/v1/volunteers/{id}"), token, None).await
}

async fn deactivate(app: &TestApp, id: &str, token: Option<&str>) -> reqwest::Response {
    send(
        app,
        "POST",
        format!("/api/v1/volunteers/{id}/deactivate"),
        token,
        None,
    )
    .await
}

async fn problem(response: reqwest::Response, status: StatusCode) -> Value {
    assert_eq!(response.status(), status);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    response.json().await.unwrap()
}

backend_test! {
    #[actix_web::test]
    async fn the_directory_shows_public_profiles_only(db) {
        let app = TestApp::start(db);
        let staff = app.sign_in("equipe@anap.fr", Role::Staff).await;
        assert_eq!(directory(&app, "").await["total"], 0);
        // A pending application is not a volunteer.
        let pending = json!({
            "name": "Paul Mercier", "email": "paul.mercier@ch-exemple.fr", "phone": "0612345670",
            "job_role": "rsi", "origin_sector": "sanitaire", "origin_status": "public", "department": "69",
            "themes": ["teletravail"], "presentation": "RSI.", "publication_consent": true
        });
        assert_eq!(send(&app, "POST", "/api/v1/applications", None, Some(pending)).await.status(), 201);

        let claire = volunteer(&app, &staff, &CLAIRE).await;
        let karim = volunteer(&app, &staff, &KARIM).await;
        let _nadia = volunteer(&app, &staff, &NADIA).await;
        let pierre = volunteer(&app, &staff, &PIERRE).await;

        // Only consenting volunteers, in order of acceptance, with public fields only.
        let page = directory(&app, "").await;
        assert_eq!(names(&page), ["Claire Lefèvre", "Karim Benali", "Pierre Vidal"]);
        assert_eq!(page["total"], 3);
        let first = &page["items"][0];
        assert_eq!(keys(first), PUBLIC_FIELDS);
        assert_eq!(first["id"], claire.id.as_str());
        assert_eq!(first["job_role"], "dsi");
        assert_eq!(first["origin_sector"], "sanitaire");
        assert_eq!(first["region"], "84");
        assert_eq!(first["available"], true);
        assert_eq!(first["presentation"], "Claire Lefèvre, DSI, propose son aide sur teletravail, pca.");
        assert_eq!(first["themes"], json!([
            {"id": "teletravail", "label": "Télétravail"},
            {"id": "pca", "label": "Plan de continuité d'activité (PCA)"}
        ]));

        // Filters and pages.
        assert_eq!(names(&directory(&app, "?region=84").await), ["Claire Lefèvre", "Pierre Vidal"]);
        assert_eq!(names(&directory(&app, "?theme=teletravail").await), ["Claire Lefèvre", "Pierre Vidal"]);
        assert_eq!(names(&directory(&app, "?theme=cybersecurite&region=11").await), ["Karim Benali"]);
        assert!(names(&directory(&app, "?theme=si-medico-social").await).is_empty(), "no consent, not listed");
        assert!(names(&directory(&app, "?region=94").await).is_empty());
        let page = directory(&app, "?per_page=2&page=2").await;
        assert_eq!(names(&page), ["Pierre Vidal"]);
        assert_eq!((page["total"].as_i64(), page["page"].as_i64(), page["per_page"].as_i64()), (Some(3), Some(2), Some(2)));
        for bad in ["?region=99", "?theme=Pas%20Un%20Id", "?page=0", "?per_page=500", "?secteur=sanitaire"] {
            let response = send(&app, "GET", &format!("/api/v1/volunteers{bad}"), None, None).await;
            assert_eq!(problem(response, StatusCode::UNPROCESSABLE_ENTITY).await["code"], "validation_failed", "{bad}");
        }

        // Staff see the same directory: it is public, and never has contact details.
        let response = send(&app, "GET", "/api/v1/volunteers", Some(&staff), None).await;
        assert_no_contact_details(&response.text().await.unwrap());

        // Paused volunteers stay listed, unavailable.
        let today = app.clock.now_utc().date_naive();
        let response = send(&app, "PATCH", "/api/v1/volunteers/me", Some(&karim.token), Some(json!({"paused_until": today.to_string()}))).await;
        assert_eq!(response.status(), 200);
        let page = directory(&app, "").await;
        assert_eq!(page["items"][1]["name"], "Karim Benali");
        assert_eq!(page["items"][1]["available"], false);

        // Withdrawn consent and deactivation take volunteers out at once.
        let response = send(&app, "PATCH", "/api/v1/volunteers/me", Some(&pierre.token), Some(json!({"publication_consent": false}))).await;
        assert_eq!(response.status(), 200);
        let response = send(&app, "POST", &format!("/api/v1/volunteers/{}/deactivate", claire.id), Some(&staff), None).await;
        assert_eq!(response.status(), 200);
        assert_eq!(names(&directory(&app, "").await), ["Karim Benali"]);
    }
}

backend_test! {
    #[actix_web::test]
    async fn one_volunteer_public_or_full(db) {
        let app = TestApp::start(db);
        let staff = app.sign_in("equipe@anap.fr", Role::Staff).await;
        let claire = volunteer(&app, &staff, &CLAIRE).await;
        let nadia = volunteer(&app, &staff, &NADIA).await;
        let requester = app.sign_in("direction@ehpad-exemple.fr", Role::Requester).await;

        // Anyone, and other volunteers or requesters: the public view of a listed volunteer.
        for token in [None, Some(nadia.token.as_str()), Some(requester.as_str())] {
            let response = read(&app, &claire.id, token).await;
            assert_eq!(response.status(), 200);
            let text = response.text().await.unwrap();
            assert_no_contact_details(&text);
            let view: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(keys(&view), PUBLIC_FIELDS);
            assert_eq!(view["name"], "Claire Lefèvre");
        }
        // Nadia did not consent: invisible to the public and to other people.
        for token in [None, Some(claire.token.as_str()), Some(requester.as_str())] {
            assert_eq!(problem(read(&app, &nadia.id, token).await, StatusCode::NOT_FOUND).await["code"], "not_found");
        }
        // Staff and Nadia herself see every detail.
        for token in [&staff, &nadia.token] {
            let view = json_of(read(&app, &nadia.id, Some(token)).await, StatusCode::OK).await;
            assert_eq!(view["email"], "nadia.rousseau@ehpad-grenoble.fr");
            assert_eq!(view["phone"], "+33476123456");
            assert_eq!(view["own_organisation"], "Groupe hospitalier privé");
            assert_eq!(view["publication_consent"], false);
            assert_eq!(view["origin_status"], "prive_non_lucratif");
        }
        let view = json_of(read(&app, &claire.id, Some(&staff)).await, StatusCode::OK).await;
        assert_eq!(view["email"], "claire.lefevre@chu-lyon.fr");

        // Unknown ids, malformed ids, invalid sessions.
        assert_eq!(read(&app, &Uuid::new_v4().to_string(), Some(&staff)).await.status(), StatusCode::NOT_FOUND);
        assert_eq!(read(&app, "pas-un-uuid", None).await.status(), StatusCode::NOT_FOUND);
        let response = read(&app, &claire.id, Some("jeton-invalide")).await;
        assert_eq!(problem(response, StatusCode::UNAUTHORIZED).await["code"], "unauthenticated");

        // Deactivated: out of public view, still visible to staff and to themself.
        assert_eq!(send(&app, "POST", &format!("/api/v1/volunteers/{}/deactivate", claire.id), Some(&staff), None).await.status(), 200);
        assert_eq!(read(&app, &claire.id, None).await.status(), StatusCode::NOT_FOUND);
        let view = json_of(read(&app, &claire.id, Some(&staff)).await, StatusCode::OK).await;
        assert_eq!((view["active"].as_bool(), view["available"].as_bool()), (Some(false), Some(false)));
        assert_eq!(read(&app, &claire.id, Some(&claire.token)).await.status(), StatusCode::OK);
    }
}

backend_test! {
    #[actix_web::test]
    async fn a_volunteer_edits_their_profile(db) {
        let app = TestApp::start(db);
        let staff = app.sign_in("equipe@anap.fr", Role::Staff).await;
        let claire = volunteer(&app, &staff, &CLAIRE).await;
        let me = json_of(send(&app, "GET", "/api/v1/volunteers/me", Some(&claire.token), None).await, StatusCode::OK).await;
        assert_eq!(me["id"], claire.id.as_str());
        assert_eq!(me["capacity"], 2, "default capacity");
        assert!(me["paused_until"].is_null());
        let patch = |body: Value| send(&app, "PATCH", "/api/v1/volunteers/me", Some(&claire.token), Some(body));

        let today = app.clock.now_utc().date_naive();
        let until = today + TimeDelta::days(10);
        let changed = json_of(patch(json!({
            "name": "  Claire Lefèvre-Martin ",
            "phone": "+33 7 98 76 54 32",
            "themes": ["cybersecurite", "teletravail"],
            "capacity": 5,
            "paused_until": until.to_string(),
            "presentation": "Désormais RSSI, j'aide aussi sur la cybersécurité.",
        })).await, StatusCode::OK).await;
        assert_eq!(changed["name"], "Claire Lefèvre-Martin");
        assert_eq!(changed["phone"], "+33798765432");
        assert_eq!(changed["themes"], json!([
            {"id": "teletravail", "label": "Télétravail"},
            {"id": "cybersecurite", "label": "Cybersécurité"}
        ]));
        assert_eq!(changed["capacity"], 5);
        assert_eq!(changed["paused_until"], until.to_string());
        assert_eq!(changed["available"], false);
        assert_eq!(changed["presentation"], "Désormais RSSI, j'aide aussi sur la cybersécurité.");
        // Untouched fields stay.
        assert_eq!(changed["email"], "claire.lefevre@chu-lyon.fr");
        assert_eq!(changed["publication_consent"], true);
        assert_eq!(changed["region"], "84");
        // The display name follows.
        let user = json_of(send(&app, "GET", "/api/v1/auth/me", Some(&claire.token), None).await, StatusCode::OK).await;
        assert_eq!(user["name"], "Claire Lefèvre-Martin");
        // So does the directory.
        let public = json_of(send(&app, "GET", &format!("/api/v1/volunteers/{}", claire.id), None, None).await, StatusCode::OK).await;
        assert_eq!(public["themes"][1]["id"], "cybersecurite");
        assert_eq!(public["available"], false);

        // The pause holds through its last day, then ends by itself (read anonymously:
        // sessions do not survive days of test clock).
        app.clock.advance(TimeDelta::days(10));
        let public = json_of(read(&app, &claire.id, None).await, StatusCode::OK).await;
        assert_eq!(public["available"], false);
        app.clock.advance(TimeDelta::days(1));
        let public = json_of(read(&app, &claire.id, None).await, StatusCode::OK).await;
        assert_eq!(public["available"], true);
        app.clock.advance(TimeDelta::days(-11));

        // `null` ends a pause; an empty change changes nothing.
        let today = app.clock.now_utc().date_naive();
        json_of(patch(json!({"paused_until": today.to_string()})).await, StatusCode::OK).await;
        let resumed = json_of(patch(json!({"paused_until": null})).await, StatusCode::OK).await;
        assert!(resumed["paused_until"].is_null());
        assert_eq!(resumed["available"], true);
        let same = json_of(patch(json!({})).await, StatusCode::OK).await;
        assert_eq!(same["capacity"], 5);
        assert_eq!(same["name"], "Claire Lefèvre-Martin");

        // Retired themes already held may stay; they cannot be added.
        let response = send(&app, "PATCH", "/api/v1/themes/teletravail", Some(&staff), Some(json!({"retired": true}))).await;
        assert_eq!(response.status(), 200);
        let kept = json_of(patch(json!({"themes": ["teletravail", "pca"]})).await, StatusCode::OK).await;
        assert_eq!(kept["themes"].as_array().unwrap().len(), 2);
        let response = send(&app, "PATCH", "/api/v1/themes/ins", Some(&staff), Some(json!({"retired": true}))).await;
        assert_eq!(response.status(), 200);
        let response = patch(json!({"themes": ["pca", "ins"]})).await;
        let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(body["errors"][0]["path"], "/themes/1");
        assert_eq!(body["errors"][0]["code"], "theme.unknown");
        // The profile kept its themes.
        let me = json_of(send(&app, "GET", "/api/v1/volunteers/me", Some(&claire.token), None).await, StatusCode::OK).await;
        let held: Vec<&str> = me["themes"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap()).collect();
        assert_eq!(held, ["teletravail", "pca"]);
        // No e-mail is sent for a profile change.
        assert_eq!(outbox_count(&app, "claire.lefevre@chu-lyon.fr"), 2);
    }
}

fn outbox_count(app: &TestApp, recipient: &str) -> i64 {
    use diesel::prelude::*;
    use entraide_store::schema::outbox;
    let recipient = recipient.to_owned();
    app.state
        .store
        .run_blocking(move |conn| {
            outbox::table
                .filter(outbox::recipient.eq(&recipient))
                .count()
                .get_result::<i64>(conn)
                .map_err(entraide_store::StoreError::from)
        })
        .unwrap()
}

backend_test! {
    #[actix_web::test]
    async fn every_invalid_profile_field_is_listed(db) {
        let app = TestApp::start(db);
        let staff = app.sign_in("equipe@anap.fr", Role::Staff).await;
        let claire = volunteer(&app, &staff, &CLAIRE).await;
        let patch = |body: Value| send(&app, "PATCH", "/api/v1/volunteers/me", Some(&claire.token), Some(body));
        let today: NaiveDate = app.clock.now_utc().date_naive();

        let response = patch(json!({
            "name": " ",
            "presentation": "x".repeat(2001),
            "capacity": 11,
            "themes": ["teletravail", "inconnu"],
            "paused_until": (today - TimeDelta::days(1)).to_string(),
        })).await;
        let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        let mut paths: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["path"].as_str().unwrap()).collect();
        paths.sort();
        assert_eq!(paths, ["/capacity", "/name", "/paused_until", "/presentation", "/themes/1"], "{body}");

        let one_year = today + TimeDelta::days(365);
        for (body, path, code) in [
            (json!({"capacity": 0}), "/capacity", "capacity.range"),
            (json!({"themes": []}), "/themes", "themes.empty"),
            (json!({"name": "x".repeat(101)}), "/name", "volunteer.name"),
            (json!({"presentation": ""}), "/presentation", "volunteer.presentation"),
            (json!({"paused_until": "31/12/2026"}), "/paused_until", "date.invalid"),
            (json!({"paused_until": "2026-02-30"}), "/paused_until", "date.invalid"),
            (json!({"paused_until": (one_year + TimeDelta::days(1)).to_string()}), "/paused_until", "paused_until.too_far"),
            (json!({"phone": "12"}), "/phone", "field.invalid"),
            (json!({"themes": ["Pas Un Id"]}), "/themes/0", "field.invalid"),
            (json!({"capacity": 2.5}), "/capacity", "field.invalid"),
            (json!({"email": "autre@chu-lyon.fr"}), "", "field.unknown"),
        ] {
            let response = patch(body.clone()).await;
            let problem = problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
            let error = &problem["errors"][0];
            assert_eq!(error["code"], code, "{body}: {problem}");
            if !path.is_empty() {
                assert_eq!(error["path"], path, "{body}: {problem}");
            }
            assert!(!error["message"].as_str().unwrap().is_empty());
        }
        // Bounds are accepted.
        json_of(patch(json!({"capacity": 10, "paused_until": one_year.to_string(), "name": "x".repeat(100)})).await, StatusCode::OK).await;
        json_of(patch(json!({"capacity": 1, "presentation": "é".repeat(2000)})).await, StatusCode::OK).await;
        // Nothing invalid was saved.
        let me = json_of(send(&app, "GET", "/api/v1/volunteers/me", Some(&claire.token), None).await, StatusCode::OK).await;
        assert_eq!(me["capacity"], 1);
        assert_eq!(me["themes"].as_array().unwrap().len(), 2);

        // Bodies that are not JSON objects.
        let response = app.client.patch(app.url("/api/v1/volunteers/me")).bearer_auth(&claire.token).header("content-type", "text/plain").body("capacity=3").send().await.unwrap();
        assert_eq!(problem(response, StatusCode::UNSUPPORTED_MEDIA_TYPE).await["code"], "unsupported_media_type");
        let response = app.client.patch(app.url("/api/v1/volunteers/me")).bearer_auth(&claire.token).header("content-type", "application/json").body("{\"capacity\":").send().await.unwrap();
        assert_eq!(problem(response, StatusCode::BAD_REQUEST).await["code"], "malformed_request");
    }
}

backend_test! {
    #[actix_web::test]
    async fn own_profile_access_rules(db) {
        let app = TestApp::start(db);
        let staff = app.sign_in("equipe@anap.fr", Role::Staff).await;
        let requester = app.sign_in("direction@ehpad-exemple.fr", Role::Requester).await;
        // The volunteer role without a profile (e.g. given by hand): nothing to read.
        let bare = app.sign_in("role-seul@chu-exemple.fr", Role::Volunteer).await;
        for method in ["GET", "PATCH"] {
            let body = Some(json!({"capacity": 3}));
            let response = send(&app, method, "/api/v1/volunteers/me", None, body.clone()).await;
            assert_eq!(problem(response, StatusCode::UNAUTHORIZED).await["code"], "unauthenticated", "{method}");
            for token in [&staff, &requester] {
                let response = send(&app, method, "/api/v1/volunteers/me", Some(token), body.clone()).await;
                assert_eq!(problem(response, StatusCode::FORBIDDEN).await["code"], "forbidden", "{method}");
            }
            let response = send(&app, method, "/api/v1/volunteers/me", Some(&bare), body.clone()).await;
            assert_eq!(problem(response, StatusCode::NOT_FOUND).await["code"], "not_found", "{method}");
        }
        // Each volunteer reads and changes only their own profile.
        let claire = volunteer(&app, &staff, &CLAIRE).await;
        let karim = volunteer(&app, &staff, &KARIM).await;
        let response = send(&app, "PATCH", "/api/v1/volunteers/me", Some(&karim.token), Some(json!({"capacity": 7}))).await;
        assert_eq!(response.status(), 200);
        let mine = json_of(send(&app, "GET", "/api/v1/volunteers/me", Some(&claire.token), None).await, StatusCode::OK).await;
        assert_eq!(mine["id"], claire.id.as_str());
        assert_eq!(mine["capacity"], 2);
    }
}

backend_test! {
    #[actix_web::test]
    async fn staff_deactivate_a_volunteer(db) {
        let app = TestApp::start(db);
        let staff = app.sign_in("equipe@anap.fr", Role::Staff).await;
        let claire = volunteer(&app, &staff, &CLAIRE).await;
        let karim = volunteer(&app, &staff, &KARIM).await;
        let requester = app.sign_in("direction@ehpad-exemple.fr", Role::Requester).await;

        assert_eq!(problem(deactivate(&app, &claire.id, None).await, StatusCode::UNAUTHORIZED).await["code"], "unauthenticated");
        for token in [&karim.token, &claire.token, &requester] {
            assert_eq!(problem(deactivate(&app, &claire.id, Some(token)).await, StatusCode::FORBIDDEN).await["code"], "forbidden");
        }
        assert_eq!(problem(deactivate(&app, &Uuid::new_v4().to_string(), Some(&staff)).await, StatusCode::NOT_FOUND).await["code"], "not_found");
        assert_eq!(deactivate(&app, "pas-un-uuid", Some(&staff)).await.status(), StatusCode::NOT_FOUND);

        let done = json_of(deactivate(&app, &claire.id, Some(&staff)).await, StatusCode::OK).await;
        assert_eq!(done["active"], false);
        assert_eq!(done["available"], false);
        assert_eq!(done["email"], "claire.lefevre@chu-lyon.fr");
        let first_date = done["deactivated_at"].clone();
        assert!(first_date.is_string());
        // Again: nothing changes.
        app.clock.advance(TimeDelta::hours(1));
        let again = json_of(deactivate(&app, &claire.id, Some(&staff)).await, StatusCode::OK).await;
        assert_eq!(again["deactivated_at"], first_date);

        // The volunteer still reads their profile but can no longer change it, nor apply again.
        let me = json_of(send(&app, "GET", "/api/v1/volunteers/me", Some(&claire.token), None).await, StatusCode::OK).await;
        assert_eq!(me["active"], false);
        let response = send(&app, "PATCH", "/api/v1/volunteers/me", Some(&claire.token), Some(json!({"capacity": 4}))).await;
        assert_eq!(problem(response, StatusCode::CONFLICT).await["code"], "conflict");
        let form = json!({
            "name": CLAIRE.name, "email": CLAIRE.email, "phone": CLAIRE.phone, "job_role": "dsi",
            "origin_sector": "sanitaire", "origin_status": "public", "department": "69",
            "themes": ["pca"], "presentation": "Nouvelle candidature.", "publication_consent": true
        });
        assert_eq!(send(&app, "POST", "/api/v1/applications", None, Some(form)).await.status(), StatusCode::CONFLICT);
        // Others are untouched.
        let other = json_of(send(&app, "GET", "/api/v1/volunteers/me", Some(&karim.token), None).await, StatusCode::OK).await;
        assert_eq!(other["active"], true);
    }
}
