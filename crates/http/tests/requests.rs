//! Help requests: public submission with its acknowledgement e-mail, validation, the lists
//! of staff and requesters, reading, cancelling, and who may do what, against the real
//! server on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used)] // Test code: a panic is how a test reports failure.

use std::num::NonZeroU32;

use chrono::{Datelike, TimeDelta};
use entraide_core::Role;
use entraide_http::testing::{test_settings, token_from_link, TestApp, TEST_PUBLIC_URL};
use entraide_store::backend_test;
use entraide_store::requests::RequestStatus;
use entraide_store::Visibility;
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

/// A server whose public-submission limit does not get in the way of many submissions.
fn app(db: &entraide_store::testing::TestDb) -> TestApp {
    let mut settings = test_settings();
    settings.rate_limits.public_post_per_ip_per_hour = NonZeroU32::new(10_000).unwrap();
    TestApp::start_with(db, settings, Vec::new())
}

const DESCRIPTION: &str = "Nous devons équiper 40 agents administratifs pour le télétravail \
    d'ici lundi : choix des outils, VPN et charte. Nous cherchons un DSI ayant déjà mené \
    ce type de déploiement.";

/// A valid request of the Centre hospitalier de Bourg-en-Bresse (Ain).
fn hospital_request() -> Value {
    json!({
        "establishment": {
            "finess": "010780195",
            "name": "Centre hospitalier de Bourg-en-Bresse",
            "kind": "es",
            "legal_status": "public",
            "department": "01"
        },
        "contact": {
            "name": "Claire Lefèvre",
            "email": "claire.lefevre@ch-bourg-exemple.fr",
            "phone": "04 74 45 41 41",
            "job_role": "dsi"
        },
        "themes": ["teletravail", "pca"],
        "description": DESCRIPTION,
        "urgency": "high"
    })
}

/// A valid request of an EHPAD in Vendée (department derived from the FINESS number).
fn ehpad_request(email: &str) -> Value {
    json!({
        "establishment": {
            "finess": "850014655",
            "name": "EHPAD Les Tilleuls",
            "kind": "esms",
            "legal_status": "prive_non_lucratif"
        },
        "contact": {
            "name": "Paul Girard",
            "email": email,
            "phone": "+33 6 12 34 56 78",
            "job_role": "directeur"
        },
        "themes": ["si-medico-social"],
        "description": "Notre éditeur de DUI ne répond plus ; comment organiser la saisie pendant la panne ?"
    })
}

async fn submit(app: &TestApp, body: &Value) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/requests"))
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn submitted(app: &TestApp, body: &Value) -> Value {
    let response = submit(app, body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

async fn get(app: &TestApp, path: &str, token: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

async fn cancel(app: &TestApp, id: &str, token: Option<&str>, body: Value) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url(&format!("/api/v1/requests/{id}/cancel")))
        .json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

/// The body of a problem response with the given status.
async fn problem(response: reqwest::Response, status: StatusCode) -> Value {
    assert_eq!(response.status(), status);
    assert_eq!(
        response.headers().get("content-type").unwrap(),
        "application/problem+json"
    );
    response.json().await.unwrap()
}

/// The (path, code) of every field error of a 422.
async fn field_errors(response: reqwest::Response) -> Vec<(String, String)> {
    let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["code"], "validation_failed");
    body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert!(!e["message"].as_str().unwrap().is_empty());
            (
                e["path"].as_str().unwrap().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Every message queued, as (recipient, kind, subject, plain-text body).
fn outbox(app: &TestApp) -> Vec<(String, String, String, String)> {
    use diesel::prelude::*;
    use entraide_store::schema::outbox;
    app.state
        .store
        .run_blocking(|conn| {
            outbox::table
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
}

/// Signs in with the link of an e-mail body and returns the session token.
async fn follow_link(app: &TestApp, body: &str) -> Value {
    let link = body
        .split_whitespace()
        .find(|word| word.starts_with(&format!("{TEST_PUBLIC_URL}/connexion#token=")))
        .unwrap_or_else(|| panic!("no sign-in link in {body}"));
    let response = app
        .client
        .post(app.url("/api/v1/auth/session"))
        .json(&json!({ "token": token_from_link(link) }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

fn year(app: &TestApp) -> i32 {
    use entraide_store::Clock;
    app.clock.now().year()
}

fn set_status(app: &TestApp, id: &str, status: RequestStatus) {
    use diesel::prelude::*;
    use entraide_store::schema::help_requests;
    let id = id.to_owned();
    app.state
        .store
        .run_blocking(move |conn| {
            diesel::update(help_requests::table.find(id))
                .set(help_requests::status.eq(status.as_str()))
                .execute(conn)
                .map_err(entraide_store::StoreError::from)
        })
        .unwrap();
}

backend_test! {
    #[actix_web::test]
    async fn a_submission_is_stored_and_acknowledged_with_a_sign_in_link(db) {
        let app = app(db);
        let response = submit(&app, &hospital_request()).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let location = response.headers().get("location").unwrap().to_str().unwrap().to_owned();
        let created: Value = response.json().await.unwrap();
        let id = created["id"].as_str().unwrap().to_owned();
        assert_eq!(location, format!("/api/v1/requests/{id}"));
        let reference = format!("DA-{}-0001", year(&app));
        assert_eq!(created["reference"], reference.as_str());
        assert_eq!(created["status"], "submitted");
        assert_eq!(created["urgency"], "high");
        assert_eq!(created["description"], DESCRIPTION);
        assert_eq!(created["themes"], json!([
            {"id": "teletravail", "label": "Télétravail"},
            {"id": "pca", "label": "Plan de continuité d'activité (PCA)"},
        ]));
        assert_eq!(created["establishment"], json!({
            "finess": "010780195",
            "name": "Centre hospitalier de Bourg-en-Bresse",
            "kind": "es",
            "legal_status": "public",
            "department": "01",
            "region": "84",
        }));
        assert_eq!(created["contact"], json!({
            "name": "Claire Lefèvre",
            "email": "claire.lefevre@ch-bourg-exemple.fr",
            "phone": "+33474454141",
            "job_role": "dsi",
        }));
        assert!(created["cancelled_at"].is_null());

        // One e-mail, to the contact, with the reference and a link that signs her in.
        let messages = outbox(&app);
        assert_eq!(messages.len(), 1, "{messages:?}");
        let (recipient, kind, subject, body) = &messages[0];
        assert_eq!(recipient, "claire.lefevre@ch-bourg-exemple.fr");
        assert_eq!(kind, "request_received");
        assert!(subject.contains(&reference), "{subject}");
        for expected in ["Claire Lefèvre", "Centre hospitalier de Bourg-en-Bresse", "Télétravail", "Haute", reference.as_str()] {
            assert!(body.contains(expected), "{expected} missing from {body}");
        }
        let session = follow_link(&app, body).await;
        assert_eq!(session["user"]["email"], "claire.lefevre@ch-bourg-exemple.fr");
        assert_eq!(session["user"]["name"], "Claire Lefèvre");
        assert_eq!(session["user"]["roles"], json!(["requester"]));
        let token = session["access_token"].as_str().unwrap();

        // She follows her request.
        let response = get(&app, &location, Some(token)).await;
        assert_eq!(response.status(), 200);
        let read: Value = response.json().await.unwrap();
        assert_eq!(read, created);
        let mine: Value = get(&app, "/api/v1/requests", Some(token)).await.json().await.unwrap();
        assert_eq!(mine["total"], 1);
        assert_eq!(mine["items"][0], created);
    }
}

backend_test! {
    #[actix_web::test]
    async fn known_establishments_and_accounts_are_reused(db) {
        let app = app(db);
        let first = submitted(&app, &hospital_request()).await;

        // A second request for the same FINESS number, with another name and status: the
        // stored establishment is kept as it is.
        let mut second = hospital_request();
        second["establishment"]["name"] = json!("CH Fleyriat");
        second["establishment"]["legal_status"] = json!("prive_lucratif");
        second["contact"]["email"] = json!("Claire.Lefevre@CH-Bourg-exemple.fr");
        second["themes"] = json!(["cybersecurite"]);
        let second = submitted(&app, &second).await;
        assert_eq!(second["reference"], format!("DA-{}-0002", year(&app)));
        assert_eq!(second["establishment"], first["establishment"]);

        // The same person (address compared in lower case) owns both.
        let token = app.sign_in("claire.lefevre@ch-bourg-exemple.fr", Role::Requester).await;
        let mine: Value = get(&app, "/api/v1/requests", Some(&token)).await.json().await.unwrap();
        assert_eq!(mine["total"], 2);
        let establishments: Value = get(
            &app,
            "/api/v1/establishments",
            Some(&app.sign_in("equipe@anap.fr", Role::Staff).await),
        )
        .await
        .json()
        .await
        .unwrap();
        assert_eq!(establishments["total"], 1);

        // A volunteer who asks for help keeps the volunteer role and gains the requester one.
        app.sign_in_token("marc.petit@ehpad-exemple.fr", Role::Volunteer);
        submitted(&app, &ehpad_request("marc.petit@ehpad-exemple.fr")).await;
        let messages: Vec<_> = outbox(&app)
            .into_iter()
            .filter(|(to, ..)| to == "marc.petit@ehpad-exemple.fr")
            .collect();
        assert_eq!(messages.len(), 1);
        let session = follow_link(&app, &messages[0].3).await;
        assert_eq!(session["user"]["roles"], json!(["volunteer", "requester"]));
    }
}

backend_test! {
    #[actix_web::test]
    async fn every_invalid_field_is_listed_at_once(db) {
        let app = app(db);
        let staff = app.sign_in("equipe@anap.fr", Role::Staff).await;
        let retired = app
            .client
            .patch(app.url("/api/v1/themes/ins"))
            .bearer_auth(&staff)
            .json(&json!({"retired": true}))
            .send()
            .await
            .unwrap();
        assert_eq!(retired.status(), 200);

        let mut body = hospital_request();
        body["establishment"]["name"] = json!("   ");
        body["establishment"]["department"] = json!("69");
        body["contact"]["name"] = json!("x".repeat(121));
        body["themes"] = json!(["teletravail", "theme-inconnu", "ins"]);
        body["description"] = json!("é".repeat(4001));
        let errors = field_errors(submit(&app, &body).await).await;
        assert_eq!(errors, vec![
            ("/establishment/name".to_owned(), "establishment.name".to_owned()),
            ("/establishment/department".to_owned(), "establishment.department_mismatch".to_owned()),
            ("/contact/name".to_owned(), "contact.name".to_owned()),
            ("/description".to_owned(), "request.description".to_owned()),
            ("/themes/1".to_owned(), "theme.unknown".to_owned()),
            ("/themes/2".to_owned(), "theme.unknown".to_owned()),
        ]);

        // Only the themes wrong: still reported with their index.
        let mut body = hospital_request();
        body["themes"] = json!(["pca", "pca", "ins"]);
        assert_eq!(
            field_errors(submit(&app, &body).await).await,
            vec![("/themes/2".to_owned(), "theme.unknown".to_owned())]
        );

        let mut body = hospital_request();
        body["themes"] = json!([]);
        assert_eq!(
            field_errors(submit(&app, &body).await).await,
            vec![("/themes".to_owned(), "request.themes_empty".to_owned())]
        );
        let mut body = hospital_request();
        body["description"] = json!("  \n ");
        let response = submit(&app, &body).await;
        let problem = problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(problem["errors"][0]["path"], "/description");
        assert_eq!(problem["errors"][0]["message"], "Ce champ est obligatoire : il ne peut pas être vide.");

        // Nothing was stored or sent.
        assert!(outbox(&app).is_empty());

        // The limits themselves are accepted: 4,000 characters, repeated themes counted once,
        // names trimmed.
        let mut body = hospital_request();
        body["description"] = json!("é".repeat(4000));
        body["themes"] = json!(["pca", "teletravail", "pca"]);
        body["establishment"]["name"] = json!("  Centre hospitalier de Bourg-en-Bresse  ");
        let created = submitted(&app, &body).await;
        assert_eq!(created["description"].as_str().unwrap().chars().count(), 4000);
        assert_eq!(created["themes"][0]["id"], "pca");
        assert_eq!(created["themes"].as_array().unwrap().len(), 2);
        assert_eq!(created["establishment"]["name"], "Centre hospitalier de Bourg-en-Bresse");
        assert_eq!(created["urgency"], "high");

        // Urgency defaults to normal.
        let created = submitted(&app, &ehpad_request("paul.girard@ehpad-exemple.fr")).await;
        assert_eq!(created["urgency"], "normal");
        assert_eq!(created["establishment"]["department"], "85");
        assert_eq!(created["establishment"]["region"], "52");
    }
}

backend_test! {
    #[actix_web::test]
    async fn finess_rules_apply_to_submissions(db) {
        let app = app(db);
        for (finess, code) in [
            ("01078019", "finess.length"),
            ("0107801950", "finess.length"),
            ("200780193", "finess.department"),
            ("960780195", "finess.department"),
            ("975000012", "finess.department"),
            ("AB0780195", "finess.department"),
            ("01078019A", "finess.digits"),
            ("2A00001B3", "finess.digits"),
            ("010780196", "finess.key"),
            ("750712148", "finess.key"),
            ("970100229", "finess.key"),
        ] {
            let mut body = hospital_request();
            body["establishment"]["finess"] = json!(finess);
            body["establishment"].as_object_mut().unwrap().remove("department");
            let response = submit(&app, &body).await;
            let problem = problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
            assert_eq!(problem["errors"][0]["path"], "/establishment/finess", "{finess}");
            assert_eq!(problem["errors"][0]["code"], code, "{finess}");
            assert!(problem["errors"][0]["message"].as_str().unwrap().contains("FINESS"), "{finess}");
        }

        // Real numbers, Corsican numbers (no key), both overseas layouts: accepted, and
        // placed in the right department and region.
        for (finess, department, region) in [
            ("010003820", "01", "84"),
            ("750712184", "75", "11"),
            ("850014655", "85", "52"),
            ("010780195", "01", "84"),
            ("2A0000123", "2A", "94"),
            ("2b0001234", "2B", "94"),
            ("970100228", "971", "01"),
            ("970421038", "974", "04"),
            ("973000011", "973", "03"),
            ("976000018", "976", "06"),
        ] {
            let mut body = hospital_request();
            body["establishment"]["finess"] = json!(format!(" {finess} "));
            body["establishment"].as_object_mut().unwrap().remove("department");
            let created = submitted(&app, &body).await;
            assert_eq!(created["establishment"]["finess"], finess.to_uppercase(), "{finess}");
            assert_eq!(created["establishment"]["department"], department, "{finess}");
            assert_eq!(created["establishment"]["region"], region, "{finess}");
        }

        // A department given must be the FINESS number's.
        let mut body = hospital_request();
        body["establishment"]["finess"] = json!("2B0001234");
        body["establishment"]["department"] = json!("2A");
        assert_eq!(
            field_errors(submit(&app, &body).await).await,
            vec![("/establishment/department".to_owned(), "establishment.department_mismatch".to_owned())]
        );
        body["establishment"]["department"] = json!("2b");
        submitted(&app, &body).await;
    }
}

backend_test! {
    #[actix_web::test]
    async fn malformed_bodies_get_precise_errors_never_500(db) {
        let app = app(db);
        let post_raw = |content_type: &'static str, body: Vec<u8>| {
            app.client
                .post(app.url("/api/v1/requests"))
                .header("content-type", content_type)
                .body(body)
                .send()
        };
        let response = post_raw("application/json", b"{\"establishment\": ".to_vec()).await.unwrap();
        assert_eq!(problem(response, StatusCode::BAD_REQUEST).await["code"], "malformed_request");
        let response = post_raw("text/plain", hospital_request().to_string().into_bytes()).await.unwrap();
        assert_eq!(problem(response, StatusCode::UNSUPPORTED_MEDIA_TYPE).await["code"], "unsupported_media_type");
        let mut huge = hospital_request();
        huge["description"] = json!("a".repeat(70 * 1024));
        let response = post_raw("application/json", huge.to_string().into_bytes()).await.unwrap();
        assert_eq!(problem(response, StatusCode::PAYLOAD_TOO_LARGE).await["code"], "payload_too_large");

        // (object holding the field, field, new value or None to remove it, error path, code)
        let cases = [
            ("", "status", Some(json!("closed")), "/status", "field.unknown"),
            ("/contact", "fax", Some(json!("04 74 45 41 42")), "/contact/fax", "field.unknown"),
            ("", "contact", None, "", "field.missing"),
            ("/establishment", "kind", None, "/establishment", "field.missing"),
            ("/contact", "email", Some(json!("claire.lefevre@")), "/contact/email", "field.invalid"),
            ("/contact", "phone", Some(json!("12 34")), "/contact/phone", "field.invalid"),
            ("/contact", "job_role", Some(json!("infirmier")), "/contact/job_role", "field.invalid"),
            ("/establishment", "kind", Some(json!("ehpad")), "/establishment/kind", "field.invalid"),
            ("/establishment", "legal_status", Some(json!("associatif")), "/establishment/legal_status", "field.invalid"),
            ("/establishment", "department", Some(json!("20")), "/establishment/department", "field.invalid"),
            ("", "urgency", Some(json!("immediate")), "/urgency", "field.invalid"),
            ("", "themes", Some(json!(["Télétravail"])), "/themes/0", "field.invalid"),
            ("", "themes", Some(json!("teletravail")), "/themes", "field.invalid"),
            ("", "description", Some(json!(42)), "/description", "field.invalid"),
            ("/establishment", "finess", Some(json!(10780195)), "/establishment/finess", "field.invalid"),
        ];
        for (parent, key, value, path, code) in cases {
            let mut body = hospital_request();
            let object = body.pointer_mut(parent).unwrap().as_object_mut().unwrap();
            match value {
                Some(value) => object.insert(key.to_owned(), value),
                None => object.remove(key),
            };
            let errors = field_errors(submit(&app, &body).await).await;
            assert_eq!(errors, vec![(path.to_owned(), code.to_owned())], "{body}");
        }
        for body in [json!(null), json!([]), json!("demande"), json!({})] {
            let response = submit(&app, &body).await;
            assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        }
        assert!(outbox(&app).is_empty());
    }
}

backend_test! {
    #[actix_web::test]
    async fn public_submissions_are_rate_limited_per_address(db) {
        let mut settings = test_settings();
        settings.rate_limits.public_post_per_ip_per_hour = NonZeroU32::new(2).unwrap();
        let app = TestApp::start_with(db, settings, Vec::new());
        submitted(&app, &hospital_request()).await;
        submitted(&app, &hospital_request()).await;
        let response = submit(&app, &hospital_request()).await;
        let retry_after: u64 = response.headers().get("retry-after").unwrap().to_str().unwrap().parse().unwrap();
        assert!(retry_after >= 1);
        assert_eq!(problem(response, StatusCode::TOO_MANY_REQUESTS).await["code"], "rate_limited");
        assert_eq!(outbox(&app).len(), 2);
    }
}

backend_test! {
    #[actix_web::test]
    async fn concurrent_submissions_each_get_their_own_reference(db) {
        let app = app(db);
        // The same new establishment and the same new person, at the same moment.
        let responses = {
            let body = hospital_request();
            futures_util::future::join_all((0..6).map(|_| submit(&app, &body))).await
        };
        let mut references = Vec::new();
        for response in responses {
            assert_eq!(response.status(), StatusCode::CREATED);
            let body: Value = response.json().await.unwrap();
            references.push(body["reference"].as_str().unwrap().to_owned());
        }
        references.sort();
        let expected: Vec<String> = (1..=6).map(|n| format!("DA-{}-{n:04}", year(&app))).collect();
        assert_eq!(references, expected);
        let staff = app.sign_in("equipe@anap.fr", Role::Staff).await;
        let establishments: Value = get(&app, "/api/v1/establishments", Some(&staff)).await.json().await.unwrap();
        assert_eq!(establishments["total"], 1);
        assert_eq!(outbox(&app).len(), 6);
    }
}

backend_test! {
    #[actix_web::test]
    async fn staff_list_every_request_with_filters_and_pages(db) {
        let app = app(db);
        let day = TimeDelta::days(1);
        // Sessions are checked against the real time too: submissions go in the past, and
        // staff sign in once the clock is back to now.
        app.clock.advance(-day * 5);
        // Day 0: a hospital in Ain (Auvergne-Rhône-Alpes), teleworking and PCA.
        let hospital = submitted(&app, &hospital_request()).await;
        app.clock.advance(day * 2);
        // Day 2: an EHPAD in Vendée (Pays de la Loire), medico-social IS.
        let ehpad = submitted(&app, &ehpad_request("paul.girard@ehpad-exemple.fr")).await;
        app.clock.advance(day * 3);
        // Day 5: a health centre in Guadeloupe, telemedicine.
        let mut body = ehpad_request("nadia.jean-baptiste@msp-exemple.fr");
        body["establishment"] = json!({
            "finess": "970100228",
            "name": "Maison de santé pluriprofessionnelle de Pointe-à-Pitre",
            "kind": "ambulatoire",
            "legal_status": "prive_lucratif"
        });
        body["themes"] = json!(["telemedecine", "teletravail"]);
        body["urgency"] = json!("critical");
        let centre = submitted(&app, &body).await;

        let staff = app.sign_in("equipe@anap.fr", Role::Staff).await;
        let list = |query: &str| {
            let app = &app;
            let staff = staff.clone();
            let path = format!("/api/v1/requests{query}");
            async move {
                let response = get(app, &path, Some(&staff)).await;
                assert_eq!(response.status(), 200, "{path}");
                let page: Value = response.json().await.unwrap();
                let references: Vec<String> = page["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r["reference"].as_str().unwrap().to_owned())
                    .collect();
                (page["total"].as_i64().unwrap(), references)
            }
        };
        let reference = |r: &Value| r["reference"].as_str().unwrap().to_owned();
        let (h, e, c) = (reference(&hospital), reference(&ehpad), reference(&centre));

        assert_eq!(list("").await, (3, vec![c.clone(), e.clone(), h.clone()]), "newest first");
        assert_eq!(list("?theme=teletravail").await, (2, vec![c.clone(), h.clone()]));
        assert_eq!(list("?theme=cybersecurite").await, (0, vec![]));
        assert_eq!(list("?region=84").await, (1, vec![h.clone()]));
        assert_eq!(list("?region=01").await, (1, vec![c.clone()]));
        assert_eq!(list("?kind=esms").await, (1, vec![e.clone()]));
        assert_eq!(list("?kind=ambulatoire&theme=telemedecine").await, (1, vec![c.clone()]));
        assert_eq!(list("?kind=es&region=52").await, (0, vec![]));
        assert_eq!(list("?status=submitted").await.0, 3);

        // Periods are of whole UTC days, both ends included.
        let date = |r: &Value| r["created_at"].as_str().unwrap()[..10].to_owned();
        let (d0, d2, d5) = (date(&hospital), date(&ehpad), date(&centre));
        assert_eq!(list(&format!("?from={d2}&to={d2}")).await, (1, vec![e.clone()]));
        assert_eq!(list(&format!("?from={d2}")).await, (2, vec![c.clone(), e.clone()]));
        assert_eq!(list(&format!("?to={d2}")).await, (2, vec![e.clone(), h.clone()]));
        assert_eq!(list(&format!("?from={d0}&to={d5}")).await.0, 3);

        // Pages.
        assert_eq!(list("?per_page=2").await, (3, vec![c.clone(), e.clone()]));
        assert_eq!(list("?per_page=2&page=2").await, (3, vec![h.clone()]));
        assert_eq!(list("?per_page=2&page=3").await, (3, vec![]));

        // Cancelled requests can be found by state.
        let response = cancel(&app, ehpad["id"].as_str().unwrap(), Some(&staff), json!({"reason": "Doublon d'une demande téléphonique."})).await;
        assert_eq!(response.status(), 200);
        assert_eq!(list("?status=cancelled").await, (1, vec![e.clone()]));
        assert_eq!(list("?status=submitted").await.0, 2);

        // Invalid queries name the parameter.
        for query in [
            format!("?from={d5}&to={d0}"),
            "?per_page=0".to_owned(),
            "?per_page=201".to_owned(),
            "?page=0".to_owned(),
            "?status=ouverte".to_owned(),
            "?region=99".to_owned(),
            "?kind=clinique".to_owned(),
            "?from=23/03/2026".to_owned(),
            "?theme=Pas%20un%20id".to_owned(),
            "?statut=submitted".to_owned(),
        ] {
            let response = get(&app, &format!("/api/v1/requests{query}"), Some(&staff)).await;
            let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
            assert!(!body["errors"].as_array().unwrap().is_empty(), "{query}");
        }
        let response = get(&app, &format!("/api/v1/requests?from={d5}&to={d0}&per_page=0"), Some(&staff)).await;
        let errors = field_errors(response).await;
        assert_eq!(errors, vec![
            ("?per_page".to_owned(), "per_page.invalid".to_owned()),
            ("?to".to_owned(), "period.invalid".to_owned()),
        ]);
    }
}

backend_test! {
    #[actix_web::test]
    async fn requesters_see_only_their_own_requests(db) {
        let app = app(db);
        let claire = submitted(&app, &hospital_request()).await;
        let paul = submitted(&app, &ehpad_request("paul.girard@ehpad-exemple.fr")).await;
        let claire_id = claire["id"].as_str().unwrap();
        let paul_id = paul["id"].as_str().unwrap();
        let claire_token = app.sign_in("claire.lefevre@ch-bourg-exemple.fr", Role::Requester).await;
        let paul_token = app.sign_in("paul.girard@ehpad-exemple.fr", Role::Requester).await;
        let volunteer = app.sign_in("marc.petit@chu-exemple.fr", Role::Volunteer).await;
        let staff = app.sign_in("equipe@anap.fr", Role::Staff).await;

        // Lists: each requester sees their own, even when asking for more.
        let mine: Value = get(&app, "/api/v1/requests", Some(&claire_token)).await.json().await.unwrap();
        assert_eq!(mine["total"], 1);
        assert_eq!(mine["items"][0]["id"], claire_id);
        let mine: Value = get(&app, "/api/v1/requests?kind=es", Some(&paul_token)).await.json().await.unwrap();
        assert_eq!(mine["total"], 0);
        let all: Value = get(&app, "/api/v1/requests", Some(&staff)).await.json().await.unwrap();
        assert_eq!(all["total"], 2);

        // One request: owner and staff read it, another requester gets 404 as for a
        // request that does not exist.
        let path = format!("/api/v1/requests/{claire_id}");
        assert_eq!(get(&app, &path, Some(&claire_token)).await.status(), 200);
        assert_eq!(get(&app, &path, Some(&staff)).await.status(), 200);
        let response = get(&app, &path, Some(&paul_token)).await;
        assert_eq!(problem(response, StatusCode::NOT_FOUND).await["code"], "not_found");
        let unknown = format!("/api/v1/requests/{}", Uuid::new_v4());
        assert_eq!(get(&app, &unknown, Some(&staff)).await.status(), StatusCode::NOT_FOUND);
        assert_eq!(get(&app, "/api/v1/requests/DA-2026-0001", Some(&staff)).await.status(), StatusCode::NOT_FOUND);

        // Another requester cannot cancel it either.
        let response = cancel(&app, claire_id, Some(&paul_token), json!({})).await;
        assert_eq!(problem(response, StatusCode::NOT_FOUND).await["code"], "not_found");
        let read: Value = get(&app, &path, Some(&claire_token)).await.json().await.unwrap();
        assert_eq!(read["status"], "submitted");

        // Anonymous: 401 everywhere but the submission.
        for response in [
            get(&app, "/api/v1/requests", None).await,
            get(&app, &path, None).await,
            cancel(&app, claire_id, None, json!({})).await,
        ] {
            assert_eq!(problem(response, StatusCode::UNAUTHORIZED).await["code"], "unauthenticated");
        }
        // A volunteer is neither staff nor requester: 403.
        for response in [
            get(&app, "/api/v1/requests", Some(&volunteer)).await,
            get(&app, &path, Some(&volunteer)).await,
            cancel(&app, paul_id, Some(&volunteer), json!({})).await,
        ] {
            assert_eq!(problem(response, StatusCode::FORBIDDEN).await["code"], "forbidden");
        }
    }
}

backend_test! {
    #[actix_web::test]
    async fn cancelling_follows_the_state_and_is_audited(db) {
        let app = app(db);
        let claire = submitted(&app, &hospital_request()).await;
        let id = claire["id"].as_str().unwrap().to_owned();
        let token = app.sign_in("claire.lefevre@ch-bourg-exemple.fr", Role::Requester).await;

        // Reason too long or unknown field: refused, nothing changes.
        let errors = field_errors(cancel(&app, &id, Some(&token), json!({"reason": "x".repeat(1001)})).await).await;
        assert_eq!(errors, vec![("/reason".to_owned(), "request.cancel_reason".to_owned())]);
        let errors = field_errors(cancel(&app, &id, Some(&token), json!({"motif": "doublon"})).await).await;
        assert_eq!(errors, vec![("/motif".to_owned(), "field.unknown".to_owned())]);
        let response = app
            .client
            .post(app.url(&format!("/api/v1/requests/{id}/cancel")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

        // The owner cancels with a reason, a little later.
        let staff = app.sign_in("equipe@anap.fr", Role::Staff).await;
        app.clock.advance(TimeDelta::minutes(20));
        let response = cancel(&app, &id, Some(&token), json!({"reason": "  Le prestataire a finalement déployé le VPN.  "})).await;
        assert_eq!(response.status(), 200);
        let cancelled: Value = response.json().await.unwrap();
        assert_eq!(cancelled["status"], "cancelled");
        assert_eq!(cancelled["cancel_reason"], "Le prestataire a finalement déployé le VPN.");
        assert_eq!(cancelled["cancelled_at"], cancelled["updated_at"]);
        assert_ne!(cancelled["cancelled_at"], claire["created_at"]);

        // Twice: 409 with the current state.
        let response = cancel(&app, &id, Some(&token), json!({})).await;
        let body = problem(response, StatusCode::CONFLICT).await;
        assert_eq!(body["code"], "conflict");
        assert!(body["detail"].as_str().unwrap().contains("cancelled"), "{body}");

        // Staff cancel someone else's request, with no reason (a blank one counts as none).
        let paul = submitted(&app, &ehpad_request("paul.girard@ehpad-exemple.fr")).await;
        let paul_id = paul["id"].as_str().unwrap().to_owned();
        let response = cancel(&app, &paul_id, Some(&staff), json!({"reason": "   "})).await;
        assert_eq!(response.status(), 200);
        let cancelled: Value = response.json().await.unwrap();
        assert!(cancelled["cancel_reason"].is_null());

        // The audit trail: who, from, to, why.
        let staff_id: Value = get(&app, "/api/v1/auth/me", Some(&staff)).await.json().await.unwrap();
        let claire_user: Value = get(&app, "/api/v1/auth/me", Some(&token)).await.json().await.unwrap();
        let trail = |id: &str| {
            let id: Uuid = id.parse().unwrap();
            app.state
                .store
                .run_blocking(|conn| entraide_store::requests::transitions(conn, Visibility::All, id))
                .unwrap()
        };
        let claire_trail = trail(&id);
        assert_eq!(claire_trail.len(), 2);
        assert_eq!((claire_trail[0].from, claire_trail[0].to), (None, RequestStatus::Submitted));
        assert_eq!((claire_trail[1].from, claire_trail[1].to), (Some(RequestStatus::Submitted), RequestStatus::Cancelled));
        assert_eq!(claire_trail[1].actor_user_id.unwrap().to_string(), claire_user["id"].as_str().unwrap());
        assert_eq!(claire_trail[1].reason.as_deref(), Some("Le prestataire a finalement déployé le VPN."));
        let paul_trail = trail(&paul_id);
        assert_eq!(paul_trail[1].actor_user_id.unwrap().to_string(), staff_id["id"].as_str().unwrap());
        assert_eq!(paul_trail[1].reason, None);

        // Later states (set by the cases of issue 7): proposed, accepted and unmatched can
        // still be cancelled; resolved and closed cannot.
        for (status, allowed) in [
            (RequestStatus::Proposed, true),
            (RequestStatus::Accepted, true),
            (RequestStatus::Unmatched, true),
            (RequestStatus::Resolved, false),
            (RequestStatus::Closed, false),
        ] {
            let request = submitted(&app, &hospital_request()).await;
            let request_id = request["id"].as_str().unwrap();
            set_status(&app, request_id, status);
            let response = cancel(&app, request_id, Some(&token), json!({})).await;
            if allowed {
                assert_eq!(response.status(), 200, "{status}");
                let trail = trail(request_id);
                assert_eq!(trail.last().unwrap().from, Some(status));
            } else {
                let body = problem(response, StatusCode::CONFLICT).await;
                assert!(body["detail"].as_str().unwrap().contains(status.as_str()), "{body}");
            }
        }
        // Cancelling sends no e-mail: only the acknowledgements were queued.
        assert!(outbox(&app).iter().all(|(_, kind, ..)| kind == "request_received"));
    }
}

backend_test! {
    #[actix_web::test]
    async fn a_disabled_account_still_gets_its_request_recorded_without_a_working_link(db) {
        use diesel::prelude::*;
        use entraide_store::schema::users;
        let app = app(db);
        app.sign_in_token("claire.lefevre@ch-bourg-exemple.fr", Role::Requester);
        app.state
            .store
            .run_blocking(|conn| {
                diesel::update(users::table.filter(users::email.eq("claire.lefevre@ch-bourg-exemple.fr")))
                    .set(users::disabled_at.eq(Some(chrono::Utc::now().naive_utc())))
                    .execute(conn)
                    .map_err(entraide_store::StoreError::from)
            })
            .unwrap();
        let created = submitted(&app, &hospital_request()).await;
        assert_eq!(created["status"], "submitted");
        let messages = outbox(&app);
        assert_eq!(messages.len(), 1);
        let body = &messages[0].3;
        assert!(body.contains(&format!("{TEST_PUBLIC_URL}/connexion")), "{body}");
        assert!(!body.contains("#token="), "a disabled account gets no sign-in token: {body}");
    }
}
