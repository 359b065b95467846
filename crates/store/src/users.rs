//! People who sign in, their roles, one-time sign-in links and sessions.

use std::str::FromStr;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use entraide_core::{Email, Role};
use uuid::Uuid;

use crate::schema::{sessions, sign_in_tokens, user_roles, users};
use crate::{DbConnection, StoreError, StoreResult, Visibility};

/// A person known to the service.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct User {
    /// Stable id (the JWT's `sub`).
    pub id: Uuid,
    /// Address the person signs in with.
    pub email: String,
    /// Display name, when known.
    pub name: Option<String>,
    /// Roles held, sorted.
    pub roles: Vec<Role>,
    /// Set when the person may no longer sign in.
    pub disabled_at: Option<NaiveDateTime>,
}

impl User {
    /// Whether the person holds `role`.
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = users)]
struct UserRow {
    id: String,
    email: String,
    name: Option<String>,
    disabled_at: Option<NaiveDateTime>,
}

/// Parses an id stored as text; a malformed one is data corruption, reported as such.
pub(crate) fn parse_id(text: &str) -> StoreResult<Uuid> {
    Uuid::parse_str(text).map_err(|_| StoreError::Corrupt(format!("malformed id `{text}`")))
}

fn load_roles(conn: &mut DbConnection, user_id: &str) -> StoreResult<Vec<Role>> {
    let codes: Vec<String> = user_roles::table
        .filter(user_roles::user_id.eq(user_id))
        .select(user_roles::role)
        .load(conn)?;
    parse_roles(&codes)
}

/// Roles from their stored codes, sorted.
fn parse_roles(codes: &[String]) -> StoreResult<Vec<Role>> {
    let mut roles = codes
        .iter()
        .map(|code| {
            Role::from_str(code).map_err(|_| StoreError::Corrupt(format!("unknown role `{code}`")))
        })
        .collect::<StoreResult<Vec<Role>>>()?;
    roles.sort();
    Ok(roles)
}

fn complete(conn: &mut DbConnection, row: UserRow) -> StoreResult<User> {
    let roles = load_roles(conn, &row.id)?;
    Ok(User {
        id: parse_id(&row.id)?,
        email: row.email,
        name: row.name,
        roles,
        disabled_at: row.disabled_at,
    })
}

/// Finds a person by e-mail address.
pub fn find_by_email(conn: &mut DbConnection, email: &Email) -> StoreResult<Option<User>> {
    let row = users::table
        .filter(users::email.eq(email.as_str()))
        .select(UserRow::as_select())
        .get_result(conn)
        .optional()?;
    row.map(|row| complete(conn, row)).transpose()
}

/// Reads a person by id.
pub fn get(conn: &mut DbConnection, id: Uuid) -> StoreResult<User> {
    let row = users::table
        .find(id.to_string())
        .select(UserRow::as_select())
        .get_result(conn)?;
    complete(conn, row)
}

/// Creates the person if the address is new, gives them `role` if they lack it, and
/// fills in the name when none was known. Returns the person as stored, built from what
/// was read and written rather than read again.
///
/// Call it inside the transaction of the change it serves (every caller has one), which
/// keeps the person and the role together: it runs under the write lock of every public
/// submission, where a savepoint of its own would cost two more statements.
pub fn ensure_user_with_role(
    conn: &mut DbConnection,
    email: &Email,
    name: Option<&str>,
    role: Role,
    now: NaiveDateTime,
) -> StoreResult<User> {
    let existing = users::table
        .filter(users::email.eq(email.as_str()))
        .select(UserRow::as_select())
        .get_result(conn)
        .optional()?;
    let mut user = match existing {
        Some(mut row) => {
            if row.name.is_none() && name.is_some() {
                diesel::update(users::table.find(&row.id))
                    .set((users::name.eq(name), users::updated_at.eq(now)))
                    .execute(conn)?;
                row.name = name.map(str::to_owned);
            }
            complete(conn, row)?
        }
        None => {
            let id = crate::new_row_id();
            diesel::insert_into(users::table)
                .values((
                    users::id.eq(id.to_string()),
                    users::email.eq(email.as_str()),
                    users::name.eq(name),
                    users::created_at.eq(now),
                    users::updated_at.eq(now),
                ))
                .execute(conn)?;
            User {
                id,
                email: email.as_str().to_owned(),
                name: name.map(str::to_owned),
                roles: Vec::new(),
                disabled_at: None,
            }
        }
    };
    if !user.has_role(role) {
        diesel::insert_into(user_roles::table)
            .values((
                user_roles::user_id.eq(user.id.to_string()),
                user_roles::role.eq(role.as_str()),
                user_roles::created_at.eq(now),
            ))
            .execute(conn)?;
        user.roles.push(role);
        user.roles.sort();
    }
    Ok(user)
}

/// Stores a one-time sign-in link (only the hash of its token).
pub fn create_sign_in_token(
    conn: &mut DbConnection,
    user_id: Uuid,
    token_hash: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> StoreResult<()> {
    diesel::insert_into(sign_in_tokens::table)
        .values((
            sign_in_tokens::id.eq(crate::new_row_id().to_string()),
            sign_in_tokens::user_id.eq(user_id.to_string()),
            sign_in_tokens::token_hash.eq(token_hash),
            sign_in_tokens::created_at.eq(now),
            sign_in_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Uses a sign-in link: marks it used and returns its owner, or `None` when it is
/// unknown, already used, expired, or its owner is disabled.
///
/// The conditional update makes the link single-use even under concurrent attempts:
/// only one of them changes the row.
pub fn consume_sign_in_token(
    conn: &mut DbConnection,
    token_hash: &str,
    now: NaiveDateTime,
) -> StoreResult<Option<User>> {
    conn.transaction(|conn| {
        let used = diesel::update(
            sign_in_tokens::table
                .filter(sign_in_tokens::token_hash.eq(token_hash))
                .filter(sign_in_tokens::used_at.is_null())
                .filter(sign_in_tokens::expires_at.gt(now)),
        )
        .set(sign_in_tokens::used_at.eq(now))
        .execute(conn)?;
        if used != 1 {
            return Ok(None);
        }
        let user_id: String = sign_in_tokens::table
            .filter(sign_in_tokens::token_hash.eq(token_hash))
            .select(sign_in_tokens::user_id)
            .get_result(conn)?;
        let user = get(conn, parse_id(&user_id)?)?;
        Ok(user.disabled_at.is_none().then_some(user))
    })
}

/// A recorded session.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Session {
    /// The JWT's `jti`.
    pub id: Uuid,
    /// Owner.
    pub user_id: Uuid,
    /// Start.
    pub created_at: NaiveDateTime,
    /// End, unless revoked before.
    pub expires_at: NaiveDateTime,
    /// Set by sign-out or revocation.
    pub revoked_at: Option<NaiveDateTime>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = sessions)]
struct SessionRow {
    id: String,
    user_id: String,
    created_at: NaiveDateTime,
    expires_at: NaiveDateTime,
    revoked_at: Option<NaiveDateTime>,
}

impl TryFrom<SessionRow> for Session {
    type Error = StoreError;

    fn try_from(row: SessionRow) -> StoreResult<Session> {
        Ok(Session {
            id: parse_id(&row.id)?,
            user_id: parse_id(&row.user_id)?,
            created_at: row.created_at,
            expires_at: row.expires_at,
            revoked_at: row.revoked_at,
        })
    }
}

/// Records a new session.
pub fn create_session(
    conn: &mut DbConnection,
    id: Uuid,
    user_id: Uuid,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> StoreResult<()> {
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(id.to_string()),
            sessions::user_id.eq(user_id.to_string()),
            sessions::created_at.eq(now),
            sessions::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The owner of a session that is neither revoked nor expired, whose owner is not
/// disabled, with when the session expires; `None` otherwise. Checked on every
/// authenticated request.
///
/// One query for the session, its owner and their roles (one row per role), since it
/// runs on every authenticated request; not `first()`, whose LIMIT is a bound parameter
/// that SQLite's planner reads, which makes SQLite compile the statement at every call.
pub fn active_session_user(
    conn: &mut DbConnection,
    session_id: Uuid,
    now: NaiveDateTime,
) -> StoreResult<Option<(User, NaiveDateTime)>> {
    let rows: Vec<(UserRow, NaiveDateTime, Option<String>)> = sessions::table
        .inner_join(users::table.left_join(user_roles::table))
        .filter(sessions::id.eq(session_id.to_string()))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .filter(users::disabled_at.is_null())
        .select((
            UserRow::as_select(),
            sessions::expires_at,
            user_roles::role.nullable(),
        ))
        .load(conn)?;
    let mut codes = Vec::with_capacity(rows.len());
    let mut owner = None;
    for (row, expires_at, role) in rows {
        codes.extend(role);
        owner.get_or_insert((row, expires_at));
    }
    let Some((row, expires_at)) = owner else {
        return Ok(None);
    };
    Ok(Some((
        User {
            id: parse_id(&row.id)?,
            email: row.email,
            name: row.name,
            roles: parse_roles(&codes)?,
            disabled_at: row.disabled_at,
        },
        expires_at,
    )))
}

/// Ends one session, if the reader may see it (`NotFound` otherwise, so that other
/// people's sessions do not reveal themselves). Ending an ended session is not an error.
pub fn revoke_session(
    conn: &mut DbConnection,
    visibility: Visibility,
    session_id: Uuid,
    now: NaiveDateTime,
) -> StoreResult<()> {
    let owner: String = sessions::table
        .find(session_id.to_string())
        .select(sessions::user_id)
        .get_result(conn)?;
    if !visibility.allows(parse_id(&owner)?) {
        return Err(StoreError::NotFound);
    }
    diesel::update(
        sessions::table
            .find(session_id.to_string())
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(now))
    .execute(conn)?;
    Ok(())
}

/// Ends every session of a person (staff revocation); returns how many were ended.
pub fn revoke_all_sessions(
    conn: &mut DbConnection,
    user_id: Uuid,
    now: NaiveDateTime,
) -> StoreResult<usize> {
    Ok(diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(user_id.to_string()))
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(now))
    .execute(conn)?)
}

/// A person's sessions, newest first, if the reader may see them.
pub fn list_sessions(
    conn: &mut DbConnection,
    visibility: Visibility,
    user_id: Uuid,
) -> StoreResult<Vec<Session>> {
    if !visibility.allows(user_id) {
        return Err(StoreError::NotFound);
    }
    sessions::table
        .filter(sessions::user_id.eq(user_id.to_string()))
        .order(sessions::created_at.desc())
        .select(SessionRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Session::try_from)
        .collect()
}
