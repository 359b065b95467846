//! `GET /metrics`: Prometheus text with request counts by route, and access control.

#![allow(clippy::unwrap_used)] // Test code: a panic is how a test reports failure.

use entraide_http::metrics::MetricsAccess;
use entraide_http::testing::{test_settings, TestApp};
use entraide_store::backend_test;

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
