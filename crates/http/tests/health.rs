//! The real server, on port 0 over a fresh database: probes, request ids, unknown routes,
//! security headers.

#![allow(clippy::unwrap_used)] // Test code: a panic is how a test reports failure.

use entraide_http::testing::TestApp;
use entraide_store::backend_test;

backend_test! {
    #[actix_web::test]
    async fn probes_answer(db) {
        let app = TestApp::start(db);
        let health = reqwest::get(app.url("/healthz")).await.unwrap();
        assert_eq!(health.status(), 200);
        let request_id = health.headers().get("x-request-id").expect("request id header");
        assert_eq!(request_id.len(), 36, "a UUID: {request_id:?}");

        let ready = reqwest::get(app.url("/readyz")).await.unwrap();
        assert_eq!(ready.status(), 200);
        let body: serde_json::Value = ready.json().await.unwrap();
        let expected = db.store().backend().as_str();
        assert_eq!(body, serde_json::json!({"status": "ok", "database": expected}));
    }
}

backend_test! {
    #[actix_web::test]
    async fn unknown_routes_are_problem_details(db) {
        let app = TestApp::start(db);
        let response = reqwest::get(app.url("/no/such/page")).await.unwrap();
        assert_eq!(response.status(), 404);
        assert_eq!(
            response.headers().get("content-type").unwrap(),
            "application/problem+json"
        );
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["status"], 404);
        assert_eq!(body["code"], "route_not_found");
        assert_eq!(body["type"], "https://entraide.anap.fr/problems/route_not_found");
    }
}

backend_test! {
    #[actix_web::test]
    async fn every_response_carries_the_security_headers(db) {
        let app = TestApp::start(db);
        for path in ["/healthz", "/nowhere"] {
            let response = reqwest::get(app.url(path)).await.unwrap();
            let headers = response.headers();
            let csp = headers.get("content-security-policy").unwrap().to_str().unwrap();
            assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
            assert!(csp.contains("default-src 'self'"), "{csp}");
            assert_eq!(headers.get("x-content-type-options").unwrap(), "nosniff");
            assert_eq!(headers.get("referrer-policy").unwrap(), "no-referrer");
            assert_eq!(headers.get("x-frame-options").unwrap(), "DENY");
        }
    }
}
