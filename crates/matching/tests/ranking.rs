//! Ranking: each component and its reason, exclusions, order, output shape.

#![allow(clippy::unwrap_used)]

mod common;

use common::{id, request, themes, volunteer, HOSPITAL};
use entraide_core::{Department, EstablishmentKind, LegalStatus, Region, Sector};
use entraide_matching::{
    Components, Exclusion, MatchScore, Matcher, MatchingError, RankOptions, RequestProfile,
    VolunteerProfile, Weights,
};

fn matcher() -> Matcher {
    Matcher::new(Weights::default()).unwrap()
}

fn score(r: &RequestProfile, v: &VolunteerProfile) -> MatchScore {
    matcher().evaluate(r, v).unwrap()
}

fn all() -> RankOptions {
    RankOptions {
        limit: usize::MAX,
        explain_excluded: true,
    }
}

#[test]
fn a_perfect_match_scores_the_sum_of_the_weights() {
    let s = score(&request(), &volunteer(2));
    assert_eq!(
        s.components,
        Components {
            themes: 1.0,
            sector: 1.0,
            region: 1.0,
            status: 1.0,
            capacity: 1.0,
            recent_load: 1.0,
        }
    );
    assert!((s.total - 1.0).abs() < 1e-12);
    assert_eq!(
        s.reasons,
        [
            "Thèmes couverts : 1 sur 1",
            "Expérience du secteur sanitaire",
            "Même région",
            "Même statut (public)",
            "Disponibilité : aucun dossier en cours sur 3",
            "Aucun dossier récent",
        ]
    );
}

#[test]
fn theme_coverage_is_the_share_of_request_themes_covered() {
    let mut r = request();
    r.themes = themes(&["teletravail", "pca", "telemedecine"]);
    let cases = [
        (vec!["teletravail"], 1.0 / 3.0, "Thèmes couverts : 1 sur 3"),
        (
            vec!["teletravail", "pca", "cybersecurite"],
            2.0 / 3.0,
            "Thèmes couverts : 2 sur 3",
        ),
        (
            vec!["telemedecine", "pca", "teletravail", "ins"],
            1.0,
            "Thèmes couverts : 3 sur 3",
        ),
    ];
    for (offered, expected, reason) in cases {
        let mut v = volunteer(2);
        v.themes = themes(&offered);
        let s = score(&r, &v);
        assert_eq!(s.components.themes, expected, "{offered:?}");
        assert_eq!(s.contributions.themes, 0.35 * expected);
        assert_eq!(s.reasons[0], reason);
    }
    // Themes the request does not ask for do not count.
    let mut v = volunteer(2);
    v.themes = themes(&["teletravail", "pca"]);
    let mut r = request();
    r.themes = themes(&["teletravail", "pca"]);
    assert_eq!(score(&r, &v).reasons[0], "Thèmes couverts : 2 sur 2");
}

#[test]
fn sector_affinity_follows_the_kind_of_establishment() {
    use EstablishmentKind::*;
    let cases = [
        (
            Es,
            Some(Sector::Sanitaire),
            1.0,
            "Expérience du secteur sanitaire",
        ),
        (
            Ambulatoire,
            Some(Sector::Sanitaire),
            1.0,
            "Expérience du secteur sanitaire",
        ),
        (
            Esms,
            Some(Sector::MedicoSocial),
            1.0,
            "Expérience du secteur médico-social",
        ),
        (
            Es,
            Some(Sector::MedicoSocial),
            0.0,
            "Autre secteur d'origine (médico-social)",
        ),
        (
            Esms,
            Some(Sector::Sanitaire),
            0.0,
            "Autre secteur d'origine (sanitaire)",
        ),
        (
            Esms,
            Some(Sector::Autre),
            0.0,
            "Secteur d'origine hors santé et médico-social",
        ),
        (Es, None, 0.0, "Secteur d'origine non renseigné"),
    ];
    for (kind, sector, expected, reason) in cases {
        let mut r = request();
        r.kind = kind;
        let mut v = volunteer(2);
        v.sector = sector;
        let s = score(&r, &v);
        assert_eq!(s.components.sector, expected, "{kind:?} {sector:?}");
        assert_eq!(s.reasons[1], reason);
    }
}

#[test]
fn region_is_a_preference_same_neighbouring_elsewhere() {
    // Request from Lille (Nord, Hauts-de-France).
    let mut r = request();
    r.department = Department::parse("59").unwrap();
    let cases = [
        (Some(Region::HautsDeFrance), 1.0, "Même région"),
        (Some(Region::IleDeFrance), 0.5, "Région voisine"),
        (Some(Region::Normandie), 0.5, "Région voisine"),
        (Some(Region::Occitanie), 0.0, "Autre région"),
        (Some(Region::LaReunion), 0.0, "Autre région"),
        (None, 0.0, "Région non renseignée"),
    ];
    for (region, expected, reason) in cases {
        let mut v = volunteer(2);
        v.region = region;
        let s = score(&r, &v);
        assert_eq!(s.components.region, expected, "{region:?}");
        assert_eq!(s.contributions.region, 0.15 * expected);
        assert_eq!(s.reasons[2], reason);
    }
    // Corsica has no land neighbour: a volunteer from Marseille is elsewhere.
    let mut r = request();
    r.department = Department::parse("2A").unwrap();
    let mut v = volunteer(2);
    v.region = Some(Region::ProvenceAlpesCoteDAzur);
    assert_eq!(score(&r, &v).components.region, 0.0);
    v.region = Some(Region::Corse);
    assert_eq!(score(&r, &v).components.region, 1.0);
}

#[test]
fn status_affinity_compares_public_and_private_families() {
    use LegalStatus::*;
    let cases = [
        (Public, Some(Public), 1.0, "Même statut (public)"),
        (
            PriveNonLucratif,
            Some(PriveLucratif),
            1.0,
            "Même statut (privé)",
        ),
        (
            PriveLucratif,
            Some(PriveLucratif),
            1.0,
            "Même statut (privé)",
        ),
        (
            Public,
            Some(PriveNonLucratif),
            0.0,
            "Statut différent (privé)",
        ),
        (
            PriveLucratif,
            Some(Public),
            0.0,
            "Statut différent (public)",
        ),
        (Public, None, 0.0, "Statut non renseigné"),
    ];
    for (theirs, ours, expected, reason) in cases {
        let mut r = request();
        r.status = theirs;
        let mut v = volunteer(2);
        v.status = ours;
        let s = score(&r, &v);
        assert_eq!(s.components.status, expected, "{theirs:?} {ours:?}");
        assert_eq!(s.reasons[3], reason);
    }
}

#[test]
fn spare_capacity_is_the_free_share_of_capacity() {
    let cases = [
        (3, 0, 1.0, "Disponibilité : aucun dossier en cours sur 3"),
        (3, 1, 2.0 / 3.0, "Disponibilité : 1 dossier en cours sur 3"),
        (3, 2, 1.0 / 3.0, "Disponibilité : 2 dossiers en cours sur 3"),
        (1, 0, 1.0, "Disponibilité : aucun dossier en cours sur 1"),
    ];
    for (capacity, open, expected, reason) in cases {
        let mut v = volunteer(2);
        v.capacity = capacity;
        v.open_cases = open;
        let s = score(&request(), &v);
        assert_eq!(s.components.capacity, expected, "{open}/{capacity}");
        assert_eq!(s.reasons[4], reason);
    }
}

#[test]
fn recent_load_favours_volunteers_with_fewer_recent_cases() {
    let cases = [
        (0, 1.0, "Aucun dossier récent"),
        (1, 0.5, "1 dossier récent"),
        (3, 0.25, "3 dossiers récents"),
    ];
    let mut last = f64::INFINITY;
    for (recent, expected, reason) in cases {
        let mut v = volunteer(2);
        v.recent_cases = recent;
        let s = score(&request(), &v);
        assert_eq!(s.components.recent_load, expected);
        assert_eq!(s.reasons[5], reason);
        assert!(s.total < last);
        last = s.total;
    }
}

#[test]
fn contributions_are_weight_times_component_and_add_up_to_the_total() {
    let weights = Weights {
        themes: 0.5,
        sector: 0.2,
        region: 0.3,
        status: 0.1,
        capacity: 0.7,
        recent_load: 0.05,
        fairness: 0.0,
    };
    let m = Matcher::new(weights).unwrap();
    let mut r = request();
    r.themes = themes(&["teletravail", "pca", "ins"]);
    let mut v = volunteer(2);
    v.themes = themes(&["pca", "ins"]);
    v.region = Some(Region::Normandie);
    v.open_cases = 1;
    v.recent_cases = 2;
    let s = m.evaluate(&r, &v).unwrap();
    let c = s.components;
    assert_eq!(s.contributions.themes, 0.5 * c.themes);
    assert_eq!(s.contributions.region, 0.3 * 0.5);
    assert_eq!(s.contributions.capacity, 0.7 * (2.0 / 3.0));
    assert_eq!(s.contributions.recent_load, 0.05 * (1.0 / 3.0));
    assert_eq!(s.contributions.sum(), s.total);
    let sum = s.contributions.themes
        + s.contributions.sector
        + s.contributions.region
        + s.contributions.status
        + s.contributions.capacity
        + s.contributions.recent_load;
    assert_eq!(sum, s.total);
}

#[test]
fn zero_weight_components_give_no_reason() {
    let weights = Weights {
        status: 0.0,
        recent_load: 0.0,
        ..Weights::default()
    };
    let s = Matcher::new(weights)
        .unwrap()
        .evaluate(&request(), &volunteer(2))
        .unwrap();
    assert_eq!(s.reasons.len(), 4);
    assert!(!s.reasons.iter().any(|r| r.contains("statut")));
    assert!(!s.reasons.iter().any(|r| r.contains("récent")));
    assert_eq!(s.contributions.status, 0.0);
}

#[test]
fn every_exclusion_is_reported_with_its_reason() {
    let mut r = request();
    r.organisation = Some(id(500));
    r.declined_by = vec![id(8)];
    let mut inactive = volunteer(2);
    inactive.active = false;
    let mut paused = volunteer(3);
    paused.paused = true;
    let mut full = volunteer(4);
    full.open_cases = 3;
    let mut off_topic = volunteer(5);
    off_topic.themes = themes(&["ins", "interoperabilite"]);
    let mut colleague = volunteer(6);
    colleague.establishment = Some(id(HOSPITAL));
    let mut same_group = volunteer(7);
    same_group.organisation = Some(id(500));
    let declined = volunteer(8);
    let mut everything = volunteer(9);
    everything.active = false;
    everything.paused = true;
    everything.capacity = 2;
    everything.open_cases = 5;
    everything.themes = themes(&["ins"]);
    let ok = volunteer(10);
    let mut other_group = volunteer(11);
    other_group.organisation = Some(id(501));
    other_group.establishment = Some(id(HOSPITAL + 1));

    let pool = [
        everything,
        declined,
        same_group,
        colleague,
        off_topic,
        full,
        paused,
        inactive,
        ok,
        other_group,
    ];
    let ranking = matcher().rank(&r, &pool, &all());
    assert_eq!(ranking.considered, 10);
    assert_eq!(ranking.eligible, 2);
    let ranked: Vec<_> = ranking.entries.iter().map(|e| e.score.volunteer).collect();
    assert_eq!(ranked, [id(10), id(11)]);
    let excluded: Vec<_> = ranking
        .excluded
        .iter()
        .map(|e| (e.volunteer, e.reasons.clone()))
        .collect();
    assert_eq!(
        excluded,
        [
            (id(2), vec![Exclusion::Inactive]),
            (id(3), vec![Exclusion::Paused]),
            (
                id(4),
                vec![Exclusion::AtCapacity {
                    open_cases: 3,
                    capacity: 3
                }]
            ),
            (id(5), vec![Exclusion::NoCommonTheme]),
            (id(6), vec![Exclusion::SameEstablishment]),
            (id(7), vec![Exclusion::SameOrganisation]),
            (id(8), vec![Exclusion::Declined]),
            (
                id(9),
                vec![
                    Exclusion::Inactive,
                    Exclusion::Paused,
                    Exclusion::AtCapacity {
                        open_cases: 5,
                        capacity: 2
                    },
                    Exclusion::NoCommonTheme,
                ]
            ),
        ]
    );
    let messages: Vec<String> = ranking.excluded[..8]
        .iter()
        .map(|e| e.reasons[0].message())
        .collect();
    assert_eq!(
        messages,
        [
            "Volontaire inactif",
            "Volontaire en pause",
            "Capacité atteinte : 3 dossiers en cours sur 3",
            "Aucun thème en commun avec la demande",
            "Travaille dans l'établissement demandeur (conflit d'intérêts)",
            "Même organisme que l'établissement demandeur (conflit d'intérêts)",
            "A déjà décliné cette demande",
            "Volontaire inactif",
        ]
    );
    // Without the option, exclusions are counted but not listed.
    let quiet = matcher().rank(&r, &pool, &RankOptions::default());
    assert!(quiet.excluded.is_empty());
    assert_eq!(quiet.eligible, 2);
    // The single-volunteer check gives the same answer.
    let e = matcher().evaluate(&r, &pool[1]).unwrap_err();
    assert_eq!(e.reasons, [Exclusion::Declined]);
}

#[test]
fn no_organisation_on_either_side_is_no_conflict() {
    let r = request();
    let v = volunteer(2);
    assert_eq!(r.organisation, None);
    assert_eq!(v.organisation, None);
    assert!(matcher().evaluate(&r, &v).is_ok());
}

#[test]
fn the_2020_scheme_an_ehpad_near_lyon_asks_for_its_dui_and_teleworking() {
    // EHPAD (ESMS, private non-profit) in Villeurbanne (Rhône), part of an
    // association running several homes.
    let request = RequestProfile {
        themes: themes(&["si-medico-social", "teletravail"]),
        kind: EstablishmentKind::Esms,
        status: LegalStatus::PriveNonLucratif,
        department: Department::parse("69").unwrap(),
        organisation: Some(id(700)),
        ..request()
    };
    // IT manager of a disability-services association in Grenoble: both
    // themes, medico-social, private, same region, one case open of two.
    let grenoble = VolunteerProfile {
        themes: themes(&["si-medico-social", "teletravail", "pca"]),
        sector: Some(Sector::MedicoSocial),
        status: Some(LegalStatus::PriveNonLucratif),
        region: Some(Region::AuvergneRhoneAlpes),
        capacity: 2,
        open_cases: 1,
        recent_cases: 1,
        ..volunteer(21)
    };
    // IT director of a public hospital in Lyon: teleworking only.
    let lyon_hospital = VolunteerProfile {
        themes: themes(&["teletravail", "pca"]),
        region: Some(Region::AuvergneRhoneAlpes),
        ..volunteer(22)
    };
    // IT director of a private EHPAD group in Paris: both themes, far away.
    let paris_group = VolunteerProfile {
        themes: themes(&["si-medico-social", "teletravail"]),
        sector: Some(Sector::MedicoSocial),
        status: Some(LegalStatus::PriveLucratif),
        region: Some(Region::IleDeFrance),
        capacity: 5,
        recent_cases: 4,
        ..volunteer(23)
    };
    // Works for the same association: conflict of interest.
    let same_association = VolunteerProfile {
        themes: themes(&["si-medico-social", "teletravail"]),
        sector: Some(Sector::MedicoSocial),
        region: Some(Region::AuvergneRhoneAlpes),
        organisation: Some(id(700)),
        ..volunteer(24)
    };
    let pool = [lyon_hospital, same_association, paris_group, grenoble];
    let ranking = matcher().rank(&request, &pool, &all());
    let order: Vec<_> = ranking.entries.iter().map(|e| e.score.volunteer).collect();
    assert_eq!(order, [id(21), id(23), id(22)]);
    let first = &ranking.entries[0];
    assert_eq!(first.rank, 1);
    assert_eq!(
        first.score.reasons,
        [
            "Thèmes couverts : 2 sur 2",
            "Expérience du secteur médico-social",
            "Même région",
            "Même statut (privé)",
            "Disponibilité : 1 dossier en cours sur 2",
            "1 dossier récent",
        ]
    );
    assert_eq!(
        ranking.entries[1].score.reasons,
        [
            "Thèmes couverts : 2 sur 2",
            "Expérience du secteur médico-social",
            "Autre région",
            "Même statut (privé)",
            "Disponibilité : aucun dossier en cours sur 5",
            "4 dossiers récents",
        ]
    );
    assert_eq!(ranking.excluded.len(), 1);
    assert_eq!(ranking.excluded[0].reasons, [Exclusion::SameOrganisation]);
}

#[test]
fn ties_go_to_fewer_open_cases_then_to_the_smaller_id() {
    // Same total: 1 of 2 open and 2 of 4 open both leave half the capacity.
    let mut a = volunteer(30);
    a.capacity = 4;
    a.open_cases = 2;
    let mut b = volunteer(31);
    b.capacity = 2;
    b.open_cases = 1;
    let c = VolunteerProfile { id: id(29), ..b };
    let ranking = matcher().rank(&request(), &[a, b, c], &RankOptions::default());
    let totals: Vec<f64> = ranking.entries.iter().map(|e| e.score.total).collect();
    assert_eq!(totals[0], totals[1]);
    assert_eq!(totals[1], totals[2]);
    let order: Vec<_> = ranking.entries.iter().map(|e| e.score.volunteer).collect();
    assert_eq!(order, [id(29), id(31), id(30)]);
}

#[test]
fn the_limit_keeps_the_best_and_still_counts_every_eligible_volunteer() {
    let pool: Vec<VolunteerProfile> = (0..50)
        .map(|i| {
            let mut v = volunteer(100 + i);
            v.recent_cases = (i % 7) as u32;
            v.open_cases = (i % 3) as u32;
            v
        })
        .collect();
    let full = matcher().rank(&request(), &pool, &all());
    assert_eq!(full.entries.len(), 50);
    let top = matcher().rank(
        &request(),
        &pool,
        &RankOptions {
            limit: 5,
            explain_excluded: false,
        },
    );
    assert_eq!(top.eligible, 50);
    assert_eq!(top.entries, full.entries[..5]);
    let ranks: Vec<_> = top.entries.iter().map(|e| e.rank).collect();
    assert_eq!(ranks, [1, 2, 3, 4, 5]);
    let none = matcher().rank(
        &request(),
        &pool,
        &RankOptions {
            limit: 0,
            explain_excluded: false,
        },
    );
    assert!(none.entries.is_empty());
    assert_eq!(none.eligible, 50);
}

#[test]
fn a_request_without_theme_matches_nobody() {
    let mut r = request();
    r.themes = themes(&[]);
    let ranking = matcher().rank(&r, &[volunteer(2)], &all());
    assert_eq!(ranking.eligible, 0);
    assert_eq!(ranking.excluded[0].reasons, [Exclusion::NoCommonTheme]);
}

#[test]
fn ranking_serializes_for_the_api() {
    let mut r = request();
    r.declined_by = vec![id(3)];
    let ranking = matcher().rank(&r, &[volunteer(2), volunteer(3)], &all());
    let json = serde_json::to_value(&ranking).unwrap();
    let entry = &json["entries"][0];
    assert_eq!(entry["rank"], 1);
    assert_eq!(entry["volunteer"], "00000000-0000-0000-0000-000000000002");
    assert_eq!(entry["components"]["region"], 1.0);
    assert_eq!(entry["contributions"]["themes"], 0.35);
    assert_eq!(entry["reasons"][2], "Même région");
    assert_eq!(
        json["excluded"][0]["reasons"][0],
        serde_json::json!({"code": "declined", "message": "A déjà décliné cette demande"})
    );
    assert_eq!(json["eligible"], 1);
}

#[test]
fn weights_come_from_configuration_with_defaults_and_checks() {
    let w: Weights = toml::from_str("region = 0.4\nfairness = 0").unwrap();
    assert_eq!(
        w,
        Weights {
            region: 0.4,
            fairness: 0.0,
            ..Weights::default()
        }
    );
    let empty: Weights = toml::from_str("").unwrap();
    assert_eq!(empty, Weights::default());
    let typo = toml::from_str::<Weights>("regoin = 0.4").unwrap_err();
    assert!(typo.to_string().contains("regoin"), "{typo}");
    let negative = toml::from_str::<Weights>("themes = -1").unwrap_err();
    assert!(
        negative
            .to_string()
            .contains("Le poids de matching « themes » doit être un nombre entre 0 et 1000"),
        "{negative}"
    );
    let zero = "themes = 0\nsector = 0\nregion = 0\nstatus = 0\ncapacity = 0\nrecent_load = 0";
    assert!(toml::from_str::<Weights>(zero).is_err());
    assert_eq!(
        Matcher::new(Weights {
            capacity: -0.5,
            ..Weights::default()
        })
        .unwrap_err(),
        MatchingError::InvalidWeight {
            name: "capacity",
            value: -0.5
        }
    );
    // Round trip, for a service that prints its effective configuration.
    let back: Weights = serde_json::from_value(serde_json::to_value(w).unwrap()).unwrap();
    assert_eq!(back, w);
}
