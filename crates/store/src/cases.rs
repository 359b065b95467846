//! What happens after a help request arrives (issue 7): proposals to volunteers in waves,
//! the case held by the volunteer who accepted, the answer given, the requester's rating
//! and the closing, with every change of state in the request's audit trail.
//!
//! The functions that change something run inside the caller's write transaction
//! ([`crate::write_transaction`]), after [`lock_request`]: every change to a request or
//! to its proposals takes that request's row lock first, so that on PostgreSQL two
//! transactions on one request run one after the other (on SQLite the write transaction
//! already holds the database's write lock). State changes are still conditional updates
//! on the state read (`... WHERE status = 'proposed'`) whose affected rows say whether
//! this transaction made the change, and the `cases` primary key makes "one volunteer
//! per request" a database rule.

use std::fmt;
use std::str::FromStr;

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use diesel::dsl::{case_when, not};
use diesel::prelude::*;
use diesel::sql_types::Integer;
use entraide_core::{AnswerType, Urgency};
use serde::Serialize;
use uuid::Uuid;

use crate::establishments::stored;
use crate::requests::{self, record_transition, HelpRequest, RequestStatus};
use crate::schema::{
    case_answer_items, case_answers, case_ratings, cases, help_requests, proposals, user_roles,
    users, volunteers,
};
use crate::users::parse_id;
use crate::volunteers::{self as volunteer_store, Volunteer};
use crate::{DbConnection, StoreError, StoreResult, Visibility};

/// Whether the life of a request allows moving it from `from` to `to`:
///
/// | from | to |
/// |---|---|
/// | `submitted` | `proposed` (first wave), `unmatched` (nobody could be asked in time), `cancelled` |
/// | `proposed` | `accepted`, `unmatched` (after the last wave), `cancelled` |
/// | `unmatched` | `proposed` (staff propose or reopen), `cancelled` |
/// | `accepted` | `resolved`, `cancelled`, `proposed` or `unmatched` (staff reopen: the volunteer is released) |
/// | `resolved` | `closed`, `accepted` (staff reopen) |
/// | `closed` | `accepted` (staff reopen) |
/// | `cancelled` | `proposed` or `unmatched` (staff reopen) |
///
/// A new wave of a `proposed` request is not a change of state.
pub fn transition_allowed(from: RequestStatus, to: RequestStatus) -> bool {
    use RequestStatus::*;
    matches!(
        (from, to),
        (Submitted, Proposed | Unmatched | Cancelled)
            | (Proposed, Accepted | Unmatched | Cancelled)
            | (Unmatched, Proposed | Cancelled)
            | (Accepted, Resolved | Cancelled | Proposed | Unmatched)
            | (Resolved, Closed | Accepted)
            | (Closed, Accepted)
            | (Cancelled, Proposed | Unmatched)
    )
}

/// An accepted case with no answer after this long is shown to staff as stalled.
pub const STALLED_ACCEPTED: TimeDelta = TimeDelta::days(7);

/// A submitted request to which nobody could be proposed after this long is shown to
/// staff as stalled (the background job normally proposes it within a minute).
pub const STALLED_SUBMITTED: TimeDelta = TimeDelta::hours(1);

// --- Requests: lock, progress, state changes ---

/// The life-cycle columns of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// Request id.
    pub id: Uuid,
    /// Current state.
    pub status: RequestStatus,
    /// Urgency (the delay given to volunteers depends on it).
    pub urgency: Urgency,
    /// Current wave of proposals (0 before the first).
    pub wave: i32,
    /// Last wave the service proposes on its own (`None` before the first wave).
    pub last_wave: Option<i32>,
    /// Owner of the request.
    pub requester_user_id: Uuid,
    /// Submission time.
    pub created_at: NaiveDateTime,
}

/// The life-cycle columns of a request (`NotFound` when it does not exist).
pub fn progress(conn: &mut DbConnection, id: Uuid) -> StoreResult<Progress> {
    let (status, urgency, wave, last_wave, requester, created_at): (
        String,
        String,
        i32,
        Option<i32>,
        String,
        NaiveDateTime,
    ) = help_requests::table
        .find(id.to_string())
        .select((
            help_requests::status,
            help_requests::urgency,
            help_requests::wave,
            help_requests::last_wave,
            help_requests::requester_user_id,
            help_requests::created_at,
        ))
        .get_result(conn)?;
    Ok(Progress {
        id,
        status: status.parse()?,
        urgency: stored("urgency", &urgency)?,
        wave,
        last_wave,
        requester_user_id: parse_id(&requester)?,
        created_at,
    })
}

/// Takes the request's row lock until the end of the transaction (`NotFound` when it does
/// not exist), then reads its progress. Call it first in every transaction that changes
/// a request, its proposals or its case, a [`crate::write_transaction`].
///
/// On PostgreSQL a statement rewrites a column with its own value: a no-op that locks the
/// row, so that a second transaction on the same request waits here and then reads what
/// the first one committed. On SQLite the transaction already holds the database's one
/// write lock (`write_transaction` began with `BEGIN IMMEDIATE`), which serializes more.
pub fn lock_request(conn: &mut DbConnection, id: Uuid) -> StoreResult<Progress> {
    if matches!(conn, DbConnection::Postgres(_)) {
        let touched = diesel::update(help_requests::table.find(id.to_string()))
            .set(help_requests::updated_at.eq(help_requests::updated_at))
            .execute(conn)?;
        if touched == 0 {
            return Err(StoreError::NotFound);
        }
    }
    progress(conn, id)
}

fn refuse_transition(from: RequestStatus, to: RequestStatus) -> StoreError {
    StoreError::Conflict(format!("the transition {from} → {to} is not allowed"))
}

/// Moves a request from `from` to `to` if it is still in `from`, and records the change
/// in the audit trail. Returns false (and changes nothing) when it was no longer in
/// `from`; a transition that the life of a request does not allow is an error.
pub fn change_status(
    conn: &mut DbConnection,
    id: Uuid,
    from: RequestStatus,
    to: RequestStatus,
    actor: Option<Uuid>,
    reason: Option<&str>,
    now: NaiveDateTime,
) -> StoreResult<bool> {
    if !transition_allowed(from, to) {
        return Err(refuse_transition(from, to));
    }
    let changed = diesel::update(
        help_requests::table
            .find(id.to_string())
            .filter(help_requests::status.eq(from.as_str())),
    )
    .set((
        help_requests::status.eq(to.as_str()),
        help_requests::updated_at.eq(now),
    ))
    .execute(conn)?;
    if changed == 1 {
        record_transition(conn, id, Some(from), to, actor, reason, now)?;
    }
    Ok(changed == 1)
}

/// What starting a wave changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaveStart {
    /// State the request must be in.
    pub from: RequestStatus,
    /// Wave it must be at (the claim: two processes cannot both start the next wave).
    pub current_wave: i32,
    /// The new wave's number.
    pub wave: i32,
    /// The last wave the service will propose on its own.
    pub last_wave: i32,
}

/// Claims the start of a wave: the request moves to `proposed` (recorded in the audit
/// trail when it was in another state) at wave `start.wave`, if it is still in
/// `start.from` at `start.current_wave`. Returns false when another transaction got
/// there first.
pub fn claim_wave(
    conn: &mut DbConnection,
    id: Uuid,
    start: WaveStart,
    actor: Option<Uuid>,
    reason: Option<&str>,
    now: NaiveDateTime,
) -> StoreResult<bool> {
    let to = RequestStatus::Proposed;
    if start.from != to && !transition_allowed(start.from, to) {
        return Err(refuse_transition(start.from, to));
    }
    let changed = diesel::update(
        help_requests::table
            .find(id.to_string())
            .filter(help_requests::status.eq(start.from.as_str()))
            .filter(help_requests::wave.eq(start.current_wave)),
    )
    .set((
        help_requests::status.eq(to.as_str()),
        help_requests::wave.eq(start.wave),
        help_requests::last_wave.eq(start.last_wave),
        help_requests::updated_at.eq(now),
    ))
    .execute(conn)?;
    if changed == 1 && start.from != to {
        record_transition(conn, id, Some(start.from), to, actor, reason, now)?;
    }
    Ok(changed == 1)
}

/// Forgets a cancellation (staff reopened the request; the audit trail keeps it).
pub fn clear_cancellation(conn: &mut DbConnection, id: Uuid) -> StoreResult<()> {
    diesel::update(help_requests::table.find(id.to_string()))
        .set((
            help_requests::cancelled_at.eq(None::<NaiveDateTime>),
            help_requests::cancel_reason.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Requests in state `submitted`, oldest first: those the first wave has not reached yet.
pub fn submitted_requests(conn: &mut DbConnection, limit: i64) -> StoreResult<Vec<Uuid>> {
    ids(help_requests::table
        .filter(help_requests::status.eq(RequestStatus::Submitted.as_str()))
        .order((help_requests::created_at.asc(), help_requests::id.asc()))
        .limit(limit)
        .select(help_requests::id)
        .load::<String>(conn)?)
}

/// Requests in state `proposed` with no pending proposal left: their wave is over.
pub fn proposed_without_pending(conn: &mut DbConnection, limit: i64) -> StoreResult<Vec<Uuid>> {
    ids(help_requests::table
        .filter(help_requests::status.eq(RequestStatus::Proposed.as_str()))
        .filter(not(help_requests::id.eq_any(
            proposals::table
                .filter(proposals::status.eq(ProposalStatus::Pending.as_str()))
                .select(proposals::request_id),
        )))
        .order((help_requests::updated_at.asc(), help_requests::id.asc()))
        .limit(limit)
        .select(help_requests::id)
        .load::<String>(conn)?)
}

/// Resolved requests whose answer was recorded at or before `cutoff`: due for the
/// automatic closing.
pub fn resolved_before(
    conn: &mut DbConnection,
    cutoff: NaiveDateTime,
    limit: i64,
) -> StoreResult<Vec<Uuid>> {
    ids(help_requests::table
        .inner_join(cases::table)
        .filter(help_requests::status.eq(RequestStatus::Resolved.as_str()))
        .filter(cases::resolved_at.le(cutoff))
        .order((cases::resolved_at.asc(), help_requests::id.asc()))
        .limit(limit)
        .select(help_requests::id)
        .load::<String>(conn)?)
}

fn ids(rows: Vec<String>) -> StoreResult<Vec<Uuid>> {
    rows.iter().map(|id| parse_id(id)).collect()
}

// --- Proposals ---

/// Where a proposal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalStatus {
    /// Waiting for the volunteer's answer.
    Pending,
    /// The volunteer accepted: they hold the case.
    Accepted,
    /// The volunteer declined.
    Declined,
    /// Unanswered in time.
    Expired,
    /// Closed by the service: another volunteer accepted, the request was cancelled, or
    /// staff released the volunteer from the case.
    Withdrawn,
}

impl ProposalStatus {
    /// Every state.
    pub const ALL: [ProposalStatus; 5] = [
        ProposalStatus::Pending,
        ProposalStatus::Accepted,
        ProposalStatus::Declined,
        ProposalStatus::Expired,
        ProposalStatus::Withdrawn,
    ];

    /// Stable code, as stored and exchanged.
    pub fn as_str(self) -> &'static str {
        match self {
            ProposalStatus::Pending => "pending",
            ProposalStatus::Accepted => "accepted",
            ProposalStatus::Declined => "declined",
            ProposalStatus::Expired => "expired",
            ProposalStatus::Withdrawn => "withdrawn",
        }
    }

    /// French label.
    pub fn label(self) -> &'static str {
        match self {
            ProposalStatus::Pending => "En attente de réponse",
            ProposalStatus::Accepted => "Acceptée",
            ProposalStatus::Declined => "Déclinée",
            ProposalStatus::Expired => "Expirée",
            ProposalStatus::Withdrawn => "Retirée",
        }
    }
}

impl fmt::Display for ProposalStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ProposalStatus {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown proposal status `{s}`")))
    }
}

/// A request offered to one volunteer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Proposal {
    /// Id.
    pub id: Uuid,
    /// The request.
    pub request_id: Uuid,
    /// The volunteer asked.
    pub volunteer_id: Uuid,
    /// Wave, from 1.
    pub wave: i32,
    /// Place in the ranking when proposed (0: proposed by staff).
    pub rank: i32,
    /// Matching score when proposed.
    pub score: f64,
    /// Why the volunteer was chosen, in French.
    pub reasons: Vec<String>,
    /// Current state.
    pub status: ProposalStatus,
    /// Staff member who proposed it (`None`: the service).
    pub proposed_by: Option<Uuid>,
    /// When it was sent.
    pub created_at: NaiveDateTime,
    /// When it expires unanswered.
    pub expires_at: NaiveDateTime,
    /// When the reminder was sent.
    pub reminded_at: Option<NaiveDateTime>,
    /// When the volunteer answered (or the service withdrew it).
    pub responded_at: Option<NaiveDateTime>,
    /// The volunteer's reason for declining, when given.
    pub decline_reason: Option<String>,
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = proposals)]
struct ProposalRow {
    id: String,
    request_id: String,
    volunteer_id: String,
    wave: i32,
    rank: i32,
    score: f64,
    reasons: String,
    status: String,
    proposed_by: Option<String>,
    created_at: NaiveDateTime,
    expires_at: NaiveDateTime,
    reminded_at: Option<NaiveDateTime>,
    responded_at: Option<NaiveDateTime>,
    decline_reason: Option<String>,
}

impl TryFrom<ProposalRow> for Proposal {
    type Error = StoreError;

    fn try_from(row: ProposalRow) -> StoreResult<Proposal> {
        Ok(Proposal {
            id: parse_id(&row.id)?,
            request_id: parse_id(&row.request_id)?,
            volunteer_id: parse_id(&row.volunteer_id)?,
            wave: row.wave,
            rank: row.rank,
            score: row.score,
            reasons: serde_json::from_str(&row.reasons)
                .map_err(|e| StoreError::Corrupt(format!("proposal reasons: {e}")))?,
            status: row.status.parse()?,
            proposed_by: row.proposed_by.as_deref().map(parse_id).transpose()?,
            created_at: row.created_at,
            expires_at: row.expires_at,
            reminded_at: row.reminded_at,
            responded_at: row.responded_at,
            decline_reason: row.decline_reason,
        })
    }
}

fn proposals_from(rows: Vec<ProposalRow>) -> StoreResult<Vec<Proposal>> {
    rows.into_iter().map(Proposal::try_from).collect()
}

/// A proposal about to be sent.
#[derive(Debug, Clone, PartialEq)]
pub struct NewProposal {
    /// The request.
    pub request_id: Uuid,
    /// The volunteer asked.
    pub volunteer_id: Uuid,
    /// Wave.
    pub wave: i32,
    /// Place in the ranking (0: proposed by staff).
    pub rank: i32,
    /// Matching score.
    pub score: f64,
    /// Matching reasons.
    pub reasons: Vec<String>,
    /// Staff member proposing (`None`: the service).
    pub proposed_by: Option<Uuid>,
    /// Expiry.
    pub expires_at: NaiveDateTime,
}

impl Proposal {
    /// The pending proposal `new` becomes when sent at `now`, with an id of its own: what
    /// [`insert_proposal`] stores. Built before it is stored, so that its e-mail (which
    /// links to it) can be written before the transaction that stores both.
    pub fn pending(new: NewProposal, now: NaiveDateTime) -> Proposal {
        Proposal {
            id: crate::new_row_id(),
            request_id: new.request_id,
            volunteer_id: new.volunteer_id,
            wave: new.wave,
            rank: new.rank,
            score: new.score,
            reasons: new.reasons,
            status: ProposalStatus::Pending,
            proposed_by: new.proposed_by,
            created_at: now,
            expires_at: new.expires_at,
            reminded_at: None,
            responded_at: None,
            decline_reason: None,
        }
    }
}

/// Stores a pending proposal (see [`Proposal::pending`]). A volunteer is asked at most
/// once per request: a second proposal is refused with `Conflict` by the unique index.
pub fn insert_proposal(conn: &mut DbConnection, proposal: &Proposal) -> StoreResult<()> {
    let reasons = serde_json::to_string(&proposal.reasons)
        .map_err(|e| StoreError::Corrupt(format!("proposal reasons: {e}")))?;
    diesel::insert_into(proposals::table)
        .values((
            proposals::id.eq(proposal.id.to_string()),
            proposals::request_id.eq(proposal.request_id.to_string()),
            proposals::volunteer_id.eq(proposal.volunteer_id.to_string()),
            proposals::wave.eq(proposal.wave),
            proposals::rank.eq(proposal.rank),
            proposals::score.eq(proposal.score),
            proposals::reasons.eq(reasons),
            proposals::status.eq(proposal.status.as_str()),
            proposals::proposed_by.eq(proposal.proposed_by.map(|id| id.to_string())),
            proposals::created_at.eq(proposal.created_at),
            proposals::expires_at.eq(proposal.expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Ids of the volunteers' records of a user (one at most today).
fn volunteer_ids_of(
    user: Uuid,
) -> diesel::dsl::Select<
    diesel::dsl::Filter<volunteers::table, diesel::dsl::Eq<volunteers::user_id, String>>,
    volunteers::id,
> {
    volunteers::table
        .filter(volunteers::user_id.eq(user.to_string()))
        .select(volunteers::id)
}

/// A proposal the reader may see: staff see all, a volunteer the proposals addressed to
/// them (`NotFound` otherwise).
pub fn proposal(
    conn: &mut DbConnection,
    visibility: Visibility,
    id: Uuid,
) -> StoreResult<Proposal> {
    let mut query = proposals::table
        .filter(proposals::id.eq(id.to_string()))
        .into_boxed();
    if let Visibility::OwnedBy(user) = visibility {
        query = query.filter(proposals::volunteer_id.eq_any(volunteer_ids_of(user)));
    }
    query
        .select(ProposalRow::as_select())
        .get_result(conn)?
        .try_into()
}

/// Every proposal of a request, by wave then rank.
pub fn proposals_of_request(
    conn: &mut DbConnection,
    request_id: Uuid,
) -> StoreResult<Vec<Proposal>> {
    proposals_from(
        proposals::table
            .filter(proposals::request_id.eq(request_id.to_string()))
            .order((
                proposals::wave.asc(),
                proposals::rank.asc(),
                proposals::created_at.asc(),
            ))
            .select(ProposalRow::as_select())
            .load(conn)?,
    )
}

/// Filters of proposal lists; `None` filters nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProposalFilter {
    /// Only proposals in this state.
    pub status: Option<ProposalStatus>,
    /// Only proposals of this request.
    pub request_id: Option<Uuid>,
}

/// One page of the proposals the reader may see, newest first, with the total.
pub fn list_proposals(
    conn: &mut DbConnection,
    visibility: Visibility,
    filter: ProposalFilter,
    offset: i64,
    limit: i64,
) -> StoreResult<(Vec<Proposal>, i64)> {
    let query = || {
        let mut query = proposals::table.into_boxed();
        if let Visibility::OwnedBy(user) = visibility {
            query = query.filter(proposals::volunteer_id.eq_any(volunteer_ids_of(user)));
        }
        if let Some(status) = filter.status {
            query = query.filter(proposals::status.eq(status.as_str()));
        }
        if let Some(request) = filter.request_id {
            query = query.filter(proposals::request_id.eq(request.to_string()));
        }
        query
    };
    let total = query().count().get_result(conn)?;
    let rows = query()
        .order((proposals::created_at.desc(), proposals::id.asc()))
        .offset(offset)
        .limit(limit)
        .select(ProposalRow::as_select())
        .load(conn)?;
    Ok((proposals_from(rows)?, total))
}

/// Volunteers already asked for a request, whatever their answer (a volunteer is asked
/// once per request).
pub fn asked_volunteers(conn: &mut DbConnection, request_id: Uuid) -> StoreResult<Vec<Uuid>> {
    ids(proposals::table
        .filter(proposals::request_id.eq(request_id.to_string()))
        .select(proposals::volunteer_id)
        .load::<String>(conn)?)
}

/// Pending proposals of a request.
pub fn pending_count(conn: &mut DbConnection, request_id: Uuid) -> StoreResult<i64> {
    Ok(proposals::table
        .filter(proposals::request_id.eq(request_id.to_string()))
        .filter(proposals::status.eq(ProposalStatus::Pending.as_str()))
        .count()
        .get_result(conn)?)
}

/// Records the volunteer's answer to a pending proposal (`Accepted` or `Declined`, with
/// an optional reason). Returns false when it was no longer pending.
pub fn answer_proposal(
    conn: &mut DbConnection,
    id: Uuid,
    answer: ProposalStatus,
    decline_reason: Option<&str>,
    now: NaiveDateTime,
) -> StoreResult<bool> {
    let changed = diesel::update(
        proposals::table
            .find(id.to_string())
            .filter(proposals::status.eq(ProposalStatus::Pending.as_str())),
    )
    .set((
        proposals::status.eq(answer.as_str()),
        proposals::responded_at.eq(now),
        proposals::decline_reason.eq(decline_reason),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Withdraws every pending proposal of a request (someone accepted, or the request was
/// cancelled); returns how many.
pub fn withdraw_pending(
    conn: &mut DbConnection,
    request_id: Uuid,
    now: NaiveDateTime,
) -> StoreResult<usize> {
    Ok(diesel::update(
        proposals::table
            .filter(proposals::request_id.eq(request_id.to_string()))
            .filter(proposals::status.eq(ProposalStatus::Pending.as_str())),
    )
    .set((
        proposals::status.eq(ProposalStatus::Withdrawn.as_str()),
        proposals::responded_at.eq(now),
    ))
    .execute(conn)?)
}

/// Withdraws the accepted proposal of a request whose volunteer staff released.
pub fn withdraw_accepted(conn: &mut DbConnection, request_id: Uuid) -> StoreResult<usize> {
    Ok(diesel::update(
        proposals::table
            .filter(proposals::request_id.eq(request_id.to_string()))
            .filter(proposals::status.eq(ProposalStatus::Accepted.as_str())),
    )
    .set(proposals::status.eq(ProposalStatus::Withdrawn.as_str()))
    .execute(conn)?)
}

/// Requests having pending proposals whose expiry has come, oldest expiry first.
pub fn requests_with_expired_proposals(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    limit: i64,
) -> StoreResult<Vec<Uuid>> {
    let rows: Vec<String> = proposals::table
        .filter(proposals::status.eq(ProposalStatus::Pending.as_str()))
        .filter(proposals::expires_at.le(now))
        .order(proposals::expires_at.asc())
        .select(proposals::request_id)
        .limit(limit)
        .load(conn)?;
    let mut seen = Vec::with_capacity(rows.len());
    for id in ids(rows)? {
        if !seen.contains(&id) {
            seen.push(id);
        }
    }
    Ok(seen)
}

/// Marks the pending proposals of a request whose expiry has come as expired (the claim:
/// the affected rows are those this transaction expired); returns their volunteers.
pub fn expire_due(
    conn: &mut DbConnection,
    request_id: Uuid,
    now: NaiveDateTime,
) -> StoreResult<Vec<Uuid>> {
    let due = ids(proposals::table
        .filter(proposals::request_id.eq(request_id.to_string()))
        .filter(proposals::status.eq(ProposalStatus::Pending.as_str()))
        .filter(proposals::expires_at.le(now))
        .select(proposals::volunteer_id)
        .load::<String>(conn)?)?;
    let changed = diesel::update(
        proposals::table
            .filter(proposals::request_id.eq(request_id.to_string()))
            .filter(proposals::status.eq(ProposalStatus::Pending.as_str()))
            .filter(proposals::expires_at.le(now)),
    )
    .set(proposals::status.eq(ProposalStatus::Expired.as_str()))
    .execute(conn)?;
    // Under the request's lock nothing else changes these rows in between.
    if changed != due.len() {
        return Err(StoreError::Conflict(
            "proposals changed while being expired".into(),
        ));
    }
    Ok(due)
}

/// Pending proposals not yet reminded that expire after `now` and at or before
/// `horizon`: candidates for a reminder (the caller decides which are due).
pub fn reminder_candidates(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    horizon: NaiveDateTime,
    limit: i64,
) -> StoreResult<Vec<Proposal>> {
    proposals_from(
        proposals::table
            .filter(proposals::status.eq(ProposalStatus::Pending.as_str()))
            .filter(proposals::reminded_at.is_null())
            .filter(proposals::expires_at.gt(now))
            .filter(proposals::expires_at.le(horizon))
            .order(proposals::expires_at.asc())
            .limit(limit)
            .select(ProposalRow::as_select())
            .load(conn)?,
    )
}

/// Claims the reminder of a proposal: true when it was still pending and not reminded,
/// and this transaction marked it.
pub fn claim_reminder(conn: &mut DbConnection, id: Uuid, now: NaiveDateTime) -> StoreResult<bool> {
    let changed = diesel::update(
        proposals::table
            .find(id.to_string())
            .filter(proposals::status.eq(ProposalStatus::Pending.as_str()))
            .filter(proposals::reminded_at.is_null()),
    )
    .set(proposals::reminded_at.eq(now))
    .execute(conn)?;
    Ok(changed == 1)
}

// --- Volunteers ---

/// What acceptance checks about a volunteer, read from the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Availability {
    /// Open cases at once.
    pub capacity: i32,
    /// Cases accepted and not resolved yet.
    pub open_cases: i64,
    /// Not deactivated by staff.
    pub active: bool,
    /// Paused through this day.
    pub paused_until: Option<NaiveDate>,
}

/// Takes the volunteer's row lock (so that two acceptances by one volunteer cannot both
/// pass the capacity check) and reads their availability.
pub fn lock_volunteer(conn: &mut DbConnection, volunteer_id: Uuid) -> StoreResult<Availability> {
    let touched = diesel::update(volunteers::table.find(volunteer_id.to_string()))
        .set(volunteers::updated_at.eq(volunteers::updated_at))
        .execute(conn)?;
    if touched == 0 {
        return Err(StoreError::NotFound);
    }
    availability(conn, volunteer_id)
}

/// A volunteer's availability, read from the database (`NotFound` for an unknown id).
pub fn availability(conn: &mut DbConnection, volunteer_id: Uuid) -> StoreResult<Availability> {
    let (capacity, active, paused_until): (i32, bool, Option<NaiveDate>) = volunteers::table
        .find(volunteer_id.to_string())
        .select((
            volunteers::capacity,
            volunteers::active,
            volunteers::paused_until,
        ))
        .get_result(conn)?;
    Ok(Availability {
        capacity,
        open_cases: open_cases(conn, volunteer_id)?,
        active,
        paused_until,
    })
}

/// Cases a volunteer holds and has not resolved yet.
pub fn open_cases(conn: &mut DbConnection, volunteer_id: Uuid) -> StoreResult<i64> {
    Ok(cases::table
        .filter(cases::volunteer_id.eq(volunteer_id.to_string()))
        .filter(cases::resolved_at.is_null())
        .count()
        .get_result(conn)?)
}

/// Active staff members, as (user id, address, name): who is told about unmatched
/// requests.
pub fn staff_recipients(
    conn: &mut DbConnection,
) -> StoreResult<Vec<(Uuid, String, Option<String>)>> {
    users::table
        .inner_join(user_roles::table)
        .filter(user_roles::role.eq("staff"))
        .filter(users::disabled_at.is_null())
        .order(users::email.asc())
        .select((users::id, users::email, users::name))
        .load::<(String, String, Option<String>)>(conn)?
        .into_iter()
        .map(|(id, email, name)| Ok((parse_id(&id)?, email, name)))
        .collect()
}

// --- Cases ---

/// A request held by a volunteer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Case {
    /// The request.
    pub request_id: Uuid,
    /// The volunteer holding it.
    pub volunteer_id: Uuid,
    /// The proposal accepted.
    pub proposal_id: Option<Uuid>,
    /// When the volunteer accepted.
    pub accepted_at: NaiveDateTime,
    /// When the volunteer recorded the answer.
    pub resolved_at: Option<NaiveDateTime>,
    /// When the case was closed.
    pub closed_at: Option<NaiveDateTime>,
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = cases)]
struct CaseRow {
    request_id: String,
    volunteer_id: String,
    proposal_id: Option<String>,
    accepted_at: NaiveDateTime,
    resolved_at: Option<NaiveDateTime>,
    closed_at: Option<NaiveDateTime>,
}

impl TryFrom<CaseRow> for Case {
    type Error = StoreError;

    fn try_from(row: CaseRow) -> StoreResult<Case> {
        Ok(Case {
            request_id: parse_id(&row.request_id)?,
            volunteer_id: parse_id(&row.volunteer_id)?,
            proposal_id: row.proposal_id.as_deref().map(parse_id).transpose()?,
            accepted_at: row.accepted_at,
            resolved_at: row.resolved_at,
            closed_at: row.closed_at,
        })
    }
}

/// The case of a request, if a volunteer holds it.
pub fn case_of(conn: &mut DbConnection, request_id: Uuid) -> StoreResult<Option<Case>> {
    cases::table
        .find(request_id.to_string())
        .select(CaseRow::as_select())
        .get_result(conn)
        .optional()?
        .map(Case::try_from)
        .transpose()
}

/// Gives the request to the volunteer. The primary key refuses a second case for the
/// same request (`Conflict`): the first acceptance wins even if every other check missed.
pub fn insert_case(
    conn: &mut DbConnection,
    request_id: Uuid,
    volunteer_id: Uuid,
    proposal_id: Uuid,
    now: NaiveDateTime,
) -> StoreResult<()> {
    diesel::insert_into(cases::table)
        .values((
            cases::request_id.eq(request_id.to_string()),
            cases::volunteer_id.eq(volunteer_id.to_string()),
            cases::proposal_id.eq(proposal_id.to_string()),
            cases::accepted_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Removes a case whose volunteer no longer holds the request (cancelled before any
/// answer, or released by staff); the proposals and the audit trail keep who held it.
pub fn delete_case(conn: &mut DbConnection, request_id: Uuid) -> StoreResult<()> {
    diesel::delete(cases::table.find(request_id.to_string())).execute(conn)?;
    Ok(())
}

/// One way the volunteer helped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnswerItem {
    /// Answer type.
    pub answer_type: AnswerType,
    /// For a tool sent: its name.
    pub tool_name: Option<String>,
    /// For a tool sent: a link to it.
    pub tool_link: Option<String>,
}

/// How the volunteer helped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Answer {
    /// One or more answer types, in the volunteer's order.
    pub items: Vec<AnswerItem>,
    /// Short summary (no patient or health data).
    pub summary: String,
    /// Time spent, in minutes.
    pub time_spent_minutes: i32,
    /// When it was recorded.
    pub created_at: NaiveDateTime,
}

/// Records the answer (replacing the one of an earlier resolution, after a reopening)
/// and marks the case resolved. Returns false when the case was missing or already
/// resolved.
pub fn record_answer(
    conn: &mut DbConnection,
    request_id: Uuid,
    answer: &Answer,
) -> StoreResult<bool> {
    let key = request_id.to_string();
    let changed = diesel::update(cases::table.find(&key).filter(cases::resolved_at.is_null()))
        .set(cases::resolved_at.eq(answer.created_at))
        .execute(conn)?;
    if changed != 1 {
        return Ok(false);
    }
    diesel::delete(case_answer_items::table.filter(case_answer_items::request_id.eq(&key)))
        .execute(conn)?;
    diesel::delete(case_answers::table.find(&key)).execute(conn)?;
    diesel::insert_into(case_answers::table)
        .values((
            case_answers::request_id.eq(&key),
            case_answers::summary.eq(&answer.summary),
            case_answers::time_spent_minutes.eq(answer.time_spent_minutes),
            case_answers::created_at.eq(answer.created_at),
        ))
        .execute(conn)?;
    for (item, position) in answer.items.iter().zip(0..) {
        let position: i32 = position;
        diesel::insert_into(case_answer_items::table)
            .values((
                case_answer_items::request_id.eq(&key),
                case_answer_items::position.eq(position),
                case_answer_items::answer_type.eq(item.answer_type.as_str()),
                case_answer_items::tool_name.eq(item.tool_name.as_deref()),
                case_answer_items::tool_link.eq(item.tool_link.as_deref()),
            ))
            .execute(conn)?;
    }
    Ok(true)
}

/// The answer of a case, when recorded.
pub fn answer_of(conn: &mut DbConnection, request_id: Uuid) -> StoreResult<Option<Answer>> {
    let key = request_id.to_string();
    let Some((summary, time_spent_minutes, created_at)) = case_answers::table
        .find(&key)
        .select((
            case_answers::summary,
            case_answers::time_spent_minutes,
            case_answers::created_at,
        ))
        .get_result::<(String, i32, NaiveDateTime)>(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let items = case_answer_items::table
        .filter(case_answer_items::request_id.eq(&key))
        .order(case_answer_items::position.asc())
        .select((
            case_answer_items::answer_type,
            case_answer_items::tool_name,
            case_answer_items::tool_link,
        ))
        .load::<(String, Option<String>, Option<String>)>(conn)?
        .into_iter()
        .map(|(answer_type, tool_name, tool_link)| {
            Ok(AnswerItem {
                answer_type: stored("answer type", &answer_type)?,
                tool_name,
                tool_link,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Some(Answer {
        items,
        summary,
        time_spent_minutes,
        created_at,
    }))
}

/// The requester's word on the help received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rating {
    /// 1 (not useful) to 5 (very useful).
    pub rating: i32,
    /// Comment, when given.
    pub comment: Option<String>,
    /// When it was given.
    pub created_at: NaiveDateTime,
}

/// The rating of a case, when given.
pub fn rating_of(conn: &mut DbConnection, request_id: Uuid) -> StoreResult<Option<Rating>> {
    Ok(case_ratings::table
        .find(request_id.to_string())
        .select((
            case_ratings::rating,
            case_ratings::comment,
            case_ratings::created_at,
        ))
        .get_result::<(i32, Option<String>, NaiveDateTime)>(conn)
        .optional()?
        .map(|(rating, comment, created_at)| Rating {
            rating,
            comment,
            created_at,
        }))
}

/// Stores the rating of a case (`Conflict` when one exists).
pub fn insert_rating(
    conn: &mut DbConnection,
    request_id: Uuid,
    rating: &Rating,
) -> StoreResult<()> {
    diesel::insert_into(case_ratings::table)
        .values((
            case_ratings::request_id.eq(request_id.to_string()),
            case_ratings::rating.eq(rating.rating),
            case_ratings::comment.eq(rating.comment.as_deref()),
            case_ratings::created_at.eq(rating.created_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Marks a case closed (no effect when it already is).
pub fn close_case(
    conn: &mut DbConnection,
    request_id: Uuid,
    now: NaiveDateTime,
) -> StoreResult<()> {
    diesel::update(
        cases::table
            .find(request_id.to_string())
            .filter(cases::closed_at.is_null()),
    )
    .set(cases::closed_at.eq(now))
    .execute(conn)?;
    Ok(())
}

/// Gives a resolved or closed case back to its volunteer (staff reopened it): the case
/// is open again and the rating, which was about the closed case, is dropped; the answer
/// stays until the volunteer records the next one.
pub fn reopen_case(conn: &mut DbConnection, request_id: Uuid) -> StoreResult<()> {
    let key = request_id.to_string();
    diesel::update(cases::table.find(&key))
        .set((
            cases::resolved_at.eq(None::<NaiveDateTime>),
            cases::closed_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    diesel::delete(case_ratings::table.find(&key)).execute(conn)?;
    Ok(())
}

// --- Views ---

/// Filters of case lists; `None` or false filters nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CaseFilter {
    /// Only requests in this state.
    pub status: Option<RequestStatus>,
    /// Only requests submitted at or before this time (age filter).
    pub submitted_before: Option<NaiveDateTime>,
    /// Only requests that need staff: unmatched or stalled.
    pub attention: bool,
}

/// A help request with everything that happened after it arrived.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseRecord {
    /// The request.
    pub request: HelpRequest,
    /// Current wave of proposals.
    pub wave: i32,
    /// Pending proposals.
    pub pending_proposals: i64,
    /// The case, once a volunteer accepted.
    pub case: Option<Case>,
    /// The volunteer holding it.
    pub volunteer: Option<Volunteer>,
    /// The answer, once recorded.
    pub answer: Option<Answer>,
    /// The rating, once given.
    pub rating: Option<Rating>,
    /// Whether staff should look at it: accepted for a week without an answer, or
    /// submitted an hour ago and proposed to nobody yet.
    pub stalled: bool,
}

type Db = <DbConnection as Connection>::Backend;

/// Requests a reader may see as cases: staff all; anyone else the requests they
/// submitted and those they hold as a volunteer.
fn visible_requests(visibility: Visibility) -> help_requests::BoxedQuery<'static, Db> {
    let query = help_requests::table.into_boxed();
    match visibility {
        Visibility::All => query,
        Visibility::OwnedBy(user) => query.filter(
            help_requests::requester_user_id
                .eq(user.to_string())
                .or(help_requests::id.eq_any(
                    cases::table
                        .filter(cases::volunteer_id.eq_any(volunteer_ids_of(user)))
                        .select(cases::request_id),
                )),
        ),
    }
}

/// Whether a reader may see a request as a case (`NotFound` otherwise).
pub fn check_visible(conn: &mut DbConnection, visibility: Visibility, id: Uuid) -> StoreResult<()> {
    let found: i64 = visible_requests(visibility)
        .filter(help_requests::id.eq(id.to_string()))
        .count()
        .get_result(conn)?;
    if found == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

/// One case the reader may see (`NotFound` otherwise), at `now` (for "stalled").
pub fn case_record(
    conn: &mut DbConnection,
    visibility: Visibility,
    id: Uuid,
    now: NaiveDateTime,
) -> StoreResult<CaseRecord> {
    check_visible(conn, visibility, id)?;
    complete_record(conn, id, now)
}

fn is_stalled(
    status: RequestStatus,
    created_at: NaiveDateTime,
    case: Option<&Case>,
    now: NaiveDateTime,
) -> bool {
    match status {
        RequestStatus::Accepted => case.is_some_and(|c| c.accepted_at <= now - STALLED_ACCEPTED),
        RequestStatus::Submitted => created_at <= now - STALLED_SUBMITTED,
        _ => false,
    }
}

fn complete_record(
    conn: &mut DbConnection,
    id: Uuid,
    now: NaiveDateTime,
) -> StoreResult<CaseRecord> {
    let request = requests::get(conn, Visibility::All, id)?;
    let wave = progress(conn, id)?.wave;
    let case = case_of(conn, id)?;
    let volunteer = case
        .as_ref()
        .map(|c| volunteer_store::get(conn, Visibility::All, c.volunteer_id))
        .transpose()?;
    let answer = answer_of(conn, id)?;
    let rating = rating_of(conn, id)?;
    let stalled = is_stalled(request.status, request.created_at, case.as_ref(), now);
    Ok(CaseRecord {
        pending_proposals: pending_count(conn, id)?,
        wave,
        stalled,
        request,
        case,
        volunteer,
        answer,
        rating,
    })
}

/// One page of the cases a reader may see, with the total: unmatched requests first,
/// then stalled ones, then the others; oldest first within each group.
pub fn list_cases(
    conn: &mut DbConnection,
    visibility: Visibility,
    filter: CaseFilter,
    now: NaiveDateTime,
    offset: i64,
    limit: i64,
) -> StoreResult<(Vec<CaseRecord>, i64)> {
    let accepted_before = now - STALLED_ACCEPTED;
    let submitted_before = now - STALLED_SUBMITTED;
    let unmatched = || help_requests::status.eq(RequestStatus::Unmatched.as_str());
    let stalled = || {
        help_requests::status
            .eq(RequestStatus::Accepted.as_str())
            .and(
                help_requests::id.eq_any(
                    cases::table
                        .filter(cases::accepted_at.le(accepted_before))
                        .select(cases::request_id),
                ),
            )
            .or(help_requests::status
                .eq(RequestStatus::Submitted.as_str())
                .and(help_requests::created_at.le(submitted_before)))
    };
    let query = || {
        let mut query = visible_requests(visibility);
        if let Some(status) = filter.status {
            query = query.filter(help_requests::status.eq(status.as_str()));
        }
        if let Some(before) = filter.submitted_before {
            query = query.filter(help_requests::created_at.le(before));
        }
        if filter.attention {
            query = query.filter(unmatched().or(stalled()));
        }
        query
    };
    let total: i64 = query().count().get_result(conn)?;
    let priority = case_when(unmatched(), 0.into_sql::<Integer>())
        .when(stalled(), 1.into_sql::<Integer>())
        .otherwise(2.into_sql::<Integer>());
    let page: Vec<String> = query()
        .order((
            priority.asc(),
            help_requests::created_at.asc(),
            help_requests::id.asc(),
        ))
        .offset(offset)
        .limit(limit)
        .select(help_requests::id)
        .load(conn)?;
    let records = ids(page)?
        .into_iter()
        .map(|id| complete_record(conn, id, now))
        .collect::<StoreResult<Vec<_>>>()?;
    Ok((records, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_life_of_a_request_follows_its_table() {
        use RequestStatus::*;
        // Every state can be left, and every state but `submitted` can be reached.
        for status in RequestStatus::ALL {
            assert!(
                RequestStatus::ALL
                    .iter()
                    .any(|to| transition_allowed(status, *to)),
                "{status} is a dead end"
            );
            if status != Submitted {
                assert!(
                    RequestStatus::ALL
                        .iter()
                        .any(|from| transition_allowed(*from, status)),
                    "{status} cannot be reached"
                );
            }
            assert!(!transition_allowed(status, status), "{status} → {status}");
            assert!(!transition_allowed(status, Submitted), "back to submitted");
        }
        // Cancelling follows the store's rule: until help has been given.
        for status in RequestStatus::ALL {
            assert_eq!(
                transition_allowed(status, Cancelled),
                status.is_cancellable(),
                "{status}"
            );
        }
        assert!(
            !transition_allowed(Submitted, Accepted),
            "accepting needs a proposal"
        );
        assert!(!transition_allowed(Proposed, Resolved));
        assert!(!transition_allowed(Closed, Resolved));
    }

    #[test]
    fn proposal_status_codes_round_trip() {
        for status in ProposalStatus::ALL {
            assert_eq!(status.as_str().parse::<ProposalStatus>().unwrap(), status);
        }
        assert!("ouverte".parse::<ProposalStatus>().is_err());
    }
}
