//! Which database to use, parsed from `DATABASE_URL`.

use std::fmt;
use std::path::PathBuf;

/// The two storage engines entraide runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A single file, for a laptop or a small deployment.
    Sqlite,
    /// A server, for production and for several processes.
    Postgres,
}

impl Backend {
    /// Lower-case name used in logs and the health endpoints.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A validated database location.
///
/// `sqlite://PATH`, `sqlite:PATH` or a plain path select SQLite; `postgres://` and
/// `postgresql://` select PostgreSQL. Anything else is refused rather than guessed.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// Path of the SQLite file (`:memory:` is accepted for throw-away databases).
    Sqlite(PathBuf),
    /// A libpq connection URL; it may hold a password, so it is never displayed whole.
    Postgres(String),
}

/// Why a database URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DatabaseUrlError {
    /// The value is empty.
    #[error("the database URL is empty")]
    Empty,
    /// A scheme that is neither SQLite nor PostgreSQL.
    #[error("unsupported database URL scheme `{0}://`: use `sqlite://PATH`, a plain file path, or `postgres://USER@HOST:PORT/DB`")]
    UnknownScheme(String),
    /// `sqlite://` with nothing after it.
    #[error("the SQLite URL names no file: use `sqlite://PATH`")]
    MissingPath,
}

impl DatabaseUrl {
    /// Parses a `DATABASE_URL` value.
    pub fn parse(value: &str) -> Result<Self, DatabaseUrlError> {
        let value = value.trim();
        if value.is_empty() {
            return Err(DatabaseUrlError::Empty);
        }
        let sqlite_path = |path: &str| {
            if path.is_empty() {
                Err(DatabaseUrlError::MissingPath)
            } else {
                Ok(DatabaseUrl::Sqlite(PathBuf::from(path)))
            }
        };
        if let Some(path) = value.strip_prefix("sqlite://") {
            return sqlite_path(path);
        }
        if let Some(path) = value.strip_prefix("sqlite:") {
            return sqlite_path(path);
        }
        if value.starts_with("postgres://") || value.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(value.to_owned()));
        }
        match value.split_once("://") {
            Some((scheme, _)) => Err(DatabaseUrlError::UnknownScheme(scheme.to_owned())),
            None => sqlite_path(value),
        }
    }

    /// The engine this URL selects.
    pub fn backend(&self) -> Backend {
        match self {
            DatabaseUrl::Sqlite(_) => Backend::Sqlite,
            DatabaseUrl::Postgres(_) => Backend::Postgres,
        }
    }

    /// The URL with any password replaced, fit for logs and error messages.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
            DatabaseUrl::Postgres(raw) => match url::Url::parse(raw) {
                Ok(mut parsed) => {
                    if parsed.password().is_some() {
                        // Only fails for URLs that cannot hold a password, which this one does.
                        let _ = parsed.set_password(Some("***"));
                    }
                    parsed.to_string()
                }
                Err(_) => "postgres://(unparsable URL)".to_owned(),
            },
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_forms_are_recognised() {
        for (input, path) in [
            ("sqlite://data/x.db", "data/x.db"),
            ("sqlite:///tmp/x.db", "/tmp/x.db"),
            ("sqlite:x.db", "x.db"),
            ("./data/entraide.db", "./data/entraide.db"),
            ("/var/lib/entraide/db.sqlite", "/var/lib/entraide/db.sqlite"),
        ] {
            assert_eq!(
                DatabaseUrl::parse(input),
                Ok(DatabaseUrl::Sqlite(PathBuf::from(path))),
                "{input}"
            );
        }
    }

    #[test]
    fn postgres_forms_are_recognised() {
        for input in [
            "postgres://u@h/db",
            "postgresql://u:p@h:5432/db?sslmode=require",
        ] {
            let url = DatabaseUrl::parse(input).unwrap();
            assert_eq!(url.backend(), Backend::Postgres);
        }
    }

    #[test]
    fn unknown_scheme_and_empty_values_are_refused() {
        assert_eq!(
            DatabaseUrl::parse("mysql://root@localhost/db"),
            Err(DatabaseUrlError::UnknownScheme("mysql".into()))
        );
        assert_eq!(DatabaseUrl::parse("  "), Err(DatabaseUrlError::Empty));
        assert_eq!(
            DatabaseUrl::parse("sqlite://"),
            Err(DatabaseUrlError::MissingPath)
        );
        let message = DatabaseUrl::parse("mysql://x").unwrap_err().to_string();
        assert!(
            message.contains("mysql://") && message.contains("postgres://"),
            "{message}"
        );
    }

    #[test]
    fn passwords_never_show() {
        let url = DatabaseUrl::parse("postgres://app:s3cr3t@db.example:5432/entraide").unwrap();
        for shown in [url.to_string(), format!("{url:?}"), url.redacted()] {
            assert!(!shown.contains("s3cr3t"), "{shown}");
            assert!(shown.contains("db.example"), "{shown}");
        }
    }
}
