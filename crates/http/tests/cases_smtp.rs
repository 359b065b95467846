//! The e-mails of a case as they arrive on the real SMTP test server of the notifier
//! (aiosmtpd), sent by the delivery worker of `entraide serve`: each to the right party,
//! with what that party needs.

#![allow(clippy::unwrap_used)] // Test code: a panic is how a test reports failure.

mod cases_support;

use std::sync::Arc;
use std::time::Duration;

use cases_support::*;
use entraide_core::Role;
use entraide_notifier::testing::{ReceivedEmail, SmtpServer};
use entraide_notifier::{DeliveryWorker, MailSettings, SmtpUrl, TransportSettings};
use entraide_store::backend_test;
use serde_json::json;

const CONTACT: &str = "paul@hopital-exemple.fr";

fn to<'a>(messages: &'a [ReceivedEmail], address: &str, subject_start: &str) -> &'a ReceivedEmail {
    messages
        .iter()
        .find(|m| m.to == [address.to_owned()] && m.subject.starts_with(subject_start))
        .unwrap_or_else(|| {
            panic!(
                "no « {subject_start} » to {address} among {:?}",
                messages
                    .iter()
                    .map(|m| (&m.to, &m.subject))
                    .collect::<Vec<_>>()
            )
        })
}

backend_test! {
    #[actix_web::test]
    async fn each_party_receives_its_emails_over_smtp(db) {
        let server = SmtpServer::start();
        let app = app(db);
        let staff = staff(&app).await;
        volunteer(&app, &staff, &NewVolunteer::new("Claire Martin", "claire@chu-exemple.fr")).await;
        let id = request(&app, CONTACT, &["teletravail"], "high").await["id"].as_str().unwrap().to_owned();
        let claire = app.sign_in("claire@chu-exemple.fr", Role::Volunteer).await;
        let (_, mine) = call(&app, "GET", "/api/v1/proposals?status=pending", Some(&claire), None).await;
        let proposal = mine["items"][0]["id"].as_str().unwrap().to_owned();
        assert_eq!(call(&app, "POST", &format!("/api/v1/proposals/{proposal}/accept"), Some(&claire), None).await.0, 200);
        let paul = app.sign_in(CONTACT, Role::Requester).await;
        assert_eq!(call(&app, "POST", &format!("/api/v1/requests/{id}/cancel"), Some(&paul), Some(json!({"reason": "Résolu en interne."}))).await.0, 200);

        let mut settings = MailSettings::new(
            TransportSettings::Smtp(SmtpUrl::parse(&server.url()).unwrap()),
            "entraide <ne-pas-repondre@entraide.anap.fr>".parse().unwrap(),
        );
        settings.smtp_timeout = Duration::from_secs(5);
        let worker = DeliveryWorker::new(app.state.store.clone(), settings, Arc::new(app.clock.clone())).unwrap();
        let queued = outbox(&app).len();
        let report = worker.deliver_due().await.unwrap();
        assert_eq!(report.sent, queued, "{report:?}");
        let messages = server.wait_for_messages(queued, Duration::from_secs(10));

        // The proposal, to the volunteer, with her links and the reasons.
        let proposed = to(&messages, "claire@chu-exemple.fr", "Demande d'aide : Hôpital Saint-Exemple");
        assert!(proposed.text.contains(&format!("http://entraide.test/volontaire/propositions/{proposal}/accepter")), "{}", proposed.text);
        assert!(proposed.text.contains("Pourquoi vous :"), "{}", proposed.text);
        assert!(proposed.html.as_deref().unwrap().contains(&format!("href=\"http://entraide.test/volontaire/propositions/{proposal}/decliner\"")));
        // The acceptance, to both parties, each with the other's details.
        let to_claire = to(&messages, "claire@chu-exemple.fr", "Mise en relation avec Hôpital Saint-Exemple");
        assert!(to_claire.text.contains("E-mail : paul@hopital-exemple.fr"), "{}", to_claire.text);
        assert!(to_claire.text.contains("Téléphone : 01 40 00 00 00"), "{}", to_claire.text);
        let to_paul = to(&messages, CONTACT, "Un volontaire a accepté votre demande d'aide");
        assert!(to_paul.text.contains("Claire Martin"), "{}", to_paul.text);
        assert!(to_paul.text.contains("E-mail : claire@chu-exemple.fr"), "{}", to_paul.text);
        assert!(to_paul.text.contains(&format!("http://entraide.test/dossiers/{id}")), "{}", to_paul.text);
        // The cancellation, to the volunteer who was released.
        let released = to(&messages, "claire@chu-exemple.fr", "La demande d'aide de Hôpital Saint-Exemple ne vous est plus confiée");
        assert!(released.text.contains("Motif : Résolu en interne."), "{}", released.text);
        // Nobody else got any of these.
        for message in &messages {
            if message.subject.contains("Mise en relation") || message.subject.contains("ne vous est plus confiée") || message.subject.starts_with("Demande d'aide :") {
                assert_eq!(message.to, ["claire@chu-exemple.fr".to_owned()], "{}", message.subject);
            }
        }
    }
}
