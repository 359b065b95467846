//! One struct per message kind; its public fields are the variables of its templates.
//!
//! Values are given as the reader should see them: labels rather than codes
//! ("Télétravail", "Auvergne-Rhône-Alpes"), phone numbers formatted, dates written out,
//! links absolute. Queue one with [`crate::queue`] inside the transaction of the change
//! that causes it.

use entraide_core::Email;
use serde::Serialize;

use crate::EmailTemplate;

/// A one-time sign-in link (to anyone who asked for one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignInLink {
    /// The person's name when known.
    pub recipient_name: Option<String>,
    /// The absolute sign-in link.
    pub link: String,
    /// How long the link works, in minutes.
    pub valid_minutes: u32,
}

impl EmailTemplate for SignInLink {
    const KIND: &'static str = "sign_in_link";
}

/// Acknowledges a volunteer's application (to the volunteer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApplicationReceived {
    /// The volunteer's full name.
    pub volunteer_name: String,
    /// Expertise themes offered, as labels.
    pub themes: Vec<String>,
    /// The volunteer's region, as a label.
    pub region: String,
}

impl EmailTemplate for ApplicationReceived {
    const KIND: &'static str = "application_received";
}

/// Staff accepted the application (to the volunteer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApplicationAccepted {
    /// The volunteer's full name.
    pub volunteer_name: String,
    /// How many open cases the volunteer takes at once.
    pub capacity: u32,
    /// The volunteer's area (profile, availability); the page asks to sign in.
    pub space_link: String,
}

impl EmailTemplate for ApplicationAccepted {
    const KIND: &'static str = "application_accepted";
}

/// Staff rejected the application (to the volunteer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApplicationRejected {
    /// The volunteer's full name.
    pub volunteer_name: String,
    /// Why, as staff wrote it for the volunteer; `None` sends no reason.
    pub reason: Option<String>,
}

impl EmailTemplate for ApplicationRejected {
    const KIND: &'static str = "application_rejected";
}

/// Acknowledges a help request (to the establishment's contact person).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestReceived {
    /// The contact person's full name.
    pub contact_name: String,
    /// The establishment's name.
    pub establishment_name: String,
    /// The request's reference, as shown to staff and in the contact's area.
    pub reference: String,
    /// Themes of the request, as labels.
    pub themes: Vec<String>,
    /// Urgency, as a label.
    pub urgency: String,
    /// A one-time sign-in link to follow the request.
    pub sign_in_link: String,
}

impl EmailTemplate for RequestReceived {
    const KIND: &'static str = "request_received";
}

/// A request is proposed to a volunteer, who accepts or declines (to the volunteer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseProposed {
    /// The volunteer's full name.
    pub volunteer_name: String,
    /// The establishment's name.
    pub establishment_name: String,
    /// Kind of establishment, as a label (e.g. "EHPAD, établissement médico-social").
    pub establishment_kind: String,
    /// Where it is, e.g. "Villeurbanne, Rhône (69), Auvergne-Rhône-Alpes".
    pub location: String,
    /// Themes of the request, as labels.
    pub themes: Vec<String>,
    /// Urgency, as a label.
    pub urgency: String,
    /// What the establishment wrote (line breaks are kept).
    pub description: String,
    /// Why the matching chose this volunteer, one sentence each.
    pub reasons: Vec<String>,
    /// Link that accepts the case.
    pub accept_link: String,
    /// Link that declines the case.
    pub decline_link: String,
    /// How soon an answer is expected, in hours.
    pub answer_within_hours: u32,
}

impl EmailTemplate for CaseProposed {
    const KIND: &'static str = "case_proposed";
}

/// A proposal is still unanswered (to the volunteer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProposalReminder {
    /// The volunteer's full name.
    pub volunteer_name: String,
    /// The establishment's name.
    pub establishment_name: String,
    /// Themes of the request, as labels.
    pub themes: Vec<String>,
    /// Urgency, as a label.
    pub urgency: String,
    /// When the proposal was sent, written out (e.g. "lundi 23 novembre à 14 h 05").
    pub proposed_on: String,
    /// Link that accepts the case.
    pub accept_link: String,
    /// Link that declines the case.
    pub decline_link: String,
}

impl EmailTemplate for ProposalReminder {
    const KIND: &'static str = "proposal_reminder";
}

/// Which side of a case a person is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The volunteer who helps.
    Volunteer,
    /// The establishment's contact person.
    Establishment,
}

/// A party of a case as shown to the other one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Party {
    /// Full name.
    pub name: String,
    /// Job role, as a label (e.g. "Directeur des systèmes d'information (DSI)").
    pub role: String,
    /// Where the person works, when known.
    pub organisation: Option<String>,
    /// E-mail address (also where this party's own message goes).
    pub email: Email,
    /// Phone number, formatted for reading, when given.
    pub phone: Option<String>,
}

/// A volunteer accepted a case: each party gets the other's name, role and contact
/// details, one message each (see [`CaseAccepted::both`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseAccepted {
    /// Which side the recipient is on (the wording differs).
    pub recipient_side: Side,
    /// The recipient's full name.
    pub recipient_name: String,
    /// The establishment's name.
    pub establishment_name: String,
    /// Themes of the request, as labels.
    pub themes: Vec<String>,
    /// The other party.
    pub counterpart: Party,
    /// The case's page.
    pub case_link: String,
}

impl CaseAccepted {
    /// The two messages of an accepted case, each with its recipient: the volunteer's
    /// (about the contact person) and the contact person's (about the volunteer).
    pub fn both(
        volunteer: Party,
        contact: Party,
        establishment_name: &str,
        themes: &[String],
        case_link: &str,
    ) -> [(Email, CaseAccepted); 2] {
        let message = |recipient_side, recipient: &Party, counterpart: Party| CaseAccepted {
            recipient_side,
            recipient_name: recipient.name.clone(),
            establishment_name: establishment_name.to_owned(),
            themes: themes.to_vec(),
            counterpart,
            case_link: case_link.to_owned(),
        };
        [
            (
                volunteer.email.clone(),
                message(Side::Volunteer, &volunteer, contact.clone()),
            ),
            (
                contact.email.clone(),
                message(Side::Establishment, &contact, volunteer),
            ),
        ]
    }
}

impl EmailTemplate for CaseAccepted {
    const KIND: &'static str = "case_accepted";
}

/// The case is closed; asks whether the help was useful (to the establishment's contact).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseResolved {
    /// The contact person's full name.
    pub contact_name: String,
    /// The establishment's name.
    pub establishment_name: String,
    /// The volunteer's full name.
    pub volunteer_name: String,
    /// Themes of the request, as labels.
    pub themes: Vec<String>,
    /// How the request was answered, as a label (e.g. "Appel téléphonique").
    pub answer_type: String,
    /// Link to say whether the help was useful.
    pub rating_link: String,
}

impl EmailTemplate for CaseResolved {
    const KIND: &'static str = "case_resolved";
}

/// Nobody accepted a request in time, or nobody could be asked: staff must act (to each
/// staff member).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestUnmatched {
    /// The staff member's name, when known.
    pub recipient_name: Option<String>,
    /// The request's reference.
    pub reference: String,
    /// The establishment's name.
    pub establishment_name: String,
    /// Where it is, e.g. "Isère (38), Auvergne-Rhône-Alpes".
    pub location: String,
    /// Themes of the request, as labels.
    pub themes: Vec<String>,
    /// Urgency, as a label.
    pub urgency: String,
    /// What happened, one sentence (e.g. "Aucun des 6 volontaires sollicités en 2 vagues
    /// n'a accepté.").
    pub reason: String,
    /// How many volunteers were asked.
    pub proposals_made: u32,
    /// The request's page.
    pub case_link: String,
}

impl EmailTemplate for RequestUnmatched {
    const KIND: &'static str = "request_unmatched";
}

/// A volunteer no longer holds a case: the request was cancelled, or staff gave it to
/// someone else (to the volunteer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseWithdrawn {
    /// The volunteer's full name.
    pub volunteer_name: String,
    /// The establishment's name.
    pub establishment_name: String,
    /// Themes of the request, as labels.
    pub themes: Vec<String>,
    /// What happened, one sentence (e.g. "L'établissement a annulé sa demande.").
    pub cause: String,
    /// Why, as written by whoever did it; `None` sends no reason.
    pub reason: Option<String>,
}

impl EmailTemplate for CaseWithdrawn {
    const KIND: &'static str = "case_withdrawn";
}
