//! `GET /metrics`: Prometheus text with request counts by route, and access control.

#![allow(clippy::unwrap_used)] // Test code: a panic is how a test reports failure.

use entraide_http::cases::propose_first_waves;
use entraide_http::metrics::MetricsAccess;
use entraide_http::testing::{test_settings, TestApp};
use entraide_store::{backend_test, Clock};

backend_test! {
    #[actix_web::test]
    async fn metrics_count_requests_by_route_and_read_the_database(db) {
        let app = TestApp::start(db);
        for _ in 0..3 {
            app.client.get(app.url("/healthz")).send().await.unwrap();
        }
        let id = uuid::Uuid::new_v4();
        app.client.get(app.url(&format!("/api/v1/establishments/{id}"))).send().await.unwrap();
        let response = app.client.get(app.url("/metrics")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
        let text = response.text().await.unwrap();
        assert!(text.contains(r#"entraide_http_requests_total{method="GET",route="/healthz",status="200"} 3"#), "{text}");
        // The route pattern, not the raw path: ids never become label values.
        assert!(text.contains(r#"route="/api/v1/establishments/{finess}""#), "{text}");
        assert!(!text.contains(&id.to_string()));
        assert!(text.contains("entraide_http_request_duration_seconds_bucket"), "{text}");
        assert!(text.contains(r#"entraide_state{value="dead",what="outbox"} 0"#), "{text}");
        assert!(text.contains(r#"what="db_pool""#), "{text}");
        assert!(text.contains("entraide_ranking_duration_seconds_count 0"), "{text}");
    }
}

backend_test! {
    #[actix_web::test]
    async fn with_a_token_only_its_holder_reads_the_metrics(db) {
        let mut settings = test_settings();
        settings.metrics_access = MetricsAccess::Token("prometheus-token-0123".into());
        let app = TestApp::start_with(db, settings, Vec::new());
        let anonymous = app.client.get(app.url("/metrics")).send().await.unwrap();
        assert_eq!(anonymous.status(), 403);
        let wrong = app.client.get(app.url("/metrics")).bearer_auth("prometheus-token-0124").send().await.unwrap();
        assert_eq!(wrong.status(), 403);
        let right = app.client.get(app.url("/metrics")).bearer_auth("prometheus-token-0123").send().await.unwrap();
        assert_eq!(right.status(), 200);
    }
}

async fn metrics_text(app: &TestApp) -> String {
    let response = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}

backend_test! {
    #[actix_web::test]
    async fn the_first_waves_waiting_in_the_process_are_counted(db) {
        let app = TestApp::start(db);
        let body = serde_json::json!({
            "establishment": {"finess": "750712184", "name": "Hôpital Saint-Exemple", "kind": "es", "legal_status": "public", "department": "75"},
            "contact": {"name": "Paul Girard", "email": "paul@hopital-exemple.fr", "phone": "01 40 00 00 00", "job_role": "dsi"},
            "themes": ["teletravail"],
            "description": "Nous devons équiper 200 agents pour le télétravail cette semaine.",
            "urgency": "normal",
        });
        let response = app.client.post(app.url("/api/v1/requests")).json(&body).send().await.unwrap();
        assert_eq!(response.status(), 201);
        let queued = r#"entraide_state{value="queued",what="first_waves"}"#;
        assert!(metrics_text(&app).await.contains(&format!("{queued} 1")));
        // The test server runs no dispatcher: proposing them by hand empties the queue.
        propose_first_waves(app.state.clone(), app.clock.now()).await.unwrap();
        assert!(metrics_text(&app).await.contains(&format!("{queued} 0")));
    }
}
