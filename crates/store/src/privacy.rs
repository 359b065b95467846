//! Personal data (issue 10): what the service holds about a person (export, GDPR art. 15
//! and 20), erasure that keeps the bilan's figures (art. 17), and the retention purge.
//!
//! * [`TABLES`] classifies every table: exported (and under which key of
//!   [`PersonalData`]) or holding nothing about a person. A test lists the database's
//!   tables and fails on one that is not classified, so a new table cannot be forgotten.
//! * [`export`] gathers everything about one person.
//! * [`erase_person`] removes a person's identity and the free text they wrote, in place:
//!   rows stay, with what the bilan counts (gender, role, sector, status, region,
//!   department, themes, dates, states, answer types, tool names), so that every past
//!   bilan gives the same figures. The caller first hands the person's open work back
//!   ([`open_work`]); erasure refuses while some remains.
//! * [`purge`] applies the retention periods ([`RetentionSettings`]), as a dry run or for
//!   real; every change is a conditional claim, so several processes may run it at once.
//!
//! Every function takes `now`: tests move a manual clock instead of waiting years.

use std::collections::BTreeSet;

use chrono::{NaiveDateTime, TimeDelta};
use diesel::dsl::max;
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};
use entraide_core::PhoneNumber;
use serde::Serialize;
use uuid::Uuid;

use crate::requests::RequestStatus;
use crate::schema::{
    application_themes, applications, case_answer_items, case_answers, case_ratings, cases,
    establishments, help_request_themes, help_request_transitions, help_requests, outbox,
    proposals, sessions, sign_in_tokens, user_roles, users, volunteer_themes, volunteers,
};
use crate::users::parse_id;
use crate::{write_transaction, DbConnection, StoreError, StoreResult};

// --- What every table holds ---

/// What the export does with a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableUse {
    /// Rows about a person are exported, under this key of [`PersonalData`].
    Exported {
        /// The key of the export that holds them.
        section: &'static str,
        /// Which rows, in one line.
        why: &'static str,
    },
    /// The table holds nothing about a person.
    NotPersonal(&'static str),
}

/// Every table of the schema, classified. A table missing here fails the tests: adding a
/// table means deciding whether it holds personal data and, if so, exporting it.
pub const TABLES: &[(&str, TableUse)] = &[
    (
        "users",
        TableUse::Exported {
            section: "user",
            why: "the account: e-mail address, name, dates",
        },
    ),
    (
        "user_roles",
        TableUse::Exported {
            section: "roles",
            why: "the roles the person holds, since when",
        },
    ),
    (
        "sign_in_tokens",
        TableUse::Exported {
            section: "sign_in_links",
            why: "sign-in links sent: creation, expiry and use dates (never the hash)",
        },
    ),
    (
        "sessions",
        TableUse::Exported {
            section: "sessions",
            why: "sessions opened: start, end, revocation",
        },
    ),
    (
        "outbox",
        TableUse::Exported {
            section: "emails",
            why: "e-mails addressed to one of the person's addresses",
        },
    ),
    (
        "applications",
        TableUse::Exported {
            section: "applications",
            why: "volunteer applications sent from the person's address",
        },
    ),
    (
        "application_themes",
        TableUse::Exported {
            section: "applications",
            why: "themes of those applications",
        },
    ),
    (
        "volunteers",
        TableUse::Exported {
            section: "volunteer",
            why: "the person's volunteer profile",
        },
    ),
    (
        "volunteer_themes",
        TableUse::Exported {
            section: "volunteer",
            why: "themes of that profile",
        },
    ),
    (
        "establishments",
        TableUse::NotPersonal(
            "legal entities (FINESS register), not people; shown within the requests citing them",
        ),
    ),
    (
        "help_requests",
        TableUse::Exported {
            section: "requests",
            why: "requests the person submitted or is the contact of",
        },
    ),
    (
        "help_request_themes",
        TableUse::Exported {
            section: "requests",
            why: "themes of those requests",
        },
    ),
    (
        "help_request_transitions",
        TableUse::Exported {
            section: "requests",
            why: "audit trail of those requests (and, under `actions`, the changes the person made)",
        },
    ),
    (
        "proposals",
        TableUse::Exported {
            section: "proposals",
            why: "requests offered to the person as a volunteer (and, under `actions`, those they proposed as staff)",
        },
    ),
    (
        "cases",
        TableUse::Exported {
            section: "cases",
            why: "cases the person held as a volunteer or received as a requester",
        },
    ),
    (
        "case_answers",
        TableUse::Exported {
            section: "cases",
            why: "the answer recorded on those cases",
        },
    ),
    (
        "case_answer_items",
        TableUse::Exported {
            section: "cases",
            why: "answer types and tools of those answers",
        },
    ),
    (
        "case_ratings",
        TableUse::Exported {
            section: "cases",
            why: "the requester's rating of those cases",
        },
    ),
    (
        "change_counters",
        TableUse::NotPersonal("version numbers of in-memory copies"),
    ),
    (
        "request_facts",
        TableUse::Exported {
            section: "cases",
            why: "the bilan's copy of figures of those cases and their requests (dates, status, \
                  counts, the volunteer): each value is exported with the case or request it copies",
        },
    ),
    (
        "themes",
        TableUse::NotPersonal("reference list of themes"),
    ),
];

// --- What erased data becomes ---

/// Name given to an erased person, applicant or contact.
pub const ERASED_NAME: &str = "Personne effacée";

/// What replaces erased free text, and an erased value quoted in someone else's text.
pub const ERASED_TEXT: &str = "[effacé]";

/// Phone number of an erased person: in the range ARCEP reserves for fiction
/// (01 99 00 xx xx), so that it is valid for the type and reaches nobody.
pub const ERASED_PHONE: &str = "+33199000000";

/// Body of an e-mail already sent (or given up) that quoted an erased person.
pub const ERASED_EMAIL_BODY: &str =
    "[contenu effacé : ce message concernait une personne dont les données ont été effacées]";

/// Body of a sent e-mail past its retention period.
pub const PURGED_EMAIL_BODY: &str = "[contenu supprimé : durée de conservation écoulée]";

/// The address of an erased person (or application, or request contact) with this id:
/// valid for the type, unique, and in the `.invalid` top-level domain (RFC 2606), which
/// no mail ever reaches.
pub fn erased_email(id: Uuid) -> String {
    format!("efface-{id}@entraide.invalid")
}

/// Shortest name, address or phone number searched for in other people's text: shorter
/// ones would match unrelated words.
const MIN_IDENTIFIER_CHARS: usize = 4;

/// Shortest free text searched for in other rows (e-mails quoting it): shorter texts are
/// erased where they were written only.
const MIN_TEXT_CHARS: usize = 20;

diesel::define_sql_function! {
    /// SQL `REPLACE`, the same on both backends.
    #[sql_name = "REPLACE"]
    fn replace_text(text: Text, from: Text, to: Text) -> Text;
}

diesel::define_sql_function! {
    /// SQL `REPLACE` on a nullable column.
    #[sql_name = "REPLACE"]
    fn replace_nullable(text: Nullable<Text>, from: Text, to: Text) -> Nullable<Text>;
}

/// Escapes text as the e-mail templates write it into HTML bodies (see the notifier):
/// an erased value must be found in both bodies.
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

// --- Export ---

/// The account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRecord {
    /// Id.
    pub id: String,
    /// Sign-in address.
    pub email: String,
    /// Name, when known.
    pub name: Option<String>,
    /// Creation.
    pub created_at: NaiveDateTime,
    /// Last change.
    pub updated_at: NaiveDateTime,
    /// Set when the account may no longer sign in.
    pub disabled_at: Option<NaiveDateTime>,
    /// Set when the person was erased.
    pub erased_at: Option<NaiveDateTime>,
    /// Latest sign-in, kept when old sessions are deleted.
    pub last_sign_in_at: Option<NaiveDateTime>,
}

/// A role held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Queryable, Selectable)]
#[diesel(table_name = user_roles)]
pub struct RoleRecord {
    /// `staff`, `volunteer` or `requester`.
    pub role: String,
    /// Since when.
    pub created_at: NaiveDateTime,
}

/// A sign-in link sent (the token's hash is never exported).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Queryable, Selectable)]
#[diesel(table_name = sign_in_tokens)]
pub struct SignInLinkRecord {
    /// When it was sent.
    pub created_at: NaiveDateTime,
    /// When it expired.
    pub expires_at: NaiveDateTime,
    /// When it was used.
    pub used_at: Option<NaiveDateTime>,
}

/// A session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct SessionRecord {
    /// Id (the token's `jti`).
    pub id: String,
    /// Start.
    pub created_at: NaiveDateTime,
    /// Planned end.
    pub expires_at: NaiveDateTime,
    /// Sign-out or revocation.
    pub revoked_at: Option<NaiveDateTime>,
}

/// A volunteer application, as sent, with staff's decision.
#[derive(Debug, Clone, PartialEq, Serialize, Queryable, Selectable)]
#[diesel(table_name = applications)]
pub struct ApplicationRecord {
    /// Id.
    pub id: String,
    /// Address given.
    pub email: String,
    /// Name given.
    pub name: String,
    /// Phone number (E.164).
    pub phone: String,
    /// Gender code, when given.
    pub gender: Option<String>,
    /// Job role code.
    pub job_role: String,
    /// Sector of origin code (`None`: not stated).
    pub origin_sector: Option<String>,
    /// Legal status code of the structure of origin.
    pub origin_status: String,
    /// Department code.
    pub department: String,
    /// Region code.
    pub region: String,
    /// Presentation.
    pub presentation: String,
    /// Open cases at once.
    pub capacity: i32,
    /// Where the applicant works.
    pub own_organisation: Option<String>,
    /// Consent to appear in the public directory.
    pub publication_consent: bool,
    /// `pending`, `accepted` or `rejected`.
    pub status: String,
    /// Staff's reason for a rejection.
    pub rejection_reason: Option<String>,
    /// Decision date.
    pub decided_at: Option<NaiveDateTime>,
    /// Staff member who decided.
    pub decided_by: Option<String>,
    /// Sent at.
    pub created_at: NaiveDateTime,
    /// Last change.
    pub updated_at: NaiveDateTime,
    /// Set when the applicant's identity was removed.
    pub erased_at: Option<NaiveDateTime>,
}

/// An application with its themes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApplicationData {
    /// The application.
    #[serde(flatten)]
    pub application: ApplicationRecord,
    /// Expertise themes (ids).
    pub themes: Vec<String>,
}

/// The volunteer profile.
#[derive(Debug, Clone, PartialEq, Serialize, Queryable, Selectable)]
#[diesel(table_name = volunteers)]
pub struct VolunteerRecord {
    /// Id.
    pub id: String,
    /// The application it came from.
    pub application_id: String,
    /// Name.
    pub name: String,
    /// Phone number (E.164).
    pub phone: String,
    /// Gender code.
    pub gender: Option<String>,
    /// Job role code.
    pub job_role: String,
    /// Sector of origin code (`None`: not stated).
    pub origin_sector: Option<String>,
    /// Legal status code of the structure of origin.
    pub origin_status: String,
    /// Department code.
    pub department: String,
    /// Region code.
    pub region: String,
    /// Presentation.
    pub presentation: String,
    /// Open cases at once.
    pub capacity: i32,
    /// Where the volunteer works.
    pub own_organisation: Option<String>,
    /// Consent to appear in the public directory.
    pub publication_consent: bool,
    /// Paused through this day.
    pub paused_until: Option<chrono::NaiveDate>,
    /// In the directory and in matching.
    pub active: bool,
    /// Deactivation.
    pub deactivated_at: Option<NaiveDateTime>,
    /// Acceptance.
    pub created_at: NaiveDateTime,
    /// Last change.
    pub updated_at: NaiveDateTime,
}

/// The volunteer profile with its themes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VolunteerData {
    /// The profile.
    #[serde(flatten)]
    pub profile: VolunteerRecord,
    /// Expertise themes (ids).
    pub themes: Vec<String>,
}

/// The establishment a request came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Queryable, Selectable)]
#[diesel(table_name = establishments)]
pub struct EstablishmentRecord {
    /// Id.
    pub id: String,
    /// FINESS number.
    pub finess: String,
    /// Name.
    pub name: String,
    /// Kind code.
    pub kind: String,
}

/// A help request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Queryable, Selectable)]
#[diesel(table_name = help_requests)]
pub struct RequestRecord {
    /// Id.
    pub id: String,
    /// Reference.
    pub reference: String,
    /// Establishment id.
    pub establishment_id: String,
    /// Account that owns it.
    pub requester_user_id: String,
    /// Contact person.
    pub contact_name: String,
    /// Contact address.
    pub contact_email: String,
    /// Contact phone (E.164).
    pub contact_phone: String,
    /// Contact's job role code.
    pub contact_job_role: String,
    /// What was needed.
    pub description: String,
    /// Urgency code.
    pub urgency: String,
    /// State.
    pub status: String,
    /// Submission.
    pub created_at: NaiveDateTime,
    /// Last change.
    pub updated_at: NaiveDateTime,
    /// Cancellation.
    pub cancelled_at: Option<NaiveDateTime>,
    /// Why it was cancelled.
    pub cancel_reason: Option<String>,
    /// Set when the contact details were removed.
    pub contact_erased_at: Option<NaiveDateTime>,
}

/// One change of state of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Queryable, Selectable)]
#[diesel(table_name = help_request_transitions)]
pub struct TransitionRecord {
    /// The request.
    pub request_id: String,
    /// State before.
    pub from_status: Option<String>,
    /// State after.
    pub to_status: String,
    /// Who acted (`null`: the service).
    pub actor_user_id: Option<String>,
    /// Why.
    pub reason: Option<String>,
    /// When.
    pub created_at: NaiveDateTime,
}

/// A request with its establishment, themes and audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestData {
    /// The request.
    #[serde(flatten)]
    pub request: RequestRecord,
    /// The establishment.
    pub establishment: EstablishmentRecord,
    /// Themes (ids), main one first.
    pub themes: Vec<String>,
    /// Its changes of state.
    pub transitions: Vec<TransitionRecord>,
}

/// A request offered to the person as a volunteer.
#[derive(Debug, Clone, PartialEq, Serialize, Queryable, Selectable)]
#[diesel(table_name = proposals)]
pub struct ProposalRecord {
    /// Id.
    pub id: String,
    /// The request.
    pub request_id: String,
    /// Wave.
    pub wave: i32,
    /// Rank in the matching.
    pub rank: i32,
    /// Matching score.
    pub score: f64,
    /// Matching reasons (JSON array of French strings).
    pub reasons: String,
    /// State.
    pub status: String,
    /// Staff member who proposed it.
    pub proposed_by: Option<String>,
    /// Sent at.
    pub created_at: NaiveDateTime,
    /// Expiry.
    pub expires_at: NaiveDateTime,
    /// Reminder.
    pub reminded_at: Option<NaiveDateTime>,
    /// Answer.
    pub responded_at: Option<NaiveDateTime>,
    /// Reason for declining.
    pub decline_reason: Option<String>,
}

/// A case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Queryable, Selectable)]
#[diesel(table_name = cases)]
pub struct CaseRow {
    /// The request.
    pub request_id: String,
    /// The volunteer holding it.
    pub volunteer_id: String,
    /// The proposal accepted.
    pub proposal_id: Option<String>,
    /// Acceptance.
    pub accepted_at: NaiveDateTime,
    /// Answer.
    pub resolved_at: Option<NaiveDateTime>,
    /// Closing.
    pub closed_at: Option<NaiveDateTime>,
}

/// The answer of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Queryable, Selectable)]
#[diesel(table_name = case_answers)]
pub struct AnswerRecord {
    /// Summary.
    pub summary: String,
    /// Time spent, in minutes.
    pub time_spent_minutes: i32,
    /// When.
    pub created_at: NaiveDateTime,
}

/// One answer type of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Queryable, Selectable)]
#[diesel(table_name = case_answer_items)]
pub struct AnswerItemRecord {
    /// Order.
    pub position: i32,
    /// Answer type code.
    pub answer_type: String,
    /// Tool sent.
    pub tool_name: Option<String>,
    /// Link to it.
    pub tool_link: Option<String>,
}

/// The rating of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Queryable, Selectable)]
#[diesel(table_name = case_ratings)]
pub struct RatingRecord {
    /// 1 to 5.
    pub rating: i32,
    /// Comment.
    pub comment: Option<String>,
    /// When.
    pub created_at: NaiveDateTime,
}

/// A case, with its answer and rating, and the person's side of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseData {
    /// `volunteer` (the person held it) or `requester` (it was their request).
    pub side: &'static str,
    /// The case.
    #[serde(flatten)]
    pub case: CaseRow,
    /// The answer, once recorded.
    pub answer: Option<AnswerRecord>,
    /// Its answer types.
    pub answer_items: Vec<AnswerItemRecord>,
    /// The rating, once given.
    pub rating: Option<RatingRecord>,
}

/// A staff decision on an application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Queryable)]
pub struct DecisionRecord {
    /// The application.
    pub application_id: String,
    /// The decision.
    pub status: String,
    /// When.
    pub decided_at: Option<NaiveDateTime>,
}

/// A proposal made by staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Queryable)]
pub struct ProposalMadeRecord {
    /// The proposal.
    pub proposal_id: String,
    /// The request.
    pub request_id: String,
    /// When.
    pub created_at: NaiveDateTime,
}

/// What the person did to other people's records (staff, mostly).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Actions {
    /// Changes of state of requests made by the person, with their reasons.
    pub transitions: Vec<TransitionRecord>,
    /// Applications the person decided on.
    pub decisions: Vec<DecisionRecord>,
    /// Proposals the person made by hand.
    pub proposals_made: Vec<ProposalMadeRecord>,
}

/// An e-mail addressed to the person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct EmailRecord {
    /// Id.
    pub id: String,
    /// Message kind.
    pub kind: String,
    /// Address.
    pub recipient: String,
    /// Subject.
    pub subject: String,
    /// Text body (the HTML body says the same).
    pub body_text: String,
    /// `pending`, `sending`, `sent` or `dead`.
    pub status: String,
    /// Queued at.
    pub created_at: NaiveDateTime,
    /// Sent at.
    pub sent_at: Option<NaiveDateTime>,
}

/// Everything the service holds about one person.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonalData {
    /// When the export was made (UTC).
    pub generated_at: NaiveDateTime,
    /// The account.
    pub user: UserRecord,
    /// Roles.
    pub roles: Vec<RoleRecord>,
    /// Sign-in links sent (dates only).
    pub sign_in_links: Vec<SignInLinkRecord>,
    /// Sessions.
    pub sessions: Vec<SessionRecord>,
    /// Volunteer applications sent from the person's addresses.
    pub applications: Vec<ApplicationData>,
    /// The volunteer profile.
    pub volunteer: Option<VolunteerData>,
    /// Help requests the person submitted or is the contact of.
    pub requests: Vec<RequestData>,
    /// Requests offered to the person as a volunteer.
    pub proposals: Vec<ProposalRecord>,
    /// Cases held as a volunteer, or received as a requester.
    pub cases: Vec<CaseData>,
    /// Changes the person made to other records.
    pub actions: Actions,
    /// E-mails addressed to the person.
    pub emails: Vec<EmailRecord>,
}

/// The keys of [`PersonalData`] that [`TABLES`] may name.
pub const SECTIONS: &[&str] = &[
    "user",
    "roles",
    "sign_in_links",
    "sessions",
    "applications",
    "volunteer",
    "requests",
    "proposals",
    "cases",
    "actions",
    "emails",
];

fn volunteer_of(conn: &mut DbConnection, user_id: &str) -> StoreResult<Option<VolunteerRecord>> {
    Ok(volunteers::table
        .filter(volunteers::user_id.eq(user_id))
        .select(VolunteerRecord::as_select())
        .get_result(conn)
        .optional()?)
}

/// Ids of the applications of a person: sent from their address, or the one their
/// volunteer profile came from.
fn application_ids(
    conn: &mut DbConnection,
    email: &str,
    volunteer: Option<&VolunteerRecord>,
) -> StoreResult<Vec<String>> {
    let from_profile = volunteer.map(|v| v.application_id.clone());
    Ok(applications::table
        .filter(
            applications::email
                .eq(email)
                .or(applications::id.nullable().eq(from_profile)),
        )
        .order((applications::created_at.asc(), applications::id.asc()))
        .select(applications::id)
        .load(conn)?)
}

/// Ids of the requests of a person: those their account owns, or whose contact address
/// is theirs.
fn request_ids(conn: &mut DbConnection, user_id: &str, email: &str) -> StoreResult<Vec<String>> {
    Ok(help_requests::table
        .filter(
            help_requests::requester_user_id
                .eq(user_id)
                .or(help_requests::contact_email.eq(email)),
        )
        .order((help_requests::created_at.asc(), help_requests::id.asc()))
        .select(help_requests::id)
        .load(conn)?)
}

/// Every address the person was written to: the account's, and those given on their
/// applications and requests.
fn addresses(
    conn: &mut DbConnection,
    email: &str,
    application_ids: &[String],
    request_ids: &[String],
) -> StoreResult<BTreeSet<String>> {
    let mut found = BTreeSet::from([email.to_owned()]);
    found.extend(
        applications::table
            .filter(applications::id.eq_any(application_ids))
            .select(applications::email)
            .load::<String>(conn)?,
    );
    found.extend(
        help_requests::table
            .filter(help_requests::id.eq_any(request_ids))
            .select(help_requests::contact_email)
            .load::<String>(conn)?,
    );
    Ok(found)
}

fn case_data(conn: &mut DbConnection, case: CaseRow, side: &'static str) -> StoreResult<CaseData> {
    let key = case.request_id.clone();
    Ok(CaseData {
        side,
        answer: case_answers::table
            .find(&key)
            .select(AnswerRecord::as_select())
            .get_result(conn)
            .optional()?,
        answer_items: case_answer_items::table
            .filter(case_answer_items::request_id.eq(&key))
            .order(case_answer_items::position.asc())
            .select(AnswerItemRecord::as_select())
            .load(conn)?,
        rating: case_ratings::table
            .find(&key)
            .select(RatingRecord::as_select())
            .get_result(conn)
            .optional()?,
        case,
    })
}

/// Everything the service holds about the person `user_id` (`NotFound` when unknown), at
/// `now`.
pub fn export(
    conn: &mut DbConnection,
    user_id: Uuid,
    now: NaiveDateTime,
) -> StoreResult<PersonalData> {
    conn.transaction(|conn| {
        let id = user_id.to_string();
        let user: UserRecord = users::table
            .find(&id)
            .select(UserRecord::as_select())
            .get_result(conn)?;
        let roles = user_roles::table
            .filter(user_roles::user_id.eq(&id))
            .order(user_roles::role.asc())
            .select(RoleRecord::as_select())
            .load(conn)?;
        let sign_in_links = sign_in_tokens::table
            .filter(sign_in_tokens::user_id.eq(&id))
            .order(sign_in_tokens::created_at.asc())
            .select(SignInLinkRecord::as_select())
            .load(conn)?;
        let sessions = sessions::table
            .filter(sessions::user_id.eq(&id))
            .order(sessions::created_at.asc())
            .select(SessionRecord::as_select())
            .load(conn)?;
        let volunteer = volunteer_of(conn, &id)?;
        let application_ids = application_ids(conn, &user.email, volunteer.as_ref())?;
        let mut applications = Vec::with_capacity(application_ids.len());
        for application_id in &application_ids {
            let application: ApplicationRecord = applications::table
                .find(application_id)
                .select(ApplicationRecord::as_select())
                .get_result(conn)?;
            let themes = application_themes::table
                .filter(application_themes::application_id.eq(application_id))
                .order(application_themes::theme_id.asc())
                .select(application_themes::theme_id)
                .load(conn)?;
            applications.push(ApplicationData {
                application,
                themes,
            });
        }
        let volunteer = match volunteer {
            Some(profile) => {
                let themes = volunteer_themes::table
                    .filter(volunteer_themes::volunteer_id.eq(&profile.id))
                    .order(volunteer_themes::theme_id.asc())
                    .select(volunteer_themes::theme_id)
                    .load(conn)?;
                Some(VolunteerData { profile, themes })
            }
            None => None,
        };
        let request_ids = request_ids(conn, &id, &user.email)?;
        let mut requests = Vec::with_capacity(request_ids.len());
        for request_id in &request_ids {
            let request: RequestRecord = help_requests::table
                .find(request_id)
                .select(RequestRecord::as_select())
                .get_result(conn)?;
            let establishment = establishments::table
                .find(&request.establishment_id)
                .select(EstablishmentRecord::as_select())
                .get_result(conn)?;
            let themes = help_request_themes::table
                .filter(help_request_themes::request_id.eq(request_id))
                .order(help_request_themes::position.asc())
                .select(help_request_themes::theme_id)
                .load(conn)?;
            let transitions = help_request_transitions::table
                .filter(help_request_transitions::request_id.eq(request_id))
                .order((
                    help_request_transitions::created_at.asc(),
                    help_request_transitions::id.asc(),
                ))
                .select(TransitionRecord::as_select())
                .load(conn)?;
            requests.push(RequestData {
                request,
                establishment,
                themes,
                transitions,
            });
        }
        let volunteer_id = volunteer.as_ref().map(|v| v.profile.id.clone());
        let proposals = proposals::table
            .filter(proposals::volunteer_id.nullable().eq(volunteer_id.clone()))
            .order((proposals::created_at.asc(), proposals::id.asc()))
            .select(ProposalRecord::as_select())
            .load(conn)?;
        let mut cases = Vec::new();
        let held: Vec<CaseRow> = cases::table
            .filter(cases::volunteer_id.nullable().eq(volunteer_id))
            .order(cases::accepted_at.asc())
            .select(CaseRow::as_select())
            .load(conn)?;
        for case in held {
            cases.push(case_data(conn, case, "volunteer")?);
        }
        let received: Vec<CaseRow> = cases::table
            .filter(cases::request_id.eq_any(&request_ids))
            .order(cases::accepted_at.asc())
            .select(CaseRow::as_select())
            .load(conn)?;
        for case in received {
            cases.push(case_data(conn, case, "requester")?);
        }
        let actions = Actions {
            transitions: help_request_transitions::table
                .filter(help_request_transitions::actor_user_id.eq(&id))
                .order((
                    help_request_transitions::created_at.asc(),
                    help_request_transitions::id.asc(),
                ))
                .select(TransitionRecord::as_select())
                .load(conn)?,
            decisions: applications::table
                .filter(applications::decided_by.eq(&id))
                .order(applications::decided_at.asc())
                .select((
                    applications::id,
                    applications::status,
                    applications::decided_at,
                ))
                .load(conn)?,
            proposals_made: proposals::table
                .filter(proposals::proposed_by.eq(&id))
                .order(proposals::created_at.asc())
                .select((proposals::id, proposals::request_id, proposals::created_at))
                .load(conn)?,
        };
        let addresses = addresses(conn, &user.email, &application_ids, &request_ids)?;
        let emails = outbox::table
            .filter(outbox::recipient.eq_any(&addresses))
            .order((outbox::created_at.asc(), outbox::id.asc()))
            .select(EmailRecord::as_select())
            .load(conn)?;
        Ok(PersonalData {
            generated_at: now,
            user,
            roles,
            sign_in_links,
            sessions,
            applications,
            volunteer,
            requests,
            proposals,
            cases,
            actions,
            emails,
        })
    })
}

// --- Open work ---

/// What a person still has under way: it must be handed back (cases, proposals) or
/// cancelled (requests) before they are erased.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenWork {
    /// Requests the person holds as a volunteer and has not answered (`accepted`).
    pub accepted_cases: Vec<Uuid>,
    /// Proposals waiting for the person's answer.
    pub pending_proposals: Vec<Uuid>,
    /// The person's own requests still waiting for help (`submitted`, `proposed`,
    /// `accepted`, `unmatched`).
    pub open_requests: Vec<Uuid>,
}

impl OpenWork {
    /// Nothing under way.
    pub fn is_empty(&self) -> bool {
        self.accepted_cases.is_empty()
            && self.pending_proposals.is_empty()
            && self.open_requests.is_empty()
    }
}

fn uuids(rows: Vec<String>) -> StoreResult<Vec<Uuid>> {
    rows.iter().map(|id| parse_id(id)).collect()
}

/// What the person `user_id` still has under way.
pub fn open_work(conn: &mut DbConnection, user_id: Uuid) -> StoreResult<OpenWork> {
    let id = user_id.to_string();
    let volunteer_id: Option<String> = volunteers::table
        .filter(volunteers::user_id.eq(&id))
        .select(volunteers::id)
        .get_result(conn)
        .optional()?;
    let accepted_cases = uuids(
        cases::table
            .inner_join(help_requests::table)
            .filter(cases::volunteer_id.nullable().eq(volunteer_id.clone()))
            .filter(help_requests::status.eq(RequestStatus::Accepted.as_str()))
            .order(cases::accepted_at.asc())
            .select(cases::request_id)
            .load(conn)?,
    )?;
    let pending_proposals = uuids(
        proposals::table
            .filter(proposals::volunteer_id.nullable().eq(volunteer_id))
            .filter(proposals::status.eq("pending"))
            .order(proposals::created_at.asc())
            .select(proposals::id)
            .load(conn)?,
    )?;
    let open: Vec<&str> = RequestStatus::CANCELLABLE
        .iter()
        .map(|status| status.as_str())
        .collect();
    let open_requests = uuids(
        help_requests::table
            .filter(help_requests::requester_user_id.eq(&id))
            .filter(help_requests::status.eq_any(open))
            .order(help_requests::created_at.asc())
            .select(help_requests::id)
            .load(conn)?,
    )?;
    Ok(OpenWork {
        accepted_cases,
        pending_proposals,
        open_requests,
    })
}

/// Takes the person's volunteer profile out of matching and of the public directory
/// (first step of an erasure, so that no new proposal reaches them while their cases are
/// handed back). Returns the profile's id, if they have one.
pub fn leave_matching(
    conn: &mut DbConnection,
    user_id: Uuid,
    now: NaiveDateTime,
) -> StoreResult<Option<Uuid>> {
    let found: Option<String> = volunteers::table
        .filter(volunteers::user_id.eq(user_id.to_string()))
        .select(volunteers::id)
        .get_result(conn)
        .optional()?;
    let Some(id) = found else {
        return Ok(None);
    };
    let id = parse_id(&id)?;
    crate::volunteers::deactivate(conn, id, now)?;
    Ok(Some(id))
}

// --- Erasure ---

/// What happened to the account row of an erased person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountFate {
    /// Other rows point to it: kept, disabled, without e-mail address or name.
    KeptAsShell,
    /// Nothing pointed to it: deleted.
    Deleted,
}

/// What an erasure changed, in counts (never the data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErasureReport {
    /// The person.
    pub user_id: Uuid,
    /// Whether the person had been erased before (the erasure ran again, changing what
    /// was left).
    pub already_erased: bool,
    /// The account row.
    pub account: AccountFate,
    /// Applications made anonymous.
    pub applications: usize,
    /// Whether a volunteer profile was made anonymous.
    pub volunteer_profile: bool,
    /// Requests whose contact details and text were removed.
    pub requests: usize,
    /// Decline reasons removed.
    pub decline_reasons: usize,
    /// Answer summaries removed.
    pub answers: usize,
    /// Rating comments removed.
    pub rating_comments: usize,
    /// Reasons removed from the audit trail of changes the person made.
    pub transition_reasons: usize,
    /// E-mails addressed to the person, deleted.
    pub emails_deleted: usize,
    /// E-mails to others that quoted the person: bodies removed (sent ones) or the
    /// quoted values replaced (those not sent yet).
    pub emails_rewritten: usize,
    /// Other rows of free text that quoted the person, rewritten.
    pub texts_rewritten: usize,
    /// Sessions deleted.
    pub sessions: usize,
    /// Sign-in links deleted.
    pub sign_in_links: usize,
}

/// The values that identify a person, to find where other rows quote them.
#[derive(Debug, Default)]
struct Identity {
    /// Addresses e-mails were sent to.
    addresses: BTreeSet<String>,
    /// Names, addresses, phone numbers and long texts, searched in other rows.
    needles: BTreeSet<String>,
}

impl Identity {
    fn identifier(&mut self, value: &str) {
        let value = value.trim();
        if value.chars().count() >= MIN_IDENTIFIER_CHARS && !is_placeholder(value) {
            self.needles.insert(value.to_owned());
        }
    }

    fn text(&mut self, value: &str) {
        let value = value.trim();
        if value.chars().count() >= MIN_TEXT_CHARS && !is_placeholder(value) {
            self.needles.insert(value.to_owned());
        }
    }

    /// A phone number in the forms people write it: E.164, national in pairs, and
    /// national without separators or with dots.
    fn phone(&mut self, stored: &str) {
        self.identifier(stored);
        if let Ok(phone) = PhoneNumber::parse(stored) {
            let national = phone.national();
            self.identifier(&national);
            self.identifier(&national.replace(' ', ""));
            self.identifier(&national.replace(' ', "."));
        }
    }

    /// Needles, longest first: a text that quotes a name is replaced whole before the
    /// name inside it is.
    fn ordered(&self) -> Vec<&str> {
        let mut needles: Vec<&str> = self.needles.iter().map(String::as_str).collect();
        needles.sort_by_key(|n| std::cmp::Reverse(n.chars().count()));
        needles
    }
}

fn is_placeholder(value: &str) -> bool {
    value == ERASED_NAME
        || value == ERASED_TEXT
        || value == ERASED_PHONE
        || value == ERASED_EMAIL_BODY
        || value == PURGED_EMAIL_BODY
        || (value.starts_with("efface-") && value.ends_with("@entraide.invalid"))
}

/// Replaces `from` by `to` in one column of every row that contains it; returns the
/// number of rows changed.
macro_rules! replace_in {
    ($conn:expr, $table:ident . $column:ident, $function:ident, $from:expr, $to:expr) => {{
        use crate::schema::$table::dsl as t;
        diesel::update(t::$table.filter($function(t::$column, $from, $to).ne(t::$column)))
            .set(t::$column.eq($function(t::$column, $from, $to)))
            .execute($conn)?
    }};
}

/// Rewrites every free-text column of other people's rows that quotes a needle.
fn rewrite_quotes(conn: &mut DbConnection, identity: &Identity) -> StoreResult<usize> {
    let mut changed = 0;
    for needle in identity.ordered() {
        changed += replace_in!(
            conn,
            applications.presentation,
            replace_text,
            needle,
            ERASED_TEXT
        );
        changed += replace_in!(
            conn,
            applications.own_organisation,
            replace_nullable,
            needle,
            ERASED_TEXT
        );
        changed += replace_in!(
            conn,
            applications.rejection_reason,
            replace_nullable,
            needle,
            ERASED_TEXT
        );
        changed += replace_in!(
            conn,
            volunteers.presentation,
            replace_text,
            needle,
            ERASED_TEXT
        );
        changed += replace_in!(
            conn,
            volunteers.own_organisation,
            replace_nullable,
            needle,
            ERASED_TEXT
        );
        changed += replace_in!(
            conn,
            help_requests.description,
            replace_text,
            needle,
            ERASED_TEXT
        );
        changed += replace_in!(
            conn,
            help_requests.cancel_reason,
            replace_nullable,
            needle,
            ERASED_TEXT
        );
        changed += replace_in!(
            conn,
            help_request_transitions.reason,
            replace_nullable,
            needle,
            ERASED_TEXT
        );
        changed += replace_in!(
            conn,
            proposals.decline_reason,
            replace_nullable,
            needle,
            ERASED_TEXT
        );
        changed += replace_in!(
            conn,
            case_answers.summary,
            replace_text,
            needle,
            ERASED_TEXT
        );
        changed += replace_in!(
            conn,
            case_answer_items.tool_link,
            replace_nullable,
            needle,
            ERASED_TEXT
        );
        changed += replace_in!(
            conn,
            case_ratings.comment,
            replace_nullable,
            needle,
            ERASED_TEXT
        );
        // Tool names are what the bilan counts: they name tools, not people, and stay.
    }
    Ok(changed)
}

/// E-mails to others that quote the person: those already sent (or given up) lose
/// their bodies; those still to send keep them, with the quoted values replaced.
fn rewrite_emails(conn: &mut DbConnection, identity: &Identity) -> StoreResult<usize> {
    let mut rewritten: BTreeSet<String> = BTreeSet::new();
    let done = ["sent", "dead"];
    for needle in identity.ordered() {
        let html = escape_html(needle);
        let quoting: Vec<String> = outbox::table
            .filter(outbox::status.eq_any(done))
            .filter(outbox::body_text.ne(ERASED_EMAIL_BODY))
            .filter(
                replace_text(outbox::body_text, needle, "")
                    .ne(outbox::body_text)
                    .or(replace_text(outbox::body_html, &html, "").ne(outbox::body_html))
                    .or(replace_text(outbox::subject, needle, "").ne(outbox::subject)),
            )
            .select(outbox::id)
            .load(conn)?;
        if !quoting.is_empty() {
            diesel::update(outbox::table.filter(outbox::id.eq_any(&quoting)))
                .set((
                    outbox::body_text.eq(ERASED_EMAIL_BODY),
                    outbox::body_html.eq(ERASED_EMAIL_BODY),
                ))
                .execute(conn)?;
            rewritten.extend(quoting);
        }
    }
    for needle in identity.ordered() {
        let html = escape_html(needle);
        for (from, column) in [
            (needle, "subject"),
            (needle, "text"),
            (html.as_str(), "html"),
        ] {
            let ids: Vec<String> = match column {
                "subject" => outbox::table
                    .filter(replace_text(outbox::subject, from, "").ne(outbox::subject))
                    .select(outbox::id)
                    .load(conn)?,
                "text" => outbox::table
                    .filter(replace_text(outbox::body_text, from, "").ne(outbox::body_text))
                    .select(outbox::id)
                    .load(conn)?,
                _ => outbox::table
                    .filter(replace_text(outbox::body_html, from, "").ne(outbox::body_html))
                    .select(outbox::id)
                    .load(conn)?,
            };
            if ids.is_empty() {
                continue;
            }
            let rows = outbox::table.filter(outbox::id.eq_any(&ids));
            match column {
                "subject" => diesel::update(rows)
                    .set(outbox::subject.eq(replace_text(outbox::subject, from, ERASED_TEXT)))
                    .execute(conn)?,
                "text" => diesel::update(rows)
                    .set(outbox::body_text.eq(replace_text(outbox::body_text, from, ERASED_TEXT)))
                    .execute(conn)?,
                _ => diesel::update(rows)
                    .set(outbox::body_html.eq(replace_text(outbox::body_html, from, ERASED_TEXT)))
                    .execute(conn)?,
            };
            rewritten.extend(ids);
        }
    }
    Ok(rewritten.len())
}

/// Whether other rows point to the account (then it stays as a shell).
fn account_is_referenced(conn: &mut DbConnection, id: &str) -> StoreResult<bool> {
    let counts: [i64; 5] = [
        volunteers::table
            .filter(volunteers::user_id.eq(id))
            .count()
            .get_result(conn)?,
        help_requests::table
            .filter(help_requests::requester_user_id.eq(id))
            .count()
            .get_result(conn)?,
        applications::table
            .filter(applications::decided_by.eq(id))
            .count()
            .get_result(conn)?,
        help_request_transitions::table
            .filter(help_request_transitions::actor_user_id.eq(id))
            .count()
            .get_result(conn)?,
        proposals::table
            .filter(proposals::proposed_by.eq(id))
            .count()
            .get_result(conn)?,
    ];
    Ok(counts.iter().any(|&n| n > 0))
}

/// Makes one application anonymous (its identity, its text, staff's reason); what the
/// bilan counts stays. A pending application is rejected: nobody is left to accept.
/// Returns false when it was already anonymous.
fn anonymise_application(
    conn: &mut DbConnection,
    id: &str,
    actor: Option<Uuid>,
    now: NaiveDateTime,
) -> StoreResult<bool> {
    let parsed = parse_id(id)?;
    let changed = diesel::update(
        applications::table
            .find(id)
            .filter(applications::erased_at.is_null()),
    )
    .set((
        applications::email.eq(erased_email(parsed)),
        applications::name.eq(ERASED_NAME),
        applications::phone.eq(ERASED_PHONE),
        applications::presentation.eq(ERASED_TEXT),
        applications::own_organisation.eq(None::<String>),
        applications::rejection_reason.eq(None::<String>),
        applications::erased_at.eq(now),
        applications::updated_at.eq(now),
    ))
    .execute(conn)?;
    // Counted by the bilan as pending until now, rejected from now on: past bilans stay.
    diesel::update(
        applications::table
            .find(id)
            .filter(applications::status.eq("pending")),
    )
    .set((
        applications::status.eq("rejected"),
        applications::decided_at.eq(now),
        applications::decided_by.eq(actor.map(|a| a.to_string())),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Erases the person `user_id`, in the caller's write transaction (see
/// [`write_transaction`]): their identity and the free text they wrote are removed from
/// every table, e-mails addressed to them are deleted and those quoting them rewritten,
/// their sessions and sign-in links are deleted, and the account stays as a disabled,
/// anonymous shell when other rows point to it (deleted otherwise). What the bilan
/// counts stays, so every past bilan gives the same figures.
///
/// Refuses (`Conflict`) while the person has open work ([`open_work`]): hand it back
/// first. Running it again on an erased person is harmless.
pub fn erase_person(
    conn: &mut DbConnection,
    user_id: Uuid,
    actor: Option<Uuid>,
    now: NaiveDateTime,
) -> StoreResult<ErasureReport> {
    let id = user_id.to_string();
    // A no-op update takes the account's row lock (PostgreSQL): two erasures of one
    // person run one after the other.
    let found = diesel::update(users::table.find(&id))
        .set(users::updated_at.eq(users::updated_at))
        .execute(conn)?;
    if found == 0 {
        return Err(StoreError::NotFound);
    }
    let user: UserRecord = users::table
        .find(&id)
        .select(UserRecord::as_select())
        .get_result(conn)?;
    if !open_work(conn, user_id)?.is_empty() {
        return Err(StoreError::Conflict(
            "the person still has open cases, proposals or requests".into(),
        ));
    }
    let mut identity = Identity::default();
    identity.addresses.insert(user.email.clone());
    identity.identifier(&user.email);
    if let Some(name) = &user.name {
        identity.identifier(name);
    }

    // The volunteer profile.
    let volunteer = volunteer_of(conn, &id)?;
    if let Some(profile) = &volunteer {
        identity.identifier(&profile.name);
        identity.phone(&profile.phone);
        identity.text(&profile.presentation);
        diesel::update(volunteers::table.find(&profile.id))
            .set((
                volunteers::name.eq(ERASED_NAME),
                volunteers::phone.eq(ERASED_PHONE),
                volunteers::presentation.eq(ERASED_TEXT),
                volunteers::own_organisation.eq(None::<String>),
                volunteers::publication_consent.eq(false),
                volunteers::active.eq(false),
                volunteers::deactivated_at.eq(profile.deactivated_at.unwrap_or(now)),
                volunteers::updated_at.eq(now),
            ))
            .execute(conn)?;
        crate::matching::bump_volunteer_profiles(conn)?;
    }

    // Applications.
    let application_ids = application_ids(conn, &user.email, volunteer.as_ref())?;
    let mut applications_done = 0;
    for application_id in &application_ids {
        let (email, name, phone, presentation): (String, String, String, String) =
            applications::table
                .find(application_id)
                .select((
                    applications::email,
                    applications::name,
                    applications::phone,
                    applications::presentation,
                ))
                .get_result(conn)?;
        identity.addresses.insert(email.clone());
        identity.identifier(&email);
        identity.identifier(&name);
        identity.phone(&phone);
        identity.text(&presentation);
        if anonymise_application(conn, application_id, actor, now)? {
            applications_done += 1;
        }
    }

    // Requests: the contact details and the text the person wrote.
    let request_ids = request_ids(conn, &id, &user.email)?;
    for request_id in &request_ids {
        let (email, name, phone, description, cancel_reason): (
            String,
            String,
            String,
            String,
            Option<String>,
        ) = help_requests::table
            .find(request_id)
            .select((
                help_requests::contact_email,
                help_requests::contact_name,
                help_requests::contact_phone,
                help_requests::description,
                help_requests::cancel_reason,
            ))
            .get_result(conn)?;
        identity.addresses.insert(email.clone());
        identity.identifier(&email);
        identity.identifier(&name);
        identity.phone(&phone);
        identity.text(&description);
        if let Some(reason) = &cancel_reason {
            identity.text(reason);
        }
        diesel::update(help_requests::table.find(request_id))
            .set((
                help_requests::contact_name.eq(ERASED_NAME),
                help_requests::contact_email.eq(erased_email(parse_id(request_id)?)),
                help_requests::contact_phone.eq(ERASED_PHONE),
                help_requests::description.eq(ERASED_TEXT),
                help_requests::cancel_reason.eq(None::<String>),
                help_requests::contact_erased_at.eq(now),
            ))
            .execute(conn)?;
    }

    // Text written on cases: decline reasons and answers (as a volunteer), rating
    // comments (as a requester); reasons the person gave in the audit trail.
    let volunteer_id = volunteer.as_ref().map(|v| v.id.clone());
    for reason in proposals::table
        .filter(proposals::volunteer_id.nullable().eq(volunteer_id.clone()))
        .filter(proposals::decline_reason.is_not_null())
        .select(proposals::decline_reason)
        .load::<Option<String>>(conn)?
        .into_iter()
        .flatten()
    {
        identity.text(&reason);
    }
    let decline_reasons = diesel::update(
        proposals::table
            .filter(proposals::volunteer_id.nullable().eq(volunteer_id.clone()))
            .filter(proposals::decline_reason.is_not_null()),
    )
    .set(proposals::decline_reason.eq(None::<String>))
    .execute(conn)?;
    let held: Vec<String> = cases::table
        .filter(cases::volunteer_id.nullable().eq(volunteer_id))
        .select(cases::request_id)
        .load(conn)?;
    for summary in case_answers::table
        .filter(case_answers::request_id.eq_any(&held))
        .select(case_answers::summary)
        .load::<String>(conn)?
    {
        identity.text(&summary);
    }
    let answers = diesel::update(
        case_answers::table
            .filter(case_answers::request_id.eq_any(&held))
            .filter(case_answers::summary.ne(ERASED_TEXT)),
    )
    .set(case_answers::summary.eq(ERASED_TEXT))
    .execute(conn)?;
    // Links may point to the volunteer's own documents; the tool's name stays.
    diesel::update(
        case_answer_items::table
            .filter(case_answer_items::request_id.eq_any(&held))
            .filter(case_answer_items::tool_link.is_not_null()),
    )
    .set(case_answer_items::tool_link.eq(None::<String>))
    .execute(conn)?;
    for comment in case_ratings::table
        .filter(case_ratings::request_id.eq_any(&request_ids))
        .select(case_ratings::comment)
        .load::<Option<String>>(conn)?
        .into_iter()
        .flatten()
    {
        identity.text(&comment);
    }
    let rating_comments = diesel::update(
        case_ratings::table
            .filter(case_ratings::request_id.eq_any(&request_ids))
            .filter(case_ratings::comment.is_not_null()),
    )
    .set(case_ratings::comment.eq(None::<String>))
    .execute(conn)?;
    for reason in help_request_transitions::table
        .filter(help_request_transitions::actor_user_id.eq(&id))
        .select(help_request_transitions::reason)
        .load::<Option<String>>(conn)?
        .into_iter()
        .flatten()
    {
        identity.text(&reason);
    }
    let transition_reasons = diesel::update(
        help_request_transitions::table
            .filter(help_request_transitions::actor_user_id.eq(&id))
            .filter(help_request_transitions::reason.is_not_null()),
    )
    .set(help_request_transitions::reason.eq(None::<String>))
    .execute(conn)?;

    // E-mails: those addressed to the person go; those quoting them are rewritten.
    let emails_deleted =
        diesel::delete(outbox::table.filter(outbox::recipient.eq_any(&identity.addresses)))
            .execute(conn)?;
    let emails_rewritten = rewrite_emails(conn, &identity)?;
    let texts_rewritten = rewrite_quotes(conn, &identity)?;

    // Sign-in history, then the account.
    let sessions =
        diesel::delete(sessions::table.filter(sessions::user_id.eq(&id))).execute(conn)?;
    let sign_in_links =
        diesel::delete(sign_in_tokens::table.filter(sign_in_tokens::user_id.eq(&id)))
            .execute(conn)?;
    let account = if account_is_referenced(conn, &id)? {
        diesel::update(users::table.find(&id))
            .set((
                users::email.eq(erased_email(user_id)),
                users::name.eq(None::<String>),
                users::disabled_at.eq(user.disabled_at.unwrap_or(now)),
                users::erased_at.eq(user.erased_at.unwrap_or(now)),
                users::updated_at.eq(now),
            ))
            .execute(conn)?;
        AccountFate::KeptAsShell
    } else {
        diesel::delete(users::table.find(&id)).execute(conn)?;
        AccountFate::Deleted
    };
    Ok(ErasureReport {
        user_id,
        already_erased: user.erased_at.is_some(),
        account,
        applications: applications_done,
        volunteer_profile: volunteer.is_some(),
        requests: request_ids.len(),
        decline_reasons,
        answers,
        rating_comments,
        transition_reasons,
        emails_deleted,
        emails_rewritten,
        texts_rewritten,
        sessions,
        sign_in_links,
    })
}

// --- Retention ---

/// How long personal data is kept (see the README's settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionSettings {
    /// Rejected applications are made anonymous this long after the decision.
    pub rejected_applications: TimeDelta,
    /// Volunteers and requesters are erased after this long without activity (sign-in,
    /// proposal, case, request, profile change), unless they have open work.
    pub inactive_people: TimeDelta,
    /// Closed or cancelled requests lose their contact details this long after their
    /// last change.
    pub closed_request_contacts: TimeDelta,
    /// Sent e-mails lose their bodies this long after sending.
    pub sent_email_bodies: TimeDelta,
    /// Expired sign-in links and ended sessions are deleted this long after their end.
    pub sign_in_records: TimeDelta,
}

impl Default for RetentionSettings {
    fn default() -> Self {
        Self {
            rejected_applications: TimeDelta::days(183),
            inactive_people: TimeDelta::days(3 * 365),
            closed_request_contacts: TimeDelta::days(3 * 365),
            sent_email_bodies: TimeDelta::days(90),
            sign_in_records: TimeDelta::days(30),
        }
    }
}

/// Whether a purge changes anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PurgeMode {
    /// Count what is due, change nothing.
    DryRun,
    /// Apply.
    Apply,
}

/// What a purge did (or, in a dry run, would do), in counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PurgeReport {
    /// Rejected applications made anonymous.
    pub rejected_applications: usize,
    /// People erased after years without activity.
    pub inactive_people: usize,
    /// Inactive people left alone because they still have open work.
    pub inactive_with_open_work: usize,
    /// Closed requests whose contact details were removed.
    pub closed_request_contacts: usize,
    /// Sent e-mails whose bodies were removed.
    pub sent_email_bodies: usize,
    /// Expired sign-in links deleted.
    pub sign_in_links: usize,
    /// Ended sessions deleted.
    pub sessions: usize,
}

impl PurgeReport {
    /// Total of rows changed or due.
    pub fn total(&self) -> usize {
        self.rejected_applications
            + self.inactive_people
            + self.closed_request_contacts
            + self.sent_email_bodies
            + self.sign_in_links
            + self.sessions
    }
}

/// The latest sign of life of a person: account change, sign-in, application, profile
/// change, proposal, case, request, or a change they made to a request.
pub fn last_activity(conn: &mut DbConnection, user_id: Uuid) -> StoreResult<NaiveDateTime> {
    let id = user_id.to_string();
    let user: UserRecord = users::table
        .find(&id)
        .select(UserRecord::as_select())
        .get_result(conn)?;
    let mut latest = user
        .created_at
        .max(user.updated_at)
        .max(user.last_sign_in_at.unwrap_or(user.created_at));
    let mut seen = |at: Option<NaiveDateTime>| {
        if let Some(at) = at {
            latest = latest.max(at);
        }
    };
    seen(
        sessions::table
            .filter(sessions::user_id.eq(&id))
            .select(max(sessions::created_at))
            .get_result(conn)?,
    );
    seen(
        sign_in_tokens::table
            .filter(sign_in_tokens::user_id.eq(&id))
            .select(max(sign_in_tokens::created_at))
            .get_result(conn)?,
    );
    seen(
        applications::table
            .filter(applications::email.eq(&user.email))
            .select(max(applications::updated_at))
            .get_result(conn)?,
    );
    seen(
        help_requests::table
            .filter(help_requests::requester_user_id.eq(&id))
            .select(max(help_requests::updated_at))
            .get_result(conn)?,
    );
    seen(
        help_request_transitions::table
            .filter(help_request_transitions::actor_user_id.eq(&id))
            .select(max(help_request_transitions::created_at))
            .get_result(conn)?,
    );
    if let Some(volunteer) = volunteer_of(conn, &id)? {
        seen(Some(volunteer.updated_at));
        let vid = volunteer.id;
        seen(
            proposals::table
                .filter(proposals::volunteer_id.eq(&vid))
                .select(max(proposals::created_at))
                .get_result(conn)?,
        );
        seen(
            proposals::table
                .filter(proposals::volunteer_id.eq(&vid))
                .select(max(proposals::responded_at))
                .get_result(conn)?,
        );
        seen(
            cases::table
                .filter(cases::volunteer_id.eq(&vid))
                .select(max(cases::accepted_at))
                .get_result(conn)?,
        );
        seen(
            cases::table
                .filter(cases::volunteer_id.eq(&vid))
                .select(max(cases::resolved_at))
                .get_result(conn)?,
        );
        seen(
            cases::table
                .filter(cases::volunteer_id.eq(&vid))
                .select(max(cases::closed_at))
                .get_result(conn)?,
        );
    }
    Ok(latest)
}

/// People not erased yet, staff excepted, whose account is older than `cutoff`: the
/// candidates of the inactivity rule.
fn inactivity_candidates(conn: &mut DbConnection, cutoff: NaiveDateTime) -> StoreResult<Vec<Uuid>> {
    uuids(
        users::table
            .filter(users::erased_at.is_null())
            .filter(users::created_at.le(cutoff))
            .filter(diesel::dsl::not(
                users::id.eq_any(
                    user_roles::table
                        .filter(user_roles::role.eq("staff"))
                        .select(user_roles::user_id),
                ),
            ))
            .order(users::created_at.asc())
            .select(users::id)
            .load(conn)?,
    )
}

/// Whether a person is due for the inactivity rule at `cutoff`: `Some(true)` due,
/// `Some(false)` inactive but with open work, `None` active.
fn inactivity(
    conn: &mut DbConnection,
    user_id: Uuid,
    cutoff: NaiveDateTime,
) -> StoreResult<Option<bool>> {
    if last_activity(conn, user_id)? > cutoff {
        return Ok(None);
    }
    Ok(Some(open_work(conn, user_id)?.is_empty()))
}

/// Erases a person due for the inactivity rule, in its own write transaction, if they
/// still are: the account row is locked and re-read first, so that two processes never
/// erase one person twice and a person who came back in between is left alone.
fn erase_if_inactive(
    conn: &mut DbConnection,
    user_id: Uuid,
    cutoff: NaiveDateTime,
    now: NaiveDateTime,
) -> StoreResult<bool> {
    write_transaction(conn, |conn| {
        // A no-op update: the row lock (PostgreSQL) and the claim in one statement.
        let claimed = diesel::update(
            users::table
                .find(user_id.to_string())
                .filter(users::erased_at.is_null()),
        )
        .set(users::updated_at.eq(users::updated_at))
        .execute(conn)?;
        if claimed == 0 || inactivity(conn, user_id, cutoff)? != Some(true) {
            return Ok(false);
        }
        erase_person(conn, user_id, None, now)?;
        Ok(true)
    })
}

fn rejected_due(conn: &mut DbConnection, cutoff: NaiveDateTime) -> StoreResult<Vec<String>> {
    Ok(applications::table
        .filter(applications::status.eq("rejected"))
        .filter(applications::decided_at.le(cutoff))
        .filter(applications::erased_at.is_null())
        .select(applications::id)
        .load(conn)?)
}

/// Makes a rejected application anonymous, and deletes the e-mails sent to its address
/// when no live account or application uses that address any more.
fn purge_application(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> StoreResult<bool> {
    write_transaction(conn, |conn| {
        let email: String = applications::table
            .find(id)
            .select(applications::email)
            .get_result(conn)?;
        if !anonymise_application(conn, id, None, now)? {
            return Ok(false);
        }
        let live_account: i64 = users::table
            .filter(users::email.eq(&email))
            .count()
            .get_result(conn)?;
        let live_applications: i64 = applications::table
            .filter(applications::email.eq(&email))
            .count()
            .get_result(conn)?;
        if live_account + live_applications == 0 {
            diesel::delete(outbox::table.filter(outbox::recipient.eq(&email))).execute(conn)?;
        }
        Ok(true)
    })
}

fn closed_statuses() -> [&'static str; 2] {
    [
        RequestStatus::Closed.as_str(),
        RequestStatus::Cancelled.as_str(),
    ]
}

/// Applies the retention periods at `now` (or, in a dry run, counts what is due). Each
/// item is changed by a conditional claim (`... WHERE erased_at IS NULL`, bodies not
/// purged yet, rows past their end), so that several processes may purge at once and a
/// purge may be run again.
pub fn purge(
    conn: &mut DbConnection,
    settings: &RetentionSettings,
    now: NaiveDateTime,
    mode: PurgeMode,
) -> StoreResult<PurgeReport> {
    let apply = mode == PurgeMode::Apply;
    let mut report = PurgeReport::default();

    // The simple rules first, so that a dry run counts what applying does (erasing an
    // inactive person also removes their sign-in history and contacts).
    // Contact details of requests closed long ago.
    let cutoff = now - settings.closed_request_contacts;
    let due: Vec<String> = help_requests::table
        .filter(help_requests::status.eq_any(closed_statuses()))
        .filter(help_requests::updated_at.le(cutoff))
        .filter(help_requests::contact_erased_at.is_null())
        .select(help_requests::id)
        .load(conn)?;
    for id in due {
        if !apply {
            report.closed_request_contacts += 1;
            continue;
        }
        let request_id = parse_id(&id)?;
        let changed = write_transaction(conn, |conn| {
            diesel::update(
                help_requests::table
                    .find(&id)
                    .filter(help_requests::contact_erased_at.is_null()),
            )
            .set((
                help_requests::contact_name.eq(ERASED_NAME),
                help_requests::contact_email.eq(erased_email(request_id)),
                help_requests::contact_phone.eq(ERASED_PHONE),
                help_requests::contact_erased_at.eq(now),
            ))
            .execute(conn)
            .map_err(StoreError::from)
        })?;
        report.closed_request_contacts += changed;
    }

    // Bodies of e-mails sent long ago: one statement, its own claim.
    let sent = outbox::table
        .filter(outbox::status.eq("sent"))
        .filter(outbox::sent_at.le(now - settings.sent_email_bodies))
        .filter(
            outbox::body_text
                .ne(PURGED_EMAIL_BODY)
                .or(outbox::body_html.ne(PURGED_EMAIL_BODY)),
        );
    // Counted first: a purge with nothing due only reads, so that it never competes for
    // SQLite's write lock with the requests being served.
    let due = count(sent.count().get_result(conn)?);
    report.sent_email_bodies = if apply && due > 0 {
        diesel::update(sent)
            .set((
                outbox::body_text.eq(PURGED_EMAIL_BODY),
                outbox::body_html.eq(PURGED_EMAIL_BODY),
            ))
            .execute(conn)?
    } else {
        due
    };

    // Sign-in history.
    let cutoff = now - settings.sign_in_records;
    let links = sign_in_tokens::table.filter(sign_in_tokens::expires_at.le(cutoff));
    let due = count(links.count().get_result(conn)?);
    report.sign_in_links = if apply && due > 0 {
        diesel::delete(links).execute(conn)?
    } else {
        due
    };
    let ended = sessions::table.filter(
        sessions::expires_at
            .le(cutoff)
            .or(sessions::revoked_at.le(cutoff)),
    );
    let due = count(ended.count().get_result(conn)?);
    report.sessions = if apply && due > 0 {
        write_transaction(conn, |conn| {
            remember_last_sign_in(conn, cutoff)?;
            Ok::<_, StoreError>(diesel::delete(ended).execute(conn)?)
        })?
    } else {
        due
    };
    // Rejected applications.
    for id in rejected_due(conn, now - settings.rejected_applications)? {
        if !apply || purge_application(conn, &id, now)? {
            report.rejected_applications += 1;
        }
    }

    // People without activity.
    let cutoff = now - settings.inactive_people;
    for user_id in inactivity_candidates(conn, cutoff)? {
        match inactivity(conn, user_id, cutoff)? {
            None => {}
            Some(false) => report.inactive_with_open_work += 1,
            Some(true) if !apply || erase_if_inactive(conn, user_id, cutoff, now)? => {
                report.inactive_people += 1;
            }
            // Erased by another process, or back to activity, in between.
            Some(true) => {}
        }
    }

    Ok(report)
}

/// Copies the latest sign-in of each person whose old sessions are about to be deleted
/// into `users.last_sign_in_at`, so that the inactivity rule still sees it.
fn remember_last_sign_in(conn: &mut DbConnection, cutoff: NaiveDateTime) -> StoreResult<()> {
    let people: Vec<String> = sessions::table
        .filter(
            sessions::expires_at
                .le(cutoff)
                .or(sessions::revoked_at.le(cutoff)),
        )
        .select(sessions::user_id)
        .distinct()
        .load(conn)?;
    let latest: Vec<(String, Option<NaiveDateTime>)> = sessions::table
        .filter(sessions::user_id.eq_any(&people))
        .group_by(sessions::user_id)
        .select((sessions::user_id, max(sessions::created_at)))
        .load(conn)?;
    for (user_id, at) in latest {
        let Some(at) = at else { continue };
        diesel::update(
            users::table.find(&user_id).filter(
                users::last_sign_in_at
                    .is_null()
                    .or(users::last_sign_in_at.lt(at)),
            ),
        )
        .set(users::last_sign_in_at.eq(at))
        .execute(conn)?;
    }
    Ok(())
}

fn count(n: i64) -> usize {
    usize::try_from(n).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_valid_values_of_their_types() {
        let phone = PhoneNumber::parse(ERASED_PHONE).unwrap();
        assert_eq!(phone.e164(), ERASED_PHONE);
        assert_eq!(phone.national(), "01 99 00 00 00");
        let email = erased_email(Uuid::nil());
        entraide_core::Email::parse(&email).unwrap();
        assert!(is_placeholder(&email));
    }

    #[test]
    fn every_section_named_by_the_classification_exists() {
        for (table, usage) in TABLES {
            if let TableUse::Exported { section, why } = usage {
                assert!(
                    SECTIONS.contains(section),
                    "{table}: unknown section {section}"
                );
                assert!(!why.is_empty());
            }
        }
    }

    #[test]
    fn phones_are_searched_in_every_written_form() {
        let mut identity = Identity::default();
        identity.phone("+33612345678");
        for form in [
            "+33612345678",
            "06 12 34 56 78",
            "0612345678",
            "06.12.34.56.78",
        ] {
            assert!(identity.needles.contains(form), "{form}");
        }
        identity.text("court");
        assert!(
            !identity.needles.contains("court"),
            "short texts are not searched"
        );
        identity.identifier("Li");
        assert!(!identity.needles.contains("Li"));
        let ordered = identity.ordered();
        assert!(ordered
            .windows(2)
            .all(|w| w[0].chars().count() >= w[1].chars().count()));
    }

    #[test]
    fn html_escaping_follows_the_templates() {
        assert_eq!(
            escape_html("Jeanne d'Arc & <Co> \"x\""),
            "Jeanne d&#x27;Arc &amp; &lt;Co&gt; &quot;x&quot;"
        );
    }
}
