//! The life of a help request after it arrives (issue 7): proposals to volunteers in
//! waves with expiry, atomic acceptance, the answer, the rating and the closing, the
//! views of volunteers, requesters and staff, and the background jobs that move requests
//! on when nobody acts.
//!
//! * [`flow`]: every change of state, each in one write transaction with the e-mails it
//!   causes;
//! * [`first_waves`]: the first wave of a submission, proposed just after its answer by
//!   a dispatcher that the submission wakes up;
//! * [`jobs`]: expiry, next waves, `unmatched`, reminders and automatic closing, one pass
//!   at a given time ([`run_case_jobs`]) and the loop of `entraide serve`
//!   ([`spawn_case_jobs`]);
//! * `routes`: the endpoints under `/api/v1/proposals`, `/api/v1/cases`,
//!   `/api/v1/requests/{id}/...` and `/api/v1/assignments/confirm`.
//!
//! Links in e-mails point to the web client: `/volontaire/propositions/{id}` (with
//! `/accepter` and `/decliner`) for a proposal, `/dossiers/{request id}` for a case and
//! `/dossiers/{request id}/avis` for the rating.

pub mod first_waves;
pub mod flow;
pub mod jobs;
mod mail;
mod routes;
mod views;

pub use first_waves::{propose_first_waves, FirstWaveQueue};
pub use jobs::{run_case_jobs, spawn_case_jobs, CaseJobsHandle, JobReport};
pub use routes::{configure_assignments, configure_cases, configure_proposals, configure_requests};
pub use views::{
    AnswerItemView, AnswerView, CaseView, CaseVolunteerView, ProposalStatusView, ProposalView,
    ProposedRequestView, RatingView, TransitionView,
};

pub(crate) use flow::cancel;

use chrono::{NaiveDateTime, TimeDelta};
use entraide_core::Urgency;

/// How requests are proposed to volunteers and closed (see the README's settings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseSettings {
    /// Volunteers asked in each wave.
    pub proposals_per_wave: u32,
    /// Waves before a request becomes `unmatched` (1: everyone of the first wave at once,
    /// no second wave).
    pub waves: u32,
    /// How long a volunteer has to answer a proposal.
    pub proposal_expiry: TimeDelta,
    /// The same for a request of critical urgency.
    pub critical_proposal_expiry: TimeDelta,
    /// How long before the expiry an unanswered proposal is reminded (at most half the
    /// delay; zero sends no reminder).
    pub reminder_before: TimeDelta,
    /// How long after the answer a case without a rating is closed.
    pub auto_close_after: TimeDelta,
    /// Pause between two passes of the background jobs.
    pub job_interval: std::time::Duration,
}

impl Default for CaseSettings {
    fn default() -> Self {
        Self {
            proposals_per_wave: 3,
            waves: 2,
            proposal_expiry: TimeDelta::hours(24),
            critical_proposal_expiry: TimeDelta::hours(4),
            reminder_before: TimeDelta::hours(6),
            auto_close_after: TimeDelta::days(14),
            job_interval: std::time::Duration::from_secs(60),
        }
    }
}

impl CaseSettings {
    /// The delay given to volunteers for a request of this urgency.
    pub fn expiry(&self, urgency: Urgency) -> TimeDelta {
        match urgency {
            Urgency::Critical => self.critical_proposal_expiry,
            _ => self.proposal_expiry,
        }
    }

    /// When an unanswered proposal sent at `created_at`, expiring at `expires_at`, is
    /// reminded (`None`: never). The reminder comes `reminder_before` the expiry, but
    /// never in the first half of the delay, so that a short delay (critical urgency)
    /// still leaves the volunteer time before being reminded.
    pub fn reminder_at(
        &self,
        created_at: NaiveDateTime,
        expires_at: NaiveDateTime,
    ) -> Option<NaiveDateTime> {
        if self.reminder_before <= TimeDelta::zero() {
            return None;
        }
        let half = (expires_at - created_at) / 2;
        Some(expires_at - self.reminder_before.min(half))
    }

    /// Waves as stored (the setting is small; an absurd value is capped).
    pub(crate) fn waves_i32(&self) -> i32 {
        i32::try_from(self.waves).unwrap_or(i32::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn reminders_come_before_expiry_but_not_too_early() {
        let settings = CaseSettings::default();
        let start = NaiveDate::from_ymd_opt(2026, 11, 23)
            .and_then(|d| d.and_hms_opt(10, 0, 0))
            .unwrap_or_default();
        let normal = start + settings.expiry(Urgency::Normal);
        assert_eq!(
            settings.reminder_at(start, normal),
            Some(start + TimeDelta::hours(18))
        );
        let critical = start + settings.expiry(Urgency::Critical);
        assert_eq!(
            settings.reminder_at(start, critical),
            Some(start + TimeDelta::hours(2))
        );
        let silent = CaseSettings {
            reminder_before: TimeDelta::zero(),
            ..settings
        };
        assert_eq!(silent.reminder_at(start, normal), None);
    }
}
