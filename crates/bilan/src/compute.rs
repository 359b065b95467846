//! Counting the bilan in the database, in two statements: one for the volunteers, one
//! for the requests. Each first gathers the facts of every record of the period once (a
//! materialized common table expression: one row per request with its state at the end
//! of the period, main theme, case, answer, rating and first proposal), then groups them
//! every way the report needs (`UNION ALL` of grouped queries), so that only a few
//! hundred grouped rows come back. Both run in one read-only transaction, so every table
//! of the report sees the same data.
//!
//! The SQL is written once for both backends. Two things differ and are isolated here:
//! the length of an interval in seconds (no portable SQL for it) and the transaction's
//! snapshot level on PostgreSQL. Timestamps are written into the SQL as literals that
//! this module formats itself from dates, never from user text, because the placeholders
//! of raw SQL differ between the backends (`?` and `$1`).

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::connection::Connection;
use diesel::sql_types::{BigInt, Double, Nullable, Text};
use diesel::{QueryableByName, RunQueryDsl};
use entraide_core::{AnswerType, EstablishmentKind, Gender, JobRole, LegalStatus, Region, Sector};
use entraide_store::cases::ProposalStatus;
use entraide_store::requests::RequestStatus;
use entraide_store::DbConnection;

use crate::model::{round, share};
use crate::{
    Answers, Bilan, BilanError, BilanOptions, Breakdown, Delay, FollowUp, Masking, PeriodView,
    Requests, Row, ToolCount, Volunteers, NOT_STATED_CODE, NOT_STATED_LABEL,
};

/// Steps reported to a progress callback, in order.
const STEPS: [&str; 3] = ["candidatures et volontaires", "demandes d'aide", "tableaux"];

/// Computes the bilan of `options.period`.
pub fn compute(conn: &mut DbConnection, options: &BilanOptions) -> Result<Bilan, BilanError> {
    compute_with_progress(conn, options, &mut |_, _, _| {})
}

/// Computes the bilan, calling `progress(step, index, total)` before each step (for a
/// progress indication on long runs).
pub fn compute_with_progress(
    conn: &mut DbConnection,
    options: &BilanOptions,
    progress: &mut dyn FnMut(&str, usize, usize),
) -> Result<Bilan, BilanError> {
    let started = std::time::Instant::now();
    let mut bilan = conn.transaction(|conn| {
        if matches!(conn, DbConnection::Postgres(_)) {
            // One snapshot for both statements: a request answered while the bilan is
            // being computed must not count in one table and not in the next.
            diesel::sql_query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(conn)?;
            // For this transaction only: room to sort and hash the period's requests in
            // memory (the default, 4 MB, spills the groupings of 100,000 requests to
            // disk), and no JIT compilation, which the statement's estimated cost would
            // trigger and which takes longer (1.3 s measured) than running it.
            diesel::sql_query("SET LOCAL work_mem = '64MB'").execute(conn)?;
            diesel::sql_query("SET LOCAL jit = off").execute(conn)?;
        }
        Counter::new(conn, options).run(progress)
    })?;
    if options.public {
        crate::mask::apply(&mut bilan, options.threshold);
    }
    tracing::debug!(
        from = %options.period.from(),
        to = %options.period.to(),
        public = options.public,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "bilan computed"
    );
    Ok(bilan)
}

/// A group of some dimension: what both statements return.
#[derive(QueryableByName, Debug)]
struct Fact {
    /// Which figure the row belongs to.
    #[diesel(sql_type = Text)]
    dim: String,
    #[diesel(sql_type = Nullable<Text>)]
    code: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    code2: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    code3: Option<String>,
    #[diesel(sql_type = BigInt)]
    n: i64,
    #[diesel(sql_type = BigInt)]
    m: i64,
    #[diesel(sql_type = Nullable<Double>)]
    d: Option<f64>,
}

#[derive(QueryableByName)]
struct ThemeRow {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Text)]
    label: String,
    #[diesel(sql_type = Nullable<Text>)]
    retired: Option<String>,
}

/// A grouped count.
struct CodeCount {
    code: Option<String>,
    n: i64,
}

/// The rows of one dimension.
struct Facts(Vec<Fact>);

impl Facts {
    fn of<'a>(&'a self, dim: &'a str) -> impl Iterator<Item = &'a Fact> + 'a {
        self.0.iter().filter(move |fact| fact.dim == dim)
    }

    fn groups(&self, dim: &str) -> Vec<CodeCount> {
        self.of(dim)
            .map(|fact| CodeCount {
                code: fact.code.clone(),
                n: fact.n,
            })
            .collect()
    }

    /// The requests grouped by one of the codes of the `request` rows.
    fn requests_by(&self, code: fn(&Fact) -> &Option<String>) -> Vec<CodeCount> {
        let mut groups: Vec<CodeCount> = Vec::new();
        for fact in self.of("request") {
            let key = code(fact);
            match groups.iter_mut().find(|g| &g.code == key) {
                Some(group) => group.n += fact.n,
                None => groups.push(CodeCount {
                    code: key.clone(),
                    n: fact.n,
                }),
            }
        }
        groups
    }

    /// Requests whose flags (`m` of the `request` rows) include `flag`.
    fn requests_with(&self, flag: i64) -> u64 {
        self.of("request")
            .filter(|fact| fact.m & flag != 0)
            .map(|fact| to_u64(fact.n))
            .sum()
    }

    /// `n` of the one row of `dim` (0 without one).
    fn n(&self, dim: &str) -> u64 {
        self.of(dim).map(|fact| to_u64(fact.n)).sum()
    }

    /// `m` of the one row of `dim`.
    fn m(&self, dim: &str) -> u64 {
        self.of(dim).map(|fact| to_u64(fact.m)).sum()
    }

    /// Median and 90th percentile of a delay: rows with the rank in `n`, the number of
    /// values in `m` and the value, in seconds, in `d`.
    fn delay(&self, dim: &str) -> Delay {
        let rows: Vec<&Fact> = self.of(dim).collect();
        let Some(first) = rows.first() else {
            return Delay {
                count: 0,
                median_hours: None,
                p90_hours: None,
            };
        };
        let count = first.m;
        let at = |rank: i64| {
            rows.iter()
                .find(|row| row.n == rank)
                .and_then(|row| row.d)
                .map(|seconds| round(seconds / 3600.0, 2))
        };
        Delay {
            count: to_u64(count),
            median_hours: at(nearest_rank(count, 50)),
            p90_hours: at(nearest_rank(count, 90)),
        }
    }
}

/// Flags of the `request` rows: an answer recorded by the end of the period.
const ANSWERED: i64 = 1;
/// Taken by a volunteer by the end of the period.
const HANDLED: i64 = 2;
/// Resolved by the end of the period.
const RESOLVED: i64 = 4;

/// Rank of the `percent`th percentile of `count` sorted values (nearest-rank method);
/// the SQL computes the same with integer arithmetic.
fn nearest_rank(count: i64, percent: i64) -> i64 {
    (count * percent + 99) / 100
}

/// The values a breakdown shows: (code, label), in display order.
type Values = Vec<(String, String)>;

fn closed_list<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Values {
    all.iter()
        .map(|&value| (code(value).to_owned(), label(value).to_owned()))
        .collect()
}

/// How a breakdown's rows relate to its records.
enum Shape {
    /// One value per record: the population is the sum of the groups, and the groups
    /// whose code is NULL or not in the list are "non renseigné".
    Single,
    /// Several values per record: the population and the records without any known
    /// value are counted by their own queries.
    Multiple { population: u64, not_stated: u64 },
}

/// Whether rows keep the list's order or come most frequent first (ties in list order).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Order {
    List,
    MostFirst,
}

fn to_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn build(
    values: &Values,
    groups: &[CodeCount],
    shape: Shape,
    sensitive: bool,
    order: Order,
) -> Breakdown {
    let mut by_code: HashMap<&str, u64> = HashMap::new();
    let mut unknown = 0u64;
    for group in groups {
        let n = to_u64(group.n);
        match group.code.as_deref() {
            Some(code) if values.iter().any(|(c, _)| c == code) => {
                *by_code.entry(code).or_default() += n;
            }
            _ => unknown += n,
        }
    }
    let (population, not_stated, multiple) = match shape {
        Shape::Single => (groups.iter().map(|g| to_u64(g.n)).sum(), unknown, false),
        Shape::Multiple {
            population,
            not_stated,
        } => (population, not_stated, true),
    };
    let mut rows: Vec<Row> = values
        .iter()
        .map(|(code, label)| {
            let count = by_code.get(code.as_str()).copied().unwrap_or(0);
            Row {
                code: code.clone(),
                label: label.clone(),
                count: Some(count),
                share: share(count, population),
                masked: false,
            }
        })
        .collect();
    if order == Order::MostFirst {
        // A stable sort keeps the list's order between equal counts.
        rows.sort_by_key(|row| std::cmp::Reverse(row.count.unwrap_or(0)));
    }
    rows.push(Row {
        code: NOT_STATED_CODE.to_owned(),
        label: NOT_STATED_LABEL.to_owned(),
        count: Some(not_stated),
        share: share(not_stated, population),
        masked: false,
    });
    Breakdown {
        population,
        multiple,
        sensitive,
        rows,
    }
}

/// A timestamp as an SQL literal both backends compare with TIMESTAMP columns: the text
/// diesel stores in SQLite (`%F %T%.f`, no fraction for a whole second, so that text
/// order is time order), which PostgreSQL casts.
fn literal(at: NaiveDateTime) -> String {
    format!("'{}'", at.format("%Y-%m-%d %H:%M:%S%.f"))
}

/// Runs the statements of one bilan.
struct Counter<'a> {
    conn: &'a mut DbConnection,
    options: &'a BilanOptions,
    /// First instant of the period, as a literal.
    start: String,
    /// First instant after it, as a literal.
    end: String,
}

impl<'a> Counter<'a> {
    fn new(conn: &'a mut DbConnection, options: &'a BilanOptions) -> Self {
        Counter {
            start: literal(options.period.start()),
            end: literal(options.period.end()),
            conn,
            options,
        }
    }

    /// Seconds from `a` to `b` as a DOUBLE: the one expression with no portable form.
    fn seconds_between(&self, a: &str, b: &str) -> String {
        match self.conn {
            DbConnection::Postgres(_) => {
                format!("CAST(EXTRACT(EPOCH FROM ({b} - {a})) AS DOUBLE PRECISION)")
            }
            DbConnection::Sqlite(_) => format!("((julianday({b}) - julianday({a})) * 86400.0)"),
        }
    }

    /// Runs one statement, logging its time (`ENTRAIDE_LOG=entraide_bilan=debug`).
    fn load<T>(&mut self, what: &str, sql: &str) -> Result<Vec<T>, BilanError>
    where
        T: QueryableByName<<DbConnection as Connection>::Backend> + 'static,
    {
        tracing::trace!(what, sql, "bilan statement");
        let started = std::time::Instant::now();
        let rows = diesel::sql_query(sql).load::<T>(self.conn)?;
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            rows = rows.len(),
            what,
            "bilan statement"
        );
        Ok(rows)
    }

    fn run(mut self, progress: &mut dyn FnMut(&str, usize, usize)) -> Result<Bilan, BilanError> {
        let total = STEPS.len();
        progress(STEPS[0], 1, total);
        let themes = self.themes()?;
        let people = Facts(self.load("volunteers", &self.volunteer_sql())?);
        progress(STEPS[1], 2, total);
        let activity = Facts(self.load("requests", &self.request_sql())?);
        progress(STEPS[2], 3, total);
        let volunteers = volunteers(&people, &themes);
        let requests = requests(&activity, &themes);
        let answers = answers(&activity, requests.handled);
        let follow_up = follow_up(&activity, &people, &requests);
        let period = &self.options.period;
        Ok(Bilan {
            title: "Bilan du dispositif d'entraide".to_owned(),
            period: PeriodView {
                from: period.from(),
                to: period.to(),
                days: period.days(),
            },
            scheme_start: self.options.scheme_start,
            generated_at: self.options.generated_at,
            masking: Masking {
                public: self.options.public,
                threshold: self.options.threshold,
                masked_cells: 0,
                note: None,
            },
            volunteers,
            requests,
            answers,
            follow_up,
        })
    }

    /// Every theme, retired ones included (they stay on old records): (code, label),
    /// and which are retired.
    fn themes(&mut self) -> Result<Vec<(String, String, bool)>, BilanError> {
        let rows = self.load::<ThemeRow>(
            "themes",
            "SELECT id, label, CASE WHEN retired_at IS NULL THEN NULL ELSE 'x' END AS retired \
             FROM themes ORDER BY position, id",
        )?;
        Ok(rows
            .into_iter()
            .map(|row| (row.id, row.label, row.retired.is_some()))
            .collect())
    }

    /// Applications received in the period by decision at its end, and the accepted
    /// volunteers by each side of their profile.
    fn volunteer_sql(&self) -> String {
        format!(
            "WITH v AS MATERIALIZED (\
               SELECT v.id AS id, v.gender AS gender, v.job_role AS job_role, \
                      v.origin_sector AS sector, v.origin_status AS status, v.region AS region \
               FROM volunteers v JOIN applications a ON a.id = v.application_id \
               WHERE a.created_at >= {start} AND a.created_at < {end} AND v.created_at < {end}\
             ) \
             SELECT 'decision' AS dim, d.code AS code, CAST(NULL AS VARCHAR(64)) AS code2, \
                    CAST(NULL AS VARCHAR(64)) AS code3, COUNT(*) AS n, CAST(0 AS BIGINT) AS m, \
                    CAST(NULL AS DOUBLE PRECISION) AS d \
             FROM (SELECT CASE \
                     WHEN EXISTS (SELECT 1 FROM volunteers w WHERE w.application_id = a.id \
                                  AND w.created_at < {end}) THEN 'accepted' \
                     WHEN a.status = 'rejected' AND a.decided_at < {end} THEN 'rejected' \
                     ELSE 'pending' END AS code \
                   FROM applications a WHERE a.created_at >= {start} AND a.created_at < {end}) d \
             GROUP BY d.code \
             {by_gender} {by_role} {by_sector} {by_status} {by_region} \
             UNION ALL SELECT 'theme', vt.theme_id, NULL, NULL, COUNT(*), 0, NULL \
               FROM v CROSS JOIN volunteer_themes vt WHERE vt.volunteer_id = v.id \
               GROUP BY vt.theme_id \
             UNION ALL SELECT 'no_theme', NULL, NULL, NULL, COUNT(*), 0, NULL FROM v \
               WHERE NOT EXISTS (SELECT 1 FROM volunteer_themes vt WHERE vt.volunteer_id = v.id) \
             UNION ALL SELECT 'all_volunteers', NULL, NULL, NULL, COUNT(*), 0, NULL FROM volunteers \
               WHERE created_at < {end}",
            start = self.start,
            end = self.end,
            by_gender = by("gender"),
            by_role = by("job_role"),
            by_sector = by("sector"),
            by_status = by("status"),
            by_region = by("region"),
        )
    }

    /// The facts of every request received in the period, grouped every way.
    ///
    /// They come from `request_facts`, one row per request that triggers keep up to date
    /// (migration 000013), read as they stood at the end of the period:
    /// - the state at the end is the request's status when it has not changed since
    ///   (`status_at`, its last change, is before the end), else the target of the last
    ///   transition before the end. Transitions made in one transaction share their
    ///   instant, and among those the audit trail's number (`seq`) tells the last
    ///   (`submitted` then `proposed` at the same instant ends in `proposed`);
    /// - the proposals made by the end are the counts by status when all were made by
    ///   then, else they are counted in `proposals`;
    /// - dates after the end count as not yet happened.
    ///
    /// The answer items are joined on `answered_id`, NULL when a request has no answer by
    /// the end, rather than filtered on a flag, so that PostgreSQL estimates the join
    /// from the table's statistics (a filter on a common table expression's column is a
    /// guess, and a bad one leads it to nested loops).
    fn request_sql(&self) -> String {
        let end = &self.end;
        let known_types = AnswerType::ALL
            .iter()
            .map(|t| format!("'{}'", t.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        // Median and 90th percentile of the time from submission to `to` (nearest rank,
        // as `nearest_rank`): one sort of the values, of which only the rows from the
        // median's rank to the 90th's are kept, the first and the last being the two.
        let delays = [
            ("to_proposal", "proposed_at"),
            ("to_acceptance", "accepted_at"),
            ("to_resolution", "resolved_at"),
        ];
        let rank = |count: &str, percent: u8| format!("(pc.{count} * {percent} + 99) / 100");
        let (delay_ctes, delay_rows): (String, String) = delays
            .iter()
            .map(|(dim, to)| {
                let count = format!("n_{to}");
                let (k50, k90) = (rank(&count, 50), rank(&count, 90));
                let cte = format!(
                    ", {dim} AS MATERIALIZED (\
                       SELECT MIN(y.d) AS lo, MAX(y.d) AS hi FROM (\
                         SELECT {seconds} AS d FROM f WHERE {to} IS NOT NULL ORDER BY d \
                         LIMIT (SELECT {k90} - {k50} + 1 FROM pc) \
                         OFFSET (SELECT CASE WHEN pc.{count} > 0 THEN {k50} - 1 ELSE 0 END FROM pc)\
                       ) y\
                     )",
                    seconds = self.seconds_between("created_at", to),
                );
                let rows = format!(
                    "UNION ALL SELECT '{dim}', NULL, NULL, NULL, {k50}, pc.{count}, {dim}.lo \
                       FROM pc CROSS JOIN {dim} WHERE pc.{count} > 0 \
                     UNION ALL SELECT '{dim}', NULL, NULL, NULL, {k90}, pc.{count}, {dim}.hi \
                       FROM pc CROSS JOIN {dim} WHERE pc.{count} > 0 "
                );
                (cte, rows)
            })
            .unzip();
        // Proposals made by the end, by status: from the counts when the last one was,
        // else counted (which only requests proposed again after the end need).
        let statuses = ProposalStatus::ALL.map(ProposalStatus::as_str);
        let made_by_end = |count: &str, status: Option<&str>| {
            let only = status.map_or(String::new(), |s| format!(" AND p.status = '{s}'"));
            format!(
                "CASE WHEN x.last_proposed_at IS NULL OR x.last_proposed_at < {end} THEN {count} \
                 ELSE (SELECT COUNT(*) FROM proposals p WHERE p.request_id = x.request_id \
                       AND p.created_at < {end}{only}) END"
            )
        };
        let proposal_columns = statuses
            .iter()
            .map(|status| {
                let count = made_by_end(&format!("x.proposals_{status}"), Some(status));
                format!("{count} AS p_{status}")
            })
            .collect::<Vec<_>>()
            .join(", ");
        let proposal_sums = statuses
            .iter()
            .map(|status| format!("SUM(p_{status}) AS {status}"))
            .collect::<Vec<_>>()
            .join(", ");
        let proposal_rows = statuses
            .iter()
            .map(|status| {
                format!(
                    "UNION ALL SELECT 'proposal', '{status}', NULL, NULL, \
                       CAST(COALESCE({status}, 0) AS BIGINT), 0, NULL FROM pc "
                )
            })
            .collect::<String>();
        format!(
            "WITH f AS MATERIALIZED (\
               SELECT x.request_id AS id, x.establishment_id AS eid, x.created_at AS created_at, \
                 CASE WHEN x.status_at < {end} THEN x.status ELSE \
                   (SELECT t.to_status FROM help_request_transitions t \
                    WHERE t.request_id = x.request_id AND t.created_at < {end} \
                    ORDER BY t.created_at DESC, t.seq DESC LIMIT 1) END AS status, \
                 x.main_theme AS main_theme, \
                 CASE WHEN x.first_proposed_at < {end} THEN x.first_proposed_at END AS proposed_at, \
                 CASE WHEN x.accepted_at < {end} THEN x.volunteer_id END AS volunteer, \
                 CASE WHEN x.accepted_at < {end} THEN x.accepted_at END AS accepted_at, \
                 CASE WHEN x.resolved_at < {end} THEN x.resolved_at END AS resolved_at, \
                 CASE WHEN x.accepted_at < {end} AND x.answered_at < {end} THEN x.request_id END \
                   AS answered_id, \
                 CASE WHEN x.resolved_at < {end} AND x.rated_at < {end} THEN x.rating END AS rating, \
                 {proposals_all} AS p_all, {proposal_columns} \
               FROM request_facts x \
               WHERE x.created_at >= {start} AND x.created_at < {end}\
             ), pc AS MATERIALIZED (\
               SELECT COUNT(proposed_at) AS n_proposed_at, COUNT(accepted_at) AS n_accepted_at, \
                 COUNT(resolved_at) AS n_resolved_at, SUM(p_all) AS proposals, {proposal_sums} \
               FROM f\
             ){delay_ctes} \
             SELECT 'request' AS dim, status AS code, main_theme AS code2, \
                    CAST(rating AS VARCHAR(8)) AS code3, COUNT(*) AS n, \
                    CAST(CASE WHEN answered_id IS NULL THEN 0 ELSE 1 END \
                      + CASE WHEN volunteer IS NULL THEN 0 ELSE 2 END \
                      + CASE WHEN resolved_at IS NULL THEN 0 ELSE 4 END AS BIGINT) AS m, \
                    CAST(NULL AS DOUBLE PRECISION) AS d \
             FROM f GROUP BY status, main_theme, rating, answered_id IS NULL, volunteer IS NULL, \
                      resolved_at IS NULL \
             UNION ALL SELECT 'theme', t.theme_id, NULL, NULL, COUNT(*), 0, NULL \
               FROM f CROSS JOIN help_request_themes t WHERE t.request_id = f.id \
               GROUP BY t.theme_id \
             UNION ALL SELECT 'place', es.kind, es.region, NULL, CAST(SUM(x.n) AS BIGINT), \
                    COUNT(*), NULL \
               FROM (SELECT eid, COUNT(*) AS n FROM f GROUP BY eid) x \
               JOIN establishments es ON es.id = x.eid GROUP BY es.kind, es.region \
             UNION ALL SELECT 'load', NULL, NULL, NULL, x.k, COUNT(*), NULL FROM (\
                 SELECT volunteer, COUNT(*) AS k FROM f WHERE volunteer IS NOT NULL \
                 GROUP BY volunteer) x GROUP BY x.k \
             UNION ALL SELECT 'answer_type', i.answer_type, NULL, NULL, \
                    COUNT(DISTINCT i.request_id), 0, NULL \
               FROM f CROSS JOIN case_answer_items i WHERE i.request_id = f.answered_id \
               GROUP BY i.answer_type \
             UNION ALL SELECT 'typed', NULL, NULL, NULL, COUNT(*), 0, NULL FROM f \
               WHERE f.answered_id IS NOT NULL AND EXISTS (SELECT 1 FROM case_answer_items i \
                 WHERE i.request_id = f.answered_id AND i.answer_type IN ({known_types})) \
             UNION ALL SELECT 'tool', x.code, NULL, NULL, x.n, 0, NULL FROM (\
                 SELECT i.tool_name AS code, COUNT(DISTINCT i.request_id) AS n \
                 FROM f CROSS JOIN case_answer_items i \
                 WHERE i.request_id = f.answered_id AND i.answer_type = '{tool}' \
                 GROUP BY i.tool_name ORDER BY n DESC, code LIMIT 50) x \
             {proposal_rows}\
             UNION ALL SELECT 'proposal', NULL, NULL, NULL, \
                    CAST(COALESCE(proposals - ({known_sum}), 0) AS BIGINT), 0, NULL FROM pc \
             {delay_rows}",
            start = self.start,
            tool = AnswerType::EnvoiOutil.as_str(),
            proposals_all = made_by_end("x.proposals", None),
            known_sum = statuses.join(" + "),
        )
    }
}

/// A `UNION ALL` branch grouping the volunteers by `column`.
fn by(column: &str) -> String {
    format!(
        "UNION ALL SELECT '{column}', {column}, NULL, NULL, COUNT(*), 0, NULL FROM v \
         GROUP BY {column}"
    )
}

/// The themes a breakdown shows: every theme still offered, and retired ones only where
/// they were counted.
fn theme_values(themes: &[(String, String, bool)], groups: &[CodeCount]) -> Values {
    themes
        .iter()
        .filter(|(id, _, retired)| {
            !retired
                || groups
                    .iter()
                    .any(|g| g.code.as_deref() == Some(id.as_str()) && g.n > 0)
        })
        .map(|(id, label, _)| (id.clone(), label.clone()))
        .collect()
}

fn single(values: &Values, groups: &[CodeCount], sensitive: bool, order: Order) -> Breakdown {
    build(values, groups, Shape::Single, sensitive, order)
}

fn volunteers(facts: &Facts, themes: &[(String, String, bool)]) -> Volunteers {
    let applications = single(
        &labelled(&[
            ("accepted", "Acceptées"),
            ("rejected", "Refusées"),
            ("pending", "En attente de décision"),
        ]),
        &facts.groups("decision"),
        false,
        Order::List,
    );
    let gender = single(
        &closed_list(&Gender::ALL, Gender::as_str, Gender::label),
        &facts.groups("gender"),
        true,
        Order::List,
    );
    let accepted = gender.population;
    let theme_groups = facts.groups("theme");
    let origin_status = single(
        &closed_list(&LegalStatus::ALL, LegalStatus::as_str, LegalStatus::label),
        &facts.groups("status"),
        true,
        Order::List,
    );
    let region = single(&regions(), &facts.groups("region"), true, Order::MostFirst);
    Volunteers {
        applications_received: applications.population,
        accepted,
        applications,
        gender,
        job_role: single(
            &closed_list(&JobRole::ALL, JobRole::as_str, JobRole::label),
            &facts.groups("job_role"),
            true,
            Order::List,
        ),
        origin_sector: single(
            &closed_list(&Sector::ALL, Sector::as_str, Sector::label),
            &facts.groups("sector"),
            true,
            Order::List,
        ),
        public_private: public_private(&origin_status),
        origin_status,
        distinct_regions: distinct(&region),
        region,
        themes: build(
            &theme_values(themes, &theme_groups),
            &theme_groups,
            Shape::Multiple {
                population: accepted,
                not_stated: facts.n("no_theme"),
            },
            true,
            Order::MostFirst,
        ),
    }
}

fn requests(facts: &Facts, themes: &[(String, String, bool)]) -> Requests {
    let status_at_end = single(
        &RequestStatus::ALL
            .iter()
            .map(|s| (s.as_str().to_owned(), s.label().to_owned()))
            .collect(),
        &facts.requests_by(|fact| &fact.code),
        false,
        Order::List,
    );
    // Establishments by kind and region: requests in `n`, distinct establishments in `m`
    // (an establishment has one kind and one region, so counts add up across groups).
    let mut kinds: HashMap<Option<String>, (i64, i64)> = HashMap::new();
    let mut places: HashMap<Option<String>, i64> = HashMap::new();
    for fact in facts.of("place") {
        let kind = kinds.entry(fact.code.clone()).or_default();
        kind.0 += fact.n;
        kind.1 += fact.m;
        *places.entry(fact.code2.clone()).or_default() += fact.n;
    }
    let by_kind = |pick: fn(&(i64, i64)) -> i64| -> Vec<CodeCount> {
        kinds
            .iter()
            .map(|(code, counts)| CodeCount {
                code: code.clone(),
                n: pick(counts),
            })
            .collect()
    };
    let kind_values = closed_list(
        &EstablishmentKind::ALL,
        EstablishmentKind::as_str,
        EstablishmentKind::label,
    );
    let kind = single(&kind_values, &by_kind(|c| c.0), false, Order::List);
    let establishments_by_kind = single(&kind_values, &by_kind(|c| c.1), false, Order::List);
    let region_groups: Vec<CodeCount> = places
        .into_iter()
        .map(|(code, n)| CodeCount { code, n })
        .collect();
    let region = single(&regions(), &region_groups, true, Order::MostFirst);
    let all_themes = facts.groups("theme");
    let values = theme_values(themes, &all_themes);
    // Every request has one main theme or none (NULL): the main-theme rows add up.
    let main_theme = single(
        &values,
        &facts.requests_by(|fact| &fact.code2),
        false,
        Order::MostFirst,
    );
    let without_theme = main_theme.count(NOT_STATED_CODE).unwrap_or(0);
    let received = status_at_end.population;
    let at_end = |code: RequestStatus| status_at_end.count(code.as_str()).unwrap_or(0);
    Requests {
        received,
        handled: facts.requests_with(HANDLED),
        // Distinct volunteers: the load rows count them by number of requests taken.
        volunteers_involved: facts.m("load"),
        establishments: establishments_by_kind.population,
        open_at_end: at_end(RequestStatus::Submitted)
            + at_end(RequestStatus::Proposed)
            + at_end(RequestStatus::Accepted),
        unmatched_at_end: at_end(RequestStatus::Unmatched),
        kind,
        establishments_by_kind,
        distinct_regions: distinct(&region),
        region,
        themes: build(
            &values,
            &all_themes,
            Shape::Multiple {
                population: received,
                not_stated: without_theme,
            },
            false,
            Order::MostFirst,
        ),
        main_theme,
        status_at_end,
    }
}

fn answers(facts: &Facts, handled: u64) -> Answers {
    let mut unnamed = 0;
    let mut tools: Vec<ToolCount> = Vec::new();
    for tool in facts.of("tool") {
        match tool.code.as_deref().map(str::trim) {
            Some(name) if !name.is_empty() => tools.push(ToolCount {
                name: name.to_owned(),
                count: to_u64(tool.n),
            }),
            _ => unnamed += to_u64(tool.n),
        }
    }
    // The same order on both backends (they sort NULL differently).
    tools.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
    if unnamed > 0 {
        tools.push(ToolCount {
            name: "Outil non nommé".to_owned(),
            count: unnamed,
        });
    }
    Answers {
        answered: facts.requests_with(ANSWERED),
        answer_types: build(
            &closed_list(&AnswerType::ALL, AnswerType::as_str, AnswerType::label),
            &facts.groups("answer_type"),
            Shape::Multiple {
                population: handled,
                not_stated: handled.saturating_sub(facts.n("typed")),
            },
            false,
            Order::MostFirst,
        ),
        tools,
    }
}

fn follow_up(facts: &Facts, people: &Facts, requests: &Requests) -> FollowUp {
    let proposals = single(
        &labelled(&[
            ("pending", "En attente de réponse"),
            ("accepted", "Acceptées"),
            ("declined", "Déclinées"),
            ("expired", "Expirées"),
            ("withdrawn", "Retirées (un autre volontaire a accepté)"),
        ]),
        &facts.groups("proposal"),
        false,
        Order::List,
    );
    let answered_by_volunteer: u64 = ["accepted", "declined", "expired"]
        .iter()
        .map(|code| proposals.count(code).unwrap_or(0))
        .sum();
    let resolved = facts.requests_with(RESOLVED);
    let mut ratings: Vec<CodeCount> = facts
        .requests_by(|fact| &fact.code3)
        .into_iter()
        .filter(|group| group.code.is_some())
        .collect();
    let rated: u64 = ratings.iter().map(|r| to_u64(r.n)).sum();
    let rating_sum: u64 = ratings
        .iter()
        .map(|r| {
            r.code
                .as_deref()
                .and_then(|c| c.parse::<u64>().ok())
                .unwrap_or(0)
                * to_u64(r.n)
        })
        .sum();
    ratings.push(CodeCount {
        code: None,
        n: i64::try_from(resolved.saturating_sub(rated)).unwrap_or(0),
    });
    // Volunteers by requests taken: those who took some, grouped by the database; the
    // others (accepted by the end of the period) took none.
    let mut load: Vec<CodeCount> = Vec::new();
    let (mut busy, mut cases, mut load_max) = (0u64, 0u64, 0u64);
    for fact in facts.of("load") {
        let (taken, volunteers) = (to_u64(fact.n), to_u64(fact.m));
        busy += volunteers;
        cases += taken * volunteers;
        load_max = load_max.max(taken);
        load.push(CodeCount {
            code: Some(load_bucket(taken).to_owned()),
            n: fact.m,
        });
    }
    load.push(CodeCount {
        code: Some(load_bucket(0).to_owned()),
        n: i64::try_from(people.n("all_volunteers").saturating_sub(busy)).unwrap_or(0),
    });
    FollowUp {
        time_to_first_proposal: facts.delay("to_proposal"),
        time_to_acceptance: facts.delay("to_acceptance"),
        time_to_resolution: facts.delay("to_resolution"),
        proposal_acceptance_rate: share(
            proposals.count("accepted").unwrap_or(0),
            answered_by_volunteer,
        ),
        proposals,
        resolved,
        resolved_share: share(resolved, requests.received),
        ratings: single(
            &labelled(&[
                ("5", "5 — très utile"),
                ("4", "4"),
                ("3", "3"),
                ("2", "2"),
                ("1", "1 — pas utile"),
            ]),
            &ratings,
            false,
            Order::List,
        ),
        rating_mean: (rated > 0).then(|| round(rating_sum as f64 / rated as f64, 2)),
        load: single(&labelled(&LOAD_BUCKETS), &load, true, Order::List),
        load_max,
        load_mean: (busy > 0).then(|| round(cases as f64 / busy as f64, 2)),
    }
}

fn labelled(pairs: &[(&str, &str)]) -> Values {
    pairs
        .iter()
        .map(|(code, label)| ((*code).to_owned(), (*label).to_owned()))
        .collect()
}

/// Buckets of the load per volunteer: (code, label).
const LOAD_BUCKETS: [(&str, &str); 7] = [
    ("0", "Aucune demande"),
    ("1", "1 demande"),
    ("2", "2 demandes"),
    ("3", "3 demandes"),
    ("4-5", "4 à 5 demandes"),
    ("6-10", "6 à 10 demandes"),
    ("11+", "Plus de 10 demandes"),
];

fn load_bucket(cases: u64) -> &'static str {
    match cases {
        0 => "0",
        1 => "1",
        2 => "2",
        3 => "3",
        4..=5 => "4-5",
        6..=10 => "6-10",
        _ => "11+",
    }
}

fn regions() -> Values {
    Region::ALL
        .iter()
        .map(|r| (r.code().to_owned(), r.name().to_owned()))
        .collect()
}

/// Values of a breakdown with at least one record ("non renseigné" aside).
fn distinct(breakdown: &Breakdown) -> u64 {
    breakdown
        .rows
        .iter()
        .filter(|row| row.code != NOT_STATED_CODE && row.count.unwrap_or(0) > 0)
        .count() as u64
}

/// Code of the private group of `public_private`.
pub(crate) const PRIVATE_CODE: &str = "prive";

/// The statuses grouped into public and private (the 2020 report's "2/3 privées").
fn public_private(statuses: &Breakdown) -> Breakdown {
    let count = |status: LegalStatus| statuses.count(status.as_str()).unwrap_or(0);
    let public = count(LegalStatus::Public);
    let private = LegalStatus::ALL
        .iter()
        .filter(|s| s.is_private())
        .map(|&s| count(s))
        .sum::<u64>();
    let not_stated = statuses.not_stated().and_then(|r| r.count).unwrap_or(0);
    let groups = [
        CodeCount {
            code: Some(LegalStatus::Public.as_str().to_owned()),
            n: i64::try_from(public).unwrap_or(0),
        },
        CodeCount {
            code: Some(PRIVATE_CODE.to_owned()),
            n: i64::try_from(private).unwrap_or(0),
        },
        CodeCount {
            code: None,
            n: i64::try_from(not_stated).unwrap_or(0),
        },
    ];
    build(
        &vec![
            (LegalStatus::Public.as_str().to_owned(), "Public".to_owned()),
            (PRIVATE_CODE.to_owned(), "Privé".to_owned()),
        ],
        &groups,
        Shape::Single,
        true,
        Order::List,
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn group(code: Option<&str>, n: i64) -> CodeCount {
        CodeCount {
            code: code.map(str::to_owned),
            n,
        }
    }

    #[test]
    fn unknown_and_missing_codes_are_not_stated_and_rows_add_up() {
        let values = closed_list(&Sector::ALL, Sector::as_str, Sector::label);
        let breakdown = build(
            &values,
            &[
                group(Some("sanitaire"), 17),
                group(Some("medico_social"), 18),
                group(Some("consultant"), 1),
                group(None, 1),
            ],
            Shape::Single,
            true,
            Order::List,
        );
        assert_eq!(breakdown.population, 37);
        let codes: Vec<&str> = breakdown.rows.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(
            codes,
            ["sanitaire", "medico_social", "autre", NOT_STATED_CODE]
        );
        assert_eq!(breakdown.count("autre"), Some(0));
        assert_eq!(breakdown.not_stated().unwrap().count, Some(2));
        let sum: u64 = breakdown.rows.iter().map(|r| r.count.unwrap()).sum();
        assert_eq!(sum, breakdown.population);
        assert_eq!(breakdown.row("sanitaire").unwrap().share, Some(0.4595));
    }

    #[test]
    fn most_first_keeps_the_list_order_between_ties() {
        let values = regions();
        let breakdown = build(
            &values,
            &[
                group(Some("84"), 6),
                group(Some("11"), 8),
                group(Some("76"), 5),
                group(Some("32"), 5),
            ],
            Shape::Single,
            true,
            Order::MostFirst,
        );
        let codes: Vec<&str> = breakdown
            .rows
            .iter()
            .take(4)
            .map(|r| r.code.as_str())
            .collect();
        // Hauts-de-France (32) comes before Occitanie (76) in the list of regions.
        assert_eq!(codes, ["11", "84", "32", "76"]);
        assert_eq!(distinct(&breakdown), 4);
    }

    #[test]
    fn load_buckets_cover_every_count() {
        for (cases, bucket) in [
            (0, "0"),
            (3, "3"),
            (4, "4-5"),
            (5, "4-5"),
            (10, "6-10"),
            (11, "11+"),
        ] {
            assert_eq!(load_bucket(cases), bucket);
        }
        assert!(LOAD_BUCKETS
            .iter()
            .all(|(code, _)| (0..30).any(|n| load_bucket(n) == *code)));
    }
}
