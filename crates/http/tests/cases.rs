//! The life of a request after it arrives, over the real API on SQLite and PostgreSQL:
//! proposals, acceptance, answer, rating and closing; every refused transition (409 with
//! the current state); every access rule; every e-mail to the right party; cancellation,
//! reopening, staff proposals and the confirmation of a batch proposal.

#![allow(clippy::unwrap_used)] // Test code: a panic is how a test reports failure.

mod cases_support;

use cases_support::*;
use entraide_core::Role;
use entraide_http::cases::CaseSettings;
use entraide_store::backend_test;
use reqwest::StatusCode;
use serde_json::{json, Value};

const CONTACT: &str = "paul@hopital-exemple.fr";

fn answer_body() -> Value {
    json!({
        "answers": [
            {"type": "appel_telephonique"},
            {"type": "envoi_outil", "tool_name": "Charte de télétravail", "tool_link": "https://anap.fr/charte"},
        ],
        "summary": "Appel d'une heure : choix du VPN, charte envoyée.",
        "time_spent_minutes": 90,
    })
}

/// The pending proposal of a volunteer for a request (through their own list).
async fn my_proposal(app: &entraide_http::testing::TestApp, token: &str, request: &str) -> String {
    let (status, page) = call(
        app,
        "GET",
        "/api/v1/proposals?status=pending",
        Some(token),
        None,
    )
    .await;
    assert_eq!(status, 200, "{page}");
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["request"]["id"] == request)
        .unwrap_or_else(|| panic!("no pending proposal for {request} in {page}"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn assert_conflict(status: StatusCode, body: &Value, code: &str, current: &str) {
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["current_status"], current, "{body}");
    assert!(
        !body["detail"].as_str().unwrap_or_default().is_empty(),
        "{body}"
    );
}

backend_test! {
    #[actix_web::test]
    async fn a_request_goes_from_submission_to_closing(db) {
        let app = app(db);
        let staff = staff(&app).await;
        let claire = volunteer(&app, &staff, &NewVolunteer::new("Claire Martin", "claire@chu-exemple.fr")).await;
        volunteer(&app, &staff, &NewVolunteer { department: "59", ..NewVolunteer::new("Bruno Petit", "bruno@clinique-exemple.fr") }).await;
        volunteer(&app, &staff, &NewVolunteer { department: "13", ..NewVolunteer::new("Chloé Bernard", "chloe@ehpad-exemple.fr") }).await;
        volunteer(&app, &staff, &NewVolunteer { themes: &["cybersecurite"], ..NewVolunteer::new("Denis Roux", "denis@chu-exemple.fr") }).await;

        // Submitted, the request is answered as `submitted`, then proposed to the three
        // best volunteers (the helper runs the first wave as the dispatcher does).
        let created = request(&app, CONTACT, &["teletravail"], "high").await;
        let id = created["id"].as_str().unwrap().to_owned();
        assert_eq!(status_of(&app, &staff, &id).await, "proposed");
        let proposed = mails(&app, "case_proposed");
        let mut asked: Vec<&str> = proposed.iter().map(|m| m.to.as_str()).collect();
        asked.sort();
        assert_eq!(asked, ["bruno@clinique-exemple.fr", "chloe@ehpad-exemple.fr", "claire@chu-exemple.fr"], "the three eligible, not Denis (no common theme)");
        for mail in &proposed {
            assert!(mail.text.contains("Accepter : http://entraide.test/volontaire/propositions/"), "{}", mail.text);
            assert!(mail.text.contains("/accepter\n"), "{}", mail.text);
            assert!(mail.text.contains("- Thèmes couverts : 1 sur 1"), "{}", mail.text);
            assert!(mail.text.contains("sous 24 heures"), "{}", mail.text);
            assert!(!mail.text.contains(CONTACT), "no contact details before acceptance");
        }

        // Claire sees her proposal, with the reasons, and no contact details yet.
        let claire_token = app.sign_in("claire@chu-exemple.fr", Role::Volunteer).await;
        let (status, page) = call(&app, "GET", "/api/v1/proposals?status=pending", Some(&claire_token), None).await;
        assert_eq!(status, 200);
        assert_eq!(page["total"], 1);
        let mine = &page["items"][0];
        assert_eq!(mine["request"]["id"], id.as_str());
        assert_eq!(mine["volunteer_id"], claire.as_str());
        assert_eq!(mine["wave"], 1);
        assert_eq!(mine["rank"], 1);
        assert_eq!(mine["proposed_by_staff"], false);
        assert!(mine["reasons"].as_array().unwrap().iter().any(|r| r == "Même région"), "{mine}");
        assert_eq!(mine["request"]["establishment"]["name"], "Hôpital Saint-Exemple");
        assert!(mine["request"].get("contact").is_none());
        let proposal = mine["id"].as_str().unwrap().to_owned();
        let (status, read) = call(&app, "GET", &format!("/api/v1/proposals/{proposal}"), Some(&claire_token), None).await;
        assert_eq!(status, 200);
        assert_eq!(read["id"], proposal.as_str());

        // She accepts: she holds the case, the other proposals are withdrawn.
        let (status, case) = call(&app, "POST", &format!("/api/v1/proposals/{proposal}/accept"), Some(&claire_token), None).await;
        assert_eq!(status, 200, "{case}");
        assert_eq!(case["request"]["status"], "accepted");
        assert_eq!(case["volunteer"]["id"], claire.as_str());
        assert_eq!(case["request"]["contact"]["email"], CONTACT, "the volunteer now sees whom to call");
        assert!(case["accepted_at"].is_string());
        let mut statuses: Vec<String> = proposals_of(&app, &staff, &id).await.iter().map(|p| p["status"].as_str().unwrap().to_owned()).collect();
        statuses.sort();
        assert_eq!(statuses, ["accepted", "withdrawn", "withdrawn"]);
        assert_eq!(case_rows(&app, &id), vec![claire.clone()]);

        // Both parties get each other's name, role and contact details.
        let accepted = mails(&app, "case_accepted");
        assert_eq!(accepted.len(), 2, "{accepted:?}");
        let to_volunteer = accepted.iter().find(|m| m.to == "claire@chu-exemple.fr").unwrap();
        for expected in ["Paul Girard", CONTACT, "01 40 00 00 00", "Hôpital Saint-Exemple", "http://entraide.test/dossiers/"] {
            assert!(to_volunteer.text.contains(expected), "{expected} missing from {}", to_volunteer.text);
        }
        let to_contact = accepted.iter().find(|m| m.to == CONTACT).unwrap();
        for expected in ["Claire Martin", "claire@chu-exemple.fr", "06 12 34 56 78", "DSI, GHT Exemple"] {
            assert!(to_contact.text.contains(expected), "{expected} missing from {}", to_contact.text);
        }

        // The requester follows the request and sees who took it.
        let paul = app.sign_in(CONTACT, Role::Requester).await;
        let (status, seen) = call(&app, "GET", &format!("/api/v1/cases/{id}"), Some(&paul), None).await;
        assert_eq!(status, 200);
        assert_eq!(seen["volunteer"]["name"], "Claire Martin");
        assert_eq!(seen["volunteer"]["email"], "claire@chu-exemple.fr");
        // The volunteer lists her cases.
        let (_, listed) = call(&app, "GET", "/api/v1/cases", Some(&claire_token), None).await;
        assert_eq!(listed["total"], 1);
        assert_eq!(listed["items"][0]["request"]["id"], id.as_str());

        // She records how she helped: resolved, and the requester is asked for a rating.
        let (status, resolved) = call(&app, "POST", &format!("/api/v1/requests/{id}/answer"), Some(&claire_token), Some(answer_body())).await;
        assert_eq!(status, 200, "{resolved}");
        assert_eq!(resolved["request"]["status"], "resolved");
        assert_eq!(resolved["answer"]["items"][1]["type"], "envoi_outil");
        assert_eq!(resolved["answer"]["items"][1]["label"], "Envoi d'un outil");
        assert_eq!(resolved["answer"]["items"][1]["tool_name"], "Charte de télétravail");
        assert_eq!(resolved["answer"]["time_spent_minutes"], 90);
        let asked_rating = mails(&app, "case_resolved");
        assert_eq!(asked_rating.len(), 1);
        assert_eq!(asked_rating[0].to, CONTACT);
        assert!(asked_rating[0].text.contains(&format!("http://entraide.test/dossiers/{id}/avis")), "{}", asked_rating[0].text);
        assert!(asked_rating[0].text.contains("Appel téléphonique, Envoi d'un outil (Charte de télétravail)"), "{}", asked_rating[0].text);

        // The rating closes the case.
        let (status, closed) = call(&app, "POST", &format!("/api/v1/requests/{id}/rating"), Some(&paul), Some(json!({"rating": 5, "comment": "Très utile."}))).await;
        assert_eq!(status, 200, "{closed}");
        assert_eq!(closed["request"]["status"], "closed");
        assert_eq!(closed["rating"]["rating"], 5);
        assert!(closed["closed_at"].is_string());

        // The audit trail: who, when, from, to.
        let (status, trail) = call(&app, "GET", &format!("/api/v1/requests/{id}/transitions"), Some(&paul), None).await;
        assert_eq!(status, 200);
        let steps: Vec<(Value, Value)> = trail.as_array().unwrap().iter().map(|t| (t["from"].clone(), t["to"].clone())).collect();
        assert_eq!(steps, [
            (Value::Null, json!("submitted")),
            (json!("submitted"), json!("proposed")),
            (json!("proposed"), json!("accepted")),
            (json!("accepted"), json!("resolved")),
            (json!("resolved"), json!("closed")),
        ]);
        assert!(trail[1]["actor_user_id"].is_null(), "the service proposed it");
        assert!(trail[2]["actor_user_id"].is_string(), "Claire accepted it");
        assert_eq!(trail[2]["actor_user_id"], trail[3]["actor_user_id"]);
        assert_ne!(trail[2]["actor_user_id"], trail[4]["actor_user_id"], "Paul closed it");
        // Staff and the volunteer see the trail too.
        assert_eq!(call(&app, "GET", &format!("/api/v1/requests/{id}/transitions"), Some(&staff), None).await.0, 200);
        assert_eq!(call(&app, "GET", &format!("/api/v1/requests/{id}/transitions"), Some(&claire_token), None).await.0, 200);
        assert_request_facts_in_step(&app);
    }
}

backend_test! {
    #[actix_web::test]
    async fn refused_transitions_answer_409_with_the_current_state(db) {
        let app = app(db);
        let staff = staff(&app).await;
        volunteer(&app, &staff, &NewVolunteer::new("Claire Martin", "claire@chu-exemple.fr")).await;
        let bruno = volunteer(&app, &staff, &NewVolunteer { department: "59", ..NewVolunteer::new("Bruno Petit", "bruno@clinique-exemple.fr") }).await;
        let id = request(&app, CONTACT, &["teletravail"], "normal").await["id"].as_str().unwrap().to_owned();
        let paul = app.sign_in(CONTACT, Role::Requester).await;
        let claire = app.sign_in("claire@chu-exemple.fr", Role::Volunteer).await;
        let bruno_token = app.sign_in("bruno@clinique-exemple.fr", Role::Volunteer).await;
        let claire_proposal = my_proposal(&app, &claire, &id).await;
        let bruno_proposal = my_proposal(&app, &bruno_token, &id).await;
        let path = |action: &str| format!("/api/v1/requests/{id}/{action}");

        // Nothing to rate, close or reopen while the request is proposed.
        let (status, body) = call(&app, "POST", &path("rating"), Some(&paul), Some(json!({"rating": 4}))).await;
        assert_conflict(status, &body, "invalid_transition", "proposed");
        let (status, body) = call(&app, "POST", &path("close"), Some(&staff), Some(json!({}))).await;
        assert_conflict(status, &body, "invalid_transition", "proposed");
        let (status, body) = call(&app, "POST", &path("reopen"), Some(&staff), Some(json!({"reason": "Relance."}))).await;
        assert_conflict(status, &body, "invalid_transition", "proposed");

        // Claire accepts; Bruno is too late, whatever he tries.
        let (status, _) = call(&app, "POST", &format!("/api/v1/proposals/{claire_proposal}/accept"), Some(&claire), None).await;
        assert_eq!(status, 200);
        let (status, body) = call(&app, "POST", &format!("/api/v1/proposals/{bruno_proposal}/accept"), Some(&bruno_token), None).await;
        assert_conflict(status, &body, "already_accepted", "accepted");
        let (status, body) = call(&app, "POST", &format!("/api/v1/proposals/{bruno_proposal}/decline"), Some(&bruno_token), Some(json!({}))).await;
        assert_conflict(status, &body, "proposal_closed", "accepted");
        assert!(body["detail"].as_str().unwrap().contains("withdrawn"), "{body}");
        let (status, body) = call(&app, "POST", &format!("/api/v1/proposals/{claire_proposal}/accept"), Some(&claire), None).await;
        assert_conflict(status, &body, "already_accepted", "accepted");
        let (status, body) = call(&app, "POST", &path("proposals"), Some(&staff), Some(json!({"volunteer_id": bruno}))).await;
        assert_conflict(status, &body, "invalid_transition", "accepted");
        let (status, body) = call(&app, "POST", &path("rating"), Some(&paul), Some(json!({"rating": 4}))).await;
        assert_conflict(status, &body, "invalid_transition", "accepted");
        let (status, body) = call(&app, "POST", &path("close"), Some(&staff), Some(json!({}))).await;
        assert_conflict(status, &body, "invalid_transition", "accepted");

        // One answer only.
        assert_eq!(call(&app, "POST", &path("answer"), Some(&claire), Some(answer_body())).await.0, 200);
        let (status, body) = call(&app, "POST", &path("answer"), Some(&claire), Some(answer_body())).await;
        assert_conflict(status, &body, "invalid_transition", "resolved");
        // Help given: no more cancelling.
        let (status, body) = call(&app, "POST", &format!("/api/v1/requests/{id}/cancel"), Some(&paul), Some(json!({}))).await;
        assert_conflict(status, &body, "conflict", "resolved");

        // One rating only.
        assert_eq!(call(&app, "POST", &path("rating"), Some(&paul), Some(json!({"rating": 2}))).await.0, 200);
        let (status, body) = call(&app, "POST", &path("rating"), Some(&paul), Some(json!({"rating": 5}))).await;
        assert_conflict(status, &body, "already_rated", "closed");
        let (status, body) = call(&app, "POST", &path("close"), Some(&staff), Some(json!({}))).await;
        assert_conflict(status, &body, "invalid_transition", "closed");

        // Bodies are checked field by field.
        let (status, body) = call(&app, "POST", &path("rating"), Some(&paul), Some(json!({"rating": 6}))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"][0]["path"], "/rating");
        let (status, body) = call(&app, "POST", &format!("/api/v1/proposals/{bruno_proposal}/decline"), Some(&bruno_token), Some(json!({"motif": "x"}))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let (status, body) = call(&app, "POST", &path("reopen"), Some(&staff), Some(json!({"reason": "  "}))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"][0]["path"], "/reason");
    }
}

backend_test! {
    #[actix_web::test]
    async fn each_party_reaches_only_what_is_theirs(db) {
        let app = app(db);
        let staff = staff(&app).await;
        volunteer(&app, &staff, &NewVolunteer::new("Claire Martin", "claire@chu-exemple.fr")).await;
        volunteer(&app, &staff, &NewVolunteer { department: "59", ..NewVolunteer::new("Bruno Petit", "bruno@clinique-exemple.fr") }).await;
        let id = request(&app, CONTACT, &["teletravail"], "normal").await["id"].as_str().unwrap().to_owned();
        let other = request(&app, "autre@clinique-exemple.fr", &["teletravail"], "normal").await["id"].as_str().unwrap().to_owned();
        let paul = app.sign_in(CONTACT, Role::Requester).await;
        let stranger = app.sign_in("autre@clinique-exemple.fr", Role::Requester).await;
        let claire = app.sign_in("claire@chu-exemple.fr", Role::Volunteer).await;
        let bruno = app.sign_in("bruno@clinique-exemple.fr", Role::Volunteer).await;
        let claire_proposal = my_proposal(&app, &claire, &id).await;

        // Proposals: volunteers and staff only; a volunteer sees only hers.
        assert_eq!(call(&app, "GET", "/api/v1/proposals", None, None).await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(call(&app, "GET", "/api/v1/proposals", Some(&paul), None).await.0, StatusCode::FORBIDDEN);
        let (_, mine) = call(&app, "GET", "/api/v1/proposals", Some(&bruno), None).await;
        assert_eq!(mine["total"], 2, "Bruno's two proposals, not Claire's");
        assert!(mine["items"].as_array().unwrap().iter().all(|p| p["volunteer_name"] == "Bruno Petit"));
        assert_eq!(proposals_of(&app, &staff, &id).await.len(), 2, "staff see every proposal of a request");
        assert_eq!(call(&app, "GET", &format!("/api/v1/proposals/{claire_proposal}"), Some(&bruno), None).await.0, StatusCode::NOT_FOUND);
        assert_eq!(call(&app, "POST", &format!("/api/v1/proposals/{claire_proposal}/accept"), Some(&bruno), None).await.0, StatusCode::NOT_FOUND);
        assert_eq!(call(&app, "POST", &format!("/api/v1/proposals/{claire_proposal}/decline"), Some(&bruno), Some(json!({}))).await.0, StatusCode::NOT_FOUND);
        assert_eq!(call(&app, "POST", &format!("/api/v1/proposals/{claire_proposal}/accept"), Some(&paul), None).await.0, StatusCode::FORBIDDEN);
        assert_eq!(call(&app, "POST", &format!("/api/v1/proposals/{claire_proposal}/accept"), Some(&staff), None).await.0, StatusCode::FORBIDDEN);
        // A volunteer sees a case only once she holds it.
        assert_eq!(call(&app, "GET", &format!("/api/v1/cases/{id}"), Some(&claire), None).await.0, StatusCode::NOT_FOUND);
        assert_eq!(call(&app, "POST", &format!("/api/v1/proposals/{claire_proposal}/accept"), Some(&claire), None).await.0, 200);
        assert_eq!(call(&app, "GET", &format!("/api/v1/cases/{id}"), Some(&claire), None).await.0, 200);

        // Cases: staff see all, a requester hers, a volunteer those she holds.
        let total = |token: String| {
            let app = &app;
            async move { call(app, "GET", "/api/v1/cases", Some(&token), None).await.1["total"].as_i64().unwrap() }
        };
        assert_eq!(total(staff.clone()).await, 2);
        assert_eq!(total(paul.clone()).await, 1);
        assert_eq!(total(stranger.clone()).await, 1);
        assert_eq!(total(claire.clone()).await, 1);
        assert_eq!(total(bruno.clone()).await, 0);
        assert_eq!(call(&app, "GET", "/api/v1/cases", None, None).await.0, StatusCode::UNAUTHORIZED);
        for token in [&stranger, &bruno] {
            assert_eq!(call(&app, "GET", &format!("/api/v1/cases/{id}"), Some(token), None).await.0, StatusCode::NOT_FOUND);
            assert_eq!(call(&app, "GET", &format!("/api/v1/requests/{id}/transitions"), Some(token), None).await.0, StatusCode::NOT_FOUND);
        }
        assert_eq!(call(&app, "GET", &format!("/api/v1/cases/{other}"), Some(&paul), None).await.0, StatusCode::NOT_FOUND);

        // Only the volunteer holding the case answers it.
        assert_eq!(call(&app, "POST", &format!("/api/v1/requests/{id}/answer"), Some(&bruno), Some(answer_body())).await.0, StatusCode::NOT_FOUND);
        assert_eq!(call(&app, "POST", &format!("/api/v1/requests/{id}/answer"), Some(&paul), Some(answer_body())).await.0, StatusCode::FORBIDDEN);
        assert_eq!(call(&app, "POST", &format!("/api/v1/requests/{id}/answer"), Some(&claire), Some(answer_body())).await.0, 200);
        // Only its requester rates it; staff may not rate in her place.
        let rating = json!({"rating": 4});
        assert_eq!(call(&app, "POST", &format!("/api/v1/requests/{id}/rating"), Some(&stranger), Some(rating.clone())).await.0, StatusCode::NOT_FOUND);
        assert_eq!(call(&app, "POST", &format!("/api/v1/requests/{id}/rating"), Some(&claire), Some(rating.clone())).await.0, StatusCode::FORBIDDEN);
        let staff_and_requester = app.sign_in("equipe@anap.fr", Role::Requester).await;
        assert_eq!(call(&app, "POST", &format!("/api/v1/requests/{id}/rating"), Some(&staff_and_requester), Some(rating.clone())).await.0, StatusCode::FORBIDDEN);
        // Staff actions are for staff.
        for (action, body) in [("close", json!({})), ("reopen", json!({"reason": "x"})), ("proposals", json!({"volunteer_id": uuid::Uuid::new_v4()}))] {
            for token in [&paul, &claire] {
                assert_eq!(call(&app, "POST", &format!("/api/v1/requests/{id}/{action}"), Some(token), Some(body.clone())).await.0, StatusCode::FORBIDDEN, "{action}");
            }
        }
        assert_eq!(call(&app, "POST", "/api/v1/assignments/confirm", Some(&claire), Some(json!({"assignments": []}))).await.0, StatusCode::FORBIDDEN);
        // Unknown requests and proposals are 404.
        let unknown = uuid::Uuid::new_v4();
        assert_eq!(call(&app, "GET", &format!("/api/v1/cases/{unknown}"), Some(&staff), None).await.0, StatusCode::NOT_FOUND);
        assert_eq!(call(&app, "POST", &format!("/api/v1/proposals/{unknown}/accept"), Some(&claire), None).await.0, StatusCode::NOT_FOUND);
        assert_eq!(call(&app, "POST", &format!("/api/v1/requests/{unknown}/reopen"), Some(&staff), Some(json!({"reason": "x"}))).await.0, StatusCode::NOT_FOUND);
    }
}

backend_test! {
    #[actix_web::test]
    async fn a_volunteer_at_capacity_cannot_accept(db) {
        let app = app(db);
        let staff = staff(&app).await;
        volunteer(&app, &staff, &NewVolunteer { capacity: 1, ..NewVolunteer::new("Claire Martin", "claire@chu-exemple.fr") }).await;
        let first = request(&app, CONTACT, &["teletravail"], "normal").await["id"].as_str().unwrap().to_owned();
        let second = request(&app, "autre@clinique-exemple.fr", &["teletravail"], "normal").await["id"].as_str().unwrap().to_owned();
        let claire = app.sign_in("claire@chu-exemple.fr", Role::Volunteer).await;
        let p1 = my_proposal(&app, &claire, &first).await;
        let p2 = my_proposal(&app, &claire, &second).await;
        assert_eq!(call(&app, "POST", &format!("/api/v1/proposals/{p1}/accept"), Some(&claire), None).await.0, 200);
        let (status, body) = call(&app, "POST", &format!("/api/v1/proposals/{p2}/accept"), Some(&claire), None).await;
        assert_conflict(status, &body, "at_capacity", "proposed");
        assert!(body["detail"].as_str().unwrap().contains("1 demande"), "{body}");
        // Once the first case is answered, she has room again.
        assert_eq!(call(&app, "POST", &format!("/api/v1/requests/{first}/answer"), Some(&claire), Some(answer_body())).await.0, 200);
        assert_eq!(call(&app, "POST", &format!("/api/v1/proposals/{p2}/accept"), Some(&claire), None).await.0, 200);
    }
}

backend_test! {
    #[actix_web::test]
    async fn cancelling_withdraws_proposals_and_releases_the_volunteer(db) {
        let app = app(db);
        let staff = staff(&app).await;
        let claire_id = volunteer(&app, &staff, &NewVolunteer { capacity: 1, ..NewVolunteer::new("Claire Martin", "claire@chu-exemple.fr") }).await;
        volunteer(&app, &staff, &NewVolunteer { department: "59", ..NewVolunteer::new("Bruno Petit", "bruno@clinique-exemple.fr") }).await;
        let paul = {
            let id = request(&app, CONTACT, &["teletravail"], "normal").await["id"].as_str().unwrap().to_owned();
            (id, app.sign_in(CONTACT, Role::Requester).await)
        };
        let claire = app.sign_in("claire@chu-exemple.fr", Role::Volunteer).await;
        let id = paul.0.clone();

        // Cancelled while proposed: the pending proposals are withdrawn, nobody is e-mailed.
        let other = request(&app, "autre@clinique-exemple.fr", &["teletravail"], "normal").await["id"].as_str().unwrap().to_owned();
        let stranger = app.sign_in("autre@clinique-exemple.fr", Role::Requester).await;
        let (status, body) = call(&app, "POST", &format!("/api/v1/requests/{other}/cancel"), Some(&stranger), Some(json!({}))).await;
        assert_eq!(status, 200, "{body}");
        assert!(proposals_of(&app, &staff, &other).await.iter().all(|p| p["status"] == "withdrawn"));
        assert!(mails(&app, "case_withdrawn").is_empty());

        // Cancelled once accepted: Claire is released and told why.
        let proposal = my_proposal(&app, &claire, &id).await;
        assert_eq!(call(&app, "POST", &format!("/api/v1/proposals/{proposal}/accept"), Some(&claire), None).await.0, 200);
        let (status, body) = call(&app, "POST", &format!("/api/v1/requests/{id}/cancel"), Some(&paul.1), Some(json!({"reason": "Le prestataire a déployé le VPN."}))).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["status"], "cancelled");
        assert!(case_rows(&app, &id).is_empty(), "the case is gone");
        let told = mails(&app, "case_withdrawn");
        assert_eq!(told.len(), 1);
        assert_eq!(told[0].to, "claire@chu-exemple.fr");
        assert!(told[0].text.contains("L'établissement a annulé sa demande."), "{}", told[0].text);
        assert!(told[0].text.contains("Motif : Le prestataire a déployé le VPN."), "{}", told[0].text);
        let statuses: Vec<Value> = proposals_of(&app, &staff, &id).await.iter().map(|p| p["status"].clone()).collect();
        assert!(statuses.iter().all(|s| s == "withdrawn"), "{statuses:?}");
        // Her capacity (one case) is free again: she is proposed the next request.
        let next = request(&app, "troisieme@clinique-exemple.fr", &["teletravail"], "normal").await["id"].as_str().unwrap().to_owned();
        let proposal = my_proposal(&app, &claire, &next).await;
        assert_eq!(call(&app, "POST", &format!("/api/v1/proposals/{proposal}/accept"), Some(&claire), None).await.0, 200);
        assert_eq!(case_rows(&app, &next), [claire_id]);
        // Her view of the cancelled request is gone with the case.
        assert_eq!(call(&app, "GET", &format!("/api/v1/cases/{id}"), Some(&claire), None).await.0, StatusCode::NOT_FOUND);
        assert_request_facts_in_step(&app);
    }
}

backend_test! {
    #[actix_web::test]
    async fn staff_reopen_release_and_propose_by_name(db) {
        let app = app_with(db, CaseSettings { proposals_per_wave: 1, ..CaseSettings::default() });
        let staff = staff(&app).await;
        let claire_id = volunteer(&app, &staff, &NewVolunteer::new("Claire Martin", "claire@chu-exemple.fr")).await;
        let bruno_id = volunteer(&app, &staff, &NewVolunteer { department: "59", ..NewVolunteer::new("Bruno Petit", "bruno@clinique-exemple.fr") }).await;
        let denis_id = volunteer(&app, &staff, &NewVolunteer { themes: &["cybersecurite"], ..NewVolunteer::new("Denis Roux", "denis@chu-exemple.fr") }).await;
        let id = request(&app, CONTACT, &["teletravail"], "normal").await["id"].as_str().unwrap().to_owned();
        let claire = app.sign_in("claire@chu-exemple.fr", Role::Volunteer).await;
        let bruno = app.sign_in("bruno@clinique-exemple.fr", Role::Volunteer).await;
        assert_eq!(proposals_of(&app, &staff, &id).await.len(), 1, "one volunteer per wave: Claire");

        // Staff add Bruno by name to the wave; not Denis, who has no common theme.
        let (status, added) = call(&app, "POST", &format!("/api/v1/requests/{id}/proposals"), Some(&staff), Some(json!({"volunteer_id": bruno_id}))).await;
        assert_eq!(status, StatusCode::CREATED, "{added}");
        assert_eq!(added["proposed_by_staff"], true);
        assert_eq!(added["rank"], 0);
        assert_eq!(added["wave"], 1);
        assert!(mails(&app, "case_proposed").iter().any(|m| m.to == "bruno@clinique-exemple.fr"));
        let (status, body) = call(&app, "POST", &format!("/api/v1/requests/{id}/proposals"), Some(&staff), Some(json!({"volunteer_id": bruno_id}))).await;
        assert_conflict(status, &body, "already_proposed", "proposed");
        let (status, body) = call(&app, "POST", &format!("/api/v1/requests/{id}/proposals"), Some(&staff), Some(json!({"volunteer_id": denis_id}))).await;
        assert_conflict(status, &body, "volunteer_excluded", "proposed");
        assert!(body["detail"].as_str().unwrap().contains("Aucun thème en commun"), "{body}");
        let (status, body) = call(&app, "POST", &format!("/api/v1/requests/{id}/proposals"), Some(&staff), Some(json!({"volunteer_id": uuid::Uuid::new_v4()}))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"][0]["path"], "/volunteer_id");

        // Claire accepts, then stops answering: staff release her and the request goes to
        // the one volunteer not asked yet (Bruno was asked, Denis is not eligible): Emma.
        let proposal = my_proposal(&app, &claire, &id).await;
        assert_eq!(call(&app, "POST", &format!("/api/v1/proposals/{proposal}/accept"), Some(&claire), None).await.0, 200);
        let emma_id = volunteer(&app, &staff, &NewVolunteer { department: "33", ..NewVolunteer::new("Emma Blanc", "emma@chu-exemple.fr") }).await;
        let (status, reopened) = call(&app, "POST", &format!("/api/v1/requests/{id}/reopen"), Some(&staff), Some(json!({"reason": "Le volontaire n'est plus joignable."}))).await;
        assert_eq!(status, 200, "{reopened}");
        assert_eq!(reopened["request"]["status"], "proposed");
        assert_eq!(reopened["wave"], 2);
        assert!(reopened["volunteer"].is_null());
        assert!(case_rows(&app, &id).is_empty());
        let released = mails(&app, "case_withdrawn");
        assert_eq!(released.len(), 1);
        assert_eq!(released[0].to, "claire@chu-exemple.fr");
        assert!(released[0].text.contains("Le volontaire n'est plus joignable."), "{}", released[0].text);
        let pending = proposals_of(&app, &staff, &id).await.into_iter().filter(|p| p["status"] == "pending").collect::<Vec<_>>();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0]["volunteer_id"], emma_id.as_str(), "the one volunteer not asked yet");

        // Emma takes it and answers; staff reopen the answered case: back to Emma.
        let emma = app.sign_in("emma@chu-exemple.fr", Role::Volunteer).await;
        let proposal = my_proposal(&app, &emma, &id).await;
        assert_eq!(call(&app, "POST", &format!("/api/v1/proposals/{proposal}/accept"), Some(&emma), None).await.0, 200);
        assert_eq!(call(&app, "POST", &format!("/api/v1/requests/{id}/answer"), Some(&emma), Some(answer_body())).await.0, 200);
        let (status, reopened) = call(&app, "POST", &format!("/api/v1/requests/{id}/reopen"), Some(&staff), Some(json!({"reason": "Le demandeur a rappelé : besoin non couvert."}))).await;
        assert_eq!(status, 200, "{reopened}");
        assert_eq!(reopened["request"]["status"], "accepted");
        assert_eq!(reopened["volunteer"]["id"], emma_id.as_str());
        assert!(reopened["resolved_at"].is_null());
        let (status, resolved) = call(&app, "POST", &format!("/api/v1/requests/{id}/answer"), Some(&emma), Some(json!({"answers": [{"type": "visioconference"}], "summary": "Visio de suivi.", "time_spent_minutes": 30}))).await;
        assert_eq!(status, 200, "{resolved}");
        assert_eq!(resolved["answer"]["items"].as_array().unwrap().len(), 1, "the new answer replaces the first");
        // Staff close it without waiting for the rating.
        let (status, closed) = call(&app, "POST", &format!("/api/v1/requests/{id}/close"), Some(&staff), Some(json!({"reason": "Confirmé par téléphone."}))).await;
        assert_eq!(status, 200, "{closed}");
        assert_eq!(closed["request"]["status"], "closed");

        // An unmatched request with nobody left to ask: reopening is refused, a named
        // proposal works.
        let lonely = request(&app, "autre@clinique-exemple.fr", &["cybersecurite"], "normal").await["id"].as_str().unwrap().to_owned();
        let denis = app.sign_in("denis@chu-exemple.fr", Role::Volunteer).await;
        let proposal = my_proposal(&app, &denis, &lonely).await;
        assert_eq!(call(&app, "POST", &format!("/api/v1/proposals/{proposal}/decline"), Some(&denis), Some(json!({"reason": "En congé."}))).await.0, 200);
        assert_eq!(status_of(&app, &staff, &lonely).await, "unmatched", "nobody else has the theme");
        let (status, body) = call(&app, "POST", &format!("/api/v1/requests/{lonely}/reopen"), Some(&staff), Some(json!({"reason": "Relance."}))).await;
        assert_conflict(status, &body, "no_volunteer", "unmatched");
        let (status, body) = call(&app, "POST", &format!("/api/v1/requests/{lonely}/proposals"), Some(&staff), Some(json!({"volunteer_id": denis_id}))).await;
        assert_conflict(status, &body, "already_proposed", "unmatched");
        assert!(body["detail"].as_str().unwrap().contains("Déclinée"), "{body}");
        let _ = (claire_id, bruno);
        assert_request_facts_in_step(&app);
    }
}

backend_test! {
    #[actix_web::test]
    async fn a_confirmed_batch_proposal_is_applied_once(db) {
        let app = app(db);
        let staff = staff(&app).await;
        // Submitted before any volunteer exists: the requests wait for staff.
        let first = request(&app, "a@hopital-exemple.fr", &["teletravail"], "normal").await["id"].as_str().unwrap().to_owned();
        let second = request(&app, "b@hopital-exemple.fr", &["teletravail"], "normal").await["id"].as_str().unwrap().to_owned();
        assert_eq!(status_of(&app, &staff, &first).await, "submitted");
        volunteer(&app, &staff, &NewVolunteer::new("Claire Martin", "claire@chu-exemple.fr")).await;
        volunteer(&app, &staff, &NewVolunteer { department: "93", ..NewVolunteer::new("Bruno Petit", "bruno@clinique-exemple.fr") }).await;

        let (status, preview) = call(&app, "POST", "/api/v1/assignments/propose", Some(&staff), Some(json!({}))).await;
        assert_eq!(status, 200, "{preview}");
        let pairs: Vec<Value> = preview["assignments"].as_array().unwrap().iter().map(|a| json!({"request_id": a["request_id"], "volunteer_id": a["volunteer_id"]})).collect();
        assert_eq!(pairs.len(), 2);
        assert!(outbox(&app).iter().all(|m| m.kind != "case_proposed"), "a preview changes nothing");

        // Bad bodies.
        let (status, _) = call(&app, "POST", "/api/v1/assignments/confirm", Some(&staff), Some(json!({"assignments": []}))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (status, body) = call(&app, "POST", "/api/v1/assignments/confirm", Some(&staff), Some(json!({"assignments": [pairs[0], pairs[0]]}))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["errors"][0]["path"], "/assignments/1/request_id");

        let (status, confirmed) = call(&app, "POST", "/api/v1/assignments/confirm", Some(&staff), Some(json!({"assignments": pairs}))).await;
        assert_eq!(status, 200, "{confirmed}");
        let made = confirmed["proposals"].as_array().unwrap();
        assert_eq!(made.len(), 2);
        for (proposal, pair) in made.iter().zip(&pairs) {
            assert_eq!(proposal["request"]["id"], pair["request_id"]);
            assert_eq!(proposal["volunteer_id"], pair["volunteer_id"]);
            assert_eq!(proposal["proposed_by_staff"], true);
            assert_eq!(proposal["status"], "pending");
        }
        assert_eq!(status_of(&app, &staff, &first).await, "proposed");
        assert_eq!(status_of(&app, &staff, &second).await, "proposed");
        assert_eq!(mails(&app, "case_proposed").len(), 2);

        // Confirming the same preview again: the situation changed, nothing is applied.
        let (status, body) = call(&app, "POST", "/api/v1/assignments/confirm", Some(&staff), Some(json!({"assignments": pairs}))).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["code"], "batch_changed");
        let errors = body["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0]["path"], "/assignments/0");
        assert_eq!(errors[0]["code"], "assignment.request_state");
        assert_eq!(mails(&app, "case_proposed").len(), 2);
        assert_eq!(proposals_of(&app, &staff, &first).await.len(), 1);
        assert_request_facts_in_step(&app);
    }
}
