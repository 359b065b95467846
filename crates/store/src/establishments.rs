//! Establishments asking for help, identified by their FINESS number.
//!
//! An establishment is created by the first help request that names its FINESS number;
//! later requests reuse it as stored.

use std::str::FromStr;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use entraide_core::{Department, EstablishmentKind, Finess, LegalStatus, Region};
use uuid::Uuid;

use crate::schema::establishments;
use crate::users::parse_id;
use crate::{DbConnection, StoreError, StoreResult};

/// An establishment as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Establishment {
    /// Stable id.
    pub id: Uuid,
    /// FINESS number (unique).
    pub finess: Finess,
    /// Name, as given by the first request.
    pub name: String,
    /// ES, ESMS or ambulatory structure.
    pub kind: EstablishmentKind,
    /// Public or private.
    pub legal_status: LegalStatus,
    /// Where it is.
    pub department: Department,
    /// First request naming it.
    pub created_at: NaiveDateTime,
    /// Last change.
    pub updated_at: NaiveDateTime,
}

impl Establishment {
    /// The region of its department.
    pub fn region(&self) -> Region {
        self.department.region()
    }
}

/// A row of `establishments`; shared with the request queries, which join it.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = establishments)]
pub(crate) struct EstablishmentRow {
    id: String,
    finess: String,
    name: String,
    kind: String,
    legal_status: String,
    department: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// Reads a stored code; one that no longer parses is corrupt data, reported as such.
pub(crate) fn stored<T: FromStr>(what: &str, value: &str) -> StoreResult<T> {
    value
        .parse()
        .map_err(|_| StoreError::Corrupt(format!("unreadable {what} `{value}`")))
}

impl TryFrom<EstablishmentRow> for Establishment {
    type Error = StoreError;

    fn try_from(row: EstablishmentRow) -> StoreResult<Establishment> {
        Ok(Establishment {
            id: parse_id(&row.id)?,
            finess: stored("FINESS number", &row.finess)?,
            name: row.name,
            kind: stored("establishment kind", &row.kind)?,
            legal_status: stored("legal status", &row.legal_status)?,
            department: stored("department", &row.department)?,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// An establishment named by a help request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEstablishment {
    /// FINESS number.
    pub finess: Finess,
    /// Name (already trimmed and checked).
    pub name: String,
    /// Kind.
    pub kind: EstablishmentKind,
    /// Status.
    pub legal_status: LegalStatus,
    /// Department.
    pub department: Department,
}

/// Finds an establishment by FINESS number.
pub fn find_by_finess(
    conn: &mut DbConnection,
    finess: &Finess,
) -> StoreResult<Option<Establishment>> {
    establishments::table
        .filter(establishments::finess.eq(finess.as_str()))
        .select(EstablishmentRow::as_select())
        .get_result(conn)
        .optional()?
        .map(Establishment::try_from)
        .transpose()
}

/// Reads an establishment by id.
pub fn get(conn: &mut DbConnection, id: Uuid) -> StoreResult<Establishment> {
    establishments::table
        .find(id.to_string())
        .select(EstablishmentRow::as_select())
        .get_result(conn)?
        .try_into()
}

/// Returns the establishment with this FINESS number, creating it when unknown.
///
/// A known establishment is returned as stored: a public form must not rename or
/// reclassify it (staff own corrections). Two concurrent first requests for the same
/// number make one insert fail with `Conflict`; retrying the transaction then finds it.
pub fn find_or_create(
    conn: &mut DbConnection,
    new: &NewEstablishment,
    now: NaiveDateTime,
) -> StoreResult<Establishment> {
    if let Some(existing) = find_by_finess(conn, &new.finess)? {
        return Ok(existing);
    }
    let id = crate::new_row_id();
    diesel::insert_into(establishments::table)
        .values((
            establishments::id.eq(id.to_string()),
            establishments::finess.eq(new.finess.as_str()),
            establishments::name.eq(&new.name),
            establishments::kind.eq(new.kind.as_str()),
            establishments::legal_status.eq(new.legal_status.as_str()),
            establishments::department.eq(new.department.code()),
            establishments::region.eq(new.department.region().code()),
            establishments::created_at.eq(now),
            establishments::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(Establishment {
        id,
        finess: new.finess.clone(),
        name: new.name.clone(),
        kind: new.kind,
        legal_status: new.legal_status,
        department: new.department,
        created_at: now,
        updated_at: now,
    })
}

/// Filters of the staff list; `None` filters nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EstablishmentFilter {
    /// Only this kind.
    pub kind: Option<EstablishmentKind>,
    /// Only this region.
    pub region: Option<Region>,
}

type Db = <DbConnection as Connection>::Backend;

fn filtered(filter: EstablishmentFilter) -> establishments::BoxedQuery<'static, Db> {
    let mut query = establishments::table.into_boxed();
    if let Some(kind) = filter.kind {
        query = query.filter(establishments::kind.eq(kind.as_str()));
    }
    if let Some(region) = filter.region {
        query = query.filter(establishments::region.eq(region.code()));
    }
    query
}

/// One page of establishments, newest first, with the total over all pages.
pub fn list(
    conn: &mut DbConnection,
    filter: EstablishmentFilter,
    offset: i64,
    limit: i64,
) -> StoreResult<(Vec<Establishment>, i64)> {
    let total = filtered(filter).count().get_result(conn)?;
    let items = filtered(filter)
        .order((
            establishments::created_at.desc(),
            establishments::finess.asc(),
        ))
        .offset(offset)
        .limit(limit)
        .select(EstablishmentRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Establishment::try_from)
        .collect::<StoreResult<Vec<_>>>()?;
    Ok((items, total))
}
