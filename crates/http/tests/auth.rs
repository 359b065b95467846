//! Sign-in by e-mailed link, JWT sessions, roles, revocation and rate limits, against the
//! real server on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used)] // Test code: a panic is how a test reports failure.

use std::num::NonZeroU32;

use chrono::{TimeDelta, Utc};
use entraide_core::Role;
use entraide_http::auth::{Claims, API_AUDIENCE};
use entraide_http::testing::{test_settings, TestApp, TEST_JWT_SECRET, TEST_PUBLIC_URL};
use entraide_store::backend_test;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

async fn me(app: &TestApp, token: &str) -> reqwest::Response {
    app.client
        .get(app.url("/api/v1/auth/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn exchange(app: &TestApp, token: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/auth/session"))
        .json(&json!({ "token": token }))
        .send()
        .await
        .unwrap()
}

async fn assert_unauthorized(response: reqwest::Response, case: &str) {
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{case}");
    assert!(
        response.headers().get("www-authenticate").is_some(),
        "{case}: no WWW-Authenticate"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "unauthenticated", "{case}");
}

backend_test! {
    #[actix_web::test]
    async fn a_link_gives_a_session_once(db) {
        let app = TestApp::start(db);
        let token = app.sign_in_token("marie.durand@chu-exemple.fr", Role::Volunteer);

        let response = exchange(&app, &token).await;
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["user"]["email"], "marie.durand@chu-exemple.fr");
        assert_eq!(body["user"]["roles"], json!(["volunteer"]));
        let session = body["access_token"].as_str().unwrap();

        let response = me(&app, session).await;
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["email"], "marie.durand@chu-exemple.fr");

        // Single use.
        assert_unauthorized(exchange(&app, &token).await, "reused link").await;
        // Unknown token.
        assert_unauthorized(exchange(&app, "not-a-token").await, "unknown link").await;
    }
}

backend_test! {
    #[actix_web::test]
    async fn a_link_expires_after_15_minutes(db) {
        let app = TestApp::start(db);
        let token = app.sign_in_token("paul@ehpad-exemple.fr", Role::Requester);
        app.clock.advance(TimeDelta::minutes(16));
        assert_unauthorized(exchange(&app, &token).await, "expired link").await;

        let token = app.sign_in_token("paul@ehpad-exemple.fr", Role::Requester);
        app.clock.advance(TimeDelta::minutes(14));
        assert_eq!(exchange(&app, &token).await.status(), 200);
    }
}

fn forge(claims: &Value, algorithm: Algorithm, secret: &[u8]) -> String {
    jsonwebtoken::encode(
        &Header::new(algorithm),
        claims,
        &EncodingKey::from_secret(secret),
    )
    .unwrap()
}

backend_test! {
    #[actix_web::test]
    async fn forged_and_invalid_tokens_get_401_never_500(db) {
        let app = TestApp::start(db);
        let valid = app.sign_in(&format!("dsi-{}@ght-exemple.fr", Uuid::new_v4().simple()), Role::Staff).await;
        assert_eq!(me(&app, &valid).await.status(), 200);
        let claims: Claims = app.state.jwt.verify(&valid, Utc::now()).unwrap();
        let now = Utc::now().timestamp();
        let base = json!({
            "iss": TEST_PUBLIC_URL, "aud": API_AUDIENCE, "sub": claims.sub, "roles": ["staff"],
            "jti": claims.jti, "iat": now, "nbf": now, "exp": now + 3600,
        });
        let with = |key: &str, value: Value| {
            let mut claims = base.clone();
            claims[key] = value;
            claims
        };
        let without = |key: &str| {
            let mut claims = base.clone();
            claims.as_object_mut().unwrap().remove(key);
            claims
        };
        // The same claims, correctly signed, are accepted: each case below differs by one thing.
        assert_eq!(me(&app, &forge(&base, Algorithm::HS256, TEST_JWT_SECRET)).await.status(), 200);

        let mut tampered = valid.clone();
        let last = tampered.pop().unwrap();
        tampered.push(if last == 'A' { 'B' } else { 'A' });

        use base64::Engine;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let alg_none = format!(
            "{}.{}.",
            b64.encode(br#"{"alg":"none","typ":"JWT"}"#),
            b64.encode(base.to_string())
        );
        let cases = [
            ("tampered signature", tampered),
            ("alg none", alg_none),
            ("another algorithm", forge(&base, Algorithm::HS512, TEST_JWT_SECRET)),
            ("another key", forge(&base, Algorithm::HS256, b"another-secret-another-secret-another-secret")),
            ("expired", forge(&with("exp", json!(now - 3600)), Algorithm::HS256, TEST_JWT_SECRET)),
            ("not yet valid", forge(&with("nbf", json!(now + 3600)), Algorithm::HS256, TEST_JWT_SECRET)),
            ("wrong audience", forge(&with("aud", json!("another-api")), Algorithm::HS256, TEST_JWT_SECRET)),
            ("wrong issuer", forge(&with("iss", json!("https://evil.example")), Algorithm::HS256, TEST_JWT_SECRET)),
            ("missing exp", forge(&without("exp"), Algorithm::HS256, TEST_JWT_SECRET)),
            ("unknown session", forge(&with("jti", json!(Uuid::new_v4())), Algorithm::HS256, TEST_JWT_SECRET)),
            ("subject not owning the session", forge(&with("sub", json!(Uuid::new_v4())), Algorithm::HS256, TEST_JWT_SECRET)),
            ("garbage", "not.a.jwt".to_owned()),
            ("empty", String::new()),
        ];
        for (case, token) in cases {
            assert_unauthorized(me(&app, &token).await, case).await;
        }
        // No header, and another scheme.
        let response = app.client.get(app.url("/api/v1/auth/me")).send().await.unwrap();
        assert_unauthorized(response, "no header").await;
        let response = app
            .client
            .get(app.url("/api/v1/auth/me"))
            .header("authorization", format!("Basic {valid}"))
            .send()
            .await
            .unwrap();
        assert_unauthorized(response, "basic scheme").await;
    }
}

backend_test! {
    #[actix_web::test]
    async fn sign_out_and_staff_revocation_take_effect_at_once(db) {
        let app = TestApp::start(db);
        let volunteer = app.sign_in("claire@clinique-exemple.fr", Role::Volunteer).await;
        let second = app.sign_in("claire@clinique-exemple.fr", Role::Volunteer).await;
        let response = app
            .client
            .post(app.url("/api/v1/auth/sign-out"))
            .bearer_auth(&volunteer)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 204);
        assert_unauthorized(me(&app, &volunteer).await, "signed out").await;
        // The other session is untouched.
        let response = me(&app, &second).await;
        assert_eq!(response.status(), 200);
        let user: Value = response.json().await.unwrap();

        let staff = app.sign_in("equipe@anap.fr", Role::Staff).await;
        let response = app
            .client
            .post(app.url(&format!("/api/v1/users/{}/sessions/revoke", user["id"].as_str().unwrap())))
            .bearer_auth(&staff)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["revoked"], 1);
        assert_unauthorized(me(&app, &second).await, "revoked by staff").await;
    }
}

backend_test! {
    #[actix_web::test]
    async fn roles_and_ownership_are_enforced(db) {
        let app = TestApp::start(db);
        let alice = app.sign_in("alice@ehpad-exemple.fr", Role::Requester).await;
        let bob = app.sign_in("bob@chu-exemple.fr", Role::Volunteer).await;
        let staff = app.sign_in("staff@anap.fr", Role::Staff).await;
        let id_of = |body: Value| body["id"].as_str().unwrap().to_owned();
        let bob_id = id_of(me(&app, &bob).await.json().await.unwrap());

        // Wrong role: 403 with a problem body.
        let response = app
            .client
            .post(app.url(&format!("/api/v1/users/{bob_id}/sessions/revoke")))
            .bearer_auth(&alice)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "forbidden");

        // Another person's sessions: invisible (404), for listing and revoking.
        let response = app
            .client
            .get(app.url(&format!("/api/v1/auth/sessions?user_id={bob_id}")))
            .bearer_auth(&alice)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let bob_sessions: Vec<Value> = app
            .client
            .get(app.url(&format!("/api/v1/auth/sessions?user_id={bob_id}")))
            .bearer_auth(&staff)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(bob_sessions.len(), 1);
        let bob_session = bob_sessions[0]["id"].as_str().unwrap();
        let response = app
            .client
            .delete(app.url(&format!("/api/v1/auth/sessions/{bob_session}")))
            .bearer_auth(&alice)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(me(&app, &bob).await.status(), 200, "alice must not end bob's session");

        // Own sessions are visible; an id that is not a UUID names nothing.
        let own: Vec<Value> = app
            .client
            .get(app.url("/api/v1/auth/sessions"))
            .bearer_auth(&alice)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(own.len(), 1);
        let response = app
            .client
            .delete(app.url("/api/v1/auth/sessions/not-a-uuid"))
            .bearer_auth(&alice)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);

        // Staff may end bob's session.
        let response = app
            .client
            .delete(app.url(&format!("/api/v1/auth/sessions/{bob_session}")))
            .bearer_auth(&staff)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 204);
        assert_eq!(me(&app, &bob).await.status(), 401);
    }
}

async fn request_link(app: &TestApp, email: &str) -> (StatusCode, Value) {
    let response = app
        .client
        .post(app.url("/api/v1/auth/sign-in"))
        .json(&json!({ "email": email }))
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

backend_test! {
    #[actix_web::test]
    async fn known_and_unknown_addresses_get_identical_answers(db) {
        let app = TestApp::start(db);
        app.sign_in_token("connu@chu-exemple.fr", Role::Volunteer);
        let known = request_link(&app, "connu@chu-exemple.fr").await;
        let unknown = request_link(&app, "inconnu@chu-exemple.fr").await;
        assert_eq!(known.0, StatusCode::ACCEPTED);
        assert_eq!(known, unknown);
    }
}

backend_test! {
    #[actix_web::test]
    async fn sign_in_is_rate_limited_per_address_and_per_ip(db) {
        let mut settings = test_settings();
        settings.rate_limits.sign_in_per_email_per_hour = NonZeroU32::new(3).unwrap();
        settings.rate_limits.sign_in_per_ip_per_hour = NonZeroU32::new(6).unwrap();
        let app = TestApp::start_with(db, settings, Vec::new());
        for _ in 0..3 {
            assert_eq!(request_link(&app, "cible@chu-exemple.fr").await.0, StatusCode::ACCEPTED);
        }
        let response = app
            .client
            .post(app.url("/api/v1/auth/sign-in"))
            .json(&json!({ "email": "cible@chu-exemple.fr" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=3600).contains(&retry_after), "{retry_after}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "rate_limited");

        // Other addresses from the same IP: the per-IP allowance (6) runs out too.
        // Four requests were counted already (the refused one included).
        assert_eq!(request_link(&app, "autre1@chu-exemple.fr").await.0, StatusCode::ACCEPTED);
        assert_eq!(request_link(&app, "autre2@chu-exemple.fr").await.0, StatusCode::ACCEPTED);
        assert_eq!(request_link(&app, "autre3@chu-exemple.fr").await.0, StatusCode::TOO_MANY_REQUESTS);
    }
}

backend_test! {
    #[actix_web::test]
    async fn bad_bodies_get_clear_errors(db) {
        let app = TestApp::start(db);
        let url = app.url("/api/v1/auth/sign-in");
        let post = |body: String, content_type: &'static str| {
            app.client.post(&url).header("content-type", content_type).body(body).send()
        };
        let cases: [(String, &str, StatusCode, &str); 6] = [
            ("{\"email\": ".into(), "application/json", StatusCode::BAD_REQUEST, "malformed_request"),
            ("email=a@b.fr".into(), "application/x-www-form-urlencoded", StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
            (format!("{{\"email\": \"{}@b.fr\"}}", "a".repeat(70_000)), "application/json", StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            ("{\"email\": \"pas une adresse\"}".into(), "application/json", StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
            ("{\"email\": \"a@b.fr\", \"role\": \"staff\"}".into(), "application/json", StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
            ("{}".into(), "application/json", StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
        ];
        for (body, content_type, status, code) in cases {
            let response = post(body.clone(), content_type).await.unwrap();
            assert_eq!(response.status(), status, "{}", &body[..body.len().min(60)]);
            assert_eq!(response.headers()["content-type"], "application/problem+json");
            let problem: Value = response.json().await.unwrap();
            assert_eq!(problem["code"], code);
            if status == StatusCode::UNPROCESSABLE_ENTITY {
                let error = &problem["errors"][0];
                assert!(error["path"].as_str().unwrap().starts_with('/') || error["path"] == "", "{problem}");
                assert!(!error["message"].as_str().unwrap().is_empty());
            }
        }
    }
}

backend_test! {
    #[actix_web::test]
    async fn cors_is_off_unless_an_origin_is_allowed(db) {
        let closed = TestApp::start(db);
        let response = closed
            .client
            .get(closed.url("/healthz"))
            .header("origin", "https://app.example.org")
            .send()
            .await
            .unwrap();
        assert!(response.headers().get("access-control-allow-origin").is_none());

        let open = TestApp::start_with(db, test_settings(), vec!["https://app.example.org".into()]);
        let response = open
            .client
            .get(open.url("/healthz"))
            .header("origin", "https://app.example.org")
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.headers()["access-control-allow-origin"],
            "https://app.example.org"
        );
        let response = open
            .client
            .get(open.url("/healthz"))
            .header("origin", "https://evil.example")
            .send()
            .await
            .unwrap();
        assert!(response.headers().get("access-control-allow-origin").is_none());
    }
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
                .select((outbox::kind, outbox::subject, outbox::body_text))
                .load::<(String, String, String)>(conn)
                .map_err(entraide_store::StoreError::from)
        })
        .unwrap()
}

backend_test! {
    #[actix_web::test]
    async fn the_emailed_link_signs_the_person_in(db) {
        let app = TestApp::start(db);
        app.sign_in_token("sophie.martin@ght-exemple.fr", Role::Staff);
        assert_eq!(request_link(&app, "Sophie.Martin@GHT-exemple.fr").await.0, StatusCode::ACCEPTED);
        assert!(outbox_for(&app, "inconnu@ght-exemple.fr").is_empty());
        request_link(&app, "inconnu@ght-exemple.fr").await;
        assert!(outbox_for(&app, "inconnu@ght-exemple.fr").is_empty(), "unknown addresses get no e-mail");

        let messages = outbox_for(&app, "sophie.martin@ght-exemple.fr");
        assert_eq!(messages.len(), 1, "{messages:?}");
        let (kind, subject, body) = &messages[0];
        assert_eq!(kind, "sign_in_link");
        assert!(!subject.is_empty());
        let link = body
            .split_whitespace()
            .find(|word| word.starts_with(&format!("{TEST_PUBLIC_URL}/connexion#token=")))
            .unwrap_or_else(|| panic!("no sign-in link in {body}"));
        let token = entraide_http::testing::token_from_link(link);
        let response = exchange(&app, token).await;
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["user"]["roles"], json!(["staff"]));
    }
}

backend_test! {
    #[actix_web::test]
    async fn sessions_follow_the_service_clock(db) {
        let app = TestApp::start(db);
        let token = app.sign_in("nuit@chu-exemple.fr", Role::Volunteer).await;
        app.clock.advance(TimeDelta::hours(7));
        assert_eq!(me(&app, &token).await.status(), 200, "7 h into an 8 h session");
        app.clock.advance(TimeDelta::hours(1) + TimeDelta::minutes(1));
        assert_unauthorized(me(&app, &token).await, "past the 8 h session").await;
        // Signing in again works at the new time.
        let token = app.sign_in("nuit@chu-exemple.fr", Role::Volunteer).await;
        assert_eq!(me(&app, &token).await.status(), 200);
    }
}

backend_test! {
    #[actix_web::test]
    async fn a_revocation_made_by_another_process_is_followed(db) {
        let app = TestApp::start(db);
        app.wait_for_change_listener();
        let postgres = db.store().backend() == entraide_store::Backend::Postgres;
        let volunteer = app.sign_in("claire@clinique-exemple.fr", Role::Volunteer).await;
        // On PostgreSQL a session checked again is answered from memory, once the
        // notifications of its own sign-in have arrived (milliseconds); SQLite caches
        // nothing.
        let mut answered_from_memory = false;
        for _ in 0..if postgres { 200 } else { 5 } {
            let before = app.state.sessions.lookups().hits;
            assert_eq!(me(&app, &volunteer).await.status(), 200);
            if app.state.sessions.lookups().hits > before {
                answered_from_memory = true;
                break;
            }
            actix_web::rt::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert_eq!(answered_from_memory, postgres);

        // Another process (its own connections) revokes every session, straight in the
        // database: refused as soon as its notification arrives (at once on SQLite).
        let other = db.another_process();
        other.run_blocking(|conn| {
            use diesel::prelude::*;
            use entraide_store::schema::sessions;
            diesel::update(sessions::table).set(sessions::revoked_at.eq(Some(Utc::now().naive_utc()))).execute(conn).map_err(entraide_store::StoreError::from)
        }).unwrap();
        let started = std::time::Instant::now();
        loop {
            let response = me(&app, &volunteer).await;
            if response.status() == StatusCode::UNAUTHORIZED {
                break;
            }
            assert_eq!(response.status(), 200);
            assert!(started.elapsed() < std::time::Duration::from_secs(10), "still accepted after 10 s");
            actix_web::rt::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }
}
