//! Several `entraide serve` processes on one database (issue 11): two real server
//! processes share one fresh database and one real SMTP server (aiosmtpd), and are driven
//! at the same time.
//!
//! - Volunteers accepting the same request at the same moment, half of them through each
//!   process: exactly one wins, the others get `409`, one case is recorded.
//! - A profile change made through one process shows in the other's ranking, and a
//!   sign-out made through one is refused by the other, as soon as the database's
//!   notification reaches it (on SQLite, where nothing is cached, at once).
//! - The background jobs of both processes (expiry, next wave, reminders, `unmatched`)
//!   act once per due item: items are made due by moving their times back in the
//!   database, and both processes' jobs (a pass every second) find them together.
//! - Every e-mail is delivered exactly once (counted at the SMTP server by Message-ID),
//!   although both processes deliver from the same outbox.
//!
//! On PostgreSQL (the configuration this is for) and on SQLite (two processes on one file).

#![allow(clippy::unwrap_used)] // Test code: a panic is how a test reports failure.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Barrier;
use std::time::{Duration, Instant};

use chrono::{NaiveDateTime, TimeDelta, Utc};
use diesel::prelude::*;
use entraide_notifier::testing::SmtpServer;
use entraide_store::schema::{cases, help_request_transitions, help_requests, outbox, proposals};
use entraide_store::testing::TestDb;
use entraide_store::{backend_test, DbConnection, Store, StoreError};
use reqwest::blocking::Client;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Volunteers who accept the same request at once.
const VOLUNTEERS: usize = 12;
/// Requests whose proposals expire under both processes' jobs.
const EXPIRING_REQUESTS: usize = 4;
/// Shared by both processes: a session opened on one must be valid on the other.
const JWT_SECRET: &str = "multi-process-test-secret-0123456789abcdefghijklmnop";

fn entraide() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_entraide"));
    // The tests' own environment must not leak into the children.
    for (name, _) in std::env::vars() {
        if name == "DATABASE_URL" || name.starts_with("ENTRAIDE_") {
            command.env_remove(name);
        }
    }
    command
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One `entraide serve` process, its logs in a file; killed when dropped.
struct Server {
    child: Child,
    base: String,
    logs: std::path::PathBuf,
}

impl Server {
    fn start(
        db: &TestDb,
        smtp: &SmtpServer,
        data_dir: &Path,
        public_url: &str,
        name: &str,
    ) -> Server {
        let port = free_port();
        let logs = data_dir.join(format!("{name}.log"));
        std::fs::create_dir_all(data_dir).unwrap();
        let mut child = entraide()
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .env("DATABASE_URL", db.url_string())
            .env("ENTRAIDE_DATA_DIR", data_dir)
            .env("ENTRAIDE_JWT_SECRET", JWT_SECRET)
            .env("ENTRAIDE_PUBLIC_URL", public_url)
            .env("ENTRAIDE_SMTP_URL", smtp.url())
            .env("ENTRAIDE_MAIL_POLL_MS", "100")
            .env("ENTRAIDE_CASE_JOBS_INTERVAL_SECS", "1")
            .env("ENTRAIDE_SIGN_IN_PER_IP_PER_HOUR", "1000")
            .env("ENTRAIDE_PUBLIC_POST_PER_IP_PER_HOUR", "1000")
            .env("ENTRAIDE_LOG", "info")
            .stdout(Stdio::null())
            .stderr(File::create(&logs).unwrap())
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let ready = reqwest::blocking::get(format!("{base}/readyz"))
                .map(|r| r.status().is_success())
                .unwrap_or(false);
            if ready {
                break;
            }
            if let Some(status) = child.try_wait().unwrap() {
                panic!(
                    "{name} exited early with {status}: {}",
                    std::fs::read_to_string(&logs).unwrap()
                );
            }
            assert!(Instant::now() < deadline, "{name} did not become ready");
            std::thread::sleep(Duration::from_millis(100));
        }
        Server { child, base, logs }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// SIGTERM, then a clean exit is expected; returns the logs.
    fn stop(mut self) -> String {
        let killed = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let status = self.child.wait().unwrap();
        let logs = std::fs::read_to_string(&self.logs).unwrap();
        assert!(status.success(), "exit {status:?}: {logs}");
        logs
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs diesel queries on the test's own connection to the shared database.
fn query<T>(store: &Store, work: impl FnOnce(&mut DbConnection) -> QueryResult<T>) -> T {
    store
        .run_blocking(|conn| work(conn).map_err(StoreError::from))
        .unwrap()
}

fn wait_until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn send(request: reqwest::blocking::RequestBuilder, expected: StatusCode) -> Value {
    let response = request.send().unwrap();
    let status = response.status();
    let body = response.text().unwrap();
    assert_eq!(status, expected, "{body}");
    serde_json::from_str(&body).unwrap_or(Value::Null)
}

/// Exchanges the one-time link found in a text (an e-mail, a command's output) for a
/// session token, on the given server.
fn session_from_link(client: &Client, server: &Server, text: &str) -> String {
    let token = text
        .split_whitespace()
        .find_map(|word| {
            word.split_once("#token=")
                .map(|(_, token)| token.to_owned())
        })
        .unwrap_or_else(|| panic!("no sign-in link in {text}"));
    let session = send(
        client
            .post(server.url("/api/v1/auth/session"))
            .json(&json!({ "token": token })),
        StatusCode::OK,
    );
    session["access_token"].as_str().unwrap().to_owned()
}

/// The e-mails received so far, by Message-ID, with how many copies of each arrived.
fn received(smtp: &SmtpServer) -> BTreeMap<String, usize> {
    let mut copies = BTreeMap::new();
    for message in smtp.messages() {
        *copies.entry(message.message_id).or_insert(0) += 1;
    }
    copies
}

/// Message-IDs of the outbox (without angle brackets), and how many are not sent yet.
fn outbox_ids(store: &Store) -> (HashSet<String>, usize) {
    let rows: Vec<(String, String)> = query(store, |conn| {
        outbox::table
            .select((outbox::message_id, outbox::status))
            .load(conn)
    });
    let unsent = rows.iter().filter(|(_, status)| status != "sent").count();
    let ids = rows
        .into_iter()
        .map(|(id, _)| id.trim_matches(['<', '>']).to_owned())
        .collect();
    (ids, unsent)
}

/// Outbox e-mails of one kind.
fn outbox_count(store: &Store, kind: &str) -> i64 {
    query(store, |conn| {
        outbox::table
            .filter(outbox::kind.eq(kind.to_owned()))
            .count()
            .get_result(conn)
    })
}

/// (wave, status, reminded) of each proposal of a request.
fn proposals_of(store: &Store, request: &str) -> Vec<(i32, String, bool)> {
    let request = request.to_owned();
    query(store, |conn| {
        proposals::table
            .filter(proposals::request_id.eq(request))
            .select((proposals::wave, proposals::status, proposals::reminded_at))
            .load::<(i32, String, Option<NaiveDateTime>)>(conn)
    })
    .into_iter()
    .map(|(wave, status, reminded)| (wave, status, reminded.is_some()))
    .collect()
}

fn status_of(store: &Store, request: &str) -> String {
    let request = request.to_owned();
    query(store, |conn| {
        help_requests::table
            .find(request)
            .select(help_requests::status)
            .get_result(conn)
    })
}

/// Moves the times of the pending proposals of these requests so that they were sent
/// `sent_ago` ago and expire `expires_in` from now (negative: expired).
fn reschedule_pending(
    store: &Store,
    requests: &[String],
    sent_ago: TimeDelta,
    expires_in: TimeDelta,
) {
    let now = Utc::now().naive_utc();
    let requests = requests.to_vec();
    let changed = query(store, |conn| {
        diesel::update(
            proposals::table
                .filter(proposals::request_id.eq_any(requests))
                .filter(proposals::status.eq("pending")),
        )
        .set((
            proposals::created_at.eq(now - sent_ago),
            proposals::expires_at.eq(now + expires_in),
        ))
        .execute(conn)
    });
    assert!(changed > 0, "no pending proposal to reschedule");
}

fn application(n: usize) -> Value {
    json!({
        "name": format!("Volontaire {n}"),
        "email": format!("volontaire{n}@exemple.fr"),
        "phone": format!("06 12 34 56 {n:02}"),
        "job_role": "dsi",
        "origin_sector": "sanitaire",
        "origin_status": "public",
        "department": "75",
        "themes": ["teletravail"],
        "presentation": "DSI d'un hôpital, j'ai déployé le télétravail en 2020.",
        "capacity": 3,
        "publication_consent": true
    })
}

/// A help request from a Paris hospital on the given themes.
fn help_request(n: usize, themes: &[&str]) -> Value {
    json!({
        "establishment": {
            "finess": "750712184",
            "name": "Hôpital de test",
            "kind": "es",
            "legal_status": "public"
        },
        "contact": {
            "name": format!("Contact {n}"),
            "email": format!("contact{n}@hopital-test.fr"),
            "phone": "01 23 45 67 89",
            "job_role": "directeur"
        },
        "themes": themes,
        "description": format!("Demande {n} : nous devons organiser le télétravail."),
        "urgency": "normal"
    })
}

/// A volunteer as the test drives them.
struct Helper {
    id: String,
    token: String,
}

fn two_processes(db: &TestDb) {
    let smtp = SmtpServer::start();
    let store = db.store();
    let folder = tempfile::tempdir().unwrap();
    let public_url = "http://entraide.test";
    let a = Server::start(db, &smtp, &folder.path().join("a"), public_url, "a");
    let b = Server::start(db, &smtp, &folder.path().join("b"), public_url, "b");
    let servers = [&a, &b];
    let client = Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();

    // Staff, signed in through A; the session works on B too (shared key and database).
    let output = entraide()
        .args(["staff", "add", "pilote@anap.fr", "--name", "Pilote ANAP"])
        .env("DATABASE_URL", db.url_string())
        .env("ENTRAIDE_DATA_DIR", folder.path().join("cli"))
        .env("ENTRAIDE_JWT_SECRET", JWT_SECRET)
        .env("ENTRAIDE_PUBLIC_URL", public_url)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let staff = session_from_link(&client, &a, &String::from_utf8_lossy(&output.stdout));

    // Volunteers apply and are accepted, half through each process, then sign in by the
    // e-mailed link (delivered by whichever process claims it).
    let mut helpers = Vec::new();
    for n in 0..VOLUNTEERS {
        let server = servers[n % 2];
        let created = send(
            client
                .post(server.url("/api/v1/applications"))
                .json(&application(n)),
            StatusCode::CREATED,
        );
        let id = created["id"].as_str().unwrap();
        let accepted = send(
            client
                .post(servers[(n + 1) % 2].url(&format!("/api/v1/applications/{id}/accept")))
                .bearer_auth(&staff),
            StatusCode::OK,
        );
        let volunteer = accepted["volunteer_id"].as_str().unwrap().to_owned();
        send(
            client
                .post(server.url("/api/v1/auth/sign-in"))
                .json(&json!({ "email": format!("volontaire{n}@exemple.fr") })),
            StatusCode::ACCEPTED,
        );
        let address = format!("volontaire{n}@exemple.fr");
        let mut link = None;
        wait_until("the sign-in e-mail", Duration::from_secs(30), || {
            link = smtp
                .messages()
                .into_iter()
                .find(|m| m.to.contains(&address) && m.subject.contains("connexion"));
            link.is_some()
        });
        let token = session_from_link(&client, servers[(n + 1) % 2], &link.unwrap().text);
        helpers.push(Helper {
            id: volunteer,
            token,
        });
    }

    // 1. Concurrent acceptance. The request is proposed just after its submission (the
    //    first wave, by the dispatcher of the process that took it), then staff propose
    //    it to every other volunteer, through both processes.
    let submitted = send(
        client
            .post(b.url("/api/v1/requests"))
            .json(&help_request(0, &["teletravail"])),
        StatusCode::CREATED,
    );
    assert_eq!(submitted["status"], "submitted", "{submitted}");
    let contested = submitted["id"].as_str().unwrap().to_owned();
    wait_until("the first wave", Duration::from_secs(10), || {
        !proposals_of(&store, &contested).is_empty()
    });
    let listed = send(
        client
            .get(a.url(&format!(
                "/api/v1/proposals?request_id={contested}&per_page=200"
            )))
            .bearer_auth(&staff),
        StatusCode::OK,
    );
    let asked: HashSet<String> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["volunteer_id"].as_str().unwrap().to_owned())
        .collect();
    assert!(!asked.is_empty(), "the first wave asked nobody");
    for (n, helper) in helpers.iter().enumerate() {
        if !asked.contains(&helper.id) {
            send(
                client
                    .post(servers[n % 2].url(&format!("/api/v1/requests/{contested}/proposals")))
                    .bearer_auth(&staff)
                    .json(&json!({ "volunteer_id": helper.id })),
                StatusCode::CREATED,
            );
        }
    }
    let listed = send(
        client
            .get(b.url(&format!(
                "/api/v1/proposals?request_id={contested}&per_page=200"
            )))
            .bearer_auth(&staff),
        StatusCode::OK,
    );
    let proposal_of: HashMap<String, String> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["volunteer_id"].as_str().unwrap().to_owned(),
                p["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(proposal_of.len(), VOLUNTEERS);

    let barrier = Barrier::new(VOLUNTEERS);
    let outcomes: Vec<(usize, StatusCode, Value)> = std::thread::scope(|scope| {
        let handles: Vec<_> = helpers
            .iter()
            .enumerate()
            .map(|(n, helper)| {
                let (client, barrier, server) = (&client, &barrier, servers[n % 2]);
                let proposal = proposal_of[&helper.id].clone();
                scope.spawn(move || {
                    let request = client
                        .post(server.url(&format!("/api/v1/proposals/{proposal}/accept")))
                        .bearer_auth(&helper.token);
                    barrier.wait();
                    let response = request.send().unwrap();
                    let status = response.status();
                    (n, status, response.json::<Value>().unwrap_or(Value::Null))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let winners: Vec<_> = outcomes
        .iter()
        .filter(|(_, status, _)| *status == StatusCode::OK)
        .collect();
    assert_eq!(
        winners.len(),
        1,
        "exactly one acceptance wins: {outcomes:?}"
    );
    for (n, status, body) in &outcomes {
        if *status != StatusCode::OK {
            assert_eq!(*status, StatusCode::CONFLICT, "volunteer {n}: {body}");
            assert_eq!(body["current_status"], "accepted", "volunteer {n}: {body}");
        }
    }
    let winner = &helpers[winners[0].0];
    let held: Vec<String> = {
        let contested = contested.clone();
        query(&store, |conn| {
            cases::table
                .filter(cases::request_id.eq(contested))
                .select(cases::volunteer_id)
                .load(conn)
        })
    };
    assert_eq!(held, vec![winner.id.clone()]);
    let states = proposals_of(&store, &contested);
    assert_eq!(states.iter().filter(|(_, s, _)| s == "accepted").count(), 1);
    assert_eq!(
        states.iter().filter(|(_, s, _)| s == "withdrawn").count(),
        VOLUNTEERS - 1
    );
    assert_eq!(
        outbox_count(&store, "case_accepted"),
        2,
        "both parties, once"
    );

    // 2. A profile change made through A shows in B's ranking, and back: B drops its
    //    copies when PostgreSQL's notification arrives (milliseconds), at once on SQLite.
    let niche = send(
        client
            .post(a.url("/api/v1/requests"))
            .json(&help_request(1, &["cybersecurite"])),
        StatusCode::CREATED,
    );
    let niche = niche["id"].as_str().unwrap().to_owned();
    let ranking = |server: &Server| {
        send(
            client
                .get(server.url(&format!("/api/v1/requests/{niche}/matches")))
                .bearer_auth(&staff),
            StatusCode::OK,
        )
    };
    // Both processes have loaded their index before the change.
    assert_eq!(ranking(&a)["eligible"], 0);
    assert_eq!(ranking(&b)["eligible"], 0);
    let changing = helpers.iter().find(|h| h.id != winner.id).unwrap();
    send(
        client
            .patch(a.url("/api/v1/volunteers/me"))
            .bearer_auth(&changing.token)
            .json(&json!({ "themes": ["teletravail", "cybersecurite"] })),
        StatusCode::OK,
    );
    let mut seen = Value::Null;
    wait_until("B ranks the new theme", Duration::from_secs(5), || {
        seen = ranking(&b);
        seen["eligible"] == 1
    });
    assert_eq!(seen["matches"][0]["volunteer_id"], changing.id.as_str());
    let today = Utc::now().date_naive().to_string();
    send(
        client
            .patch(b.url("/api/v1/volunteers/me"))
            .bearer_auth(&changing.token)
            .json(&json!({ "paused_until": today })),
        StatusCode::OK,
    );
    wait_until("A sees the pause", Duration::from_secs(5), || {
        ranking(&a)["eligible"] == 0
    });
    // A sign-out through B: A refuses the session too, once it knows (B at once).
    let me = |server: &Server| {
        client
            .get(server.url("/api/v1/auth/me"))
            .bearer_auth(&changing.token)
            .send()
            .unwrap()
            .status()
    };
    assert_eq!(
        me(&a),
        StatusCode::OK,
        "A checks the session (and keeps it)"
    );
    send(
        client
            .post(b.url("/api/v1/auth/sign-out"))
            .bearer_auth(&changing.token),
        StatusCode::NO_CONTENT,
    );
    assert_eq!(me(&b), StatusCode::UNAUTHORIZED);
    wait_until(
        "A refuses the signed-out session",
        Duration::from_secs(5),
        || me(&a) == StatusCode::UNAUTHORIZED,
    );

    // 3. Background jobs of both processes on the same due items. Requests proposed to
    //    a first wave of three volunteers each...
    let mut expiring = Vec::new();
    for n in 0..EXPIRING_REQUESTS {
        let created = send(
            client
                .post(servers[n % 2].url("/api/v1/requests"))
                .json(&help_request(10 + n, &["teletravail"])),
            StatusCode::CREATED,
        );
        assert_eq!(created["status"], "submitted", "{created}");
        expiring.push(created["id"].as_str().unwrap().to_owned());
    }
    wait_until("the first waves", Duration::from_secs(10), || {
        expiring.iter().all(|r| !proposals_of(&store, r).is_empty())
    });
    let per_wave = proposals_of(&store, &expiring[0]).len();
    assert!(per_wave > 0);
    // ... whose proposals expire now: each request gets exactly one second wave.
    reschedule_pending(
        &store,
        &expiring,
        TimeDelta::hours(25),
        TimeDelta::minutes(-1),
    );
    wait_until("second waves", Duration::from_secs(30), || {
        expiring.iter().all(|r| {
            proposals_of(&store, r)
                .iter()
                .any(|(wave, status, _)| *wave == 2 && status == "pending")
        })
    });
    // Both processes have passed at least twice since: anything done twice shows now.
    std::thread::sleep(Duration::from_secs(3));
    for request in &expiring {
        let states = proposals_of(&store, request);
        let first: Vec<_> = states.iter().filter(|(w, _, _)| *w == 1).collect();
        let second: Vec<_> = states.iter().filter(|(w, _, _)| *w == 2).collect();
        assert!(first.iter().all(|(_, s, _)| s == "expired"), "{states:?}");
        assert_eq!(first.len(), per_wave, "{states:?}");
        assert!(!second.is_empty() && second.len() <= per_wave, "{states:?}");
        assert!(second.iter().all(|(_, s, _)| s == "pending"), "{states:?}");
    }
    // Reminders: the second waves were sent 23 hours ago and expire in an hour.
    reschedule_pending(&store, &expiring, TimeDelta::hours(23), TimeDelta::hours(1));
    let second_wave: usize = expiring
        .iter()
        .map(|r| {
            proposals_of(&store, r)
                .iter()
                .filter(|(w, _, _)| *w == 2)
                .count()
        })
        .sum();
    wait_until("reminders", Duration::from_secs(30), || {
        expiring.iter().all(|r| {
            proposals_of(&store, r)
                .iter()
                .filter(|(w, _, _)| *w == 2)
                .all(|(_, _, reminded)| *reminded)
        })
    });
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        outbox_count(&store, "proposal_reminder"),
        i64::try_from(second_wave).unwrap(),
        "one reminder per proposal"
    );
    // The second waves expire too: the last wave is over, each request becomes
    // unmatched once and staff are told once.
    reschedule_pending(
        &store,
        &expiring,
        TimeDelta::hours(25),
        TimeDelta::minutes(-1),
    );
    wait_until("unmatched requests", Duration::from_secs(30), || {
        expiring.iter().all(|r| status_of(&store, r) == "unmatched")
    });
    std::thread::sleep(Duration::from_secs(3));
    for request in &expiring {
        let request = request.clone();
        let unmatched: i64 = query(&store, |conn| {
            help_request_transitions::table
                .filter(help_request_transitions::request_id.eq(request))
                .filter(help_request_transitions::to_status.eq("unmatched"))
                .count()
                .get_result(conn)
        });
        assert_eq!(unmatched, 1);
    }
    assert_eq!(
        outbox_count(&store, "request_unmatched"),
        i64::try_from(EXPIRING_REQUESTS).unwrap(),
        "staff (one person) told once per request"
    );

    // 4. Every e-mail of the outbox arrived exactly once, although both processes
    //    deliver.
    let mut expected = HashSet::new();
    wait_until("every e-mail sent", Duration::from_secs(60), || {
        let (ids, unsent) = outbox_ids(&store);
        expected = ids;
        unsent == 0
    });
    let mut copies = BTreeMap::new();
    wait_until("every e-mail received", Duration::from_secs(30), || {
        copies = received(&smtp);
        copies.len() >= expected.len()
    });
    let duplicated: Vec<_> = copies.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        duplicated.is_empty(),
        "e-mails received twice: {duplicated:?}"
    );
    let got: HashSet<String> = copies.into_keys().collect();
    assert_eq!(got, expected, "received e-mails differ from the outbox");

    // Both processes took part in the delivery, and together sent each e-mail once.
    let logs = [a.stop(), b.stop()];
    let sent: Vec<usize> = logs
        .iter()
        .map(|log| log.matches("e-mail sent").count())
        .collect();
    eprintln!(
        "{} e-mails, sent by A: {}, by B: {}",
        expected.len(),
        sent[0],
        sent[1]
    );
    assert_eq!(sent.iter().sum::<usize>(), expected.len());
    assert!(
        sent.iter().all(|n| *n > 0),
        "one process sent nothing: {sent:?}"
    );
    for log in &logs {
        assert!(log.contains("entraide stopped"), "{log}");
    }
}

backend_test! {
    fn two_server_processes_share_one_database(db) {
        two_processes(db);
    }
}
