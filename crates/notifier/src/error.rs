//! The one error type of the notifier.

use entraide_store::StoreError;
use uuid::Uuid;

use crate::outbox::OutboxStatus;

/// What can go wrong when queueing, listing or delivering e-mails.
///
/// Storage errors keep their [`StoreError`] in [`NotifierError::Store`], so that a caller
/// whose transaction both changes state and queues an e-mail can map it back to its own
/// storage handling (a conflict stays a conflict):
///
/// ```text
/// NotifierError::Store(store) => MyError::Store(store),
/// other => MyError::Internal(other.to_string()),
/// ```
#[derive(Debug, thiserror::Error)]
pub enum NotifierError {
    /// Reading or writing the outbox failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A template did not render (a bug: every template is rendered by the tests).
    #[error("cannot render the {kind} e-mail: {reason}")]
    Template {
        /// Message kind.
        kind: &'static str,
        /// What the template engine said.
        reason: String,
    },
    /// The recipient address cannot be used to send mail. The address itself is left out
    /// of the message on purpose: errors end up in logs.
    #[error("invalid recipient address: {0}")]
    InvalidRecipient(String),
    /// Only dead or pending messages can be retried.
    #[error("outbox message {id} cannot be retried: it is {status}")]
    NotRetryable {
        /// The message.
        id: Uuid,
        /// Its status.
        status: OutboxStatus,
    },
    /// The mail transport could not be set up from the settings.
    #[error("mail transport: {0}")]
    Transport(String),
}

impl From<diesel::result::Error> for NotifierError {
    fn from(error: diesel::result::Error) -> Self {
        NotifierError::Store(StoreError::from(error))
    }
}
