//! Volunteer applications: sent by anyone, vetted by staff. Accepting one creates the
//! volunteer (see [`crate::volunteers`]) and gives the applicant the `volunteer` role.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use entraide_core::{
    Department, Email, Gender, JobRole, LegalStatus, PhoneNumber, Region, Role, Sector, ThemeId,
};
use uuid::Uuid;

use crate::schema::{application_themes, applications, themes, volunteers};
use crate::users::{self, parse_id};
use crate::volunteers::{create_from_application, Volunteer};
use crate::{DbConnection, StoreError, StoreResult};

/// The backend type of [`DbConnection`], for boxed queries.
pub(crate) type Db = <DbConnection as Connection>::Backend;

/// Where an application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationStatus {
    /// Waiting for staff.
    Pending,
    /// Accepted: the applicant is a volunteer.
    Accepted,
    /// Rejected, with a reason.
    Rejected,
}

impl ApplicationStatus {
    /// Every status, in the order an application goes through them.
    pub const ALL: [ApplicationStatus; 3] = [
        ApplicationStatus::Pending,
        ApplicationStatus::Accepted,
        ApplicationStatus::Rejected,
    ];

    /// Stable code, as stored and exchanged.
    pub fn as_str(self) -> &'static str {
        match self {
            ApplicationStatus::Pending => "pending",
            ApplicationStatus::Accepted => "accepted",
            ApplicationStatus::Rejected => "rejected",
        }
    }

    /// French label.
    pub fn label(self) -> &'static str {
        match self {
            ApplicationStatus::Pending => "En attente",
            ApplicationStatus::Accepted => "Acceptée",
            ApplicationStatus::Rejected => "Refusée",
        }
    }
}

impl fmt::Display for ApplicationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ApplicationStatus {
    type Err = StoreError;

    fn from_str(code: &str) -> StoreResult<Self> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == code)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown application status `{code}`")))
    }
}

/// A theme on a record, with its current label (retired themes included).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ThemeRef {
    /// Theme id.
    pub id: String,
    /// French label.
    pub label: String,
}

/// Parses a stored code with the type's own rules; a value that no longer parses is
/// data corruption, reported as such.
pub(crate) fn decode<T: FromStr>(what: &str, stored: &str) -> StoreResult<T> {
    stored
        .parse()
        .map_err(|_| StoreError::Corrupt(format!("unreadable {what} `{stored}`")))
}

/// [`decode`] for a column that may be NULL (a value not stated).
pub(crate) fn decode_optional<T: FromStr>(
    what: &str,
    stored: Option<&str>,
) -> StoreResult<Option<T>> {
    stored.map(|value| decode(what, value)).transpose()
}

/// Like [`decode`], for an e-mail address or a phone number: the error (which reaches
/// the logs) does not quote the value, since logs carry ids, never personal data.
pub(crate) fn decode_personal<T: FromStr>(what: &str, stored: &str) -> StoreResult<T> {
    stored
        .parse()
        .map_err(|_| StoreError::Corrupt(format!("unreadable {what} (value withheld)")))
}

pub(crate) fn decode_region(stored: &str) -> StoreResult<Region> {
    Region::from_code(stored)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown region `{stored}`")))
}

/// An application as sent by the applicant, already validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApplication {
    /// Address of the applicant (their future sign-in address).
    pub email: Email,
    /// Full name.
    pub name: String,
    /// Phone number.
    pub phone: PhoneNumber,
    /// Gender, when given.
    pub gender: Option<Gender>,
    /// Job role.
    pub job_role: JobRole,
    /// Sector the applicant works in.
    pub origin_sector: Sector,
    /// Legal status of the applicant's employer.
    pub origin_status: LegalStatus,
    /// Department (the region is derived from it).
    pub department: Department,
    /// Expertise themes, at least one, without repeats, all offered.
    pub themes: Vec<ThemeId>,
    /// Short presentation (published once accepted, with consent).
    pub presentation: String,
    /// Open cases at once.
    pub capacity: i32,
    /// Own establishment or organisation, to avoid conflicts of interest.
    pub own_organisation: Option<String>,
    /// Consent to the publication of the public profile.
    pub publication_consent: bool,
}

/// A stored application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    /// Id.
    pub id: Uuid,
    /// Applicant's address.
    pub email: Email,
    /// Full name.
    pub name: String,
    /// Phone number.
    pub phone: PhoneNumber,
    /// Gender, when given.
    pub gender: Option<Gender>,
    /// Job role.
    pub job_role: JobRole,
    /// Sector the applicant works in; `None` when not stated (records from before the
    /// service: the form asks for it).
    pub origin_sector: Option<Sector>,
    /// Legal status of the applicant's employer.
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
    /// Own establishment or organisation.
    pub own_organisation: Option<String>,
    /// Consent to publication.
    pub publication_consent: bool,
    /// Where it stands.
    pub status: ApplicationStatus,
    /// Why it was rejected.
    pub rejection_reason: Option<String>,
    /// When staff decided.
    pub decided_at: Option<NaiveDateTime>,
    /// Who decided (a staff user).
    pub decided_by: Option<Uuid>,
    /// The volunteer it became, once accepted.
    pub volunteer_id: Option<Uuid>,
    /// When it was sent.
    pub created_at: NaiveDateTime,
    /// Last change.
    pub updated_at: NaiveDateTime,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = applications)]
struct ApplicationRow {
    id: String,
    email: String,
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
    status: String,
    rejection_reason: Option<String>,
    decided_at: Option<NaiveDateTime>,
    decided_by: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl ApplicationRow {
    fn into_application(
        self,
        themes: Vec<ThemeRef>,
        volunteer_id: Option<Uuid>,
    ) -> StoreResult<Application> {
        Ok(Application {
            id: parse_id(&self.id)?,
            email: decode_personal("e-mail address", &self.email)?,
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
            status: self.status.parse()?,
            rejection_reason: self.rejection_reason,
            decided_at: self.decided_at,
            decided_by: self.decided_by.as_deref().map(parse_id).transpose()?,
            volunteer_id,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// Whether `email` has an application that is pending or accepted (a new one is then
/// refused).
pub fn has_open_application(conn: &mut DbConnection, email: &Email) -> StoreResult<bool> {
    let open = applications::table
        .filter(applications::email.eq(email.as_str()))
        .filter(applications::status.eq_any([
            ApplicationStatus::Pending.as_str(),
            ApplicationStatus::Accepted.as_str(),
        ]))
        .count()
        .get_result::<i64>(conn)?;
    Ok(open > 0)
}

/// Records a pending application. `Conflict` when the address already has a pending or
/// accepted one (checked here and enforced by a partial unique index, so that two
/// concurrent posts cannot both pass).
pub fn create(
    conn: &mut DbConnection,
    new: &NewApplication,
    now: NaiveDateTime,
) -> StoreResult<Application> {
    conn.transaction(|conn| {
        if has_open_application(conn, &new.email)? {
            return Err(StoreError::Conflict(
                "an open application exists for this address".into(),
            ));
        }
        let id = crate::new_row_id();
        diesel::insert_into(applications::table)
            .values((
                applications::id.eq(id.to_string()),
                applications::email.eq(new.email.as_str()),
                applications::name.eq(&new.name),
                applications::phone.eq(new.phone.e164()),
                applications::gender.eq(new.gender.map(Gender::as_str)),
                applications::job_role.eq(new.job_role.as_str()),
                applications::origin_sector.eq(new.origin_sector.as_str()),
                applications::origin_status.eq(new.origin_status.as_str()),
                applications::department.eq(new.department.code()),
                applications::region.eq(new.department.region().code()),
                applications::presentation.eq(&new.presentation),
                applications::capacity.eq(new.capacity),
                applications::own_organisation.eq(new.own_organisation.as_deref()),
                applications::publication_consent.eq(new.publication_consent),
                applications::status.eq(ApplicationStatus::Pending.as_str()),
                applications::created_at.eq(now),
                applications::updated_at.eq(now),
            ))
            .execute(conn)?;
        for theme in &new.themes {
            diesel::insert_into(application_themes::table)
                .values((
                    application_themes::application_id.eq(id.to_string()),
                    application_themes::theme_id.eq(theme.as_str()),
                ))
                .execute(conn)?;
        }
        get(conn, id)
    })
}

/// Themes of the given applications, in display order, by application id.
fn themes_of(
    conn: &mut DbConnection,
    ids: &[String],
) -> StoreResult<HashMap<String, Vec<ThemeRef>>> {
    let rows: Vec<(String, String, String)> = application_themes::table
        .inner_join(themes::table)
        .filter(application_themes::application_id.eq_any(ids))
        .order((themes::position.asc(), themes::id.asc()))
        .select((
            application_themes::application_id,
            themes::id,
            themes::label,
        ))
        .load(conn)?;
    let mut by_application: HashMap<String, Vec<ThemeRef>> = HashMap::new();
    for (application, id, label) in rows {
        by_application
            .entry(application)
            .or_default()
            .push(ThemeRef { id, label });
    }
    Ok(by_application)
}

/// Volunteers created from the given applications, by application id.
fn volunteers_of(conn: &mut DbConnection, ids: &[String]) -> StoreResult<HashMap<String, Uuid>> {
    let rows: Vec<(String, String)> = volunteers::table
        .filter(volunteers::application_id.eq_any(ids))
        .select((volunteers::application_id, volunteers::id))
        .load(conn)?;
    rows.into_iter()
        .map(|(application, volunteer)| Ok((application, parse_id(&volunteer)?)))
        .collect()
}

fn complete(conn: &mut DbConnection, rows: Vec<ApplicationRow>) -> StoreResult<Vec<Application>> {
    let ids: Vec<String> = rows.iter().map(|row| row.id.clone()).collect();
    let mut themes = themes_of(conn, &ids)?;
    let volunteers = volunteers_of(conn, &ids)?;
    rows.into_iter()
        .map(|row| {
            let row_themes = themes.remove(&row.id).unwrap_or_default();
            let volunteer = volunteers.get(&row.id).copied();
            row.into_application(row_themes, volunteer)
        })
        .collect()
}

/// Reads one application (`NotFound` when there is none).
pub fn get(conn: &mut DbConnection, id: Uuid) -> StoreResult<Application> {
    let row = applications::table
        .find(id.to_string())
        .select(ApplicationRow::as_select())
        .get_result(conn)?;
    complete(conn, vec![row])?.pop().ok_or(StoreError::NotFound)
}

/// Filters of the staff list; `None` does not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplicationFilter {
    /// Only this status.
    pub status: Option<ApplicationStatus>,
    /// Only applicants of this region.
    pub region: Option<Region>,
    /// Only applications offering this theme.
    pub theme: Option<ThemeId>,
    /// Only applicants of this sector.
    pub sector: Option<Sector>,
}

fn filtered(filter: &ApplicationFilter) -> applications::BoxedQuery<'static, Db> {
    let mut query = applications::table.into_boxed();
    if let Some(status) = filter.status {
        query = query.filter(applications::status.eq(status.as_str()));
    }
    if let Some(region) = filter.region {
        query = query.filter(applications::region.eq(region.code()));
    }
    if let Some(sector) = filter.sector {
        query = query.filter(applications::origin_sector.eq(sector.as_str()));
    }
    if let Some(theme) = &filter.theme {
        query = query.filter(
            applications::id.eq_any(
                application_themes::table
                    .filter(application_themes::theme_id.eq(theme.as_str().to_owned()))
                    .select(application_themes::application_id),
            ),
        );
    }
    query
}

/// One page of applications matching `filter`, newest first, with the total over all
/// pages.
pub fn list(
    conn: &mut DbConnection,
    filter: &ApplicationFilter,
    offset: i64,
    limit: i64,
) -> StoreResult<(Vec<Application>, i64)> {
    let total = filtered(filter).count().get_result::<i64>(conn)?;
    let rows = filtered(filter)
        .order((applications::created_at.desc(), applications::id.desc()))
        .offset(offset)
        .limit(limit)
        .select(ApplicationRow::as_select())
        .load(conn)?;
    Ok((complete(conn, rows)?, total))
}

/// Moves a pending application to `status`; `Conflict` when it is not pending any more
/// (the conditional update decides between concurrent staff), `NotFound` when absent.
fn decide(
    conn: &mut DbConnection,
    id: Uuid,
    status: ApplicationStatus,
    reason: Option<&str>,
    staff_id: Uuid,
    now: NaiveDateTime,
) -> StoreResult<()> {
    let changed = diesel::update(
        applications::table
            .find(id.to_string())
            .filter(applications::status.eq(ApplicationStatus::Pending.as_str())),
    )
    .set((
        applications::status.eq(status.as_str()),
        applications::rejection_reason.eq(reason),
        applications::decided_at.eq(now),
        applications::decided_by.eq(staff_id.to_string()),
        applications::updated_at.eq(now),
    ))
    .execute(conn)?;
    if changed == 1 {
        return Ok(());
    }
    // Tell "absent" from "already decided".
    get(conn, id)?;
    Err(StoreError::Conflict(
        "the application is not pending".into(),
    ))
}

/// Accepts a pending application: creates (or completes) the applicant's user with the
/// `volunteer` role, and the volunteer with the application's profile. Returns the
/// application, now accepted, and the volunteer.
pub fn accept(
    conn: &mut DbConnection,
    id: Uuid,
    staff_id: Uuid,
    now: NaiveDateTime,
) -> StoreResult<(Application, Volunteer)> {
    conn.transaction(|conn| {
        decide(conn, id, ApplicationStatus::Accepted, None, staff_id, now)?;
        let application = get(conn, id)?;
        let user = users::ensure_user_with_role(
            conn,
            &application.email,
            Some(&application.name),
            Role::Volunteer,
            now,
        )?;
        let volunteer = create_from_application(conn, &application, user.id, now)?;
        let application = get(conn, id)?;
        Ok((application, volunteer))
    })
}

/// Rejects a pending application with a reason written for the applicant.
pub fn reject(
    conn: &mut DbConnection,
    id: Uuid,
    staff_id: Uuid,
    reason: &str,
    now: NaiveDateTime,
) -> StoreResult<Application> {
    conn.transaction(|conn| {
        decide(
            conn,
            id,
            ApplicationStatus::Rejected,
            Some(reason),
            staff_id,
            now,
        )?;
        get(conn, id)
    })
}
