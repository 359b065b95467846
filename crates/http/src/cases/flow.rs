//! Every change of state of a help request after its submission. Each public function
//! runs one write transaction ([`write_transaction`]) that starts by locking the request
//! ([`store::lock_request`]), checks the state it then reads, makes the change with
//! conditional updates, and queues the e-mails it causes: the change and its e-mails are
//! committed together or not at all.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::Connection;
use entraide_matching::RankOptions;
use entraide_notifier::PreparedEmail;
use entraide_store::cases::{
    self as store, Answer, CaseRecord, NewProposal, Progress, Proposal, ProposalStatus, Rating,
    WaveStart,
};
use entraide_store::matching::bump_volunteer_profiles;
use entraide_store::requests::{self, CancelOutcome, HelpRequest, RequestStatus};
use entraide_store::{
    background_write_transaction, volunteers, write_transaction, DbConnection, StoreError,
    Visibility,
};
use uuid::Uuid;

use super::mail;
use crate::{ApiError, AppState, FieldError};

/// A `409` about a request in state `current`.
pub(crate) fn invalid(
    code: &'static str,
    detail: impl Into<String>,
    current: RequestStatus,
) -> ApiError {
    ApiError::InvalidState {
        code,
        detail: detail.into(),
        current_status: Some(current.as_str().to_owned()),
        errors: Vec::new(),
    }
}

/// A `409` for an action that the request's state does not allow.
fn not_now(current: RequestStatus, what: &str) -> ApiError {
    invalid(
        "invalid_transition",
        format!(
            "{what} : la demande est dans l'état « {} » ({}).",
            current.label(),
            current.as_str()
        ),
        current,
    )
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n > 1 {
        format!("{n} {many}")
    } else {
        format!("{n} {one}")
    }
}

/// A volunteer chosen for the next wave.
#[derive(Debug, Clone)]
struct Candidate {
    volunteer: Uuid,
    rank: i32,
    score: f64,
    reasons: Vec<String>,
}

/// The volunteers chosen for a wave, and the version of volunteer profiles their ranking
/// read.
#[derive(Debug)]
struct Shortlist {
    chosen: Vec<Candidate>,
    profiles_version: i64,
}

/// The best `count` eligible volunteers not yet asked for the request (a volunteer is
/// asked once per request; those who declined or let a proposal expire are excluded by
/// the matcher itself).
fn candidates(
    state: &AppState,
    conn: &mut DbConnection,
    request_id: Uuid,
    now: NaiveDateTime,
    count: usize,
) -> Result<Shortlist, ApiError> {
    let asked = store::asked_volunteers(conn, request_id)?;
    let options = RankOptions {
        limit: count + asked.len(),
        explain_excluded: false,
    };
    let ranked = state.matching.rank(conn, request_id, now, &options)?;
    let chosen = ranked
        .ranking
        .entries
        .into_iter()
        .filter(|entry| !asked.contains(&entry.score.volunteer))
        .take(count)
        .map(|entry| Candidate {
            volunteer: entry.score.volunteer,
            rank: i32::try_from(entry.rank).unwrap_or(i32::MAX),
            score: entry.score.total,
            reasons: entry.score.reasons,
        })
        .collect();
    Ok(Shortlist {
        chosen,
        profiles_version: ranked.snapshot.version,
    })
}

fn per_wave(state: &AppState) -> usize {
    usize::try_from(state.cases.proposals_per_wave).unwrap_or(usize::MAX)
}

/// A proposal and its e-mail, worked out before they are written.
#[derive(Debug)]
struct PreparedProposal {
    proposal: Proposal,
    email: PreparedEmail,
}

/// The proposals of a wave and their e-mails, from what the store holds (reads only).
fn prepare_proposals(
    state: &AppState,
    conn: &mut DbConnection,
    request: &HelpRequest,
    wave: i32,
    chosen: &[Candidate],
    proposed_by: Option<Uuid>,
    now: NaiveDateTime,
) -> Result<Vec<PreparedProposal>, ApiError> {
    let expires_at = now + state.cases.expiry(request.urgency);
    let ids: Vec<Uuid> = chosen.iter().map(|candidate| candidate.volunteer).collect();
    let volunteers = volunteers::get_many(conn, &ids)?;
    chosen
        .iter()
        .zip(volunteers)
        .map(|(candidate, volunteer)| {
            let new = NewProposal {
                request_id: request.id,
                volunteer_id: candidate.volunteer,
                wave,
                rank: candidate.rank,
                score: candidate.score,
                reasons: candidate.reasons.clone(),
                proposed_by,
                expires_at,
            };
            let proposal = Proposal::pending(new, now);
            let email = mail::proposal_email(state, request, &volunteer, &proposal)?;
            Ok(PreparedProposal { proposal, email })
        })
        .collect()
}

/// Stores prepared proposals and queues their e-mails.
fn store_proposals(
    conn: &mut DbConnection,
    prepared: Vec<PreparedProposal>,
    now: NaiveDateTime,
) -> Result<Vec<Proposal>, ApiError> {
    prepared
        .into_iter()
        .map(|PreparedProposal { proposal, email }| {
            store::insert_proposal(conn, &proposal)?;
            entraide_notifier::enqueue(conn, &email, now)?;
            tracing::info!(
                request_id = %proposal.request_id,
                proposal_id = %proposal.id,
                volunteer_id = %proposal.volunteer_id,
                wave = proposal.wave,
                "request proposed to a volunteer"
            );
            Ok(proposal)
        })
        .collect()
}

/// Stores the proposals of a wave and queues their e-mails.
fn send_proposals(
    state: &AppState,
    conn: &mut DbConnection,
    request_id: Uuid,
    wave: i32,
    chosen: &[Candidate],
    proposed_by: Option<Uuid>,
    now: NaiveDateTime,
) -> Result<Vec<Proposal>, ApiError> {
    let request = requests::get(conn, Visibility::All, request_id)?;
    let prepared = prepare_proposals(state, conn, &request, wave, chosen, proposed_by, now)?;
    store_proposals(conn, prepared, now)
}

/// What a look for volunteers did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaveOutcome {
    /// Nothing to do (another transaction acted, or the state does not call for it).
    Nothing,
    /// A wave was proposed.
    Proposed {
        /// Its number.
        wave: i32,
        /// Volunteers asked.
        volunteers: usize,
    },
    /// Nobody accepted or could be asked: the request is unmatched and staff were told.
    Unmatched,
    /// Nobody can be asked yet; the next pass tries again.
    Waiting,
}

/// Moves a request to `unmatched`, telling staff when the service did it on its own.
fn go_unmatched(
    state: &AppState,
    conn: &mut DbConnection,
    progress: &Progress,
    reason: &str,
    actor: Option<Uuid>,
    now: NaiveDateTime,
) -> Result<bool, ApiError> {
    let changed = store::change_status(
        conn,
        progress.id,
        progress.status,
        RequestStatus::Unmatched,
        actor,
        Some(reason),
        now,
    )?;
    if changed && actor.is_none() {
        let request = requests::get(conn, Visibility::All, progress.id)?;
        let asked = store::asked_volunteers(conn, progress.id)?.len();
        let told = mail::queue_unmatched(conn, state, &request, reason, asked, now)?;
        tracing::warn!(
            request_id = %progress.id,
            volunteers_asked = asked,
            staff_told = told,
            "request unmatched: staff must act"
        );
    }
    Ok(changed)
}

/// A first wave worked out, before its transaction (see [`plan_first_wave`]) or in it.
#[derive(Debug)]
pub struct FirstWavePlan {
    /// The wave it proposes: the request's next one when planned.
    wave: i32,
    /// The version of volunteer profiles its ranking read.
    profiles_version: i64,
    proposals: Vec<PreparedProposal>,
}

impl FirstWavePlan {
    /// The volunteers it asks, best first, and the id each proposal gets if the plan
    /// still holds when written.
    pub fn proposals(&self) -> Vec<(Uuid, Uuid)> {
        self.proposals
            .iter()
            .map(|p| (p.proposal.volunteer_id, p.proposal.id))
            .collect()
    }
}

/// Works out the first wave of a submitted request without writing anything: ranking,
/// volunteers, e-mails, the part of [`first_wave`] that needs no write lock. Run before
/// it, outside the transaction, it lets other writers go on meanwhile (on SQLite, every
/// writer waits for the one before). `None` when there is nothing to plan: the request is
/// no longer `submitted`, or nobody can be asked yet ([`first_wave`] then decides).
pub fn plan_first_wave(
    state: &AppState,
    conn: &mut DbConnection,
    request_id: Uuid,
    now: NaiveDateTime,
) -> Result<Option<FirstWavePlan>, ApiError> {
    let progress = store::progress(conn, request_id)?;
    if progress.status != RequestStatus::Submitted {
        return Ok(None);
    }
    work_out_wave(state, conn, request_id, progress.wave + 1, now)
}

/// Wave `wave` of a request as the current ranking gives it (reads only); `None` when
/// nobody can be asked.
fn work_out_wave(
    state: &AppState,
    conn: &mut DbConnection,
    request_id: Uuid,
    wave: i32,
    now: NaiveDateTime,
) -> Result<Option<FirstWavePlan>, ApiError> {
    let shortlist = candidates(state, conn, request_id, now, per_wave(state))?;
    if shortlist.chosen.is_empty() {
        return Ok(None);
    }
    let request = requests::get(conn, Visibility::All, request_id)?;
    let proposals = prepare_proposals(state, conn, &request, wave, &shortlist.chosen, None, now)?;
    Ok(Some(FirstWavePlan {
        wave,
        profiles_version: shortlist.profiles_version,
        proposals,
    }))
}

/// Proposes the first wave of a submitted request, from `plan` when it still holds (see
/// [`plan_first_wave`]). With nobody to ask, the request waits (the background job tries
/// again at each pass: a volunteer may be accepted, come back from a pause or finish a
/// case) until one proposal delay has passed since its submission; it then becomes
/// `unmatched` and staff are told.
pub fn first_wave(
    state: &AppState,
    conn: &mut DbConnection,
    request_id: Uuid,
    plan: Option<FirstWavePlan>,
    now: NaiveDateTime,
) -> Result<WaveOutcome, ApiError> {
    let progress = store::lock_request(conn, request_id)?;
    if progress.status != RequestStatus::Submitted {
        return Ok(WaveOutcome::Nothing);
    }
    let wave = progress.wave + 1;
    // A plan holds while what it read is unchanged: the request's state (checked above)
    // and wave, and every volunteer's profile (one counter moves with any of them).
    let plan = match plan {
        Some(plan)
            if plan.wave == wave
                && plan.profiles_version
                    == entraide_store::matching::volunteer_profiles_version(conn)? =>
        {
            plan
        }
        _ => match work_out_wave(state, conn, request_id, wave, now)? {
            Some(plan) => plan,
            None => return nobody_to_ask(state, conn, &progress, now),
        },
    };
    let start = WaveStart {
        from: RequestStatus::Submitted,
        current_wave: progress.wave,
        wave,
        last_wave: progress.wave + state.cases.waves_i32(),
    };
    let volunteers = plan.proposals.len();
    let reason = format!(
        "Vague {wave} : {} sollicité(s)",
        plural(volunteers, "volontaire", "volontaires")
    );
    if !store::claim_wave(conn, request_id, start, None, Some(&reason), now)? {
        return Ok(WaveOutcome::Nothing);
    }
    store_proposals(conn, plan.proposals, now)?;
    Ok(WaveOutcome::Proposed { wave, volunteers })
}

/// A submitted request nobody can be asked for: it waits, or once one proposal delay has
/// passed since its submission, becomes `unmatched`.
fn nobody_to_ask(
    state: &AppState,
    conn: &mut DbConnection,
    progress: &Progress,
    now: NaiveDateTime,
) -> Result<WaveOutcome, ApiError> {
    let delay = state.cases.expiry(progress.urgency);
    if now >= progress.created_at + delay {
        let reason = format!(
            "Aucun volontaire ne pouvait recevoir cette demande (thèmes, disponibilité, capacité) dans les {} suivant son dépôt.",
            plural(usize::try_from(delay.num_hours()).unwrap_or(0), "heure", "heures")
        );
        go_unmatched(state, conn, progress, &reason, None, now)?;
        return Ok(WaveOutcome::Unmatched);
    }
    Ok(WaveOutcome::Waiting)
}

/// Ends the current wave of a proposed request with no pending proposal left: the next
/// wave is proposed, or, after the last wave or with nobody left to ask, the request
/// becomes `unmatched` and staff are told. Call it under the request's lock.
pub fn advance(
    state: &AppState,
    conn: &mut DbConnection,
    progress: &Progress,
    now: NaiveDateTime,
) -> Result<WaveOutcome, ApiError> {
    if progress.status != RequestStatus::Proposed || store::pending_count(conn, progress.id)? > 0 {
        return Ok(WaveOutcome::Nothing);
    }
    let last = progress
        .last_wave
        .unwrap_or_else(|| state.cases.waves_i32());
    if progress.wave < last {
        let chosen = candidates(state, conn, progress.id, now, per_wave(state))?.chosen;
        if !chosen.is_empty() {
            let wave = progress.wave + 1;
            let start = WaveStart {
                from: RequestStatus::Proposed,
                current_wave: progress.wave,
                wave,
                last_wave: last,
            };
            if !store::claim_wave(conn, progress.id, start, None, None, now)? {
                return Ok(WaveOutcome::Nothing);
            }
            send_proposals(state, conn, progress.id, wave, &chosen, None, now)?;
            return Ok(WaveOutcome::Proposed {
                wave,
                volunteers: chosen.len(),
            });
        }
    }
    let asked = store::asked_volunteers(conn, progress.id)?.len();
    let reason = format!(
        "Aucun des volontaires sollicités n'a accepté la demande ({}, {}).",
        plural(asked, "volontaire", "volontaires"),
        plural(
            usize::try_from(progress.wave).unwrap_or(0),
            "vague",
            "vagues"
        )
    );
    if go_unmatched(state, conn, progress, &reason, None, now)? {
        Ok(WaveOutcome::Unmatched)
    } else {
        Ok(WaveOutcome::Nothing)
    }
}

/// A volunteer accepts a proposal addressed to them. The first acceptance wins: the
/// request moves to `accepted` with a conditional update, the case is inserted (its
/// primary key refuses a second one), every other pending proposal is withdrawn and both
/// parties are e-mailed each other's contact details. Capacity is checked against the
/// database, under the volunteer's row lock.
pub fn accept(
    state: &AppState,
    conn: &mut DbConnection,
    user: Uuid,
    proposal_id: Uuid,
    now: NaiveDateTime,
) -> Result<CaseRecord, ApiError> {
    write_transaction(conn, |conn| {
        let proposal = store::proposal(conn, Visibility::OwnedBy(user), proposal_id)?;
        let progress = store::lock_request(conn, proposal.request_id)?;
        let proposal = store::proposal(conn, Visibility::All, proposal_id)?;
        let current = progress.status;
        match current {
            RequestStatus::Proposed => {}
            RequestStatus::Accepted | RequestStatus::Resolved | RequestStatus::Closed => {
                return Err(invalid(
                    "already_accepted",
                    "Un volontaire a déjà accepté cette demande : merci de votre réactivité.",
                    current,
                ))
            }
            other => return Err(not_now(other, "Cette demande n'attend plus de volontaire")),
        }
        if proposal.status != ProposalStatus::Pending {
            return Err(invalid(
                "proposal_closed",
                format!(
                    "Cette proposition n'attend plus de réponse : elle est « {} » ({}).",
                    proposal.status.label(),
                    proposal.status.as_str()
                ),
                current,
            ));
        }
        if proposal.expires_at <= now {
            return Err(invalid(
                "proposal_expired",
                "Le délai de réponse à cette proposition est dépassé.",
                current,
            ));
        }
        let availability = store::lock_volunteer(conn, proposal.volunteer_id)?;
        if !availability.active {
            return Err(invalid(
                "volunteer_inactive",
                "Votre profil de volontaire est désactivé : contactez l'équipe de l'ANAP.",
                current,
            ));
        }
        if availability.open_cases >= i64::from(availability.capacity) {
            return Err(invalid(
                "at_capacity",
                format!(
                    "Vous suivez déjà {} sur les {} que vous avez choisi de suivre à la fois : terminez-en une ou augmentez votre capacité.",
                    plural(usize::try_from(availability.open_cases).unwrap_or(0), "demande", "demandes"),
                    availability.capacity
                ),
                current,
            ));
        }
        let id = proposal.request_id;
        let taken = |current| {
            invalid(
                "already_accepted",
                "Un volontaire a déjà accepté cette demande : merci de votre réactivité.",
                current,
            )
        };
        if !store::change_status(
            conn,
            id,
            current,
            RequestStatus::Accepted,
            Some(user),
            None,
            now,
        )? {
            return Err(taken(store::progress(conn, id)?.status));
        }
        if !store::answer_proposal(conn, proposal_id, ProposalStatus::Accepted, None, now)? {
            return Err(taken(RequestStatus::Accepted));
        }
        let withdrawn = store::withdraw_pending(conn, id, now)?;
        match store::insert_case(conn, id, proposal.volunteer_id, proposal_id, now) {
            Err(StoreError::Conflict(_)) => return Err(taken(RequestStatus::Accepted)),
            other => other?,
        }
        bump_volunteer_profiles(conn)?;
        let request = requests::get(conn, Visibility::All, id)?;
        let volunteer = volunteers::get(conn, Visibility::All, proposal.volunteer_id)?;
        mail::queue_accepted(conn, state, &request, &volunteer, now)?;
        tracing::info!(
            request_id = %id,
            proposal_id = %proposal_id,
            volunteer_id = %proposal.volunteer_id,
            withdrawn,
            "proposal accepted"
        );
        Ok(store::case_record(conn, Visibility::All, id, now)?)
    })
}

/// A volunteer declines a proposal addressed to them, with an optional reason. When it
/// was the last pending one of its wave, the next wave is proposed at once.
pub fn decline(
    state: &AppState,
    conn: &mut DbConnection,
    user: Uuid,
    proposal_id: Uuid,
    reason: Option<&str>,
    now: NaiveDateTime,
) -> Result<Proposal, ApiError> {
    write_transaction(conn, |conn| {
        let proposal = store::proposal(conn, Visibility::OwnedBy(user), proposal_id)?;
        let progress = store::lock_request(conn, proposal.request_id)?;
        let proposal = store::proposal(conn, Visibility::All, proposal_id)?;
        if proposal.status != ProposalStatus::Pending
            || !store::answer_proposal(conn, proposal_id, ProposalStatus::Declined, reason, now)?
        {
            return Err(invalid(
                "proposal_closed",
                format!(
                    "Cette proposition n'attend plus de réponse : elle est « {} » ({}).",
                    proposal.status.label(),
                    proposal.status.as_str()
                ),
                progress.status,
            ));
        }
        tracing::info!(
            request_id = %proposal.request_id,
            proposal_id = %proposal_id,
            volunteer_id = %proposal.volunteer_id,
            "proposal declined"
        );
        advance(state, conn, &progress, now)?;
        Ok(store::proposal(conn, Visibility::All, proposal_id)?)
    })
}

/// The volunteer holding a case records how they helped: the request becomes
/// `resolved` and the requester is e-mailed a link to rate the help.
pub fn resolve(
    state: &AppState,
    conn: &mut DbConnection,
    user: Uuid,
    request_id: Uuid,
    answer: &Answer,
    now: NaiveDateTime,
) -> Result<CaseRecord, ApiError> {
    write_transaction(conn, |conn| {
        let progress = store::lock_request(conn, request_id)?;
        let volunteer = volunteers::find_by_user(conn, user)?.ok_or(ApiError::NotFound)?;
        match store::case_of(conn, request_id)? {
            Some(case) if case.volunteer_id == volunteer.id => {}
            // Only the volunteer holding the case may see it.
            _ => return Err(ApiError::NotFound),
        }
        if progress.status != RequestStatus::Accepted {
            return Err(not_now(
                progress.status,
                "Une réponse ne peut être enregistrée que sur une demande prise en charge",
            ));
        }
        if !store::record_answer(conn, request_id, answer)?
            || !store::change_status(
                conn,
                request_id,
                RequestStatus::Accepted,
                RequestStatus::Resolved,
                Some(user),
                None,
                now,
            )?
        {
            return Err(not_now(
                store::progress(conn, request_id)?.status,
                "Réponse refusée",
            ));
        }
        bump_volunteer_profiles(conn)?;
        let request = requests::get(conn, Visibility::All, request_id)?;
        mail::queue_resolved(conn, state, &request, &volunteer, answer, now)?;
        tracing::info!(request_id = %request_id, volunteer_id = %volunteer.id, "case resolved");
        Ok(store::case_record(conn, Visibility::All, request_id, now)?)
    })
}

/// The requester rates the help received: a resolved request becomes `closed`; a request
/// closed without a rating (by staff or automatically) takes a late one. Staff may not
/// rate in the requester's place (`403`); others get `404`.
pub fn rate(
    conn: &mut DbConnection,
    user: Uuid,
    is_staff: bool,
    request_id: Uuid,
    rating: &Rating,
    now: NaiveDateTime,
) -> Result<CaseRecord, ApiError> {
    write_transaction(conn, |conn| {
        let progress = store::lock_request(conn, request_id)?;
        if progress.requester_user_id != user {
            return Err(if is_staff {
                ApiError::Forbidden
            } else {
                ApiError::NotFound
            });
        }
        let already = |current| {
            invalid(
                "already_rated",
                "Vous avez déjà donné votre avis sur cette demande : merci !",
                current,
            )
        };
        match progress.status {
            RequestStatus::Resolved => {
                store::insert_rating(conn, request_id, rating)?;
                store::close_case(conn, request_id, now)?;
                store::change_status(
                    conn,
                    request_id,
                    RequestStatus::Resolved,
                    RequestStatus::Closed,
                    Some(user),
                    Some("Avis du demandeur"),
                    now,
                )?;
                bump_volunteer_profiles(conn)?;
            }
            RequestStatus::Closed => {
                if store::rating_of(conn, request_id)?.is_some() {
                    return Err(already(RequestStatus::Closed));
                }
                match store::insert_rating(conn, request_id, rating) {
                    Err(StoreError::Conflict(_)) => return Err(already(RequestStatus::Closed)),
                    other => other?,
                }
            }
            other => {
                return Err(not_now(
                    other,
                    "Vous pourrez donner votre avis une fois la réponse apportée",
                ))
            }
        }
        tracing::info!(request_id = %request_id, "case rated");
        Ok(store::case_record(conn, Visibility::All, request_id, now)?)
    })
}

/// Staff close a resolved case without waiting for the rating.
pub fn close(
    conn: &mut DbConnection,
    staff: Uuid,
    request_id: Uuid,
    reason: Option<&str>,
    now: NaiveDateTime,
) -> Result<CaseRecord, ApiError> {
    write_transaction(conn, |conn| {
        let progress = store::lock_request(conn, request_id)?;
        if progress.status != RequestStatus::Resolved
            || !store::change_status(
                conn,
                request_id,
                RequestStatus::Resolved,
                RequestStatus::Closed,
                Some(staff),
                reason,
                now,
            )?
        {
            return Err(not_now(
                progress.status,
                "Seule une demande dont la réponse est apportée peut être clôturée",
            ));
        }
        store::close_case(conn, request_id, now)?;
        bump_volunteer_profiles(conn)?;
        tracing::info!(request_id = %request_id, user_id = %staff, "case closed by staff");
        Ok(store::case_record(conn, Visibility::All, request_id, now)?)
    })
}

/// Closes a case resolved long enough ago, with no rating (background job). Returns
/// whether this transaction closed it.
pub fn auto_close(
    conn: &mut DbConnection,
    request_id: Uuid,
    days: i64,
    now: NaiveDateTime,
) -> Result<bool, ApiError> {
    write_transaction(conn, |conn| {
        let progress = store::lock_request(conn, request_id)?;
        if progress.status != RequestStatus::Resolved {
            return Ok(false);
        }
        let reason = format!(
            "Clôture automatique : pas d'avis du demandeur {} après la réponse.",
            plural(usize::try_from(days).unwrap_or(0), "jour", "jours")
        );
        let closed = store::change_status(
            conn,
            request_id,
            RequestStatus::Resolved,
            RequestStatus::Closed,
            None,
            Some(&reason),
            now,
        )?;
        if closed {
            store::close_case(conn, request_id, now)?;
            bump_volunteer_profiles(conn)?;
            tracing::info!(request_id = %request_id, "case closed automatically");
        }
        Ok(closed)
    })
}

/// Proposes a new wave after staff reopened a request (from `accepted`, `cancelled` or
/// `unmatched`), with a fresh allowance of automatic waves.
fn relaunch(
    state: &AppState,
    conn: &mut DbConnection,
    progress: &Progress,
    staff: Uuid,
    reason: &str,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    let chosen = candidates(state, conn, progress.id, now, per_wave(state))?.chosen;
    if chosen.is_empty() {
        if progress.status == RequestStatus::Unmatched {
            return Err(invalid(
                "no_volunteer",
                "Aucun autre volontaire ne peut recevoir cette demande pour l'instant : proposez-la nommément à un volontaire.",
                RequestStatus::Unmatched,
            ));
        }
        store::change_status(
            conn,
            progress.id,
            progress.status,
            RequestStatus::Unmatched,
            Some(staff),
            Some(reason),
            now,
        )?;
        return Ok(());
    }
    let wave = progress.wave + 1;
    let start = WaveStart {
        from: progress.status,
        current_wave: progress.wave,
        wave,
        last_wave: progress.wave + state.cases.waves_i32(),
    };
    if !store::claim_wave(conn, progress.id, start, Some(staff), Some(reason), now)? {
        return Err(not_now(
            store::progress(conn, progress.id)?.status,
            "Réouverture refusée",
        ));
    }
    send_proposals(state, conn, progress.id, wave, &chosen, None, now)?;
    Ok(())
}

/// Staff reopen a request, with a reason:
/// * `accepted`: the volunteer is released (and told) and the request is proposed to
///   others;
/// * `resolved` or `closed`: the case goes back to its volunteer (`accepted`);
/// * `cancelled` or `unmatched`: the request is proposed again (`unmatched` when nobody
///   can be asked; from `unmatched`, that is a `409`).
pub fn reopen(
    state: &AppState,
    conn: &mut DbConnection,
    staff: Uuid,
    request_id: Uuid,
    reason: &str,
    now: NaiveDateTime,
) -> Result<CaseRecord, ApiError> {
    write_transaction(conn, |conn| {
        let progress = store::lock_request(conn, request_id)?;
        match progress.status {
            RequestStatus::Accepted => {
                if let Some(case) = store::case_of(conn, request_id)? {
                    store::delete_case(conn, request_id)?;
                    store::withdraw_accepted(conn, request_id)?;
                    bump_volunteer_profiles(conn)?;
                    let request = requests::get(conn, Visibility::All, request_id)?;
                    let volunteer = volunteers::get(conn, Visibility::All, case.volunteer_id)?;
                    mail::queue_withdrawn(
                        conn,
                        &request,
                        &volunteer,
                        "L'équipe de l'ANAP a repris la demande pour la proposer à d'autres volontaires.",
                        Some(reason),
                        now,
                    )?;
                }
                relaunch(state, conn, &progress, staff, reason, now)?;
            }
            RequestStatus::Resolved | RequestStatus::Closed => {
                store::reopen_case(conn, request_id)?;
                store::change_status(
                    conn,
                    request_id,
                    progress.status,
                    RequestStatus::Accepted,
                    Some(staff),
                    Some(reason),
                    now,
                )?;
                bump_volunteer_profiles(conn)?;
            }
            RequestStatus::Cancelled => {
                store::clear_cancellation(conn, request_id)?;
                relaunch(state, conn, &progress, staff, reason, now)?;
            }
            RequestStatus::Unmatched => relaunch(state, conn, &progress, staff, reason, now)?,
            other @ (RequestStatus::Submitted | RequestStatus::Proposed) => {
                return Err(not_now(
                    other,
                    "Cette demande est déjà en cours de proposition",
                ))
            }
        }
        tracing::info!(request_id = %request_id, user_id = %staff, from = %progress.status, "request reopened by staff");
        Ok(store::case_record(conn, Visibility::All, request_id, now)?)
    })
}

/// Staff propose a request to a named volunteer (waiting requests only: `submitted`,
/// `proposed` or `unmatched`). The volunteer must be eligible for it and not asked yet.
pub fn staff_propose(
    state: &AppState,
    conn: &mut DbConnection,
    staff: Uuid,
    request_id: Uuid,
    volunteer_id: Uuid,
    now: NaiveDateTime,
) -> Result<Proposal, ApiError> {
    write_transaction(conn, |conn| {
        let progress = store::lock_request(conn, request_id)?;
        let current = progress.status;
        if !matches!(
            current,
            RequestStatus::Submitted | RequestStatus::Proposed | RequestStatus::Unmatched
        ) {
            return Err(not_now(
                current,
                "Seule une demande en attente de volontaire peut être proposée",
            ));
        }
        let volunteer = match volunteers::get(conn, Visibility::All, volunteer_id) {
            Err(StoreError::NotFound) => {
                return Err(ApiError::Validation(vec![FieldError {
                    path: "/volunteer_id".into(),
                    code: "volunteer.unknown".into(),
                    message: "Aucun volontaire ne porte cet identifiant.".into(),
                }]))
            }
            other => other?,
        };
        if let Some(earlier) = store::proposals_of_request(conn, request_id)?
            .into_iter()
            .find(|p| p.volunteer_id == volunteer_id)
        {
            return Err(invalid(
                "already_proposed",
                format!(
                    "{} a déjà reçu cette demande (proposition « {} »).",
                    volunteer.name,
                    earlier.status.label()
                ),
                current,
            ));
        }
        let score = match state
            .matching
            .evaluate(conn, request_id, volunteer_id, now)?
        {
            Ok(score) => score,
            Err(excluded) => {
                let reasons: Vec<String> = excluded.reasons.iter().map(|r| r.message()).collect();
                return Err(invalid(
                    "volunteer_excluded",
                    format!(
                        "{} ne peut pas recevoir cette demande : {}.",
                        volunteer.name,
                        reasons.join(" ; ")
                    ),
                    current,
                ));
            }
        };
        let wave = if current == RequestStatus::Proposed {
            progress.wave.max(1)
        } else {
            let wave = progress.wave + 1;
            // From `submitted` the automatic waves follow if nobody accepts; from
            // `unmatched` staff are already in charge and nothing more is automatic.
            let last_wave = if current == RequestStatus::Submitted {
                progress.wave + state.cases.waves_i32()
            } else {
                wave
            };
            let start = WaveStart {
                from: current,
                current_wave: progress.wave,
                wave,
                last_wave,
            };
            let reason = format!("Proposée par l'équipe à {}", volunteer.name);
            if !store::claim_wave(conn, request_id, start, Some(staff), Some(&reason), now)? {
                return Err(not_now(
                    store::progress(conn, request_id)?.status,
                    "Proposition refusée",
                ));
            }
            wave
        };
        let chosen = Candidate {
            volunteer: volunteer_id,
            rank: 0,
            score: score.total,
            reasons: score.reasons,
        };
        let mut sent = send_proposals(state, conn, request_id, wave, &[chosen], Some(staff), now)?;
        sent.pop()
            .ok_or_else(|| ApiError::Internal("no proposal stored".into()))
    })
}

/// One (request, volunteer) pair of a batch proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pair {
    /// The request.
    pub request_id: Uuid,
    /// The volunteer.
    pub volunteer_id: Uuid,
}

/// Applies a batch proposal that staff previewed: every pair is checked again against
/// the database (the request still waits for a volunteer, the volunteer was not asked
/// yet, is still eligible and has the spare capacity for the pairs given to them), and
/// either every proposal is made or none, with a `409` listing each pair that no longer
/// fits.
pub fn confirm_batch(
    state: &AppState,
    conn: &mut DbConnection,
    staff: Uuid,
    pairs: &[Pair],
    now: NaiveDateTime,
) -> Result<Vec<Proposal>, ApiError> {
    write_transaction(conn, |conn| {
        // Requests are locked in id order, so that two batches cannot deadlock.
        let mut order: Vec<usize> = (0..pairs.len()).collect();
        order.sort_by_key(|&i| pairs[i].request_id);
        let mut errors: Vec<(usize, FieldError)> = Vec::new();
        let mut fail = |i: usize, code: &str, message: String| {
            errors.push((
                i,
                FieldError {
                    path: format!("/assignments/{i}"),
                    code: code.to_owned(),
                    message,
                },
            ))
        };
        let mut ready = Vec::with_capacity(pairs.len());
        for &i in &order {
            let pair = pairs[i];
            let progress = match store::lock_request(conn, pair.request_id) {
                Ok(progress) => progress,
                Err(StoreError::NotFound) => {
                    fail(
                        i,
                        "assignment.request_unknown",
                        "Cette demande n'existe pas.".into(),
                    );
                    continue;
                }
                Err(other) => return Err(other.into()),
            };
            if !matches!(
                progress.status,
                RequestStatus::Submitted | RequestStatus::Unmatched
            ) {
                fail(
                    i,
                    "assignment.request_state",
                    format!(
                        "La demande est maintenant dans l'état « {} » ({}).",
                        progress.status.label(),
                        progress.status.as_str()
                    ),
                );
                continue;
            }
            if store::asked_volunteers(conn, pair.request_id)?.contains(&pair.volunteer_id) {
                fail(
                    i,
                    "assignment.already_proposed",
                    "Ce volontaire a déjà reçu cette demande.".into(),
                );
                continue;
            }
            match state
                .matching
                .evaluate(conn, pair.request_id, pair.volunteer_id, now)
            {
                Ok(Ok(score)) => ready.push((i, progress, score)),
                Ok(Err(excluded)) => {
                    let reasons: Vec<String> =
                        excluded.reasons.iter().map(|r| r.message()).collect();
                    fail(
                        i,
                        "assignment.volunteer_excluded",
                        format!(
                            "Ce volontaire ne peut plus recevoir cette demande : {}.",
                            reasons.join(" ; ")
                        ),
                    );
                }
                Err(ApiError::NotFound) => fail(
                    i,
                    "assignment.volunteer_unknown",
                    "Ce volontaire n'existe pas.".into(),
                ),
                Err(other) => return Err(other),
            }
        }
        let mut wanted: HashMap<Uuid, Vec<usize>> = HashMap::new();
        for pair_index in ready.iter().map(|(i, ..)| *i) {
            wanted
                .entry(pairs[pair_index].volunteer_id)
                .or_default()
                .push(pair_index);
        }
        for (volunteer, indexes) in &wanted {
            let availability = store::availability(conn, *volunteer)?;
            let spare = i64::from(availability.capacity) - availability.open_cases;
            if i64::try_from(indexes.len()).unwrap_or(i64::MAX) > spare {
                for &i in indexes {
                    fail(
                        i,
                        "assignment.capacity",
                        format!(
                            "Ce volontaire n'a plus que {} de libre.",
                            plural(
                                usize::try_from(spare.max(0)).unwrap_or(0),
                                "place",
                                "places"
                            )
                        ),
                    );
                }
            }
        }
        if !errors.is_empty() {
            errors.sort_by_key(|(i, _)| *i);
            return Err(ApiError::InvalidState {
                code: "batch_changed",
                detail: format!(
                    "La situation a changé depuis l'aperçu ({}) : rien n'a été proposé ; refaites l'aperçu.",
                    plural(errors.len(), "proposition ne convient plus", "propositions ne conviennent plus")
                ),
                current_status: None,
                errors: errors.into_iter().map(|(_, e)| e).collect(),
            });
        }
        let mut made: Vec<(usize, Proposal)> = Vec::with_capacity(ready.len());
        for (i, progress, score) in ready {
            let pair = pairs[i];
            let wave = progress.wave + 1;
            let last_wave = if progress.status == RequestStatus::Submitted {
                progress.wave + state.cases.waves_i32()
            } else {
                wave
            };
            let start = WaveStart {
                from: progress.status,
                current_wave: progress.wave,
                wave,
                last_wave,
            };
            if !store::claim_wave(
                conn,
                pair.request_id,
                start,
                Some(staff),
                Some("Proposition groupée de l'équipe"),
                now,
            )? {
                return Err(not_now(
                    store::progress(conn, pair.request_id)?.status,
                    "Proposition groupée refusée",
                ));
            }
            let chosen = Candidate {
                volunteer: pair.volunteer_id,
                rank: 0,
                score: score.total,
                reasons: score.reasons,
            };
            for proposal in send_proposals(
                state,
                conn,
                pair.request_id,
                wave,
                &[chosen],
                Some(staff),
                now,
            )? {
                made.push((i, proposal));
            }
        }
        made.sort_by_key(|(i, _)| *i);
        tracing::info!(user_id = %staff, proposals = made.len(), "batch proposal confirmed");
        Ok(made.into_iter().map(|(_, p)| p).collect())
    })
}

/// Cancels a request (its requester or staff): the store's cancellation, plus what it
/// means for the case: pending proposals are withdrawn and a volunteer who had accepted
/// is released and told.
pub(crate) fn cancel(
    conn: &mut DbConnection,
    visibility: Visibility,
    id: Uuid,
    actor: Uuid,
    reason: Option<&str>,
    now: NaiveDateTime,
) -> Result<CancelOutcome, ApiError> {
    write_transaction(conn, |conn| {
        store::lock_request(conn, id)?;
        let case = store::case_of(conn, id)?;
        let outcome = requests::cancel(conn, visibility, id, actor, reason, now)?;
        if let CancelOutcome::Cancelled(request) = &outcome {
            store::withdraw_pending(conn, id, now)?;
            if let Some(case) = case {
                store::delete_case(conn, id)?;
                store::withdraw_accepted(conn, id)?;
                bump_volunteer_profiles(conn)?;
                let volunteer = volunteers::get(conn, Visibility::All, case.volunteer_id)?;
                let cause = if actor == request.requester_user_id {
                    "L'établissement a annulé sa demande."
                } else {
                    "L'équipe de l'ANAP a annulé la demande."
                };
                mail::queue_withdrawn(conn, request, &volunteer, cause, reason, now)?;
                tracing::info!(request_id = %id, volunteer_id = %case.volunteer_id, "volunteer released by a cancellation");
            }
        }
        Ok(outcome)
    })
}

/// Expires the due proposals of one request and, when its wave is over, moves it on
/// (background job). Returns (proposals expired, what the wave did).
pub fn expire(
    state: &AppState,
    conn: &mut DbConnection,
    request_id: Uuid,
    now: NaiveDateTime,
) -> Result<(usize, WaveOutcome), ApiError> {
    write_transaction(conn, |conn| {
        let progress = store::lock_request(conn, request_id)?;
        let expired = store::expire_due(conn, request_id, now)?;
        for volunteer in &expired {
            tracing::info!(request_id = %request_id, volunteer_id = %volunteer, "proposal expired");
        }
        let outcome = advance(state, conn, &progress, now)?;
        Ok((expired.len(), outcome))
    })
}

/// Moves on a proposed request whose wave is over (background job: declines whose next
/// wave failed, or a process that stopped in between).
pub fn advance_request(
    state: &AppState,
    conn: &mut DbConnection,
    request_id: Uuid,
    now: NaiveDateTime,
) -> Result<WaveOutcome, ApiError> {
    write_transaction(conn, |conn| {
        let progress = store::lock_request(conn, request_id)?;
        advance(state, conn, &progress, now)
    })
}

/// The outcome of each request of a group of first waves.
pub type WaveOutcomes = Vec<(Uuid, Result<WaveOutcome, ApiError>)>;

/// Proposes the first waves of submitted requests, each from its plan when it still
/// holds (background jobs), in one transaction: each request behind a savepoint of its
/// own, so that one that fails is rolled back alone while the others commit, and the
/// group costs one commit instead of one per wave. `Err` when the commit failed (then no
/// wave was proposed).
pub fn first_waves_of(
    state: &AppState,
    conn: &mut DbConnection,
    plans: Vec<(Uuid, Option<FirstWavePlan>)>,
    now: NaiveDateTime,
) -> Result<WaveOutcomes, ApiError> {
    // Nobody waits on a first wave: submissions go first during a burst.
    background_write_transaction(conn, |conn| {
        Ok(plans
            .into_iter()
            .map(|(id, plan)| {
                let outcome = conn.transaction(|conn| first_wave(state, conn, id, plan, now));
                (id, outcome)
            })
            .collect())
    })
}

/// Sends the reminder of one unanswered proposal, once (background job). Returns whether
/// this transaction sent it.
pub fn remind(
    state: &AppState,
    conn: &mut DbConnection,
    proposal: &Proposal,
    now: NaiveDateTime,
) -> Result<bool, ApiError> {
    write_transaction(conn, |conn| {
        if !store::claim_reminder(conn, proposal.id, now)? {
            return Ok(false);
        }
        let request = requests::get(conn, Visibility::All, proposal.request_id)?;
        let volunteer = volunteers::get(conn, Visibility::All, proposal.volunteer_id)?;
        mail::queue_reminder(conn, state, &request, &volunteer, proposal, now)?;
        tracing::info!(request_id = %proposal.request_id, proposal_id = %proposal.id, "proposal reminded");
        Ok(true)
    })
}
