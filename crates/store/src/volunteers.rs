//! Volunteers: the profile copied from an accepted application, then kept up to date by
//! the volunteer; the public directory; staff deactivation.
//!
//! The directory queries never select the e-mail address or the phone number, so that
//! no view built on them can leak contact details.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use entraide_core::{
    Department, Email, Gender, JobRole, LegalStatus, PhoneNumber, Region, Sector, ThemeId,
};
use uuid::Uuid;

use crate::applications::{
    decode, decode_optional, decode_personal, decode_region, Application, Db, ThemeRef,
};
use crate::schema::{themes, users, volunteer_themes, volunteers};
use crate::users::parse_id;
use crate::{DbConnection, StoreError, StoreResult, Visibility};

/// A volunteer with every detail (for the volunteer and for staff).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Volunteer {
    /// Id.
    pub id: Uuid,
    /// The user the volunteer signs in as.
    pub user_id: Uuid,
    /// The accepted application.
    pub application_id: Uuid,
    /// Address (the user's sign-in address).
    pub email: Email,
    /// Full name.
    pub name: String,
    /// Phone number.
    pub phone: PhoneNumber,
    /// Gender, when given.
    pub gender: Option<Gender>,
    /// Job role.
    pub job_role: JobRole,
    /// Sector the volunteer works in; `None` when not stated.
    pub origin_sector: Option<Sector>,
    /// Legal status of the volunteer's employer.
    pub origin_status: LegalStatus,
    /// Department.
    pub department: Department,
    /// Region of the department.
    pub region: Region,
    /// Expertise themes, in display order.
    pub themes: Vec<ThemeRef>,
    /// Short presentation.
    pub presentation: String,
    /// Open cases at once.
    pub capacity: i32,
    /// Own establishment or organisation (conflicts of interest).
    pub own_organisation: Option<String>,
    /// Consent to the publication of the public profile.
    pub publication_consent: bool,
    /// Unavailable through this day (UTC) included.
    pub paused_until: Option<NaiveDate>,
    /// False once staff deactivated the volunteer.
    pub active: bool,
    /// When staff deactivated the volunteer.
    pub deactivated_at: Option<NaiveDateTime>,
    /// When the application was accepted.
    pub created_at: NaiveDateTime,
    /// Last change of the profile.
    pub updated_at: NaiveDateTime,
}

/// Whether a pause through `paused_until` (included) still holds on `today`.
pub fn is_paused(paused_until: Option<NaiveDate>, today: NaiveDate) -> bool {
    paused_until.is_some_and(|until| today <= until)
}

impl Volunteer {
    /// Whether the volunteer has paused their availability on `today`.
    pub fn is_paused(&self, today: NaiveDate) -> bool {
        is_paused(self.paused_until, today)
    }

    /// Whether the public directory shows the volunteer.
    pub fn is_listed(&self) -> bool {
        self.active && self.publication_consent
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = volunteers)]
struct VolunteerRow {
    id: String,
    user_id: String,
    application_id: String,
    name: String,
    phone: String,
    gender: Option<String>,
    job_role: String,
    origin_sector: Option<String>,
    origin_status: String,
    department: String,
    region: String,
    presentation: String,
    capacity: i32,
    own_organisation: Option<String>,
    publication_consent: bool,
    paused_until: Option<NaiveDate>,
    active: bool,
    deactivated_at: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl VolunteerRow {
    fn into_volunteer(self, email: String, themes: Vec<ThemeRef>) -> StoreResult<Volunteer> {
        Ok(Volunteer {
            id: parse_id(&self.id)?,
            user_id: parse_id(&self.user_id)?,
            application_id: parse_id(&self.application_id)?,
            email: decode_personal("e-mail address", &email)?,
            name: self.name,
            phone: decode_personal("phone number", &self.phone)?,
            gender: decode_optional("gender", self.gender.as_deref())?,
            job_role: decode("job role", &self.job_role)?,
            origin_sector: decode_optional("sector", self.origin_sector.as_deref())?,
            origin_status: decode("legal status", &self.origin_status)?,
            department: decode("department", &self.department)?,
            region: decode_region(&self.region)?,
            themes,
            presentation: self.presentation,
            capacity: self.capacity,
            own_organisation: self.own_organisation,
            publication_consent: self.publication_consent,
            paused_until: self.paused_until,
            active: self.active,
            deactivated_at: self.deactivated_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// Themes of the given volunteers, in display order, by volunteer id.
fn themes_of(
    conn: &mut DbConnection,
    ids: &[String],
) -> StoreResult<HashMap<String, Vec<ThemeRef>>> {
    let rows: Vec<(String, String, String)> = volunteer_themes::table
        .inner_join(themes::table)
        .filter(volunteer_themes::volunteer_id.eq_any(ids))
        .order((themes::position.asc(), themes::id.asc()))
        .select((volunteer_themes::volunteer_id, themes::id, themes::label))
        .load(conn)?;
    let mut by_volunteer: HashMap<String, Vec<ThemeRef>> = HashMap::new();
    for (volunteer, id, label) in rows {
        by_volunteer
            .entry(volunteer)
            .or_default()
            .push(ThemeRef { id, label });
    }
    Ok(by_volunteer)
}

fn set_themes(conn: &mut DbConnection, id: &str, theme_ids: &[String]) -> StoreResult<()> {
    diesel::delete(volunteer_themes::table.filter(volunteer_themes::volunteer_id.eq(id)))
        .execute(conn)?;
    for theme in theme_ids {
        diesel::insert_into(volunteer_themes::table)
            .values((
                volunteer_themes::volunteer_id.eq(id),
                volunteer_themes::theme_id.eq(theme),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Reads a volunteer by a condition on the row, with the owner's address.
fn find_where(
    conn: &mut DbConnection,
    query: volunteers::BoxedQuery<'static, Db>,
) -> StoreResult<Option<Volunteer>> {
    let Some(row) = query
        .select(VolunteerRow::as_select())
        .get_result(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let email: String = users::table
        .find(&row.user_id)
        .select(users::email)
        .get_result(conn)?;
    let mut themes = themes_of(conn, std::slice::from_ref(&row.id))?;
    let row_themes = themes.remove(&row.id).unwrap_or_default();
    row.into_volunteer(email, row_themes).map(Some)
}

/// Creates the volunteer of an application that was just accepted, with its profile
/// and themes, available and active.
pub fn create_from_application(
    conn: &mut DbConnection,
    application: &Application,
    user_id: Uuid,
    now: NaiveDateTime,
) -> StoreResult<Volunteer> {
    conn.transaction(|conn| {
        let id = crate::new_row_id();
        diesel::insert_into(volunteers::table)
            .values((
                volunteers::id.eq(id.to_string()),
                volunteers::user_id.eq(user_id.to_string()),
                volunteers::application_id.eq(application.id.to_string()),
                volunteers::name.eq(&application.name),
                volunteers::phone.eq(application.phone.e164()),
                volunteers::gender.eq(application.gender.map(Gender::as_str)),
                volunteers::job_role.eq(application.job_role.as_str()),
                volunteers::origin_sector.eq(application.origin_sector.map(Sector::as_str)),
                volunteers::origin_status.eq(application.origin_status.as_str()),
                volunteers::department.eq(application.department.code()),
                volunteers::region.eq(application.region.code()),
                volunteers::presentation.eq(&application.presentation),
                volunteers::capacity.eq(application.capacity),
                volunteers::own_organisation.eq(application.own_organisation.as_deref()),
                volunteers::publication_consent.eq(application.publication_consent),
                volunteers::paused_until.eq(None::<NaiveDate>),
                volunteers::active.eq(true),
                volunteers::created_at.eq(now),
                volunteers::updated_at.eq(now),
            ))
            .execute(conn)?;
        let theme_ids: Vec<String> = application.themes.iter().map(|t| t.id.clone()).collect();
        set_themes(conn, &id.to_string(), &theme_ids)?;
        crate::matching::bump_volunteer_profiles(conn)?;
        get(conn, Visibility::All, id)
    })
}

/// Reads a volunteer with every detail, if the reader may see it: staff see everyone,
/// a volunteer only themself (`NotFound` otherwise, so that nothing leaks).
pub fn get(conn: &mut DbConnection, visibility: Visibility, id: Uuid) -> StoreResult<Volunteer> {
    let volunteer = find_where(
        conn,
        volunteers::table
            .filter(volunteers::id.eq(id.to_string()))
            .into_boxed(),
    )?
    .ok_or(StoreError::NotFound)?;
    if visibility.allows(volunteer.user_id) {
        Ok(volunteer)
    } else {
        Err(StoreError::NotFound)
    }
}

/// Reads volunteers with every detail (for staff and the service), in the order of `ids`,
/// in two statements whatever their number; `NotFound` when one does not exist.
pub fn get_many(conn: &mut DbConnection, ids: &[Uuid]) -> StoreResult<Vec<Volunteer>> {
    let keys: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    let mut rows: HashMap<String, (VolunteerRow, String)> = volunteers::table
        .inner_join(users::table)
        .filter(volunteers::id.eq_any(&keys))
        .select((VolunteerRow::as_select(), users::email))
        .load::<(VolunteerRow, String)>(conn)?
        .into_iter()
        .map(|(row, email)| (row.id.clone(), (row, email)))
        .collect();
    let mut themes = themes_of(conn, &keys)?;
    keys.iter()
        .map(|key| {
            let (row, email) = rows.remove(key).ok_or(StoreError::NotFound)?;
            row.into_volunteer(email, themes.remove(key).unwrap_or_default())
        })
        .collect()
}

/// The volunteer profile of a user, if they have one.
pub fn find_by_user(conn: &mut DbConnection, user_id: Uuid) -> StoreResult<Option<Volunteer>> {
    find_where(
        conn,
        volunteers::table
            .filter(volunteers::user_id.eq(user_id.to_string()))
            .into_boxed(),
    )
}

/// A volunteer as the public directory shows them: no e-mail, no phone, nothing private.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryEntry {
    /// Id.
    pub id: Uuid,
    /// Full name.
    pub name: String,
    /// Job role.
    pub job_role: JobRole,
    /// Sector the volunteer works in; `None` when not stated.
    pub origin_sector: Option<Sector>,
    /// Region.
    pub region: Region,
    /// Expertise themes, in display order.
    pub themes: Vec<ThemeRef>,
    /// Short presentation.
    pub presentation: String,
    /// Unavailable through this day (UTC) included.
    pub paused_until: Option<NaiveDate>,
}

/// Only the public columns: contact details are never read for the directory.
#[derive(Queryable, Selectable)]
#[diesel(table_name = volunteers)]
struct DirectoryRow {
    id: String,
    name: String,
    job_role: String,
    origin_sector: Option<String>,
    region: String,
    presentation: String,
    paused_until: Option<NaiveDate>,
}

/// Filters of the directory; `None` does not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DirectoryFilter {
    /// Only volunteers offering this theme.
    pub theme: Option<ThemeId>,
    /// Only volunteers of this region.
    pub region: Option<Region>,
}

/// Volunteers the directory shows: active, consenting to publication, with a user who
/// may still sign in.
fn listed() -> volunteers::BoxedQuery<'static, Db> {
    volunteers::table
        .filter(volunteers::active.eq(true))
        .filter(volunteers::publication_consent.eq(true))
        .filter(
            volunteers::user_id.eq_any(
                users::table
                    .filter(users::disabled_at.is_null())
                    .select(users::id),
            ),
        )
        .into_boxed()
}

fn directory_query(filter: &DirectoryFilter) -> volunteers::BoxedQuery<'static, Db> {
    let mut query = listed();
    if let Some(region) = filter.region {
        query = query.filter(volunteers::region.eq(region.code()));
    }
    if let Some(theme) = &filter.theme {
        query = query.filter(
            volunteers::id.eq_any(
                volunteer_themes::table
                    .filter(volunteer_themes::theme_id.eq(theme.as_str().to_owned()))
                    .select(volunteer_themes::volunteer_id),
            ),
        );
    }
    query
}

fn directory_entries(
    conn: &mut DbConnection,
    rows: Vec<DirectoryRow>,
) -> StoreResult<Vec<DirectoryEntry>> {
    let ids: Vec<String> = rows.iter().map(|row| row.id.clone()).collect();
    let mut themes = themes_of(conn, &ids)?;
    rows.into_iter()
        .map(|row| {
            Ok(DirectoryEntry {
                id: parse_id(&row.id)?,
                themes: themes.remove(&row.id).unwrap_or_default(),
                name: row.name,
                job_role: decode("job role", &row.job_role)?,
                origin_sector: decode_optional("sector", row.origin_sector.as_deref())?,
                region: decode_region(&row.region)?,
                presentation: row.presentation,
                paused_until: row.paused_until,
            })
        })
        .collect()
}

/// One page of the public directory, in order of acceptance (so that pages do not shift
/// as volunteers join), with the total over all pages.
pub fn directory(
    conn: &mut DbConnection,
    filter: &DirectoryFilter,
    offset: i64,
    limit: i64,
) -> StoreResult<(Vec<DirectoryEntry>, i64)> {
    let total = directory_query(filter).count().get_result::<i64>(conn)?;
    let rows = directory_query(filter)
        .order((volunteers::created_at.asc(), volunteers::id.asc()))
        .offset(offset)
        .limit(limit)
        .select(DirectoryRow::as_select())
        .load(conn)?;
    Ok((directory_entries(conn, rows)?, total))
}

/// One volunteer of the directory; `NotFound` for anyone the directory does not show.
pub fn directory_entry(conn: &mut DbConnection, id: Uuid) -> StoreResult<DirectoryEntry> {
    let row = listed()
        .filter(volunteers::id.eq(id.to_string()))
        .select(DirectoryRow::as_select())
        .get_result(conn)?;
    directory_entries(conn, vec![row])?
        .pop()
        .ok_or(StoreError::NotFound)
}

/// What a volunteer may change on their profile; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileChange {
    /// New full name (also the user's display name).
    pub name: Option<String>,
    /// New phone number.
    pub phone: Option<PhoneNumber>,
    /// New set of themes, replacing the old one.
    pub themes: Option<Vec<ThemeId>>,
    /// New capacity.
    pub capacity: Option<i32>,
    /// `Some(None)` ends the pause, `Some(Some(day))` pauses through `day`.
    pub paused_until: Option<Option<NaiveDate>>,
    /// New presentation.
    pub presentation: Option<String>,
    /// Give or withdraw consent to publication.
    pub publication_consent: Option<bool>,
}

/// Changes a volunteer's profile, if the reader may see it (`NotFound` otherwise).
pub fn update(
    conn: &mut DbConnection,
    visibility: Visibility,
    id: Uuid,
    change: &ProfileChange,
    now: NaiveDateTime,
) -> StoreResult<Volunteer> {
    conn.transaction(|conn| {
        let current = get(conn, visibility, id)?;
        let key = id.to_string();
        let paused_until = match change.paused_until {
            Some(pause) => pause,
            None => current.paused_until,
        };
        let name = change.name.as_deref().unwrap_or(&current.name);
        diesel::update(volunteers::table.find(&key))
            .set((
                volunteers::name.eq(name),
                volunteers::phone.eq(change.phone.as_ref().unwrap_or(&current.phone).e164()),
                volunteers::capacity.eq(change.capacity.unwrap_or(current.capacity)),
                volunteers::paused_until.eq(paused_until),
                volunteers::presentation.eq(change
                    .presentation
                    .as_deref()
                    .unwrap_or(&current.presentation)),
                volunteers::publication_consent.eq(change
                    .publication_consent
                    .unwrap_or(current.publication_consent)),
                volunteers::updated_at.eq(now),
            ))
            .execute(conn)?;
        if let Some(new_name) = &change.name {
            diesel::update(users::table.find(current.user_id.to_string()))
                .set((users::name.eq(new_name), users::updated_at.eq(now)))
                .execute(conn)?;
        }
        if let Some(themes) = &change.themes {
            let ids: Vec<String> = themes.iter().map(|t| t.as_str().to_owned()).collect();
            set_themes(conn, &key, &ids)?;
        }
        crate::matching::bump_volunteer_profiles(conn)?;
        get(conn, visibility, id)
    })
}

/// Deactivates a volunteer (staff): out of the directory and of matching. Deactivating
/// an inactive volunteer changes nothing (the first date stays).
pub fn deactivate(conn: &mut DbConnection, id: Uuid, now: NaiveDateTime) -> StoreResult<Volunteer> {
    conn.transaction(|conn| {
        diesel::update(
            volunteers::table
                .find(id.to_string())
                .filter(volunteers::active.eq(true)),
        )
        .set((
            volunteers::active.eq(false),
            volunteers::deactivated_at.eq(now),
            volunteers::updated_at.eq(now),
        ))
        .execute(conn)?;
        crate::matching::bump_volunteer_profiles(conn)?;
        get(conn, Visibility::All, id)
    })
}
