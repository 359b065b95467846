//! `entraide`: the one binary of the service (server, migrations, staff tools).

mod bilan_cmd;
mod config;
mod dataset_cmd;
mod keys;
mod outbox_cmd;
mod purge_cmd;
mod staff_cmd;
mod telemetry;

/// mimalloc rather than glibc's allocator: the ranking endpoint allocates many small
/// strings on many threads, where glibc's spends a tenth of the time (measured in
/// docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use std::sync::Arc;

use entraide_http::auth::{AuthSettings, API_AUDIENCE};
use entraide_http::{build_server, AppSettings, AppState, HttpSettings};
use entraide_store::{Store, SystemClock};

use crate::config::{Config, LogFormat};

/// Mutual aid between health and medico-social establishments in difficulty and
/// volunteer professionals.
///
/// Configuration comes from environment variables (DATABASE_URL, ENTRAIDE_*) and an
/// optional TOML file; with none, it runs on SQLite in ./data.
#[derive(Debug, Parser)]
#[command(name = "entraide", version, about, long_about)]
struct Cli {
    /// TOML configuration file; environment variables override its values.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,

    /// Log format: human (default) or json. Overrides ENTRAIDE_LOG_FORMAT.
    #[arg(long, global = true, value_name = "FORMAT", value_parser = ["human", "json"])]
    log_format: Option<String>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Apply pending migrations and serve the API and the web client.
    Serve {
        /// Address and port to listen on (overrides ENTRAIDE_BIND).
        #[arg(long, value_name = "ADDR:PORT")]
        bind: Option<SocketAddr>,
    },
    /// Apply pending database migrations, then exit.
    Migrate,
    /// Print the OpenAPI document of the REST API (as committed in api-spec/openapi.json).
    Openapi {
        /// Write to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// List e-mails not sent yet, or send dead ones again.
    Outbox {
        #[command(subcommand)]
        action: outbox_cmd::OutboxCommand,
    },
    /// Fill an empty database with a realistic dataset (load and soak tests).
    Dataset(dataset_cmd::DatasetArgs),
    /// Write the bilan of a period (JSON, CSV files in a zip, XLSX or an HTML report).
    Bilan(bilan_cmd::BilanArgs),
    /// Load the demo dataset, whose bilan gives the figures of the 2020 report.
    Demo(bilan_cmd::DemoArgs),
    /// Apply the retention periods of personal data (`--dry-run` counts, `--apply`
    /// removes); `serve` does it daily on its own.
    Purge(purge_cmd::PurgeArgs),
    /// Manage ANAP staff accounts.
    Staff {
        #[command(subcommand)]
        action: StaffCommand,
    },
}

#[derive(Debug, Subcommand)]
enum StaffCommand {
    /// Create a staff user (or give an existing user the staff role) and print a
    /// one-time sign-in link, valid 15 minutes; no mail server is needed.
    Add {
        /// E-mail address of the staff member.
        email: String,
        /// Full name.
        #[arg(long)]
        name: String,
    },
}

/// Exit status for a configuration error, as documented in the README.
const EXIT_CONFIG: u8 = 2;

fn main() -> ExitCode {
    let matches = Cli::command()
        .after_long_help(config::settings_help())
        .get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(error) => error.exit(),
    };
    let mut config = match Config::load(cli.config.as_deref()) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("entraide: configuration error: {error}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    if let Some(format) = cli.log_format.as_deref() {
        config.log_format = if format == "json" {
            LogFormat::Json
        } else {
            LogFormat::Human
        };
    }
    telemetry::init(config.log_format, &config.log_filter);
    let result =
        match cli.command {
            Command::Serve { bind } => {
                if let Some(bind) = bind {
                    config.bind = bind;
                }
                serve(config)
            }
            Command::Migrate => migrate(&config),
            Command::Openapi { output } => write_openapi(output.as_deref()),
            Command::Outbox { action } => {
                open_store(&config).and_then(|store| outbox_cmd::run(&store, action))
            }
            Command::Dataset(args) => {
                open_store(&config).and_then(|store| dataset_cmd::run(&store, &args))
            }
            Command::Bilan(args) => open_store(&config)
                .and_then(|store| bilan_cmd::run_bilan(&store, config.bilan, &args)),
            Command::Demo(args) => {
                open_store(&config).and_then(|store| bilan_cmd::run_demo(&store, &args))
            }
            Command::Purge(args) => open_store(&config)
                .and_then(|store| purge_cmd::run(&store, &config.retention, &args)),
            Command::Staff {
                action: StaffCommand::Add { email, name },
            } => open_store(&config)
                .and_then(|store| app_state(&config, store))
                .and_then(|state| staff_cmd::add_staff(&state, &email, &name))
                .map(|link| {
                    println!("Lien de connexion (valable 15 minutes, à usage unique) :\n{link}");
                }),
        };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "entraide stopped on an error");
            eprintln!("entraide: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Connects (retrying while the database comes up) and applies pending migrations.
fn open_store(config: &Config) -> anyhow::Result<Store> {
    tracing::info!(
        database = %config.database_url,
        environment = ?config.environment,
        data_dir = %config.data_dir.display(),
        "connecting to the database"
    );
    let store = Store::connect(&config.database_url, &config.pool)?;
    let applied = store.migrate().context("applying migrations")?;
    if !applied.is_empty() {
        tracing::info!(count = applied.len(), versions = ?applied, "migrations applied");
    }
    Ok(store)
}

fn write_openapi(output: Option<&std::path::Path>) -> anyhow::Result<()> {
    let document = entraide_http::openapi::openapi_json()?;
    match output {
        Some(path) => {
            std::fs::write(path, document).with_context(|| format!("writing {}", path.display()))?
        }
        None => print!("{document}"),
    }
    Ok(())
}

fn migrate(config: &Config) -> anyhow::Result<()> {
    let store = open_store(config)?;
    tracing::info!(backend = store.backend().as_str(), "database is up to date");
    Ok(())
}

/// The application's settings, with the development signing key when none is configured.
fn app_settings(config: &Config) -> anyhow::Result<AppSettings> {
    let jwt_secret = match &config.jwt_secret {
        Some(secret) => secret.clone(),
        None => keys::load_or_create_dev_secret(&config.data_dir)?,
    };
    Ok(AppSettings {
        public_url: config.public_url.clone(),
        auth: AuthSettings {
            jwt_secret,
            issuer: config.public_url.clone(),
            audience: API_AUDIENCE.to_owned(),
            session_ttl: config.session_ttl,
            sign_in_link_ttl: Duration::from_secs(15 * 60),
        },
        rate_limits: config.rate_limits.clone(),
        matching_weights: config.matching_weights,
        metrics_access: config.metrics_access.clone(),
        bilan: config.bilan,
        cases: config.cases.clone(),
    })
}

/// The application state on the real clock.
fn app_state(config: &Config, store: Store) -> anyhow::Result<AppState> {
    Ok(AppState::new(
        store,
        Arc::new(SystemClock),
        &app_settings(config)?,
    )?)
}

fn serve(config: Config) -> anyhow::Result<()> {
    let store = open_store(&config)?;
    let state = Arc::new(app_state(&config, store)?);
    let settings = HttpSettings {
        bind: config.bind,
        workers: config.workers,
        shutdown_timeout: Duration::from_secs(10),
        cors_origins: config.cors_origins.clone(),
    };
    let (mail_store, mail_clock) = (state.store.clone(), state.clock.clone());
    let jobs_state = state.clone();
    let (purge_store, purge_clock) = (state.store.clone(), state.clock.clone());
    actix_web::rt::System::new().block_on(async move {
        let running = build_server(state, &settings)
            .with_context(|| format!("cannot listen on {}", settings.bind))?;
        let delivery = outbox_cmd::start_delivery(&config, mail_store, mail_clock)?;
        // Expiry of proposals, next waves, unmatched alerts, reminders, automatic closing.
        let case_jobs = entraide_http::cases::spawn_case_jobs(jobs_state);
        // Retention of personal data: rejected applications, inactive people, closed
        // requests' contacts, old e-mail bodies, sign-in history.
        let purge = entraide_http::privacy::spawn_periodic_purge(
            purge_store,
            purge_clock,
            config.retention,
            config.purge_interval,
        );
        tracing::info!(
            address = %running.local_addr,
            public_url = %config.public_url,
            "entraide is serving; stop with Ctrl-C"
        );
        let served = running.server.await.context("HTTP server");
        // The pass under way, if any, and the e-mail being sent are finished and recorded
        // before the process ends.
        case_jobs.shutdown().await;
        purge.shutdown().await;
        delivery.shutdown().await;
        served?;
        tracing::info!("entraide stopped");
        Ok(())
    })
}
