//! The first acceptance wins: 50 volunteers accept the same request at the same moment,
//! with real parallel HTTP calls against a running server, on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used)] // Test code: a panic is how a test reports failure.

mod cases_support;

use std::time::Instant;

use cases_support::*;
use entraide_core::Role;
use entraide_http::cases::CaseSettings;
use entraide_store::backend_test;
use futures_util::future::join_all;
use serde_json::Value;

const VOLUNTEERS: usize = 50;

backend_test! {
    #[actix_web::test]
    async fn fifty_volunteers_accept_at_once_and_exactly_one_wins(db) {
        // Everyone in one wave, so that 50 proposals are pending together.
        let app = app_with(db, CaseSettings { proposals_per_wave: VOLUNTEERS as u32, ..CaseSettings::default() });
        let staff = staff(&app).await;
        let mut emails = Vec::with_capacity(VOLUNTEERS);
        for n in 0..VOLUNTEERS {
            let email = format!("volontaire{n}@chu-exemple.fr");
            let name = format!("Volontaire {n}");
            volunteer(&app, &staff, &NewVolunteer::new(&name, &email)).await;
            emails.push(email);
        }
        let created = request(&app, "paul@hopital-exemple.fr", &["teletravail"], "critical").await;
        let id = created["id"].as_str().unwrap().to_owned();
        assert_eq!(status_of(&app, &staff, &id).await, "proposed");
        assert_eq!(proposal_ids(&app, &staff, &id, "pending").await.len(), VOLUNTEERS);

        // Each volunteer's session and proposal, ready before the race.
        let mut contenders = Vec::with_capacity(VOLUNTEERS);
        for email in &emails {
            let token = app.sign_in(email, Role::Volunteer).await;
            let (_, page) = call(&app, "GET", "/api/v1/proposals?status=pending", Some(&token), None).await;
            let proposal = page["items"][0]["id"].as_str().unwrap().to_owned();
            contenders.push((token, proposal));
        }

        // All at once.
        let started = Instant::now();
        let responses = join_all(contenders.iter().map(|(token, proposal)| {
            app.client
                .post(app.url(&format!("/api/v1/proposals/{proposal}/accept")))
                .bearer_auth(token)
                .send()
        }))
        .await;
        let elapsed = started.elapsed();
        let mut won = Vec::new();
        let mut lost = Vec::new();
        for response in responses {
            let response = response.unwrap();
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap();
            match status {
                200 => won.push(body),
                409 => lost.push(body),
                other => panic!("unexpected {other}: {body}"),
            }
        }
        eprintln!(
            "{VOLUNTEERS} concurrent accepts on {}: {} × 200, {} × 409 in {} ms",
            db.url().backend().as_str(),
            won.len(),
            lost.len(),
            elapsed.as_millis()
        );
        assert_eq!(won.len(), 1, "exactly one acceptance wins");
        assert_eq!(lost.len(), VOLUNTEERS - 1);
        for body in &lost {
            assert_eq!(body["code"], "already_accepted", "{body}");
            assert_eq!(body["current_status"], "accepted", "{body}");
        }

        // One volunteer on the case, the winner; every other proposal withdrawn.
        let winner = won[0]["volunteer"]["id"].as_str().unwrap().to_owned();
        assert_eq!(case_rows(&app, &id), vec![winner.clone()]);
        let proposals = proposals_of(&app, &staff, &id).await;
        let accepted: Vec<&Value> = proposals.iter().filter(|p| p["status"] == "accepted").collect();
        assert_eq!(accepted.len(), 1);
        assert_eq!(accepted[0]["volunteer_id"], winner.as_str());
        assert_eq!(proposals.iter().filter(|p| p["status"] == "withdrawn").count(), VOLUNTEERS - 1);
        assert_eq!(status_of(&app, &staff, &id).await, "accepted");
        // One "case accepted" e-mail to each party, not one per attempt.
        assert_eq!(mails(&app, "case_accepted").len(), 2);
        // The audit trail has one acceptance.
        let (_, trail) = call(&app, "GET", &format!("/api/v1/requests/{id}/transitions"), Some(&staff), None).await;
        assert_eq!(trail.as_array().unwrap().iter().filter(|t| t["to"] == "accepted").count(), 1);
    }
}
