//! Reference data: themes that staff extend, regions, departments and closed lists.

#![allow(clippy::unwrap_used)] // Test code: a panic is how a test reports failure.

use entraide_core::Role;
use entraide_http::testing::TestApp;
use entraide_store::backend_test;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn get(app: &TestApp, path: &str) -> Value {
    let response = app.client.get(app.url(path)).send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    response.json().await.unwrap()
}

backend_test! {
    #[actix_web::test]
    async fn staff_add_rename_and_retire_themes(db) {
        let app = TestApp::start(db);
        let themes = get(&app, "/api/v1/themes").await;
        assert_eq!(themes.as_array().unwrap().len(), 13);
        assert_eq!(themes[0], json!({"id": "teletravail", "label": "Télétravail", "position": 1, "retired_at": null}));

        let staff = app.sign_in("staff@anap.fr", Role::Staff).await;
        let volunteer = app.sign_in("v@chu-exemple.fr", Role::Volunteer).await;
        let add = |token: Option<String>, body: Value| {
            let mut request = app.client.post(app.url("/api/v1/themes")).json(&body);
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            request.send()
        };
        let response = add(Some(staff.clone()), json!({"label": "Gestion de crise cyber"})).await.unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let added: Value = response.json().await.unwrap();
        assert_eq!(added["id"], "gestion-de-crise-cyber");
        assert_eq!(added["position"], 14);

        assert_eq!(add(Some(staff.clone()), json!({"label": "Gestion de crise cyber"})).await.unwrap().status(), StatusCode::CONFLICT);
        assert_eq!(add(Some(staff.clone()), json!({"label": "Autre libellé", "id": "teletravail"})).await.unwrap().status(), StatusCode::CONFLICT);
        assert_eq!(add(Some(volunteer.clone()), json!({"label": "X"})).await.unwrap().status(), StatusCode::FORBIDDEN);
        assert_eq!(add(None, json!({"label": "X"})).await.unwrap().status(), StatusCode::UNAUTHORIZED);
        let response = add(Some(staff.clone()), json!({"label": "   "})).await.unwrap();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let problem: Value = response.json().await.unwrap();
        assert_eq!(problem["errors"][0]["path"], "/label");
        let response = add(Some(staff.clone()), json!({"label": "Ok", "id": "Pas Un Id"})).await.unwrap();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);

        let patch = |id: &str, body: Value| {
            app.client
                .patch(app.url(&format!("/api/v1/themes/{id}")))
                .bearer_auth(&staff)
                .json(&body)
                .send()
        };
        let renamed: Value = patch("pca", json!({"label": "PCA et PRA"})).await.unwrap().json().await.unwrap();
        assert_eq!(renamed["label"], "PCA et PRA");
        let retired: Value = patch("ins", json!({"retired": true})).await.unwrap().json().await.unwrap();
        assert!(retired["retired_at"].is_string());
        let offered = get(&app, "/api/v1/themes").await;
        assert!(offered.as_array().unwrap().iter().all(|t| t["id"] != "ins"));
        let all = get(&app, "/api/v1/themes?include_retired=true").await;
        assert!(all.as_array().unwrap().iter().any(|t| t["id"] == "ins"));
        let restored: Value = patch("ins", json!({"retired": false})).await.unwrap().json().await.unwrap();
        assert!(restored["retired_at"].is_null());

        assert_eq!(patch("nope", json!({"label": "X"})).await.unwrap().status(), StatusCode::NOT_FOUND);
        assert_eq!(patch("pca", json!({"label": "Télétravail"})).await.unwrap().status(), StatusCode::CONFLICT);
        assert_eq!(patch("pca", json!({"position": -1})).await.unwrap().status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(patch("pca", json!({"colour": "red"})).await.unwrap().status(), StatusCode::UNPROCESSABLE_ENTITY);
        let response = app.client.get(app.url("/api/v1/themes?include_retired=maybe")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
}

backend_test! {
    #[actix_web::test]
    async fn regions_departments_and_closed_lists(db) {
        let app = TestApp::start(db);
        let regions = get(&app, "/api/v1/regions").await;
        assert_eq!(regions.as_array().unwrap().len(), 18);
        let idf = regions.as_array().unwrap().iter().find(|r| r["code"] == "11").unwrap();
        assert_eq!(idf["name"], "Île-de-France");
        assert_eq!(idf["departments"], json!(["75", "77", "78", "91", "92", "93", "94", "95"]));
        assert_eq!(idf["neighbours"].as_array().unwrap().len(), 5);
        let corse = regions.as_array().unwrap().iter().find(|r| r["code"] == "94").unwrap();
        assert_eq!(corse["departments"], json!(["2A", "2B"]));
        assert_eq!(corse["neighbours"], json!([]));

        let departments = get(&app, "/api/v1/departments").await;
        assert_eq!(departments.as_array().unwrap().len(), 101);
        assert!(departments.as_array().unwrap().contains(&json!({"code": "976", "name": "Mayotte", "region": "06"})));

        let answers = get(&app, "/api/v1/answer-types").await;
        assert_eq!(answers[0], json!({"code": "appel_telephonique", "label": "Appel téléphonique"}));
        assert_eq!(answers.as_array().unwrap().len(), 6);

        let vocabularies = get(&app, "/api/v1/vocabularies").await;
        assert_eq!(vocabularies["establishment_kinds"].as_array().unwrap().len(), 3);
        assert_eq!(vocabularies["urgencies"][3]["code"], "critical");
    }
}
