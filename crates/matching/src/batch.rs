//! Batch assignment: one volunteer per open request, best total, load spread.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use uuid::Uuid;

use crate::error::MatchingError;
use crate::profile::{RequestProfile, VolunteerProfile};
use crate::rank::Matcher;
use crate::score::Prepared;

/// The batch objective is computed exactly in integers, in units of
/// `1 / UNITS_PER_POINT` score point: floating-point rounding can then never
/// make the solver miss the optimum or make two equal objectives differ.
pub const UNITS_PER_POINT: f64 = 1e9;

/// A score or penalty in objective units (rounded to the nearest unit).
pub fn to_units(points: f64) -> i64 {
    // Weights are at most 1000 (see `Weights::MAX`), so a score is at most
    // 6,000 points, 6e12 units: far from the i64 range.
    (points * UNITS_PER_POINT).round() as i64
}

/// Fairness penalty of the `k`-th request (from 1) given to a volunteer of
/// this capacity in one batch: `fairness × (k − 1) / capacity`. The first is
/// free; each further one costs what the volunteer's capacity component
/// would lose with `fairness` as its weight, so it always stays below
/// `fairness`.
pub fn fairness_penalty(fairness: f64, capacity: u32, k: u32) -> f64 {
    fairness * f64::from(k.saturating_sub(1)) / f64::from(capacity.max(1))
}

/// A proposed batch: assignments, requests left unserved, and the objective.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BatchAssignment {
    /// One per served request, most urgent request first, then by request id.
    pub assignments: Vec<Assignment>,
    /// Requests with no volunteer, same order, each with the reason.
    pub unserved: Vec<Unserved>,
    /// The value of the proposal (see [`Matcher::assign`]).
    pub objective: BatchObjective,
}

/// One request given to one volunteer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assignment {
    /// The request.
    pub request: Uuid,
    /// The volunteer proposed.
    pub volunteer: Uuid,
    /// The volunteer's score for the request, as ranked.
    pub total: f64,
    /// The reasons of that score.
    pub reasons: Vec<String>,
    /// How many requests of this batch the volunteer receives.
    pub batch_cases: u32,
}

/// A request the batch does not serve.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unserved {
    /// The request.
    pub request: Uuid,
    /// Why.
    pub reason: UnservedReason,
}

/// Why a request of a batch gets no volunteer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnservedReason {
    /// No volunteer at all offers one of its themes.
    NoVolunteerWithTheme,
    /// Some volunteers offer a theme but none is eligible (inactive, paused,
    /// full, conflict of interest, declined).
    NoEligibleVolunteer {
        /// Volunteers offering at least one of the themes.
        sharing_a_theme: usize,
    },
    /// Every eligible volunteer's spare capacity went to requests of the
    /// batch where they score more.
    CapacityTaken {
        /// Eligible volunteers.
        eligible: usize,
    },
    /// The eligible volunteers with room left already receive requests in
    /// this batch, and one more would cost more in fairness than its score
    /// brings (only when the score is below the `fairness` weight).
    FairnessLimit {
        /// Eligible volunteers.
        eligible: usize,
    },
}

impl UnservedReason {
    /// Stable snake_case code, for clients.
    pub fn code(&self) -> &'static str {
        match self {
            UnservedReason::NoVolunteerWithTheme => "no_volunteer_with_theme",
            UnservedReason::NoEligibleVolunteer { .. } => "no_eligible_volunteer",
            UnservedReason::CapacityTaken { .. } => "capacity_taken",
            UnservedReason::FairnessLimit { .. } => "fairness_limit",
        }
    }

    /// Short French message, for staff.
    pub fn message(&self) -> String {
        match *self {
            UnservedReason::NoVolunteerWithTheme => {
                "Aucun volontaire ne propose ces thèmes".to_owned()
            }
            UnservedReason::NoEligibleVolunteer { sharing_a_theme: 1 } => {
                "Un volontaire propose ces thèmes, mais il n'est pas éligible \
                 (inactif, en pause, complet ou en conflit d'intérêts)"
                    .to_owned()
            }
            UnservedReason::NoEligibleVolunteer { sharing_a_theme } => format!(
                "{sharing_a_theme} volontaires proposent ces thèmes, mais aucun n'est éligible \
                 (inactif, en pause, complet ou en conflit d'intérêts)"
            ),
            UnservedReason::CapacityTaken { eligible: 1 } => {
                "Le seul volontaire éligible est pris par une autre demande du lot".to_owned()
            }
            UnservedReason::CapacityTaken { eligible } => format!(
                "Les {eligible} volontaires éligibles sont pris par d'autres demandes du lot"
            ),
            UnservedReason::FairnessLimit { eligible: 1 } => {
                "Le seul volontaire éligible reçoit déjà des demandes de ce lot : \
                 une de plus le surchargerait"
                    .to_owned()
            }
            UnservedReason::FairnessLimit { eligible } => format!(
                "Les {eligible} volontaires éligibles reçoivent déjà des demandes de ce lot \
                 ou sont complets : une de plus les surchargerait"
            ),
        }
    }
}

/// Serialized as `{"code": ..., "message": ...}`.
impl Serialize for UnservedReason {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("UnservedReason", 2)?;
        s.serialize_field("code", self.code())?;
        s.serialize_field("message", &self.message())?;
        s.end()
    }
}

/// The value of a batch: what [`Matcher::assign`] maximises.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BatchObjective {
    /// Sum of the scores of the assignments.
    pub total_score: f64,
    /// Sum of the fairness penalties ([`fairness_penalty`]) of every
    /// volunteer's batch requests.
    pub fairness_penalty: f64,
    /// The objective, exactly: `Σ to_units(score) − Σ to_units(penalty)`.
    pub value_units: i64,
    /// The objective in score points: `value_units / UNITS_PER_POINT`.
    pub value: f64,
}

const NONE: u32 = u32::MAX;

/// How the sink was reached by the last shortest path.
#[derive(Debug, Clone, Copy)]
enum SinkPred {
    /// Through the next free slot of a volunteer.
    Slot(u32),
    /// Through the "unserved" arc of a request.
    Drop(u32),
}

/// Shortest-augmenting-path solver on the flow network
/// `request → volunteer → volunteer's k-th slot → sink`, plus a
/// `request → sink` arc of cost 0 meaning "unserved".
///
/// Request→volunteer arcs cost `−score`, slot `k` of a volunteer costs its
/// fairness penalty. Every request sends exactly one unit (the "unserved"
/// arc makes that always possible), so a min-cost flow is an assignment
/// maximising `Σ score − Σ penalty`.
///
/// Why it is exact: this is the Hungarian method (shortest augmenting path,
/// one row at a time, with dual potentials) on the rectangular assignment
/// matrix whose rows are requests and whose columns are every volunteer's
/// slots plus one private "unserved" column per request, compressed:
/// - slots of a volunteer differ only by their penalty, which grows with
///   `k`, so a shortest path always ends in the lowest free one: the solver
///   keeps one "next slot" arc per volunteer;
/// - going through a slot column to the request holding it costs
///   `−score + p_k + score' − p_k`: the penalties cancel, so the solver goes
///   through the volunteer node with costs `−score` and `+score'`;
/// - a private "unserved" column can only be reached by its own request, so
///   a dropped request is never reached again, and a volunteer's load never
///   decreases;
/// - a path ends at the first free column: nothing leaves the sink.
///
/// Dijkstra runs on reduced costs `c(a, b) + π(a) − π(b)`, which stay
/// non-negative on every arc it relaxes: a new request's potential is set to
/// make its own arcs non-negative, the Johnson update keeps the others so,
/// and a new "next slot" arc costs at least the one just used. Costs are
/// integers, so nothing is lost to rounding. The property tests compare the
/// result with an exhaustive search on small instances.
#[derive(Debug)]
struct Solver<'g> {
    m: usize,
    start: &'g [usize],
    adj_vol: &'g [u32],
    adj_gain: &'g [i64],
    /// Penalty units of each volunteer's slots 1..=spare, flattened.
    slot_start: Vec<usize>,
    slot_cost: Vec<i64>,
    pot: Vec<i64>,
    assigned: Vec<u32>,
    assigned_gain: Vec<i64>,
    load: Vec<u32>,
    rows_of: Vec<Vec<u32>>,
    dist: Vec<i64>,
    settled: Vec<bool>,
    pred_row: Vec<u32>,
    pred_gain: Vec<i64>,
    touched: Vec<usize>,
    settled_list: Vec<usize>,
    heap: BinaryHeap<Reverse<(i64, u32)>>,
}

impl<'g> Solver<'g> {
    fn new(
        m: usize,
        start: &'g [usize],
        adj_vol: &'g [u32],
        adj_gain: &'g [i64],
        slot_start: Vec<usize>,
        slot_cost: Vec<i64>,
    ) -> Solver<'g> {
        let n = slot_start.len() - 1;
        let nodes = m + n + 1;
        Solver {
            m,
            start,
            adj_vol,
            adj_gain,
            slot_start,
            slot_cost,
            pot: vec![0; nodes],
            assigned: vec![NONE; m],
            assigned_gain: vec![0; m],
            load: vec![0; n],
            rows_of: vec![Vec::new(); n],
            dist: vec![i64::MAX; nodes],
            settled: vec![false; nodes],
            pred_row: vec![NONE; n],
            pred_gain: vec![0; n],
            touched: Vec::new(),
            settled_list: Vec::new(),
            heap: BinaryHeap::new(),
        }
    }

    fn sink(&self) -> usize {
        self.pot.len() - 1
    }

    fn spare(&self, j: usize) -> u32 {
        // Slots are counted from the spare capacity, which is a u32.
        (self.slot_start[j + 1] - self.slot_start[j]) as u32
    }

    /// Penalty units of the `k`-th slot (from 1) of volunteer `j`.
    fn slot(&self, j: usize, k: u32) -> i64 {
        self.slot_cost[self.slot_start[j] + k as usize - 1]
    }

    fn touch(&mut self, node: usize, d: i64) -> bool {
        if d < self.dist[node] {
            if self.dist[node] == i64::MAX {
                self.touched.push(node);
            }
            self.dist[node] = d;
            // Node ids fit in u32: they index vectors built from u32 ids.
            self.heap.push(Reverse((d, node as u32)));
            true
        } else {
            false
        }
    }

    fn solve(&mut self) {
        for i in 0..self.m {
            self.add_request(i);
        }
    }

    fn add_request(&mut self, i: usize) {
        let m = self.m;
        let t = self.sink();
        // A potential for the new request that makes its arcs' reduced costs
        // non-negative; it has no incoming residual arc yet.
        let mut p = self.pot[t];
        for e in self.start[i]..self.start[i + 1] {
            p = p.max(self.adj_gain[e] + self.pot[m + self.adj_vol[e] as usize]);
        }
        self.pot[i] = p;

        let mut sink_pred = SinkPred::Drop(i as u32);
        self.touch(i, 0);
        while let Some(Reverse((d, x))) = self.heap.pop() {
            let x = x as usize;
            if self.settled[x] || d > self.dist[x] {
                continue;
            }
            self.settled[x] = true;
            self.settled_list.push(x);
            if x == t {
                break;
            }
            if x < m {
                let r = x;
                let dr = d + self.pot[r] - self.pot[t];
                debug_assert!(dr >= d, "negative reduced cost on a drop arc");
                if self.touch(t, dr) {
                    sink_pred = SinkPred::Drop(r as u32);
                }
                for e in self.start[r]..self.start[r + 1] {
                    let j = self.adj_vol[e];
                    let y = m + j as usize;
                    if j == self.assigned[r] || self.settled[y] {
                        continue;
                    }
                    let g = self.adj_gain[e];
                    let dy = d - g + self.pot[r] - self.pot[y];
                    debug_assert!(dy >= d, "negative reduced cost on a request arc");
                    if self.touch(y, dy) {
                        self.pred_row[j as usize] = r as u32;
                        self.pred_gain[j as usize] = g;
                    }
                }
            } else {
                let j = x - m;
                if self.load[j] < self.spare(j) {
                    let c = self.slot(j, self.load[j] + 1);
                    let dt = d + c + self.pot[x] - self.pot[t];
                    debug_assert!(dt >= d, "negative reduced cost on a slot arc");
                    if self.touch(t, dt) {
                        sink_pred = SinkPred::Slot(j as u32);
                    }
                }
                for k in 0..self.rows_of[j].len() {
                    let r = self.rows_of[j][k] as usize;
                    if self.settled[r] {
                        continue;
                    }
                    let dr = d + self.assigned_gain[r] + self.pot[x] - self.pot[r];
                    debug_assert!(dr >= d, "negative reduced cost on a reverse arc");
                    self.touch(r, dr);
                }
            }
        }

        // Johnson update with early stop: settled nodes move by their
        // distance, the others by the sink's; shifted by −D so that only the
        // settled ones change. Reduced costs stay non-negative, and are zero
        // along the path, whose arcs are reversed below.
        let big_d = self.dist[t];
        for &x in &self.settled_list {
            self.pot[x] += self.dist[x] - big_d;
        }
        for &x in &self.touched {
            self.dist[x] = i64::MAX;
            self.settled[x] = false;
        }
        self.touched.clear();
        self.settled_list.clear();
        self.heap.clear();

        self.augment(i, sink_pred);
    }

    /// Reverses the shortest path, from the sink back to request `i`.
    fn augment(&mut self, i: usize, sink_pred: SinkPred) {
        let mut vol = match sink_pred {
            SinkPred::Drop(r) => {
                let r = r as usize;
                let prev = self.assigned[r];
                self.assigned[r] = NONE;
                if r == i {
                    return;
                }
                self.unlink(r, prev);
                prev as usize
            }
            SinkPred::Slot(j) => {
                self.load[j as usize] += 1;
                j as usize
            }
        };
        loop {
            let r = self.pred_row[vol] as usize;
            let prev = self.assigned[r];
            self.assigned[r] = vol as u32;
            self.assigned_gain[r] = self.pred_gain[vol];
            self.rows_of[vol].push(r as u32);
            if prev == NONE {
                debug_assert_eq!(r, i);
                return;
            }
            self.unlink(r, prev);
            vol = prev as usize;
        }
    }

    fn unlink(&mut self, r: usize, vol: u32) {
        let rows = &mut self.rows_of[vol as usize];
        if let Some(pos) = rows.iter().position(|&x| x as usize == r) {
            rows.swap_remove(pos);
        }
    }
}

impl Matcher {
    /// Proposes one volunteer per request, for many open requests at once.
    ///
    /// **Objective.** Among all assignments where each request gets at most
    /// one eligible volunteer and each volunteer at most their spare
    /// capacity, the result maximises exactly
    ///
    /// `Σ to_units(score(r, v)) − Σ_v Σ_{k=1..x_v} to_units(fairness_penalty(fairness, capacity_v, k))`
    ///
    /// where `score` is the ranking score (computed before the batch) and
    /// `x_v` the number of the batch's requests given to `v`. The fairness
    /// term spreads load: a volunteer's second request of the batch costs
    /// `fairness / capacity`, the third twice that... With `fairness = 0` the
    /// objective is the plain total score (in units of 1e-9). The value of
    /// any assignment can be checked with [`Matcher::batch_objective`], and
    /// no assignment (greedy or other) has a higher one.
    ///
    /// A request is left unserved only when serving it cannot raise the
    /// objective: no eligible volunteer, their capacity is worth more to
    /// other requests, or (score below `fairness`) the fairness penalty
    /// outweighs its score. Each such request is listed with the reason.
    ///
    /// **Algorithm.** A min-cost flow on `request → volunteer → volunteer's
    /// k-th slot → sink` (request→volunteer costs `−score`, slot `k` costs
    /// its penalty, and a `request → sink` arc of cost 0 means "unserved"),
    /// solved exactly in integers by successive shortest paths with Johnson
    /// potentials, adding one request at a time as the Hungarian method
    /// does. `O(m · E log V)` at worst for `m` requests and `E` eligible
    /// pairs; in practice each request explores a few volunteers. Scores of
    /// all eligible pairs are computed once. Inputs are sorted (requests by
    /// urgency then id, volunteers by id) before solving, so the result does
    /// not depend on their order.
    pub fn assign(
        &self,
        requests: &[RequestProfile],
        volunteers: &[VolunteerProfile],
    ) -> BatchAssignment {
        let mut reqs: Vec<&RequestProfile> = requests.iter().collect();
        reqs.sort_by(|a, b| b.urgency.cmp(&a.urgency).then(a.id.cmp(&b.id)));
        let mut pool: Vec<&VolunteerProfile> = volunteers
            .iter()
            .filter(|v| v.active && !v.paused && v.spare_capacity() > 0)
            .collect();
        pool.sort_by_key(|v| v.id);
        let preps: Vec<Prepared<'_>> = reqs
            .iter()
            .map(|r| Prepared::new(r, self.weights))
            .collect();

        // Eligible pairs and their scores in units, one row per request.
        let mut start = Vec::with_capacity(reqs.len() + 1);
        let mut adj_vol = Vec::new();
        let mut adj_gain = Vec::new();
        for prep in &preps {
            start.push(adj_vol.len());
            for (j, v) in pool.iter().enumerate() {
                if prep.flags(v).is_eligible() {
                    // Volunteer positions fit in u32 (ids of a real service).
                    adj_vol.push(j as u32);
                    adj_gain.push(to_units(prep.total(v)));
                }
            }
        }
        start.push(adj_vol.len());

        let fairness = self.weights.fairness;
        let mut slot_start = Vec::with_capacity(pool.len() + 1);
        let mut slot_cost = Vec::new();
        for v in &pool {
            slot_start.push(slot_cost.len());
            for k in 1..=v.spare_capacity() {
                slot_cost.push(to_units(fairness_penalty(fairness, v.capacity, k)));
            }
        }
        slot_start.push(slot_cost.len());

        let mut solver = Solver::new(
            reqs.len(),
            &start,
            &adj_vol,
            &adj_gain,
            slot_start,
            slot_cost,
        );
        solver.solve();

        let mut assignments = Vec::new();
        let mut unserved = Vec::new();
        let mut totals = Vec::new();
        for (i, prep) in preps.iter().enumerate() {
            let request = reqs[i].id;
            let j = solver.assigned[i];
            if j != NONE {
                let v = pool[j as usize];
                let total = prep.total(v);
                totals.push(total);
                assignments.push(Assignment {
                    request,
                    volunteer: v.id,
                    total,
                    reasons: prep.reasons(v),
                    batch_cases: solver.load[j as usize],
                });
                continue;
            }
            let edges = start[i]..start[i + 1];
            let reason = if edges.is_empty() {
                let sharing = volunteers
                    .iter()
                    .filter(|v| v.themes.intersects(&reqs[i].themes))
                    .count();
                if sharing == 0 {
                    UnservedReason::NoVolunteerWithTheme
                } else {
                    UnservedReason::NoEligibleVolunteer {
                        sharing_a_theme: sharing,
                    }
                }
            } else {
                let eligible = edges.len();
                let full = edges.clone().all(|e| {
                    let j = adj_vol[e] as usize;
                    solver.load[j] == solver.spare(j)
                });
                if full {
                    UnservedReason::CapacityTaken { eligible }
                } else {
                    UnservedReason::FairnessLimit { eligible }
                }
            };
            unserved.push(Unserved { request, reason });
        }
        let loads = pool.iter().zip(&solver.load).map(|(v, &x)| (v.capacity, x));
        let objective = self.objective(totals.into_iter(), loads);
        BatchAssignment {
            assignments,
            unserved,
            objective,
        }
    }

    /// The objective of any assignment of these requests to these
    /// volunteers (pairs of request id and volunteer id), after checking it
    /// is feasible: each request at most once, eligible pairs only, spare
    /// capacities respected. Lets callers and tests compare another
    /// assignment (a greedy one, a hand-made one) with [`Matcher::assign`].
    pub fn batch_objective(
        &self,
        requests: &[RequestProfile],
        volunteers: &[VolunteerProfile],
        pairs: &[(Uuid, Uuid)],
    ) -> Result<BatchObjective, MatchingError> {
        let reqs: HashMap<Uuid, &RequestProfile> = requests.iter().map(|r| (r.id, r)).collect();
        let vols: HashMap<Uuid, &VolunteerProfile> = volunteers.iter().map(|v| (v.id, v)).collect();
        let mut seen = HashSet::new();
        let mut load: HashMap<Uuid, u32> = HashMap::new();
        let mut totals = Vec::with_capacity(pairs.len());
        for &(r, v) in pairs {
            let request = reqs.get(&r).ok_or(MatchingError::UnknownRequest(r))?;
            let volunteer = vols.get(&v).ok_or(MatchingError::UnknownVolunteer(v))?;
            if !seen.insert(r) {
                return Err(MatchingError::RequestAssignedTwice(r));
            }
            let prep = Prepared::new(request, self.weights);
            if !prep.flags(volunteer).is_eligible() {
                return Err(MatchingError::Ineligible {
                    request: r,
                    volunteer: v,
                });
            }
            let x = load.entry(v).or_insert(0);
            *x += 1;
            if *x > volunteer.spare_capacity() {
                return Err(MatchingError::OverCapacity(v));
            }
            totals.push(prep.total(volunteer));
        }
        // Sorted so that the floating-point sums do not depend on hashing.
        let mut loads: Vec<(Uuid, u32, u32)> = load
            .iter()
            .filter_map(|(id, &x)| vols.get(id).map(|v| (*id, v.capacity, x)))
            .collect();
        loads.sort_unstable();
        let loads = loads.into_iter().map(|(_, capacity, x)| (capacity, x));
        Ok(self.objective(totals.into_iter(), loads))
    }

    /// The objective from the scores of the assignments and each
    /// volunteer's (capacity, batch load).
    fn objective(
        &self,
        totals: impl Iterator<Item = f64>,
        loads: impl Iterator<Item = (u32, u32)>,
    ) -> BatchObjective {
        let mut total_score = 0.0;
        let mut value_units = 0i64;
        for t in totals {
            total_score += t;
            value_units += to_units(t);
        }
        let mut penalty = 0.0;
        for (capacity, x) in loads {
            for k in 1..=x {
                let p = fairness_penalty(self.weights.fairness, capacity, k);
                penalty += p;
                value_units -= to_units(p);
            }
        }
        BatchObjective {
            total_score,
            fairness_penalty: penalty,
            value_units,
            value: value_units as f64 / UNITS_PER_POINT,
        }
    }
}
