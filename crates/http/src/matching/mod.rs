//! Matching in the service: the in-memory index of volunteer profiles, ranking of one
//! request with explanations, and batch proposals for staff.

mod index;
mod routes;

pub use index::{organisation_key, Snapshot, VolunteerIndex, RECENT_DAYS};
pub use routes::{
    configure_assignments, configure_requests, ComponentsView, ExcludedView, ExclusionView,
    MatchView, MatchesView,
};

use std::sync::Arc;

use chrono::NaiveDateTime;
use entraide_matching::{
    BatchAssignment, Excluded, MatchScore, Matcher, RankOptions, Ranking, Weights,
};
use entraide_store::changes::{ChangeEpoch, EpochCache, Lookups};
use entraide_store::matching::{self as store, RequestProfileRow};
use entraide_store::DbConnection;
use uuid::Uuid;

use crate::ApiError;

/// The matcher and the index, shared by every worker.
#[derive(Debug)]
pub struct MatchingService {
    matcher: Matcher,
    index: VolunteerIndex,
    /// Requests' matching profiles read since the last change (PostgreSQL only, see
    /// `entraide_store::changes`): staff rank the same open requests again and again.
    requests: EpochCache<Uuid, Arc<RequestProfileRow>>,
}

/// Most requests' profiles kept in memory (about 1 kB each).
const CACHED_REQUESTS: usize = 100_000;

/// A ranking with what the service knows around it.
#[derive(Debug)]
pub struct RequestRanking {
    /// The request as stored (its state, themes...).
    pub request: Arc<RequestProfileRow>,
    /// The ranking.
    pub ranking: Ranking,
    /// The snapshot it was computed on (for names).
    pub snapshot: std::sync::Arc<Snapshot>,
    /// Time spent ranking (the matcher alone, without database reads).
    pub elapsed: std::time::Duration,
}

impl MatchingService {
    /// A service with the given weights (validated).
    pub fn new(
        weights: Weights,
        changes: Arc<ChangeEpoch>,
    ) -> Result<Self, entraide_matching::MatchingError> {
        Ok(Self {
            matcher: Matcher::new(weights)?,
            index: VolunteerIndex::new(changes.clone()),
            requests: EpochCache::new(changes, CACHED_REQUESTS),
        })
    }

    /// Lookups of requests' profiles so far (for `/metrics`).
    pub fn request_lookups(&self) -> Lookups {
        self.requests.lookups()
    }

    /// The weights in use.
    pub fn weights(&self) -> &Weights {
        self.matcher.weights()
    }

    /// Ranks the volunteers for one request (`NotFound` when it does not exist), from
    /// what the database holds now; the request's profile and the profiles' version are
    /// kept for [`Self::rank_cached`].
    pub fn rank(
        &self,
        conn: &mut DbConnection,
        request_id: Uuid,
        now: NaiveDateTime,
        options: &RankOptions,
    ) -> Result<RequestRanking, ApiError> {
        let stamp = self.requests.stamp();
        let (request, version) = store::request_profile_and_version(conn, request_id)?;
        let request = Arc::new(request);
        let snapshot = self.index.fresh_at(conn, version, now)?;
        if let Some(stamp) = stamp {
            self.requests.insert(stamp, request_id, request.clone());
            self.index.confirm(stamp, version);
        }
        self.rank_on(request, snapshot, options)
    }

    /// The same ranking from memory alone, when the request's profile and the volunteer
    /// profiles are known unchanged since they were read; `None` otherwise.
    pub fn rank_cached(
        &self,
        request_id: Uuid,
        now: NaiveDateTime,
        options: &RankOptions,
    ) -> Option<Result<RequestRanking, ApiError>> {
        let request = self.requests.get(&request_id)?;
        let snapshot = self.index.cached(now)?;
        Some(self.rank_on(request, snapshot, options))
    }

    fn rank_on(
        &self,
        request: Arc<RequestProfileRow>,
        snapshot: Arc<Snapshot>,
        options: &RankOptions,
    ) -> Result<RequestRanking, ApiError> {
        let profile = index::request_profile(&snapshot, &request)?;
        let started = std::time::Instant::now();
        let ranking = self
            .matcher
            .rank(&profile, snapshot.volunteers.iter(), options);
        let elapsed = started.elapsed();
        Ok(RequestRanking {
            request,
            ranking,
            snapshot,
            elapsed,
        })
    }

    /// Scores one volunteer for one request from the current index (`Err` with the
    /// exclusion reasons when the volunteer may not take it).
    pub fn evaluate(
        &self,
        conn: &mut DbConnection,
        request_id: Uuid,
        volunteer_id: Uuid,
        now: NaiveDateTime,
    ) -> Result<Result<MatchScore, Excluded>, ApiError> {
        let request = store::request_profile(conn, request_id)?;
        let snapshot = self.index.fresh(conn, now)?;
        let profile = index::request_profile(&snapshot, &request)?;
        let volunteer = snapshot
            .volunteers
            .iter()
            .find(|v| v.id == volunteer_id)
            .ok_or(ApiError::NotFound)?;
        Ok(self.matcher.evaluate(&profile, volunteer))
    }

    /// Proposes one volunteer per request for a batch of requests, spreading the load.
    pub fn assign(
        &self,
        conn: &mut DbConnection,
        request_ids: &[Uuid],
        now: NaiveDateTime,
    ) -> Result<(BatchAssignment, std::sync::Arc<Snapshot>), ApiError> {
        let snapshot = self.index.fresh(conn, now)?;
        let mut profiles = Vec::with_capacity(request_ids.len());
        for &id in request_ids {
            let row = store::request_profile(conn, id)?;
            profiles.push(index::request_profile(&snapshot, &row)?);
        }
        let assignment = self.matcher.assign(&profiles, &snapshot.volunteers);
        Ok((assignment, snapshot))
    }
}
