//! What the matching index needs from the database: volunteer and request profiles, and
//! the version counter that tells every process when its in-memory copy is stale.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::Integer;
use uuid::Uuid;

use crate::schema::{
    cases, change_counters, establishments, help_request_themes, help_requests, proposals,
    volunteer_themes, volunteers,
};
use crate::users::parse_id;
use crate::{DbConnection, StoreResult};

const VOLUNTEER_PROFILES: &str = "volunteer_profiles";

/// Marks volunteer profiles as changed. Call it in the transaction of any change to a
/// volunteer's themes, capacity, pause, activity or cases, so that every process reloads.
pub fn bump_volunteer_profiles(conn: &mut DbConnection) -> StoreResult<()> {
    diesel::update(change_counters::table.find(VOLUNTEER_PROFILES))
        .set(change_counters::value.eq(change_counters::value + 1))
        .execute(conn)?;
    Ok(())
}

/// The current version of volunteer profiles.
pub fn volunteer_profiles_version(conn: &mut DbConnection) -> StoreResult<i64> {
    // `get_result`, not `first`: see `request_profile`.
    Ok(change_counters::table
        .find(VOLUNTEER_PROFILES)
        .select(change_counters::value)
        .get_result(conn)?)
}

/// A volunteer as the matching sees them (codes as stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolunteerProfileRow {
    /// Volunteer id.
    pub id: Uuid,
    /// Name, for the ranking shown to staff.
    pub name: String,
    /// Theme ids.
    pub themes: Vec<String>,
    /// Sector code (`None`: not stated).
    pub origin_sector: Option<String>,
    /// Legal status code.
    pub origin_status: String,
    /// Region code.
    pub region: String,
    /// Cases at once.
    pub capacity: i32,
    /// Cases accepted and not yet resolved.
    pub open_cases: i64,
    /// Cases accepted since the "recent" cut-off.
    pub recent_cases: i64,
    /// Not deactivated by staff.
    pub active: bool,
    /// Paused today.
    pub paused: bool,
    /// Where the volunteer works (conflict of interest).
    pub own_organisation: Option<String>,
}

/// Every volunteer's matching profile, with open and recent case counts.
pub fn volunteer_profiles(
    conn: &mut DbConnection,
    today: NaiveDate,
    recent_since: NaiveDateTime,
) -> StoreResult<Vec<VolunteerProfileRow>> {
    type Row = (
        String,
        String,
        Option<String>,
        String,
        String,
        i32,
        bool,
        Option<NaiveDate>,
        Option<String>,
    );
    let rows: Vec<Row> = volunteers::table
        .select((
            volunteers::id,
            volunteers::name,
            volunteers::origin_sector,
            volunteers::origin_status,
            volunteers::region,
            volunteers::capacity,
            volunteers::active,
            volunteers::paused_until,
            volunteers::own_organisation,
        ))
        .order(volunteers::id.asc())
        .load(conn)?;
    let mut themes: HashMap<String, Vec<String>> = HashMap::new();
    for (volunteer, theme) in volunteer_themes::table
        .select((volunteer_themes::volunteer_id, volunteer_themes::theme_id))
        .load::<(String, String)>(conn)?
    {
        themes.entry(volunteer).or_default().push(theme);
    }
    let open: HashMap<String, i64> = cases::table
        .filter(cases::resolved_at.is_null())
        .group_by(cases::volunteer_id)
        .select((cases::volunteer_id, diesel::dsl::count_star()))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect();
    let recent: HashMap<String, i64> = cases::table
        .filter(cases::accepted_at.ge(recent_since))
        .group_by(cases::volunteer_id)
        .select((cases::volunteer_id, diesel::dsl::count_star()))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect();
    rows.into_iter()
        .map(
            |(id, name, sector, status, region, capacity, active, paused_until, organisation)| {
                Ok(VolunteerProfileRow {
                    id: parse_id(&id)?,
                    name,
                    themes: themes.remove(&id).unwrap_or_default(),
                    origin_sector: sector,
                    origin_status: status,
                    region,
                    capacity,
                    open_cases: open.get(&id).copied().unwrap_or(0),
                    recent_cases: recent.get(&id).copied().unwrap_or(0),
                    active,
                    paused: paused_until.is_some_and(|until| until >= today),
                    own_organisation: organisation,
                })
            },
        )
        .collect()
}

/// A help request as the matching sees it (codes as stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestProfileRow {
    /// Request id.
    pub id: Uuid,
    /// Current state code.
    pub status: String,
    /// Theme ids, main first.
    pub themes: Vec<String>,
    /// Establishment kind code.
    pub kind: String,
    /// Legal status code.
    pub legal_status: String,
    /// Department code.
    pub department: String,
    /// Urgency code.
    pub urgency: String,
    /// Establishment id.
    pub establishment_id: Uuid,
    /// Establishment name (conflict of interest).
    pub establishment_name: String,
    /// Volunteers already asked for this request who declined or let it expire.
    pub declined_by: Vec<Uuid>,
}

/// The matching profile of one request (`NotFound` when it does not exist).
pub fn request_profile(conn: &mut DbConnection, id: Uuid) -> StoreResult<RequestProfileRow> {
    Ok(request_profile_and_version(conn, id)?.0)
}

/// The matching profile of one request and the current version of volunteer profiles
/// ([`volunteer_profiles_version`]), read in two queries: the ranking's hot path, where
/// each query costs a round trip to PostgreSQL.
pub fn request_profile_and_version(
    conn: &mut DbConnection,
    id: Uuid,
) -> StoreResult<(RequestProfileRow, i64)> {
    let key = id.to_string();
    let version = change_counters::table
        .find(VOLUNTEER_PROFILES)
        .select(change_counters::value)
        .single_value();
    type Row = (
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        Option<i64>,
    );
    let (
        status,
        urgency,
        establishment_id,
        kind,
        legal_status,
        department,
        establishment_name,
        version,
    ): Row = help_requests::table
        .inner_join(establishments::table)
        .filter(help_requests::id.eq(&key))
        .select((
            help_requests::status,
            help_requests::urgency,
            establishments::id,
            establishments::kind,
            establishments::legal_status,
            establishments::department,
            establishments::name,
            version,
        ))
        // Not `first()`: its LIMIT is a bound parameter that SQLite's planner reads,
        // so SQLite would compile the statement again at every ranking. The primary
        // key gives at most one row anyway.
        .get_result(conn)?;
    // The request's themes and the volunteers who declined it or let it expire, in one
    // query: 0 marks a theme (with its position), 1 a volunteer.
    let themes = help_request_themes::table
        .filter(help_request_themes::request_id.eq(&key))
        .select((
            0.into_sql::<Integer>(),
            help_request_themes::theme_id,
            help_request_themes::position,
        ));
    let declined = proposals::table
        .filter(proposals::request_id.eq(&key))
        // Two comparisons rather than `eq_any`: a statement with a list is not kept in
        // diesel's prepared-statement cache, so it would be parsed at every ranking.
        .filter(
            proposals::status
                .eq("declined")
                .or(proposals::status.eq("expired")),
        )
        .select((
            1.into_sql::<Integer>(),
            proposals::volunteer_id,
            proposals::rank,
        ));
    // On the backend's own connection: the multi-backend connection has no UNION.
    let mut rows: Vec<(i32, String, i32)> = match conn {
        DbConnection::Postgres(pg) => themes.union_all(declined).load(pg)?,
        DbConnection::Sqlite(lite) => themes.union_all(declined).load(lite)?,
    };
    rows.sort_by_key(|(part, _, position)| (*part, *position));
    let mut theme_ids = Vec::new();
    let mut declined_by = Vec::new();
    for (part, value, _) in rows {
        if part == 0 {
            theme_ids.push(value);
        } else {
            declined_by.push(parse_id(&value)?);
        }
    }
    let row = RequestProfileRow {
        id,
        status,
        themes: theme_ids,
        kind,
        legal_status,
        department,
        urgency,
        establishment_id: parse_id(&establishment_id)?,
        establishment_name,
        declined_by,
    };
    // The counter row is created by a migration; a database without it is corrupt.
    let version = version.ok_or_else(|| {
        crate::StoreError::Corrupt("the volunteer_profiles change counter is missing".into())
    })?;
    Ok((row, version))
}

/// Requests waiting for a volunteer (submitted, or unmatched after the last wave), oldest
/// first: the default batch of a staff batch proposal.
pub fn requests_awaiting_match(conn: &mut DbConnection, limit: i64) -> StoreResult<Vec<Uuid>> {
    help_requests::table
        .filter(help_requests::status.eq_any(["submitted", "unmatched"]))
        .order((help_requests::created_at.asc(), help_requests::id.asc()))
        .limit(limit)
        .select(help_requests::id)
        .load::<String>(conn)?
        .iter()
        .map(|id| parse_id(id))
        .collect()
}
