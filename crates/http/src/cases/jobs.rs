//! The background jobs of cases, run by `entraide serve`: proposals that expire, the
//! next waves, requests that become `unmatched` (staff are e-mailed), first waves that
//! could not be proposed at submission, reminders and the automatic closing.
//!
//! All state is in the database, so a restart loses nothing: each pass looks for what
//! is due at `now`. Each due item is handled in its own write transaction that first
//! claims it (the request's row lock, then a conditional update whose affected rows say
//! whether this transaction made the change), so that several server processes sharing
//! one PostgreSQL database never act twice on one item. An item that fails is logged
//! and retried at the next pass; it never holds back the others.

use std::sync::Arc;

use chrono::NaiveDateTime;
use entraide_store::cases as store;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use uuid::Uuid;

use super::flow::{self, WaveOutcome};
use crate::{ApiError, AppState};

/// Items of each kind handled in one pass; more are left for the next pass.
const BATCH: i64 = 200;

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct JobReport {
    /// Proposals that expired unanswered.
    pub expired: usize,
    /// Waves proposed (first waves included).
    pub waves: usize,
    /// Requests that became `unmatched`.
    pub unmatched: usize,
    /// Reminders sent.
    pub reminders: usize,
    /// Cases closed automatically.
    pub closed: usize,
    /// Items that failed and wait for the next pass.
    pub failed: usize,
}

impl JobReport {
    fn wave(&mut self, outcome: WaveOutcome) {
        match outcome {
            WaveOutcome::Proposed { .. } => self.waves += 1,
            WaveOutcome::Unmatched => self.unmatched += 1,
            WaveOutcome::Nothing | WaveOutcome::Waiting => {}
        }
    }

    /// Whether the pass changed anything.
    pub fn is_empty(&self) -> bool {
        self.expired + self.waves + self.unmatched + self.reminders + self.closed == 0
    }
}

fn log_failure(what: &str, id: Uuid, error: &ApiError, report: &mut JobReport) {
    report.failed += 1;
    tracing::warn!(item_id = %id, job = what, error = %error, "case job failed; retried at the next pass");
}

/// First waves written in one transaction: a bound on how long the other writers wait
/// for it (a few milliseconds).
const WAVES_PER_TRANSACTION: usize = 16;

/// Proposes the first wave of each submitted request: for the periodic pass and for the
/// dispatcher of submissions alike. The waves of a group are worked out first, without
/// the write lock (rankings, volunteers, e-mails: see [`flow::plan_first_wave`]), then
/// written in one transaction. A request whose wave fails is logged and stays
/// `submitted` for the next pass.
pub(super) fn propose_each(
    state: &AppState,
    ids: impl IntoIterator<Item = Uuid>,
    now: NaiveDateTime,
    report: &mut JobReport,
) {
    let ids: Vec<Uuid> = ids.into_iter().collect();
    for group in ids.chunks(WAVES_PER_TRANSACTION) {
        let plans = state.store.run_blocking(|conn| {
            Ok::<_, ApiError>(
                group
                    .iter()
                    .map(|&id| {
                        // A wave that could not be planned is worked out under the lock,
                        // where an error that stays is reported.
                        let plan = flow::plan_first_wave(state, conn, id, now)
                            .unwrap_or_else(|error| {
                                tracing::debug!(request_id = %id, error = %error, "first wave not planned");
                                None
                            });
                        (id, plan)
                    })
                    .collect(),
            )
        });
        let outcomes = plans.and_then(|plans| {
            state
                .store
                .run_blocking(|conn| flow::first_waves_of(state, conn, plans, now))
        });
        match outcomes {
            Ok(outcomes) => {
                for (id, outcome) in outcomes {
                    match outcome {
                        Ok(outcome) => report.wave(outcome),
                        Err(error) => log_failure("first_wave", id, &error, report),
                    }
                }
            }
            Err(error) => {
                for &id in group {
                    log_failure("first_wave", id, &error, report);
                }
            }
        }
    }
}

/// One pass of every job at `now` (blocking: run it off the async workers, as
/// [`run_case_jobs`] does). Tests call it with a manual clock instead of sleeping.
pub fn run_case_jobs_blocking(state: &AppState, now: NaiveDateTime) -> Result<JobReport, ApiError> {
    let mut report = JobReport::default();

    // 1. Proposals past their expiry, and the waves they end.
    let due = state
        .store
        .run_blocking(|conn| store::requests_with_expired_proposals(conn, now, BATCH))?;
    for id in due {
        let result = state
            .store
            .run_blocking(|conn| flow::expire(state, conn, id, now));
        match result {
            Ok((expired, outcome)) => {
                report.expired += expired;
                report.wave(outcome);
            }
            Err(error) => log_failure("expire", id, &error, &mut report),
        }
    }

    // 2. Proposed requests with nothing pending (a decline whose next wave failed, or a
    //    process stopped in between).
    let over = state
        .store
        .run_blocking(|conn| store::proposed_without_pending(conn, BATCH))?;
    for id in over {
        match state
            .store
            .run_blocking(|conn| flow::advance_request(state, conn, id, now))
        {
            Ok(outcome) => report.wave(outcome),
            Err(error) => log_failure("advance", id, &error, &mut report),
        }
    }

    // 3. Submitted requests the first wave has not reached.
    let waiting = state
        .store
        .run_blocking(|conn| store::submitted_requests(conn, BATCH))?;
    propose_each(state, waiting, now, &mut report);

    // 4. Reminders: proposals whose reminder time has come.
    if state.cases.reminder_before > chrono::TimeDelta::zero() {
        // A reminder is due at most `reminder_before` ahead of the expiry.
        let horizon = now + state.cases.reminder_before;
        let candidates = state
            .store
            .run_blocking(|conn| store::reminder_candidates(conn, now, horizon, BATCH))?;
        for proposal in candidates {
            let due = state
                .cases
                .reminder_at(proposal.created_at, proposal.expires_at)
                .is_some_and(|at| at <= now);
            if !due {
                continue;
            }
            match state
                .store
                .run_blocking(|conn| flow::remind(state, conn, &proposal, now))
            {
                Ok(true) => report.reminders += 1,
                Ok(false) => {}
                Err(error) => log_failure("remind", proposal.id, &error, &mut report),
            }
        }
    }

    // 5. Resolved cases left without a rating: closed automatically.
    let cutoff = now - state.cases.auto_close_after;
    let resolved = state
        .store
        .run_blocking(|conn| store::resolved_before(conn, cutoff, BATCH))?;
    let days = state.cases.auto_close_after.num_days();
    for id in resolved {
        match state
            .store
            .run_blocking(|conn| flow::auto_close(conn, id, days, now))
        {
            Ok(true) => report.closed += 1,
            Ok(false) => {}
            Err(error) => log_failure("auto_close", id, &error, &mut report),
        }
    }
    Ok(report)
}

/// One pass of every job at `now`, on a blocking thread.
pub async fn run_case_jobs(
    state: Arc<AppState>,
    now: NaiveDateTime,
) -> Result<JobReport, ApiError> {
    tokio::task::spawn_blocking(move || run_case_jobs_blocking(&state, now))
        .await
        .map_err(|error| ApiError::Internal(format!("case jobs task: {error}")))?
}

/// The running loop of the case jobs.
#[derive(Debug)]
pub struct CaseJobsHandle {
    stop: watch::Sender<bool>,
    passes: JoinHandle<()>,
    first_waves: JoinHandle<()>,
}

impl CaseJobsHandle {
    /// Asks the loop to stop and waits for the pass under way, if any, to finish.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for task in [self.passes, self.first_waves] {
            if let Err(error) = task.await {
                tracing::error!(error = %error, "case jobs task failed");
            }
        }
    }
}

/// Starts the case jobs on the current tokio runtime, until [`CaseJobsHandle::shutdown`]:
/// a pass every [`super::CaseSettings::job_interval`] on the state's clock, and the
/// dispatcher of the first waves of submissions (see [`super::first_waves`]).
pub fn spawn_case_jobs(state: Arc<AppState>) -> CaseJobsHandle {
    let (stop, mut stopped) = watch::channel(false);
    let first_waves = super::first_waves::spawn_dispatcher(state.clone(), stop.subscribe());
    let passes = tokio::spawn(async move {
        let interval = state.cases.job_interval;
        tracing::info!(interval_secs = interval.as_secs(), "case jobs started");
        loop {
            if *stopped.borrow() {
                break;
            }
            let now = state.clock.now();
            let pause = match run_case_jobs(state.clone(), now).await {
                Ok(report) => {
                    if !report.is_empty() || report.failed > 0 {
                        tracing::info!(
                            expired = report.expired,
                            waves = report.waves,
                            unmatched = report.unmatched,
                            reminders = report.reminders,
                            closed = report.closed,
                            failed = report.failed,
                            "case jobs pass"
                        );
                    }
                    interval
                }
                Err(error) => {
                    tracing::warn!(error = %error, "case jobs: database not reachable; will try again");
                    interval.max(std::time::Duration::from_secs(5))
                }
            };
            tokio::select! {
                changed = stopped.changed() => {
                    if changed.is_err() {
                        break;
                    }
                }
                _ = tokio::time::sleep(pause) => {}
            }
        }
        tracing::info!("case jobs stopped");
    });
    CaseJobsHandle {
        stop,
        passes,
        first_waves,
    }
}
