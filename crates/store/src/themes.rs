//! Themes of expertise and of help requests: a seeded list that staff extend.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::themes;
use crate::{DbConnection, StoreResult};

/// A theme as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = themes)]
pub struct Theme {
    /// Stable slug, e.g. `teletravail`.
    pub id: String,
    /// French label shown to people.
    pub label: String,
    /// Display order.
    pub position: i32,
    /// When the theme was added.
    pub created_at: NaiveDateTime,
    /// Last change of the label or order.
    pub updated_at: NaiveDateTime,
    /// Set when staff retire the theme.
    pub retired_at: Option<NaiveDateTime>,
}

/// Lists themes in display order; retired ones only when asked.
pub fn list(conn: &mut DbConnection, include_retired: bool) -> StoreResult<Vec<Theme>> {
    let mut query = themes::table
        .select(Theme::as_select())
        .order((themes::position.asc(), themes::id.asc()))
        .into_boxed();
    if !include_retired {
        query = query.filter(themes::retired_at.is_null());
    }
    Ok(query.load(conn)?)
}

/// Reads one theme.
pub fn get(conn: &mut DbConnection, id: &str) -> StoreResult<Theme> {
    Ok(themes::table
        .find(id)
        .select(Theme::as_select())
        .get_result(conn)?)
}

/// Adds a theme at the end of the list; `Conflict` when the id or the label is taken.
pub fn add(
    conn: &mut DbConnection,
    id: &str,
    label: &str,
    now: NaiveDateTime,
) -> StoreResult<Theme> {
    conn.transaction(|conn| {
        let last: Option<i32> = themes::table
            .select(diesel::dsl::max(themes::position))
            .get_result(conn)?;
        diesel::insert_into(themes::table)
            .values((
                themes::id.eq(id),
                themes::label.eq(label),
                themes::position.eq(last.unwrap_or(0) + 1),
                themes::created_at.eq(now),
                themes::updated_at.eq(now),
            ))
            .execute(conn)?;
        // The matching index interns every theme: a new one must reach it.
        crate::matching::bump_volunteer_profiles(conn)?;
        get(conn, id)
    })
}

/// What staff may change on a theme; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ThemeChange {
    /// New label.
    pub label: Option<String>,
    /// New display position.
    pub position: Option<i32>,
    /// Retire (`true`) or bring back (`false`).
    pub retired: Option<bool>,
}

/// Changes a theme; `NotFound` when it does not exist, `Conflict` when the label is taken.
pub fn change(
    conn: &mut DbConnection,
    id: &str,
    change: &ThemeChange,
    now: NaiveDateTime,
) -> StoreResult<Theme> {
    conn.transaction(|conn| {
        let current = get(conn, id)?;
        let retired_at = match change.retired {
            Some(true) => current.retired_at.or(Some(now)),
            Some(false) => None,
            None => current.retired_at,
        };
        diesel::update(themes::table.find(id))
            .set((
                themes::label.eq(change.label.as_deref().unwrap_or(&current.label)),
                themes::position.eq(change.position.unwrap_or(current.position)),
                themes::retired_at.eq(retired_at),
                themes::updated_at.eq(now),
            ))
            .execute(conn)?;
        get(conn, id)
    })
}

/// The offered (not retired) themes among `ids`, as `(id, label)`, in the order given;
/// unknown and retired ids are left out.
pub fn offered(conn: &mut DbConnection, ids: &[String]) -> StoreResult<Vec<(String, String)>> {
    // Every offered theme (a dozen rows), filtered here: a statement with a fixed text is
    // prepared once per connection, while an `IN` list of the ids given is prepared again
    // at each call, under the write lock of a submission.
    let found: Vec<(String, String)> = themes::table
        .filter(themes::retired_at.is_null())
        .select((themes::id, themes::label))
        .load(conn)?;
    Ok(ids
        .iter()
        .filter_map(|id| found.iter().find(|(offered, _)| offered == id).cloned())
        .collect())
}

/// Checks that every id names an offered (not retired) theme; returns the unknown or
/// retired ones, in the order given.
pub fn unknown_or_retired(conn: &mut DbConnection, ids: &[String]) -> StoreResult<Vec<String>> {
    let offered = offered(conn, ids)?;
    Ok(ids
        .iter()
        .filter(|id| !offered.iter().any(|(offered, _)| offered == *id))
        .cloned()
        .collect())
}
