//! What tables and columns a database holds, read from the database itself.
//!
//! Used to prove that both backends end with the same schema, and by checks that must
//! visit every table.

use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::{DbConnection, StoreResult};

#[derive(QueryableByName)]
struct ColumnRow {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
}

/// Every (table, column) of the application's schema, sorted, without diesel's own
/// bookkeeping table.
pub fn columns(conn: &mut DbConnection) -> StoreResult<Vec<(String, String)>> {
    let query = match conn {
        DbConnection::Sqlite(_) => {
            "SELECT m.name AS table_name, p.name AS column_name
             FROM sqlite_master m JOIN pragma_table_info(m.name) p
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'"
        }
        DbConnection::Postgres(_) => {
            "SELECT table_name::text AS table_name, column_name::text AS column_name
             FROM information_schema.columns
             WHERE table_schema = current_schema()"
        }
    };
    let mut rows: Vec<(String, String)> = diesel::sql_query(query)
        .load::<ColumnRow>(conn)?
        .into_iter()
        .filter(|row| row.table_name != "__diesel_schema_migrations")
        .map(|row| (row.table_name, row.column_name))
        .collect();
    rows.sort();
    Ok(rows)
}
