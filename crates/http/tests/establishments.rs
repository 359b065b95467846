//! Establishments: the public FINESS check of the request form and the staff list,
//! against the real server on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used)] // Test code: a panic is how a test reports failure.

use std::num::NonZeroU32;

use chrono::TimeDelta;
use entraide_core::Role;
use entraide_http::testing::{test_settings, TestApp};
use entraide_store::backend_test;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn app(db: &entraide_store::testing::TestDb) -> TestApp {
    let mut settings = test_settings();
    settings.rate_limits.public_post_per_ip_per_hour = NonZeroU32::new(10_000).unwrap();
    TestApp::start_with(db, settings, Vec::new())
}

/// Submits a help request naming this establishment.
async fn ask_for_help(app: &TestApp, finess: &str, name: &str, kind: &str, status: &str) {
    let response = app
        .client
        .post(app.url("/api/v1/requests"))
        .json(&json!({
            "establishment": {"finess": finess, "name": name, "kind": kind, "legal_status": status},
            "contact": {
                "name": "Sophie Martin",
                "email": "sophie.martin@etablissement-exemple.fr",
                "phone": "01 42 34 56 78",
                "job_role": "rsi"
            },
            "themes": ["teletravail"],
            "description": "Mise en place du télétravail pour les équipes administratives."
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED, "{finess}");
}

async fn check(app: &TestApp, finess: &str) -> reqwest::Response {
    app.client
        .get(app.url(&format!("/api/v1/establishments/{finess}")))
        .send()
        .await
        .unwrap()
}

async fn problem(response: reqwest::Response, status: StatusCode) -> Value {
    assert_eq!(response.status(), status);
    assert_eq!(
        response.headers().get("content-type").unwrap(),
        "application/problem+json"
    );
    response.json().await.unwrap()
}

backend_test! {
    #[actix_web::test]
    async fn the_form_checks_a_finess_number(db) {
        let app = app(db);
        // Valid but not known yet: 404, so the form asks for the rest.
        for finess in ["750712184", "010003820", "2A0000123", "970421038"] {
            let body = problem(check(&app, finess).await, StatusCode::NOT_FOUND).await;
            assert_eq!(body["code"], "not_found", "{finess}");
        }

        ask_for_help(&app, "750712184", "Assistance publique - Hôpitaux de Paris", "es", "public").await;
        let response = check(&app, "750712184").await;
        assert_eq!(response.status(), 200);
        let known: Value = response.json().await.unwrap();
        assert_eq!(known, json!({
            "finess": "750712184",
            "name": "Assistance publique - Hôpitaux de Paris",
            "kind": "es",
            "legal_status": "public",
            "department": "75",
            "region": "11",
        }));
        // Typed with spaces around it: the same establishment.
        assert_eq!(check(&app, "%20750712184%20").await.status(), 200);

        // Corsica (no key check; lower case accepted) and overseas.
        ask_for_help(&app, "2B0001234", "Centre hospitalier de Bastia", "es", "public").await;
        let corsican: Value = check(&app, "2b0001234").await.json().await.unwrap();
        assert_eq!((corsican["finess"].as_str(), corsican["department"].as_str(), corsican["region"].as_str()), (Some("2B0001234"), Some("2B"), Some("94")));
        ask_for_help(&app, "970421038", "Centre hospitalier universitaire de La Réunion", "es", "public").await;
        let overseas: Value = check(&app, "970421038").await.json().await.unwrap();
        assert_eq!((overseas["department"].as_str(), overseas["region"].as_str()), (Some("974"), Some("04")));
        ask_for_help(&app, "976000018", "Maison de santé de Mamoudzou", "ambulatoire", "prive_lucratif").await;
        let mayotte: Value = check(&app, "976000018").await.json().await.unwrap();
        assert_eq!((mayotte["department"].as_str(), mayotte["region"].as_str(), mayotte["kind"].as_str()), (Some("976"), Some("06"), Some("ambulatoire")));

        // Invalid numbers: 422 naming the exact rule, with a French message.
        for (finess, code, words) in [
            ("75071218", "finess.length", "9 caractères (8 reçus)"),
            ("7507121840", "finess.length", "9 caractères (10 reçus)"),
            ("000712184", "finess.department", "code de département"),
            ("200712184", "finess.department", "2A, 2B"),
            ("960712184", "finess.department", "01 à 95"),
            ("975000012", "finess.department", "971 à 976"),
            ("2C0000123", "finess.department", "2A, 2B"),
            ("75071218X", "finess.digits", "que des chiffres"),
            ("2A00001B3", "finess.digits", "que des chiffres"),
            ("750712185", "finess.key", "clé de contrôle"),
            ("850014656", "finess.key", "clé de contrôle"),
            ("010003802", "finess.key", "clé de contrôle"),
        ] {
            let body = problem(check(&app, finess).await, StatusCode::UNPROCESSABLE_ENTITY).await;
            assert_eq!(body["code"], "validation_failed", "{finess}");
            let error = &body["errors"][0];
            assert_eq!(error["path"], "{finess}", "{finess}");
            assert_eq!(error["code"], code, "{finess}");
            let message = error["message"].as_str().unwrap();
            assert!(message.contains(words), "{finess}: {message}");
        }
    }
}

backend_test! {
    #[actix_web::test]
    async fn staff_list_establishments_with_filters_and_pages(db) {
        let app = app(db);
        // Submissions in the past, one hour apart, so that "newest first" is visible.
        app.clock.advance(TimeDelta::hours(-4));
        ask_for_help(&app, "690781810", "Hospices civils de Lyon", "es", "public").await;
        app.clock.advance(TimeDelta::hours(1));
        ask_for_help(&app, "850014655", "EHPAD Les Tilleuls", "esms", "prive_non_lucratif").await;
        app.clock.advance(TimeDelta::hours(1));
        ask_for_help(&app, "010003820", "Centre de santé de Bourg-en-Bresse", "ambulatoire", "public").await;
        app.clock.advance(TimeDelta::hours(1));
        // A second request of a known establishment adds no row.
        ask_for_help(&app, "690781810", "HCL", "es", "public").await;
        // Signed in now: sessions follow the service clock.
        let staff = app.sign_in("equipe@anap.fr", Role::Staff).await;

        let list = |query: &'static str| {
            let app = &app;
            let staff = staff.clone();
            async move {
                let response = app
                    .client
                    .get(app.url(&format!("/api/v1/establishments{query}")))
                    .bearer_auth(&staff)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 200, "{query}");
                let page: Value = response.json().await.unwrap();
                let finess: Vec<String> = page["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e["finess"].as_str().unwrap().to_owned())
                    .collect();
                (page["total"].as_i64().unwrap(), finess, page)
            }
        };
        let (total, finess, page) = list("").await;
        assert_eq!(total, 3);
        assert_eq!(finess, ["010003820", "850014655", "690781810"]);
        let lyon = &page["items"][2];
        assert_eq!(lyon["name"], "Hospices civils de Lyon");
        assert_eq!(lyon["region"], "84");
        assert!(lyon["id"].is_string() && lyon["created_at"].is_string());
        assert_eq!(page["page"], 1);
        assert_eq!(page["per_page"], 50);

        assert_eq!(list("?kind=esms").await.1, ["850014655"]);
        assert_eq!(list("?region=84").await.1, ["010003820", "690781810"]);
        assert_eq!(list("?region=84&kind=es").await.1, ["690781810"]);
        assert_eq!(list("?region=11").await.0, 0);
        let (total, finess, _) = list("?per_page=2&page=2").await;
        assert_eq!((total, finess), (3, vec!["690781810".to_owned()]));

        for query in ["?region=2A", "?kind=ehpad", "?per_page=500", "?page=0", "?departement=75"] {
            let response = app
                .client
                .get(app.url(&format!("/api/v1/establishments{query}")))
                .bearer_auth(&staff)
                .send()
                .await
                .unwrap();
            let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
            assert_eq!(body["code"], "validation_failed", "{query}");
        }

        // Staff only.
        let response = app.client.get(app.url("/api/v1/establishments")).send().await.unwrap();
        assert_eq!(problem(response, StatusCode::UNAUTHORIZED).await["code"], "unauthenticated");
        for role in [Role::Requester, Role::Volunteer] {
            let token = app.sign_in(&format!("{role}@ehpad-exemple.fr"), role).await;
            let response = app
                .client
                .get(app.url("/api/v1/establishments"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert_eq!(problem(response, StatusCode::FORBIDDEN).await["code"], "forbidden", "{role}");
        }
    }
}
