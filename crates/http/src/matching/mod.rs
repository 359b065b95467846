//! Matching in the service: the in-memory index of volunteer profiles, ranking of one
//! request with explanations, and batch proposals for staff.

mod index;
mod routes;

pub use index::{organisation_key, Snapshot, VolunteerIndex, RECENT_DAYS};
pub use routes::{
    configure_assignments, configure_requests, ComponentsView, ExcludedView, ExclusionView,
    MatchView, MatchesView,
};

use chrono::NaiveDateTime;
use entraide_matching::{
    BatchAssignment, Excluded, MatchScore, Matcher, RankOptions, Ranking, Weights,
};
use entraide_store::matching::{self as store, RequestProfileRow};
use entraide_store::DbConnection;
use uuid::Uuid;

use crate::ApiError;

/// The matcher and the index, shared by every worker.
#[derive(Debug)]
pub struct MatchingService {
    matcher: Matcher,
    index: VolunteerIndex,
}

/// A ranking with what the service knows around it.
#[derive(Debug)]
pub struct RequestRanking {
    /// The request as stored (its state, themes...).
    pub request: RequestProfileRow,
    /// The ranking.
    pub ranking: Ranking,
    /// The snapshot it was computed on (for names).
    pub snapshot: std::sync::Arc<Snapshot>,
    /// Time spent ranking (the matcher alone, without database reads).
    pub elapsed: std::time::Duration,
}

impl MatchingService {
    /// A service with the given weights (validated).
    pub fn new(weights: Weights) -> Result<Self, entraide_matching::MatchingError> {
        Ok(Self {
            matcher: Matcher::new(weights)?,
            index: VolunteerIndex::new(),
        })
    }

    /// The weights in use.
    pub fn weights(&self) -> &Weights {
        self.matcher.weights()
    }

    /// Ranks the volunteers for one request (`NotFound` when it does not exist).
    pub fn rank(
        &self,
        conn: &mut DbConnection,
        request_id: Uuid,
        now: NaiveDateTime,
        options: &RankOptions,
    ) -> Result<RequestRanking, ApiError> {
        let (request, version) = store::request_profile_and_version(conn, request_id)?;
        let snapshot = self.index.fresh_at(conn, version, now)?;
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
