//! A real SMTP server for tests: Debian's aiosmtpd (`python3-aiosmtpd`, run with
//! `/usr/bin/python3`) on a free port of 127.0.0.1, storing what it receives in a
//! temporary Maildir, with faults the tests switch on (refused domains, a hanging
//! `DATA`), and stopped or restarted at will. Received messages come back parsed.
//!
//! ```text
//! let server = SmtpServer::start();
//! // ... configure the worker with server.url() and deliver ...
//! let received = server.wait_for_messages(1, Duration::from_secs(10));
//! assert_eq!(received[0].subject, "Votre lien de connexion à entraide");
//! ```

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The Python interpreter that has aiosmtpd (Debian's; another `python3` may come first
/// on the PATH).
pub const PYTHON: &str = "/usr/bin/python3";

const SCRIPT: &str = include_str!("../testing/smtp_server.py");

/// A running (or stopped) test SMTP server. Dropping it stops the server and deletes
/// its folder.
#[derive(Debug)]
pub struct SmtpServer {
    port: u16,
    root: tempfile::TempDir,
    credentials: Option<(String, String)>,
    child: Option<Child>,
}

/// What the server did with one `DATA` command (from its event log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpEvent {
    /// `data`, `hang`, `dropped` or `accepted`.
    pub event: String,
    /// Number of the `DATA` command since the server started (from 1).
    pub seq: u32,
    /// The Message-ID header, as sent (with its angle brackets).
    pub message_id: String,
}

/// A message the server received, parsed.
#[derive(Debug, Clone)]
pub struct ReceivedEmail {
    /// Envelope sender (`MAIL FROM`).
    pub envelope_from: String,
    /// Envelope recipients (`RCPT TO`).
    pub envelope_to: Vec<String>,
    /// Address of the `From` header.
    pub from: String,
    /// Display name of the `From` header.
    pub from_name: Option<String>,
    /// Addresses of the `To` header.
    pub to: Vec<String>,
    /// Decoded subject.
    pub subject: String,
    /// Decoded plain-text part.
    pub text: String,
    /// Decoded HTML part, if the message has one.
    pub html: Option<String>,
    /// Message-ID, without angle brackets.
    pub message_id: String,
    /// The message as received.
    pub raw: String,
}

impl ReceivedEmail {
    /// Parses a stored message.
    pub fn parse(raw: &str) -> ReceivedEmail {
        let message = mail_parser::MessageParser::default()
            .parse(raw.as_bytes())
            .expect("a parsable e-mail");
        let from = message.from().and_then(|a| a.first());
        ReceivedEmail {
            envelope_from: message
                .header_raw("X-MailFrom")
                .unwrap_or("")
                .trim()
                .to_owned(),
            envelope_to: message
                .header_raw("X-RcptTo")
                .unwrap_or("")
                .split(',')
                .map(|a| a.trim().to_owned())
                .filter(|a| !a.is_empty())
                .collect(),
            from: from.and_then(|a| a.address()).unwrap_or("").to_owned(),
            from_name: from.and_then(|a| a.name()).map(str::to_owned),
            to: message
                .to()
                .map(|to| {
                    to.iter()
                        .filter_map(|a| a.address())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            subject: message.subject().unwrap_or("").to_owned(),
            text: message
                .body_text(0)
                .map(|t| t.into_owned())
                .unwrap_or_default(),
            html: (message.html_body_count() > 0)
                .then(|| message.body_html(0).map(|h| h.into_owned()))
                .flatten(),
            message_id: message.message_id().unwrap_or("").to_owned(),
            raw: raw.to_owned(),
        }
    }

    /// The raw value of a header, trimmed (`None` when absent).
    pub fn header(&self, name: &str) -> Option<String> {
        let message = mail_parser::MessageParser::default().parse(self.raw.as_bytes())?;
        message
            .headers()
            .iter()
            .find(|h| h.name().eq_ignore_ascii_case(name))
            .map(|h| {
                self.raw
                    .get(h.offset_start as usize..h.offset_end as usize)
                    .unwrap_or("")
                    .trim()
                    .to_owned()
            })
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free port on 127.0.0.1")
}

/// Whether the test SMTP server can run here (aiosmtpd installed).
pub fn aiosmtpd_available() -> bool {
    Command::new(PYTHON)
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|status| status.success())
        .unwrap_or(false)
}

impl SmtpServer {
    /// Starts a server on a free port.
    pub fn start() -> SmtpServer {
        Self::start_inner(None)
    }

    /// Starts a server that requires `AUTH` with these credentials (over plain SMTP).
    pub fn start_with_auth(user: &str, password: &str) -> SmtpServer {
        Self::start_inner(Some((user.to_owned(), password.to_owned())))
    }

    fn start_inner(credentials: Option<(String, String)>) -> SmtpServer {
        assert!(
            aiosmtpd_available(),
            "the test SMTP server needs Debian's aiosmtpd: apt-get install -y python3-aiosmtpd"
        );
        let mut root = tempfile::tempdir().expect("a temporary folder");
        std::fs::create_dir_all(root.path().join("control")).expect("the control folder");
        std::fs::write(root.path().join("smtp_server.py"), SCRIPT).expect("the server script");
        // Another test may take the free port between our probe and the bind: try again.
        for _ in 0..5 {
            let mut server = SmtpServer {
                port: free_port(),
                root,
                credentials: credentials.clone(),
                child: None,
            };
            if server.spawn().is_ok() {
                return server;
            }
            root = server.into_root();
        }
        panic!("the test SMTP server did not start");
    }

    fn into_root(mut self) -> tempfile::TempDir {
        self.stop();
        let placeholder = tempfile::tempdir().expect("a temporary folder");
        std::mem::replace(&mut self.root, placeholder)
    }

    /// Runs the script and waits until it accepts connections.
    fn spawn(&mut self) -> Result<(), String> {
        let mut command = Command::new(PYTHON);
        command
            .arg(self.root.path().join("smtp_server.py"))
            .arg(self.root.path())
            .arg(self.port.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Some((user, password)) = &self.credentials {
            command.arg(format!("{user}:{password}"));
        }
        let mut child = command.spawn().map_err(|e| e.to_string())?;
        let stdout = child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        // The script prints `ready` once listening, or exits (port taken).
        let read = BufReader::new(stdout).read_line(&mut line);
        if read.is_err() || line.trim() != "ready" {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("server did not start: {line:?}"));
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err("server not reachable".to_owned());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.child = Some(child);
        Ok(())
    }

    /// Its port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `smtp://127.0.0.1:PORT` (plain SMTP, no credentials), for `ENTRAIDE_SMTP_URL`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Whether the server is running.
    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    /// Stops the server abruptly (like a mail server going down); messages received so
    /// far stay readable.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port, keeping what it received.
    pub fn restart(&mut self) {
        self.stop();
        let deadline = Instant::now() + Duration::from_secs(10);
        while let Err(error) = self.spawn() {
            assert!(
                Instant::now() < deadline,
                "the test SMTP server did not restart on port {}: {error}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn control(&self, name: &str, content: &str) {
        std::fs::write(self.root.path().join("control").join(name), content)
            .expect("write a control file");
    }

    /// Refuses recipients of these domains at `RCPT` with 550 (a permanent failure).
    pub fn reject_domains(&self, domains: &[&str]) {
        self.control("reject", &domains.join("\n"));
    }

    /// Refuses recipients of these domains at `RCPT` with 451 (a transient failure).
    pub fn defer_domains(&self, domains: &[&str]) {
        self.control("defer", &domains.join("\n"));
    }

    /// Makes the `nth` `DATA` command (counted from 1 since the server started) wait
    /// `duration` before replying, so that a test can kill the client mid-delivery.
    pub fn hang_on_data(&self, nth: u32, duration: Duration) {
        self.control("hang", &format!("{nth} {}", duration.as_secs_f64()));
    }

    /// The Maildir's folder of new messages.
    pub fn mail_dir(&self) -> PathBuf {
        self.root.path().join("mail").join("new")
    }

    /// Every message received so far, oldest first.
    pub fn messages(&self) -> Vec<ReceivedEmail> {
        read_messages(&self.mail_dir())
    }

    /// Waits until at least `count` messages arrived and returns them all; panics with
    /// what arrived when they do not within `timeout`.
    pub fn wait_for_messages(&self, count: usize, timeout: Duration) -> Vec<ReceivedEmail> {
        let deadline = Instant::now() + timeout;
        loop {
            let messages = self.messages();
            if messages.len() >= count {
                return messages;
            }
            if Instant::now() > deadline {
                panic!(
                    "expected {count} e-mails within {timeout:?}, got {}: {:?}",
                    messages.len(),
                    messages.iter().map(|m| &m.subject).collect::<Vec<_>>()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The event log: one entry per `DATA` step, oldest first.
    pub fn events(&self) -> Vec<SmtpEvent> {
        let text = std::fs::read_to_string(self.root.path().join("events.log")).unwrap_or_default();
        text.lines()
            .filter_map(|line| {
                let mut fields = line.split('\t');
                Some(SmtpEvent {
                    event: fields.next()?.to_owned(),
                    seq: fields.next()?.parse().ok()?,
                    message_id: fields.next().unwrap_or("").to_owned(),
                })
            })
            .collect()
    }

    /// Waits for the first event of this kind; panics after `timeout`.
    pub fn wait_for_event(&self, event: &str, timeout: Duration) -> SmtpEvent {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(found) = self.events().into_iter().find(|e| e.event == event) {
                return found;
            }
            assert!(
                Instant::now() < deadline,
                "no `{event}` event within {timeout:?}: {:?}",
                self.events()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Reads and parses every message file of a folder (a Maildir's `new/`, or the `.eml`
/// files of the file transport), oldest first.
pub fn read_messages(dir: &Path) -> Vec<ReceivedEmail> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter(|entry| entry.path().is_file())
        .map(|entry| {
            let modified = entry
                .metadata()
                .and_then(|m| m.modified())
                .unwrap_or(std::time::UNIX_EPOCH);
            (modified, entry.path())
        })
        .collect();
    files.sort();
    files
        .into_iter()
        .filter_map(|(_, path)| std::fs::read_to_string(path).ok())
        .map(|raw| ReceivedEmail::parse(&raw))
        .collect()
}
