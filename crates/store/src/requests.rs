//! Help requests of establishments: submission, reading (owners and staff), staff lists
//! and cancellation, with the audit trail of their states.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDateTime};
use diesel::prelude::*;
use entraide_core::{Email, EstablishmentKind, JobRole, PhoneNumber, Region, ThemeId, Urgency};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::establishments::{stored, Establishment, EstablishmentRow};
use crate::schema::{
    change_counters, establishments, help_request_themes, help_request_transitions, help_requests,
    themes,
};
use crate::users::parse_id;
use crate::{DbConnection, StoreError, StoreResult, Visibility};

/// Where a request stands. The life of a case (issue 7):
/// `submitted` → `proposed` → `accepted` → `resolved` → `closed`, plus `cancelled` (by the
/// requester or staff) and `unmatched` (nobody accepted in time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    /// Received, not yet offered to volunteers.
    Submitted,
    /// Offered to volunteers, none has accepted yet.
    Proposed,
    /// A volunteer holds the case.
    Accepted,
    /// The volunteer recorded the answer.
    Resolved,
    /// Done.
    Closed,
    /// Withdrawn by the requester or staff.
    Cancelled,
    /// Nobody accepted in time: staff must act.
    Unmatched,
}

impl RequestStatus {
    /// Every state, in the order of a request's life.
    pub const ALL: [RequestStatus; 7] = [
        RequestStatus::Submitted,
        RequestStatus::Proposed,
        RequestStatus::Accepted,
        RequestStatus::Resolved,
        RequestStatus::Closed,
        RequestStatus::Cancelled,
        RequestStatus::Unmatched,
    ];

    /// States from which a request may be cancelled: any state in which help has not
    /// been given yet.
    pub const CANCELLABLE: [RequestStatus; 4] = [
        RequestStatus::Submitted,
        RequestStatus::Proposed,
        RequestStatus::Accepted,
        RequestStatus::Unmatched,
    ];

    /// Stable code, as stored and exchanged (same as serde).
    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Submitted => "submitted",
            RequestStatus::Proposed => "proposed",
            RequestStatus::Accepted => "accepted",
            RequestStatus::Resolved => "resolved",
            RequestStatus::Closed => "closed",
            RequestStatus::Cancelled => "cancelled",
            RequestStatus::Unmatched => "unmatched",
        }
    }

    /// French label.
    pub fn label(self) -> &'static str {
        match self {
            RequestStatus::Submitted => "Reçue",
            RequestStatus::Proposed => "Proposée aux volontaires",
            RequestStatus::Accepted => "Prise en charge",
            RequestStatus::Resolved => "Réponse apportée",
            RequestStatus::Closed => "Clôturée",
            RequestStatus::Cancelled => "Annulée",
            RequestStatus::Unmatched => "Sans volontaire",
        }
    }

    /// Whether a request in this state may still be cancelled.
    pub fn is_cancellable(self) -> bool {
        Self::CANCELLABLE.contains(&self)
    }
}

impl fmt::Display for RequestStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RequestStatus {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown request status `{s}`")))
    }
}

/// A theme of a request, with its current label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestTheme {
    /// Theme id.
    pub id: String,
    /// Current French label.
    pub label: String,
}

/// The contact person of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contact {
    /// Full name.
    pub name: String,
    /// E-mail address.
    pub email: Email,
    /// Phone number.
    pub phone: PhoneNumber,
    /// Job role.
    pub job_role: JobRole,
}

/// A help request with its establishment and themes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HelpRequest {
    /// Stable id.
    pub id: Uuid,
    /// Reference quoted to people, e.g. `DA-2026-0042`.
    pub reference: String,
    /// The establishment asking for help.
    pub establishment: Establishment,
    /// The contact's account, owner of the request.
    pub requester_user_id: Uuid,
    /// The contact person.
    pub contact: Contact,
    /// Themes, main one first.
    pub themes: Vec<RequestTheme>,
    /// What the establishment needs.
    pub description: String,
    /// Urgency.
    pub urgency: Urgency,
    /// Current state.
    pub status: RequestStatus,
    /// Submission time.
    pub created_at: NaiveDateTime,
    /// Last change.
    pub updated_at: NaiveDateTime,
    /// When it was cancelled.
    pub cancelled_at: Option<NaiveDateTime>,
    /// Why, when a reason was given.
    pub cancel_reason: Option<String>,
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = help_requests)]
struct RequestRow {
    id: String,
    reference: String,
    requester_user_id: String,
    contact_name: String,
    contact_email: String,
    contact_phone: String,
    contact_job_role: String,
    description: String,
    urgency: String,
    status: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    cancelled_at: Option<NaiveDateTime>,
    cancel_reason: Option<String>,
}

impl RequestRow {
    fn complete(
        self,
        establishment: EstablishmentRow,
        themes: Vec<RequestTheme>,
    ) -> StoreResult<HelpRequest> {
        Ok(HelpRequest {
            id: parse_id(&self.id)?,
            reference: self.reference,
            establishment: establishment.try_into()?,
            requester_user_id: parse_id(&self.requester_user_id)?,
            contact: Contact {
                name: self.contact_name,
                email: crate::applications::decode_personal("e-mail address", &self.contact_email)?,
                phone: crate::applications::decode_personal("phone number", &self.contact_phone)?,
                job_role: stored("job role", &self.contact_job_role)?,
            },
            themes,
            description: self.description,
            urgency: stored("urgency", &self.urgency)?,
            status: self.status.parse()?,
            created_at: self.created_at,
            updated_at: self.updated_at,
            cancelled_at: self.cancelled_at,
            cancel_reason: self.cancel_reason,
        })
    }
}

/// A request as submitted, its establishment, owner and themes already known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewHelpRequest {
    /// The establishment (see [`crate::establishments::find_or_create`]).
    pub establishment: Establishment,
    /// The contact's account (see [`crate::users::ensure_user_with_role`]).
    pub requester_user_id: Uuid,
    /// The contact person.
    pub contact: Contact,
    /// Offered themes with their labels as stored (see [`crate::themes::offered`]), main
    /// one first, without duplicates.
    pub themes: Vec<RequestTheme>,
    /// Description (already trimmed and checked).
    pub description: String,
    /// Urgency.
    pub urgency: Urgency,
}

/// Name of the `change_counters` row that holds the last reference number given in a
/// year.
pub fn reference_counter(year: i32) -> String {
    format!("request_reference_{year}")
}

/// Whether a reference is already given (one look-up in its unique index).
fn reference_taken(conn: &mut DbConnection, reference: &str) -> StoreResult<bool> {
    let found: i64 = help_requests::table
        .filter(help_requests::reference.eq(reference))
        .count()
        .get_result(conn)?;
    Ok(found > 0)
}

/// The reference of the next request of `now`'s year: `DA-2026-0042`.
///
/// Numbers follow each other within a year; [`lock_submissions`] keeps two submissions
/// from picking the same one (the unique index would refuse the second). The last number
/// of the year is kept in a counter row, so that a submission does not count the year's
/// requests (a scan of every reference: milliseconds with tens of thousands of them,
/// while every other submission waits). References written without the counter (a
/// demonstration dataset, a restored backup) are found by the unique index, and the
/// count is made then, once.
fn next_reference(conn: &mut DbConnection, now: NaiveDateTime) -> StoreResult<String> {
    let year = now.year();
    let prefix = format!("DA-{year}-");
    let counter = reference_counter(year);
    let last: Option<i64> = change_counters::table
        .find(&counter)
        .select(change_counters::value)
        .get_result(conn)
        .optional()?;
    let mut number = last.unwrap_or(0) + 1;
    if last.is_none() || reference_taken(conn, &format!("{prefix}{number:04}"))? {
        let given: i64 = help_requests::table
            .filter(help_requests::reference.like(format!("{prefix}%")))
            .count()
            .get_result(conn)?;
        number = number.max(given + 1);
        while reference_taken(conn, &format!("{prefix}{number:04}"))? {
            number += 1;
        }
    }
    if last.is_some() {
        diesel::update(change_counters::table.find(&counter))
            .set(change_counters::value.eq(number))
            .execute(conn)?;
    } else {
        diesel::insert_into(change_counters::table)
            .values((
                change_counters::name.eq(&counter),
                change_counters::value.eq(number),
            ))
            .execute(conn)?;
    }
    Ok(format!("{prefix}{number:04}"))
}

/// Appends an entry to a request's audit trail (in the transaction of the change).
pub(crate) fn record_transition(
    conn: &mut DbConnection,
    request_id: Uuid,
    from: Option<RequestStatus>,
    to: RequestStatus,
    actor: Option<Uuid>,
    reason: Option<&str>,
    now: NaiveDateTime,
) -> StoreResult<()> {
    // Transitions of one request happen under its row lock, so the next number is safe.
    let last: Option<i32> = help_request_transitions::table
        .filter(help_request_transitions::request_id.eq(request_id.to_string()))
        .select(diesel::dsl::max(help_request_transitions::seq))
        .get_result(conn)?;
    let entry = NewTransition {
        request_id,
        from,
        to,
        actor,
        reason,
    };
    insert_transition(conn, last.unwrap_or(0) + 1, &entry, now)
}

/// An entry of a request's audit trail.
struct NewTransition<'a> {
    request_id: Uuid,
    from: Option<RequestStatus>,
    to: RequestStatus,
    actor: Option<Uuid>,
    reason: Option<&'a str>,
}

/// Writes entry number `seq` of a request's audit trail.
fn insert_transition(
    conn: &mut DbConnection,
    seq: i32,
    entry: &NewTransition<'_>,
    now: NaiveDateTime,
) -> StoreResult<()> {
    diesel::insert_into(help_request_transitions::table)
        .values((
            help_request_transitions::seq.eq(seq),
            help_request_transitions::id.eq(crate::new_row_id().to_string()),
            help_request_transitions::request_id.eq(entry.request_id.to_string()),
            help_request_transitions::from_status.eq(entry.from.map(RequestStatus::as_str)),
            help_request_transitions::to_status.eq(entry.to.as_str()),
            help_request_transitions::actor_user_id.eq(entry.actor.map(|id| id.to_string())),
            help_request_transitions::reason.eq(entry.reason),
            help_request_transitions::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Key of the PostgreSQL advisory lock that serializes submissions ("DADA" in ASCII).
const SUBMISSION_LOCK: i64 = 0x4441_4441;

/// Serializes submissions until the end of the current transaction; call it first in
/// the transaction of a submission, a [`crate::write_transaction`].
///
/// A submission reads before it writes (the reference number of the year, whether the
/// establishment and the person are known). On PostgreSQL an advisory lock makes
/// concurrent submissions wait for each other instead of failing on the unique indexes.
/// On SQLite there is nothing more to do: `write_transaction` began with `BEGIN
/// IMMEDIATE`, which holds the database's one write lock from the first statement.
pub fn lock_submissions(conn: &mut DbConnection) -> StoreResult<()> {
    if matches!(conn, DbConnection::Postgres(_)) {
        diesel::sql_query(format!("SELECT pg_advisory_xact_lock({SUBMISSION_LOCK})"))
            .execute(conn)?;
    }
    Ok(())
}

/// Stores a new request in state `submitted`, with its themes and the first entry of its
/// audit trail, and returns it as stored (built from what was written: it runs under the
/// writer lock of every submission). Run it inside the caller's transaction (with the
/// e-mail it causes), after [`lock_submissions`].
pub fn create(
    conn: &mut DbConnection,
    new: &NewHelpRequest,
    now: NaiveDateTime,
) -> StoreResult<HelpRequest> {
    let id = crate::new_row_id();
    let reference = next_reference(conn, now)?;
    diesel::insert_into(help_requests::table)
        .values((
            help_requests::id.eq(id.to_string()),
            help_requests::reference.eq(&reference),
            help_requests::establishment_id.eq(new.establishment.id.to_string()),
            help_requests::requester_user_id.eq(new.requester_user_id.to_string()),
            help_requests::contact_name.eq(&new.contact.name),
            help_requests::contact_email.eq(new.contact.email.as_str()),
            help_requests::contact_phone.eq(new.contact.phone.e164()),
            help_requests::contact_job_role.eq(new.contact.job_role.as_str()),
            help_requests::description.eq(&new.description),
            help_requests::urgency.eq(new.urgency.as_str()),
            help_requests::status.eq(RequestStatus::Submitted.as_str()),
            help_requests::created_at.eq(now),
            help_requests::updated_at.eq(now),
        ))
        .execute(conn)?;
    // One statement per row: batch inserts do not compile through the multi-backend
    // connection (SQLite has no DEFAULT keyword in VALUES lists).
    for (theme, position) in new.themes.iter().zip(0..) {
        diesel::insert_into(help_request_themes::table)
            .values((
                help_request_themes::request_id.eq(id.to_string()),
                help_request_themes::theme_id.eq(&theme.id),
                help_request_themes::position.eq::<i32>(position),
            ))
            .execute(conn)?;
    }
    let first = NewTransition {
        request_id: id,
        from: None,
        to: RequestStatus::Submitted,
        actor: Some(new.requester_user_id),
        reason: None,
    };
    insert_transition(conn, 1, &first, now)?;
    Ok(HelpRequest {
        id,
        reference,
        establishment: new.establishment.clone(),
        requester_user_id: new.requester_user_id,
        contact: new.contact.clone(),
        themes: new.themes.clone(),
        description: new.description.clone(),
        urgency: new.urgency,
        status: RequestStatus::Submitted,
        created_at: now,
        updated_at: now,
        cancelled_at: None,
        cancel_reason: None,
    })
}

/// Themes of the given requests, main one first, keyed by request id.
fn load_themes(
    conn: &mut DbConnection,
    request_ids: &[String],
) -> StoreResult<Vec<(String, RequestTheme)>> {
    let rows: Vec<(String, String, String)> = help_request_themes::table
        .inner_join(themes::table)
        .filter(help_request_themes::request_id.eq_any(request_ids))
        .order((
            help_request_themes::request_id.asc(),
            help_request_themes::position.asc(),
        ))
        .select((help_request_themes::request_id, themes::id, themes::label))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(request, id, label)| (request, RequestTheme { id, label }))
        .collect())
}

fn complete_all(
    conn: &mut DbConnection,
    rows: Vec<(RequestRow, EstablishmentRow)>,
) -> StoreResult<Vec<HelpRequest>> {
    let ids: Vec<String> = rows.iter().map(|(row, _)| row.id.clone()).collect();
    let mut themes = load_themes(conn, &ids)?;
    rows.into_iter()
        .map(|(row, establishment)| {
            let (mine, others): (Vec<_>, Vec<_>) = themes
                .drain(..)
                .partition(|(request, _)| *request == row.id);
            themes = others;
            row.complete(establishment, mine.into_iter().map(|(_, t)| t).collect())
        })
        .collect()
}

/// Reads a request the reader may see; `NotFound` for others' requests, so that their
/// existence does not leak.
pub fn get(conn: &mut DbConnection, visibility: Visibility, id: Uuid) -> StoreResult<HelpRequest> {
    let row: (RequestRow, EstablishmentRow) = help_requests::table
        .inner_join(establishments::table)
        .filter(help_requests::id.eq(id.to_string()))
        .select((RequestRow::as_select(), EstablishmentRow::as_select()))
        .get_result(conn)?;
    if !visibility.allows(parse_id(&row.0.requester_user_id)?) {
        return Err(StoreError::NotFound);
    }
    complete_all(conn, vec![row])?
        .pop()
        .ok_or(StoreError::NotFound)
}

/// Filters of request lists; `None` filters nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestFilter {
    /// Only requests in this state.
    pub status: Option<RequestStatus>,
    /// Only requests naming this theme.
    pub theme: Option<ThemeId>,
    /// Only establishments of this region.
    pub region: Option<Region>,
    /// Only establishments of this kind.
    pub kind: Option<EstablishmentKind>,
    /// Only requests submitted at or after this time.
    pub created_from: Option<NaiveDateTime>,
    /// Only requests submitted before this time.
    pub created_before: Option<NaiveDateTime>,
}

type Db = <DbConnection as Connection>::Backend;
type Joined = diesel::dsl::InnerJoin<help_requests::table, establishments::table>;

fn filtered(
    visibility: Visibility,
    filter: &RequestFilter,
) -> diesel::dsl::IntoBoxed<'static, Joined, Db> {
    let mut query = help_requests::table
        .inner_join(establishments::table)
        .into_boxed();
    if let Visibility::OwnedBy(owner) = visibility {
        query = query.filter(help_requests::requester_user_id.eq(owner.to_string()));
    }
    if let Some(status) = filter.status {
        query = query.filter(help_requests::status.eq(status.as_str()));
    }
    if let Some(theme) = &filter.theme {
        query = query.filter(
            help_requests::id.eq_any(
                help_request_themes::table
                    .filter(help_request_themes::theme_id.eq(theme.as_str().to_owned()))
                    .select(help_request_themes::request_id),
            ),
        );
    }
    if let Some(region) = filter.region {
        query = query.filter(establishments::region.eq(region.code()));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(establishments::kind.eq(kind.as_str()));
    }
    if let Some(from) = filter.created_from {
        query = query.filter(help_requests::created_at.ge(from));
    }
    if let Some(before) = filter.created_before {
        query = query.filter(help_requests::created_at.lt(before));
    }
    query
}

/// One page of the requests the reader may see (staff: all; others: their own), newest
/// first, with the total over all pages.
pub fn list(
    conn: &mut DbConnection,
    visibility: Visibility,
    filter: &RequestFilter,
    offset: i64,
    limit: i64,
) -> StoreResult<(Vec<HelpRequest>, i64)> {
    let total = filtered(visibility, filter).count().get_result(conn)?;
    let rows = filtered(visibility, filter)
        .order((
            help_requests::created_at.desc(),
            help_requests::reference.desc(),
        ))
        .offset(offset)
        .limit(limit)
        .select((RequestRow::as_select(), EstablishmentRow::as_select()))
        .load(conn)?;
    Ok((complete_all(conn, rows)?, total))
}

/// What a cancellation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CancelOutcome {
    /// The request is now cancelled.
    Cancelled(Box<HelpRequest>),
    /// The request's state does not allow it (already cancelled, resolved or closed).
    Refused {
        /// The state it is in.
        current: RequestStatus,
    },
}

/// Cancels a request the reader may see (`NotFound` otherwise), recording who did it and
/// why in the audit trail.
///
/// The state is changed with a conditional update on the state just read, so that a
/// concurrent transition (a volunteer accepting, say) is never overwritten: the read is
/// retried, and the outcome follows the state that won.
pub fn cancel(
    conn: &mut DbConnection,
    visibility: Visibility,
    id: Uuid,
    actor: Uuid,
    reason: Option<&str>,
    now: NaiveDateTime,
) -> StoreResult<CancelOutcome> {
    conn.transaction(|conn| loop {
        let current = get(conn, visibility, id)?.status;
        if !current.is_cancellable() {
            return Ok(CancelOutcome::Refused { current });
        }
        let changed = diesel::update(
            help_requests::table
                .find(id.to_string())
                .filter(help_requests::status.eq(current.as_str())),
        )
        .set((
            help_requests::status.eq(RequestStatus::Cancelled.as_str()),
            help_requests::updated_at.eq(now),
            help_requests::cancelled_at.eq(now),
            help_requests::cancel_reason.eq(reason),
        ))
        .execute(conn)?;
        if changed == 1 {
            record_transition(
                conn,
                id,
                Some(current),
                RequestStatus::Cancelled,
                Some(actor),
                reason,
                now,
            )?;
            return Ok(CancelOutcome::Cancelled(Box::new(get(
                conn, visibility, id,
            )?)));
        }
    })
}

/// One entry of a request's audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transition {
    /// State before (`None` for the submission).
    pub from: Option<RequestStatus>,
    /// State after.
    pub to: RequestStatus,
    /// Who acted (`None` for the service itself).
    pub actor_user_id: Option<Uuid>,
    /// Why, when given.
    pub reason: Option<String>,
    /// When.
    pub at: NaiveDateTime,
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = help_request_transitions)]
struct TransitionRow {
    from_status: Option<String>,
    to_status: String,
    actor_user_id: Option<String>,
    reason: Option<String>,
    created_at: NaiveDateTime,
}

/// The audit trail of a request the reader may see, oldest first.
pub fn transitions(
    conn: &mut DbConnection,
    visibility: Visibility,
    id: Uuid,
) -> StoreResult<Vec<Transition>> {
    get(conn, visibility, id)?;
    let mut trail = help_request_transitions::table
        .filter(help_request_transitions::request_id.eq(id.to_string()))
        .order((
            help_request_transitions::seq.asc(),
            help_request_transitions::created_at.asc(),
        ))
        .select(TransitionRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|row| {
            Ok(Transition {
                from: row.from_status.as_deref().map(str::parse).transpose()?,
                to: row.to_status.parse()?,
                actor_user_id: row.actor_user_id.as_deref().map(parse_id).transpose()?,
                reason: row.reason,
                at: row.created_at,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    // Entries of the same instant: the submission comes first.
    trail.sort_by_key(|t| (t.at, t.from.is_some()));
    Ok(trail)
}

/// How many requests are in each state (for metrics and boards).
pub fn count_by_status(conn: &mut DbConnection) -> StoreResult<Vec<(String, i64)>> {
    Ok(crate::schema::help_requests::table
        .group_by(crate::schema::help_requests::status)
        .select((
            crate::schema::help_requests::status,
            diesel::dsl::count_star(),
        ))
        .load(conn)?)
}
