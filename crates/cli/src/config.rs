//! The one typed configuration: defaults that need nothing, an optional TOML file, then
//! environment variables (`DATABASE_URL`, `ENTRAIDE_*`) on top.
//!
//! Every value is read as text from its source and parsed by one function per setting,
//! so a bad value is reported with where it came from and the form expected.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use std::num::NonZeroU32;

use chrono::TimeDelta;
use entraide_http::auth::{JwtSecret, RateLimitSettings};
use entraide_http::cases::CaseSettings;
use entraide_http::metrics::MetricsAccess;
use entraide_notifier::{MailSettings, Mailbox, SmtpUrl, TransportSettings};
use entraide_store::privacy::RetentionSettings;
use entraide_store::{DatabaseUrl, PoolOptions};

/// Whether the service runs for development or for real.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    /// Lenient defaults (generated keys, file e-mail transport).
    Development,
    /// Refuses to start without the settings production needs.
    Production,
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Readable lines for a terminal.
    Human,
    /// One JSON object per line for log collectors.
    Json,
}

/// Everything the binary needs to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// Development or production.
    pub environment: Environment,
    /// Where the database is.
    pub database_url: DatabaseUrl,
    /// Folder for the SQLite file, generated keys and the file mail transport.
    pub data_dir: PathBuf,
    /// Address the HTTP server listens on.
    pub bind: SocketAddr,
    /// HTTP worker threads (default: one per core).
    pub workers: Option<usize>,
    /// Public base URL of the service, used in links sent by e-mail.
    pub public_url: String,
    /// Log format.
    pub log_format: LogFormat,
    /// Log filter in `tracing` syntax, e.g. `info,entraide_store=debug`.
    pub log_filter: String,
    /// Database pool settings.
    pub pool: PoolOptions,
    /// Session signing key; `None` in development means "generate one in data_dir".
    pub jwt_secret: Option<JwtSecret>,
    /// How long a session lasts.
    pub session_ttl: Duration,
    /// Origins allowed to call the API from a browser.
    pub cors_origins: Vec<String>,
    /// Rate-limit allowances.
    pub rate_limits: RateLimitSettings,
    /// E-mail transport, sender and delivery policy.
    pub mail: MailSettings,
    /// Weights of the matching score.
    pub matching_weights: entraide_matching::Weights,
    /// Who may read `/metrics`.
    pub metrics_access: MetricsAccess,
    /// Scheme start (the bilan's default period) and the public bilan's threshold.
    pub bilan: entraide_bilan::BilanSettings,
    /// Waves, expiry, reminders and closing of cases.
    pub cases: CaseSettings,
    /// How long personal data is kept.
    pub retention: RetentionSettings,
    /// Pause between two purges of `entraide serve`.
    pub purge_interval: Duration,
}

/// One setting: its TOML key, its environment variable and the form it takes.
#[derive(Debug)]
pub struct Setting {
    /// Key in the TOML file.
    pub key: &'static str,
    /// Environment variable.
    pub env: &'static str,
    /// Expected form, for error messages and the README.
    pub expected: &'static str,
    /// Default, as text.
    pub default: &'static str,
}

const DATABASE_URL: Setting = Setting {
    key: "database_url",
    env: "DATABASE_URL",
    expected: "sqlite://PATH, a file path, or postgres://USER[:PASSWORD]@HOST[:PORT]/DB",
    default: "sqlite://<data_dir>/entraide.db",
};

const ENV: Setting = Setting {
    key: "env",
    env: "ENTRAIDE_ENV",
    expected: "development or production",
    default: "development",
};

const DATA_DIR: Setting = Setting {
    key: "data_dir",
    env: "ENTRAIDE_DATA_DIR",
    expected: "a folder path",
    default: "./data",
};

const BIND: Setting = Setting {
    key: "bind",
    env: "ENTRAIDE_BIND",
    expected: "an address and port, e.g. 127.0.0.1:8080 or 0.0.0.0:8080",
    default: "127.0.0.1:8080",
};

const WORKERS: Setting = Setting {
    key: "workers",
    env: "ENTRAIDE_WORKERS",
    expected: "a whole number from 1 to 256",
    default: "one per core",
};

const PUBLIC_URL: Setting = Setting {
    key: "public_url",
    env: "ENTRAIDE_PUBLIC_URL",
    expected: "an http:// or https:// URL",
    default: "http://<bind>",
};

const LOG_FORMAT: Setting = Setting {
    key: "log_format",
    env: "ENTRAIDE_LOG_FORMAT",
    expected: "human or json",
    default: "human",
};

const LOG: Setting = Setting {
    key: "log",
    env: "ENTRAIDE_LOG",
    expected: "a tracing filter, e.g. info or info,entraide_store=debug",
    default: "info",
};

const DB_POOL_SIZE: Setting = Setting {
    key: "db_pool_size",
    env: "ENTRAIDE_DB_POOL_SIZE",
    expected: "a whole number from 1 to 1000",
    default: "10",
};

const DB_STARTUP_TIMEOUT_SECS: Setting = Setting {
    key: "db_startup_timeout_secs",
    env: "ENTRAIDE_DB_STARTUP_TIMEOUT_SECS",
    expected: "a whole number of seconds from 0 to 3600",
    default: "30",
};

const JWT_SECRET: Setting = Setting {
    key: "jwt_secret",
    env: "ENTRAIDE_JWT_SECRET",
    expected: "at least 32 characters, e.g. the output of `openssl rand -base64 48`; required in production",
    default: "generated into <data_dir>/jwt-secret (development only)",
};

const SESSION_TTL_SECS: Setting = Setting {
    key: "session_ttl_secs",
    env: "ENTRAIDE_SESSION_TTL_SECS",
    expected: "a whole number of seconds from 60 to 604800",
    default: "28800",
};

const CORS_ORIGINS: Setting = Setting {
    key: "cors_origins",
    env: "ENTRAIDE_CORS_ORIGINS",
    expected: "comma-separated origins such as https://app.example.org, or empty",
    default: "empty (CORS off)",
};

const SIGN_IN_PER_IP: Setting = Setting {
    key: "sign_in_per_ip_per_hour",
    env: "ENTRAIDE_SIGN_IN_PER_IP_PER_HOUR",
    expected: "a whole number from 1 to 100000",
    default: "30",
};

const SIGN_IN_PER_EMAIL: Setting = Setting {
    key: "sign_in_per_email_per_hour",
    env: "ENTRAIDE_SIGN_IN_PER_EMAIL_PER_HOUR",
    expected: "a whole number from 1 to 100000",
    default: "5",
};

const PUBLIC_POST_PER_IP: Setting = Setting {
    key: "public_post_per_ip_per_hour",
    env: "ENTRAIDE_PUBLIC_POST_PER_IP_PER_HOUR",
    expected: "a whole number from 1 to 100000",
    default: "30",
};

const SMTP_URL: Setting = Setting {
    key: "smtp_url",
    env: "ENTRAIDE_SMTP_URL",
    expected: "smtp://HOST[:PORT] (plain), smtp://USER:PASSWORD@HOST[:587]?tls=required (STARTTLS) or smtps://USER:PASSWORD@HOST[:465] (TLS); special characters of USER and PASSWORD percent-encoded",
    default: "unset: each e-mail is written as an .eml file under <data_dir>/outbox/",
};

const MAIL_FROM: Setting = Setting {
    key: "mail_from",
    env: "ENTRAIDE_MAIL_FROM",
    expected: "an address, optionally with a name, e.g. entraide <ne-pas-repondre@example.org>",
    default: "entraide <entraide@localhost>",
};

const SMTP_TIMEOUT_SECS: Setting = Setting {
    key: "smtp_timeout_secs",
    env: "ENTRAIDE_SMTP_TIMEOUT_SECS",
    expected: "a whole number of seconds from 1 to 600",
    default: "30",
};

const MAIL_MAX_ATTEMPTS: Setting = Setting {
    key: "mail_max_attempts",
    env: "ENTRAIDE_MAIL_MAX_ATTEMPTS",
    expected: "a whole number from 1 to 100",
    default: "12",
};

const MAIL_RETRY_BASE_SECS: Setting = Setting {
    key: "mail_retry_base_secs",
    env: "ENTRAIDE_MAIL_RETRY_BASE_SECS",
    expected: "a whole number of seconds from 1 to 3600",
    default: "30",
};

const MAIL_POLL_MS: Setting = Setting {
    key: "mail_poll_ms",
    env: "ENTRAIDE_MAIL_POLL_MS",
    expected: "a whole number of milliseconds from 50 to 60000",
    default: "1000",
};

const MATCHING_WEIGHTS: Setting = Setting {
    key: "matching_weights",
    env: "ENTRAIDE_MATCHING_WEIGHTS",
    expected: "comma-separated name=weight pairs among themes, sector, region, status, capacity, recent_load, fairness (e.g. themes=0.5,region=0.1); missing names keep their default",
    default: "themes=0.35,sector=0.15,region=0.15,status=0.05,capacity=0.15,recent_load=0.15,fairness=0.15",
};

const METRICS_TOKEN: Setting = Setting {
    key: "metrics_token",
    env: "ENTRAIDE_METRICS_TOKEN",
    expected: "at least 16 characters; scrapers send it as `Authorization: Bearer …`",
    default: "unset: /metrics answers the loopback interface only",
};

const SCHEME_START: Setting = Setting {
    key: "scheme_start",
    env: "ENTRAIDE_SCHEME_START",
    expected: "a date, YYYY-MM-DD: the first day of the scheme; the bilan covers the four weeks from it unless told otherwise",
    default: entraide_bilan::DEFAULT_SCHEME_START,
};

const BILAN_PUBLIC_THRESHOLD: Setting = Setting {
    key: "bilan_public_threshold",
    env: "ENTRAIDE_BILAN_PUBLIC_THRESHOLD",
    expected: "a whole number from 1 to 100: counts below it are masked in the public bilan (1 masks nothing)",
    default: "3",
};

const PROPOSALS_PER_WAVE: Setting = Setting {
    key: "proposals_per_wave",
    env: "ENTRAIDE_PROPOSALS_PER_WAVE",
    expected: "a whole number from 1 to 100",
    default: "3",
};

const PROPOSAL_WAVES: Setting = Setting {
    key: "proposal_waves",
    env: "ENTRAIDE_PROPOSAL_WAVES",
    expected: "a whole number from 1 to 20 (1: one wave, everyone in it asked at once)",
    default: "2",
};

const PROPOSAL_EXPIRY_HOURS: Setting = Setting {
    key: "proposal_expiry_hours",
    env: "ENTRAIDE_PROPOSAL_EXPIRY_HOURS",
    expected: "a whole number of hours from 1 to 720",
    default: "24",
};

const CRITICAL_PROPOSAL_EXPIRY_HOURS: Setting = Setting {
    key: "critical_proposal_expiry_hours",
    env: "ENTRAIDE_CRITICAL_PROPOSAL_EXPIRY_HOURS",
    expected: "a whole number of hours from 1 to 720",
    default: "4",
};

const PROPOSAL_REMINDER_HOURS: Setting = Setting {
    key: "proposal_reminder_hours",
    env: "ENTRAIDE_PROPOSAL_REMINDER_HOURS",
    expected: "a whole number of hours from 0 to 720 (0: no reminder)",
    default: "6",
};

const AUTO_CLOSE_DAYS: Setting = Setting {
    key: "auto_close_days",
    env: "ENTRAIDE_AUTO_CLOSE_DAYS",
    expected: "a whole number of days from 1 to 365",
    default: "14",
};

const CASE_JOBS_INTERVAL_SECS: Setting = Setting {
    key: "case_jobs_interval_secs",
    env: "ENTRAIDE_CASE_JOBS_INTERVAL_SECS",
    expected: "a whole number of seconds from 1 to 3600",
    default: "60",
};

const RETENTION_REJECTED_APPLICATIONS_DAYS: Setting = Setting {
    key: "retention_rejected_applications_days",
    env: "ENTRAIDE_RETENTION_REJECTED_APPLICATIONS_DAYS",
    expected: "a whole number of days from 1 to 3650",
    default: "183",
};

const RETENTION_INACTIVE_DAYS: Setting = Setting {
    key: "retention_inactive_days",
    env: "ENTRAIDE_RETENTION_INACTIVE_DAYS",
    expected: "a whole number of days from 30 to 3650",
    default: "1095",
};

const RETENTION_CLOSED_REQUEST_DAYS: Setting = Setting {
    key: "retention_closed_request_days",
    env: "ENTRAIDE_RETENTION_CLOSED_REQUEST_DAYS",
    expected: "a whole number of days from 1 to 3650",
    default: "1095",
};

const RETENTION_SENT_EMAIL_DAYS: Setting = Setting {
    key: "retention_sent_email_days",
    env: "ENTRAIDE_RETENTION_SENT_EMAIL_DAYS",
    expected: "a whole number of days from 1 to 3650",
    default: "90",
};

const RETENTION_SIGN_IN_DAYS: Setting = Setting {
    key: "retention_sign_in_days",
    env: "ENTRAIDE_RETENTION_SIGN_IN_DAYS",
    expected: "a whole number of days from 1 to 3650",
    default: "30",
};

const PURGE_INTERVAL_HOURS: Setting = Setting {
    key: "purge_interval_hours",
    env: "ENTRAIDE_PURGE_INTERVAL_HOURS",
    expected: "a whole number of hours from 1 to 168",
    default: "24",
};

/// Every setting, in the order of the README's table.
pub const SETTINGS: &[Setting] = &[
    DATABASE_URL,
    ENV,
    DATA_DIR,
    BIND,
    WORKERS,
    PUBLIC_URL,
    LOG_FORMAT,
    LOG,
    DB_POOL_SIZE,
    DB_STARTUP_TIMEOUT_SECS,
    JWT_SECRET,
    SESSION_TTL_SECS,
    CORS_ORIGINS,
    SIGN_IN_PER_IP,
    SIGN_IN_PER_EMAIL,
    PUBLIC_POST_PER_IP,
    MATCHING_WEIGHTS,
    METRICS_TOKEN,
    SMTP_URL,
    MAIL_FROM,
    SMTP_TIMEOUT_SECS,
    MAIL_MAX_ATTEMPTS,
    MAIL_RETRY_BASE_SECS,
    MAIL_POLL_MS,
    SCHEME_START,
    BILAN_PUBLIC_THRESHOLD,
    PROPOSALS_PER_WAVE,
    PROPOSAL_WAVES,
    PROPOSAL_EXPIRY_HOURS,
    CRITICAL_PROPOSAL_EXPIRY_HOURS,
    PROPOSAL_REMINDER_HOURS,
    AUTO_CLOSE_DAYS,
    CASE_JOBS_INTERVAL_SECS,
    RETENTION_REJECTED_APPLICATIONS_DAYS,
    RETENTION_INACTIVE_DAYS,
    RETENTION_CLOSED_REQUEST_DAYS,
    RETENTION_SENT_EMAIL_DAYS,
    RETENTION_SIGN_IN_DAYS,
    PURGE_INTERVAL_HOURS,
];

/// The settings table shown by `entraide --help`.
pub fn settings_help() -> String {
    let mut text = String::from("Settings (environment variable, TOML key, default):\n");
    for setting in SETTINGS {
        text.push_str(&format!(
            "  {:<34} {:<24} {}\n      {}\n",
            setting.env, setting.key, setting.default, setting.expected
        ));
    }
    text
}

/// Why the configuration could not be built; the binary exits with status 2.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A value of the wrong form.
    #[error("invalid value for {origin}: {reason}; expected {expected}")]
    Invalid {
        /// `ENTRAIDE_BIND` or `key `bind` in FILE`.
        origin: String,
        /// What was wrong.
        reason: String,
        /// The expected form.
        expected: &'static str,
    },
    /// The file named by `--config` could not be read.
    #[error("cannot read the configuration file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML or has unknown keys.
    #[error("invalid configuration file {path}: {reason}")]
    File {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
}

/// A raw value and where it came from.
#[derive(Clone)]
struct Raw {
    value: String,
    origin: String,
}

/// Where raw values are looked up: the environment first, then the TOML file's table.
struct Sources<'a> {
    file: BTreeMap<&'static str, Raw>,
    env: &'a dyn Fn(&str) -> Option<String>,
}

impl<'a> Sources<'a> {
    fn load(
        file: Option<&Path>,
        env: &'a dyn Fn(&str) -> Option<String>,
    ) -> Result<Sources<'a>, ConfigError> {
        let mut raw = BTreeMap::new();
        if let Some(path) = file {
            let shown = path.display().to_string();
            let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                path: shown.clone(),
                source,
            })?;
            let table: toml::Table =
                text.parse()
                    .map_err(|e: toml::de::Error| ConfigError::File {
                        path: shown.clone(),
                        reason: e.message().to_owned(),
                    })?;
            for (key, value) in table {
                let setting =
                    SETTINGS
                        .iter()
                        .find(|s| s.key == key)
                        .ok_or_else(|| ConfigError::File {
                            path: shown.clone(),
                            reason: format!(
                                "unknown key `{key}` (known keys: {})",
                                SETTINGS
                                    .iter()
                                    .map(|s| s.key)
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        })?;
                let value = match value {
                    toml::Value::String(text) => text,
                    toml::Value::Integer(n) => n.to_string(),
                    toml::Value::Boolean(b) => b.to_string(),
                    toml::Value::Float(f) => f.to_string(),
                    other => {
                        return Err(ConfigError::Invalid {
                            origin: format!("key `{key}` in {shown}"),
                            reason: format!("a {} is not accepted", other.type_str()),
                            expected: setting.expected,
                        })
                    }
                };
                raw.insert(
                    setting.key,
                    Raw {
                        value,
                        origin: format!("key `{key}` in {shown}"),
                    },
                );
            }
        }
        Ok(Sources { file: raw, env })
    }

    /// Parses the setting named `key` when it is given.
    fn get<T>(
        &self,
        setting: &Setting,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Option<T>, ConfigError> {
        let raw = match (self.env)(setting.env) {
            Some(value) => Some(Raw {
                value,
                origin: setting.env.to_owned(),
            }),
            None => self.file.get(setting.key).cloned(),
        };
        match raw {
            None => Ok(None),
            Some(raw) => parse(raw.value.trim())
                .map(Some)
                .map_err(|reason| ConfigError::Invalid {
                    origin: raw.origin.clone(),
                    reason,
                    expected: setting.expected,
                }),
        }
    }
}

fn parse_number<T: std::str::FromStr + PartialOrd + std::fmt::Display>(
    min: T,
    max: T,
) -> impl FnOnce(&str) -> Result<T, String> {
    move |text| match text.parse::<T>() {
        Ok(n) if n >= min && n <= max => Ok(n),
        Ok(n) => Err(format!("{n} is out of range")),
        Err(_) => Err(format!("`{text}` is not a whole number")),
    }
}

impl Config {
    /// Builds the configuration from the optional file and the process environment.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        Self::from_sources(file, &|name| std::env::var(name).ok())
    }

    /// Builds the configuration from the optional file and the given environment lookup.
    pub fn from_sources(
        file: Option<&Path>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let sources = Sources::load(file, env)?;
        let environment = sources
            .get(&ENV, |v| match v {
                "development" | "dev" => Ok(Environment::Development),
                "production" | "prod" => Ok(Environment::Production),
                other => Err(format!("`{other}` is not an environment")),
            })?
            .unwrap_or(Environment::Development);
        let data_dir = sources
            .get(&DATA_DIR, |v| {
                if v.is_empty() {
                    Err("the path is empty".to_owned())
                } else {
                    Ok(PathBuf::from(v))
                }
            })?
            .unwrap_or_else(|| PathBuf::from("./data"));
        let database_url = sources
            .get(&DATABASE_URL, |v| {
                DatabaseUrl::parse(v).map_err(|e| e.to_string())
            })?
            .unwrap_or_else(|| DatabaseUrl::Sqlite(data_dir.join("entraide.db")));
        let bind: SocketAddr = sources
            .get(&BIND, |v| {
                v.parse()
                    .map_err(|_| format!("`{v}` is not an address and port"))
            })?
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080)));
        let workers = sources.get(&WORKERS, parse_number(1usize, 256))?;
        let public_url = sources
            .get(&PUBLIC_URL, |v| {
                let parsed = url_like(v)?;
                Ok(parsed.trim_end_matches('/').to_owned())
            })?
            .unwrap_or_else(|| format!("http://{bind}"));
        let log_format = sources
            .get(&LOG_FORMAT, |v| match v {
                "human" => Ok(LogFormat::Human),
                "json" => Ok(LogFormat::Json),
                other => Err(format!("`{other}` is not a log format")),
            })?
            .unwrap_or(LogFormat::Human);
        let log_filter = sources
            .get(&LOG, |v| {
                tracing_subscriber::EnvFilter::try_new(v)
                    .map(|_| v.to_owned())
                    .map_err(|e| e.to_string())
            })?
            .unwrap_or_else(|| "info".to_owned());
        let defaults = PoolOptions::default();
        let pool = PoolOptions {
            max_size: sources
                .get(&DB_POOL_SIZE, parse_number(1u32, 1000))?
                .unwrap_or(defaults.max_size),
            startup_timeout: sources
                .get(&DB_STARTUP_TIMEOUT_SECS, parse_number(0u64, 3600))?
                .map(Duration::from_secs)
                .unwrap_or(defaults.startup_timeout),
            ..defaults
        };
        let jwt_secret = sources.get(&JWT_SECRET, |v| JwtSecret::new(v.as_bytes().to_vec()))?;
        if environment == Environment::Production && jwt_secret.is_none() {
            return Err(ConfigError::Invalid {
                origin: JWT_SECRET.env.to_owned(),
                reason: "it is required when ENTRAIDE_ENV=production".to_owned(),
                expected: JWT_SECRET.expected,
            });
        }
        let session_ttl = sources
            .get(&SESSION_TTL_SECS, parse_number(60u64, 604_800))?
            .map(Duration::from_secs)
            .unwrap_or(Duration::from_secs(8 * 3600));
        let cors_origins = sources
            .get(&CORS_ORIGINS, |v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|origin| !origin.is_empty())
                    .map(|origin| url_like(origin).map(|o| o.trim_end_matches('/').to_owned()))
                    .collect::<Result<Vec<_>, _>>()
            })?
            .unwrap_or_default();
        let per_hour = |setting: &Setting, default: NonZeroU32| {
            sources
                .get(setting, parse_number(1u32, 100_000))
                .map(|value| value.and_then(NonZeroU32::new).unwrap_or(default))
        };
        let default_limits = RateLimitSettings::default();
        let rate_limits = RateLimitSettings {
            sign_in_per_ip_per_hour: per_hour(
                &SIGN_IN_PER_IP,
                default_limits.sign_in_per_ip_per_hour,
            )?,
            sign_in_per_email_per_hour: per_hour(
                &SIGN_IN_PER_EMAIL,
                default_limits.sign_in_per_email_per_hour,
            )?,
            public_post_per_ip_per_hour: per_hour(
                &PUBLIC_POST_PER_IP,
                default_limits.public_post_per_ip_per_hour,
            )?,
        };
        let mail = mail_settings(&sources, &data_dir)?;
        let matching_weights = sources
            .get(&MATCHING_WEIGHTS, parse_weights)?
            .unwrap_or_default();
        let metrics_access = sources
            .get(&METRICS_TOKEN, |v| {
                if v.chars().count() < 16 {
                    Err("the token is shorter than 16 characters".to_owned())
                } else {
                    Ok(MetricsAccess::Token(v.to_owned()))
                }
            })?
            .unwrap_or(MetricsAccess::Loopback);
        let bilan_defaults = entraide_bilan::BilanSettings::default();
        let bilan = entraide_bilan::BilanSettings {
            scheme_start: sources
                .get(&SCHEME_START, |v| {
                    chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
                        .map_err(|_| format!("`{v}` is not a date"))
                })?
                .unwrap_or(bilan_defaults.scheme_start),
            public_threshold: sources
                .get(&BILAN_PUBLIC_THRESHOLD, parse_number(1u32, 100))?
                .unwrap_or(bilan_defaults.public_threshold),
        };
        let purge_interval = sources
            .get(&PURGE_INTERVAL_HOURS, parse_number(1u64, 168))?
            .map(|hours| Duration::from_secs(hours * 3600))
            .unwrap_or(Duration::from_secs(24 * 3600));
        Ok(Config {
            retention: retention_settings(&sources)?,
            purge_interval,
            cases: case_settings(&sources)?,
            bilan,
            metrics_access,
            matching_weights,
            mail,
            jwt_secret,
            session_ttl,
            cors_origins,
            rate_limits,
            environment,
            database_url,
            data_dir,
            bind,
            workers,
            public_url,
            log_format,
            log_filter,
            pool,
        })
    }
}

/// The e-mail settings: SMTP when a URL is given, otherwise `.eml` files in the data folder.
fn mail_settings(sources: &Sources, data_dir: &Path) -> Result<MailSettings, ConfigError> {
    let transport = sources
        // The URL may hold a password: errors describe it without quoting it.
        .get(&SMTP_URL, |v| {
            if v.is_empty() {
                Ok(None)
            } else {
                SmtpUrl::parse(v).map(Some)
            }
        })?
        .flatten()
        .map_or_else(
            || TransportSettings::File(data_dir.join("outbox")),
            TransportSettings::Smtp,
        );
    let parse_from = |v: &str| {
        v.parse::<Mailbox>()
            .map_err(|e| format!("`{v}` is not an e-mail address ({e})"))
    };
    let from = match sources.get(&MAIL_FROM, parse_from)? {
        Some(from) => from,
        None => parse_from(MailSettings::DEFAULT_FROM).map_err(|reason| ConfigError::Invalid {
            origin: MAIL_FROM.env.to_owned(),
            reason,
            expected: MAIL_FROM.expected,
        })?,
    };
    let mut mail = MailSettings::new(transport, from);
    if let Some(secs) = sources.get(&SMTP_TIMEOUT_SECS, parse_number(1u64, 600))? {
        mail.smtp_timeout = Duration::from_secs(secs);
    }
    if let Some(attempts) = sources.get(&MAIL_MAX_ATTEMPTS, parse_number(1u32, 100))? {
        mail.max_attempts = attempts;
    }
    if let Some(secs) = sources.get(&MAIL_RETRY_BASE_SECS, parse_number(1u64, 3600))? {
        mail.retry_base = Duration::from_secs(secs);
    }
    if let Some(ms) = sources.get(&MAIL_POLL_MS, parse_number(50u64, 60_000))? {
        mail.poll_interval = Duration::from_millis(ms);
    }
    Ok(mail)
}

/// How requests are proposed, reminded and closed.
fn case_settings(sources: &Sources) -> Result<CaseSettings, ConfigError> {
    let mut cases = CaseSettings::default();
    if let Some(n) = sources.get(&PROPOSALS_PER_WAVE, parse_number(1u32, 100))? {
        cases.proposals_per_wave = n;
    }
    if let Some(n) = sources.get(&PROPOSAL_WAVES, parse_number(1u32, 20))? {
        cases.waves = n;
    }
    if let Some(hours) = sources.get(&PROPOSAL_EXPIRY_HOURS, parse_number(1i64, 720))? {
        cases.proposal_expiry = TimeDelta::hours(hours);
    }
    if let Some(hours) = sources.get(&CRITICAL_PROPOSAL_EXPIRY_HOURS, parse_number(1i64, 720))? {
        cases.critical_proposal_expiry = TimeDelta::hours(hours);
    }
    if let Some(hours) = sources.get(&PROPOSAL_REMINDER_HOURS, parse_number(0i64, 720))? {
        cases.reminder_before = TimeDelta::hours(hours);
    }
    if let Some(days) = sources.get(&AUTO_CLOSE_DAYS, parse_number(1i64, 365))? {
        cases.auto_close_after = TimeDelta::days(days);
    }
    if let Some(secs) = sources.get(&CASE_JOBS_INTERVAL_SECS, parse_number(1u64, 3600))? {
        cases.job_interval = Duration::from_secs(secs);
    }
    Ok(cases)
}

/// How long personal data is kept (issue 10).
fn retention_settings(sources: &Sources) -> Result<RetentionSettings, ConfigError> {
    let mut retention = RetentionSettings::default();
    let days = |setting: &Setting, min: i64| sources.get(setting, parse_number(min, 3650i64));
    if let Some(n) = days(&RETENTION_REJECTED_APPLICATIONS_DAYS, 1)? {
        retention.rejected_applications = TimeDelta::days(n);
    }
    // Less than a month would erase volunteers between two crises' worth of quiet weeks.
    if let Some(n) = days(&RETENTION_INACTIVE_DAYS, 30)? {
        retention.inactive_people = TimeDelta::days(n);
    }
    if let Some(n) = days(&RETENTION_CLOSED_REQUEST_DAYS, 1)? {
        retention.closed_request_contacts = TimeDelta::days(n);
    }
    if let Some(n) = days(&RETENTION_SENT_EMAIL_DAYS, 1)? {
        retention.sent_email_bodies = TimeDelta::days(n);
    }
    if let Some(n) = days(&RETENTION_SIGN_IN_DAYS, 1)? {
        retention.sign_in_records = TimeDelta::days(n);
    }
    Ok(retention)
}

/// Reads `themes=0.5,region=0.1`: the matching crate validates the values and fills in
/// the defaults of names left out.
fn parse_weights(text: &str) -> Result<entraide_matching::Weights, String> {
    let mut map = serde_json::Map::new();
    for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, value) = pair
            .split_once('=')
            .ok_or_else(|| format!("`{pair}` is not name=weight"))?;
        let weight: f64 = value
            .trim()
            .parse()
            .map_err(|_| format!("`{}` is not a number", value.trim()))?;
        map.insert(name.trim().to_owned(), serde_json::json!(weight));
    }
    serde_json::from_value(serde_json::Value::Object(map)).map_err(|e| e.to_string())
}

/// Accepts `http://` and `https://` URLs with a host.
fn url_like(value: &str) -> Result<&str, String> {
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
        .ok_or_else(|| format!("`{value}` does not start with http:// or https://"))?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err(format!("`{value}` names no host"));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn with_env(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_sources(None, &move |name| map.get(name).cloned())
    }

    #[test]
    fn defaults_need_nothing() {
        let config = with_env(&[]).unwrap();
        assert_eq!(config.environment, Environment::Development);
        assert_eq!(
            config.database_url,
            DatabaseUrl::Sqlite(PathBuf::from("./data/entraide.db"))
        );
        assert_eq!(config.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(config.public_url, "http://127.0.0.1:8080");
        assert_eq!(config.log_format, LogFormat::Human);
    }

    #[test]
    fn environment_overrides_file() {
        let folder = tempfile::tempdir().unwrap();
        let file = folder.path().join("entraide.toml");
        std::fs::write(
            &file,
            "bind = \"0.0.0.0:9000\"\ndb_pool_size = 3\nlog_format = \"json\"\n",
        )
        .unwrap();
        let config = Config::from_sources(Some(&file), &|name| {
            (name == "ENTRAIDE_BIND").then(|| "127.0.0.1:7000".to_owned())
        })
        .unwrap();
        assert_eq!(config.bind.to_string(), "127.0.0.1:7000");
        assert_eq!(config.pool.max_size, 3);
        assert_eq!(config.log_format, LogFormat::Json);
    }

    #[test]
    fn bad_values_name_the_variable_and_the_expected_form() {
        let error = with_env(&[("ENTRAIDE_BIND", "localhost")])
            .unwrap_err()
            .to_string();
        assert!(error.contains("ENTRAIDE_BIND"), "{error}");
        assert!(error.contains("127.0.0.1:8080"), "{error}");

        let error = with_env(&[("DATABASE_URL", "mysql://root@db/x")])
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("DATABASE_URL") && error.contains("mysql"),
            "{error}"
        );

        let error = with_env(&[("ENTRAIDE_DB_POOL_SIZE", "0")])
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("ENTRAIDE_DB_POOL_SIZE") && error.contains("out of range"),
            "{error}"
        );

        let error = with_env(&[("ENTRAIDE_PUBLIC_URL", "entraide.fr")])
            .unwrap_err()
            .to_string();
        assert!(error.contains("ENTRAIDE_PUBLIC_URL"), "{error}");
    }

    #[test]
    fn production_needs_a_signing_key() {
        let error = with_env(&[("ENTRAIDE_ENV", "production")])
            .unwrap_err()
            .to_string();
        assert!(error.contains("ENTRAIDE_JWT_SECRET"), "{error}");
        let error = with_env(&[("ENTRAIDE_JWT_SECRET", "short")])
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("ENTRAIDE_JWT_SECRET") && error.contains("32"),
            "{error}"
        );
        let key = "k".repeat(40);
        let config = with_env(&[
            ("ENTRAIDE_ENV", "production"),
            ("ENTRAIDE_JWT_SECRET", &key),
        ])
        .unwrap();
        assert!(config.jwt_secret.is_some());
        assert!(!format!("{config:?}").contains(&key), "the key was printed");
    }

    #[test]
    fn matching_weights_are_read_and_checked() {
        let config = with_env(&[("ENTRAIDE_MATCHING_WEIGHTS", "themes=0.5, region=0.1")]).unwrap();
        assert_eq!(config.matching_weights.themes, 0.5);
        assert_eq!(config.matching_weights.region, 0.1);
        assert_eq!(
            config.matching_weights.sector,
            entraide_matching::Weights::default().sector
        );
        for bad in ["themes", "themes=beaucoup", "colour=1", "themes=-1"] {
            let error = with_env(&[("ENTRAIDE_MATCHING_WEIGHTS", bad)])
                .unwrap_err()
                .to_string();
            assert!(
                error.contains("ENTRAIDE_MATCHING_WEIGHTS"),
                "{bad}: {error}"
            );
        }
    }

    #[test]
    fn case_settings_are_read_and_checked() {
        let config = with_env(&[]).unwrap();
        assert_eq!(config.cases, CaseSettings::default());
        let config = with_env(&[
            ("ENTRAIDE_PROPOSALS_PER_WAVE", "5"),
            ("ENTRAIDE_PROPOSAL_WAVES", "1"),
            ("ENTRAIDE_PROPOSAL_EXPIRY_HOURS", "48"),
            ("ENTRAIDE_CRITICAL_PROPOSAL_EXPIRY_HOURS", "2"),
            ("ENTRAIDE_PROPOSAL_REMINDER_HOURS", "0"),
            ("ENTRAIDE_AUTO_CLOSE_DAYS", "30"),
            ("ENTRAIDE_CASE_JOBS_INTERVAL_SECS", "10"),
        ])
        .unwrap();
        assert_eq!(config.cases.proposals_per_wave, 5);
        assert_eq!(config.cases.waves, 1);
        assert_eq!(config.cases.proposal_expiry, TimeDelta::hours(48));
        assert_eq!(config.cases.critical_proposal_expiry, TimeDelta::hours(2));
        assert_eq!(config.cases.reminder_before, TimeDelta::zero());
        assert_eq!(config.cases.auto_close_after, TimeDelta::days(30));
        assert_eq!(config.cases.job_interval, Duration::from_secs(10));
        for (name, bad) in [
            ("ENTRAIDE_PROPOSALS_PER_WAVE", "0"),
            ("ENTRAIDE_PROPOSAL_WAVES", "tous"),
            ("ENTRAIDE_PROPOSAL_EXPIRY_HOURS", "0"),
            ("ENTRAIDE_AUTO_CLOSE_DAYS", "366"),
        ] {
            let error = with_env(&[(name, bad)]).unwrap_err().to_string();
            assert!(error.contains(name), "{name}={bad}: {error}");
        }
    }

    #[test]
    fn retention_settings_are_read_and_checked() {
        let config = with_env(&[]).unwrap();
        assert_eq!(config.retention, RetentionSettings::default());
        assert_eq!(config.retention.rejected_applications, TimeDelta::days(183));
        assert_eq!(config.retention.inactive_people, TimeDelta::days(1095));
        assert_eq!(config.purge_interval, Duration::from_secs(24 * 3600));
        let config = with_env(&[
            ("ENTRAIDE_RETENTION_REJECTED_APPLICATIONS_DAYS", "90"),
            ("ENTRAIDE_RETENTION_INACTIVE_DAYS", "730"),
            ("ENTRAIDE_RETENTION_CLOSED_REQUEST_DAYS", "365"),
            ("ENTRAIDE_RETENTION_SENT_EMAIL_DAYS", "30"),
            ("ENTRAIDE_RETENTION_SIGN_IN_DAYS", "7"),
            ("ENTRAIDE_PURGE_INTERVAL_HOURS", "6"),
        ])
        .unwrap();
        assert_eq!(config.retention.rejected_applications, TimeDelta::days(90));
        assert_eq!(config.retention.inactive_people, TimeDelta::days(730));
        assert_eq!(
            config.retention.closed_request_contacts,
            TimeDelta::days(365)
        );
        assert_eq!(config.retention.sent_email_bodies, TimeDelta::days(30));
        assert_eq!(config.retention.sign_in_records, TimeDelta::days(7));
        assert_eq!(config.purge_interval, Duration::from_secs(6 * 3600));
        for (name, bad) in [
            ("ENTRAIDE_RETENTION_REJECTED_APPLICATIONS_DAYS", "0"),
            ("ENTRAIDE_RETENTION_INACTIVE_DAYS", "10"),
            ("ENTRAIDE_RETENTION_SENT_EMAIL_DAYS", "trois mois"),
            ("ENTRAIDE_PURGE_INTERVAL_HOURS", "0"),
        ] {
            let error = with_env(&[(name, bad)]).unwrap_err().to_string();
            assert!(error.contains(name), "{name}={bad}: {error}");
        }
    }

    #[test]
    fn unknown_file_keys_are_refused() {
        let folder = tempfile::tempdir().unwrap();
        let file = folder.path().join("entraide.toml");
        std::fs::write(&file, "bnid = \"0.0.0.0:9000\"\n").unwrap();
        let error = Config::from_sources(Some(&file), &|_| None)
            .unwrap_err()
            .to_string();
        assert!(error.contains("unknown key `bnid`"), "{error}");
    }

    #[test]
    fn the_readme_documents_every_setting() {
        let readme = include_str!("../../../README.md");
        for setting in SETTINGS {
            let row = readme
                .lines()
                .find(|line| line.starts_with(&format!("| `{}` |", setting.env)))
                .unwrap_or_else(|| panic!("README has no row for {}", setting.env));
            assert!(row.contains(&format!("`{}`", setting.key)), "{row}");
            assert!(
                row.contains(setting.default),
                "default {} not in {row}",
                setting.default
            );
        }
    }

    #[test]
    fn mail_defaults_to_eml_files_in_the_data_folder() {
        let config = with_env(&[("ENTRAIDE_DATA_DIR", "/srv/entraide")]).unwrap();
        assert_eq!(
            config.mail.transport,
            TransportSettings::File(PathBuf::from("/srv/entraide/outbox"))
        );
        assert_eq!(
            config.mail.from.to_string(),
            "entraide <entraide@localhost>"
        );
        assert_eq!(config.mail.smtp_timeout, Duration::from_secs(30));
        assert_eq!(config.mail.max_attempts, 12);
    }

    #[test]
    fn mail_settings_from_the_environment() {
        let config = with_env(&[
            (
                "ENTRAIDE_SMTP_URL",
                "smtp://relais:s3cret@smtp.anap.fr:587?tls=required",
            ),
            (
                "ENTRAIDE_MAIL_FROM",
                "Entraide ANAP <ne-pas-repondre@anap.fr>",
            ),
            ("ENTRAIDE_SMTP_TIMEOUT_SECS", "10"),
            ("ENTRAIDE_MAIL_MAX_ATTEMPTS", "5"),
            ("ENTRAIDE_MAIL_RETRY_BASE_SECS", "60"),
            ("ENTRAIDE_MAIL_POLL_MS", "250"),
        ])
        .unwrap();
        let TransportSettings::Smtp(url) = &config.mail.transport else {
            panic!("{:?}", config.mail.transport)
        };
        assert_eq!(
            url.expose(),
            "smtp://relais:s3cret@smtp.anap.fr:587?tls=required"
        );
        assert_eq!(
            config.mail.from.email.to_string(),
            "ne-pas-repondre@anap.fr"
        );
        assert_eq!(config.mail.smtp_timeout, Duration::from_secs(10));
        assert_eq!(config.mail.max_attempts, 5);
        assert_eq!(config.mail.retry_base, Duration::from_secs(60));
        assert_eq!(config.mail.poll_interval, Duration::from_millis(250));
        assert!(
            !format!("{config:?}").contains("s3cret"),
            "the SMTP password was printed"
        );
    }

    #[test]
    fn bad_mail_settings_name_the_variable_without_the_password() {
        for bad in [
            "smtp://relais:s3cret@smtp.anap.fr?tls=always",
            "imap://relais:s3cret@smtp.anap.fr",
            "relais:s3cret@smtp.anap.fr",
        ] {
            let error = with_env(&[("ENTRAIDE_SMTP_URL", bad)])
                .unwrap_err()
                .to_string();
            assert!(error.contains("ENTRAIDE_SMTP_URL"), "{error}");
            assert!(!error.contains("s3cret"), "the password leaked: {error}");
        }
        let error = with_env(&[("ENTRAIDE_MAIL_FROM", "entraide")])
            .unwrap_err()
            .to_string();
        assert!(error.contains("ENTRAIDE_MAIL_FROM"), "{error}");
        let error = with_env(&[("ENTRAIDE_MAIL_MAX_ATTEMPTS", "0")])
            .unwrap_err()
            .to_string();
        assert!(error.contains("ENTRAIDE_MAIL_MAX_ATTEMPTS"), "{error}");
    }

    #[test]
    fn bilan_settings() {
        let config = with_env(&[]).unwrap();
        assert_eq!(config.bilan, entraide_bilan::BilanSettings::default());
        assert_eq!(config.bilan.scheme_start.to_string(), "2020-04-02");
        let config = with_env(&[
            ("ENTRAIDE_SCHEME_START", "2026-03-16"),
            ("ENTRAIDE_BILAN_PUBLIC_THRESHOLD", "5"),
        ])
        .unwrap();
        assert_eq!(config.bilan.scheme_start.to_string(), "2026-03-16");
        assert_eq!(config.bilan.public_threshold, 5);
        for (name, bad) in [
            ("ENTRAIDE_SCHEME_START", "16/03/2026"),
            ("ENTRAIDE_BILAN_PUBLIC_THRESHOLD", "0"),
        ] {
            let error = with_env(&[(name, bad)]).unwrap_err().to_string();
            assert!(error.contains(name), "{error}");
        }
    }

    #[test]
    fn every_documented_setting_is_read() {
        let readme = include_str!("../../../README.md");
        for line in readme
            .lines()
            .filter(|l| l.starts_with("| `ENTRAIDE_") || l.starts_with("| `DATABASE_URL`"))
        {
            let variable = line.split('`').nth(1).unwrap_or_default();
            assert!(
                SETTINGS.iter().any(|s| s.env == variable),
                "{variable} is in the README but not in SETTINGS"
            );
        }
    }

    #[test]
    fn database_password_is_not_printed() {
        let config = with_env(&[("DATABASE_URL", "postgres://app:hunter2@db/entraide")]).unwrap();
        assert!(!format!("{config:?}").contains("hunter2"));
    }
}
