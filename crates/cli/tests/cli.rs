//! The real binary: help, configuration errors, migrations, and a serve/stop cycle.

#![allow(clippy::unwrap_used)] // Test code: a panic is how a test reports failure.

use std::net::TcpListener;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use entraide_store::backend_test;

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

fn run(command: &mut Command) -> Output {
    command.output().expect("run entraide")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn help_lists_the_commands() {
    let output = run(entraide().arg("--help"));
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    for command in ["serve", "migrate", "DATABASE_URL", "ENTRAIDE_BIND"] {
        assert!(text.contains(command), "{text}");
    }
}

#[test]
fn a_bad_value_stops_with_status_2_and_names_the_variable() {
    let output = run(entraide().arg("migrate").env("ENTRAIDE_BIND", "nowhere"));
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("ENTRAIDE_BIND"),
        "{}",
        stderr(&output)
    );

    let output = run(entraide()
        .arg("migrate")
        .env("DATABASE_URL", "mysql://root@localhost/x"));
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("DATABASE_URL") && message.contains("unsupported"),
        "{message}"
    );
}

#[test]
fn an_unreachable_postgres_is_retried_then_reported() {
    let started = Instant::now();
    let output = run(entraide()
        .arg("migrate")
        .env(
            "DATABASE_URL",
            "postgres://entraide:topsecret@127.0.0.1:1/entraide",
        )
        .env("ENTRAIDE_DB_STARTUP_TIMEOUT_SECS", "2"));
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(message.contains("cannot reach the database"), "{message}");
    assert!(message.contains("attempts"), "{message}");
    assert!(
        !message.contains("topsecret"),
        "the password leaked: {message}"
    );
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[test]
fn with_no_configuration_it_creates_the_sqlite_database_in_data() {
    let folder = tempfile::tempdir().unwrap();
    let output = run(entraide().arg("migrate").current_dir(folder.path()));
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(folder.path().join("data/entraide.db").exists());
    // A second run finds nothing to do.
    let output = run(entraide().arg("migrate").current_dir(folder.path()));
    assert!(output.status.success(), "{}", stderr(&output));
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until the server answers its readiness probe.
fn wait_ready(child: &mut Child, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(response) = reqwest::blocking::get(format!("{base}/readyz")) {
            if response.status().is_success() {
                return;
            }
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("entraide exited early with {status}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("entraide did not become ready");
}

/// Starts `entraide serve` on the given database, checks it serves, then stops it with
/// SIGTERM and expects a clean exit.
fn serve_and_stop(database_url: &str, json_logs: bool) -> String {
    let folder = tempfile::tempdir().unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut command = entraide();
    command
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .current_dir(folder.path())
        .env("DATABASE_URL", database_url)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if json_logs {
        command.args(["--log-format", "json"]);
    }
    let mut child = command.spawn().unwrap();
    wait_ready(&mut child, &base);
    let health = reqwest::blocking::get(format!("{base}/healthz")).unwrap();
    assert_eq!(health.status(), 200);

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let output = child.wait_with_output().unwrap();
    let logs = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "exit {:?}: {logs}", output.status);
    logs
}

backend_test! {
    fn serves_then_stops_gracefully_on_sigterm(db) {
        let logs = serve_and_stop(&db.url_string(), false);
        assert!(logs.contains("entraide is serving"), "{logs}");
        assert!(logs.contains("entraide stopped"), "{logs}");
        // Logs to a pipe or a file carry no terminal colour codes.
        assert!(!logs.contains('\u{1b}'), "{logs}");
    }
}

#[test]
fn json_logs_carry_the_request_id() {
    let folder = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", folder.path().join("db.sqlite").display());
    let logs = serve_and_stop(&url, true);
    let request_lines: Vec<serde_json::Value> = logs
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .filter(|line: &serde_json::Value| line["span"]["request_id"].is_string())
        .collect();
    assert!(
        !request_lines.is_empty(),
        "no request log line with a request id: {logs}"
    );
}

backend_test! {
    fn staff_add_prints_a_link_that_signs_in(db) {
        let folder = tempfile::tempdir().unwrap();
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let output = run(entraide()
            .args(["staff", "add", "Directrice@ANAP.fr", "--name", "Claire Dupont"])
            .current_dir(folder.path())
            .env("DATABASE_URL", db.url_string())
            .env("ENTRAIDE_PUBLIC_URL", &base));
        assert!(output.status.success(), "{}", stderr(&output));
        let stdout = String::from_utf8_lossy(&output.stdout);
        let link = stdout
            .split_whitespace()
            .find(|word| word.starts_with(&format!("{base}/connexion#token=")))
            .unwrap_or_else(|| panic!("no link in {stdout}"));
        let token = link.rsplit_once("#token=").unwrap().1;

        let mut child = entraide()
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .current_dir(folder.path())
            .env("DATABASE_URL", db.url_string())
            .env("ENTRAIDE_PUBLIC_URL", &base)
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        wait_ready(&mut child, &base);
        let client = reqwest::blocking::Client::new();
        let session: serde_json::Value = client
            .post(format!("{base}/api/v1/auth/session"))
            .json(&serde_json::json!({ "token": token }))
            .send()
            .unwrap()
            .json()
            .unwrap();
        assert_eq!(session["user"]["email"], "directrice@anap.fr");
        assert_eq!(session["user"]["name"], "Claire Dupont");
        assert_eq!(session["user"]["roles"], serde_json::json!(["staff"]));
        // The generated development key stays in the data folder, owner-only.
        let key = folder.path().join("data/jwt-secret");
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
        child.kill().unwrap();
        child.wait().unwrap();
    }
}

#[test]
fn staff_add_refuses_a_bad_address() {
    let folder = tempfile::tempdir().unwrap();
    let output = run(entraide()
        .args(["staff", "add", "pas-une-adresse", "--name", "X"])
        .current_dir(folder.path()));
    assert!(!output.status.success());
    assert!(stderr(&output).contains("adresse"), "{}", stderr(&output));
}

#[test]
fn production_refuses_to_start_without_a_signing_key() {
    let folder = tempfile::tempdir().unwrap();
    let output = run(entraide()
        .arg("serve")
        .current_dir(folder.path())
        .env("ENTRAIDE_ENV", "production"));
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("ENTRAIDE_JWT_SECRET"),
        "{}",
        stderr(&output)
    );
}
