//! `entraide dataset`: fills an empty database with a realistic, deterministic dataset for
//! the load and soak harness (`tests/load/`): accepted volunteers spread like the 2020
//! figures, establishments with valid FINESS numbers, and help requests at every stage of
//! their life (with proposals, cases, answers, ratings and the audit trail).
//!
//! Rows are written with multi-row inserts, a few thousand entities per transaction, on
//! the connection of the configured backend: 10,000 volunteers and 50,000 requests take
//! seconds, where the API would take many minutes.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use entraide_core::{
    fold_to_slug, AnswerType, Department, EstablishmentKind, Finess, Gender, JobRole, LegalStatus,
    PhoneNumber, Region, Role, Sector, Urgency,
};
use entraide_store::requests::{self, RequestStatus};
use entraide_store::schema::{
    application_themes, applications, case_answer_items, case_answers, case_ratings, cases,
    change_counters, establishments, help_request_themes, help_request_transitions, help_requests,
    proposals, user_roles, users, volunteer_themes, volunteers,
};
use entraide_store::{Clock, DbConnection, Store, StoreError, SystemClock};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

/// Options of `entraide dataset`.
#[derive(Debug, clap::Args)]
pub struct DatasetArgs {
    /// Accepted volunteers to create.
    #[arg(long, default_value_t = 10_000)]
    volunteers: usize,
    /// Help requests to create, at every stage of their life.
    #[arg(long, default_value_t = 50_000)]
    requests: usize,
    /// Establishments the requests come from (default: one per five requests).
    #[arg(long)]
    establishments: Option<usize>,
    /// Requests are spread over this many days before now (more of them recently).
    #[arg(long, default_value_t = 56)]
    days: u32,
    /// Seed of the generator: the same seed gives the same dataset.
    #[arg(long, default_value_t = 2020)]
    seed: u64,
    /// Entities (volunteers or requests) written per transaction.
    #[arg(long, default_value_t = 5_000)]
    batch: usize,
    /// Folder where to write what a load generator needs: `request_ids.txt`,
    /// `finess_known.txt` (FINESS numbers of the establishments) and `finess_new.txt`
    /// (valid numbers not in the database).
    #[arg(long, value_name = "DIR")]
    export: Option<PathBuf>,
}

/// Rows per INSERT statement. The widest table has 20 columns: 1,000 rows stay well under
/// SQLite's 32,766 bound parameters and PostgreSQL's 65,535.
const ROWS_PER_STATEMENT: usize = 1_000;

/// Inserts `rows` (a slice of `Insertable` structs) into `table` with multi-row INSERTs.
///
/// The statement is written against the backend's own connection: diesel's multi-row
/// insert does not compile through the multi-backend connection, and the same query is
/// valid on both since no value is left to a column default.
macro_rules! insert_rows {
    ($conn:expr, $table:path, $rows:expr) => {{
        let mut written = 0usize;
        for chunk in $rows.chunks(ROWS_PER_STATEMENT) {
            written += match &mut *$conn {
                DbConnection::Postgres(c) => {
                    diesel::insert_into($table).values(chunk).execute(c)?
                }
                DbConnection::Sqlite(c) => diesel::insert_into($table).values(chunk).execute(c)?,
            };
        }
        written
    }};
}

// --- Distributions: the 2020 bilan (37 volunteers, 26 requests), scaled up ---

/// The 13 default themes (id, as a volunteer's presentation names it), with how often
/// volunteers offer them (bilan figure 2: télétravail, SI médico-social and PCA first)
/// and how often requests name them (figure 3: télétravail first, then télémédecine).
const THEMES: [(&str, &str, u32, u32); 13] = [
    ("teletravail", "le télétravail", 30, 40),
    ("si-medico-social", "le SI médico-social", 14, 8),
    ("pca", "les plans de continuité", 15, 10),
    ("telemedecine", "la télémédecine", 10, 16),
    ("cybersecurite", "la cybersécurité", 7, 5),
    ("messagerie-securisee", "la messagerie sécurisée", 5, 4),
    (
        "infrastructure-reseau",
        "l'infrastructure et le réseau",
        6,
        5,
    ),
    ("outils-collaboratifs", "les outils collaboratifs", 6, 6),
    ("achats-materiel", "les achats de matériel", 3, 3),
    ("protection-donnees", "la protection des données", 4, 1),
    ("interoperabilite", "l'interopérabilité", 4, 1),
    ("ins", "l'identité nationale de santé", 2, 1),
    ("gouvernance-si", "la gouvernance SI", 3, 1),
];

/// Volunteers per region, in `Region::ALL` order: Île-de-France 8, Auvergne-Rhône-Alpes
/// 6, Hauts-de-France 5, Occitanie 5, Grand Est 3 in 2020, the others one or two.
const REGION_WEIGHTS: [u32; 18] = [6, 2, 2, 2, 1, 3, 5, 8, 2, 3, 5, 2, 3, 1, 1, 1, 1, 1];

/// 29 men and 8 women in 2020; a few do not say.
const GENDERS: [(Option<Gender>, u32); 4] = [
    (Some(Gender::Homme), 76),
    (Some(Gender::Femme), 21),
    (Some(Gender::Autre), 1),
    (None, 2),
];

/// Many IT directors and IT managers, some directors.
const JOB_ROLES: [(JobRole, u32); 6] = [
    (JobRole::Dsi, 40),
    (JobRole::Rsi, 25),
    (JobRole::Rssi, 8),
    (JobRole::Directeur, 12),
    (JobRole::ChefDeProjet, 10),
    (JobRole::Autre, 5),
];

/// 17 from health, 18 from medico-social, 2 not stated (here: elsewhere).
const SECTORS: [(Sector, u32); 3] = [
    (Sector::Sanitaire, 17),
    (Sector::MedicoSocial, 18),
    (Sector::Autre, 2),
];

/// Two thirds private.
const VOLUNTEER_STATUSES: [(LegalStatus, u32); 3] = [
    (LegalStatus::Public, 33),
    (LegalStatus::PriveNonLucratif, 35),
    (LegalStatus::PriveLucratif, 32),
];

/// Cases a volunteer takes at once.
const CAPACITIES: [(i32, u32); 5] = [(1, 15), (2, 35), (3, 30), (4, 10), (5, 10)];

/// 17 ES, 8 ESMS and 1 ambulatory structure asked for help in 2020.
const KINDS: [(EstablishmentKind, u32); 3] = [
    (EstablishmentKind::Es, 17),
    (EstablishmentKind::Esms, 8),
    (EstablishmentKind::Ambulatoire, 1),
];

const ESTABLISHMENT_STATUSES: [(LegalStatus, u32); 3] = [
    (LegalStatus::Public, 45),
    (LegalStatus::PriveNonLucratif, 35),
    (LegalStatus::PriveLucratif, 20),
];

const URGENCIES: [(Urgency, u32); 4] = [
    (Urgency::Low, 10),
    (Urgency::Normal, 60),
    (Urgency::High, 20),
    (Urgency::Critical, 10),
];

/// Mostly by phone; three tools sent out of 26 in 2020.
const ANSWERS: [(AnswerType, u32); 6] = [
    (AnswerType::AppelTelephonique, 62),
    (AnswerType::EnvoiOutil, 12),
    (AnswerType::Visioconference, 14),
    (AnswerType::PostForum, 5),
    (AnswerType::InterventionSurSite, 3),
    (AnswerType::MiseEnRelation, 4),
];

const TOOLS: [&str; 6] = [
    "Charte télétravail",
    "PCA type",
    "Fiche réflexe cyberattaque",
    "Guide de déploiement VPN",
    "Modèle de convention de télémédecine",
    "Check-list visioconférence",
];

/// Where the requests end up (the stage they are at now). Only states that no
/// background job acts on at start: a load test must measure the requests it sends,
/// not 50,000 waves started by the server.
const FATES: [(Fate, u32); 5] = [
    (Fate::Closed, 62),
    (Fate::Accepted, 12),
    (Fate::Resolved, 5),
    (Fate::Cancelled, 8),
    (Fate::Unmatched, 8),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Closed,
    Accepted,
    Resolved,
    Cancelled,
    Unmatched,
}

const MEN: [&str; 24] = [
    "Jean",
    "Pierre",
    "Nicolas",
    "Laurent",
    "Stéphane",
    "Philippe",
    "Christophe",
    "Frédéric",
    "Olivier",
    "Éric",
    "Sébastien",
    "Thierry",
    "Julien",
    "David",
    "François",
    "Patrick",
    "Guillaume",
    "Vincent",
    "Jérôme",
    "Alain",
    "Thomas",
    "Bruno",
    "Mathieu",
    "Yann",
];
const WOMEN: [&str; 20] = [
    "Marie",
    "Nathalie",
    "Isabelle",
    "Sophie",
    "Sandrine",
    "Valérie",
    "Catherine",
    "Céline",
    "Christine",
    "Claire",
    "Anne",
    "Émilie",
    "Caroline",
    "Hélène",
    "Véronique",
    "Aurélie",
    "Julie",
    "Laurence",
    "Agnès",
    "Élodie",
];
const SURNAMES: [&str; 40] = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefèvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Lefebvre",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Legrand",
    "Garnier",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guérin",
    "Muller",
    "Henry",
    "Roussel",
    "Nicolas",
];
const TOWNS: [&str; 30] = [
    "Saint-Martin",
    "Beaulieu",
    "Villeneuve",
    "Montfort",
    "Bellevue",
    "Saint-Denis",
    "Fontaine",
    "Rochefort",
    "Châteauneuf",
    "Mirebeau",
    "Valence-sur-Rive",
    "Pont-l'Évêque",
    "Lons",
    "Aubigny",
    "Bourg-Neuf",
    "Sainte-Marie",
    "Montreuil",
    "Clairvaux",
    "Beaumont",
    "Villefranche",
    "Saint-Georges",
    "Les Essarts",
    "Champagnac",
    "Vernon",
    "Ribérac",
    "Mauléon",
    "Saint-Lô-des-Prés",
    "Lamballe",
    "Figeac",
    "Bressuire",
];
const ES_NAMES: [&str; 5] = [
    "Centre hospitalier de",
    "Hôpital local de",
    "Clinique du Parc de",
    "Centre hospitalier spécialisé de",
    "Polyclinique de",
];
const ESMS_NAMES: [&str; 8] = [
    "EHPAD Les Tilleuls de",
    "EHPAD Résidence du Lac de",
    "Foyer d'accueil médicalisé de",
    "IME Les Peupliers de",
    "Maison d'accueil spécialisée de",
    "SSIAD du canton de",
    "ESAT de",
    "Résidence autonomie de",
];
const AMBULATORY_NAMES: [&str; 2] = [
    "Maison de santé pluriprofessionnelle de",
    "Centre de santé de",
];
const ORGANISATIONS: [&str; 8] = [
    "Groupe hospitalier",
    "GHT",
    "Fondation",
    "Association",
    "Groupe",
    "Mutualité",
    "Union",
    "Réseau",
];
const NEEDS: [&str; 8] = [
    "Nous devons équiper nos agents administratifs pour le télétravail d'ici la fin de la semaine : choix des outils, VPN et charte.",
    "Notre plan de continuité d'activité date de 2012 ; nous avons besoin d'aide pour le mettre à jour face à la crise.",
    "Nous voulons mettre en place des téléconsultations avec les médecins traitants de nos résidents.",
    "Notre dossier usager informatisé est saturé depuis que les équipes se relaient : qui peut nous conseiller ?",
    "Nous avons reçu un courriel suspect et plusieurs postes sont lents : nous cherchons un avis en sécurité.",
    "Nous devons organiser des visioconférences entre les familles et les résidents confinés.",
    "Le réseau de notre site annexe ne supporte pas la charge : nous cherchons un regard extérieur.",
    "Nous devons acheter des ordinateurs portables en urgence et ne savons pas quel modèle choisir.",
];

/// Draws an item with the given relative weights.
fn pick<T: Copy>(rng: &mut StdRng, table: &[(T, u32)]) -> T {
    let total: u32 = table.iter().map(|(_, w)| w).sum();
    let mut x = rng.random_range(0..total.max(1));
    for &(item, weight) in table {
        if x < weight {
            return item;
        }
        x -= weight;
    }
    table[table.len() - 1].0
}

fn one_of<'a>(rng: &mut StdRng, items: &[&'a str]) -> &'a str {
    items[rng.random_range(0..items.len())]
}

/// Distinct themes (indexes into [`THEMES`]), drawn with volunteer or request weights.
fn draw_themes(rng: &mut StdRng, count: usize, for_requests: bool) -> Vec<usize> {
    let weights: Vec<(usize, u32)> = THEMES
        .iter()
        .enumerate()
        .map(|(i, (_, _, offered, asked))| (i, if for_requests { *asked } else { *offered }))
        .collect();
    let mut themes = Vec::with_capacity(count);
    while themes.len() < count {
        let theme = pick(rng, &weights);
        if !themes.contains(&theme) {
            themes.push(theme);
        }
    }
    themes
}

/// A random instant between `from` and `to` (`from` when the span is empty).
fn between(rng: &mut StdRng, from: NaiveDateTime, to: NaiveDateTime) -> NaiveDateTime {
    let span = (to - from).num_seconds();
    if span <= 0 {
        return from;
    }
    from + TimeDelta::seconds(rng.random_range(0..span))
}

/// A valid FINESS number registered in `department`, not in `taken` (which it joins).
fn finess(rng: &mut StdRng, department: Department, taken: &mut HashSet<String>) -> Finess {
    loop {
        let prefix = department.code();
        let mut body = prefix.to_owned();
        // 9 characters in all, the key last.
        while body.len() < 8 {
            body.push(char::from(b'0' + rng.random_range(0..10u8)));
        }
        for key in 0..10u8 {
            let candidate = format!("{body}{}", char::from(b'0' + key));
            if let Ok(number) = Finess::parse(&candidate) {
                if taken.insert(number.as_str().to_owned()) {
                    return number;
                }
                break;
            }
        }
    }
}

/// A metropolitan phone number in E.164 (checked: some prefixes belong overseas and
/// are refused with +33).
fn phone(rng: &mut StdRng, mobile: bool) -> String {
    loop {
        let first: u32 = match (mobile, rng.random_bool(0.5)) {
            (true, true) => 6,
            (true, false) => 7,
            (false, _) => rng.random_range(1..6),
        };
        let national = format!("0{first}{:08}", rng.random_range(0..100_000_000u32));
        if let Ok(number) = PhoneNumber::parse(&national) {
            if number.e164().starts_with("+33") {
                return number.e164().to_owned();
            }
        }
    }
}

fn slug(text: &str) -> String {
    fold_to_slug(text).replace('-', ".")
}

// --- Rows, as written ---

#[derive(Insertable)]
#[diesel(table_name = users, treat_none_as_default_value = false)]
struct UserRow {
    id: String,
    email: String,
    name: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    disabled_at: Option<NaiveDateTime>,
}

#[derive(Insertable)]
#[diesel(table_name = user_roles)]
struct RoleRow {
    user_id: String,
    role: &'static str,
    created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = applications, treat_none_as_default_value = false)]
struct ApplicationRow {
    id: String,
    email: String,
    name: String,
    phone: String,
    gender: Option<&'static str>,
    job_role: &'static str,
    origin_sector: &'static str,
    origin_status: &'static str,
    department: &'static str,
    region: &'static str,
    presentation: String,
    capacity: i32,
    own_organisation: Option<String>,
    publication_consent: bool,
    status: &'static str,
    rejection_reason: Option<&'static str>,
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
#[diesel(table_name = volunteers, treat_none_as_default_value = false)]
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
    department: &'static str,
    region: &'static str,
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
    department: &'static str,
    region: &'static str,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = help_requests, treat_none_as_default_value = false)]
struct RequestRow {
    id: String,
    reference: String,
    establishment_id: String,
    requester_user_id: String,
    contact_name: String,
    contact_email: String,
    contact_phone: String,
    contact_job_role: &'static str,
    description: String,
    urgency: &'static str,
    status: &'static str,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    cancelled_at: Option<NaiveDateTime>,
    cancel_reason: Option<&'static str>,
    wave: i32,
    last_wave: Option<i32>,
}

#[derive(Insertable)]
#[diesel(table_name = help_request_themes)]
struct RequestThemeRow {
    request_id: String,
    theme_id: &'static str,
    position: i32,
}

#[derive(Insertable)]
#[diesel(table_name = help_request_transitions, treat_none_as_default_value = false)]
struct TransitionRow {
    id: String,
    request_id: String,
    from_status: Option<&'static str>,
    to_status: &'static str,
    actor_user_id: Option<String>,
    reason: Option<&'static str>,
    created_at: NaiveDateTime,
    seq: i32,
}

#[derive(Insertable)]
#[diesel(table_name = proposals, treat_none_as_default_value = false)]
struct ProposalRow {
    id: String,
    request_id: String,
    volunteer_id: String,
    wave: i32,
    rank: i32,
    score: f64,
    reasons: String,
    status: &'static str,
    proposed_by: Option<String>,
    created_at: NaiveDateTime,
    expires_at: NaiveDateTime,
    reminded_at: Option<NaiveDateTime>,
    responded_at: Option<NaiveDateTime>,
    decline_reason: Option<&'static str>,
}

#[derive(Insertable)]
#[diesel(table_name = cases, treat_none_as_default_value = false)]
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
    summary: String,
    time_spent_minutes: i32,
    created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = case_answer_items, treat_none_as_default_value = false)]
struct AnswerItemRow {
    request_id: String,
    position: i32,
    answer_type: &'static str,
    tool_name: Option<&'static str>,
    tool_link: Option<String>,
}

#[derive(Insertable)]
#[diesel(table_name = case_ratings, treat_none_as_default_value = false)]
struct RatingRow {
    request_id: String,
    rating: i32,
    comment: Option<&'static str>,
    created_at: NaiveDateTime,
}

// --- What the generator keeps in memory between phases ---

/// A volunteer, as the request phase needs it to assign cases.
struct Helper {
    id: String,
    user_id: String,
    capacity: i32,
    open: i32,
    available: bool,
}

/// A contact person of an establishment (a requester account).
struct ContactPerson {
    user_id: String,
    name: String,
    email: String,
    phone: String,
    job_role: JobRole,
}

struct Place {
    id: String,
    finess: String,
    name: String,
    contacts: Vec<ContactPerson>,
}

/// What was written, for the summary.
#[derive(Debug, Default)]
struct Counts {
    rows: usize,
    volunteers: usize,
    establishments: usize,
    requests: usize,
    open_cases: usize,
    by_fate: [usize; 5],
}

/// Runs `entraide dataset`.
pub fn run(store: &Store, args: &DatasetArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.batch > 0, "--batch must be at least 1");
    anyhow::ensure!(
        args.volunteers > 0 || args.requests == 0,
        "requests need volunteers to be matched with"
    );
    let started = Instant::now();
    let now = SystemClock.now();
    let (existing_volunteers, existing_requests) = store.run_blocking(|conn| {
        let v: i64 = volunteers::table.count().get_result(conn)?;
        let r: i64 = help_requests::table.count().get_result(conn)?;
        Ok::<_, StoreError>((v, r))
    })?;
    anyhow::ensure!(
        existing_volunteers == 0 && existing_requests == 0,
        "the database already holds {existing_volunteers} volunteers and {existing_requests} \
         requests: the dataset goes into an empty database (create a new one)"
    );
    let mut rng = StdRng::seed_from_u64(args.seed);
    let mut counts = Counts::default();
    let mut taken_finess = HashSet::new();

    let staff_id = Uuid::new_v4().to_string();
    counts.rows += store.run_blocking(|conn| {
        let written = staff_user(conn, &staff_id, now)?;
        Ok::<_, StoreError>(written)
    })?;

    let establishment_count = args
        .establishments
        .unwrap_or(args.requests / 5)
        .max(usize::from(args.requests > 0));
    let places = write_establishments(
        store,
        &mut rng,
        establishment_count,
        args,
        now,
        &mut taken_finess,
        &mut counts,
    )?;
    eprintln!(
        "{} establishments and their contacts written ({:.1} s)",
        places.len(),
        started.elapsed().as_secs_f64()
    );

    let (mut helpers, by_theme) =
        write_volunteers(store, &mut rng, args, &staff_id, &places, now, &mut counts)?;
    eprintln!(
        "{} volunteers written ({:.1} s)",
        helpers.len(),
        started.elapsed().as_secs_f64()
    );

    let request_ids = write_requests(
        store,
        &mut rng,
        args,
        &places,
        &mut helpers,
        &by_theme,
        now,
        &mut counts,
    )?;
    // Every process reloads its matching index on the next ranking.
    store.run_blocking(entraide_store::matching::bump_volunteer_profiles)?;
    eprintln!(
        "{} requests written ({:.1} s)",
        request_ids.len(),
        started.elapsed().as_secs_f64()
    );

    if let Some(folder) = &args.export {
        export(folder, &mut rng, &places, &request_ids, &mut taken_finess)?;
    }
    println!(
        "dataset written in {:.1} s: {} volunteers, {} establishments, {} requests \
         (closed {}, accepted {}, resolved {}, cancelled {}, unmatched {}), {} open cases, \
         {} rows in all",
        started.elapsed().as_secs_f64(),
        counts.volunteers,
        counts.establishments,
        counts.requests,
        counts.by_fate[0],
        counts.by_fate[1],
        counts.by_fate[2],
        counts.by_fate[3],
        counts.by_fate[4],
        counts.open_cases,
        counts.rows,
    );
    Ok(())
}

/// The staff member who vetted the applications.
fn staff_user(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> Result<usize, StoreError> {
    conn.transaction(|conn| {
        let user = [UserRow {
            id: id.to_owned(),
            email: "equipe.entraide@anap.fr".to_owned(),
            name: Some("Équipe entraide".to_owned()),
            created_at: now - TimeDelta::days(400),
            updated_at: now - TimeDelta::days(400),
            disabled_at: None,
        }];
        let role = [RoleRow {
            user_id: id.to_owned(),
            role: Role::Staff.as_str(),
            created_at: now - TimeDelta::days(400),
        }];
        Ok(insert_rows!(conn, users::table, &user[..])
            + insert_rows!(conn, user_roles::table, &role[..]))
    })
}

fn write_establishments(
    store: &Store,
    rng: &mut StdRng,
    count: usize,
    args: &DatasetArgs,
    now: NaiveDateTime,
    taken: &mut HashSet<String>,
    counts: &mut Counts,
) -> anyhow::Result<Vec<Place>> {
    let departments: Vec<Department> = Department::all().collect();
    let mut places = Vec::with_capacity(count);
    let mut emails = HashSet::new();
    let first_day = now - TimeDelta::days(i64::from(args.days) + 30);
    for start in (0..count).step_by(args.batch) {
        let end = (start + args.batch).min(count);
        let mut establishment_rows = Vec::with_capacity(end - start);
        let mut user_rows = Vec::new();
        let mut role_rows = Vec::new();
        for n in start..end {
            let department = departments[rng.random_range(0..departments.len())];
            let kind = pick(rng, &KINDS);
            let prefix = match kind {
                EstablishmentKind::Es => one_of(rng, &ES_NAMES),
                EstablishmentKind::Esms => one_of(rng, &ESMS_NAMES),
                EstablishmentKind::Ambulatoire => one_of(rng, &AMBULATORY_NAMES),
            };
            let town = one_of(rng, &TOWNS);
            let name = format!("{prefix} {town} ({})", department.name());
            let number = finess(rng, department, taken);
            let created = between(rng, first_day, now);
            let id = Uuid::new_v4().to_string();
            let domain = format!("etab{n}.{}.fr", slug(town));
            let mut contacts = Vec::new();
            for c in 0..rng.random_range(1..=2) {
                let female = rng.random_bool(0.6);
                let first = if female {
                    one_of(rng, &WOMEN)
                } else {
                    one_of(rng, &MEN)
                };
                let last = one_of(rng, &SURNAMES);
                let mut email = format!("{}.{}@{domain}", slug(first), slug(last));
                if !emails.insert(email.clone()) {
                    email = format!("{}.{}.{c}@{domain}", slug(first), slug(last));
                    emails.insert(email.clone());
                }
                let user_id = Uuid::new_v4().to_string();
                let person = format!("{first} {last}");
                user_rows.push(UserRow {
                    id: user_id.clone(),
                    email: email.clone(),
                    name: Some(person.clone()),
                    created_at: created,
                    updated_at: created,
                    disabled_at: None,
                });
                role_rows.push(RoleRow {
                    user_id: user_id.clone(),
                    role: Role::Requester.as_str(),
                    created_at: created,
                });
                contacts.push(ContactPerson {
                    user_id,
                    name: person,
                    email,
                    phone: phone(rng, c > 0),
                    job_role: pick(
                        rng,
                        &[
                            (JobRole::Directeur, 40),
                            (JobRole::Dsi, 25),
                            (JobRole::Rsi, 15),
                            (JobRole::Autre, 20),
                        ],
                    ),
                });
            }
            establishment_rows.push(EstablishmentRow {
                id: id.clone(),
                finess: number.as_str().to_owned(),
                name,
                kind: kind.as_str(),
                legal_status: pick(rng, &ESTABLISHMENT_STATUSES).as_str(),
                department: department.code(),
                region: department.region().code(),
                created_at: created,
                updated_at: created,
            });
            places.push(Place {
                id,
                finess: number.as_str().to_owned(),
                name: establishment_rows
                    .last()
                    .map(|e| e.name.clone())
                    .unwrap_or_default(),
                contacts,
            });
        }
        counts.establishments += establishment_rows.len();
        counts.rows += store.run_blocking(|conn| {
            conn.transaction(|conn| {
                Ok::<_, StoreError>(
                    insert_rows!(conn, establishments::table, &establishment_rows)
                        + insert_rows!(conn, users::table, &user_rows)
                        + insert_rows!(conn, user_roles::table, &role_rows),
                )
            })
        })?;
    }
    Ok(places)
}

fn write_volunteers(
    store: &Store,
    rng: &mut StdRng,
    args: &DatasetArgs,
    staff_id: &str,
    places: &[Place],
    now: NaiveDateTime,
    counts: &mut Counts,
) -> anyhow::Result<(Vec<Helper>, Vec<Vec<usize>>)> {
    let regions: Vec<(Region, u32)> = Region::ALL.into_iter().zip(REGION_WEIGHTS).collect();
    let mut helpers = Vec::with_capacity(args.volunteers);
    let mut by_theme: Vec<Vec<usize>> = vec![Vec::new(); THEMES.len()];
    let first_day = now - TimeDelta::days(i64::from(args.days) + 14);
    let today = now.date();
    for start in (0..args.volunteers).step_by(args.batch) {
        let end = (start + args.batch).min(args.volunteers);
        let mut user_rows = Vec::with_capacity(end - start);
        let mut role_rows = Vec::with_capacity(end - start);
        let mut application_rows = Vec::with_capacity(end - start);
        let mut application_theme_rows = Vec::new();
        let mut volunteer_rows = Vec::with_capacity(end - start);
        let mut volunteer_theme_rows = Vec::new();
        for n in start..end {
            let gender = pick(rng, &GENDERS);
            let first = if gender == Some(Gender::Femme) {
                one_of(rng, &WOMEN)
            } else {
                one_of(rng, &MEN)
            };
            let last = one_of(rng, &SURNAMES);
            let name = format!("{first} {last}");
            let email = format!("{}.{}.{n}@volontaires.example.fr", slug(first), slug(last));
            let region = pick(rng, &regions);
            let departments: Vec<Department> = region.departments().collect();
            let department = departments[rng.random_range(0..departments.len())];
            let job_role = pick(rng, &JOB_ROLES);
            let sector = pick(rng, &SECTORS);
            let status = pick(rng, &VOLUNTEER_STATUSES);
            let capacity = pick(rng, &CAPACITIES);
            let theme_count = pick(rng, &[(1usize, 25), (2, 35), (3, 25), (4, 15)]);
            let themes = draw_themes(rng, theme_count, false);
            // Early in the crisis most volunteers came forward; some still join later.
            let applied = between(rng, first_day, now - TimeDelta::days(1));
            let decided = between(rng, applied, applied + TimeDelta::days(2)).min(now);
            // Some work for an organisation, a few for an establishment that asks for help
            // (the conflict-of-interest rule then keeps them away from its requests).
            let own_organisation = if !places.is_empty() && rng.random_bool(0.03) {
                Some(places[rng.random_range(0..places.len())].name.clone())
            } else if rng.random_bool(0.3) {
                Some(format!(
                    "{} {} {}",
                    one_of(rng, &ORGANISATIONS),
                    one_of(rng, &SURNAMES),
                    one_of(rng, &TOWNS)
                ))
            } else {
                None
            };
            let presentation = format!(
                "{} dans le secteur {}, je peux aider sur {}.",
                job_role.label(),
                sector.label().to_lowercase(),
                themes
                    .iter()
                    .map(|&t| THEMES[t].1)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let paused_until = rng
                .random_bool(0.05)
                .then(|| today + TimeDelta::days(rng.random_range(0..30)));
            let active = rng.random_bool(0.97);
            let consent = rng.random_bool(0.8);
            let phone = phone(rng, true);
            let (user_id, application_id, id) = (
                Uuid::new_v4().to_string(),
                Uuid::new_v4().to_string(),
                Uuid::new_v4().to_string(),
            );
            user_rows.push(UserRow {
                id: user_id.clone(),
                email: email.clone(),
                name: Some(name.clone()),
                created_at: decided,
                updated_at: decided,
                disabled_at: None,
            });
            role_rows.push(RoleRow {
                user_id: user_id.clone(),
                role: Role::Volunteer.as_str(),
                created_at: decided,
            });
            application_rows.push(ApplicationRow {
                id: application_id.clone(),
                email,
                name: name.clone(),
                phone: phone.clone(),
                gender: gender.map(Gender::as_str),
                job_role: job_role.as_str(),
                origin_sector: sector.as_str(),
                origin_status: status.as_str(),
                department: department.code(),
                region: region.code(),
                presentation: presentation.clone(),
                capacity,
                own_organisation: own_organisation.clone(),
                publication_consent: consent,
                status: "accepted",
                rejection_reason: None,
                decided_at: Some(decided),
                decided_by: Some(staff_id.to_owned()),
                created_at: applied,
                updated_at: decided,
            });
            for &theme in &themes {
                application_theme_rows.push(ApplicationThemeRow {
                    application_id: application_id.clone(),
                    theme_id: THEMES[theme].0,
                });
                volunteer_theme_rows.push(VolunteerThemeRow {
                    volunteer_id: id.clone(),
                    theme_id: THEMES[theme].0,
                });
                by_theme[theme].push(n);
            }
            volunteer_rows.push(VolunteerRow {
                id: id.clone(),
                user_id: user_id.clone(),
                application_id,
                name,
                phone,
                gender: gender.map(Gender::as_str),
                job_role: job_role.as_str(),
                origin_sector: sector.as_str(),
                origin_status: status.as_str(),
                department: department.code(),
                region: region.code(),
                presentation,
                capacity,
                own_organisation,
                publication_consent: consent,
                paused_until,
                active,
                deactivated_at: (!active).then_some(now - TimeDelta::days(1)),
                created_at: decided,
                updated_at: decided,
            });
            helpers.push(Helper {
                id,
                user_id,
                capacity,
                open: 0,
                available: active && paused_until.is_none(),
            });
        }
        counts.volunteers += volunteer_rows.len();
        counts.rows += store.run_blocking(|conn| {
            conn.transaction(|conn| {
                Ok::<_, StoreError>(
                    insert_rows!(conn, users::table, &user_rows)
                        + insert_rows!(conn, user_roles::table, &role_rows)
                        + insert_rows!(conn, applications::table, &application_rows)
                        + insert_rows!(conn, application_themes::table, &application_theme_rows)
                        + insert_rows!(conn, volunteers::table, &volunteer_rows)
                        + insert_rows!(conn, volunteer_themes::table, &volunteer_theme_rows),
                )
            })
        })?;
    }
    Ok((helpers, by_theme))
}

/// Everything written for one batch of requests.
#[derive(Default)]
struct RequestBatch {
    requests: Vec<RequestRow>,
    themes: Vec<RequestThemeRow>,
    transitions: Vec<TransitionRow>,
    proposals: Vec<ProposalRow>,
    cases: Vec<CaseRow>,
    answers: Vec<AnswerRow>,
    answer_items: Vec<AnswerItemRow>,
    ratings: Vec<RatingRow>,
}

impl RequestBatch {
    fn transition(
        &mut self,
        request_id: &str,
        from: Option<RequestStatus>,
        to: RequestStatus,
        actor: Option<&str>,
        reason: Option<&'static str>,
        at: NaiveDateTime,
    ) {
        // A request's transitions are pushed together, in order: its audit trail numbers them.
        let earlier = self
            .transitions
            .iter()
            .rev()
            .take_while(|t| t.request_id == request_id)
            .count();
        self.transitions.push(TransitionRow {
            id: Uuid::new_v4().to_string(),
            request_id: request_id.to_owned(),
            from_status: from.map(RequestStatus::as_str),
            to_status: to.as_str(),
            actor_user_id: actor.map(str::to_owned),
            reason,
            created_at: at,
            seq: i32::try_from(earlier).unwrap_or(i32::MAX - 1) + 1,
        });
    }

    fn write(&self, conn: &mut DbConnection) -> Result<usize, StoreError> {
        conn.transaction(|conn| {
            Ok(insert_rows!(conn, help_requests::table, &self.requests)
                + insert_rows!(conn, help_request_themes::table, &self.themes)
                + insert_rows!(conn, help_request_transitions::table, &self.transitions)
                + insert_rows!(conn, proposals::table, &self.proposals)
                + insert_rows!(conn, cases::table, &self.cases)
                + insert_rows!(conn, case_answers::table, &self.answers)
                + insert_rows!(conn, case_answer_items::table, &self.answer_items)
                + insert_rows!(conn, case_ratings::table, &self.ratings))
        })
    }
}

/// Chooses up to `count` distinct volunteers for a request, preferring those who offer
/// its main theme; with `need_room`, only volunteers available and below capacity.
fn choose_helpers(
    rng: &mut StdRng,
    helpers: &[Helper],
    by_theme: &[Vec<usize>],
    main_theme: usize,
    count: usize,
    need_room: bool,
) -> Vec<usize> {
    let mut chosen = Vec::with_capacity(count);
    let pool = &by_theme[main_theme];
    for attempt in 0..count * 20 {
        if chosen.len() == count {
            break;
        }
        // Most from the main theme's volunteers, the odd one from anywhere.
        let candidate = if !pool.is_empty() && attempt < count * 15 {
            pool[rng.random_range(0..pool.len())]
        } else {
            rng.random_range(0..helpers.len())
        };
        let helper = &helpers[candidate];
        let fits = !need_room || (helper.available && helper.open < helper.capacity);
        if fits && !chosen.contains(&candidate) {
            chosen.push(candidate);
        }
    }
    chosen
}

fn reasons(rng: &mut StdRng, themes: usize) -> String {
    let covered = rng.random_range(1..=themes);
    let mut reasons = vec![format!("Thèmes couverts : {covered} sur {themes}")];
    if rng.random_bool(0.4) {
        reasons.push("Même région".to_owned());
    }
    if rng.random_bool(0.5) {
        reasons.push("Connaît le secteur de l'établissement".to_owned());
    }
    serde_json::to_string(&reasons).unwrap_or_else(|_| "[]".to_owned())
}

#[allow(clippy::too_many_arguments)]
fn write_requests(
    store: &Store,
    rng: &mut StdRng,
    args: &DatasetArgs,
    places: &[Place],
    helpers: &mut [Helper],
    by_theme: &[Vec<usize>],
    now: NaiveDateTime,
    counts: &mut Counts,
) -> anyhow::Result<Vec<String>> {
    use RequestStatus as S;
    // Creation times first, oldest first, so that reference numbers follow them.
    let span = f64::from(args.days) * 86_400.0;
    let mut created: Vec<NaiveDateTime> = (0..args.requests)
        .map(|_| {
            // More requests lately: a crisis builds up.
            let back = span * rng.random::<f64>().powf(1.6);
            now - TimeDelta::seconds(back as i64) - TimeDelta::minutes(5)
        })
        .collect();
    created.sort();
    let mut numbers: std::collections::HashMap<i32, u32> = std::collections::HashMap::new();
    let mut ids = Vec::with_capacity(args.requests);
    for start in (0..args.requests).step_by(args.batch) {
        let end = (start + args.batch).min(args.requests);
        let mut batch = RequestBatch::default();
        for &created_at in &created[start..end] {
            let id = Uuid::new_v4().to_string();
            // Some establishments ask again and again, most once or twice.
            let place = &places
                [(places.len() as f64 * rng.random::<f64>().powi(2)) as usize % places.len()];
            let contact = &place.contacts[rng.random_range(0..place.contacts.len())];
            let year = chrono::Datelike::year(&created_at);
            let number = numbers.entry(year).or_insert(0);
            *number += 1;
            let reference = format!("DA-{year}-{:04}", *number);
            let theme_count = pick(rng, &[(1usize, 50), (2, 35), (3, 15)]);
            let themes = draw_themes(rng, theme_count, true);
            let urgency = pick(rng, &URGENCIES);
            let requester = Some(contact.user_id.as_str());
            batch.transition(&id, None, S::Submitted, requester, None, created_at);
            for (position, &theme) in themes.iter().enumerate() {
                batch.themes.push(RequestThemeRow {
                    request_id: id.clone(),
                    theme_id: THEMES[theme].0,
                    position: i32::try_from(position).unwrap_or(0),
                });
            }

            let mut fate = pick(rng, &FATES);
            let age = now - created_at;
            // A request of the last hours cannot be closed yet.
            if age < TimeDelta::hours(6) && matches!(fate, Fate::Closed | Fate::Resolved) {
                fate = Fate::Accepted;
            }
            // Never after `now`: a request of the last minutes is proposed at most now, so
            // that its later steps (capped at `now` too) follow its proposal.
            let proposed_at = (created_at + TimeDelta::seconds(rng.random_range(30..600))).min(now);
            let delay = TimeDelta::hours(if urgency == Urgency::Critical { 6 } else { 24 });
            let mut wave = 0;
            let mut status;
            let mut updated_at = created_at;
            let mut cancelled = None;
            let cancelled_before_proposal = fate == Fate::Cancelled && rng.random_bool(0.3);
            if !cancelled_before_proposal {
                let need_room = fate == Fate::Accepted;
                let asked = choose_helpers(rng, helpers, by_theme, themes[0], 3, need_room);
                let taker = match fate {
                    Fate::Closed | Fate::Resolved | Fate::Accepted => asked.first().copied(),
                    _ => None,
                };
                let fate_now = if taker.is_none() && fate != Fate::Cancelled {
                    Fate::Unmatched
                } else {
                    fate
                };
                wave = 1;
                status = S::Proposed;
                batch.transition(
                    &id,
                    Some(S::Submitted),
                    S::Proposed,
                    None,
                    None,
                    proposed_at,
                );
                let answered_at = between(rng, proposed_at, (proposed_at + delay).min(now));
                let mut accepted_proposal = None;
                for (rank, &helper) in asked.iter().enumerate() {
                    let proposal_id = Uuid::new_v4().to_string();
                    let (proposal_status, responded) = match (Some(helper) == taker, fate_now) {
                        (true, _) => {
                            accepted_proposal = Some(proposal_id.clone());
                            ("accepted", Some(answered_at))
                        }
                        (false, Fate::Unmatched) if rng.random_bool(0.3) => {
                            ("declined", Some(between(rng, proposed_at, answered_at)))
                        }
                        (false, Fate::Unmatched) => ("expired", None),
                        (false, _) => ("withdrawn", Some(answered_at)),
                    };
                    batch.proposals.push(ProposalRow {
                        id: proposal_id,
                        request_id: id.clone(),
                        volunteer_id: helpers[helper].id.clone(),
                        wave: 1,
                        rank: i32::try_from(rank + 1).unwrap_or(1),
                        score: rng.random_range(0.45..0.95),
                        reasons: reasons(rng, themes.len()),
                        status: proposal_status,
                        proposed_by: None,
                        created_at: proposed_at,
                        expires_at: proposed_at + delay,
                        reminded_at: None,
                        responded_at: responded,
                        decline_reason: (proposal_status == "declined")
                            .then_some("Pas disponible cette semaine"),
                    });
                }
                match (fate_now, taker) {
                    (Fate::Unmatched, _) => {
                        let at = (proposed_at + delay).min(now);
                        batch.transition(&id, Some(S::Proposed), S::Unmatched, None, None, at);
                        status = S::Unmatched;
                        updated_at = at;
                    }
                    (Fate::Cancelled, _) => {
                        let at = between(rng, proposed_at, (proposed_at + delay).min(now));
                        let reason = "Nous avons trouvé une solution en interne.";
                        batch.transition(
                            &id,
                            Some(S::Proposed),
                            S::Cancelled,
                            requester,
                            Some(reason),
                            at,
                        );
                        status = S::Cancelled;
                        updated_at = at;
                        cancelled = Some((at, reason));
                    }
                    (fate_now, Some(helper)) => {
                        let volunteer_user = helpers[helper].user_id.clone();
                        let accepted_at = answered_at;
                        batch.transition(
                            &id,
                            Some(S::Proposed),
                            S::Accepted,
                            Some(&volunteer_user),
                            None,
                            accepted_at,
                        );
                        status = S::Accepted;
                        updated_at = accepted_at;
                        let mut resolved_at = None;
                        let mut closed_at = None;
                        if matches!(fate_now, Fate::Closed | Fate::Resolved) {
                            // Resolved cases are recent: older ones would be closed by now.
                            let earliest = if fate_now == Fate::Resolved {
                                accepted_at.max(now - TimeDelta::hours(36))
                            } else {
                                accepted_at
                            };
                            let latest = if fate_now == Fate::Resolved {
                                now
                            } else {
                                (accepted_at + TimeDelta::days(5)).min(now)
                            };
                            let at = between(rng, earliest, latest);
                            batch.transition(
                                &id,
                                Some(S::Accepted),
                                S::Resolved,
                                Some(&volunteer_user),
                                None,
                                at,
                            );
                            resolved_at = Some(at);
                            status = S::Resolved;
                            updated_at = at;
                            let items = if rng.random_bool(0.2) { 2 } else { 1 };
                            let mut used = Vec::new();
                            for position in 0..items {
                                let kind = pick(rng, &ANSWERS);
                                if used.contains(&kind) {
                                    continue;
                                }
                                used.push(kind);
                                let tool =
                                    (kind == AnswerType::EnvoiOutil).then(|| one_of(rng, &TOOLS));
                                batch.answer_items.push(AnswerItemRow {
                                    request_id: id.clone(),
                                    position,
                                    answer_type: kind.as_str(),
                                    tool_name: tool,
                                    tool_link: tool.map(|t| {
                                        format!("https://www.anap.fr/outils/{}", fold_to_slug(t))
                                    }),
                                });
                            }
                            batch.answers.push(AnswerRow {
                                request_id: id.clone(),
                                summary: "Échange avec l'équipe, conseils et documents envoyés."
                                    .to_owned(),
                                time_spent_minutes: rng.random_range(15..480),
                                created_at: at,
                            });
                            if fate_now == Fate::Closed {
                                let closed = between(rng, at, (at + TimeDelta::days(3)).min(now));
                                let rated = rng.random_bool(0.7);
                                batch.transition(
                                    &id,
                                    Some(S::Resolved),
                                    S::Closed,
                                    if rated { requester } else { None },
                                    None,
                                    closed,
                                );
                                if rated {
                                    batch.ratings.push(RatingRow {
                                        request_id: id.clone(),
                                        rating: pick(
                                            rng,
                                            &[(1, 3), (2, 5), (3, 12), (4, 35), (5, 45)],
                                        ),
                                        comment: rng
                                            .random_bool(0.3)
                                            .then_some("Réponse rapide et très utile, merci."),
                                        created_at: closed,
                                    });
                                }
                                closed_at = Some(closed);
                                status = S::Closed;
                                updated_at = closed;
                            }
                        } else {
                            helpers[helper].open += 1;
                            counts.open_cases += 1;
                        }
                        batch.cases.push(CaseRow {
                            request_id: id.clone(),
                            volunteer_id: helpers[helper].id.clone(),
                            proposal_id: accepted_proposal.clone(),
                            accepted_at,
                            resolved_at,
                            closed_at,
                        });
                    }
                    (_, None) => {}
                }
            } else {
                let at = between(rng, created_at, proposed_at);
                let reason = "Demande envoyée en double.";
                batch.transition(
                    &id,
                    Some(S::Submitted),
                    S::Cancelled,
                    requester,
                    Some(reason),
                    at,
                );
                status = S::Cancelled;
                updated_at = at;
                cancelled = Some((at, reason));
            }
            let fate_index = match status {
                S::Closed => 0,
                S::Accepted => 1,
                S::Resolved => 2,
                S::Cancelled => 3,
                _ => 4,
            };
            counts.by_fate[fate_index] += 1;
            batch.requests.push(RequestRow {
                id: id.clone(),
                reference,
                establishment_id: place.id.clone(),
                requester_user_id: contact.user_id.clone(),
                contact_name: contact.name.clone(),
                contact_email: contact.email.clone(),
                contact_phone: contact.phone.clone(),
                contact_job_role: contact.job_role.as_str(),
                description: one_of(rng, &NEEDS).to_owned(),
                urgency: urgency.as_str(),
                status: status.as_str(),
                created_at,
                updated_at,
                cancelled_at: cancelled.map(|(at, _)| at),
                cancel_reason: cancelled.map(|(_, reason)| reason),
                wave,
                last_wave: (wave > 0).then_some(wave),
            });
            ids.push(id);
        }
        counts.requests += batch.requests.len();
        counts.rows += store.run_blocking(|conn| batch.write(conn))?;
    }
    // The next submission of each year continues the numbering (the counter a
    // submission reads instead of counting the year's requests).
    store.run_blocking(|conn| {
        for (year, last) in &numbers {
            diesel::insert_into(change_counters::table)
                .values((
                    change_counters::name.eq(requests::reference_counter(*year)),
                    change_counters::value.eq(i64::from(*last)),
                ))
                .execute(conn)?;
        }
        Ok::<_, StoreError>(())
    })?;
    Ok(ids)
}

/// Writes the files a load generator reads (one value per line).
fn export(
    folder: &Path,
    rng: &mut StdRng,
    places: &[Place],
    request_ids: &[String],
    taken: &mut HashSet<String>,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(folder).with_context(|| format!("creating {}", folder.display()))?;
    let write = |name: &str, lines: &mut dyn Iterator<Item = String>| -> anyhow::Result<()> {
        let mut text = String::new();
        for line in lines {
            let _ = writeln!(text, "{line}");
        }
        let path = folder.join(name);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))
    };
    write("request_ids.txt", &mut request_ids.iter().cloned())?;
    write(
        "finess_known.txt",
        &mut places.iter().map(|p| p.finess.clone()),
    )?;
    let departments: Vec<Department> = Department::all().collect();
    let fresh: Vec<String> = (0..100_000)
        .map(|_| {
            let department = departments[rng.random_range(0..departments.len())];
            finess(rng, department, taken).as_str().to_owned()
        })
        .collect();
    write("finess_new.txt", &mut fresh.into_iter())?;
    eprintln!("load-test inputs written to {}", folder.display());
    Ok(())
}
