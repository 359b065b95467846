//! Property tests of ranking and batch assignment on small random worlds:
//! six themes, a handful of regions, establishments and organisations, so
//! that overlaps, conflicts and ties are frequent.

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;

use entraide_core::{Department, EstablishmentKind, LegalStatus, Region, Sector, Urgency};
use entraide_matching::{
    fairness_penalty, to_units, Matcher, RankOptions, RequestProfile, ThemeIndex, ThemeSet,
    VolunteerProfile, Weights,
};
use proptest::prelude::*;
use uuid::Uuid;

const THEMES: usize = 6;

fn theme_set(bits: u8) -> ThemeSet {
    (0..THEMES)
        .filter(|i| bits >> i & 1 == 1)
        .filter_map(ThemeIndex::new)
        .collect()
}

fn theme(i: usize) -> ThemeIndex {
    ThemeIndex::new(i).unwrap()
}

/// 0 is "none", 1 and 2 are shared between requests and volunteers.
fn key(kind: u128, n: u8) -> Option<Uuid> {
    (n > 0).then(|| Uuid::from_u128(kind * 1000 + u128::from(n)))
}

fn arb_weights() -> impl Strategy<Value = Weights> {
    fn w() -> impl Strategy<Value = f64> {
        prop_oneof![1 => Just(0.0), 3 => 0.0f64..1.0]
    }
    (
        w(),
        w(),
        w(),
        w(),
        w(),
        w(),
        prop_oneof![Just(0.0), 0.0f64..0.6],
    )
        .prop_filter_map(
            "all scoring weights zero",
            |(themes, sector, region, status, capacity, recent_load, fairness)| {
                let w = Weights {
                    themes,
                    sector,
                    region,
                    status,
                    capacity,
                    recent_load,
                    fairness,
                };
                w.validate().ok().map(|()| w)
            },
        )
}

fn arb_volunteer() -> impl Strategy<Value = VolunteerProfile> {
    (
        0u8..64,
        prop::option::of(prop::sample::select(Sector::ALL.to_vec())),
        prop::option::of(prop::sample::select(LegalStatus::ALL.to_vec())),
        prop::sample::select(vec![
            Some(Region::IleDeFrance),
            Some(Region::Normandie),
            Some(Region::HautsDeFrance),
            Some(Region::Occitanie),
            Some(Region::Corse),
            None,
        ]),
        (0u32..4, 0u32..4, 0u32..5),
        prop::bool::weighted(0.9),
        prop::bool::weighted(0.1),
        0u8..3,
        0u8..3,
    )
        .prop_map(
            |(bits, sector, status, region, (capacity, open, recent), active, paused, e, o)| {
                VolunteerProfile {
                    id: Uuid::nil(),
                    themes: theme_set(bits),
                    sector,
                    status,
                    region,
                    capacity,
                    open_cases: open,
                    recent_cases: recent,
                    active,
                    paused,
                    establishment: key(1, e),
                    organisation: key(2, o),
                }
            },
        )
}

fn arb_request() -> impl Strategy<Value = RequestProfile> {
    (
        0u8..64,
        prop::sample::select(EstablishmentKind::ALL.to_vec()),
        prop::sample::select(LegalStatus::ALL.to_vec()),
        prop::sample::select(vec!["75", "76", "59", "31", "2A", "971"]),
        prop::sample::select(Urgency::ALL.to_vec()),
        1u8..4,
        0u8..3,
        any::<u16>(),
    )
        .prop_map(
            |(bits, kind, status, dept, urgency, e, o, declined)| RequestProfile {
                id: Uuid::nil(),
                themes: theme_set(bits),
                kind,
                status,
                department: Department::parse(dept).unwrap(),
                urgency,
                establishment: key(1, e).unwrap(),
                organisation: key(2, o),
                // Turned into volunteer ids once they are known.
                declined_by: (0..16u128)
                    .filter(|i| declined >> i & 1 == 1 && i % 5 == 0)
                    .map(|i| Uuid::from_u128(i + 1))
                    .collect(),
            },
        )
}

/// Volunteers with unique ids 1, 2, 3...
fn arb_volunteers(max: usize) -> impl Strategy<Value = Vec<VolunteerProfile>> {
    prop::collection::vec(arb_volunteer(), 0..max).prop_map(|mut vs| {
        for (i, v) in vs.iter_mut().enumerate() {
            v.id = Uuid::from_u128(i as u128 + 1);
        }
        vs
    })
}

/// Requests with unique ids 10001, 10002...
fn arb_requests(max: usize) -> impl Strategy<Value = Vec<RequestProfile>> {
    prop::collection::vec(arb_request(), 0..max).prop_map(|mut rs| {
        for (i, r) in rs.iter_mut().enumerate() {
            r.id = Uuid::from_u128(10_001 + i as u128);
        }
        rs
    })
}

fn arb_request_with_id() -> impl Strategy<Value = RequestProfile> {
    arb_request().prop_map(|mut r| {
        r.id = Uuid::from_u128(10_000);
        r
    })
}

/// Eligibility written again from the rules, independently of the crate.
fn eligible(r: &RequestProfile, v: &VolunteerProfile) -> bool {
    v.active
        && !v.paused
        && v.open_cases < v.capacity
        && v.themes.intersects(&r.themes)
        && v.establishment != Some(r.establishment)
        && !(r.organisation.is_some() && v.organisation == r.organisation)
        && !r.declined_by.contains(&v.id)
}

fn all() -> RankOptions {
    RankOptions {
        limit: usize::MAX,
        explain_excluded: true,
    }
}

fn score_of(m: &Matcher, r: &RequestProfile, v: &VolunteerProfile) -> Option<f64> {
    m.evaluate(r, v).ok().map(|s| s.total)
}

/// The objective of an assignment, from the documented formula.
fn objective(
    m: &Matcher,
    requests: &[RequestProfile],
    volunteers: &[VolunteerProfile],
    pairs: &[(usize, usize)],
) -> i64 {
    let mut value = 0;
    let mut load = vec![0u32; volunteers.len()];
    for &(r, v) in pairs {
        value += to_units(score_of(m, &requests[r], &volunteers[v]).unwrap());
        load[v] += 1;
    }
    for (v, &x) in volunteers.iter().zip(&load) {
        for k in 1..=x {
            value -= to_units(fairness_penalty(m.weights().fairness, v.capacity, k));
        }
    }
    value
}

/// Greedy over pairs: the best remaining pair first.
fn greedy_by_pair(
    m: &Matcher,
    requests: &[RequestProfile],
    volunteers: &[VolunteerProfile],
) -> Vec<(usize, usize)> {
    let mut candidates = Vec::new();
    for (i, r) in requests.iter().enumerate() {
        for (j, v) in volunteers.iter().enumerate() {
            if let Some(s) = score_of(m, r, v) {
                candidates.push((s, i, j));
            }
        }
    }
    candidates.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut served = vec![false; requests.len()];
    let mut spare: Vec<u32> = volunteers.iter().map(|v| v.spare_capacity()).collect();
    let mut out = Vec::new();
    for (_, i, j) in candidates {
        if !served[i] && spare[j] > 0 {
            served[i] = true;
            spare[j] -= 1;
            out.push((i, j));
        }
    }
    out
}

/// Greedy over requests: most urgent first, each takes its best volunteer
/// with room left, like staff matching by hand.
fn greedy_by_request(
    m: &Matcher,
    requests: &[RequestProfile],
    volunteers: &[VolunteerProfile],
) -> Vec<(usize, usize)> {
    let mut order: Vec<usize> = (0..requests.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(requests[i].urgency));
    let mut spare: Vec<u32> = volunteers.iter().map(|v| v.spare_capacity()).collect();
    let mut out = Vec::new();
    for i in order {
        let best = volunteers
            .iter()
            .enumerate()
            .filter(|&(j, _)| spare[j] > 0)
            .filter_map(|(j, v)| score_of(m, &requests[i], v).map(|s| (s, j)))
            .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
        if let Some((_, j)) = best {
            spare[j] -= 1;
            out.push((i, j));
        }
    }
    out
}

/// The best objective over every feasible assignment, by enumeration.
fn brute_force(m: &Matcher, requests: &[RequestProfile], volunteers: &[VolunteerProfile]) -> i64 {
    fn go(
        i: usize,
        m: &Matcher,
        requests: &[RequestProfile],
        volunteers: &[VolunteerProfile],
        spare: &mut Vec<u32>,
        pairs: &mut Vec<(usize, usize)>,
        best: &mut i64,
    ) {
        if i == requests.len() {
            *best = (*best).max(objective(m, requests, volunteers, pairs));
            return;
        }
        go(i + 1, m, requests, volunteers, spare, pairs, best);
        for j in 0..volunteers.len() {
            if spare[j] > 0 && score_of(m, &requests[i], &volunteers[j]).is_some() {
                spare[j] -= 1;
                pairs.push((i, j));
                go(i + 1, m, requests, volunteers, spare, pairs, best);
                pairs.pop();
                spare[j] += 1;
            }
        }
    }
    let mut spare: Vec<u32> = volunteers.iter().map(|v| v.spare_capacity()).collect();
    let mut best = i64::MIN;
    go(
        0,
        m,
        requests,
        volunteers,
        &mut spare,
        &mut Vec::new(),
        &mut best,
    );
    best
}

/// An assignment by ids as positions in the inputs.
fn positions(
    requests: &[RequestProfile],
    volunteers: &[VolunteerProfile],
    result: &entraide_matching::BatchAssignment,
) -> Vec<(usize, usize)> {
    let r: HashMap<Uuid, usize> = requests
        .iter()
        .enumerate()
        .map(|(i, x)| (x.id, i))
        .collect();
    let v: HashMap<Uuid, usize> = volunteers
        .iter()
        .enumerate()
        .map(|(i, x)| (x.id, i))
        .collect();
    result
        .assignments
        .iter()
        .map(|a| (r[&a.request], v[&a.volunteer]))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn adding_a_shared_theme_never_lowers_a_score(
        w in arb_weights(),
        r in arb_request_with_id(),
        v in arb_volunteer(),
        t in 0..THEMES,
    ) {
        let m = Matcher::new(w).unwrap();
        let v = VolunteerProfile { id: Uuid::from_u128(1), ..v };
        let before = score_of(&m, &r, &v);
        let t = theme(t);
        if r.themes.contains(t) {
            // The volunteer learns a theme the request asks for.
            let mut v2 = v;
            v2.themes.insert(t);
            if let Some(b) = before {
                let a = score_of(&m, &r, &v2);
                prop_assert!(a.is_some_and(|a| a >= b), "{a:?} < {b}");
            }
        } else if !v.themes.contains(t) {
            // The request asks for one more theme, which the volunteer has.
            let mut r2 = r.clone();
            r2.themes.insert(t);
            let mut v2 = v;
            v2.themes.insert(t);
            if let Some(b) = before {
                let a = score_of(&m, &r2, &v2);
                prop_assert!(a.is_some_and(|a| a >= b), "{a:?} < {b}");
            }
        }
    }

    #[test]
    fn contributions_add_up_to_the_total_exactly(
        w in arb_weights(),
        r in arb_request_with_id(),
        vs in arb_volunteers(12),
    ) {
        let m = Matcher::new(w).unwrap();
        let ranking = m.rank(&r, &vs, &all());
        let mut last = f64::INFINITY;
        for e in &ranking.entries {
            let s = &e.score;
            let c = &s.contributions;
            let sum = c.themes + c.sector + c.region + c.status + c.capacity + c.recent_load;
            prop_assert_eq!(sum.to_bits(), s.total.to_bits());
            prop_assert_eq!(c.sum().to_bits(), s.total.to_bits());
            let k = &s.components;
            for x in [k.themes, k.sector, k.region, k.status, k.capacity, k.recent_load] {
                prop_assert!((0.0..=1.0).contains(&x), "component {x}");
            }
            prop_assert_eq!(c.themes, w.themes * k.themes);
            prop_assert_eq!(c.sector, w.sector * k.sector);
            prop_assert_eq!(c.region, w.region * k.region);
            prop_assert_eq!(c.status, w.status * k.status);
            prop_assert_eq!(c.capacity, w.capacity * k.capacity);
            prop_assert_eq!(c.recent_load, w.recent_load * k.recent_load);
            prop_assert!(s.total <= last);
            last = s.total;
        }
    }

    #[test]
    fn ranking_does_not_depend_on_input_order(
        w in arb_weights(),
        r in arb_request_with_id(),
        (vs, shuffled) in arb_volunteers(16).prop_flat_map(|vs| {
            let s = Just(vs.clone()).prop_shuffle();
            (Just(vs), s)
        }),
        limit in 0usize..8,
    ) {
        let m = Matcher::new(w).unwrap();
        let options = RankOptions { limit, explain_excluded: true };
        prop_assert_eq!(m.rank(&r, &vs, &options), m.rank(&r, &shuffled, &options));
    }

    #[test]
    fn no_ineligible_volunteer_is_ever_ranked(
        w in arb_weights(),
        r in arb_request_with_id(),
        vs in arb_volunteers(16),
        limit in 0usize..10,
    ) {
        let m = Matcher::new(w).unwrap();
        let ranking = m.rank(&r, &vs, &RankOptions { limit, explain_excluded: true });
        let by_id: HashMap<Uuid, &VolunteerProfile> = vs.iter().map(|v| (v.id, v)).collect();
        for e in &ranking.entries {
            prop_assert!(eligible(&r, by_id[&e.score.volunteer]));
        }
        for x in &ranking.excluded {
            prop_assert!(!eligible(&r, by_id[&x.volunteer]));
            prop_assert!(!x.reasons.is_empty());
        }
        let expected: Vec<&VolunteerProfile> = vs.iter().filter(|v| eligible(&r, v)).collect();
        prop_assert_eq!(ranking.eligible, expected.len());
        prop_assert_eq!(ranking.excluded.len(), vs.len() - expected.len());
        // The entries are the first `limit` of a full sort done here.
        let mut sorted: Vec<(f64, u32, Uuid)> = expected
            .iter()
            .map(|v| (score_of(&m, &r, v).unwrap(), v.open_cases, v.id))
            .collect();
        sorted.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        let want: Vec<Uuid> = sorted.iter().take(limit).map(|x| x.2).collect();
        let got: Vec<Uuid> = ranking.entries.iter().map(|e| e.score.volunteer).collect();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn batch_respects_capacities_and_serves_each_request_once(
        w in arb_weights(),
        rs in arb_requests(10),
        vs in arb_volunteers(8),
    ) {
        let m = Matcher::new(w).unwrap();
        let result = m.assign(&rs, &vs);
        let pairs = positions(&rs, &vs, &result);
        let mut load = vec![0u32; vs.len()];
        let mut seen = vec![0; rs.len()];
        for &(i, j) in &pairs {
            prop_assert!(eligible(&rs[i], &vs[j]));
            load[j] += 1;
            seen[i] += 1;
        }
        for u in &result.unserved {
            let i = rs.iter().position(|r| r.id == u.request).unwrap();
            seen[i] += 1;
        }
        prop_assert!(seen.iter().all(|&n| n == 1), "{seen:?}");
        for (j, v) in vs.iter().enumerate() {
            prop_assert!(v.open_cases + load[j] <= v.capacity.max(v.open_cases));
            prop_assert!(load[j] <= v.spare_capacity());
        }
        for a in &result.assignments {
            let j = vs.iter().position(|v| v.id == a.volunteer).unwrap();
            prop_assert_eq!(a.batch_cases, load[j]);
        }
        prop_assert_eq!(objective(&m, &rs, &vs, &pairs), result.objective.value_units);
        let ids: Vec<(Uuid, Uuid)> =
            result.assignments.iter().map(|a| (a.request, a.volunteer)).collect();
        prop_assert_eq!(
            m.batch_objective(&rs, &vs, &ids).unwrap().value_units,
            result.objective.value_units
        );
    }

    #[test]
    fn batch_is_never_worse_than_greedy(
        w in arb_weights(),
        rs in arb_requests(12),
        vs in arb_volunteers(8),
    ) {
        let m = Matcher::new(w).unwrap();
        let best = m.assign(&rs, &vs).objective.value_units;
        for greedy in [greedy_by_pair(&m, &rs, &vs), greedy_by_request(&m, &rs, &vs)] {
            prop_assert!(best >= objective(&m, &rs, &vs, &greedy));
        }
        // Without fairness, the objective is the plain total score.
        let plain = Matcher::new(Weights { fairness: 0.0, ..w }).unwrap();
        let result = plain.assign(&rs, &vs);
        for greedy in [greedy_by_pair(&plain, &rs, &vs), greedy_by_request(&plain, &rs, &vs)] {
            let total: f64 = greedy.iter().map(|&(i, j)| score_of(&plain, &rs[i], &vs[j]).unwrap()).sum();
            prop_assert!(result.objective.value_units >= objective(&plain, &rs, &vs, &greedy));
            prop_assert!(result.objective.total_score >= total - 1e-9 * rs.len() as f64);
        }
    }

    #[test]
    fn batch_finds_the_optimum_of_small_instances(
        w in arb_weights(),
        rs in arb_requests(6),
        vs in arb_volunteers(5),
    ) {
        let m = Matcher::new(w).unwrap();
        prop_assert_eq!(m.assign(&rs, &vs).objective.value_units, brute_force(&m, &rs, &vs));
    }

    #[test]
    fn batch_does_not_depend_on_input_order(
        w in arb_weights(),
        (rs, rs2) in arb_requests(10).prop_flat_map(|rs| (Just(rs.clone()), Just(rs).prop_shuffle())),
        (vs, vs2) in arb_volunteers(8).prop_flat_map(|vs| (Just(vs.clone()), Just(vs).prop_shuffle())),
    ) {
        let m = Matcher::new(w).unwrap();
        prop_assert_eq!(m.assign(&rs, &vs), m.assign(&rs2, &vs2));
    }
}
