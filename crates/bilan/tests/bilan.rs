//! The bilan counted by the database, on SQLite and PostgreSQL: the demo dataset gives
//! the figures of the 2020 report; every breakdown adds up; the public bilan masks; the
//! formats hold the tables.

#![allow(clippy::unwrap_used)] // Test code: a panic is how a test reports failure.

use std::io::Read;

use chrono::NaiveDate;
use entraide_bilan::{
    compute, demo, render, Bilan, BilanError, BilanOptions, Breakdown, Format, Period,
    NOT_STATED_CODE,
};
use entraide_store::backend_test;
use entraide_store::testing::{request_facts_drift, TestDb};

fn options(period: Period, public: bool) -> BilanOptions {
    BilanOptions {
        period,
        public,
        threshold: 3,
        scheme_start: NaiveDate::from_ymd_opt(2020, 4, 2).unwrap(),
        generated_at: NaiveDate::from_ymd_opt(2020, 4, 30)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap(),
    }
}

fn demo_bilan(db: &TestDb, public: bool) -> Bilan {
    let store = db.store();
    store.run_blocking(|conn| demo::load(conn, false)).unwrap();
    store
        .run_blocking(|conn| compute(conn, &options(demo::period(), public)))
        .unwrap()
}

fn counts(breakdown: &Breakdown) -> Vec<(&str, u64)> {
    breakdown
        .rows
        .iter()
        .map(|row| (row.code.as_str(), row.count.unwrap()))
        .collect()
}

fn assert_adds_up(name: &str, breakdown: &Breakdown) {
    assert_eq!(
        breakdown.rows.last().map(|r| r.code.as_str()),
        Some(NOT_STATED_CODE),
        "{name} has no « non renseigné » row last"
    );
    let sum: u64 = breakdown.rows.iter().map(|r| r.count.unwrap()).sum();
    if breakdown.multiple {
        assert!(
            sum >= breakdown.population,
            "{name}: {sum} < {}",
            breakdown.population
        );
    } else {
        assert_eq!(sum, breakdown.population, "{name} does not add up");
    }
}

fn every_breakdown(bilan: &Bilan) -> Vec<(&'static str, &Breakdown)> {
    let v = &bilan.volunteers;
    let r = &bilan.requests;
    let f = &bilan.follow_up;
    vec![
        ("applications", &v.applications),
        ("gender", &v.gender),
        ("job_role", &v.job_role),
        ("origin_sector", &v.origin_sector),
        ("origin_status", &v.origin_status),
        ("public_private", &v.public_private),
        ("volunteer region", &v.region),
        ("volunteer themes", &v.themes),
        ("status_at_end", &r.status_at_end),
        ("kind", &r.kind),
        ("establishments_by_kind", &r.establishments_by_kind),
        ("request region", &r.region),
        ("main_theme", &r.main_theme),
        ("request themes", &r.themes),
        ("answer_types", &bilan.answers.answer_types),
        ("proposals", &f.proposals),
        ("ratings", &f.ratings),
        ("load", &f.load),
    ]
}

/// Hours from submission to acceptance, and to resolution, of every request of the demo,
/// sorted.
fn delays_in_hours(db: &TestDb) -> (Vec<f64>, Vec<f64>) {
    use diesel::prelude::*;
    use entraide_store::schema::{cases, help_requests};
    let rows: Vec<(
        chrono::NaiveDateTime,
        chrono::NaiveDateTime,
        Option<chrono::NaiveDateTime>,
    )> = db
        .store()
        .run_blocking(|conn| {
            help_requests::table
                .inner_join(cases::table)
                .select((
                    help_requests::created_at,
                    cases::accepted_at,
                    cases::resolved_at,
                ))
                .load(conn)
                .map_err(entraide_store::StoreError::from)
        })
        .unwrap();
    let hours = |from: chrono::NaiveDateTime, to: chrono::NaiveDateTime| {
        (to - from).num_milliseconds() as f64 / 3_600_000.0
    };
    let mut acceptance: Vec<f64> = rows.iter().map(|(c, a, _)| hours(*c, *a)).collect();
    let mut resolution: Vec<f64> = rows
        .iter()
        .filter_map(|(c, _, r)| r.map(|r| hours(*c, r)))
        .collect();
    acceptance.sort_by(f64::total_cmp);
    resolution.sort_by(f64::total_cmp);
    (acceptance, resolution)
}

/// The nearest-rank percentile of sorted values, rounded to hundredths as the bilan shows.
fn nearest_rank(sorted: &[f64], percent: usize) -> f64 {
    let rank = (sorted.len() * percent).div_ceil(100);
    (sorted[rank - 1] * 100.0).round() / 100.0
}

backend_test! {
    fn the_demo_dataset_gives_the_figures_of_the_2020_report(db) {
        let bilan = demo_bilan(db, false);
        assert_eq!(request_facts_drift(&db.store()), Vec::<String>::new());
        let v = &bilan.volunteers;
        assert_eq!(v.applications_received, 72);
        assert_eq!(v.accepted, 37);
        assert_eq!(counts(&v.applications), [("accepted", 37), ("rejected", 31), ("pending", 4), (NOT_STATED_CODE, 0)]);
        assert_eq!(v.gender.count("homme"), Some(29));
        assert_eq!(v.gender.count("femme"), Some(8));
        assert_eq!(v.gender.count(NOT_STATED_CODE), Some(0));
        assert_eq!(
            counts(&v.job_role),
            [("dsi", 16), ("rsi", 11), ("rssi", 2), ("directeur", 5), ("chef_de_projet", 2), ("autre", 1), (NOT_STATED_CODE, 0)]
        );
        assert_eq!(
            counts(&v.origin_sector),
            [("sanitaire", 17), ("medico_social", 18), ("autre", 0), (NOT_STATED_CODE, 2)]
        );
        assert_eq!(counts(&v.public_private), [("public", 12), ("prive", 25), (NOT_STATED_CODE, 0)]);
        assert_eq!(v.public_private.row("prive").unwrap().share, Some(0.6757));
        assert_eq!(v.distinct_regions, 12);
        let regions: Vec<(&str, u64)> = counts(&v.region).into_iter().take(5).collect();
        assert_eq!(regions, [("11", 8), ("84", 6), ("32", 5), ("76", 5), ("44", 3)]);
        assert_eq!(v.region.rows[0].label, "Île-de-France");
        let themes: Vec<(&str, u64)> = counts(&v.themes).into_iter().take(4).collect();
        assert_eq!(themes, [("teletravail", 27), ("si-medico-social", 16), ("pca", 14), ("telemedecine", 8)]);
        assert!(v.themes.multiple);

        let r = &bilan.requests;
        assert_eq!(r.received, 26);
        assert_eq!(r.handled, 26);
        assert_eq!(r.volunteers_involved, 11);
        assert_eq!(r.establishments, 26);
        assert_eq!(counts(&r.establishments_by_kind), [("es", 17), ("esms", 8), ("ambulatoire", 1), (NOT_STATED_CODE, 0)]);
        assert_eq!(counts(&r.kind), counts(&r.establishments_by_kind));
        let main: Vec<(&str, u64)> = counts(&r.main_theme).into_iter().take(3).collect();
        assert_eq!(main, [("teletravail", 14), ("telemedecine", 6), ("pca", 2)]);
        assert_eq!(r.themes.count("teletravail"), Some(17));
        assert_eq!(
            counts(&r.status_at_end),
            [("submitted", 0), ("proposed", 0), ("accepted", 2), ("resolved", 4), ("closed", 20), ("cancelled", 0), ("unmatched", 0), (NOT_STATED_CODE, 0)]
        );
        assert_eq!((r.open_at_end, r.unmatched_at_end), (2, 0));

        let a = &bilan.answers;
        assert_eq!(a.answered, 24);
        assert_eq!(a.answer_types.population, 26);
        assert_eq!(a.answer_types.rows[0].code, "appel_telephonique");
        assert_eq!(a.answer_types.count("appel_telephonique"), Some(22));
        assert_eq!(a.answer_types.count("envoi_outil"), Some(3));
        assert_eq!(a.answer_types.count("post_forum"), Some(4));
        assert_eq!(a.answer_types.count(NOT_STATED_CODE), Some(2));
        let tools: Vec<&str> = a.tools.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            tools,
            ["Charte de télétravail", "Guide de déploiement de la téléconsultation", "Plan de continuité d'activité type (PCA)"]
        );

        let f = &bilan.follow_up;
        assert_eq!(f.resolved, 24);
        assert_eq!(f.resolved_share, Some(0.9231));
        assert_eq!(counts(&f.ratings), [("5", 11), ("4", 5), ("3", 2), ("2", 0), ("1", 0), (NOT_STATED_CODE, 6)]);
        assert_eq!(f.rating_mean, Some(4.5));
        assert_eq!(counts(&f.proposals), [("pending", 0), ("accepted", 26), ("declined", 7), ("expired", 10), ("withdrawn", 35), (NOT_STATED_CODE, 0)]);
        assert_eq!(f.proposal_acceptance_rate, Some(0.6047));
        assert_eq!(
            counts(&f.load),
            [("0", 26), ("1", 3), ("2", 4), ("3", 2), ("4-5", 2), ("6-10", 0), ("11+", 0), (NOT_STATED_CODE, 0)]
        );
        assert_eq!(f.load_max, 5);
        assert_eq!(f.load_mean, Some(2.36));
        assert_eq!(f.time_to_first_proposal.count, 26);
        assert_eq!(f.time_to_acceptance.count, 26);
        assert_eq!(f.time_to_resolution.count, 24);
        let median = f.time_to_first_proposal.median_hours.unwrap();
        assert!((0.3..1.2).contains(&median), "{median}");
        assert!(f.time_to_acceptance.p90_hours.unwrap() > 24.0);
        // The exact nearest-rank percentiles of the delays, recomputed here from the rows.
        let (acceptance, resolution) = delays_in_hours(db);
        assert_eq!(f.time_to_acceptance.median_hours, Some(nearest_rank(&acceptance, 50)));
        assert_eq!(f.time_to_acceptance.p90_hours, Some(nearest_rank(&acceptance, 90)));
        assert_eq!(f.time_to_resolution.median_hours, Some(nearest_rank(&resolution, 50)));
        assert_eq!(f.time_to_resolution.p90_hours, Some(nearest_rank(&resolution, 90)));

        for (name, breakdown) in every_breakdown(&bilan) {
            assert_adds_up(name, breakdown);
        }
        assert!(!bilan.masking.public);
        assert_eq!(bilan.masking.masked_cells, 0);
    }
}

backend_test! {
    fn the_request_facts_follow_every_change(db) {
        use diesel::prelude::*;
        let store = db.store();
        store.run_blocking(|conn| demo::load(conn, false)).unwrap();
        assert_eq!(request_facts_drift(&store), Vec::<String>::new(), "after the demo");
        // Each change below fires one kind of trigger (deletes of cases, answers and
        // requests also cascade to the rows that depend on them).
        let changes = [
            "UPDATE help_request_themes SET position = position + 10 \
             WHERE request_id = (SELECT MIN(request_id) FROM help_request_themes WHERE position = 1) \
             AND position = 0",
            "DELETE FROM help_request_themes \
             WHERE request_id = (SELECT MAX(request_id) FROM help_request_themes)",
            "INSERT INTO help_request_themes (request_id, theme_id, position) \
             SELECT MAX(id), 'pca', -1 FROM help_requests",
            "UPDATE proposals SET status = 'expired' \
             WHERE request_id = (SELECT MIN(request_id) FROM proposals) AND status <> 'accepted'",
            "DELETE FROM proposals WHERE id = (SELECT MIN(p.id) FROM proposals p \
             WHERE p.status <> 'accepted' AND NOT EXISTS \
             (SELECT 1 FROM cases c WHERE c.proposal_id = p.id))",
            "UPDATE case_ratings SET rating = 1 \
             WHERE request_id = (SELECT MIN(request_id) FROM case_ratings)",
            "DELETE FROM case_ratings WHERE request_id = (SELECT MAX(request_id) FROM case_ratings)",
            "UPDATE case_answers SET created_at = (SELECT MIN(created_at) FROM help_requests) \
             WHERE request_id = (SELECT MIN(request_id) FROM case_answers)",
            "DELETE FROM case_answers WHERE request_id = (SELECT MAX(request_id) FROM case_answers)",
            "UPDATE cases SET resolved_at = NULL, closed_at = NULL \
             WHERE request_id = (SELECT MIN(request_id) FROM cases)",
            "DELETE FROM cases WHERE request_id = (SELECT MAX(request_id) FROM cases)",
            "UPDATE help_requests SET status = 'cancelled', updated_at = created_at \
             WHERE id = (SELECT MIN(id) FROM help_requests)",
            "DELETE FROM help_requests WHERE id = (SELECT MAX(id) FROM help_requests)",
        ];
        for change in changes {
            let changed = store
                .run_blocking(|conn| {
                    diesel::sql_query(change)
                        .execute(conn)
                        .map_err(entraide_store::StoreError::from)
                })
                .unwrap();
            assert!(changed > 0, "nothing changed: {change}");
            assert_eq!(request_facts_drift(&store), Vec::<String>::new(), "after: {change}");
        }
        // The comparison sees a row out of step.
        store
            .run_blocking(|conn| {
                diesel::sql_query(
                    "UPDATE request_facts SET proposals = proposals + 1 \
                     WHERE request_id = (SELECT MIN(request_id) FROM request_facts)",
                )
                .execute(conn)
                .map_err(entraide_store::StoreError::from)
            })
            .unwrap();
        assert_eq!(request_facts_drift(&store).len(), 1);
    }
}

backend_test! {
    fn a_period_counts_only_its_own_days(db) {
        let store = db.store();
        store.run_blocking(|conn| demo::load(conn, false)).unwrap();
        let day = |d: u32| NaiveDate::from_ymd_opt(2020, 4, d).unwrap();
        // Requests arrive from 10 April: none before; acceptances continue afterwards.
        let early = store
            .run_blocking(|conn| compute(conn, &options(Period::new(day(2), day(9)).unwrap(), false)))
            .unwrap();
        assert_eq!(early.requests.received, 0);
        assert_eq!(early.answers.answer_types.population, 0);
        assert_eq!(early.requests.status_at_end.rows.iter().map(|r| r.count.unwrap()).sum::<u64>(), 0);
        assert!(early.volunteers.applications_received > 37);
        // The first day of requests, seen at its end: the morning's request is taken,
        // the evening's is offered to volunteers (one accepts it after midnight).
        let first = store
            .run_blocking(|conn| compute(conn, &options(Period::new(day(10), day(10)).unwrap(), false)))
            .unwrap();
        assert_eq!(first.requests.received, 2);
        assert_eq!(first.requests.status_at_end.count("accepted"), Some(1));
        assert_eq!(first.requests.status_at_end.count("proposed"), Some(1));
        assert_eq!(first.requests.handled, 1);
        assert_eq!(first.requests.open_at_end, 2);
        for (name, breakdown) in every_breakdown(&early) {
            assert_adds_up(name, breakdown);
        }
        // Transitions made in one transaction share their instant: the evening request's
        // proposal recorded at its submission instant still ends the day as "proposed".
        store
            .run_blocking(|conn| {
                use diesel::prelude::*;
                diesel::sql_query(
                    "UPDATE help_request_transitions SET created_at = (SELECT r.created_at \
                     FROM help_requests r WHERE r.id = help_request_transitions.request_id) \
                     WHERE to_status = 'proposed' AND request_id = \
                     '20200402-0000-4000-8000-000600000001'",
                )
                .execute(conn)?;
                // And the submission sorts last by id, so that the id alone would pick it.
                diesel::sql_query(
                    "UPDATE help_request_transitions SET id = 'ffffffff-ffff-4fff-8fff-ffffffffffff' \
                     WHERE to_status = 'submitted' AND request_id = \
                     '20200402-0000-4000-8000-000600000001'",
                )
                .execute(conn)?;
                Ok::<_, entraide_store::StoreError>(())
            })
            .unwrap();
        for _ in 0..3 {
            let tied = store
                .run_blocking(|conn| compute(conn, &options(Period::new(day(10), day(10)).unwrap(), false)))
                .unwrap();
            assert_eq!(tied.requests.status_at_end.count("proposed"), Some(1));
            assert_eq!(tied.requests.status_at_end.count("submitted"), Some(0));
        }
        // An empty database.
        let empty = TestDb::sqlite();
        let bilan = empty
            .store()
            .run_blocking(|conn| compute(conn, &options(demo::period(), true)))
            .unwrap();
        assert_eq!(bilan.volunteers.accepted, 0);
        assert_eq!(bilan.follow_up.time_to_acceptance.median_hours, None);
        for format in Format::ALL {
            assert!(!render(&bilan, format).unwrap().is_empty());
        }
    }
}

backend_test! {
    fn the_public_bilan_masks_small_counts_in_breakdowns_about_people(db) {
        let bilan = demo_bilan(db, true);
        let v = &bilan.volunteers;
        assert!(bilan.masking.public);
        assert!(bilan.masking.note.as_deref().unwrap().contains("« < 3 »"));
        assert!(bilan.masking.masked_cells > 0);
        // 29 and 8 stay; the 2 RSSI and 2 project leads and the 1 other role are hidden.
        assert_eq!(v.gender.count("homme"), Some(29));
        assert_eq!(v.job_role.count("rssi"), None);
        assert_eq!(v.job_role.count("autre"), None);
        assert_eq!(v.job_role.count("dsi"), Some(16));
        // Sector: "non renseigné" (2) alone would follow from 37 - 17 - 18: another count
        // goes.
        let sector = &v.origin_sector;
        assert_eq!(sector.count(NOT_STATED_CODE), None);
        assert_eq!(sector.rows.iter().filter(|r| r.masked).count(), 2);
        // Every hidden count reads as null, with no share.
        for (_, breakdown) in every_breakdown(&bilan) {
            for row in &breakdown.rows {
                assert_eq!(row.masked, row.count.is_none());
                if row.masked {
                    assert!(breakdown.sensitive);
                    assert_eq!(row.share, None);
                }
                if let Some(n) = row.count {
                    if breakdown.sensitive {
                        assert!(n == 0 || n >= 3, "{} shows {n}", row.code);
                    }
                }
            }
        }
        // Regions of 1 or 2 volunteers are hidden; the ranking's head is not.
        assert_eq!(v.region.count("11"), Some(8));
        assert_eq!(v.region.count("53"), None);
        // Activity tables are not about people: shown in full.
        assert_eq!(bilan.answers.answer_types.count("envoi_outil"), Some(3));
        assert_eq!(bilan.requests.establishments_by_kind.count("ambulatoire"), Some(1));
        // The load per volunteer: 3 volunteers took 1 request... shown; 2 took 4-5, hidden.
        assert_eq!(bilan.follow_up.load.count("4-5"), None);
        let html = String::from_utf8(render(&bilan, Format::Html).unwrap()).unwrap();
        assert!(html.contains("Version publique"));
        assert!(html.contains("&lt; 3"));
    }
}

backend_test! {
    fn unknown_codes_and_missing_values_go_to_non_renseigne(db) {
        let store = db.store();
        store.run_blocking(|conn| demo::load(conn, false)).unwrap();
        // Rows written outside the service (an import, an old code): one volunteer without
        // gender, one with a sector code the bilan does not know.
        store
            .run_blocking(|conn| {
                use diesel::prelude::*;
                use entraide_store::schema::volunteers;
                let ids: Vec<String> = volunteers::table
                    .select(volunteers::id)
                    .order(volunteers::id)
                    .limit(2)
                    .load(conn)?;
                diesel::update(volunteers::table.find(&ids[0]))
                    .set(volunteers::gender.eq(None::<String>))
                    .execute(conn)?;
                diesel::update(volunteers::table.find(&ids[1]))
                    .set(volunteers::origin_sector.eq("grades"))
                    .execute(conn)?;
                Ok::<_, entraide_store::StoreError>(())
            })
            .unwrap();
        let bilan = store
            .run_blocking(|conn| compute(conn, &options(demo::period(), false)))
            .unwrap();
        let v = &bilan.volunteers;
        assert_eq!(v.gender.count(NOT_STATED_CODE), Some(1));
        // The demo's 2 volunteers without a sector, and the unknown code.
        assert_eq!(v.origin_sector.count(NOT_STATED_CODE), Some(3));
        for (name, breakdown) in every_breakdown(&bilan) {
            assert_adds_up(name, breakdown);
        }
    }
}

backend_test! {
    fn the_formats_hold_every_table(db) {
        let bilan = demo_bilan(db, false);
        let json: serde_json::Value = serde_json::from_slice(&render(&bilan, Format::Json).unwrap()).unwrap();
        assert_eq!(json["volunteers"]["accepted"], 37);
        assert_eq!(json["requests"]["establishments_by_kind"]["rows"][0]["count"], 17);
        let parsed: Bilan = serde_json::from_value(json).unwrap();
        assert_eq!(parsed, bilan);

        let tables = entraide_bilan::tables::tables(&bilan);
        let zip = render(&bilan, Format::Csv).unwrap();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
        assert_eq!(archive.len(), tables.len());
        let mut genders = String::new();
        archive.by_name("03_volontaires_genre.csv").unwrap().read_to_string(&mut genders).unwrap();
        assert_eq!(
            genders,
            "\u{feff}code,libelle,effectif,part\r\nfemme,Femme,8,0.2162\r\nhomme,Homme,29,0.7838\r\n\
             autre,Autre,0,0\r\nnon_renseigne,Non renseigné,0,0\r\n"
        );

        let xlsx = render(&bilan, Format::Xlsx).unwrap();
        let mut workbook = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
        let mut listing = String::new();
        workbook.by_name("xl/workbook.xml").unwrap().read_to_string(&mut listing).unwrap();
        for table in &tables {
            assert!(listing.contains(&format!("name=\"{}\"", table.name)), "no sheet {}", table.name);
        }
        let mut strings = String::new();
        workbook.by_name("xl/sharedStrings.xml").unwrap().read_to_string(&mut strings).unwrap();
        assert!(strings.contains("Volontaires par secteur d&apos;origine") || strings.contains("Volontaires par secteur d'origine"));

        let html = String::from_utf8(render(&bilan, Format::Html).unwrap()).unwrap();
        for heading in [
            "<h2>Contexte</h2>",
            "<h2>Bilan des personnes proposant leur aide</h2>",
            "<h2>Établissements ayant sollicité de l'aide</h2>",
            "<h2>Réponses apportées</h2>",
        ] {
            assert!(html.contains(heading), "no {heading}");
        }
        assert_eq!(html.matches("<svg ").count(), 4);
        for caption in [
            "Figure 1 : Profil des volontaires du dispositif",
            "Figure 2 : Thèmes d&#39;expertise proposés par les volontaires",
            "Figure 3 : Thème des demandes d&#39;aide dans le cadre du dispositif",
            "Figure 4 : Type de réponse apportée aux sollicitations",
        ] {
            assert!(html.contains(caption), "no {caption}");
        }
        assert!(html.contains("<strong>37 volontaires</strong>"));
        assert!(html.contains("(72 candidatures reçues ; 31 refusées et 4 en attente de décision"));
        assert!(html.contains("<strong>26 demandes d'aide</strong> ont été traitées par 11 volontaires du dispositif"));
        assert!(html.contains("3 demandes ont donné lieu à la production ou l'<strong>envoi d'un outil</strong> (charte de télétravail"));
        assert!(html.contains("principalement réalisé par <strong>appel téléphonique</strong>"));
        assert!(html.contains("principalement sur <strong>télétravail</strong>, mais aussi sur <strong>télémédecine / télésanté</strong>"));
        assert!(html.contains("(29 hommes / 8 femmes"));
        assert!(html.contains("<strong>sanitaires</strong> (17)"));
        assert!(html.contains("<strong>médico-sociales</strong> (18) et de structures non renseignées (2)"));
        assert!(html.contains("<strong>12 régions différentes</strong>"));
        assert!(html.contains("Île-de-France (8), Auvergne-Rhône-Alpes (6), Hauts-de-France (5), Occitanie (5) et Grand Est (3)"));
        assert!(html.contains("<strong>17 établissements de santé</strong>, <strong>8 structures médico-sociales</strong> et <strong>1 structure ambulatoire</strong>"));
        assert!(html.contains("après 4 semaines de fonctionnement"));
        // Self-contained: nothing to fetch, no script, no style attribute.
        for forbidden in ["<script", "<link", "<img", "src=", "href=", "style=", "@import", "url("] {
            assert!(!html.contains(forbidden), "the report holds {forbidden}");
        }
        assert_eq!(html.matches("<style>").count(), 1);
        assert!(html.contains(&format!("<style>{}</style>", entraide_bilan::format::html::STYLE)));
    }
}

#[test]
fn the_demo_refuses_a_database_with_applications() {
    let db = TestDb::sqlite();
    let store = db.store();
    store.run_blocking(|conn| demo::load(conn, false)).unwrap();
    let again = store.run_blocking(|conn| demo::load(conn, true));
    assert!(
        matches!(again, Err(BilanError::DemoAlreadyLoaded)),
        "{again:?}"
    );

    let other = TestDb::sqlite();
    other
        .store()
        .run_blocking(|conn| {
            use diesel::prelude::*;
            diesel::sql_query(
                "INSERT INTO applications (id, email, name, phone, job_role, origin_sector, \
                 origin_status, department, region, presentation, capacity, \
                 publication_consent, status, created_at, updated_at) VALUES ('a', \
                 'x@exemple.example', 'X', '+33199000000', 'dsi', 'sanitaire', 'public', \
                 '75', '11', 'P', 1, 1, 'pending', '2026-01-01 00:00:00', \
                 '2026-01-01 00:00:00')",
            )
            .execute(conn)?;
            Ok::<_, entraide_store::StoreError>(())
        })
        .unwrap();
    let refused = other.store().run_blocking(|conn| demo::load(conn, false));
    let error = refused.unwrap_err();
    assert!(matches!(error, BilanError::DatabaseNotEmpty(1)));
    assert!(error.to_string().contains("--force"), "{error}");
    let forced = other
        .store()
        .run_blocking(|conn| demo::load(conn, true))
        .unwrap();
    assert_eq!(forced.applications, 72);
}
