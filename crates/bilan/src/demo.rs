//! The demo dataset: fake but realistic data whose bilan gives the figures of the 2020
//! report of the scheme (seed 000, dated 30 April 2020), so that a new instance can show
//! what the service produces.
//!
//! What the 2020 report says, and how the dataset gives it (period 2 to 29 April 2020):
//!
//! | report | dataset |
//! |---|---|
//! | 72 applications, 37 volunteers | 72 applications: 37 accepted, 31 rejected (out of scope, duplicate, commercial offer, unreachable), 4 still pending on 29 April |
//! | 29 men / 8 women | 29 `homme`, 8 `femme` |
//! | many DSI/RSI, some directors | 16 DSI, 11 RSI, 5 directors, 2 RSSI, 2 project leads, 1 other |
//! | sanitaire (17), médico-social (18), 2 not stated | 17 `sanitaire`, 18 `medico_social`, 2 not stated (no sector stored) |
//! | rather private (2/3) than public (1/3) | 25 private (15 non-profit, 10 for-profit), 12 public |
//! | 12 regions: IDF 8, ARA 6, HDF 5, Occitanie 5, Grand Est 3 | the same, then Bretagne, Nouvelle-Aquitaine, PACA 2 each, Bourgogne-Franche-Comté, Centre-Val de Loire, Normandie, Pays de la Loire 1 each |
//! | themes: télétravail, SI médico-social, PCA | 27, 16 and 14 volunteers, then télémédecine 8, cybersécurité and infrastructure 6, ... |
//! | 26 requests handled by 11 volunteers | 26 requests from 26 establishments, each taken (5, 4, 3, 3, 2, 2, 2, 2, 1, 1, 1 per volunteer) |
//! | 17 ES, 8 ESMS, 1 ambulatory structure | the same kinds |
//! | mainly télétravail, also télémédecine | main theme: télétravail 14, télémédecine 6, PCA 2, four others 1 each |
//! | mainly by phone; 3 tools sent (teleworking charter, PCA template...); some forum posts | 22 phone calls, 3 tools (charte de télétravail, PCA type, guide de téléconsultation), 4 forum posts, 3 video calls, 2 referrals |
//!
//! What the report does not say is filled in plausibly: 20 requests are closed (18 rated),
//! 4 answered and waiting for the rating, 2 still in progress (no answer yet: the
//! answer-type breakdown shows them as "non renseigné"); proposals go out in waves of
//! three, five requests needing a second wave.
//!
//! The 2 volunteers outside the two sectors: the report names 17 + 18 of 37. Their
//! applications and profiles carry no sector (the column allows it since migration 000014,
//! for records from before the service; the form asks for it), so the bilan counts them
//! under "Non renseigné", as the report does.
//!
//! Names are invented; addresses use the reserved `.example` domain, phone numbers the
//! range ARCEP keeps for fiction (01 99 00 xx xx), so no message can reach anyone.

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use entraide_core::{
    Department, EstablishmentKind, Finess, Gender, JobRole, LegalStatus, PhoneNumber, Role, Sector,
};
use entraide_store::schema::{
    application_themes, applications, case_answer_items, case_answers, case_ratings, cases,
    establishments, help_request_themes, help_request_transitions, help_requests, proposals,
    user_roles, users, volunteer_themes, volunteers,
};
use entraide_store::{write_transaction, DbConnection};
use uuid::Uuid;

use crate::{BilanError, Period};

/// The period of the 2020 report, which the dataset fills.
pub fn period() -> Period {
    Period::default_after(day(2020, 4, 2))
}

/// What [`load`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoSummary {
    /// Applications (accepted, rejected, pending).
    pub applications: usize,
    /// Accepted volunteers.
    pub volunteers: usize,
    /// Establishments.
    pub establishments: usize,
    /// Help requests.
    pub requests: usize,
}

fn day(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(NaiveDate::MIN)
}

fn at(month: u32, d: u32, hour: u32, minute: u32) -> NaiveDateTime {
    day(2020, month, d)
        .and_hms_opt(hour, minute, 0)
        .unwrap_or(NaiveDateTime::MIN)
}

fn minutes(n: i64) -> TimeDelta {
    TimeDelta::minutes(n)
}

/// Kinds of rows, for deterministic ids.
#[derive(Clone, Copy)]
enum Kind {
    VolunteerUser = 1,
    Application = 2,
    Volunteer = 3,
    RequesterUser = 4,
    Establishment = 5,
    Request = 6,
    Transition = 7,
    Proposal = 8,
}

/// The same ids at every load: `20200402-0000-4000-8000-KKKKIIIIIIII`.
fn id(kind: Kind, index: usize) -> String {
    let base: u128 = 0x2020_0402_0000_4000_8000_0000_0000_0000;
    Uuid::from_u128(base | ((kind as u128) << 32) | index as u128).to_string()
}

/// A number of the range reserved for fiction, in E.164.
fn phone(index: usize) -> String {
    PhoneNumber::parse(&format!(
        "01 99 00 {:02} {:02}",
        (index / 100) % 100,
        index % 100
    ))
    .map(|p| p.e164().to_owned())
    .unwrap_or_default()
}

/// A valid FINESS number in `department` (the Luhn key computed by trying each digit).
fn finess(department: &str, index: usize) -> String {
    let body = format!("{department}{:06}", 10_000 + index * 137);
    (0..10)
        .map(|key| format!("{body}{key}"))
        .find(|candidate| Finess::parse(candidate).is_ok())
        .unwrap_or(body)
}

fn region_of(department: &str) -> String {
    Department::parse(department)
        .map(|d| d.region().code().to_owned())
        .unwrap_or_default()
}

/// ASCII, lower-case form of a name for an address.
fn slug(text: &str) -> String {
    entraide_core::fold_to_slug(text).replace('-', ".")
}

struct Volunteer {
    first: &'static str,
    last: &'static str,
    gender: Gender,
    role: JobRole,
    /// `None`: not stated, as for 2 of the 37 in the report.
    sector: Option<Sector>,
    status: LegalStatus,
    department: &'static str,
    themes: &'static [&'static str],
    organisation: &'static str,
}

use Gender::{Femme as F, Homme as H};
use JobRole::{Autre as RoleOther, ChefDeProjet as Cdp, Directeur as Dir, Dsi, Rsi, Rssi};
use LegalStatus::{PriveLucratif as Pl, PriveNonLucratif as Pnl, Public as Pub};
use Sector::{Autre as SectorOther, MedicoSocial as Ms, Sanitaire as San};

const TT: &str = "teletravail";
const SIMS: &str = "si-medico-social";
const PCA: &str = "pca";
const TELEMED: &str = "telemedecine";
const CYBER: &str = "cybersecurite";
const MSS: &str = "messagerie-securisee";
const INFRA: &str = "infrastructure-reseau";
const COLLAB: &str = "outils-collaboratifs";
const ACHATS: &str = "achats-materiel";
const RGPD: &str = "protection-donnees";
const INTEROP: &str = "interoperabilite";
const INS: &str = "ins";
const GOUV: &str = "gouvernance-si";

macro_rules! v {
    ($first:literal $last:literal, $g:ident, $r:ident, $s:expr, $st:ident, $dep:literal, [$($t:ident),+], $org:literal) => {
        Volunteer {
            first: $first,
            last: $last,
            gender: $g,
            role: $r,
            sector: $s,
            status: $st,
            department: $dep,
            themes: &[$($t),+],
            organisation: $org,
        }
    };
}

/// The 37 accepted volunteers, by region as the report lists them.
const VOLUNTEERS: [Volunteer; 37] = [
    // Île-de-France (8)
    v!("Thomas" "Lefèvre", H, Dsi, Some(San), Pub, "75", [TT, PCA, INFRA], "Groupe hospitalier Paris Seine"),
    v!("Nicolas" "Moreau", H, Rsi, Some(Ms), Pnl, "92", [TT, SIMS], "Association Les Amandiers"),
    v!("Isabelle" "Garnier", F, Dir, Some(Ms), Pnl, "93", [SIMS, PCA], "EHPAD Les Glycines"),
    v!("Julien" "Roux", H, Dsi, Some(San), Pl, "94", [TT, CYBER, INFRA], "Clinique des Lilas"),
    v!("Laurent" "Fournier", H, Rssi, Some(San), Pub, "78", [CYBER, RGPD, TT], "Centre hospitalier des Deux-Forêts"),
    v!("Sophie" "Girard", F, Cdp, Some(Ms), Pnl, "91", [SIMS, INTEROP, TT], "Fondation Essonne Autonomie"),
    v!("Éric" "Bonnet", H, Dsi, None, Pub, "95", [TT, GOUV, PCA], "Groupement régional d'e-santé"),
    v!("Philippe" "Dupont", H, Rsi, Some(San), Pl, "77", [TT, COLLAB], "Hôpital privé de la Marne"),
    // Auvergne-Rhône-Alpes (6)
    v!("Pierre" "Lambert", H, Dsi, Some(San), Pub, "69", [TELEMED, TT, MSS], "Hospices du Rhône"),
    v!("Christophe" "Fontaine", H, Rsi, Some(Ms), Pnl, "38", [SIMS, TT], "Association Dauphiné Solidarités"),
    v!("Stéphane" "Rousseau", H, Dsi, Some(Ms), Pl, "42", [SIMS, PCA, ACHATS], "Résidences du Forez"),
    v!("Nathalie" "Vincent", F, Rsi, Some(Ms), Pnl, "63", [TT, COLLAB], "Association Volcans Autonomie"),
    v!("Olivier" "Muller", H, Dir, Some(Ms), Pnl, "74", [PCA, SIMS], "Foyer du Léman"),
    v!("Frédéric" "Lefebvre", H, Dsi, Some(San), Pl, "01", [TT, TELEMED, INFRA], "Clinique de la Bresse"),
    // Hauts-de-France (5)
    v!("David" "Faure", H, Dsi, Some(San), Pub, "59", [TT, PCA, CYBER], "Centre hospitalier de la Lys"),
    v!("Sébastien" "André", H, Rsi, Some(Ms), Pnl, "62", [SIMS, TT], "Association Côte d'Opale Handicap"),
    v!("Céline" "Mercier", F, Dsi, Some(Ms), Pl, "80", [SIMS, PCA, TT], "Résidences de la Somme"),
    v!("Jérôme" "Blanc", H, Rsi, Some(San), Pnl, "60", [TT, INFRA], "Hôpital Saint-Éloi de l'Oise"),
    v!("Patrick" "Guérin", H, Dir, Some(Ms), Pnl, "02", [PCA, ACHATS], "Maison d'accueil de Thiérache"),
    // Occitanie (5)
    v!("Vincent" "Boyer", H, Dsi, Some(San), Pub, "31", [TELEMED, TT, MSS], "Centre hospitalier de la Garonne"),
    v!("Alexandre" "Garcia", H, Rsi, Some(Ms), Pnl, "34", [SIMS, TT, COLLAB], "Association Hérault Grand Âge"),
    v!("Sandrine" "Chevalier", F, Cdp, Some(San), Pl, "30", [TELEMED, INTEROP], "Clinique des Garrigues"),
    v!("Mathieu" "François", H, Dsi, Some(Ms), Pnl, "66", [SIMS, PCA, TT], "Fondation Catalane d'Entraide"),
    v!("Guillaume" "Legrand", H, Rsi, Some(San), Pl, "81", [TT, CYBER], "Polyclinique du Tarn"),
    // Grand Est (3)
    v!("François" "Gauthier", H, Dsi, Some(Ms), Pnl, "67", [SIMS, TT, PCA], "Association Rhin Autonomie"),
    v!("Antoine" "Perrin", H, Rssi, Some(San), Pub, "57", [CYBER, INFRA], "Centre hospitalier de la Moselle-Est"),
    v!("Valérie" "Robin", F, Dir, Some(Ms), Pnl, "51", [PCA, SIMS, GOUV], "EHPAD Les Vignes"),
    // Nouvelle-Aquitaine (2)
    v!("Romain" "Clément", H, Dsi, Some(San), Pub, "33", [TELEMED, TT, COLLAB], "Centre hospitalier de l'Estuaire"),
    v!("Michel" "Morin", H, Rsi, Some(Ms), Pl, "87", [SIMS, TT], "Résidences du Limousin"),
    // Provence-Alpes-Côte d'Azur (2)
    v!("Emmanuel" "Nicolas", H, Dsi, Some(Ms), Pl, "13", [SIMS, PCA, TT], "Groupe Calanques Seniors"),
    v!("Catherine" "Henry", F, Rsi, Some(San), Pub, "06", [TELEMED, MSS], "Centre hospitalier des Baous"),
    // Bretagne (2)
    v!("Yannick" "Le Gall", H, Dsi, Some(San), Pub, "35", [TT, INFRA, CYBER], "Centre hospitalier de la Vilaine"),
    v!("Arnaud" "Roussel", H, RoleOther, None, Pub, "29", [TT, PCA, GOUV], "Cabinet de conseil indépendant"),
    // Pays de la Loire (1)
    v!("Benoît" "Mathieu", H, Dsi, Some(Ms), Pl, "44", [SIMS, COLLAB, INS], "Résidences de l'Erdre"),
    // Normandie (1)
    v!("Hervé" "Bertrand", H, Dir, Some(San), Pnl, "76", [TT, PCA, ACHATS], "Hôpital Saint-Julien du Pays de Caux"),
    // Bourgogne-Franche-Comté (1)
    v!("Anne" "Lemoine", F, Dsi, Some(Ms), Pub, "21", [SIMS, TELEMED], "Établissement public médico-social de la Côte-d'Or"),
    // Centre-Val de Loire (1)
    v!("Denis" "Caron", H, Rsi, Some(San), Pnl, "45", [TT, MSS, TELEMED], "Hôpital de la Loire orléanaise"),
];

/// First names of the applicants not accepted, with their gender.
const OTHER_FIRST: [(&str, Gender); 12] = [
    ("Marc", H),
    ("Claire", F),
    ("Jean", H),
    ("Martine", F),
    ("Alain", H),
    ("Karine", F),
    ("Bruno", H),
    ("Hélène", F),
    ("Didier", H),
    ("Agnès", F),
    ("Fabrice", H),
    ("Gilles", H),
];

const OTHER_LAST: [&str; 9] = [
    "Marchand", "Barbier", "Renard", "Picard", "Colin", "Arnaud", "Leclerc", "Giraud", "Rolland",
];

const REJECTION_REASONS: [&str; 4] = [
    "Profil sans expérience en établissement sanitaire ou médico-social.",
    "Candidature en double : la première a été retenue.",
    "Offre commerciale d'un prestataire, hors du cadre bénévole du dispositif.",
    "Candidat injoignable aux coordonnées indiquées.",
];

struct Request {
    kind: EstablishmentKind,
    establishment: &'static str,
    status: LegalStatus,
    department: &'static str,
    contact: (&'static str, &'static str),
    themes: &'static [&'static str],
    /// Index in [`VOLUNTEERS`] of the volunteer who took it.
    volunteer: usize,
    description: &'static str,
}

use EstablishmentKind::{Ambulatoire as Amb, Es, Esms};

macro_rules! r {
    ($kind:ident, $name:literal, $st:ident, $dep:literal, $first:literal $last:literal, [$($t:ident),+], $vol:literal, $desc:literal) => {
        Request {
            kind: $kind,
            establishment: $name,
            status: $st,
            department: $dep,
            contact: ($first, $last),
            themes: &[$($t),+],
            volunteer: $vol,
            description: $desc,
        }
    };
}

/// The 26 requests, in the order they arrived; the first theme is the main one.
const REQUESTS: [Request; 26] = [
    r!(Es, "Centre hospitalier des Deux-Rives", Pub, "59", "Laure" "Delmas", [TT, COLLAB], 7, "Mise en place du télétravail pour les équipes administratives : postes, accès distants, outils."),
    r!(Es, "Clinique du Parc", Pl, "69", "Yves" "Charpentier", [TT], 0, "Rédiger une charte de télétravail adaptée à une clinique."),
    r!(Es, "Centre hospitalier de la Vallée", Pub, "76", "Odile" "Brunet", [TELEMED], 19, "Déployer des téléconsultations en urgence pour les consultations externes."),
    r!(Es, "Hôpital local des Collines", Pub, "24", "Rémi" "Lacroix", [TT, INFRA], 0, "Dimensionner l'accès VPN pour 80 agents en télétravail."),
    r!(Esms, "EHPAD Les Tilleuls", Pnl, "62", "Sylvie" "Masson", [TT], 1, "Organiser le travail à distance de l'équipe administrative de l'établissement."),
    r!(Es, "Centre hospitalier de l'Arc", Pub, "13", "Gérard" "Aubert", [TELEMED, COLLAB], 27, "Choisir un outil de téléconsultation compatible avec le dossier patient."),
    r!(Esms, "Foyer d'accueil médicalisé Le Verger", Pnl, "44", "Nadia" "Benali", [PCA, TT], 14, "Mettre à jour le plan de continuité d'activité face à l'absentéisme."),
    r!(Es, "Centre hospitalier de Beauval", Pub, "31", "Cédric" "Poulain", [TT, CYBER], 3, "Sécuriser les accès distants ouverts en urgence pour le télétravail."),
    r!(Es, "Polyclinique Saint-Martin", Pl, "67", "Elodie" "Fabre", [PCA], 14, "Disposer d'un modèle de plan de continuité d'activité pour le système d'information."),
    r!(Esms, "Service d'aide à domicile du Val", Pnl, "35", "Christine" "Royer", [TT], 1, "Équiper les responsables de secteur pour travailler depuis leur domicile."),
    r!(Amb, "Maison de santé pluriprofessionnelle des Coteaux", Pl, "63", "Paul" "Vidal", [TELEMED], 8, "Mettre en place la téléconsultation pour les médecins de la maison de santé."),
    r!(Es, "Centre hospitalier du Bocage", Pub, "61", "Anne-Marie" "Huet", [TT, ACHATS], 0, "Acheter rapidement des ordinateurs portables pour le télétravail."),
    r!(Esms, "Institut médico-éducatif Les Sources", Pnl, "38", "Farid" "Mansour", [SIMS, INTEROP], 9, "Accéder au dossier usager informatisé depuis l'extérieur de l'établissement."),
    r!(Esms, "EHPAD Résidence du Lac", Pl, "74", "Monique" "Carré", [TT], 1, "Former l'équipe administrative aux outils de travail à distance."),
    r!(Es, "Centre hospitalier de Montclair", Pub, "34", "Hugo" "Lemaire", [COLLAB, TT], 7, "Organiser des réunions à distance entre les services et avec l'ARS."),
    r!(Es, "Clinique des Tilleuls", Pl, "33", "Inès" "Boucher", [TT, INFRA], 3, "Étendre l'accès distant au dossier patient pour les médecins."),
    r!(Es, "Centre hospitalier de Valmont", Pub, "57", "Xavier" "Noël", [TELEMED], 19, "Formaliser un guide de déploiement de la téléconsultation pour les services."),
    r!(Esms, "Foyer de vie Les Hirondelles", Pnl, "29", "Martine" "Gaillard", [TT], 24, "Mettre en place le télétravail pour la direction et la comptabilité."),
    r!(Es, "Hôpital de la Plaine", Pub, "80", "Lucas" "Hamon", [CYBER, TT], 14, "Vérifier la sécurité des postes utilisés en télétravail."),
    r!(Es, "Centre hospitalier de Saint-Aubin", Pub, "45", "Corinne" "Millet", [TT, PCA], 0, "Réorganiser le travail des équipes support en télétravail partiel."),
    r!(Es, "Clinique du Val Fleuri", Pl, "06", "Bernard" "Dumont", [TELEMED, MSS], 30, "Échanger des comptes rendus de téléconsultation par messagerie sécurisée."),
    r!(Esms, "Service de soins infirmiers à domicile des Vallons", Pnl, "21", "Patricia" "Langlois", [TT], 1, "Permettre aux infirmières coordinatrices de planifier depuis leur domicile."),
    r!(Es, "Centre hospitalier des Marais", Pub, "85", "Thierry" "Rey", [MSS], 19, "Ouvrir des boîtes de messagerie sécurisée de santé pour les médecins."),
    r!(Es, "Hôpital privé des Cèdres", Pl, "95", "Isabelle" "Perret", [TT, COLLAB], 0, "Déployer un outil de visioconférence pour le personnel administratif."),
    r!(Es, "Centre hospitalier de la Côte", Pub, "17", "Damien" "Leroy", [TELEMED], 8, "Suivre à distance les patients chroniques pendant le confinement."),
    r!(Esms, "EHPAD Les Capucines", Pnl, "87", "Josiane" "Meunier", [TT], 9, "Mettre en place le télétravail pour l'accueil et la facturation."),
];

/// An answer type with the tool sent, if any.
type Item = (&'static str, Option<&'static str>);

/// Answers of the first 24 requests (the last two are still in progress): answer types
/// with the tool sent, and a summary.
fn answer(index: usize) -> Option<(Vec<Item>, &'static str)> {
    const PHONE: Item = ("appel_telephonique", None);
    const FORUM: Item = ("post_forum", None);
    const VISIO: Item = ("visioconference", None);
    const REFERRAL: Item = ("mise_en_relation", None);
    let items = match index {
        1 => vec![PHONE, ("envoi_outil", Some("Charte de télétravail"))],
        3 => vec![PHONE, FORUM],
        5 => vec![VISIO],
        8 => vec![
            PHONE,
            (
                "envoi_outil",
                Some("Plan de continuité d'activité type (PCA)"),
            ),
        ],
        10 | 19 => vec![PHONE, VISIO],
        12 => vec![FORUM, REFERRAL],
        16 => vec![
            PHONE,
            (
                "envoi_outil",
                Some("Guide de déploiement de la téléconsultation"),
            ),
        ],
        18 | 21 => vec![PHONE, FORUM],
        22 => vec![PHONE, REFERRAL],
        0..=23 => vec![PHONE],
        _ => return None,
    };
    let summary = match items.first().map(|item| item.0) {
        Some("visioconference") => "Échange en visioconférence avec l'équipe, démonstration d'outils.",
        Some("post_forum") => "Réponse publiée dans le fil de discussion, puis mise en relation.",
        _ => "Appel téléphonique avec la direction et l'équipe informatique : conseils et points de vigilance.",
    };
    Some((items, summary))
}

/// Ratings of the closed requests (the first 20); `None`: closed without a rating.
const RATINGS: [Option<i32>; 20] = [
    Some(5),
    Some(5),
    Some(4),
    Some(5),
    Some(3),
    Some(5),
    Some(4),
    None,
    Some(5),
    Some(5),
    Some(4),
    Some(5),
    Some(5),
    Some(4),
    Some(3),
    None,
    Some(5),
    Some(4),
    Some(5),
    Some(5),
];

/// Requests 0..20 are closed, 20..24 answered and waiting for a rating, 24..26 in progress.
const CLOSED: usize = 20;
const ANSWERED: usize = 24;

/// Writes the dataset in one transaction. Refuses a database that already holds
/// applications unless `force`, and one that already holds the dataset in any case.
pub fn load(conn: &mut DbConnection, force: bool) -> Result<DemoSummary, BilanError> {
    write_transaction(conn, |conn| {
        let present: i64 = applications::table
            .filter(applications::id.eq(id(Kind::Application, 0)))
            .count()
            .get_result(conn)?;
        if present > 0 {
            return Err(BilanError::DemoAlreadyLoaded);
        }
        let existing: i64 = applications::table.count().get_result(conn)?;
        if existing > 0 && !force {
            return Err(BilanError::DatabaseNotEmpty(existing));
        }
        let applications = load_volunteers(conn)?;
        load_requests(conn)?;
        // Processes that keep volunteer profiles in memory reload them.
        entraide_store::matching::bump_volunteer_profiles(conn)?;
        Ok(DemoSummary {
            applications,
            volunteers: VOLUNTEERS.len(),
            establishments: REQUESTS.len(),
            requests: REQUESTS.len(),
        })
    })
}

fn insert_user(
    conn: &mut DbConnection,
    user_id: &str,
    email: &str,
    name: &str,
    role: Role,
    when: NaiveDateTime,
) -> Result<(), BilanError> {
    diesel::insert_into(users::table)
        .values((
            users::id.eq(user_id),
            users::email.eq(email),
            users::name.eq(Some(name)),
            users::created_at.eq(when),
            users::updated_at.eq(when),
        ))
        .execute(conn)?;
    diesel::insert_into(user_roles::table)
        .values((
            user_roles::user_id.eq(user_id),
            user_roles::role.eq(role.as_str()),
            user_roles::created_at.eq(when),
        ))
        .execute(conn)?;
    Ok(())
}

/// An applicant's profile as stored on the application (and on the volunteer).
struct Profile<'a> {
    name: String,
    email: String,
    phone: String,
    gender: Gender,
    role: JobRole,
    sector: Option<Sector>,
    status: LegalStatus,
    department: &'a str,
    themes: Vec<&'a str>,
    organisation: &'a str,
    presentation: String,
}

fn presentation(profile: &Profile<'_>) -> String {
    let sector = profile
        .sector
        .map(|sector| format!("{}, ", sector.label().to_lowercase()))
        .unwrap_or_default();
    format!(
        "{} ({sector}{}), je peux aider sur : {}.",
        profile.role.label(),
        profile.organisation,
        profile.themes.join(", ")
    )
}

fn insert_application(
    conn: &mut DbConnection,
    index: usize,
    profile: &Profile<'_>,
    status: &str,
    created: NaiveDateTime,
    decided: Option<NaiveDateTime>,
    reason: Option<&str>,
) -> Result<(), BilanError> {
    let application_id = id(Kind::Application, index);
    diesel::insert_into(applications::table)
        .values((
            applications::id.eq(&application_id),
            applications::email.eq(&profile.email),
            applications::name.eq(&profile.name),
            applications::phone.eq(&profile.phone),
            applications::gender.eq(Some(profile.gender.as_str())),
            applications::job_role.eq(profile.role.as_str()),
            applications::origin_sector.eq(profile.sector.map(Sector::as_str)),
            applications::origin_status.eq(profile.status.as_str()),
            applications::department.eq(profile.department),
            applications::region.eq(region_of(profile.department)),
            applications::presentation.eq(&profile.presentation),
            applications::capacity.eq(3),
            applications::own_organisation.eq(Some(profile.organisation)),
            applications::publication_consent.eq(true),
            applications::status.eq(status),
            applications::rejection_reason.eq(reason),
            applications::decided_at.eq(decided),
            applications::created_at.eq(created),
            applications::updated_at.eq(decided.unwrap_or(created)),
        ))
        .execute(conn)?;
    for theme in &profile.themes {
        diesel::insert_into(application_themes::table)
            .values((
                application_themes::application_id.eq(&application_id),
                application_themes::theme_id.eq(*theme),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// When volunteer `index` applied: the first nine days, several a day.
fn applied_at(index: usize) -> NaiveDateTime {
    at(4, 2 + (index % 7) as u32, 8, 0) + minutes(7 * index as i64)
}

/// Applications and volunteers; returns the number of applications.
fn load_volunteers(conn: &mut DbConnection) -> Result<usize, BilanError> {
    for (index, v) in VOLUNTEERS.iter().enumerate() {
        let name = format!("{} {}", v.first, v.last);
        let mut profile = Profile {
            email: format!("{}.{}@entraide-demo.example", slug(v.first), slug(v.last)),
            phone: phone(index),
            gender: v.gender,
            role: v.role,
            sector: v.sector,
            status: v.status,
            department: v.department,
            themes: v.themes.to_vec(),
            organisation: v.organisation,
            presentation: String::new(),
            name,
        };
        profile.presentation = presentation(&profile);
        let created = applied_at(index);
        let decided = created + TimeDelta::days(1) + minutes(90);
        insert_application(
            conn,
            index,
            &profile,
            "accepted",
            created,
            Some(decided),
            None,
        )?;
        let user_id = id(Kind::VolunteerUser, index);
        insert_user(
            conn,
            &user_id,
            &profile.email,
            &profile.name,
            Role::Volunteer,
            decided,
        )?;
        let volunteer_id = id(Kind::Volunteer, index);
        diesel::insert_into(volunteers::table)
            .values((
                volunteers::id.eq(&volunteer_id),
                volunteers::user_id.eq(&user_id),
                volunteers::application_id.eq(id(Kind::Application, index)),
                volunteers::name.eq(&profile.name),
                volunteers::phone.eq(&profile.phone),
                volunteers::gender.eq(Some(profile.gender.as_str())),
                volunteers::job_role.eq(profile.role.as_str()),
                volunteers::origin_sector.eq(profile.sector.map(Sector::as_str)),
                volunteers::origin_status.eq(profile.status.as_str()),
                volunteers::department.eq(profile.department),
                volunteers::region.eq(region_of(profile.department)),
                volunteers::presentation.eq(&profile.presentation),
                volunteers::capacity.eq(3 + (index % 3) as i32),
                volunteers::own_organisation.eq(Some(profile.organisation)),
                volunteers::publication_consent.eq(true),
                volunteers::active.eq(true),
                volunteers::created_at.eq(decided),
                volunteers::updated_at.eq(decided),
            ))
            .execute(conn)?;
        for theme in v.themes {
            diesel::insert_into(volunteer_themes::table)
                .values((
                    volunteer_themes::volunteer_id.eq(&volunteer_id),
                    volunteer_themes::theme_id.eq(*theme),
                ))
                .execute(conn)?;
        }
    }
    // 31 rejected, then 4 still pending at the end of the period.
    let others = 35;
    let departments = [
        "75", "69", "13", "59", "31", "33", "67", "44", "35", "34", "06", "38",
    ];
    let themes = [TT, SIMS, PCA, TELEMED, CYBER, INFRA];
    for other in 0..others {
        let index = VOLUNTEERS.len() + other;
        let (first, gender) = OTHER_FIRST[other % OTHER_FIRST.len()];
        let last = OTHER_LAST[(other * 5) % OTHER_LAST.len()];
        let mut profile = Profile {
            name: format!("{first} {last}"),
            email: format!(
                "{}.{}{}@entraide-demo.example",
                slug(first),
                slug(last),
                other + 1
            ),
            phone: phone(index),
            gender,
            role: [Dsi, Rsi, RoleOther, Cdp][other % 4],
            sector: Some([San, Ms, SectorOther][other % 3]),
            status: [Pub, Pnl, Pl][(other / 3) % 3],
            department: departments[other % departments.len()],
            themes: vec![
                themes[other % themes.len()],
                themes[(other + 2) % themes.len()],
            ],
            organisation: "Structure non précisée",
            presentation: String::new(),
        };
        profile.presentation = presentation(&profile);
        let created = if other < 31 {
            at(4, 3 + (other % 24) as u32, 11, 0) + minutes(11 * other as i64)
        } else {
            // Still waiting for staff at the end of the period: sent in its last days.
            at(4, 27 + (other % 2) as u32, 15, 0) + minutes(11 * other as i64)
        };
        if other < 31 {
            let decided = created + TimeDelta::days(2);
            let reason = REJECTION_REASONS[other % REJECTION_REASONS.len()];
            insert_application(
                conn,
                index,
                &profile,
                "rejected",
                created,
                Some(decided),
                Some(reason),
            )?;
        } else {
            insert_application(conn, index, &profile, "pending", created, None, None)?;
        }
    }
    Ok(VOLUNTEERS.len() + others)
}

struct Transition<'a> {
    from: Option<&'a str>,
    to: &'a str,
    actor: Option<String>,
    when: NaiveDateTime,
}

#[allow(clippy::too_many_arguments)]
fn insert_proposal(
    conn: &mut DbConnection,
    index: usize,
    request_id: &str,
    volunteer: usize,
    wave: i32,
    rank: i32,
    status: &str,
    created: NaiveDateTime,
    responded: Option<NaiveDateTime>,
) -> Result<String, BilanError> {
    let proposal_id = id(Kind::Proposal, index);
    diesel::insert_into(proposals::table)
        .values((
            proposals::id.eq(&proposal_id),
            proposals::request_id.eq(request_id),
            proposals::volunteer_id.eq(id(Kind::Volunteer, volunteer)),
            proposals::wave.eq(wave),
            proposals::rank.eq(rank),
            proposals::score.eq(0.9 - 0.1 * f64::from(rank)),
            proposals::reasons.eq("[\"Thèmes en commun avec la demande\"]"),
            proposals::status.eq(status),
            proposals::created_at.eq(created),
            proposals::expires_at.eq(created + TimeDelta::hours(24)),
            proposals::responded_at.eq(responded),
            proposals::decline_reason
                .eq((status == "declined").then_some("Indisponible cette semaine.")),
        ))
        .execute(conn)?;
    Ok(proposal_id)
}

/// Establishments, requesters, requests and everything that happened to them.
fn load_requests(conn: &mut DbConnection) -> Result<(), BilanError> {
    let mut transition_index = 0;
    let mut proposal_index = 0;
    for (j, request) in REQUESTS.iter().enumerate() {
        let created = at(4, 10, 8, 30) + TimeDelta::hours(13 * j as i64) + minutes(17 * j as i64);
        let establishment_id = id(Kind::Establishment, j);
        let domain = entraide_core::fold_to_slug(request.establishment);
        diesel::insert_into(establishments::table)
            .values((
                establishments::id.eq(&establishment_id),
                establishments::finess.eq(finess(request.department, j)),
                establishments::name.eq(request.establishment),
                establishments::kind.eq(request.kind.as_str()),
                establishments::legal_status.eq(request.status.as_str()),
                establishments::department.eq(request.department),
                establishments::region.eq(region_of(request.department)),
                establishments::created_at.eq(created),
                establishments::updated_at.eq(created),
            ))
            .execute(conn)?;
        let (first, last) = request.contact;
        let contact_name = format!("{first} {last}");
        let contact_email = format!("{}.{}@{domain}.example", slug(first), slug(last));
        let requester_id = id(Kind::RequesterUser, j);
        insert_user(
            conn,
            &requester_id,
            &contact_email,
            &contact_name,
            Role::Requester,
            created,
        )?;
        let request_id = id(Kind::Request, j);
        let volunteer_user = id(Kind::VolunteerUser, request.volunteer);

        // Proposals: three at once; every fifth request needs a second wave because
        // the first two volunteers let it expire.
        let first_proposal = created + minutes(20 + (j as i64 * 7) % 50);
        let others = [
            (request.volunteer + 5) % VOLUNTEERS.len(),
            (request.volunteer + 11) % VOLUNTEERS.len(),
        ];
        let second_wave = j % 5 == 4;
        let accepted_at = if second_wave {
            first_proposal + TimeDelta::hours(25 + (j as i64 % 3))
        } else {
            first_proposal + TimeDelta::hours(1 + j as i64 % 6)
        };
        let resolved_at =
            (j < ANSWERED).then(|| accepted_at + TimeDelta::hours(20 + (j as i64 * 5) % 50));
        let rating = RATINGS.get(j).copied().flatten();
        let closed_at = (j < CLOSED).then(|| {
            resolved_at.unwrap_or(accepted_at) + TimeDelta::hours(24 + (j as i64 % 3) * 12)
        });
        let status = if j < CLOSED {
            "closed"
        } else if j < ANSWERED {
            "resolved"
        } else {
            "accepted"
        };
        let urgency = ["normal", "high", "normal", "critical", "low"][j % 5];
        diesel::insert_into(help_requests::table)
            .values((
                help_requests::id.eq(&request_id),
                help_requests::reference.eq(format!("DA-2020-{:04}", j + 1)),
                help_requests::establishment_id.eq(&establishment_id),
                help_requests::requester_user_id.eq(&requester_id),
                help_requests::contact_name.eq(&contact_name),
                help_requests::contact_email.eq(&contact_email),
                help_requests::contact_phone.eq(phone(100 + j)),
                help_requests::contact_job_role.eq([Dir, Dsi, RoleOther][j % 3].as_str()),
                help_requests::description.eq(request.description),
                help_requests::urgency.eq(urgency),
                help_requests::status.eq(status),
                // Taken at the wave shown by its proposals: no further wave is due.
                help_requests::wave.eq(if second_wave { 2 } else { 1 }),
                help_requests::last_wave.eq(Some(if second_wave { 2 } else { 1 })),
                help_requests::created_at.eq(created),
                help_requests::updated_at.eq(closed_at.or(resolved_at).unwrap_or(accepted_at)),
            ))
            .execute(conn)?;
        for (position, theme) in (0i32..).zip(request.themes) {
            diesel::insert_into(help_request_themes::table)
                .values((
                    help_request_themes::request_id.eq(&request_id),
                    help_request_themes::theme_id.eq(*theme),
                    help_request_themes::position.eq(position),
                ))
                .execute(conn)?;
        }

        let accepted_proposal;
        if second_wave {
            for (rank, other) in others.iter().enumerate() {
                insert_proposal(
                    conn,
                    proposal_index,
                    &request_id,
                    *other,
                    1,
                    rank as i32 + 1,
                    "expired",
                    first_proposal,
                    None,
                )?;
                proposal_index += 1;
            }
            accepted_proposal = insert_proposal(
                conn,
                proposal_index,
                &request_id,
                request.volunteer,
                2,
                1,
                "accepted",
                first_proposal + TimeDelta::hours(24),
                Some(accepted_at),
            )?;
            proposal_index += 1;
        } else {
            accepted_proposal = insert_proposal(
                conn,
                proposal_index,
                &request_id,
                request.volunteer,
                1,
                1,
                "accepted",
                first_proposal,
                Some(accepted_at),
            )?;
            proposal_index += 1;
            let declined = j % 3 == 0;
            insert_proposal(
                conn,
                proposal_index,
                &request_id,
                others[0],
                1,
                2,
                if declined { "declined" } else { "withdrawn" },
                first_proposal,
                declined.then(|| first_proposal + minutes(30)),
            )?;
            proposal_index += 1;
            insert_proposal(
                conn,
                proposal_index,
                &request_id,
                others[1],
                1,
                3,
                "withdrawn",
                first_proposal,
                None,
            )?;
            proposal_index += 1;
        }

        let mut trail = vec![
            Transition {
                from: None,
                to: "submitted",
                actor: Some(requester_id.clone()),
                when: created,
            },
            Transition {
                from: Some("submitted"),
                to: "proposed",
                actor: None,
                when: first_proposal,
            },
            Transition {
                from: Some("proposed"),
                to: "accepted",
                actor: Some(volunteer_user.clone()),
                when: accepted_at,
            },
        ];
        if let Some(resolved) = resolved_at {
            trail.push(Transition {
                from: Some("accepted"),
                to: "resolved",
                actor: Some(volunteer_user.clone()),
                when: resolved,
            });
        }
        if let Some(closed) = closed_at {
            // Closed by the requester's rating, or automatically after the delay.
            let actor = rating.map(|_| requester_id.clone());
            trail.push(Transition {
                from: Some("resolved"),
                to: "closed",
                actor,
                when: closed,
            });
        }
        for (seq, transition) in (1i32..).zip(trail) {
            diesel::insert_into(help_request_transitions::table)
                .values((
                    help_request_transitions::id.eq(id(Kind::Transition, transition_index)),
                    help_request_transitions::request_id.eq(&request_id),
                    help_request_transitions::from_status.eq(transition.from),
                    help_request_transitions::to_status.eq(transition.to),
                    help_request_transitions::actor_user_id.eq(transition.actor),
                    help_request_transitions::created_at.eq(transition.when),
                    help_request_transitions::seq.eq(seq),
                ))
                .execute(conn)?;
            transition_index += 1;
        }

        diesel::insert_into(cases::table)
            .values((
                cases::request_id.eq(&request_id),
                cases::volunteer_id.eq(id(Kind::Volunteer, request.volunteer)),
                cases::proposal_id.eq(Some(&accepted_proposal)),
                cases::accepted_at.eq(accepted_at),
                cases::resolved_at.eq(resolved_at),
                cases::closed_at.eq(closed_at),
            ))
            .execute(conn)?;
        if let (Some(resolved), Some((items, summary))) = (resolved_at, answer(j)) {
            diesel::insert_into(case_answers::table)
                .values((
                    case_answers::request_id.eq(&request_id),
                    case_answers::summary.eq(summary),
                    case_answers::time_spent_minutes.eq(30 + (j as i32 * 17) % 150),
                    case_answers::created_at.eq(resolved),
                ))
                .execute(conn)?;
            for (position, (answer_type, tool)) in (0i32..).zip(items) {
                diesel::insert_into(case_answer_items::table)
                    .values((
                        case_answer_items::request_id.eq(&request_id),
                        case_answer_items::position.eq(position),
                        case_answer_items::answer_type.eq(answer_type),
                        case_answer_items::tool_name.eq(tool),
                    ))
                    .execute(conn)?;
            }
        }
        if let (Some(rating), Some(closed)) = (rating, closed_at) {
            diesel::insert_into(case_ratings::table)
                .values((
                    case_ratings::request_id.eq(&request_id),
                    case_ratings::rating.eq(rating),
                    case_ratings::comment.eq((rating == 5).then_some("Aide très utile, merci !")),
                    case_ratings::created_at.eq(closed),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::collections::{HashMap, HashSet};

    use super::*;

    #[test]
    fn the_tables_match_the_2020_report() {
        let count = |f: &dyn Fn(&Volunteer) -> bool| VOLUNTEERS.iter().filter(|v| f(v)).count();
        assert_eq!(count(&|v| v.gender == H), 29);
        assert_eq!(count(&|v| v.gender == F), 8);
        assert_eq!(count(&|v| v.sector == Some(San)), 17);
        assert_eq!(count(&|v| v.sector == Some(Ms)), 18);
        assert_eq!(count(&|v| v.sector.is_none()), 2);
        assert_eq!(count(&|v| v.status.is_private()), 25);
        let regions: HashSet<String> = VOLUNTEERS.iter().map(|v| region_of(v.department)).collect();
        assert_eq!(regions.len(), 12);
        let kinds = |k| REQUESTS.iter().filter(|r| r.kind == k).count();
        assert_eq!((kinds(Es), kinds(Esms), kinds(Amb)), (17, 8, 1));
        let handlers: HashSet<usize> = REQUESTS.iter().map(|r| r.volunteer).collect();
        assert_eq!(handlers.len(), 11);
        let mut load: HashMap<usize, usize> = HashMap::new();
        for r in &REQUESTS {
            *load.entry(r.volunteer).or_default() += 1;
        }
        let mut load: Vec<usize> = load.into_values().collect();
        load.sort_unstable_by(|a, b| b.cmp(a));
        assert_eq!(load, [5, 4, 3, 3, 2, 2, 2, 2, 1, 1, 1]);
        let tools = (0..26)
            .filter_map(answer)
            .filter(|(items, _)| items.iter().any(|(t, _)| *t == "envoi_outil"))
            .count();
        assert_eq!(tools, 3);
    }

    #[test]
    fn generated_identifiers_are_valid() {
        for (j, r) in REQUESTS.iter().enumerate() {
            assert!(
                Finess::parse(&finess(r.department, j)).is_ok(),
                "{}",
                r.establishment
            );
        }
        assert_eq!(phone(7), "+33199000007");
        assert_eq!(slug("Éric"), "eric");
        assert_eq!(slug("Le Gall"), "le.gall");
        assert_eq!(
            id(Kind::Volunteer, 5),
            "20200402-0000-4000-8000-000300000005"
        );
    }
}
