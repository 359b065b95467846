//! E-mail delivery by the real `entraide serve` process against a real SMTP server
//! (aiosmtpd): a process killed with SIGKILL in the middle of a delivery, a mail server
//! down then back, dead messages, `entraide outbox list|retry`, and secrets kept out of
//! the logs. On SQLite and PostgreSQL.

#![allow(clippy::unwrap_used)] // Test code: a panic is how a test reports failure.

use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use entraide_core::Email;
use entraide_notifier::messages::SignInLink;
use entraide_notifier::testing::{read_messages, SmtpServer};
use entraide_notifier::{outbox, OutboxMessage, OutboxStatus};
use entraide_store::testing::TestDb;
use entraide_store::{backend_test, Store};
use uuid::Uuid;

fn entraide() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_entraide"));
    // The tests' own environment must not leak into the child.
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

/// An `entraide serve` process whose logs go to a file.
struct Server {
    child: Child,
    logs: PathBuf,
}

impl Server {
    /// Starts `entraide serve` on the database with these extra variables and waits until
    /// it is ready.
    fn start(db: &TestDb, data_dir: &Path, vars: &[(&str, &str)], name: &str) -> Server {
        let port = free_port();
        let logs = data_dir.join(format!("{name}.log"));
        let mut command = entraide();
        command
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .env("DATABASE_URL", db.url_string())
            .env("ENTRAIDE_DATA_DIR", data_dir)
            .env("ENTRAIDE_MAIL_POLL_MS", "100")
            .stdout(Stdio::null())
            .stderr(File::create(&logs).unwrap());
        for (name, value) in vars {
            command.env(name, value);
        }
        let mut child = command.spawn().unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ready = reqwest::blocking::get(format!("http://127.0.0.1:{port}/readyz"))
                .map(|r| r.status().is_success())
                .unwrap_or(false);
            if ready {
                break;
            }
            if let Some(status) = child.try_wait().unwrap() {
                panic!(
                    "entraide exited early with {status}: {}",
                    std::fs::read_to_string(&logs).unwrap()
                );
            }
            assert!(Instant::now() < deadline, "entraide did not become ready");
            std::thread::sleep(Duration::from_millis(100));
        }
        Server { child, logs }
    }

    /// SIGKILL: no shutdown, no clean-up, like a crash or the OOM killer.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM, then the logs; the exit must be clean.
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

fn queue(store: &Store, address: &str, n: usize) -> Uuid {
    let email = Email::parse(address).unwrap();
    let message = SignInLink {
        recipient_name: Some(format!("Personne {n}")),
        link: format!("https://entraide.anap.fr/connexion#token=t{n}"),
        valid_minutes: 15,
    };
    store
        .run_blocking(|conn| entraide_notifier::queue(conn, &email, &message))
        .unwrap()
}

fn get(store: &Store, id: Uuid) -> OutboxMessage {
    store.run_blocking(|conn| outbox::get(conn, id)).unwrap()
}

fn wait_until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Message-IDs the server received (without brackets), sorted, duplicates kept.
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
    let mut ids: Vec<String> = ids
        .iter()
        .map(|id| {
            get(store, *id)
                .message_id
                .trim_matches(['<', '>'])
                .to_owned()
        })
        .collect();
    ids.sort();
    ids
}

fn run(command: &mut Command) -> Output {
    command.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

backend_test! {
    fn a_process_killed_mid_delivery_loses_nothing_and_sends_nothing_twice(db) {
        let smtp = SmtpServer::start();
        smtp.reject_domains(&["ferme.example"]);
        // The third DATA command gets no reply: the process is killed while waiting for it.
        smtp.hang_on_data(3, Duration::from_secs(60));
        let store = db.store();
        let dead = queue(&store, "inconnu@ferme.example", 0);
        let ids: Vec<Uuid> = (1..=5)
            .map(|n| queue(&store, &format!("contact{n}@ch-exemple.fr"), n))
            .collect();
        let data_dir = tempfile::tempdir().unwrap();
        let vars = [
            ("ENTRAIDE_SMTP_URL", smtp.url()),
            ("ENTRAIDE_MAIL_FROM", "entraide <ne-pas-repondre@entraide.anap.fr>".to_owned()),
            // Lease = 2 × timeout + 10 s: how long the restarted process waits.
            ("ENTRAIDE_SMTP_TIMEOUT_SECS", "4".to_owned()),
        ];
        let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();

        let first = Server::start(db, data_dir.path(), &vars, "first");
        let hung = smtp.wait_for_event("hang", Duration::from_secs(30));
        let in_flight = ids
            .iter()
            .copied()
            .find(|id| hung.message_id == get(&store, *id).message_id)
            .unwrap();
        // The messages sent beside it are recorded while it hangs: the killed process
        // leaves only the hanging one to send again.
        wait_until("the others recorded as sent", Duration::from_secs(10), || {
            ids.iter().filter(|id| **id != in_flight).all(|id| get(&store, *id).status == OutboxStatus::Sent)
        });
        first.kill();
        // The server never replied to that DATA: it did not accept the message.
        smtp.wait_for_event("dropped", Duration::from_secs(10));
        assert_eq!(smtp.messages().len(), 4, "{:?}", smtp.events());
        assert_eq!(get(&store, in_flight).status, OutboxStatus::Sending, "left claimed by the dead process");

        let second = Server::start(db, data_dir.path(), &vars, "second");
        wait_until("every message sent", Duration::from_secs(60), || {
            ids.iter().all(|id| get(&store, *id).status == OutboxStatus::Sent)
        });
        // Nothing more arrives: each message exactly once.
        std::thread::sleep(Duration::from_millis(500));
        assert_eq!(received_ids(&smtp), expected_ids(&store, &ids));
        let accepted = smtp.events().iter().filter(|e| e.event == "accepted").count();
        assert_eq!(accepted, 5);
        assert_eq!(get(&store, in_flight).attempts, 2);
        let dead = get(&store, dead);
        assert_eq!(dead.status, OutboxStatus::Dead);
        assert!(dead.last_error.as_deref().unwrap().contains("550"));

        let received = smtp.messages();
        assert!(received.iter().all(|m| m.subject == "Votre lien de connexion à entraide"));
        assert!(received.iter().all(|m| m.from == "ne-pas-repondre@entraide.anap.fr"));

        let logs = second.stop();
        assert!(logs.contains("e-mail sent"), "{logs}");
        assert!(logs.contains("e-mail delivery stopped"), "{logs}");
        let first_logs = std::fs::read_to_string(data_dir.path().join("first.log")).unwrap();
        for logs in [&logs, &first_logs] {
            assert!(!logs.contains("ch-exemple.fr"), "an address was logged: {logs}");
            assert!(!logs.contains("ferme.example"), "an address was logged: {logs}");
            assert!(!logs.contains("token=t"), "a sign-in token was logged: {logs}");
        }
    }
}

backend_test! {
    fn a_mail_server_down_then_back_gets_every_message_once(db) {
        let mut smtp = SmtpServer::start();
        smtp.stop();
        let store = db.store();
        let ids: Vec<Uuid> = (1..=3)
            .map(|n| queue(&store, &format!("accueil{n}@ehpad-exemple.fr"), n))
            .collect();
        let data_dir = tempfile::tempdir().unwrap();
        let url = smtp.url();
        let server = Server::start(
            db,
            data_dir.path(),
            &[("ENTRAIDE_SMTP_URL", &url), ("ENTRAIDE_MAIL_RETRY_BASE_SECS", "1")],
            "serve",
        );
        wait_until("failed attempts", Duration::from_secs(30), || {
            ids.iter().all(|id| {
                let message = get(&store, *id);
                message.status == OutboxStatus::Pending && message.attempts >= 2
            })
        });
        assert!(get(&store, ids[0]).last_error.is_some());
        smtp.restart();
        wait_until("every message sent", Duration::from_secs(30), || {
            ids.iter().all(|id| get(&store, *id).status == OutboxStatus::Sent)
        });
        std::thread::sleep(Duration::from_millis(500));
        assert_eq!(received_ids(&smtp), expected_ids(&store, &ids));
        let logs = server.stop();
        assert!(logs.contains("will retry"), "{logs}");
    }
}

backend_test! {
    fn staff_list_and_retry_outbox_messages(db) {
        use entraide_store::schema::outbox as table;
        let store = db.store();
        let pending = queue(&store, "a@ch-exemple.fr", 1);
        let dead = queue(&store, "b@ch-exemple.fr", 2);
        let sent = queue(&store, "c@ch-exemple.fr", 3);
        store
            .run_blocking(|conn| {
                diesel::update(table::table.filter(table::id.eq(dead.to_string())))
                    .set((
                        table::status.eq("dead"),
                        table::attempts.eq(12),
                        table::last_error.eq("permanent error (550): 5.1.1 <b@ch-exemple.fr>: Recipient address rejected"),
                    ))
                    .execute(conn)?;
                diesel::update(table::table.filter(table::id.eq(sent.to_string())))
                    .set(table::status.eq("sent"))
                    .execute(conn)
                    .map_err(entraide_store::StoreError::from)
            })
            .unwrap();
        let outbox_cmd = |args: &[&str]| {
            let mut command = entraide();
            command.arg("outbox").args(args).env("DATABASE_URL", db.url_string());
            run(&mut command)
        };

        let listed = outbox_cmd(&["list"]);
        assert!(listed.status.success(), "{}", text(&listed.stderr));
        let out = text(&listed.stdout);
        assert!(out.contains("Outbox: 1 pending, 0 sending, 1 sent, 1 dead"), "{out}");
        assert!(out.contains(&pending.to_string()) && out.contains(&dead.to_string()), "{out}");
        assert!(!out.contains(&sent.to_string()), "{out}");
        assert!(out.contains("550"), "{out}");

        let listed = outbox_cmd(&["list", "--status", "dead"]);
        let out = text(&listed.stdout);
        assert!(out.contains(&dead.to_string()) && !out.contains(&pending.to_string()), "{out}");
        let listed = outbox_cmd(&["list", "--status", "all"]);
        assert!(text(&listed.stdout).contains(&sent.to_string()));

        let retried = outbox_cmd(&["retry", &dead.to_string()]);
        assert!(retried.status.success(), "{:?} {}", retried.status, text(&retried.stderr));
        assert!(text(&retried.stdout).contains("pending"), "stdout: {} stderr: {}", text(&retried.stdout), text(&retried.stderr));
        let message = get(&store, dead);
        assert_eq!((message.status, message.attempts), (OutboxStatus::Pending, 0));

        let refused = outbox_cmd(&["retry", &sent.to_string()]);
        assert_eq!(refused.status.code(), Some(1));
        assert!(text(&refused.stderr).contains("cannot be retried: it is sent"), "{}", text(&refused.stderr));
        let missing = outbox_cmd(&["retry", &Uuid::new_v4().to_string()]);
        assert_eq!(missing.status.code(), Some(1));
        assert!(text(&missing.stderr).contains("not found"), "{}", text(&missing.stderr));
        let no_id = outbox_cmd(&["retry"]);
        assert_eq!(no_id.status.code(), Some(2));
        let all = outbox_cmd(&["retry", "--all-dead"]);
        assert!(text(&all.stdout).contains("0 dead e-mail(s)"), "{}", text(&all.stdout));
    }
}

#[test]
fn with_no_smtp_url_serve_writes_eml_files_in_the_data_folder() {
    let db = TestDb::sqlite();
    let store = db.store();
    let id = queue(&store, "direction@ehpad-exemple.fr", 1);
    let data_dir = tempfile::tempdir().unwrap();
    let server = Server::start(&db, data_dir.path(), &[], "serve");
    let folder = data_dir.path().join("outbox");
    wait_until("an .eml file", Duration::from_secs(20), || {
        !read_messages(&folder).is_empty()
    });
    let files: Vec<PathBuf> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].extension().unwrap(), "eml");
    let message = &read_messages(&folder)[0];
    assert_eq!(message.to, vec!["direction@ehpad-exemple.fr".to_owned()]);
    assert_eq!(message.from, "entraide@localhost");
    assert_eq!(
        format!("<{}>", message.message_id),
        get(&store, id).message_id
    );
    server.stop();
}

#[test]
fn the_smtp_password_never_appears_in_logs() {
    let password = "Tr3s-S3cret-Pa55";
    let smtp = SmtpServer::start_with_auth("relais-entraide", password);
    let db = TestDb::sqlite();
    let store = db.store();
    let id = queue(&store, "dsi@chu-exemple.fr", 1);
    let data_dir = tempfile::tempdir().unwrap();
    let url = format!(
        "smtp://relais-entraide:{password}@127.0.0.1:{}",
        smtp.port()
    );
    let server = Server::start(
        &db,
        data_dir.path(),
        &[
            ("ENTRAIDE_SMTP_URL", &url),
            ("ENTRAIDE_LOG", "debug"),
            ("ENTRAIDE_LOG_FORMAT", "json"),
        ],
        "serve",
    );
    wait_until("the message sent", Duration::from_secs(20), || {
        get(&store, id).status == OutboxStatus::Sent
    });
    assert_eq!(smtp.messages().len(), 1);
    let logs = server.stop();
    assert!(
        logs.contains("smtp://***@127.0.0.1"),
        "the transport is logged, redacted: {logs}"
    );
    assert!(
        !logs.contains(password),
        "the SMTP password was logged: {logs}"
    );
    assert!(
        !logs.contains("relais-entraide"),
        "the SMTP user was logged: {logs}"
    );

    // A bad URL is refused at start-up, by name, without echoing the password.
    let bad = format!("smtp://relais-entraide:{password}@127.0.0.1:25?tls=sometimes");
    let output = run(entraide()
        .arg("migrate")
        .env("DATABASE_URL", db.url_string())
        .env("ENTRAIDE_SMTP_URL", &bad));
    assert_eq!(output.status.code(), Some(2));
    let message = text(&output.stderr);
    assert!(message.contains("ENTRAIDE_SMTP_URL"), "{message}");
    assert!(!message.contains(password), "{message}");
}
