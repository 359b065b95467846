//! The delivery worker: sends due outbox messages, records each outcome, retries.
//!
//! # Exactly once, as far as SMTP allows
//!
//! * The message, its Message-ID included, is fixed when it is queued, so every attempt
//!   sends the same e-mail and receivers can recognise a repeat.
//! * A worker claims a batch of due messages with a lease (see [`crate::outbox`]); no
//!   other worker touches them until the lease ends, and the lease outlasts the delivery
//!   timeout. The batch is sent at once, each message on its own SMTP connection of the
//!   transport's pool, so it ends within one delivery timeout.
//! * A message is marked sent at most 20 ms after the server accepted it (the `250` reply
//!   to the end of `DATA`), with the other messages of its batch accepted meanwhile, and
//!   whatever the rest of the batch is doing; that write is retried for as long as the
//!   lease lasts if the database hiccups. Claiming and recording several messages at a
//!   time keeps the outbox's writes few when many e-mails are queued, which matters on
//!   SQLite where every writer waits for the one before.
//!
//! What is left is inherent to SMTP: a process killed between the server's acceptance
//! and that write (a few milliseconds), a database unreachable for the whole lease, or a
//! `250` reply lost on the network (the attempt then times out and is retried) send the
//! message again, with the same Message-ID. Nothing else sends twice; nothing is lost,
//! since a message is only ever marked sent after the server accepted it.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::time::Instant;

use chrono::{NaiveDateTime, TimeDelta};
use entraide_store::{Clock, Store};
use futures_util::stream::{self, StreamExt};
use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use rand::Rng;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::outbox::{self, Claimed, OutboxMessage};
use crate::{MailSettings, NotifierError, TransportSettings};
use entraide_store::background_write_transaction;

/// Most messages sent in one round, so that a long backlog still lets shutdown in.
const ROUND: usize = 50;

/// Most messages claimed and sent together: as many as lettre's SMTP pool keeps
/// connections by default, so that the whole batch goes out at once.
const BATCH: usize = 10;

/// Longest time between the server's acceptance of a message and the write that records
/// it, while other messages of its batch are still on their way: the acceptances of that
/// moment share the write.
const RECORD_WITHIN: Duration = Duration::from_millis(20);

/// The transport built from the settings.
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    File(AsyncFileTransport<Tokio1Executor>),
}

/// What one round of delivery did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryReport {
    /// Accepted by the server.
    pub sent: usize,
    /// Failed, to be tried again later.
    pub retrying: usize,
    /// Failed for good (permanent error or last attempt).
    pub dead: usize,
}

impl DeliveryReport {
    /// Messages handled in the round.
    pub fn total(&self) -> usize {
        self.sent + self.retrying + self.dead
    }
}

/// Sends the due messages of the outbox.
pub struct DeliveryWorker {
    store: Store,
    clock: Arc<dyn Clock>,
    settings: MailSettings,
    transport: Transport,
}

impl std::fmt::Debug for DeliveryWorker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeliveryWorker")
            .field("transport", &self.settings.transport)
            .finish_non_exhaustive()
    }
}

/// A failed attempt: the text kept in the outbox, and a shorter one for logs that leaves
/// out what the server said (it may quote the recipient's address).
struct Failure {
    permanent: bool,
    stored: String,
    logged: String,
}

impl DeliveryWorker {
    /// Builds the worker and its transport. Call it inside a tokio runtime (the SMTP
    /// connection pool starts a task). For the file transport, the folder is created.
    pub fn new(
        store: Store,
        settings: MailSettings,
        clock: Arc<dyn Clock>,
    ) -> Result<DeliveryWorker, NotifierError> {
        let transport = match &settings.transport {
            TransportSettings::Smtp(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
                    .map_err(|e| NotifierError::Transport(e.to_string()))?
                    .timeout(Some(settings.smtp_timeout))
                    .build(),
            ),
            TransportSettings::File(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| {
                    NotifierError::Transport(format!("cannot create {}: {e}", dir.display()))
                })?;
                Transport::File(AsyncFileTransport::<Tokio1Executor>::new(dir))
            }
        };
        Ok(DeliveryWorker {
            store,
            clock,
            settings,
            transport,
        })
    }

    /// Sends due messages, a batch at a time, until none is due (at most a round of 50),
    /// and records each outcome. Tests call it directly with a manual clock.
    pub async fn deliver_due(&self) -> Result<DeliveryReport, NotifierError> {
        let mut report = DeliveryReport::default();
        while report.total() < ROUND {
            let now = self.clock.now();
            let lease_until = now + delta(self.settings.lease());
            let limit = BATCH.min(ROUND - report.total());
            let claimed = self
                .store
                // Write transactions: on SQLite they queue on the process's writer mutex rather
                // than sleep in SQLite's busy handler while requests write.
                .run(move |conn| {
                    background_write_transaction(conn, |conn| {
                        outbox::claim_due(conn, limit, now, lease_until)
                    })
                })
                .await?;
            if claimed.messages.is_empty() {
                break;
            }
            let batch = self.deliver_batch(&claimed, lease_until).await?;
            report.sent += batch.sent;
            report.retrying += batch.retrying;
            report.dead += batch.dead;
        }
        Ok(report)
    }

    /// One attempt at each message of a claimed batch, and their outcomes recorded: the
    /// accepted ones together, at the latest [`RECORD_WITHIN`] after the first of them
    /// was accepted (a hanging delivery does not hold the others back), each failure in
    /// a write of its own.
    async fn deliver_batch(
        &self,
        claimed: &Claimed,
        lease_until: NaiveDateTime,
    ) -> Result<DeliveryReport, NotifierError> {
        // SMTP deliveries wait on the network: all at once. Files are written one after
        // the other, as more threads writing at once would only take the cores from the
        // requests.
        let at_once = match self.transport {
            Transport::Smtp(_) => BATCH,
            Transport::File(_) => 1,
        };
        let attempts: Vec<_> = claimed
            .messages
            .iter()
            .map(|message| async move { (message, self.attempt(message).await) })
            .collect();
        let mut attempts = stream::iter(attempts).buffer_unordered(at_once);
        let mut report = DeliveryReport::default();
        let mut accepted: Vec<&OutboxMessage> = Vec::new();
        let mut failed = Vec::new();
        let mut record_by: Option<Instant> = None;
        loop {
            let next = match record_by {
                Some(deadline) => tokio::select! {
                    next = attempts.next() => Some(next),
                    _ = tokio::time::sleep_until(deadline) => None,
                },
                None => Some(attempts.next().await),
            };
            match next {
                // Time to record what was accepted so far.
                None => {
                    report.sent += self.record_sent(&mut accepted, lease_until).await?;
                    record_by = None;
                }
                Some(Some((message, Ok(())))) => {
                    accepted.push(message);
                    record_by.get_or_insert_with(|| Instant::now() + RECORD_WITHIN);
                }
                Some(Some((message, Err(failure)))) => failed.push((message, failure)),
                Some(None) => break,
            }
        }
        report.sent += self.record_sent(&mut accepted, lease_until).await?;
        for (message, failure) in failed {
            match self
                .record_failure(message, &claimed.token, failure)
                .await?
            {
                Failed::Retrying => report.retrying += 1,
                Failed::Dead => report.dead += 1,
            }
        }
        Ok(report)
    }

    /// One attempt at one message.
    async fn attempt(&self, message: &OutboxMessage) -> Result<(), Failure> {
        let email = self.build(message)?;
        self.send(email).await
    }

    /// The e-mail as it goes on the wire; a stored message lettre cannot build (a
    /// hand-edited row) fails for good.
    fn build(&self, message: &OutboxMessage) -> Result<Message, Failure> {
        let permanent = |what: String| Failure {
            permanent: true,
            logged: what.clone(),
            stored: what,
        };
        let to: lettre::Address = message
            .recipient
            .parse()
            .map_err(|e| permanent(format!("invalid recipient address: {e}")))?;
        Message::builder()
            .from(self.settings.from.clone())
            .to(Mailbox::new(None, to))
            .subject(message.subject.clone())
            .message_id(Some(message.message_id.clone()))
            .date(SystemTime::from(self.clock.now_utc()))
            .header(AutoSubmitted)
            .multipart(MultiPart::alternative_plain_html(
                message.body_text.clone(),
                message.body_html.clone(),
            ))
            .map_err(|e| permanent(format!("cannot build the message: {e}")))
    }

    /// Hands the e-mail to the transport, within the delivery timeout.
    async fn send(&self, email: Message) -> Result<(), Failure> {
        let timeout = self.settings.smtp_timeout;
        let timed_out = || Failure {
            permanent: false,
            stored: format!("no answer within {} s", timeout.as_secs()),
            logged: "timeout".to_owned(),
        };
        match &self.transport {
            Transport::Smtp(smtp) => match tokio::time::timeout(timeout, smtp.send(email)).await {
                Err(_) => Err(timed_out()),
                Ok(Ok(_response)) => Ok(()),
                Ok(Err(error)) => Err(smtp_failure(&error)),
            },
            Transport::File(file) => match tokio::time::timeout(timeout, file.send(email)).await {
                Err(_) => Err(timed_out()),
                Ok(Ok(_id)) => Ok(()),
                Ok(Err(error)) => Err(Failure {
                    permanent: false,
                    stored: format!("cannot write the e-mail file: {error}"),
                    logged: format!("cannot write the e-mail file: {error}"),
                }),
            },
        }
    }

    /// Marks the accepted messages sent, empties the list and returns how many there
    /// were. A failing database is retried until the lease ends, because a message left
    /// `sending` would be sent again.
    async fn record_sent(
        &self,
        accepted: &mut Vec<&OutboxMessage>,
        lease_until: NaiveDateTime,
    ) -> Result<usize, NotifierError> {
        if accepted.is_empty() {
            return Ok(0);
        }
        let ids: Arc<Vec<Uuid>> = Arc::new(accepted.iter().map(|m| m.id).collect());
        let mut pause = Duration::from_millis(200);
        loop {
            let now = self.clock.now();
            let batch = Arc::clone(&ids);
            match self
                .store
                .run(move |conn| {
                    background_write_transaction(conn, |conn| outbox::mark_sent(conn, &batch, now))
                })
                .await
            {
                Ok(_) => {
                    for message in accepted.drain(..) {
                        tracing::info!(
                            outbox_id = %message.id,
                            kind = %message.kind,
                            attempt = message.attempts,
                            "e-mail sent"
                        );
                    }
                    return Ok(ids.len());
                }
                Err(error) if self.clock.now() + delta(pause) < lease_until => {
                    tracing::warn!(count = ids.len(), error = %error, "cannot record sent e-mails yet; retrying");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(2));
                }
                Err(error) => {
                    tracing::error!(
                        outbox_ids = ?ids,
                        error = %error,
                        "e-mails sent but not recorded: they will be sent again after their lease"
                    );
                    return Err(error);
                }
            }
        }
    }

    /// Schedules the next attempt, or marks the message dead.
    async fn record_failure(
        &self,
        message: &OutboxMessage,
        token: &str,
        failure: Failure,
    ) -> Result<Failed, NotifierError> {
        let now = self.clock.now();
        let last_attempt = message.attempts >= self.settings.max_attempts;
        let retry_at = if failure.permanent || last_attempt {
            None
        } else {
            let unit = rand::rng().random_range(0.0..=1.0);
            Some(now + delta(self.settings.retry_delay(message.attempts, unit)))
        };
        let id = message.id;
        let token = token.to_owned();
        let stored = failure.stored.clone();
        self.store
            .run(move |conn| {
                background_write_transaction(conn, |conn| {
                    outbox::mark_failed(conn, id, &token, now, &stored, retry_at)
                })
            })
            .await?;
        match retry_at {
            Some(at) => {
                tracing::warn!(
                    outbox_id = %id,
                    kind = %message.kind,
                    attempt = message.attempts,
                    error = %failure.logged,
                    next_attempt_at = %at,
                    "e-mail not sent; will retry"
                );
                Ok(Failed::Retrying)
            }
            None => {
                tracing::error!(
                    outbox_id = %id,
                    kind = %message.kind,
                    attempt = message.attempts,
                    error = %failure.logged,
                    permanent = failure.permanent,
                    "e-mail not sent; given up (dead): `entraide outbox retry` sends it again"
                );
                Ok(Failed::Dead)
            }
        }
    }

    /// Starts the worker on the current tokio runtime; it polls the outbox until
    /// [`WorkerHandle::shutdown`].
    pub fn spawn(self) -> WorkerHandle {
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(self.run(stopped));
        WorkerHandle { stop, task }
    }

    async fn run(self, mut stop: watch::Receiver<bool>) {
        tracing::info!(
            transport = %self.settings.transport,
            max_attempts = self.settings.max_attempts,
            "e-mail delivery started"
        );
        loop {
            if *stop.borrow() {
                break;
            }
            let pause = match self.deliver_due().await {
                // A full round means more may be due: go on at once.
                Ok(report) if report.total() >= ROUND => continue,
                Ok(_) => self.settings.poll_interval,
                Err(error) => {
                    tracing::warn!(error = %error, "outbox not reachable; will try again");
                    // Do not flood the logs while the database is down.
                    self.settings.poll_interval.max(Duration::from_secs(5))
                }
            };
            tokio::select! {
                changed = stop.changed() => {
                    // A dropped handle stops the worker too.
                    if changed.is_err() {
                        break;
                    }
                }
                _ = tokio::time::sleep(pause) => {}
            }
        }
        tracing::info!("e-mail delivery stopped");
    }
}

/// What became of a failed attempt.
enum Failed {
    Retrying,
    Dead,
}

/// Starts a delivery worker on the current tokio runtime (see [`DeliveryWorker`]).
pub fn spawn_delivery_worker(
    store: Store,
    settings: MailSettings,
    clock: Arc<dyn Clock>,
) -> Result<WorkerHandle, NotifierError> {
    Ok(DeliveryWorker::new(store, settings, clock)?.spawn())
}

/// A running delivery worker.
#[derive(Debug)]
pub struct WorkerHandle {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl WorkerHandle {
    /// Asks the worker to stop and waits for it: the message being sent, if any, is
    /// finished and recorded first (bounded by the delivery timeout).
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        if let Err(error) = self.task.await {
            tracing::error!(error = %error, "e-mail delivery task failed");
        }
    }
}

/// Classifies an SMTP error. 5xx replies are permanent, except authentication refusals
/// (530, 534, 535, 538): those mean our settings are wrong, not the message, so the
/// message waits for the operator to fix them.
fn smtp_failure(error: &lettre::transport::smtp::Error) -> Failure {
    let code = error.status().map(u16::from);
    let auth_refused = matches!(code, Some(530 | 534 | 535 | 538));
    let logged = match code {
        // The server's text may quote the recipient's address: keep it out of logs.
        Some(code) => format!("SMTP reply {code}"),
        None => error.to_string(),
    };
    Failure {
        permanent: error.is_permanent() && !auth_refused,
        stored: error.to_string(),
        logged,
    }
}

fn delta(duration: Duration) -> TimeDelta {
    TimeDelta::from_std(duration).unwrap_or(TimeDelta::MAX)
}

/// `Auto-Submitted: auto-generated` (RFC 3834): tells mail systems not to answer these
/// e-mails with vacation replies.
#[derive(Debug, Clone, Copy)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".to_owned())
    }
}
