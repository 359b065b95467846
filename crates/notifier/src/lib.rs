//! E-mails of entraide that are never lost: templates rendered strictly, a transactional
//! outbox, and a delivery worker that retries.
//!
//! * [`messages`]: one struct per message kind; its fields are the template variables.
//! * [`queue`]: renders a message and writes it to the `outbox` table, inside the
//!   caller's transaction, so that the e-mail exists exactly when the change that causes
//!   it was committed.
//! * [`DeliveryWorker`]: started by `entraide serve`, it sends due messages over SMTP (or
//!   into `.eml` files), retries failures with exponential backoff and jitter, and marks
//!   a message dead after [`MailSettings::max_attempts`]. See [`worker`] for why a
//!   message is sent once.
//! * [`outbox`]: listing and retrying messages (`entraide outbox list|retry`).
//!
//! With the `testing` feature, [`testing`] starts a real SMTP server for tests.

mod error;
pub mod messages;
pub mod outbox;
mod settings;
mod template;
pub mod worker;

#[cfg(feature = "testing")]
pub mod testing;

pub use error::NotifierError;
pub use outbox::{
    enqueue, prepare, queue, queue_at, ListFilter, OutboxMessage, OutboxStatus, PreparedEmail,
};
pub use settings::{MailSettings, Mailbox, SmtpUrl, TransportSettings};
pub use template::{kinds, EmailTemplate, RenderedEmail};
pub use worker::{spawn_delivery_worker, DeliveryReport, DeliveryWorker, WorkerHandle};
