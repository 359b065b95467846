//! First waves proposed just after a submission is answered, not inside it.
//!
//! A submission commits the request and its acknowledgement, then queues the request's
//! id here; the dispatcher started with the case jobs ([`super::spawn_case_jobs`]) wakes
//! up and proposes the first wave, usually within milliseconds: it works it out without
//! the write lock (ranking, volunteers, e-mails), then writes it in a transaction shared
//! with the other waves of its group (see [`super::flow::first_waves_of`]). The submission's answer then costs one short
//! write instead of two, and a burst of submissions is answered at the rate the database
//! takes them while the waves follow behind.
//!
//! Nothing is lost if the process stops with ids queued: the request is stored as
//! `submitted`, and the periodic pass of the case jobs proposes every submitted request
//! the dispatcher has not reached (step 3 of [`super::jobs::run_case_jobs_blocking`]).
//! Several processes may propose the same request: [`super::flow::first_wave`] locks it and
//! acts only while it is still `submitted`.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::NaiveDateTime;
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;
use uuid::Uuid;

use super::jobs::{propose_each, JobReport};
use crate::{ApiError, AppState};

/// Requests proposed by one blocking task before the dispatcher looks at its stop signal
/// again.
const BATCH: usize = 64;

/// Ids of submitted requests waiting for their first wave in this process.
#[derive(Debug, Default)]
pub struct FirstWaveQueue {
    waiting: Mutex<VecDeque<Uuid>>,
    ready: Notify,
}

impl FirstWaveQueue {
    /// Queues a request just committed as `submitted` and wakes the dispatcher.
    pub(crate) fn push(&self, request_id: Uuid) {
        self.waiting
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push_back(request_id);
        self.ready.notify_one();
    }

    /// Takes at most `max` ids, oldest first.
    fn take(&self, max: usize) -> Vec<Uuid> {
        let mut waiting = self.waiting.lock().unwrap_or_else(PoisonError::into_inner);
        let count = waiting.len().min(max);
        waiting.drain(..count).collect()
    }

    /// Requests queued and not yet taken.
    pub fn len(&self) -> usize {
        self.waiting
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Proposes the first wave of the requests queued so far, at most `max`, at `now`, on a
/// blocking thread.
async fn propose_queued(
    state: Arc<AppState>,
    max: usize,
    now: NaiveDateTime,
) -> Result<JobReport, ApiError> {
    tokio::task::spawn_blocking(move || {
        let mut report = JobReport::default();
        propose_each(&state, state.first_waves.take(max), now, &mut report);
        report
    })
    .await
    .map_err(|error| ApiError::Internal(format!("first waves task: {error}")))
}

/// Proposes the first wave of every request queued so far, at `now`: what the dispatcher
/// does when it wakes up. Tests, which run no dispatcher, call it after a submission.
pub async fn propose_first_waves(
    state: Arc<AppState>,
    now: NaiveDateTime,
) -> Result<JobReport, ApiError> {
    propose_queued(state, usize::MAX, now).await
}

/// Starts the dispatcher: it waits for queued requests and proposes them at the state's
/// clock, [`BATCH`] at a time, until `stop` turns true.
pub(crate) fn spawn_dispatcher(
    state: Arc<AppState>,
    mut stop: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if *stop.borrow() {
                break;
            }
            while !state.first_waves.is_empty() && !*stop.borrow() {
                let now = state.clock.now();
                match propose_queued(state.clone(), BATCH, now).await {
                    Ok(report) if report.failed > 0 => {
                        tracing::info!(
                            waves = report.waves,
                            unmatched = report.unmatched,
                            failed = report.failed,
                            "first waves"
                        );
                    }
                    Ok(_) => {}
                    Err(error) => tracing::error!(error = %error, "first waves task failed"),
                }
            }
            tokio::select! {
                changed = stop.changed() => {
                    if changed.is_err() {
                        break;
                    }
                }
                () = state.first_waves.ready.notified() => {}
            }
        }
    })
}
