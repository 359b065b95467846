//! The transactional outbox: queueing, claiming, recording outcomes, listing and retrying.
//!
//! A message goes `pending` → `sending` (claimed by one worker, with a lease) → `sent`, or
//! back to `pending` with a later `next_attempt_at` after a transient failure, or `dead`
//! after a permanent failure or too many attempts. A `sending` row whose lease has
//! expired belongs to a worker that died: it is claimable again.
//!
//! Claiming is one conditional `UPDATE` that sets a fresh claim token on a batch of due
//! rows, so that two workers never both own a row: on PostgreSQL the candidate is picked with `FOR UPDATE SKIP
//! LOCKED` (several processes skip each other's rows instead of waiting) and the outer
//! `WHERE` re-checks the row once locked; on SQLite writes are serialised anyway.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Text, Timestamp};
use entraide_core::Email;
use entraide_store::schema::outbox;
use entraide_store::{DbConnection, StoreError};
use uuid::Uuid;

use crate::{EmailTemplate, NotifierError, RenderedEmail};

/// Where a message is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutboxStatus {
    /// Waiting for its next attempt.
    Pending,
    /// Claimed by a worker that is sending it.
    Sending,
    /// Accepted by the mail server.
    Sent,
    /// Given up on: a permanent failure or too many attempts. Staff may retry it.
    Dead,
}

impl OutboxStatus {
    /// Every status.
    pub const ALL: [OutboxStatus; 4] = [
        OutboxStatus::Pending,
        OutboxStatus::Sending,
        OutboxStatus::Sent,
        OutboxStatus::Dead,
    ];

    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Pending => "pending",
            OutboxStatus::Sending => "sending",
            OutboxStatus::Sent => "sent",
            OutboxStatus::Dead => "dead",
        }
    }
}

impl fmt::Display for OutboxStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OutboxStatus {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        OutboxStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == text)
            .ok_or_else(|| {
                format!("`{text}` is not an outbox status (pending, sending, sent, dead)")
            })
    }
}

/// One message of the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    /// Outbox id, returned by [`queue`].
    pub id: Uuid,
    /// Message kind (template folder), e.g. `case_proposed`.
    pub kind: String,
    /// Recipient address.
    pub recipient: String,
    /// Rendered subject.
    pub subject: String,
    /// Rendered plain-text body.
    pub body_text: String,
    /// Rendered HTML body.
    pub body_html: String,
    /// The Message-ID header every attempt carries, with its angle brackets.
    pub message_id: String,
    /// Where it is.
    pub status: OutboxStatus,
    /// Attempts started so far (an attempt counts from the moment it is claimed).
    pub attempts: u32,
    /// When it may be tried next (pending messages).
    pub next_attempt_at: NaiveDateTime,
    /// End of the current delivery lease (sending messages).
    pub locked_until: Option<NaiveDateTime>,
    /// What went wrong last time, as the server or the system said it.
    pub last_error: Option<String>,
    /// When it was queued.
    pub created_at: NaiveDateTime,
    /// Last change.
    pub updated_at: NaiveDateTime,
    /// When the server accepted it.
    pub sent_at: Option<NaiveDateTime>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = outbox)]
struct OutboxRow {
    id: String,
    kind: String,
    recipient: String,
    subject: String,
    body_text: String,
    body_html: String,
    message_id: String,
    status: String,
    attempts: i32,
    next_attempt_at: NaiveDateTime,
    locked_until: Option<NaiveDateTime>,
    last_error: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    sent_at: Option<NaiveDateTime>,
}

impl TryFrom<OutboxRow> for OutboxMessage {
    type Error = StoreError;

    fn try_from(row: OutboxRow) -> Result<Self, StoreError> {
        Ok(OutboxMessage {
            id: Uuid::parse_str(&row.id)
                .map_err(|_| StoreError::Corrupt(format!("malformed outbox id `{}`", row.id)))?,
            status: row.status.parse().map_err(StoreError::Corrupt)?,
            attempts: u32::try_from(row.attempts).unwrap_or(0),
            kind: row.kind,
            recipient: row.recipient,
            subject: row.subject,
            body_text: row.body_text,
            body_html: row.body_html,
            message_id: row.message_id,
            next_attempt_at: row.next_attempt_at,
            locked_until: row.locked_until,
            last_error: row.last_error,
            created_at: row.created_at,
            updated_at: row.updated_at,
            sent_at: row.sent_at,
        })
    }
}

/// Domain of the Message-IDs set at queue time (any stable dot-atom does).
const MESSAGE_ID_DOMAIN: &str = "entraide.outbox";

/// Renders `message` for `to` and writes it to the outbox, to be sent by the delivery
/// worker; returns the outbox id.
///
/// Call it inside the transaction of the change that causes the e-mail, on that
/// transaction's connection (`conn.transaction(|conn| { change; queue(conn, ..)?; .. })`):
/// the e-mail then exists if and only if the change was committed. It opens no connection
/// of its own. Rendering happens now and strictly, so a template error aborts the
/// transaction instead of sending a half-rendered e-mail later.
///
/// The message is due at once by the system clock; code that runs on an injected clock
/// (tests with a manual clock) uses [`queue_at`] with that clock's time.
pub fn queue(
    conn: &mut DbConnection,
    to: &Email,
    message: &impl EmailTemplate,
) -> Result<Uuid, NotifierError> {
    queue_at(
        conn,
        to,
        message,
        entraide_store::Clock::now(&entraide_store::SystemClock),
    )
}

/// [`queue`] at a given time (the caller's clock; tests use a manual one).
pub fn queue_at<T: EmailTemplate>(
    conn: &mut DbConnection,
    to: &Email,
    message: &T,
    now: NaiveDateTime,
) -> Result<Uuid, NotifierError> {
    enqueue(conn, &prepare(to, message)?, now)
}

/// An e-mail addressed and rendered, not queued yet: see [`prepare`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedEmail {
    id: Uuid,
    kind: &'static str,
    recipient: String,
    rendered: RenderedEmail,
}

/// Checks the address and renders `message`, without touching the database: the part of
/// [`queue_at`] that may run before the transaction that queues the e-mail (with
/// [`enqueue`]), so that a writer holds the database's write lock for less time.
pub fn prepare<T: EmailTemplate>(to: &Email, message: &T) -> Result<PreparedEmail, NotifierError> {
    // `Email` is valid by construction; lettre's own parser is the one that sends, so an
    // address it refused would fail on every attempt: refuse it now, with the change.
    to.as_str()
        .parse::<lettre::Address>()
        .map_err(|e| NotifierError::InvalidRecipient(e.to_string()))?;
    Ok(PreparedEmail {
        id: entraide_store::new_row_id(),
        kind: T::KIND,
        recipient: to.as_str().to_owned(),
        rendered: message.render()?,
    })
}

/// Writes a prepared e-mail to the outbox, due at `now`; returns its outbox id. As for
/// [`queue`], call it inside the transaction of the change that causes the e-mail.
pub fn enqueue(
    conn: &mut DbConnection,
    email: &PreparedEmail,
    now: NaiveDateTime,
) -> Result<Uuid, NotifierError> {
    let id = email.id;
    let row = (
        outbox::id.eq(id.to_string()),
        outbox::kind.eq(email.kind),
        outbox::recipient.eq(&email.recipient),
        outbox::subject.eq(&email.rendered.subject),
        outbox::body_text.eq(&email.rendered.text),
        outbox::body_html.eq(&email.rendered.html),
        outbox::message_id.eq(format!("<{}@{MESSAGE_ID_DOMAIN}>", id.simple())),
        outbox::status.eq(OutboxStatus::Pending.as_str()),
        outbox::attempts.eq(0),
        outbox::next_attempt_at.eq(now),
        outbox::created_at.eq(now),
        outbox::updated_at.eq(now),
    );
    diesel::insert_into(outbox::table)
        .values(row)
        .execute(conn)
        .map_err(StoreError::from)?;
    tracing::debug!(outbox_id = %id, kind = email.kind, "e-mail queued");
    Ok(id)
}

/// One message by id.
pub fn get(conn: &mut DbConnection, id: Uuid) -> Result<OutboxMessage, NotifierError> {
    let row = outbox::table
        .filter(outbox::id.eq(id.to_string()))
        .select(OutboxRow::as_select())
        .get_result(conn)
        .map_err(StoreError::from)?;
    Ok(OutboxMessage::try_from(row)?)
}

/// Which messages [`list`] returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListFilter {
    /// Everything not sent yet: pending, sending and dead.
    Unsent,
    /// One status.
    Status(OutboxStatus),
    /// Every message.
    All,
}

/// Messages matching `filter`, oldest first, at most `limit`.
pub fn list(
    conn: &mut DbConnection,
    filter: ListFilter,
    limit: i64,
) -> Result<Vec<OutboxMessage>, NotifierError> {
    let mut query = outbox::table
        .select(OutboxRow::as_select())
        .order((outbox::created_at.asc(), outbox::id.asc()))
        .limit(limit)
        .into_boxed();
    match filter {
        ListFilter::Unsent => {
            query = query.filter(outbox::status.ne(OutboxStatus::Sent.as_str()));
        }
        ListFilter::Status(status) => query = query.filter(outbox::status.eq(status.as_str())),
        ListFilter::All => {}
    }
    let rows = query.load(conn).map_err(StoreError::from)?;
    Ok(rows
        .into_iter()
        .map(OutboxMessage::try_from)
        .collect::<Result<_, _>>()?)
}

/// How many messages are in each status.
pub fn counts(conn: &mut DbConnection) -> Result<Vec<(OutboxStatus, i64)>, NotifierError> {
    let mut counts = Vec::new();
    for status in OutboxStatus::ALL {
        let count: i64 = outbox::table
            .filter(outbox::status.eq(status.as_str()))
            .count()
            .get_result(conn)
            .map_err(StoreError::from)?;
        counts.push((status, count));
    }
    Ok(counts)
}

/// Makes a dead message (or a pending one waiting for its next attempt) due now, with a
/// fresh count of attempts. A message being sent or already sent is refused: retrying it
/// could send it twice.
pub fn retry(
    conn: &mut DbConnection,
    id: Uuid,
    now: NaiveDateTime,
) -> Result<OutboxMessage, NotifierError> {
    let current = get(conn, id)?;
    if !matches!(current.status, OutboxStatus::Dead | OutboxStatus::Pending) {
        return Err(NotifierError::NotRetryable {
            id,
            status: current.status,
        });
    }
    let changed = diesel::update(
        outbox::table
            .filter(outbox::id.eq(id.to_string()))
            .filter(outbox::status.eq(current.status.as_str())),
    )
    .set(revived(now))
    .execute(conn)
    .map_err(StoreError::from)?;
    if changed == 0 {
        // It changed status between the read and the write (a worker claimed it).
        let now_status = get(conn, id)?.status;
        return Err(NotifierError::NotRetryable {
            id,
            status: now_status,
        });
    }
    tracing::info!(outbox_id = %id, "outbox message set to retry");
    get(conn, id)
}

/// Makes every dead message due now (after fixing the mail settings, say); returns how
/// many.
pub fn retry_all_dead(conn: &mut DbConnection, now: NaiveDateTime) -> Result<usize, NotifierError> {
    let changed =
        diesel::update(outbox::table.filter(outbox::status.eq(OutboxStatus::Dead.as_str())))
            .set(revived(now))
            .execute(conn)
            .map_err(StoreError::from)?;
    tracing::info!(count = changed, "dead outbox messages set to retry");
    Ok(changed)
}

#[allow(clippy::type_complexity)]
fn revived(
    now: NaiveDateTime,
) -> (
    diesel::dsl::Eq<outbox::status, &'static str>,
    diesel::dsl::Eq<outbox::attempts, i32>,
    diesel::dsl::Eq<outbox::next_attempt_at, NaiveDateTime>,
    diesel::dsl::Eq<outbox::updated_at, NaiveDateTime>,
) {
    (
        outbox::status.eq(OutboxStatus::Pending.as_str()),
        outbox::attempts.eq(0),
        outbox::next_attempt_at.eq(now),
        outbox::updated_at.eq(now),
    )
}

/// One claim: which messages it takes, in which order. Written with `$n` placeholders
/// (SQLite accepts `?n`, same numbering): `$1` claim token, `$2` lease end, `$3` now.
///
/// Two claims, each on one state, rather than one with `OR`: with the `OR`, neither
/// database can walk the `(status, next_attempt_at)` index in order and stop at the first
/// row, so each claim sorted every due message, and SQLite read each one's bodies (the
/// state columns come after them) to do it: milliseconds per e-mail with a few thousand
/// waiting, while every other writer waited. First the messages whose sender's lease ran
/// out (a process died while sending: they are the most overdue), then the due ones in
/// order.
struct Claim {
    condition: &'static str,
    order: &'static str,
}

const CLAIM_EXPIRED_LEASE: Claim = Claim {
    condition: "status = 'sending' AND locked_until <= $3",
    order: "locked_until, id",
};

const CLAIM_DUE: Claim = Claim {
    condition: "status = 'pending' AND next_attempt_at <= $3",
    order: "next_attempt_at, created_at, id",
};

impl Claim {
    /// The statement for PostgreSQL (`postgres`) or SQLite, taking at most `limit`
    /// messages.
    ///
    /// On PostgreSQL the inner `SELECT` locks the rows it picks (skipping those another
    /// worker holds) and the outer `WHERE` checks the condition again on the locked row,
    /// which the `SELECT` saw in its older snapshot. SQLite runs the statement alone under
    /// its write lock, so nothing changes in between, and the check must not be repeated:
    /// its planner would then walk every due message of the index for the outer `WHERE`
    /// instead of looking up the `limit` ids (16 % of the server's time under load, with
    /// a few thousand e-mails waiting).
    fn sql(&self, postgres: bool, limit: usize) -> String {
        let Claim { condition, order } = self;
        let statement = |lock: &str, recheck: &str| {
            format!(
                "UPDATE outbox
                SET status = 'sending', locked_by = $1, locked_until = $2,
                    attempts = attempts + 1, updated_at = $3
                WHERE id IN (
                    SELECT id FROM outbox WHERE {condition} ORDER BY {order} LIMIT {limit} {lock}
                ) {recheck}"
            )
        };
        if postgres {
            statement("FOR UPDATE SKIP LOCKED", &format!("AND {condition}"))
        } else {
            statement("", "").replace('$', "?")
        }
    }
}

/// Runs one claim on the backend's own connection, for at most `limit` rows.
fn claim_with(
    conn: &mut DbConnection,
    claim: &Claim,
    limit: usize,
    token: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
) -> Result<usize, NotifierError> {
    let postgres = matches!(conn, DbConnection::Postgres(_));
    let query = diesel::sql_query(claim.sql(postgres, limit))
        .bind::<Text, _>(token)
        .bind::<Timestamp, _>(lease_until)
        .bind::<Timestamp, _>(now);
    Ok(match conn {
        DbConnection::Postgres(pg) => query.execute(pg),
        DbConnection::Sqlite(sqlite) => query.execute(sqlite),
    }
    .map_err(StoreError::from)?)
}

/// Claims up to `limit` due messages for a worker until `lease_until`, the most overdue
/// first; empty when nothing is due. Each returned message counts this attempt. One
/// claim serves a batch so that a busy outbox costs its writers one transaction per
/// batch rather than one per e-mail.
pub(crate) fn claim_due(
    conn: &mut DbConnection,
    limit: usize,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
) -> Result<Claimed, NotifierError> {
    let token = Uuid::new_v4().to_string();
    let mut claimed = claim_with(conn, &CLAIM_EXPIRED_LEASE, limit, &token, now, lease_until)?;
    if claimed < limit {
        claimed += claim_with(conn, &CLAIM_DUE, limit - claimed, &token, now, lease_until)?;
    }
    if claimed == 0 {
        return Ok(Claimed {
            token,
            messages: Vec::new(),
        });
    }
    let mut messages = outbox::table
        .filter(outbox::locked_by.eq(&token))
        .filter(outbox::status.eq(OutboxStatus::Sending.as_str()))
        .select(OutboxRow::as_select())
        .load(conn)
        .map_err(StoreError::from)?
        .into_iter()
        .map(OutboxMessage::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    // The order of the queue: the oldest due first.
    messages.sort_by(|a, b| {
        (a.next_attempt_at, a.created_at, a.id).cmp(&(b.next_attempt_at, b.created_at, b.id))
    });
    Ok(Claimed { token, messages })
}

/// A batch of messages claimed by one worker, under one claim token.
#[derive(Debug)]
pub(crate) struct Claimed {
    pub(crate) token: String,
    pub(crate) messages: Vec<OutboxMessage>,
}

/// Records that the server accepted these messages. Done even if the lease was lost in
/// the meantime: the messages *were* delivered, and saying so prevents another attempt.
/// Returns how many were not marked sent already.
pub(crate) fn mark_sent(
    conn: &mut DbConnection,
    ids: &[Uuid],
    now: NaiveDateTime,
) -> Result<usize, NotifierError> {
    let ids: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    let changed = diesel::update(
        outbox::table
            .filter(outbox::id.eq_any(&ids))
            .filter(outbox::status.ne(OutboxStatus::Sent.as_str())),
    )
    .set((
        outbox::status.eq(OutboxStatus::Sent.as_str()),
        outbox::sent_at.eq(now),
        outbox::updated_at.eq(now),
        outbox::locked_by.eq(None::<String>),
        outbox::locked_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)
    .map_err(StoreError::from)?;
    Ok(changed)
}

/// Records a failed attempt: due again at `retry_at`, or dead when `retry_at` is `None`.
/// Only while this worker still holds the claim: a row another worker took over (or
/// marked sent) is left alone. Returns whether the row was updated.
pub(crate) fn mark_failed(
    conn: &mut DbConnection,
    id: Uuid,
    token: &str,
    now: NaiveDateTime,
    error: &str,
    retry_at: Option<NaiveDateTime>,
) -> Result<bool, NotifierError> {
    let (status, next) = match retry_at {
        Some(at) => (OutboxStatus::Pending, at),
        None => (OutboxStatus::Dead, now),
    };
    let changed = diesel::update(
        outbox::table
            .filter(outbox::id.eq(id.to_string()))
            .filter(outbox::locked_by.eq(token))
            .filter(outbox::status.eq(OutboxStatus::Sending.as_str())),
    )
    .set((
        outbox::status.eq(status.as_str()),
        outbox::next_attempt_at.eq(next),
        outbox::last_error.eq(error),
        outbox::updated_at.eq(now),
        outbox::locked_by.eq(None::<String>),
        outbox::locked_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)
    .map_err(StoreError::from)?;
    Ok(changed == 1)
}

#[cfg(test)]
mod tests {
    use diesel::sql_types::Text;
    use entraide_store::testing::TestDb;

    use super::*;

    #[derive(QueryableByName)]
    struct PlanStep {
        #[diesel(sql_type = Text)]
        detail: String,
    }

    /// The plan of each claim on SQLite: the outer `UPDATE` finds the ids the inner
    /// `SELECT` chose by primary key, rather than walking the due index, which costs as
    /// many reads as messages waiting.
    #[test]
    fn sqlite_claims_update_the_chosen_messages_by_key() {
        let db = TestDb::sqlite();
        for claim in [&CLAIM_EXPIRED_LEASE, &CLAIM_DUE] {
            let plan = db
                .store()
                .run_blocking(|conn| {
                    let DbConnection::Sqlite(sqlite) = conn else {
                        unreachable!("a SQLite test database")
                    };
                    diesel::sql_query(format!("EXPLAIN QUERY PLAN {}", claim.sql(false, 32)))
                        .load::<PlanStep>(sqlite)
                        .map_err(StoreError::from)
                })
                .expect("explain the claim");
            let steps: Vec<&str> = plan.iter().map(|step| step.detail.as_str()).collect();
            assert!(
                steps[0].starts_with("SEARCH outbox USING") && steps[0].ends_with("(id=?)"),
                "claim `{}` plans {steps:?}",
                claim.condition
            );
        }
    }
}
