//! `entraide staff add`: bootstraps staff accounts from the command line, printing a
//! one-time sign-in link so that no mail server is needed.

use anyhow::Context;
use entraide_core::{Email, Role};
use entraide_http::auth::issue_sign_in_link;
use entraide_http::{ApiError, AppState};
use entraide_store::users;

/// Creates (or promotes) a staff user and returns a one-time sign-in link for them.
pub fn add_staff(state: &AppState, email: &str, name: &str) -> anyhow::Result<String> {
    let email = Email::parse(email).map_err(|e| anyhow::anyhow!("{e}"))?;
    let name = entraide_core::bounded_text(name, 200, "staff.name")
        .map_err(|e| anyhow::anyhow!("--name: {e}"))?;
    let now = state.clock.now();
    let (user, link) = state
        .store
        .run_blocking(|conn| {
            // Reads, then writes, often while servers write to the same database: only a
            // transaction that takes SQLite's write lock first waits for its turn instead
            // of failing with "database is locked".
            entraide_store::write_transaction(conn, |conn| {
                let user =
                    users::ensure_user_with_role(conn, &email, Some(&name), Role::Staff, now)?;
                let link = issue_sign_in_link(conn, state, &user)?;
                Ok::<_, ApiError>((user, link))
            })
        })
        .context("creating the staff user")?;
    tracing::info!(user_id = %user.id, "staff user ready");
    Ok(link)
}
