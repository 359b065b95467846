//! Batch assignment: optimality on hand-made cases, fairness, capacity,
//! unserved reasons, output order and shape.

#![allow(clippy::unwrap_used)]

mod common;

use common::{id, request, themes, volunteer};
use entraide_core::{Department, Region, Urgency};
use entraide_matching::{
    Matcher, MatchingError, RequestProfile, UnservedReason, VolunteerProfile, Weights,
};
use uuid::Uuid;

fn matcher() -> Matcher {
    Matcher::new(Weights::default()).unwrap()
}

fn with_fairness(fairness: f64) -> Matcher {
    Matcher::new(Weights {
        fairness,
        ..Weights::default()
    })
    .unwrap()
}

fn req(n: u128, slugs: &[&str]) -> RequestProfile {
    RequestProfile {
        id: id(n),
        themes: themes(slugs),
        ..request()
    }
}

fn pairs(result: &entraide_matching::BatchAssignment) -> Vec<(Uuid, Uuid)> {
    result
        .assignments
        .iter()
        .map(|a| (a.request, a.volunteer))
        .collect()
}

#[test]
fn the_best_volunteer_goes_where_nobody_else_can_help() {
    // A Paris hospital asks for teleworking and PCA; a Toulouse one for INS.
    let paris = req(1, &["teletravail", "pca"]);
    let toulouse = RequestProfile {
        department: Department::parse("31").unwrap(),
        ..req(2, &["ins"])
    };
    // One expert knows all three but has room for one case; another only
    // knows teleworking.
    let expert = VolunteerProfile {
        themes: themes(&["teletravail", "pca", "ins"]),
        capacity: 1,
        ..volunteer(10)
    };
    let generalist = volunteer(11);
    let requests = [paris, toulouse];
    let volunteers = [expert, generalist];
    let m = matcher();
    // Greedy gives the expert to Paris (1.0, the best pair) and leaves
    // Toulouse alone; the optimum serves both.
    let greedy = m
        .batch_objective(&requests, &volunteers, &[(id(1), id(10))])
        .unwrap();
    assert!((greedy.total_score - 1.0).abs() < 1e-12);
    let result = m.assign(&requests, &volunteers);
    assert_eq!(pairs(&result), [(id(1), id(11)), (id(2), id(10))]);
    assert!(result.unserved.is_empty());
    assert!(result.objective.value_units > greedy.value_units);
    assert!((result.objective.total_score - (0.825 + 0.85)).abs() < 1e-12);
    assert_eq!(result.objective.fairness_penalty, 0.0);
}

#[test]
fn fairness_spreads_cases_a_little_better_fit_does_not_take_them_all() {
    let requests: Vec<_> = (1..=3).map(|n| req(n, &["teletravail"])).collect();
    // Same profile, but the second lives in a neighbouring region (−0.075).
    let star = volunteer(10);
    let neighbour = VolunteerProfile {
        region: Some(Region::Normandie),
        ..volunteer(11)
    };
    let volunteers = [star, neighbour];

    // Without fairness, the star takes the three requests.
    let greedy_like = with_fairness(0.0).assign(&requests, &volunteers);
    assert!(greedy_like
        .assignments
        .iter()
        .all(|a| a.volunteer == id(10) && a.batch_cases == 3));
    assert!((greedy_like.objective.total_score - 3.0).abs() < 1e-12);

    // With the default fairness (0.15), a second case costs the star 0.05
    // and a third 0.10: two for the star, one for the neighbour is best
    // (2 + 0.925 − 0.05 = 2.875, against 3 − 0.15 and 2.85 − 0.05).
    let fair = matcher().assign(&requests, &volunteers);
    let mut per_volunteer: Vec<_> = fair
        .assignments
        .iter()
        .map(|a| (a.volunteer, a.batch_cases))
        .collect();
    per_volunteer.sort();
    per_volunteer.dedup();
    assert_eq!(per_volunteer, [(id(10), 2), (id(11), 1)]);
    assert!((fair.objective.total_score - 2.925).abs() < 1e-12);
    assert!((fair.objective.fairness_penalty - 0.05).abs() < 1e-12);
    assert_eq!(fair.objective.value_units, 2_875_000_000);
    assert!((fair.objective.value - 2.875).abs() < 1e-12);
    let all_to_star: Vec<_> = (1..=3).map(|n| (id(n), id(10))).collect();
    let star_only = matcher()
        .batch_objective(&requests, &volunteers, &all_to_star)
        .unwrap();
    assert_eq!(star_only.value_units, 2_850_000_000);
}

#[test]
fn spare_capacity_is_never_exceeded_and_the_rest_is_unserved() {
    // Room for one more case only.
    let busy = VolunteerProfile {
        capacity: 2,
        open_cases: 1,
        themes: themes(&["pca"]),
        ..volunteer(10)
    };
    let requests = [req(1, &["pca"]), req(2, &["pca"])];
    let result = matcher().assign(&requests, &[busy]);
    assert_eq!(result.assignments.len(), 1);
    assert_eq!(result.assignments[0].batch_cases, 1);
    assert_eq!(result.unserved.len(), 1);
    let reason = result.unserved[0].reason;
    assert_eq!(reason, UnservedReason::CapacityTaken { eligible: 1 });
    assert_eq!(
        reason.message(),
        "Le seul volontaire éligible est pris par une autre demande du lot"
    );
}

#[test]
fn a_high_fairness_can_leave_a_request_for_later_and_says_so() {
    // The second case would cost 3 × 1/2 = 1.5 > its score of 1.
    let m = with_fairness(3.0);
    let requests = [req(1, &["teletravail"]), req(2, &["teletravail"])];
    let two_slots = VolunteerProfile {
        capacity: 2,
        ..volunteer(10)
    };
    let result = m.assign(&requests, &[two_slots]);
    assert_eq!(result.assignments.len(), 1);
    assert_eq!(
        result.unserved[0].reason,
        UnservedReason::FairnessLimit { eligible: 1 }
    );
    // With the default fairness, both are served.
    assert!(matcher()
        .assign(&requests, &[two_slots])
        .unserved
        .is_empty());
}

#[test]
fn requests_nobody_can_serve_are_listed_with_the_reason() {
    let paused_pca = VolunteerProfile {
        themes: themes(&["pca"]),
        paused: true,
        ..volunteer(11)
    };
    let requests = [req(1, &["teletravail"]), req(2, &["ins"]), req(3, &["pca"])];
    let result = matcher().assign(&requests, &[volunteer(10), paused_pca]);
    assert_eq!(pairs(&result), [(id(1), id(10))]);
    let unserved: Vec<_> = result
        .unserved
        .iter()
        .map(|u| (u.request, u.reason))
        .collect();
    assert_eq!(
        unserved,
        [
            (id(2), UnservedReason::NoVolunteerWithTheme),
            (
                id(3),
                UnservedReason::NoEligibleVolunteer { sharing_a_theme: 1 }
            ),
        ]
    );
    assert_eq!(
        unserved[1].1.message(),
        "Un volontaire propose ces thèmes, mais il n'est pas éligible \
         (inactif, en pause, complet ou en conflit d'intérêts)"
    );
    let json = serde_json::to_value(&result).unwrap();
    assert_eq!(
        json["unserved"][0]["reason"],
        serde_json::json!({
            "code": "no_volunteer_with_theme",
            "message": "Aucun volontaire ne propose ces thèmes"
        })
    );
    assert_eq!(
        json["assignments"][0]["reasons"][0],
        "Thèmes couverts : 1 sur 1"
    );
}

#[test]
fn conflicts_of_interest_hold_in_batches_too() {
    let mut r = req(1, &["teletravail"]);
    r.organisation = Some(id(900));
    let colleague = VolunteerProfile {
        organisation: Some(id(900)),
        ..volunteer(10)
    };
    let result = matcher().assign(&[r], &[colleague]);
    assert!(result.assignments.is_empty());
    assert_eq!(
        result.unserved[0].reason,
        UnservedReason::NoEligibleVolunteer { sharing_a_theme: 1 }
    );
}

#[test]
fn the_most_urgent_requests_come_first_in_the_output() {
    let mut low = req(1, &["teletravail"]);
    low.urgency = Urgency::Low;
    let mut critical = req(3, &["teletravail"]);
    critical.urgency = Urgency::Critical;
    let mut normal = req(2, &["teletravail"]);
    normal.urgency = Urgency::Normal;
    let result = matcher().assign(&[low, normal, critical], &[volunteer(10)]);
    let order: Vec<_> = result.assignments.iter().map(|a| a.request).collect();
    assert_eq!(order, [id(3), id(2), id(1)]);
}

#[test]
fn empty_batches() {
    let m = matcher();
    let none = m.assign(&[], &[volunteer(10)]);
    assert!(none.assignments.is_empty() && none.unserved.is_empty());
    assert_eq!(none.objective.value_units, 0);
    let nobody = m.assign(&[req(1, &["pca"])], &[]);
    assert_eq!(
        nobody.unserved[0].reason,
        UnservedReason::NoVolunteerWithTheme
    );
}

#[test]
fn batch_objective_checks_the_assignment_it_is_given() {
    let m = matcher();
    let requests = [req(1, &["teletravail"]), req(2, &["pca"])];
    let small = VolunteerProfile {
        capacity: 1,
        ..volunteer(10)
    };
    let volunteers = [small, volunteer(11)];
    let cases = [
        (vec![(id(9), id(10))], MatchingError::UnknownRequest(id(9))),
        (
            vec![(id(1), id(99))],
            MatchingError::UnknownVolunteer(id(99)),
        ),
        (
            vec![(id(1), id(10)), (id(1), id(11))],
            MatchingError::RequestAssignedTwice(id(1)),
        ),
        (
            vec![(id(2), id(10))],
            MatchingError::Ineligible {
                request: id(2),
                volunteer: id(10),
            },
        ),
    ];
    for (assignment, error) in cases {
        assert_eq!(
            m.batch_objective(&requests, &volunteers, &assignment),
            Err(error)
        );
    }
    let two = [req(1, &["teletravail"]), req(3, &["teletravail"])];
    assert_eq!(
        m.batch_objective(&two, &volunteers, &[(id(1), id(10)), (id(3), id(10))]),
        Err(MatchingError::OverCapacity(id(10)))
    );
    let result = m.assign(&two, &volunteers);
    assert_eq!(
        m.batch_objective(&two, &volunteers, &pairs(&result))
            .unwrap()
            .value_units,
        result.objective.value_units
    );
}
