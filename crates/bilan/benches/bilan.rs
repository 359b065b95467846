//! The JSON bilan over 10,000 volunteers and 100,000 requests, on SQLite and (when
//! `ENTRAIDE_BENCH_POSTGRES_URL` or `ENTRAIDE_TEST_POSTGRES_URL` names a server)
//! PostgreSQL. Target: under 1 s. Figures in `docs/performance.md`.
//!
//! The data are generated once, deterministically, with multi-row inserts, and kept for
//! the next run: `target/bilan-bench/bilan-v3.db` for SQLite, database `entraide_bench_bilan_v3`
//! on the PostgreSQL server (delete them to regenerate).
//!
//! ```sh
//! ENTRAIDE_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench -p entraide-bilan
//! ```

#![allow(clippy::unwrap_used)] // Benchmark code: a panic is how it reports failure.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use criterion::{criterion_group, criterion_main, Criterion};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::PgConnection;
use entraide_bilan::{compute, render, BilanOptions, Format, Period};
use entraide_core::Department;
use entraide_store::schema::{
    application_themes, applications, case_answer_items, case_answers, case_ratings, cases,
    establishments, help_request_themes, help_request_transitions, help_requests, proposals,
    user_roles, users, volunteer_themes, volunteers,
};
use entraide_store::{DatabaseUrl, DbConnection, PoolOptions, Store};
use uuid::Uuid;

const VOLUNTEERS: usize = 10_000;
const REQUESTS: usize = 100_000;
const ESTABLISHMENTS: usize = 2_000;
/// Applications not accepted (rejected or pending), besides the volunteers'.
const OTHER_APPLICATIONS: usize = 2_500;
/// Bump when the generated data change, so that old databases are not reused.
const VERSION: &str = "v3";
/// Rows per INSERT: the widest row has 20 columns, well under both backends' limits on
/// bound parameters.
const ROWS: usize = 1_000;

const THEMES: [&str; 13] = [
    "teletravail",
    "si-medico-social",
    "pca",
    "telemedecine",
    "cybersecurite",
    "messagerie-securisee",
    "infrastructure-reseau",
    "outils-collaboratifs",
    "achats-materiel",
    "protection-donnees",
    "interoperabilite",
    "ins",
    "gouvernance-si",
];

/// A deterministic mix of an index and a salt (splitmix64).
fn mix(index: usize, salt: u64) -> u64 {
    let mut z = (index as u64)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(salt.wrapping_mul(0xBF58_476D_1CE4_E5B9));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Picks from `choices` with integer weights.
fn pick<T: Copy>(choices: &[(T, u64)], index: usize, salt: u64) -> T {
    let total: u64 = choices.iter().map(|(_, w)| w).sum();
    let mut roll = mix(index, salt) % total;
    for &(value, weight) in choices {
        if roll < weight {
            return value;
        }
        roll -= weight;
    }
    choices[0].0
}

fn id(kind: u128, index: usize) -> String {
    Uuid::from_u128(0xbe2c_0000_0000_4000_8000_0000_0000_0000 | (kind << 80) | index as u128)
        .to_string()
}

fn start() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2020, 4, 2)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
}

fn departments() -> Vec<(String, String)> {
    Department::all()
        .filter(|d| !d.region().is_overseas())
        .map(|d| (d.code().to_owned(), d.region().code().to_owned()))
        .collect()
}

macro_rules! insert_rows {
    ($conn:expr, $table:path, $rows:expr) => {{
        for chunk in $rows.chunks(ROWS) {
            match &mut *$conn {
                DbConnection::Postgres(c) => diesel::insert_into($table).values(chunk).execute(c),
                DbConnection::Sqlite(c) => diesel::insert_into($table).values(chunk).execute(c),
            }
            .unwrap();
        }
    }};
}

#[derive(Insertable)]
#[diesel(table_name = users)]
struct UserRow {
    id: String,
    email: String,
    name: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = user_roles)]
struct RoleRow {
    user_id: String,
    role: &'static str,
    created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = applications, treat_none_as_null = true)]
struct ApplicationRow {
    id: String,
    email: String,
    name: String,
    phone: String,
    gender: Option<&'static str>,
    job_role: &'static str,
    origin_sector: &'static str,
    origin_status: &'static str,
    department: String,
    region: String,
    presentation: String,
    capacity: i32,
    own_organisation: Option<String>,
    publication_consent: bool,
    status: &'static str,
    rejection_reason: Option<String>,
    decided_at: Option<NaiveDateTime>,
    decided_by: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = application_themes)]
struct ApplicationThemeRow {
    application_id: String,
    theme_id: &'static str,
}

#[derive(Insertable)]
#[diesel(table_name = volunteers, treat_none_as_null = true)]
struct VolunteerRow {
    id: String,
    user_id: String,
    application_id: String,
    name: String,
    phone: String,
    gender: Option<&'static str>,
    job_role: &'static str,
    origin_sector: &'static str,
    origin_status: &'static str,
    department: String,
    region: String,
    presentation: String,
    capacity: i32,
    own_organisation: Option<String>,
    publication_consent: bool,
    paused_until: Option<NaiveDate>,
    active: bool,
    deactivated_at: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = volunteer_themes)]
struct VolunteerThemeRow {
    volunteer_id: String,
    theme_id: &'static str,
}

#[derive(Insertable)]
#[diesel(table_name = establishments)]
struct EstablishmentRow {
    id: String,
    finess: String,
    name: String,
    kind: &'static str,
    legal_status: &'static str,
    department: String,
    region: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = help_requests, treat_none_as_null = true)]
struct RequestRow {
    id: String,
    reference: String,
    establishment_id: String,
    requester_user_id: String,
    contact_name: String,
    contact_email: String,
    contact_phone: String,
    contact_job_role: &'static str,
    description: &'static str,
    urgency: &'static str,
    status: &'static str,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    cancelled_at: Option<NaiveDateTime>,
    cancel_reason: Option<String>,
}

#[derive(Insertable)]
#[diesel(table_name = help_request_themes)]
struct RequestThemeRow {
    request_id: String,
    theme_id: &'static str,
    position: i32,
}

#[derive(Insertable)]
#[diesel(table_name = help_request_transitions, treat_none_as_null = true)]
struct TransitionRow {
    id: String,
    request_id: String,
    from_status: Option<&'static str>,
    to_status: &'static str,
    actor_user_id: Option<String>,
    reason: Option<String>,
    created_at: NaiveDateTime,
    seq: i32,
}

#[derive(Insertable)]
#[diesel(table_name = proposals, treat_none_as_null = true)]
struct ProposalRow {
    id: String,
    request_id: String,
    volunteer_id: String,
    wave: i32,
    rank: i32,
    score: f64,
    reasons: &'static str,
    status: &'static str,
    proposed_by: Option<String>,
    created_at: NaiveDateTime,
    expires_at: NaiveDateTime,
    reminded_at: Option<NaiveDateTime>,
    responded_at: Option<NaiveDateTime>,
    decline_reason: Option<String>,
}

#[derive(Insertable)]
#[diesel(table_name = cases, treat_none_as_null = true)]
struct CaseRow {
    request_id: String,
    volunteer_id: String,
    proposal_id: Option<String>,
    accepted_at: NaiveDateTime,
    resolved_at: Option<NaiveDateTime>,
    closed_at: Option<NaiveDateTime>,
}

#[derive(Insertable)]
#[diesel(table_name = case_answers)]
struct AnswerRow {
    request_id: String,
    summary: &'static str,
    time_spent_minutes: i32,
    created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = case_answer_items, treat_none_as_null = true)]
struct AnswerItemRow {
    request_id: String,
    position: i32,
    answer_type: &'static str,
    tool_name: Option<String>,
    tool_link: Option<String>,
}

#[derive(Insertable)]
#[diesel(table_name = case_ratings, treat_none_as_null = true)]
struct RatingRow {
    request_id: String,
    rating: i32,
    comment: Option<String>,
    created_at: NaiveDateTime,
}

/// Distinct themes for record `index`: 1 to `most`, weighted towards the first ones.
fn themes_of(index: usize, salt: u64, most: u64) -> Vec<&'static str> {
    let weights: Vec<(&str, u64)> = THEMES
        .iter()
        .zip([30, 14, 15, 16, 7, 5, 6, 6, 3, 4, 4, 2, 3])
        .map(|(t, w)| (*t, w))
        .collect();
    let wanted = 1 + (mix(index, salt) % most) as usize;
    let mut chosen = Vec::new();
    let mut attempt = 0;
    while chosen.len() < wanted && attempt < 20 {
        let theme = pick(&weights, index, salt + 1 + attempt as u64);
        if !chosen.contains(&theme) {
            chosen.push(theme);
        }
        attempt += 1;
    }
    chosen
}

fn generate_people(conn: &mut DbConnection) {
    let departments = departments();
    let at = |index: usize, salt: u64| {
        start() + TimeDelta::seconds((mix(index, salt) % (27 * 86_400)) as i64)
    };
    let mut users_rows = Vec::new();
    let mut roles = Vec::new();
    let mut apps = Vec::new();
    let mut app_themes = Vec::new();
    let mut vols = Vec::new();
    let mut vol_themes = Vec::new();
    for i in 0..VOLUNTEERS + OTHER_APPLICATIONS {
        let created = at(i, 1);
        let decided = created + TimeDelta::hours(1 + (mix(i, 2) % 48) as i64);
        let accepted = i < VOLUNTEERS;
        let (department, region) =
            departments[(mix(i, 3) % departments.len() as u64) as usize].clone();
        let gender = pick(
            &[
                (Some("homme"), 76),
                (Some("femme"), 21),
                (Some("autre"), 1),
                (None, 2),
            ],
            i,
            4,
        );
        let job_role = pick(
            &[
                ("dsi", 40),
                ("rsi", 25),
                ("rssi", 8),
                ("directeur", 12),
                ("chef_de_projet", 10),
                ("autre", 5),
            ],
            i,
            5,
        );
        let sector = pick(
            &[("sanitaire", 17), ("medico_social", 18), ("autre", 2)],
            i,
            6,
        );
        let status = pick(
            &[
                ("public", 33),
                ("prive_non_lucratif", 35),
                ("prive_lucratif", 32),
            ],
            i,
            7,
        );
        let themes = themes_of(i, 8, 4);
        let email = format!("volontaire{i}@bench.example");
        let application_id = id(2, i);
        apps.push(ApplicationRow {
            id: application_id.clone(),
            email: email.clone(),
            name: format!("Volontaire {i}"),
            phone: "+33199000000".to_owned(),
            gender,
            job_role,
            origin_sector: sector,
            origin_status: status,
            department: department.clone(),
            region: region.clone(),
            presentation: "Présentation".to_owned(),
            capacity: 3,
            own_organisation: None,
            publication_consent: true,
            status: if accepted {
                "accepted"
            } else if i % 5 == 0 {
                "pending"
            } else {
                "rejected"
            },
            rejection_reason: None,
            decided_at: (accepted || i % 5 != 0).then_some(decided),
            decided_by: None,
            created_at: created,
            updated_at: decided,
        });
        for theme in &themes {
            app_themes.push(ApplicationThemeRow {
                application_id: application_id.clone(),
                theme_id: theme,
            });
        }
        if accepted {
            let user_id = id(1, i);
            users_rows.push(UserRow {
                id: user_id.clone(),
                email,
                name: Some(format!("Volontaire {i}")),
                created_at: decided,
                updated_at: decided,
            });
            roles.push(RoleRow {
                user_id: user_id.clone(),
                role: "volunteer",
                created_at: decided,
            });
            let volunteer_id = id(3, i);
            vols.push(VolunteerRow {
                id: volunteer_id.clone(),
                user_id,
                application_id,
                name: format!("Volontaire {i}"),
                phone: "+33199000000".to_owned(),
                gender,
                job_role,
                origin_sector: sector,
                origin_status: status,
                department,
                region,
                presentation: "Présentation".to_owned(),
                capacity: 3,
                own_organisation: None,
                publication_consent: true,
                paused_until: None,
                active: true,
                deactivated_at: None,
                created_at: decided,
                updated_at: decided,
            });
            for theme in themes {
                vol_themes.push(VolunteerThemeRow {
                    volunteer_id: volunteer_id.clone(),
                    theme_id: theme,
                });
            }
        }
    }
    let mut places = Vec::new();
    for e in 0..ESTABLISHMENTS {
        let (department, region) =
            departments[(mix(e, 20) % departments.len() as u64) as usize].clone();
        let user_id = id(4, e);
        let created = start() - TimeDelta::days(1);
        users_rows.push(UserRow {
            id: user_id.clone(),
            email: format!("contact{e}@etablissement.example"),
            name: Some(format!("Contact {e}")),
            created_at: created,
            updated_at: created,
        });
        roles.push(RoleRow {
            user_id,
            role: "requester",
            created_at: created,
        });
        places.push(EstablishmentRow {
            id: id(5, e),
            finess: format!("X{e:08}"),
            name: format!("Établissement {e}"),
            kind: pick(&[("es", 65), ("esms", 30), ("ambulatoire", 5)], e, 21),
            legal_status: pick(
                &[
                    ("public", 50),
                    ("prive_non_lucratif", 30),
                    ("prive_lucratif", 20),
                ],
                e,
                22,
            ),
            department,
            region,
            created_at: created,
            updated_at: created,
        });
    }
    insert_rows!(conn, users::table, users_rows);
    insert_rows!(conn, user_roles::table, roles);
    insert_rows!(conn, applications::table, apps);
    insert_rows!(conn, application_themes::table, app_themes);
    insert_rows!(conn, volunteers::table, vols);
    insert_rows!(conn, volunteer_themes::table, vol_themes);
    insert_rows!(conn, establishments::table, places);
}

/// Where a request stands when generated.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fate {
    Submitted,
    Proposed,
    Unmatched,
    Cancelled,
    Accepted,
    Resolved,
    Closed,
}

fn generate_requests(conn: &mut DbConnection, from: usize, to: usize) {
    let mut requests = Vec::new();
    let mut themes = Vec::new();
    let mut trail = Vec::new();
    let mut offers = Vec::new();
    let mut held = Vec::new();
    let mut answers = Vec::new();
    let mut items = Vec::new();
    let mut ratings = Vec::new();
    for r in from..to {
        let request_id = id(6, r);
        let created = start() + TimeDelta::seconds((mix(r, 30) % (28 * 86_400)) as i64);
        let fate = pick(
            &[
                (Fate::Submitted, 2),
                (Fate::Proposed, 4),
                (Fate::Unmatched, 3),
                (Fate::Cancelled, 3),
                (Fate::Accepted, 8),
                (Fate::Resolved, 20),
                (Fate::Closed, 60),
            ],
            r,
            31,
        );
        let establishment = (mix(r, 32) % ESTABLISHMENTS as u64) as usize;
        let requester = id(4, establishment);
        let proposed = created + TimeDelta::minutes(5 + (mix(r, 33) % 115) as i64);
        let accepted = proposed + TimeDelta::minutes(30 + (mix(r, 34) % 1_800) as i64);
        let resolved = accepted + TimeDelta::hours(2 + (mix(r, 35) % 94) as i64);
        let closed = resolved + TimeDelta::hours(1 + (mix(r, 36) % 71) as i64);
        let status = match fate {
            Fate::Submitted => "submitted",
            Fate::Proposed => "proposed",
            Fate::Unmatched => "unmatched",
            Fate::Cancelled => "cancelled",
            Fate::Accepted => "accepted",
            Fate::Resolved => "resolved",
            Fate::Closed => "closed",
        };
        requests.push(RequestRow {
            id: request_id.clone(),
            reference: format!("DA-2020-B{r:06}"),
            establishment_id: id(5, establishment),
            requester_user_id: requester.clone(),
            contact_name: format!("Contact {establishment}"),
            contact_email: format!("contact{establishment}@etablissement.example"),
            contact_phone: "+33199000000".to_owned(),
            contact_job_role: "directeur",
            description: "Besoin d'aide.",
            urgency: "normal",
            status,
            created_at: created,
            updated_at: created,
            cancelled_at: (fate == Fate::Cancelled).then_some(proposed),
            cancel_reason: None,
        });
        for (position, theme) in (0i32..).zip(themes_of(r, 37, 3)) {
            themes.push(RequestThemeRow {
                request_id: request_id.clone(),
                theme_id: theme,
                position,
            });
        }
        let mut steps = 0;
        let request_row = requests.len() - 1;
        let mut step = |from: Option<&'static str>, to: &'static str, at: NaiveDateTime| {
            steps += 1;
            // As the service does: a request's last change is its last transition.
            requests[request_row].updated_at = at;
            trail.push(TransitionRow {
                id: id(7, r * 8 + steps),
                request_id: request_id.clone(),
                from_status: from,
                to_status: to,
                actor_user_id: None,
                reason: None,
                created_at: at,
                seq: steps as i32,
            });
        };
        step(None, "submitted", created);
        if fate == Fate::Submitted {
            continue;
        }
        step(Some("submitted"), "proposed", proposed);
        let volunteer = (mix(r, 38) % VOLUNTEERS as u64) as usize;
        let takes = matches!(fate, Fate::Accepted | Fate::Resolved | Fate::Closed);
        for rank in 0..3usize {
            let status = match (fate, rank) {
                (Fate::Proposed, _) => "pending",
                (Fate::Unmatched, _) => "expired",
                (Fate::Cancelled, _) => "withdrawn",
                (_, 0) => "accepted",
                (_, 1) if r % 3 == 0 => "declined",
                _ => "withdrawn",
            };
            offers.push(ProposalRow {
                id: id(8, r * 3 + rank),
                request_id: request_id.clone(),
                volunteer_id: id(3, (volunteer + rank * 7) % VOLUNTEERS),
                wave: 1,
                rank: rank as i32 + 1,
                score: 0.8,
                reasons: "[]",
                status,
                proposed_by: None,
                created_at: proposed,
                expires_at: proposed + TimeDelta::hours(24),
                reminded_at: None,
                responded_at: (status == "accepted").then_some(accepted),
                decline_reason: None,
            });
        }
        match fate {
            Fate::Unmatched => step(
                Some("proposed"),
                "unmatched",
                proposed + TimeDelta::hours(24),
            ),
            Fate::Cancelled => step(
                Some("proposed"),
                "cancelled",
                proposed + TimeDelta::hours(2),
            ),
            _ => {}
        }
        if !takes {
            continue;
        }
        step(Some("proposed"), "accepted", accepted);
        let answered = matches!(fate, Fate::Resolved | Fate::Closed);
        held.push(CaseRow {
            request_id: request_id.clone(),
            volunteer_id: id(3, volunteer),
            proposal_id: Some(id(8, r * 3)),
            accepted_at: accepted,
            resolved_at: answered.then_some(resolved),
            closed_at: (fate == Fate::Closed).then_some(closed),
        });
        if !answered {
            continue;
        }
        step(Some("accepted"), "resolved", resolved);
        answers.push(AnswerRow {
            request_id: request_id.clone(),
            summary: "Conseils par téléphone.",
            time_spent_minutes: 45,
            created_at: resolved,
        });
        let first = pick(
            &[
                ("appel_telephonique", 70),
                ("visioconference", 12),
                ("envoi_outil", 8),
                ("post_forum", 5),
                ("mise_en_relation", 3),
                ("intervention_sur_site", 2),
            ],
            r,
            39,
        );
        let mut kinds = vec![first];
        if mix(r, 40) % 4 == 0 && first != "envoi_outil" {
            kinds.push("envoi_outil");
        }
        for (position, kind) in (0i32..).zip(kinds) {
            items.push(AnswerItemRow {
                request_id: request_id.clone(),
                position,
                answer_type: kind,
                tool_name: (kind == "envoi_outil")
                    .then(|| format!("Outil type n° {}", mix(r, 41) % 40)),
                tool_link: None,
            });
        }
        if fate == Fate::Closed {
            step(Some("resolved"), "closed", closed);
            if mix(r, 42) % 5 != 0 {
                ratings.push(RatingRow {
                    request_id: request_id.clone(),
                    rating: pick(&[(5, 50), (4, 30), (3, 12), (2, 5), (1, 3)], r, 43),
                    comment: None,
                    created_at: closed,
                });
            }
        }
    }
    insert_rows!(conn, help_requests::table, requests);
    insert_rows!(conn, help_request_themes::table, themes);
    insert_rows!(conn, help_request_transitions::table, trail);
    insert_rows!(conn, proposals::table, offers);
    insert_rows!(conn, cases::table, held);
    insert_rows!(conn, case_answers::table, answers);
    insert_rows!(conn, case_answer_items::table, items);
    insert_rows!(conn, case_ratings::table, ratings);
}

/// Fills an empty, migrated database; a no-op when it already holds the data.
fn fill(store: &Store, name: &str) {
    let present: i64 = store
        .run_blocking(|c| {
            help_requests::table
                .count()
                .get_result::<i64>(c)
                .map_err(entraide_store::StoreError::from)
        })
        .unwrap();
    if present == REQUESTS as i64 {
        eprintln!("{name}: reusing the generated data");
        return;
    }
    assert_eq!(present, 0, "{name}: a partly filled database; delete it");
    let started = Instant::now();
    store
        .run_blocking(|conn| {
            entraide_store::write_transaction(conn, |conn| {
                generate_people(conn);
                for chunk in (0..REQUESTS).step_by(10_000) {
                    generate_requests(conn, chunk, (chunk + 10_000).min(REQUESTS));
                }
                Ok::<_, entraide_store::StoreError>(())
            })
        })
        .unwrap();
    store
        .run_blocking(|conn| {
            // Fresh planner statistics, as a live database has.
            conn.batch_execute("ANALYZE")
                .map_err(entraide_store::StoreError::from)
        })
        .unwrap();
    eprintln!(
        "{name}: data generated in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

fn sqlite_store() -> Store {
    let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/bilan-bench");
    std::fs::create_dir_all(&folder).unwrap();
    let url = DatabaseUrl::Sqlite(folder.join(format!("bilan-{VERSION}.db")));
    let store = Store::connect(&url, &PoolOptions::default()).unwrap();
    store.migrate().unwrap();
    store
}

fn postgres_store() -> Option<Store> {
    let admin = std::env::var("ENTRAIDE_BENCH_POSTGRES_URL")
        .or_else(|_| std::env::var("ENTRAIDE_TEST_POSTGRES_URL"))
        .ok()?;
    let name = format!("entraide_bench_bilan_{VERSION}");
    let mut connection = PgConnection::establish(&admin).unwrap();
    let exists: i64 = diesel::sql_query(format!(
        "SELECT COUNT(*) AS n FROM pg_database WHERE datname = '{name}'"
    ))
    .get_result::<Count>(&mut connection)
    .unwrap()
    .n;
    if exists == 0 {
        connection
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
    }
    let mut url = url::Url::parse(&admin).unwrap();
    url.set_path(&name);
    let store = Store::connect(
        &DatabaseUrl::Postgres(url.to_string()),
        &PoolOptions::default(),
    )
    .unwrap();
    store.migrate().unwrap();
    Some(store)
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn describe(store: &Store, name: &str) {
    let options = options();
    let bilan = store.run_blocking(|c| compute(c, &options)).unwrap();
    eprintln!(
        "{name}: {} applications, {} volunteers, {} requests ({} taken by {} volunteers, \
         {} answered), {} establishments",
        bilan.volunteers.applications_received,
        bilan.volunteers.accepted,
        bilan.requests.received,
        bilan.requests.handled,
        bilan.requests.volunteers_involved,
        bilan.answers.answered,
        bilan.requests.establishments
    );
}

fn options() -> BilanOptions {
    BilanOptions {
        period: Period::default_after(start().date()),
        public: false,
        threshold: 3,
        scheme_start: start().date(),
        generated_at: start() + TimeDelta::days(28),
    }
}

fn bench(c: &mut Criterion) {
    let mut stores = vec![("sqlite", sqlite_store())];
    if let Some(store) = postgres_store() {
        stores.push(("postgres", store));
    } else {
        eprintln!("PostgreSQL skipped: set ENTRAIDE_BENCH_POSTGRES_URL to a server");
    }
    let mut group = c.benchmark_group("bilan");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(20));
    for (name, store) in &stores {
        fill(store, name);
        describe(store, name);
        let options = options();
        group.bench_function(
            format!("json, {VOLUNTEERS} volunteers, {REQUESTS} requests, {name}"),
            |b| {
                b.iter(|| {
                    let bilan = store.run_blocking(|conn| compute(conn, &options)).unwrap();
                    render(&bilan, Format::Json).unwrap()
                })
            },
        );
    }
    group.finish();
    // For the record: the public option and the other formats cost little more.
    let (name, store) = &stores[0];
    let mut options = options();
    options.public = true;
    let started = Instant::now();
    let bilan = store.run_blocking(|conn| compute(conn, &options)).unwrap();
    let computed = started.elapsed();
    for format in [Format::Csv, Format::Xlsx, Format::Html] {
        let started = Instant::now();
        let bytes = render(&bilan, format).unwrap();
        eprintln!(
            "{name}: public bilan computed in {} ms; {format} rendered in {} ms ({} KiB)",
            computed.as_millis(),
            started.elapsed().as_millis(),
            bytes.len() / 1024
        );
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
