//! The outbox and the delivery worker against a real SMTP server (aiosmtpd), on SQLite
//! and PostgreSQL: what arrives, retries, dead messages, leases and concurrent workers.
//! Time is a manual clock: backoff is tested by moving it, not by sleeping.

#![allow(clippy::unwrap_used)] // Test code: a panic is how a test reports failure.

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use diesel::prelude::*;
use entraide_core::Email;
use entraide_notifier::messages::{CaseProposed, SignInLink};
use entraide_notifier::testing::{read_messages, SmtpServer};
use entraide_notifier::{
    outbox, queue_at, DeliveryReport, DeliveryWorker, ListFilter, MailSettings, NotifierError,
    OutboxMessage, OutboxStatus, SmtpUrl, TransportSettings,
};
use entraide_store::testing::TestDb;
use entraide_store::{backend_test, Clock, ManualClock, Store};
use uuid::Uuid;

fn settings(transport: TransportSettings) -> MailSettings {
    let mut settings = MailSettings::new(
        transport,
        "entraide <ne-pas-repondre@entraide.anap.fr>"
            .parse()
            .unwrap(),
    );
    settings.smtp_timeout = Duration::from_secs(5);
    settings.max_attempts = 4;
    settings.retry_base = Duration::from_secs(30);
    settings.retry_cap = Duration::from_secs(600);
    settings.poll_interval = Duration::from_millis(50);
    settings
}

fn smtp(server: &SmtpServer) -> MailSettings {
    settings(TransportSettings::Smtp(
        SmtpUrl::parse(&server.url()).unwrap(),
    ))
}

fn clock() -> ManualClock {
    ManualClock::new(Utc::now())
}

fn sign_in(n: usize) -> SignInLink {
    SignInLink {
        recipient_name: Some(format!("Personne {n}")),
        link: format!("https://entraide.anap.fr/connexion#token=t{n}"),
        valid_minutes: 15,
    }
}

fn email(address: &str) -> Email {
    Email::parse(address).unwrap()
}

/// Queues a sign-in link to each address; returns the outbox ids.
fn queue_all(store: &Store, clock: &ManualClock, addresses: &[String]) -> Vec<Uuid> {
    let now = clock.now();
    addresses
        .iter()
        .enumerate()
        .map(|(n, address)| {
            store
                .run_blocking(|conn| queue_at(conn, &email(address), &sign_in(n), now))
                .unwrap()
        })
        .collect()
}

fn addresses(count: usize, domain: &str) -> Vec<String> {
    (0..count).map(|n| format!("contact{n}@{domain}")).collect()
}

fn get(store: &Store, id: Uuid) -> OutboxMessage {
    store.run_blocking(|conn| outbox::get(conn, id)).unwrap()
}

fn worker(db: &TestDb, settings: MailSettings, clock: &ManualClock) -> DeliveryWorker {
    DeliveryWorker::new(db.store(), settings, Arc::new(clock.clone())).unwrap()
}

/// Message-IDs as received (without brackets), sorted.
fn received_ids(server: &SmtpServer) -> Vec<String> {
    let mut ids: Vec<String> = server
        .messages()
        .into_iter()
        .map(|m| m.message_id)
        .collect();
    ids.sort();
    ids
}

fn expected_ids(store: &Store, ids: &[Uuid]) -> Vec<String> {
    let mut expected: Vec<String> = ids
        .iter()
        .map(|id| {
            get(store, *id)
                .message_id
                .trim_matches(['<', '>'])
                .to_owned()
        })
        .collect();
    expected.sort();
    expected
}

backend_test! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn queued_messages_arrive_with_headers_and_both_bodies(db) {
        let server = SmtpServer::start();
        let clock = clock();
        let store = db.store();
        let now = clock.now();
        let proposal = CaseProposed {
            volunteer_name: "Julien Moreau".into(),
            establishment_name: "EHPAD Les Tilleuls".into(),
            establishment_kind: "EHPAD, établissement médico-social".into(),
            location: "Bourgoin-Jallieu, Isère (38), Auvergne-Rhône-Alpes".into(),
            themes: vec!["Télétravail".into()],
            urgency: "Dans la semaine".into(),
            description: "Passer 12 agents en télétravail <sans VPN>.".into(),
            reasons: vec!["Expertise en télétravail".into()],
            accept_link: "https://entraide.anap.fr/propositions/77/accepter".into(),
            decline_link: "https://entraide.anap.fr/propositions/77/decliner".into(),
            answer_within_hours: 24,
        };
        let id = store
            .run_blocking(|conn| queue_at(conn, &email("Julien.Moreau@GHT-Nord-Dauphine.fr"), &proposal, now))
            .unwrap();
        let queued = get(&store, id);
        assert_eq!(queued.status, OutboxStatus::Pending);
        assert_eq!(queued.kind, "case_proposed");
        assert_eq!(queued.recipient, "julien.moreau@ght-nord-dauphine.fr");
        assert_eq!(queued.attempts, 0);

        let report = worker(db, smtp(&server), &clock).deliver_due().await.unwrap();
        assert_eq!(report, DeliveryReport { sent: 1, retrying: 0, dead: 0 });

        let received = server.wait_for_messages(1, Duration::from_secs(5));
        let message = &received[0];
        assert_eq!(message.envelope_to, vec!["julien.moreau@ght-nord-dauphine.fr".to_owned()]);
        assert_eq!(message.envelope_from, "ne-pas-repondre@entraide.anap.fr");
        assert_eq!(message.to, vec!["julien.moreau@ght-nord-dauphine.fr".to_owned()]);
        assert_eq!(message.from, "ne-pas-repondre@entraide.anap.fr");
        assert_eq!(message.from_name.as_deref(), Some("entraide"));
        assert_eq!(
            message.subject,
            "Demande d'aide : EHPAD Les Tilleuls (Télétravail)"
        );
        assert!(message.text.contains("Bonjour Julien Moreau,"), "{}", message.text);
        assert!(message.text.contains("Passer 12 agents en télétravail <sans VPN>."));
        assert!(message.text.contains("Accepter : https://entraide.anap.fr/propositions/77/accepter"));
        let html = message.html.as_deref().unwrap();
        assert!(html.contains("Passer 12 agents en télétravail &lt;sans VPN&gt;."), "{html}");
        assert!(html.contains("href=\"https://entraide.anap.fr/propositions/77/accepter\""));
        assert_eq!(format!("<{}>", message.message_id), queued.message_id);
        assert_eq!(message.header("Auto-Submitted").as_deref(), Some("auto-generated"));
        assert!(message.header("Date").is_some());
        assert!(message.header("Content-Type").unwrap().starts_with("multipart/alternative"));

        let sent = get(&store, id);
        assert_eq!(sent.status, OutboxStatus::Sent);
        assert_eq!(sent.attempts, 1);
        assert_eq!(sent.sent_at, Some(clock.now()));
        // Nothing is due any more.
        let again = worker(db, smtp(&server), &clock).deliver_due().await.unwrap();
        assert_eq!(again.total(), 0);
        assert_eq!(server.messages().len(), 1);
    }
}

backend_test! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn smtp_down_then_back_delivers_every_message_once(db) {
        let mut server = SmtpServer::start();
        server.stop();
        let clock = clock();
        let store = db.store();
        let ids = queue_all(&store, &clock, &addresses(5, "chu-exemple.fr"));
        let worker = worker(db, smtp(&server), &clock);

        // Down: every attempt fails and is scheduled later, with backoff and jitter.
        let report = worker.deliver_due().await.unwrap();
        assert_eq!(report, DeliveryReport { sent: 0, retrying: 5, dead: 0 });
        for id in &ids {
            let message = get(&store, *id);
            assert_eq!(message.status, OutboxStatus::Pending);
            assert_eq!(message.attempts, 1);
            assert!(message.last_error.is_some());
            let wait = message.next_attempt_at - clock.now();
            assert!(wait >= TimeDelta::seconds(15) && wait <= TimeDelta::seconds(30), "{wait}");
        }
        // Not due yet: nothing is tried.
        assert_eq!(worker.deliver_due().await.unwrap().total(), 0);

        // Second failure: the delay doubles (60 s, jittered between 30 and 60).
        clock.advance(TimeDelta::seconds(31));
        assert_eq!(worker.deliver_due().await.unwrap().retrying, 5);
        for id in &ids {
            let message = get(&store, *id);
            assert_eq!(message.attempts, 2);
            let wait = message.next_attempt_at - clock.now();
            assert!(wait >= TimeDelta::seconds(30) && wait <= TimeDelta::seconds(60), "{wait}");
        }

        // Back: everything arrives, once.
        server.restart();
        clock.advance(TimeDelta::seconds(61));
        assert_eq!(worker.deliver_due().await.unwrap().sent, 5);
        server.wait_for_messages(5, Duration::from_secs(5));
        clock.advance(TimeDelta::hours(1));
        assert_eq!(worker.deliver_due().await.unwrap().total(), 0);
        assert_eq!(received_ids(&server), expected_ids(&store, &ids));
        for id in &ids {
            let message = get(&store, *id);
            assert_eq!(message.status, OutboxStatus::Sent);
            assert_eq!(message.attempts, 3);
        }
    }
}

backend_test! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_permanent_failure_ends_dead_without_blocking_the_others(db) {
        let server = SmtpServer::start();
        server.reject_domains(&["ferme.example"]);
        let clock = clock();
        let store = db.store();
        // The failing message is the oldest: it is tried first.
        let dead_id = queue_all(&store, &clock, &["inconnu@ferme.example".to_owned()])[0];
        clock.advance(TimeDelta::seconds(1));
        let ok_ids = queue_all(&store, &clock, &addresses(3, "ch-exemple.fr"));

        let report = worker(db, smtp(&server), &clock).deliver_due().await.unwrap();
        assert_eq!(report, DeliveryReport { sent: 3, retrying: 0, dead: 1 });
        assert_eq!(received_ids(&server), expected_ids(&store, &ok_ids));

        let dead = get(&store, dead_id);
        assert_eq!(dead.status, OutboxStatus::Dead);
        assert_eq!(dead.attempts, 1);
        let error = dead.last_error.unwrap();
        assert!(error.contains("550"), "{error}");
        let listed = store
            .run_blocking(|conn| outbox::list(conn, ListFilter::Status(OutboxStatus::Dead), 100))
            .unwrap();
        assert_eq!(listed.iter().map(|m| m.id).collect::<Vec<_>>(), vec![dead_id]);
        let unsent = store.run_blocking(|conn| outbox::list(conn, ListFilter::Unsent, 100)).unwrap();
        assert_eq!(unsent.len(), 1);

        // Staff fix the cause and retry it: it goes out, once.
        server.reject_domains(&[]);
        let now = clock.now();
        let retried = store.run_blocking(|conn| outbox::retry(conn, dead_id, now)).unwrap();
        assert_eq!(retried.status, OutboxStatus::Pending);
        assert_eq!(retried.attempts, 0);
        let report = worker(db, smtp(&server), &clock).deliver_due().await.unwrap();
        assert_eq!(report.sent, 1);
        assert_eq!(get(&store, dead_id).status, OutboxStatus::Sent);
        assert_eq!(server.messages().len(), 4);

        // A sent message cannot be retried: it would arrive twice.
        let refused = store.run_blocking(|conn| outbox::retry(conn, dead_id, now)).unwrap_err();
        assert!(
            matches!(refused, NotifierError::NotRetryable { status: OutboxStatus::Sent, .. }),
            "{refused}"
        );
        let missing = store.run_blocking(|conn| outbox::retry(conn, Uuid::new_v4(), now)).unwrap_err();
        assert!(matches!(missing, NotifierError::Store(entraide_store::StoreError::NotFound)), "{missing}");
    }
}

backend_test! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn transient_failures_end_dead_after_the_last_attempt(db) {
        let server = SmtpServer::start();
        server.defer_domains(&["lent.example"]);
        let clock = clock();
        let store = db.store();
        let id = queue_all(&store, &clock, &["accueil@lent.example".to_owned()])[0];
        let worker = worker(db, smtp(&server), &clock);
        for attempt in 1..=3 {
            assert_eq!(worker.deliver_due().await.unwrap().retrying, 1, "attempt {attempt}");
            // Meanwhile, new messages to others go out at once.
            queue_all(&store, &clock, &[format!("ok{attempt}@ch-exemple.fr")]);
            assert_eq!(worker.deliver_due().await.unwrap().sent, 1);
            clock.advance(TimeDelta::seconds(600));
        }
        assert_eq!(worker.deliver_due().await.unwrap().dead, 1);
        let dead = get(&store, id);
        assert_eq!(dead.status, OutboxStatus::Dead);
        assert_eq!(dead.attempts, 4);
        assert!(dead.last_error.unwrap().contains("451"));
        clock.advance(TimeDelta::hours(24));
        assert_eq!(worker.deliver_due().await.unwrap().total(), 0);
        assert_eq!(server.messages().len(), 3);
    }
}

backend_test! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_workers_send_each_message_once(db) {
        let server = SmtpServer::start();
        let clock = clock();
        let store = db.store();
        let ids = queue_all(&store, &clock, &addresses(24, "chu-exemple.fr"));
        // Three workers with their own pools, as three server processes would have.
        let workers: Vec<DeliveryWorker> = (0..3)
            .map(|_| {
                let store = Store::connect(db.url(), &Default::default()).unwrap();
                DeliveryWorker::new(store, smtp(&server), Arc::new(clock.clone())).unwrap()
            })
            .collect();
        let (a, b, c) = tokio::join!(
            workers[0].deliver_due(),
            workers[1].deliver_due(),
            workers[2].deliver_due()
        );
        let sent = a.unwrap().sent + b.unwrap().sent + c.unwrap().sent;
        assert_eq!(sent, 24);
        assert_eq!(received_ids(&server), expected_ids(&store, &ids));
    }
}

backend_test! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_message_left_sending_by_a_dead_worker_is_taken_over_after_its_lease(db) {
        use entraide_store::schema::outbox as table;
        let server = SmtpServer::start();
        let clock = clock();
        let store = db.store();
        let id = queue_all(&store, &clock, &["secretariat@ch-exemple.fr".to_owned()])[0];
        let settings = smtp(&server);
        let lease = TimeDelta::from_std(settings.lease()).unwrap();
        // What a worker killed mid-delivery leaves behind.
        let now = clock.now();
        store
            .run_blocking(|conn| {
                diesel::update(table::table.filter(table::id.eq(id.to_string())))
                    .set((
                        table::status.eq("sending"),
                        table::attempts.eq(1),
                        table::locked_by.eq(Uuid::new_v4().to_string()),
                        table::locked_until.eq(now + lease),
                    ))
                    .execute(conn)
                    .map_err(entraide_store::StoreError::from)
            })
            .unwrap();
        let worker = worker(db, settings, &clock);
        clock.advance(lease - TimeDelta::seconds(1));
        assert_eq!(worker.deliver_due().await.unwrap().total(), 0, "taken during its lease");
        clock.advance(TimeDelta::seconds(2));
        assert_eq!(worker.deliver_due().await.unwrap().sent, 1);
        assert_eq!(get(&store, id).attempts, 2);
        assert_eq!(server.wait_for_messages(1, Duration::from_secs(5)).len(), 1);
    }
}

backend_test! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_rolled_back_change_sends_nothing(db) {
        let clock = clock();
        let store = db.store();
        let now = clock.now();
        let result: Result<(), NotifierError> = store.run_blocking(|conn| {
            conn.transaction(|conn| {
                queue_at(conn, &email("a@ch-exemple.fr"), &sign_in(1), now)?;
                // The state change that should have gone with it fails.
                Err(NotifierError::Store(entraide_store::StoreError::Conflict("already accepted".into())))
            })
        });
        assert!(result.is_err());
        let all = store.run_blocking(|conn| outbox::list(conn, ListFilter::All, 100)).unwrap();
        assert!(all.is_empty());
    }
}

backend_test! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn smtp_credentials_from_the_url_are_used(db) {
        let server = SmtpServer::start_with_auth("entraide", "m0t-de-passe");
        let clock = clock();
        let store = db.store();
        let ids = queue_all(&store, &clock, &["dsi@chu-exemple.fr".to_owned()]);
        let url = format!("smtp://entraide:wrong@127.0.0.1:{}", server.port());
        let wrong = settings(TransportSettings::Smtp(SmtpUrl::parse(&url).unwrap()));
        // A refused login is our configuration's fault, not the message's: it waits.
        assert_eq!(worker(db, wrong, &clock).deliver_due().await.unwrap().retrying, 1);
        let error = get(&store, ids[0]).last_error.unwrap();
        assert!(error.contains("535"), "{error}");

        let url = format!("smtp://entraide:m0t-de-passe@127.0.0.1:{}", server.port());
        let right = settings(TransportSettings::Smtp(SmtpUrl::parse(&url).unwrap()));
        clock.advance(TimeDelta::seconds(60));
        assert_eq!(worker(db, right, &clock).deliver_due().await.unwrap().sent, 1);
        assert_eq!(received_ids(&server), expected_ids(&store, &ids));
    }
}

backend_test! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_file_transport_writes_eml_files(db) {
        let folder = tempfile::tempdir().unwrap();
        let dir = folder.path().join("outbox");
        let clock = clock();
        let store = db.store();
        let ids = queue_all(&store, &clock, &addresses(2, "ehpad-exemple.fr"));
        let worker = worker(db, settings(TransportSettings::File(dir.clone())), &clock);
        assert_eq!(worker.deliver_due().await.unwrap().sent, 2);
        let files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
        assert_eq!(files.len(), 2);
        assert!(files.iter().all(|f| f.extension().unwrap() == "eml"), "{files:?}");
        let messages = read_messages(&dir);
        let mut got: Vec<String> = messages.iter().map(|m| m.message_id.clone()).collect();
        got.sort();
        assert_eq!(got, expected_ids(&store, &ids));
        assert_eq!(messages[0].subject, "Votre lien de connexion à entraide");
    }
}

backend_test! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_spawned_worker_delivers_and_stops_cleanly(db) {
        let server = SmtpServer::start();
        let store = db.store();
        let clock = entraide_store::SystemClock;
        let handle = entraide_notifier::spawn_delivery_worker(store.clone(), smtp(&server), Arc::new(clock)).unwrap();
        let now = clock.now();
        store
            .run_blocking(|conn| queue_at(conn, &email("cadre@ch-exemple.fr"), &sign_in(1), now))
            .unwrap();
        let received = tokio::task::spawn_blocking(move || {
            let received = server.wait_for_messages(1, Duration::from_secs(10));
            (server, received)
        })
        .await
        .unwrap()
        .1;
        assert_eq!(received.len(), 1);
        tokio::time::timeout(Duration::from_secs(5), handle.shutdown()).await.unwrap();
    }
}

#[test]
fn retry_delays_double_with_jitter_up_to_the_cap() {
    let settings = settings(TransportSettings::File("unused".into()));
    let secs = |attempts, unit| settings.retry_delay(attempts, unit).as_secs_f64();
    assert_eq!(secs(1, 1.0), 30.0);
    assert_eq!(secs(1, 0.0), 15.0);
    assert_eq!(secs(2, 1.0), 60.0);
    assert_eq!(secs(3, 1.0), 120.0);
    assert_eq!(secs(5, 1.0), 480.0);
    assert_eq!(secs(6, 1.0), 600.0, "capped");
    assert_eq!(secs(60, 0.5), 450.0, "capped, no overflow");
    assert!(settings.lease() > settings.smtp_timeout * 2);
}

#[test]
fn an_invalid_recipient_is_refused_before_anything_is_queued() {
    // `queue` takes an `Email`, so an address must pass `Email::parse` first.
    for bad in [
        "jean.dupont",
        "jean dupont@chu.fr",
        "jean@chu",
        "jéan@chu.fr",
        "a@@chu.fr",
    ] {
        let error = Email::parse(bad).unwrap_err();
        assert!(
            error.to_string().contains("n'est pas valide"),
            "{bad}: {error}"
        );
    }
}

#[test]
fn the_smtp_password_never_prints() {
    let url = SmtpUrl::parse("smtp://relais%40anap.fr:S3cret-P4ss@smtp.anap.fr:587?tls=required")
        .unwrap();
    assert_eq!(url.to_string(), "smtp://***@smtp.anap.fr:587?tls=required");
    let settings = settings(TransportSettings::Smtp(url.clone()));
    for shown in [
        format!("{url:?}"),
        format!("{settings:?}"),
        settings.transport.to_string(),
    ] {
        assert!(!shown.contains("S3cret-P4ss"), "{shown}");
        assert!(!shown.contains("relais"), "{shown}");
    }
    assert!(url.expose().contains("S3cret-P4ss"));
    assert_eq!(
        SmtpUrl::parse("smtps://smtp.anap.fr").unwrap().to_string(),
        "smtps://smtp.anap.fr"
    );

    for bad in [
        "smtp://u:S3cret-P4ss@smtp.anap.fr?tls=maybe",
        "http://u:S3cret-P4ss@smtp.anap.fr",
        "smtp://u:S3cret-P4ss@",
        "u:S3cret-P4ss@smtp.anap.fr",
    ] {
        let error = SmtpUrl::parse(bad).unwrap_err();
        assert!(!error.contains("S3cret-P4ss"), "{bad}: {error}");
    }
}
