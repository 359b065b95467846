//! The period a bilan covers, and the settings that shape it.

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta};

use crate::BilanError;

/// The scheme's start date when none is configured: the 2020 report, dated 30 April
/// 2020, covers "4 semaines de fonctionnement", hence a start on Thursday 2 April 2020.
pub const DEFAULT_SCHEME_START: &str = "2020-04-02";

/// Counts below this are masked in the public bilan when nothing else is configured.
pub const DEFAULT_PUBLIC_THRESHOLD: u32 = 3;

/// Length of the default period, as in the 2020 report.
const DEFAULT_DAYS: i64 = 28;

/// The days a bilan covers, both included, in UTC (timestamps are stored in UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    from: NaiveDate,
    to: NaiveDate,
}

impl Period {
    /// A period from `from` to `to`, both included; refused when `from` comes after
    /// `to` or a date lies outside the years 2000 to 2100.
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Period, BilanError> {
        for date in [from, to] {
            if !(2000..=2100).contains(&date.year()) {
                return Err(BilanError::DateOutOfRange(date));
            }
        }
        if from > to {
            return Err(BilanError::FromAfterTo { from, to });
        }
        Ok(Period { from, to })
    }

    /// The four weeks starting on `start` (the default period of a bilan).
    pub fn default_after(start: NaiveDate) -> Period {
        Period {
            from: start,
            to: Self::default_end(start),
        }
    }

    /// The last day of the four weeks starting on `start`.
    pub fn default_end(start: NaiveDate) -> NaiveDate {
        start
            .checked_add_signed(TimeDelta::days(DEFAULT_DAYS - 1))
            .unwrap_or(NaiveDate::MAX)
    }

    /// First day, included.
    pub fn from(&self) -> NaiveDate {
        self.from
    }

    /// Last day, included.
    pub fn to(&self) -> NaiveDate {
        self.to
    }

    /// Number of days covered.
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// The first instant of the period.
    pub fn start(&self) -> NaiveDateTime {
        self.from.and_time(chrono::NaiveTime::MIN)
    }

    /// The first instant after the period (midnight after the last day): events are in
    /// the period when `start() <= t < end()`.
    pub fn end(&self) -> NaiveDateTime {
        self.to
            .succ_opt()
            .unwrap_or(NaiveDate::MAX)
            .and_time(chrono::NaiveTime::MIN)
    }
}

/// Configuration of the bilan (`ENTRAIDE_SCHEME_START`, `ENTRAIDE_BILAN_PUBLIC_THRESHOLD`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BilanSettings {
    /// First day of the scheme: the default period is the four weeks from it.
    pub scheme_start: NaiveDate,
    /// Counts below it are masked in the public bilan.
    pub public_threshold: u32,
}

impl Default for BilanSettings {
    fn default() -> Self {
        Self {
            scheme_start: default_scheme_start(),
            public_threshold: DEFAULT_PUBLIC_THRESHOLD,
        }
    }
}

fn default_scheme_start() -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, 4, 2).unwrap_or(NaiveDate::MIN)
}

/// What a bilan is asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BilanOptions {
    /// The days counted.
    pub period: Period,
    /// Mask small counts in the breakdowns that could identify a person.
    pub public: bool,
    /// Counts below it are masked when `public` is set (at least 1).
    pub threshold: u32,
    /// First day of the scheme, shown in the report.
    pub scheme_start: NaiveDate,
    /// When the report is produced (UTC), shown in it.
    pub generated_at: NaiveDateTime,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn the_default_period_is_the_four_weeks_of_the_2020_report() {
        assert_eq!(DEFAULT_SCHEME_START, default_scheme_start().to_string());
        let period = Period::default_after(BilanSettings::default().scheme_start);
        assert_eq!(period.from(), day("2020-04-02"));
        assert_eq!(period.to(), day("2020-04-29"));
        assert_eq!(period.days(), 28);
        assert_eq!(period.start().to_string(), "2020-04-02 00:00:00");
        assert_eq!(period.end().to_string(), "2020-04-30 00:00:00");
    }

    #[test]
    fn periods_are_checked() {
        assert!(Period::new(day("2020-04-02"), day("2020-04-02")).is_ok());
        assert!(matches!(
            Period::new(day("2020-04-03"), day("2020-04-02")),
            Err(BilanError::FromAfterTo { .. })
        ));
        assert!(matches!(
            Period::new(day("0020-04-03"), day("2020-04-02")),
            Err(BilanError::DateOutOfRange(_))
        ));
    }
}
