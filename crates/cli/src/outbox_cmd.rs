//! E-mail delivery in `entraide serve`, and `entraide outbox list|retry`: staff look at
//! the e-mails not sent yet and send dead ones again.

use std::io::Write;
use std::sync::Arc;

use anyhow::Context;
use clap::Subcommand;
use entraide_notifier::{
    outbox, ListFilter, OutboxMessage, OutboxStatus, TransportSettings, WorkerHandle,
};
use entraide_store::{Clock, Store, SystemClock};
use uuid::Uuid;

use crate::config::{Config, Environment};

/// `entraide outbox ...`
#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// List e-mails not sent yet (waiting, being sent, dead), oldest first.
    List {
        /// Only e-mails with this status; `all` includes those sent.
        #[arg(long, value_parser = ["pending", "sending", "sent", "dead", "all"])]
        status: Option<String>,
        /// At most this many e-mails.
        #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(i64).range(1..=100_000))]
        limit: i64,
    },
    /// Send a dead e-mail again (or a waiting one now), with a fresh count of attempts;
    /// the running server delivers it at its next round.
    Retry {
        /// Outbox id, as shown by `entraide outbox list`.
        #[arg(required_unless_present = "all_dead", conflicts_with = "all_dead")]
        id: Option<Uuid>,
        /// Every dead e-mail (after fixing the mail settings, say).
        #[arg(long)]
        all_dead: bool,
    },
}

/// Runs an `outbox` subcommand, printing to standard output.
pub fn run(store: &Store, command: OutboxCommand) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match command {
        OutboxCommand::List { status, limit } => {
            let filter = match status.as_deref() {
                None => ListFilter::Unsent,
                Some("all") => ListFilter::All,
                Some(status) => ListFilter::Status(status.parse().map_err(anyhow::Error::msg)?),
            };
            let messages = store
                .run_blocking(|conn| outbox::list(conn, filter, limit))
                .context("reading the outbox")?;
            let counts = store
                .run_blocking(outbox::counts)
                .context("reading the outbox")?;
            print_list(&mut out, &messages, &counts)?;
        }
        OutboxCommand::Retry { id, all_dead } => {
            let now = SystemClock.now();
            match id {
                Some(id) if !all_dead => {
                    let message = store.run_blocking(|conn| outbox::retry(conn, id, now))?;
                    writeln!(
                        out,
                        "E-mail {} ({}) set to {}: the server sends it at its next round.",
                        message.id, message.kind, message.status
                    )?;
                }
                _ => {
                    let count = store.run_blocking(|conn| outbox::retry_all_dead(conn, now))?;
                    writeln!(
                        out,
                        "{count} dead e-mail(s) set to pending: the server sends them at its next round."
                    )?;
                }
            }
        }
    }
    Ok(())
}

fn print_list(
    out: &mut impl Write,
    messages: &[OutboxMessage],
    counts: &[(OutboxStatus, i64)],
) -> std::io::Result<()> {
    let summary: Vec<String> = counts
        .iter()
        .map(|(status, count)| format!("{count} {status}"))
        .collect();
    writeln!(out, "Outbox: {}", summary.join(", "))?;
    if messages.is_empty() {
        return writeln!(out, "No e-mail to show.");
    }
    writeln!(
        out,
        "{:<36}  {:<7}  {:>8}  {:<20}  {:<19}  {:<32}  LAST ERROR",
        "ID", "STATUS", "ATTEMPTS", "KIND", "QUEUED (UTC)", "RECIPIENT"
    )?;
    for message in messages {
        let error = message
            .last_error
            .as_deref()
            .map(|e| one_line(e, 100))
            .unwrap_or_default();
        writeln!(
            out,
            "{:<36}  {:<7}  {:>8}  {:<20}  {:<19}  {:<32}  {}",
            message.id,
            message.status,
            message.attempts,
            message.kind,
            message.created_at.format("%Y-%m-%d %H:%M:%S"),
            message.recipient,
            error
        )?;
    }
    Ok(())
}

/// The first `max` characters of a text, on one line.
fn one_line(text: &str, max: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &flat[..cut]),
        None => flat,
    }
}

/// Starts the e-mail delivery worker of `entraide serve` on the current runtime.
pub fn start_delivery(
    config: &Config,
    store: Store,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<WorkerHandle> {
    if config.environment == Environment::Production {
        if let TransportSettings::File(dir) = &config.mail.transport {
            tracing::warn!(
                folder = %dir.display(),
                "ENTRAIDE_SMTP_URL is not set: e-mails are written to files, not sent"
            );
        }
    }
    entraide_notifier::spawn_delivery_worker(store, config.mail.clone(), clock)
        .context("starting e-mail delivery")
}
