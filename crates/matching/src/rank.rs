//! Ranking the volunteers for one request.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::MatchingError;
use crate::profile::{RequestProfile, VolunteerProfile};
use crate::score::{Components, Exclusion, Prepared};
use crate::weights::Weights;

/// The matching engine: validated weights, and the ranking and batch
/// assignment built on them. Cheap to clone; build one from configuration at
/// start and share it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Matcher {
    pub(crate) weights: Weights,
}

/// What to return from [`Matcher::rank`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RankOptions {
    /// At most this many ranked volunteers (the best ones).
    pub limit: usize,
    /// Also list every excluded volunteer with the reasons.
    pub explain_excluded: bool,
}

impl Default for RankOptions {
    /// The 20 best, no exclusions.
    fn default() -> Self {
        RankOptions {
            limit: 20,
            explain_excluded: false,
        }
    }
}

/// The score of one eligible volunteer for one request, explained.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatchScore {
    /// The volunteer.
    pub volunteer: Uuid,
    /// The score: `contributions.sum()`, bit for bit.
    pub total: f64,
    /// Raw components, each in `[0, 1]`.
    pub components: Components,
    /// Each component times its weight; they add up to `total`.
    pub contributions: Components,
    /// Short French reasons, one per component with a non-zero weight.
    pub reasons: Vec<String>,
}

/// One line of a ranking.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankedVolunteer {
    /// Position, from 1.
    pub rank: usize,
    /// The score and its explanation.
    #[serde(flatten)]
    pub score: MatchScore,
}

/// A volunteer who may not be proposed, with every reason.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Excluded {
    /// The volunteer.
    pub volunteer: Uuid,
    /// Why, in a fixed order; never empty.
    pub reasons: Vec<Exclusion>,
}

/// The volunteers for one request, best first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ranking {
    /// The request.
    pub request: Uuid,
    /// Volunteers looked at.
    pub considered: usize,
    /// Eligible volunteers among them (ranked or beyond the limit).
    pub eligible: usize,
    /// The best eligible volunteers, at most `limit`, by decreasing total,
    /// then fewer open cases, then volunteer id: deterministic whatever the
    /// input order.
    pub entries: Vec<RankedVolunteer>,
    /// With `explain_excluded`: every excluded volunteer, by id; else empty.
    pub excluded: Vec<Excluded>,
}

/// A candidate of the top-k heap, ordered so that "less" ranks first and the
/// heap's maximum is the worst one kept.
#[derive(Debug, Clone, Copy)]
struct Candidate<'a> {
    total: f64,
    volunteer: &'a VolunteerProfile,
}

impl Ord for Candidate<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .total
            .total_cmp(&self.total)
            .then(self.volunteer.open_cases.cmp(&other.volunteer.open_cases))
            .then(self.volunteer.id.cmp(&other.volunteer.id))
    }
}

impl PartialOrd for Candidate<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Candidate<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Candidate<'_> {}

impl Matcher {
    /// A matcher with these weights, once checked ([`Weights::validate`]).
    pub fn new(weights: Weights) -> Result<Matcher, MatchingError> {
        weights.validate()?;
        Ok(Matcher { weights })
    }

    /// The weights in use.
    pub fn weights(&self) -> &Weights {
        &self.weights
    }

    /// Ranks volunteers for a request and explains the best ones.
    ///
    /// One pass over the volunteers with no allocation per candidate: the
    /// request is turned into lookup tables once, themes are compared as
    /// bitsets, and a heap of `limit` entries keeps the best; reasons are
    /// written for those only.
    pub fn rank<'a, I>(
        &self,
        request: &RequestProfile,
        volunteers: I,
        options: &RankOptions,
    ) -> Ranking
    where
        I: IntoIterator<Item = &'a VolunteerProfile>,
    {
        let prep = Prepared::new(request, self.weights);
        let limit = options.limit;
        // Bounded so that a huge limit does not reserve huge memory upfront.
        let mut heap: BinaryHeap<Candidate<'a>> = BinaryHeap::with_capacity(limit.min(1024));
        let mut excluded = Vec::new();
        let mut considered = 0;
        let mut eligible = 0;
        for v in volunteers {
            considered += 1;
            let flags = prep.flags(v);
            if !flags.is_eligible() {
                if options.explain_excluded {
                    excluded.push(Excluded {
                        volunteer: v.id,
                        reasons: flags.to_exclusions(v),
                    });
                }
                continue;
            }
            eligible += 1;
            if limit == 0 {
                continue;
            }
            let candidate = Candidate {
                total: prep.total(v),
                volunteer: v,
            };
            if heap.len() < limit {
                heap.push(candidate);
            } else if let Some(mut worst) = heap.peek_mut() {
                if candidate < *worst {
                    *worst = candidate;
                }
            }
        }
        excluded.sort_by_key(|e| e.volunteer);
        let entries = heap
            .into_sorted_vec()
            .into_iter()
            .enumerate()
            .map(|(i, c)| RankedVolunteer {
                rank: i + 1,
                score: explain(&prep, c.volunteer),
            })
            .collect();
        Ranking {
            request: request.id,
            considered,
            eligible,
            entries,
            excluded,
        }
    }

    /// Scores one volunteer for one request, or says why they are excluded:
    /// what the service checks again before a proposal is accepted.
    pub fn evaluate(
        &self,
        request: &RequestProfile,
        volunteer: &VolunteerProfile,
    ) -> Result<MatchScore, Excluded> {
        let prep = Prepared::new(request, self.weights);
        let flags = prep.flags(volunteer);
        if flags.is_eligible() {
            Ok(explain(&prep, volunteer))
        } else {
            Err(Excluded {
                volunteer: volunteer.id,
                reasons: flags.to_exclusions(volunteer),
            })
        }
    }
}

/// The explained score of an eligible volunteer; `total` is computed exactly
/// as in the ranking loop, so it is the value that was ranked.
pub(crate) fn explain(prep: &Prepared<'_>, v: &VolunteerProfile) -> MatchScore {
    let components = prep.components(v);
    let contributions = components.weighted(&prep.weights);
    MatchScore {
        volunteer: v.id,
        total: contributions.sum(),
        components,
        contributions,
        reasons: prep.reasons(v),
    }
}
