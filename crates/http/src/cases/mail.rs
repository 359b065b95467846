//! The e-mails of a case, built from what the store holds: values as people read them
//! (labels, formatted phone numbers, dates in Paris time) and links to the web client.

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta, Timelike, Weekday};
use entraide_core::Email;
use entraide_notifier::messages::{
    CaseAccepted, CaseProposed, CaseResolved, CaseWithdrawn, Party, ProposalReminder,
    RequestUnmatched,
};
use entraide_notifier::PreparedEmail;
use entraide_store::cases::{Answer, Proposal};
use entraide_store::requests::HelpRequest;
use entraide_store::volunteers::Volunteer;
use entraide_store::DbConnection;
use uuid::Uuid;

use crate::{ApiError, AppState};

/// The volunteer's page of a proposal in the web client.
pub(crate) fn proposal_link(state: &AppState, id: Uuid) -> String {
    format!("{}/volontaire/propositions/{id}", state.public_url)
}

/// The page of a case in the web client (the same for both parties and staff).
pub(crate) fn case_link(state: &AppState, request_id: Uuid) -> String {
    format!("{}/dossiers/{request_id}", state.public_url)
}

/// The page where the requester says whether the help was useful.
pub(crate) fn rating_link(state: &AppState, request_id: Uuid) -> String {
    format!("{}/dossiers/{request_id}/avis", state.public_url)
}

fn theme_labels(request: &HelpRequest) -> Vec<String> {
    request.themes.iter().map(|t| t.label.clone()).collect()
}

/// "Isère (38), Auvergne-Rhône-Alpes".
pub(crate) fn location(request: &HelpRequest) -> String {
    let department = request.establishment.department;
    format!(
        "{} ({}), {}",
        department.name(),
        department.code(),
        request.establishment.region().name()
    )
}

fn hours(delta: TimeDelta) -> u32 {
    u32::try_from(delta.num_hours().max(1)).unwrap_or(u32::MAX)
}

/// The e-mail proposing `request` to `volunteer`, rendered, to be queued with the proposal
/// (see [`entraide_notifier::enqueue`]).
pub(crate) fn proposal_email(
    state: &AppState,
    request: &HelpRequest,
    volunteer: &Volunteer,
    proposal: &Proposal,
) -> Result<PreparedEmail, ApiError> {
    let link = proposal_link(state, proposal.id);
    let message = CaseProposed {
        volunteer_name: volunteer.name.clone(),
        establishment_name: request.establishment.name.clone(),
        establishment_kind: request.establishment.kind.label().to_owned(),
        location: location(request),
        themes: theme_labels(request),
        urgency: request.urgency.label().to_owned(),
        description: request.description.clone(),
        reasons: proposal.reasons.clone(),
        accept_link: format!("{link}/accepter"),
        decline_link: format!("{link}/decliner"),
        answer_within_hours: hours(proposal.expires_at - proposal.created_at),
    };
    Ok(entraide_notifier::prepare(&volunteer.email, &message)?)
}

/// Queues the reminder of an unanswered proposal.
pub(crate) fn queue_reminder(
    conn: &mut DbConnection,
    state: &AppState,
    request: &HelpRequest,
    volunteer: &Volunteer,
    proposal: &Proposal,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    let link = proposal_link(state, proposal.id);
    let message = ProposalReminder {
        volunteer_name: volunteer.name.clone(),
        establishment_name: request.establishment.name.clone(),
        themes: theme_labels(request),
        urgency: request.urgency.label().to_owned(),
        proposed_on: french_datetime(proposal.created_at),
        accept_link: format!("{link}/accepter"),
        decline_link: format!("{link}/decliner"),
    };
    entraide_notifier::queue_at(conn, &volunteer.email, &message, now)?;
    Ok(())
}

/// Queues the "case accepted" e-mails: each party gets the other's name, role and
/// contact details.
pub(crate) fn queue_accepted(
    conn: &mut DbConnection,
    state: &AppState,
    request: &HelpRequest,
    volunteer: &Volunteer,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    let helper = Party {
        name: volunteer.name.clone(),
        role: volunteer.job_role.label().to_owned(),
        organisation: volunteer.own_organisation.clone(),
        email: volunteer.email.clone(),
        phone: Some(volunteer.phone.national()),
    };
    let contact = Party {
        name: request.contact.name.clone(),
        role: request.contact.job_role.label().to_owned(),
        organisation: Some(request.establishment.name.clone()),
        email: request.contact.email.clone(),
        phone: Some(request.contact.phone.national()),
    };
    for (to, message) in CaseAccepted::both(
        helper,
        contact,
        &request.establishment.name,
        &theme_labels(request),
        &case_link(state, request.id),
    ) {
        entraide_notifier::queue_at(conn, &to, &message, now)?;
    }
    Ok(())
}

/// "Appel téléphonique, Envoi d'un outil (Charte de télétravail)".
fn answer_summary(answer: &Answer) -> String {
    answer
        .items
        .iter()
        .map(|item| match &item.tool_name {
            Some(tool) => format!("{} ({tool})", item.answer_type.label()),
            None => item.answer_type.label().to_owned(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Queues the "case resolved" e-mail to the requester, with the rating link.
pub(crate) fn queue_resolved(
    conn: &mut DbConnection,
    state: &AppState,
    request: &HelpRequest,
    volunteer: &Volunteer,
    answer: &Answer,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    let message = CaseResolved {
        contact_name: request.contact.name.clone(),
        establishment_name: request.establishment.name.clone(),
        volunteer_name: volunteer.name.clone(),
        themes: theme_labels(request),
        answer_type: answer_summary(answer),
        rating_link: rating_link(state, request.id),
    };
    entraide_notifier::queue_at(conn, &request.contact.email, &message, now)?;
    Ok(())
}

/// Queues the notice to a volunteer who no longer holds a case.
pub(crate) fn queue_withdrawn(
    conn: &mut DbConnection,
    request: &HelpRequest,
    volunteer: &Volunteer,
    cause: &str,
    reason: Option<&str>,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    let message = CaseWithdrawn {
        volunteer_name: volunteer.name.clone(),
        establishment_name: request.establishment.name.clone(),
        themes: theme_labels(request),
        cause: cause.to_owned(),
        reason: reason.map(str::to_owned),
    };
    entraide_notifier::queue_at(conn, &volunteer.email, &message, now)?;
    Ok(())
}

/// Queues the "unmatched" alert to every active staff member; returns how many.
pub(crate) fn queue_unmatched(
    conn: &mut DbConnection,
    state: &AppState,
    request: &HelpRequest,
    reason: &str,
    proposals_made: usize,
    now: NaiveDateTime,
) -> Result<usize, ApiError> {
    let staff = entraide_store::cases::staff_recipients(conn)?;
    for (_, address, name) in &staff {
        let Ok(to) = Email::parse(address) else {
            // Addresses are checked when accounts are made; one that no longer parses
            // must not keep the others from being told.
            tracing::warn!(request_id = %request.id, "staff address unreadable, skipped");
            continue;
        };
        let message = RequestUnmatched {
            recipient_name: name.clone(),
            reference: request.reference.clone(),
            establishment_name: request.establishment.name.clone(),
            location: location(request),
            themes: theme_labels(request),
            urgency: request.urgency.label().to_owned(),
            reason: reason.to_owned(),
            proposals_made: u32::try_from(proposals_made).unwrap_or(u32::MAX),
            case_link: case_link(state, request.id),
        };
        entraide_notifier::queue_at(conn, &to, &message, now)?;
    }
    Ok(staff.len())
}

/// The last Sunday of a month.
fn last_sunday(year: i32, month: u32) -> Option<NaiveDate> {
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    }?;
    let last = next.pred_opt()?;
    Some(last - TimeDelta::days(i64::from(last.weekday().num_days_from_sunday())))
}

/// Paris time of a UTC time: UTC+2 from the last Sunday of March to the last Sunday of
/// October (at 01:00 UTC), UTC+1 otherwise. People read times in e-mails as French time.
pub(crate) fn paris_time(utc: NaiveDateTime) -> NaiveDateTime {
    let summer = match (last_sunday(utc.year(), 3), last_sunday(utc.year(), 10)) {
        (Some(start), Some(end)) => {
            let at_one = |day: NaiveDate| day.and_hms_opt(1, 0, 0);
            match (at_one(start), at_one(end)) {
                (Some(start), Some(end)) => utc >= start && utc < end,
                _ => false,
            }
        }
        _ => false,
    };
    utc + TimeDelta::hours(if summer { 2 } else { 1 })
}

/// "lundi 23 novembre à 14 h 05", in Paris time.
pub(crate) fn french_datetime(utc: NaiveDateTime) -> String {
    const MONTHS: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    let local = paris_time(utc);
    let weekday = match local.weekday() {
        Weekday::Mon => "lundi",
        Weekday::Tue => "mardi",
        Weekday::Wed => "mercredi",
        Weekday::Thu => "jeudi",
        Weekday::Fri => "vendredi",
        Weekday::Sat => "samedi",
        Weekday::Sun => "dimanche",
    };
    let month = usize::try_from(local.month0())
        .ok()
        .and_then(|m| MONTHS.get(m))
        .copied()
        .unwrap_or_default();
    let day = if local.day() == 1 {
        "1er".to_owned()
    } else {
        local.day().to_string()
    };
    format!(
        "{weekday} {day} {month} à {} h {:02}",
        local.hour(),
        local.minute()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|day| day.and_hms_opt(h, min, 0))
            .unwrap_or_default()
    }

    #[test]
    fn dates_are_written_in_french_in_paris_time() {
        assert_eq!(
            french_datetime(at(2026, 11, 23, 13, 5)),
            "lundi 23 novembre à 14 h 05"
        );
        // Summer time: UTC+2.
        assert_eq!(
            french_datetime(at(2026, 7, 1, 8, 30)),
            "mercredi 1er juillet à 10 h 30"
        );
        // The switches, on the last Sundays of March and October 2026 (29/03, 25/10).
        assert_eq!(paris_time(at(2026, 3, 29, 0, 59)), at(2026, 3, 29, 1, 59));
        assert_eq!(paris_time(at(2026, 3, 29, 1, 0)), at(2026, 3, 29, 3, 0));
        assert_eq!(paris_time(at(2026, 10, 25, 0, 59)), at(2026, 10, 25, 2, 59));
        assert_eq!(paris_time(at(2026, 10, 25, 1, 0)), at(2026, 10, 25, 2, 0));
    }
}
