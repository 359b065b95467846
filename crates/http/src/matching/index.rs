//! The in-memory index of volunteer profiles: loaded once, reloaded when the database's
//! version counter moves (a change made by any process), so that a ranking costs what the
//! matching crate costs instead of a read of every volunteer.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, Mutex, RwLock};

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use entraide_core::{
    fold_to_slug, Department, EstablishmentKind, LegalStatus, Region, Sector, ThemeId, Urgency,
};
use entraide_matching::{RequestProfile, ThemeCatalog, ThemeSet, VolunteerProfile};
use entraide_store::changes::{ChangeEpoch, EpochCache, Stamp};
use entraide_store::matching::{self as store, RequestProfileRow, VolunteerProfileRow};
use entraide_store::{themes, DbConnection, StoreError};
use uuid::Uuid;

use crate::ApiError;

/// How far back "recent cases" go (the load component of the score).
pub const RECENT_DAYS: i64 = 30;

/// Namespace of organisation keys: two names that fold to the same slug are one organisation.
const ORGANISATIONS: Uuid = Uuid::from_u128(0x7c1f_5d2e_9a4b_4e61_8f3a_2b6c_0d9e_1a57);

/// The key of an organisation, for the conflict-of-interest rule.
pub fn organisation_key(name: &str) -> Option<Uuid> {
    let slug = fold_to_slug(name);
    (!slug.is_empty()).then(|| Uuid::new_v5(&ORGANISATIONS, slug.as_bytes()))
}

/// One loaded copy of every volunteer profile.
#[derive(Debug)]
pub struct Snapshot {
    /// Database version it was built from.
    pub version: i64,
    /// The day pauses were evaluated for.
    pub day: NaiveDate,
    /// Every theme known to the database, interned.
    pub catalog: ThemeCatalog,
    /// Every volunteer.
    pub volunteers: Vec<VolunteerProfile>,
    /// Names, for rankings shown to staff.
    pub names: HashMap<Uuid, String>,
}

/// The shared index.
#[derive(Debug)]
pub struct VolunteerIndex {
    current: RwLock<Arc<Snapshot>>,
    /// Held while reloading, so that concurrent requests do not all reload at once.
    reloading: Mutex<()>,
    /// The profiles' version last read, while no watched table changed since
    /// (PostgreSQL only, see `entraide_store::changes`).
    confirmed: EpochCache<(), i64>,
}

fn corrupt(what: &str, value: &str) -> ApiError {
    ApiError::Store(StoreError::Corrupt(format!("unknown {what} `{value}`")))
}

fn intern_all(catalog: &mut ThemeCatalog, ids: &[String]) -> Result<ThemeSet, ApiError> {
    let ids = ids
        .iter()
        .map(|id| ThemeId::parse(id).map_err(|_| corrupt("theme", id)))
        .collect::<Result<Vec<_>, _>>()?;
    catalog
        .set(ids.iter())
        .map_err(|error| ApiError::Internal(format!("theme catalogue: {error}")))
}

fn volunteer_profile(
    catalog: &mut ThemeCatalog,
    row: &VolunteerProfileRow,
) -> Result<VolunteerProfile, ApiError> {
    Ok(VolunteerProfile {
        id: row.id,
        themes: intern_all(catalog, &row.themes)?,
        sector: row
            .origin_sector
            .as_deref()
            .and_then(|code| Sector::from_str(code).ok()),
        status: LegalStatus::from_str(&row.origin_status).ok(),
        region: Region::from_code(&row.region),
        capacity: u32::try_from(row.capacity).unwrap_or(0),
        open_cases: u32::try_from(row.open_cases).unwrap_or(u32::MAX),
        recent_cases: u32::try_from(row.recent_cases).unwrap_or(u32::MAX),
        active: row.active,
        paused: row.paused,
        establishment: None,
        organisation: row.own_organisation.as_deref().and_then(organisation_key),
    })
}

fn load(conn: &mut DbConnection, version: i64, now: NaiveDateTime) -> Result<Snapshot, ApiError> {
    let day = now.date();
    let rows = store::volunteer_profiles(conn, day, now - TimeDelta::days(RECENT_DAYS))?;
    let mut catalog = ThemeCatalog::new();
    // Every theme, so that a request's themes are always found (coverage counts them all).
    let all_themes: Vec<String> = themes::list(conn, true)?
        .into_iter()
        .map(|t| t.id)
        .collect();
    intern_all(&mut catalog, &all_themes)?;
    let mut volunteers = Vec::with_capacity(rows.len());
    let mut names = HashMap::with_capacity(rows.len());
    for row in &rows {
        volunteers.push(volunteer_profile(&mut catalog, row)?);
        names.insert(row.id, row.name.clone());
    }
    Ok(Snapshot {
        version,
        day,
        catalog,
        volunteers,
        names,
    })
}

impl VolunteerIndex {
    /// An index that loads on first use, and trusts a version it read while `changes`
    /// says nothing changed since.
    pub fn new(changes: Arc<ChangeEpoch>) -> Self {
        Self {
            current: RwLock::new(Arc::new(Snapshot {
                version: -1,
                day: NaiveDate::MIN,
                catalog: ThemeCatalog::new(),
                volunteers: Vec::new(),
                names: HashMap::new(),
            })),
            reloading: Mutex::new(()),
            confirmed: EpochCache::new(changes, 1),
        }
    }

    fn snapshot(&self) -> Arc<Snapshot> {
        self.current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// The current profiles, reloaded first when the database says they changed (one
    /// small query) or the day changed (pauses end at midnight).
    pub fn fresh(
        &self,
        conn: &mut DbConnection,
        now: NaiveDateTime,
    ) -> Result<Arc<Snapshot>, ApiError> {
        if let Some(version) = self.confirmed.get(&()) {
            return self.fresh_at(conn, version, now);
        }
        let stamp = self.confirmed.stamp();
        let version = store::volunteer_profiles_version(conn)?;
        if let Some(stamp) = stamp {
            self.confirm(stamp, version);
        }
        self.fresh_at(conn, version, now)
    }

    /// Notes that the profiles' version was `version` when `stamp` was taken.
    pub fn confirm(&self, stamp: Stamp, version: i64) {
        self.confirmed.insert(stamp, (), version);
    }

    /// The current profiles without reading the database: `None` unless the version
    /// is known unchanged and the loaded snapshot is of that version and of today.
    pub fn cached(&self, now: NaiveDateTime) -> Option<Arc<Snapshot>> {
        let version = self.confirmed.get(&())?;
        let snapshot = self.snapshot();
        (snapshot.version == version && snapshot.day == now.date()).then_some(snapshot)
    }

    /// The same as [`Self::fresh`], given the version the caller has just read (in the
    /// query of the request's profile, saving a round trip).
    pub fn fresh_at(
        &self,
        conn: &mut DbConnection,
        version: i64,
        now: NaiveDateTime,
    ) -> Result<Arc<Snapshot>, ApiError> {
        let snapshot = self.snapshot();
        if snapshot.version == version && snapshot.day == now.date() {
            return Ok(snapshot);
        }
        let _guard = self
            .reloading
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let snapshot = self.snapshot();
        if snapshot.version == version && snapshot.day == now.date() {
            return Ok(snapshot);
        }
        let started = std::time::Instant::now();
        let loaded = Arc::new(load(conn, version, now)?);
        tracing::info!(
            version,
            volunteers = loaded.volunteers.len(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "matching index reloaded"
        );
        *self
            .current
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = loaded.clone();
        Ok(loaded)
    }
}

/// Builds a request's matching profile against a snapshot's catalogue.
pub fn request_profile(
    snapshot: &Snapshot,
    row: &RequestProfileRow,
) -> Result<RequestProfile, ApiError> {
    let mut themes = ThemeSet::default();
    for id in &row.themes {
        let theme = ThemeId::parse(id).map_err(|_| corrupt("theme", id))?;
        // Every stored theme was interned at load time; a theme added since is one no
        // volunteer can have yet, so it still counts in the request's total.
        match snapshot.catalog.get(&theme) {
            Some(index) => {
                themes.insert(index);
            }
            None => {
                return Err(ApiError::Internal(
                    "theme added since the index was built".into(),
                ))
            }
        }
    }
    Ok(RequestProfile {
        id: row.id,
        themes,
        kind: EstablishmentKind::from_str(&row.kind).map_err(|_| corrupt("kind", &row.kind))?,
        status: LegalStatus::from_str(&row.legal_status)
            .map_err(|_| corrupt("legal status", &row.legal_status))?,
        department: Department::parse(&row.department)
            .map_err(|_| corrupt("department", &row.department))?,
        urgency: Urgency::from_str(&row.urgency).map_err(|_| corrupt("urgency", &row.urgency))?,
        establishment: row.establishment_id,
        organisation: organisation_key(&row.establishment_name),
        declined_by: row.declined_by.clone(),
    })
}
