//! How e-mails leave: the transport (SMTP or `.eml` files), the sender, timeouts and
//! the retry policy.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use lettre::{AsyncSmtpTransport, Tokio1Executor};

pub use lettre::message::Mailbox;

/// An SMTP server URL in lettre's form (`smtp://host:port`, `smtp://user:pass@host:587?tls=required`
/// for STARTTLS, `smtps://user:pass@host:465` for TLS). The credentials never print:
/// `Debug` and `Display` show `***` in their place.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpUrl {
    url: String,
    redacted: String,
}

impl SmtpUrl {
    /// Checks the URL the way the transport will read it. Error messages never contain
    /// the URL (it may hold a password).
    pub fn parse(text: &str) -> Result<SmtpUrl, String> {
        let parsed = url::Url::parse(text).map_err(|e| format!("not a URL ({e})"))?;
        let tls = parsed
            .query_pairs()
            .find(|(key, _)| key == "tls")
            .map(|(_, value)| value.into_owned());
        match (parsed.scheme(), tls.as_deref()) {
            ("smtp", None | Some("required" | "opportunistic")) | ("smtps", None) => {}
            ("smtp" | "smtps", Some(other)) => {
                return Err(format!(
                "tls={other} is not supported (use tls=required, tls=opportunistic, or smtps://)"
            ))
            }
            (scheme, _) => return Err(format!("the scheme `{scheme}` is not smtp or smtps")),
        }
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err("the URL names no host".to_owned());
        }
        // lettre's own reading, so that what passes here also builds at start-up.
        AsyncSmtpTransport::<Tokio1Executor>::from_url(text)
            .map_err(|e| format!("rejected by the SMTP client ({e})"))?;
        let mut shown = parsed.clone();
        if !parsed.username().is_empty() || parsed.password().is_some() {
            // Usernames are often e-mail addresses: hide them along with the password.
            let _ = shown.set_password(None);
            let _ = shown.set_username("***");
        }
        Ok(SmtpUrl {
            url: text.to_owned(),
            redacted: shown.to_string(),
        })
    }

    /// The URL with its credentials, for the transport only.
    pub fn expose(&self) -> &str {
        &self.url
    }
}

impl fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SmtpUrl").field(&self.redacted).finish()
    }
}

impl fmt::Display for SmtpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted)
    }
}

/// Where e-mails go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportSettings {
    /// A real SMTP server (production).
    Smtp(SmtpUrl),
    /// One `.eml` file per message in this folder (the default: needs nothing).
    File(PathBuf),
}

impl fmt::Display for TransportSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransportSettings::Smtp(url) => write!(f, "{url}"),
            TransportSettings::File(dir) => write!(f, "files in {}", dir.display()),
        }
    }
}

/// Everything the delivery worker needs.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// Where e-mails go.
    pub transport: TransportSettings,
    /// The `From` of every message.
    pub from: Mailbox,
    /// Longest time one delivery may take (connection, TLS, the whole SMTP dialogue).
    pub smtp_timeout: Duration,
    /// Attempts after which a message that keeps failing is marked dead.
    pub max_attempts: u32,
    /// Delay before the second attempt; it doubles at each further attempt.
    pub retry_base: Duration,
    /// Longest delay between two attempts.
    pub retry_cap: Duration,
    /// How often the worker looks for due messages.
    pub poll_interval: Duration,
}

impl MailSettings {
    /// The default sender.
    pub const DEFAULT_FROM: &'static str = "entraide <entraide@localhost>";
    /// Default delivery timeout.
    pub const DEFAULT_SMTP_TIMEOUT: Duration = Duration::from_secs(30);
    /// Default number of attempts (with the default delays: four to eight hours of retries).
    pub const DEFAULT_MAX_ATTEMPTS: u32 = 12;
    /// Default delay before the second attempt.
    pub const DEFAULT_RETRY_BASE: Duration = Duration::from_secs(30);
    /// Default longest delay between attempts.
    pub const DEFAULT_RETRY_CAP: Duration = Duration::from_secs(2 * 3600);
    /// Default polling interval.
    pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(1);

    /// Settings with the default policy for this transport and sender.
    pub fn new(transport: TransportSettings, from: Mailbox) -> MailSettings {
        MailSettings {
            transport,
            from,
            smtp_timeout: Self::DEFAULT_SMTP_TIMEOUT,
            max_attempts: Self::DEFAULT_MAX_ATTEMPTS,
            retry_base: Self::DEFAULT_RETRY_BASE,
            retry_cap: Self::DEFAULT_RETRY_CAP,
            poll_interval: Self::DEFAULT_POLL_INTERVAL,
        }
    }

    /// How long a claimed message stays reserved to its worker. A worker that dies while
    /// sending leaves the message claimed; another worker (or the restarted process)
    /// takes it over when the lease ends. It must outlast one delivery (at most
    /// `smtp_timeout`) plus recording its outcome, or a slow worker could see its message
    /// taken over and sent twice.
    pub fn lease(&self) -> Duration {
        self.smtp_timeout * 2 + Duration::from_secs(10)
    }

    /// Delay before the attempt that follows `attempts` failed ones: exponential, capped,
    /// with jitter (a uniform draw between half and all of it) so that messages that
    /// failed together do not all retry at the same instant. `unit` is the draw, in [0, 1].
    pub fn retry_delay(&self, attempts: u32, unit: f64) -> Duration {
        let doublings = attempts.saturating_sub(1).min(30);
        let full = self
            .retry_base
            .saturating_mul(1u32 << doublings)
            .min(self.retry_cap);
        full.mul_f64(0.5 + 0.5 * unit.clamp(0.0, 1.0))
    }
}
