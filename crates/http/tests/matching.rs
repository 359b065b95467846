//! Ranking of volunteers for a request and batch proposals, over the real API: volunteers
//! apply and are accepted, establishments ask for help, staff read the ranking.

#![allow(clippy::unwrap_used)] // Test code: a panic is how a test reports failure.

use entraide_core::Role;
use entraide_http::testing::TestApp;
use entraide_store::backend_test;
use reqwest::StatusCode;
use serde_json::{json, Value};

struct Volunteer<'a> {
    name: &'a str,
    email: &'a str,
    department: &'a str,
    sector: &'a str,
    status: &'a str,
    themes: &'a [&'a str],
    organisation: Option<&'a str>,
}

/// Applies, has staff accept, and returns the volunteer's id.
async fn volunteer(app: &TestApp, staff: &str, v: &Volunteer<'_>) -> String {
    let body = json!({
        "name": v.name, "email": v.email, "phone": "06 12 34 56 78", "job_role": "dsi",
        "origin_sector": v.sector, "origin_status": v.status, "department": v.department,
        "themes": v.themes, "presentation": "DSI depuis dix ans.", "capacity": 2,
        "own_organisation": v.organisation, "publication_consent": true,
    });
    let response = app
        .client
        .post(app.url("/api/v1/applications"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "{}",
        response.text().await.unwrap()
    );
    let application: Value = response.json().await.unwrap();
    let response = app
        .client
        .post(app.url(&format!(
            "/api/v1/applications/{}/accept",
            application["id"].as_str().unwrap()
        )))
        .bearer_auth(staff)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let accepted: Value = response.json().await.unwrap();
    accepted["volunteer_id"].as_str().unwrap().to_owned()
}

/// An ES of Paris asks for help; returns the request id.
async fn request(app: &TestApp, email: &str, themes: &[&str]) -> String {
    let body = json!({
        "establishment": {"finess": "750712184", "name": "Hôpital Saint-Exemple", "kind": "es", "legal_status": "public", "department": "75"},
        "contact": {"name": "Paul Girard", "email": email, "phone": "01 40 00 00 00", "job_role": "dsi"},
        "themes": themes,
        "description": "Nous devons équiper 200 agents pour le télétravail cette semaine.",
        "urgency": "high",
    });
    let response = app
        .client
        .post(app.url("/api/v1/requests"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "{}",
        response.text().await.unwrap()
    );
    let created: Value = response.json().await.unwrap();
    created["id"].as_str().unwrap().to_owned()
}

async fn matches(app: &TestApp, token: &str, request: &str, query: &str) -> reqwest::Response {
    app.client
        .get(app.url(&format!("/api/v1/requests/{request}/matches{query}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

backend_test! {
    #[actix_web::test]
    async fn staff_see_the_ranking_with_its_reasons(db) {
        let app = TestApp::start(db);
        let staff = app.sign_in("staff@anap.fr", Role::Staff).await;
        let claire = volunteer(&app, &staff, &Volunteer { name: "Claire Martin", email: "claire@chu-exemple.fr", department: "92", sector: "sanitaire", status: "public", themes: &["teletravail", "pca"], organisation: Some("CHU de Nanterre") }).await;
        let bruno = volunteer(&app, &staff, &Volunteer { name: "Bruno Petit", email: "bruno@clinique-exemple.fr", department: "59", sector: "medico_social", status: "prive_lucratif", themes: &["teletravail"], organisation: None }).await;
        let chloe = volunteer(&app, &staff, &Volunteer { name: "Chloé Bernard", email: "chloe@ehpad-exemple.fr", department: "13", sector: "medico_social", status: "public", themes: &["cybersecurite"], organisation: None }).await;
        let insider = volunteer(&app, &staff, &Volunteer { name: "Inès Roux", email: "ines@hopital-exemple.fr", department: "75", sector: "sanitaire", status: "public", themes: &["teletravail", "pca"], organisation: Some("Hôpital  SAINT-EXEMPLE") }).await;
        let request = request(&app, "paul@hopital-exemple.fr", &["teletravail", "pca"]).await;

        let response = matches(&app, &staff, &request, "?explain=excluded").await;
        assert_eq!(response.status(), 200);
        let ranking: Value = response.json().await.unwrap();
        assert_eq!(ranking["considered"], 4);
        assert_eq!(ranking["eligible"], 2);
        let ranked: Vec<&str> = ranking["matches"].as_array().unwrap().iter().map(|m| m["volunteer_id"].as_str().unwrap()).collect();
        assert_eq!(ranked, [claire.as_str(), bruno.as_str()]);
        let best = &ranking["matches"][0];
        assert_eq!(best["rank"], 1);
        assert_eq!(best["name"], "Claire Martin");
        let reasons: Vec<&str> = best["reasons"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
        assert!(reasons.contains(&"Thèmes couverts : 2 sur 2"), "{reasons:?}");
        let contributions = &best["contributions"];
        let sum: f64 = ["themes", "sector", "region", "status", "capacity", "recent_load"].iter().map(|k| contributions[k].as_f64().unwrap()).sum();
        assert!((sum - best["total"].as_f64().unwrap()).abs() < 1e-12);
        assert!(best["total"].as_f64().unwrap() > ranking["matches"][1]["total"].as_f64().unwrap());

        let excluded = ranking["excluded"].as_array().unwrap();
        let reason_of = |id: &str| -> Vec<String> {
            excluded.iter().find(|e| e["volunteer_id"] == id).unwrap()["reasons"].as_array().unwrap().iter().map(|r| r["code"].as_str().unwrap().to_owned()).collect()
        };
        assert_eq!(reason_of(&chloe), ["no_common_theme"]);
        assert_eq!(reason_of(&insider), ["same_organisation"], "the requesting hospital's own IT director is not proposed");

        // Without `explain`, no exclusions; `limit` cuts the list.
        let ranking: Value = matches(&app, &staff, &request, "?limit=1").await.json().await.unwrap();
        assert_eq!(ranking["matches"].as_array().unwrap().len(), 1);
        assert_eq!(ranking["excluded"], json!([]));
    }
}

backend_test! {
    #[actix_web::test]
    async fn a_profile_change_reaches_the_ranking_at_once(db) {
        let app = TestApp::start(db);
        let staff = app.sign_in("staff@anap.fr", Role::Staff).await;
        volunteer(&app, &staff, &Volunteer { name: "Claire Martin", email: "claire@chu-exemple.fr", department: "92", sector: "sanitaire", status: "public", themes: &["teletravail"], organisation: None }).await;
        let bruno = volunteer(&app, &staff, &Volunteer { name: "Bruno Petit", email: "bruno@clinique-exemple.fr", department: "59", sector: "sanitaire", status: "public", themes: &["cybersecurite"], organisation: None }).await;
        let request = request(&app, "paul@hopital-exemple.fr", &["teletravail"]).await;
        let ranking: Value = matches(&app, &staff, &request, "").await.json().await.unwrap();
        assert_eq!(ranking["eligible"], 1);

        // Bruno adds the theme: he is ranked at the next read.
        let bruno_session = app.sign_in("bruno@clinique-exemple.fr", Role::Volunteer).await;
        let response = app.client.patch(app.url("/api/v1/volunteers/me")).bearer_auth(&bruno_session).json(&json!({"themes": ["cybersecurite", "teletravail"]})).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let ranking: Value = matches(&app, &staff, &request, "").await.json().await.unwrap();
        assert_eq!(ranking["eligible"], 2);

        // Bruno pauses: excluded, with the reason.
        let until = (chrono::Utc::now().date_naive() + chrono::TimeDelta::days(7)).to_string();
        let response = app.client.patch(app.url("/api/v1/volunteers/me")).bearer_auth(&bruno_session).json(&json!({"paused_until": until})).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let ranking: Value = matches(&app, &staff, &request, "?explain=excluded").await.json().await.unwrap();
        assert_eq!(ranking["eligible"], 1);
        let paused = ranking["excluded"].as_array().unwrap().iter().find(|e| e["volunteer_id"] == bruno.as_str()).unwrap();
        assert_eq!(paused["reasons"][0]["code"], "paused");

        // Staff deactivate Claire: nobody is left.
        let claire_id = ranking["matches"][0]["volunteer_id"].as_str().unwrap().to_owned();
        let response = app.client.post(app.url(&format!("/api/v1/volunteers/{claire_id}/deactivate"))).bearer_auth(&staff).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let ranking: Value = matches(&app, &staff, &request, "").await.json().await.unwrap();
        assert_eq!(ranking["eligible"], 0);
        assert_eq!(ranking["matches"], json!([]));
    }
}

backend_test! {
    #[actix_web::test]
    async fn only_staff_rank_and_bad_parameters_are_named(db) {
        let app = TestApp::start(db);
        let staff = app.sign_in("staff@anap.fr", Role::Staff).await;
        let request = request(&app, "paul@hopital-exemple.fr", &["teletravail"]).await;
        let volunteer = app.sign_in("v@chu-exemple.fr", Role::Volunteer).await;
        assert_eq!(matches(&app, &volunteer, &request, "").await.status(), StatusCode::FORBIDDEN);
        let anonymous = app.client.get(app.url(&format!("/api/v1/requests/{request}/matches"))).send().await.unwrap();
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
        let unknown = uuid::Uuid::new_v4().to_string();
        assert_eq!(matches(&app, &staff, &unknown, "").await.status(), StatusCode::NOT_FOUND);
        for query in ["?limit=0", "?limit=101", "?explain=all", "?limit=beaucoup", "?sort=name"] {
            let response = matches(&app, &staff, &request, query).await;
            assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{query}");
            let problem: Value = response.json().await.unwrap();
            assert_eq!(problem["code"], "validation_failed", "{query}");
        }
    }
}

backend_test! {
    #[actix_web::test]
    async fn a_batch_proposal_spreads_the_requests(db) {
        let app = TestApp::start(db);
        let staff = app.sign_in("staff@anap.fr", Role::Staff).await;
        // Submitted before any volunteer exists, the requests wait in state `submitted`
        // (a request submitted later is proposed at once, in waves: issue 7).
        let first = request(&app, "a@hopital-exemple.fr", &["teletravail"]).await;
        let second = request(&app, "b@hopital-exemple.fr", &["teletravail"]).await;
        let orphan = request(&app, "c@hopital-exemple.fr", &["ins"]).await;
        let claire = volunteer(&app, &staff, &Volunteer { name: "Claire Martin", email: "claire@chu-exemple.fr", department: "75", sector: "sanitaire", status: "public", themes: &["teletravail", "pca"], organisation: None }).await;
        // As good as Claire for these requests: fairness must give them one each.
        let bruno = volunteer(&app, &staff, &Volunteer { name: "Bruno Petit", email: "bruno@clinique-exemple.fr", department: "93", sector: "sanitaire", status: "public", themes: &["teletravail"], organisation: None }).await;

        let propose = |body: Value| app.client.post(app.url("/api/v1/assignments/propose")).bearer_auth(&staff).json(&body).send();
        let response = propose(json!({})).await.unwrap();
        assert_eq!(response.status(), 200);
        let proposal: Value = response.json().await.unwrap();
        let assignments = proposal["assignments"].as_array().unwrap();
        assert_eq!(assignments.len(), 2);
        let served: std::collections::HashSet<&str> = assignments.iter().map(|a| a["request_id"].as_str().unwrap()).collect();
        assert_eq!(served, [first.as_str(), second.as_str()].into_iter().collect());
        let used: std::collections::HashSet<&str> = assignments.iter().map(|a| a["volunteer_id"].as_str().unwrap()).collect();
        assert_eq!(used, [claire.as_str(), bruno.as_str()].into_iter().collect(), "one request each, not both to the best");
        assert_eq!(proposal["volunteers_used"], 2);
        assert_eq!(proposal["unserved"], json!([{
            "request_id": orphan, "code": "no_volunteer_with_theme", "message": proposal["unserved"][0]["message"]
        }]));

        let chosen: Value = propose(json!({"request_ids": [orphan, first]})).await.unwrap().json().await.unwrap();
        assert_eq!(chosen["assignments"].as_array().unwrap().len(), 1);
        assert_eq!(chosen["assignments"][0]["request_id"], first.as_str());
        assert_eq!(chosen["unserved"][0]["request_id"], orphan.as_str());

        let response = propose(json!({"request_ids": [first, first]})).await.unwrap();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let response = propose(json!({"request_ids": [uuid::Uuid::new_v4()]})).await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let volunteer = app.sign_in("claire@chu-exemple.fr", Role::Volunteer).await;
        let response = app.client.post(app.url("/api/v1/assignments/propose")).bearer_auth(&volunteer).json(&json!({})).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
    }
}

backend_test! {
    #[actix_web::test]
    async fn a_change_made_through_one_server_reaches_another(db) {
        // Two servers on one database, each with its own in-memory index.
        let first = TestApp::start(db);
        let second = TestApp::start(db);
        let staff_first = first.sign_in("staff@anap.fr", Role::Staff).await;
        let staff_second = second.sign_in("staff@anap.fr", Role::Staff).await;
        volunteer(&first, &staff_first, &Volunteer { name: "Claire Martin", email: "claire@chu-exemple.fr", department: "92", sector: "sanitaire", status: "public", themes: &["cybersecurite"], organisation: None }).await;
        let request = request(&first, "paul@hopital-exemple.fr", &["teletravail"]).await;
        let ranking: Value = matches(&second, &staff_second, &request, "").await.json().await.unwrap();
        assert_eq!(ranking["eligible"], 0, "the second server's index is built");

        let claire = first.sign_in("claire@chu-exemple.fr", Role::Volunteer).await;
        let response = first.client.patch(first.url("/api/v1/volunteers/me")).bearer_auth(&claire).json(&json!({"themes": ["teletravail"]})).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let ranking: Value = matches(&second, &staff_second, &request, "").await.json().await.unwrap();
        assert_eq!(ranking["eligible"], 1, "the change made through the first server is ranked by the second");
    }
}

/// Waits until `done` holds (another process's change arrives by notification), up to 10 s.
async fn eventually(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let started = std::time::Instant::now();
    while !done().await {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "{what}: not after 10 s"
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}

backend_test! {
    #[actix_web::test]
    async fn rankings_from_memory_are_the_databases_and_follow_every_change(db) {
        let app = TestApp::start(db);
        app.wait_for_change_listener();
        let postgres = db.store().backend() == entraide_store::Backend::Postgres;
        let staff = app.sign_in("staff@anap.fr", Role::Staff).await;
        volunteer(&app, &staff, &Volunteer { name: "Claire Martin", email: "claire@chu-exemple.fr", department: "92", sector: "sanitaire", status: "public", themes: &["teletravail"], organisation: None }).await;
        volunteer(&app, &staff, &Volunteer { name: "Bruno Petit", email: "bruno@clinique-exemple.fr", department: "59", sector: "sanitaire", status: "public", themes: &["teletravail", "pca"], organisation: None }).await;
        let request = request(&app, "paul@hopital-exemple.fr", &["teletravail", "pca"]).await;
        let read = |query: &'static str| {
            let (app, staff, request) = (&app, &staff, &request);
            async move {
                let response = matches(app, staff, request, query).await;
                assert_eq!(response.status(), 200);
                response.json::<Value>().await.unwrap()
            }
        };
        // On PostgreSQL a request ranked again is ranked from memory, once the
        // notifications of its own creation have arrived (milliseconds), and the ranking
        // is the one read from the database; SQLite caches nothing.
        let from_database = read("?explain=excluded").await;
        let mut from_memory = None;
        for _ in 0..if postgres { 200 } else { 5 } {
            let before = app.state.matching.request_lookups().hits;
            let ranking = read("?explain=excluded").await;
            assert_eq!(ranking, from_database);
            if app.state.matching.request_lookups().hits > before {
                from_memory = Some(ranking);
                break;
            }
            actix_web::rt::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert_eq!(from_memory.is_some(), postgres);
        assert_eq!(from_database["request_status"], "submitted");

        // A change made through this server: the next ranking shows it.
        let response = app.client.post(app.url(&format!("/api/v1/requests/{request}/cancel"))).bearer_auth(&staff).json(&json!({"reason": "Résolu en interne."})).send().await.unwrap();
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
        assert_eq!(read("").await["request_status"], "cancelled");
        assert_eq!(read("").await["request_status"], "cancelled");

        // A change made by another process (its own connections, straight to the
        // database): shown as soon as its notification arrives.
        let other = db.another_process();
        let request_key = request.clone();
        other.run_blocking(move |conn| {
            use diesel::prelude::*;
            use entraide_store::schema::help_requests;
            diesel::update(help_requests::table.find(request_key)).set(help_requests::status.eq("unmatched")).execute(conn).map_err(entraide_store::StoreError::from)
        }).unwrap();
        eventually("the other process's change", async || read("").await["request_status"] == "unmatched").await;
    }
}
