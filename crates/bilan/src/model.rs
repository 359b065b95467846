//! The bilan as data: what the JSON format serializes and every other format renders.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

/// Code of the row of every breakdown that counts records without a (known) value.
pub const NOT_STATED_CODE: &str = "non_renseigne";

/// Label of that row.
pub const NOT_STATED_LABEL: &str = "Non renseigné";

/// The period report of the scheme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Bilan {
    /// Title of the report.
    #[cfg_attr(
        feature = "openapi",
        schema(example = "Bilan du dispositif d'entraide")
    )]
    pub title: String,
    /// The days counted.
    pub period: PeriodView,
    /// First day of the scheme.
    pub scheme_start: NaiveDate,
    /// When the report was produced (UTC).
    pub generated_at: NaiveDateTime,
    /// Whether small counts are masked, and how.
    pub masking: Masking,
    /// People who offered their help.
    pub volunteers: Volunteers,
    /// Establishments that asked for help, and their requests.
    pub requests: Requests,
    /// How the requests were answered.
    pub answers: Answers,
    /// What the 2020 report did not measure: delays, proposals, ratings, load.
    pub follow_up: FollowUp,
}

/// The period of a bilan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PeriodView {
    /// First day, included.
    pub from: NaiveDate,
    /// Last day, included.
    pub to: NaiveDate,
    /// Number of days.
    pub days: i64,
}

/// The public option.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Masking {
    /// True for the public bilan: small counts are masked.
    pub public: bool,
    /// Counts from 1 to `threshold - 1` are masked in the public bilan.
    pub threshold: u32,
    /// How many counts are masked (0 when not public).
    pub masked_cells: u32,
    /// French statement of the rule, printed in every format of the public bilan.
    pub note: Option<String>,
}

/// A count of records by value: one row per value of the list (even at zero), then the
/// "non renseigné" row, always present.
///
/// When `multiple` is false each record has one value and the rows add up to
/// `population`. When it is true a record may have several values (themes, answer
/// types): a record counts once in each of its values, the last row counts records
/// with none, and shares are of `population`, so they may add up to more than 100 %.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Breakdown {
    /// Records counted.
    pub population: u64,
    /// Whether a record may count in several rows.
    pub multiple: bool,
    /// Whether the public option applies to this breakdown (it could identify a person).
    pub sensitive: bool,
    /// The rows, the "non renseigné" one last.
    pub rows: Vec<Row>,
}

/// One value of a breakdown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Row {
    /// Stable code (`non_renseigne` for the last row).
    #[cfg_attr(feature = "openapi", schema(example = "teletravail"))]
    pub code: String,
    /// French label.
    #[cfg_attr(feature = "openapi", schema(example = "Télétravail"))]
    pub label: String,
    /// Records with this value; `null` when masked.
    pub count: Option<u64>,
    /// `count / population`, from 0 to 1, rounded to 4 decimals; `null` when masked or
    /// when the population is empty.
    pub share: Option<f64>,
    /// True when the public option hid the count.
    pub masked: bool,
}

/// Volunteers: applications received in the period and the profile of those accepted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Volunteers {
    /// Applications received in the period.
    pub applications_received: u64,
    /// Of them, accepted by the end of the period: the volunteers profiled below.
    pub accepted: u64,
    /// Applications by decision at the end of the period (accepted, rejected, pending).
    pub applications: Breakdown,
    /// Accepted volunteers by gender.
    pub gender: Breakdown,
    /// By job role.
    pub job_role: Breakdown,
    /// By sector of origin.
    pub origin_sector: Breakdown,
    /// By legal status of their structure.
    pub origin_status: Breakdown,
    /// Public or private structure (the statuses grouped).
    pub public_private: Breakdown,
    /// By region, most represented first.
    pub region: Breakdown,
    /// Number of regions with at least one volunteer.
    pub distinct_regions: u64,
    /// Expertise themes offered, most offered first (several per volunteer).
    pub themes: Breakdown,
}

/// Help requests received in the period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Requests {
    /// Requests received in the period.
    pub received: u64,
    /// Of them, taken by a volunteer by the end of the period ("traitées").
    pub handled: u64,
    /// Distinct volunteers who took them.
    pub volunteers_involved: u64,
    /// Distinct establishments that sent them.
    pub establishments: u64,
    /// Still waiting for a volunteer or for an answer at the end of the period
    /// (received, proposed or taken).
    pub open_at_end: u64,
    /// Without a volunteer at the end of the period: staff must act.
    pub unmatched_at_end: u64,
    /// Requests by state at the end of the period (from the audit trail).
    pub status_at_end: Breakdown,
    /// Requests by kind of structure (ES, ESMS, ambulatory).
    pub kind: Breakdown,
    /// Distinct establishments by kind.
    pub establishments_by_kind: Breakdown,
    /// Requests by region of the establishment, most represented first.
    pub region: Breakdown,
    /// Regions with at least one request.
    pub distinct_regions: u64,
    /// Requests by main theme (the first the requester gave).
    pub main_theme: Breakdown,
    /// Every theme of the requests (several per request).
    pub themes: Breakdown,
}

/// Answers to the requests taken in the period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Answers {
    /// Requests whose volunteer recorded an answer by the end of the period.
    pub answered: u64,
    /// Answer types over the requests taken (several per request; "non renseigné":
    /// no answer recorded yet).
    pub answer_types: Breakdown,
    /// Tools sent, by name, most sent first (at most 50).
    pub tools: Vec<ToolCount>,
}

/// A tool sent to establishments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ToolCount {
    /// Name as the volunteer gave it ("Outil non nommé" when none was given).
    #[cfg_attr(feature = "openapi", schema(example = "Charte de télétravail"))]
    pub name: String,
    /// Requests it was sent for.
    pub count: u64,
}

/// Delays, proposals, resolution, ratings and load of the requests of the period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FollowUp {
    /// From submission to the first proposal to a volunteer.
    pub time_to_first_proposal: Delay,
    /// From submission to acceptance by a volunteer.
    pub time_to_acceptance: Delay,
    /// From submission to the answer recorded.
    pub time_to_resolution: Delay,
    /// Proposals made for the requests of the period, by current state.
    pub proposals: Breakdown,
    /// Accepted proposals over those accepted, declined or expired (withdrawn and
    /// pending ones had no answer of the volunteer); `null` when there are none.
    pub proposal_acceptance_rate: Option<f64>,
    /// Requests answered by the end of the period.
    pub resolved: u64,
    /// `resolved / received`; `null` when nothing was received.
    pub resolved_share: Option<f64>,
    /// Ratings of usefulness (1 to 5) of the answered requests; "non renseigné": not
    /// rated.
    pub ratings: Breakdown,
    /// Mean rating; `null` without ratings.
    pub rating_mean: Option<f64>,
    /// Volunteers accepted by the end of the period, by number of requests of the
    /// period they took.
    pub load: Breakdown,
    /// Most requests taken by one volunteer.
    pub load_max: u64,
    /// Requests per volunteer among those who took at least one; `null` when none did.
    pub load_mean: Option<f64>,
}

/// A delay over the requests it applies to: median and 90th percentile (nearest rank).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Delay {
    /// Requests measured.
    pub count: u64,
    /// Median, in hours (2 decimals); `null` when nothing was measured.
    pub median_hours: Option<f64>,
    /// 90th percentile, in hours; `null` when nothing was measured.
    pub p90_hours: Option<f64>,
}

impl Breakdown {
    /// The "non renseigné" row.
    pub fn not_stated(&self) -> Option<&Row> {
        self.rows.iter().find(|row| row.code == NOT_STATED_CODE)
    }

    /// The row of `code`.
    pub fn row(&self, code: &str) -> Option<&Row> {
        self.rows.iter().find(|row| row.code == code)
    }

    /// The count of `code` (0 when absent, `None` when masked).
    pub fn count(&self, code: &str) -> Option<u64> {
        match self.row(code) {
            Some(row) => row.count,
            None => Some(0),
        }
    }

    /// Rows other than "non renseigné", with a count above zero or masked, in order.
    pub fn present(&self) -> impl Iterator<Item = &Row> {
        self.rows
            .iter()
            .filter(|row| row.code != NOT_STATED_CODE && (row.masked || row.count != Some(0)))
    }
}

/// Rounds a share to 4 decimals, so that the JSON stays readable.
pub(crate) fn share(count: u64, population: u64) -> Option<f64> {
    (population > 0).then(|| round(count as f64 / population as f64, 4))
}

/// Rounds to `decimals` places.
pub(crate) fn round(value: f64, decimals: i32) -> f64 {
    let factor = 10f64.powi(decimals);
    (value * factor).round() / factor
}
