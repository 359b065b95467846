//! The weights of the score, read from configuration.

use serde::{Deserialize, Serialize};

use crate::error::MatchingError;

/// Weights of the six score components, plus the fairness of batch
/// assignment.
///
/// The score of a volunteer is `Σ weight × component`, each component in
/// `[0, 1]`. The scoring defaults add up to 1, so a default score lies in
/// `[0, 1]` too; weights are relative and need not add up to anything.
///
/// Deserialized from configuration (for example a `[matching]` TOML table):
/// missing fields take their default, unknown fields and invalid values are
/// refused with a French message, so a typo cannot silently change rankings.
///
/// | field | default | why |
/// |---|---|---|
/// | `themes` | 0.35 | covering the request's themes is what makes help useful |
/// | `sector` | 0.15 | a hospital IT director knows hospital constraints, an ESMS one knows the DUI |
/// | `region` | 0.15 | a nearby volunteer knows the ARS and can visit; help is mostly remote, so it is a preference |
/// | `status` | 0.05 | public and private structures buy and decide differently, but that matters less |
/// | `capacity` | 0.15 | prefer volunteers with room left |
/// | `recent_load` | 0.15 | prefer volunteers who have not just handled several cases (in 2020, 11 of 37 volunteers took all 26 requests) |
/// | `fairness` | 0.15 | batch only: see [`crate::Matcher::assign`] |
///
/// Together `capacity` and `recent_load` weigh 0.30: enough for a rested
/// volunteer to pass a busy one who fits a little better (the same region
/// instead of a neighbouring one is worth 0.075), which is how load spreads
/// even one request at a time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "WeightsConfig")]
pub struct Weights {
    /// Theme coverage: share of the request's themes the volunteer offers.
    pub themes: f64,
    /// Sector affinity: experience in the sector of the establishment.
    pub sector: f64,
    /// Region: same region 1, neighbouring region 0.5, elsewhere 0.
    pub region: f64,
    /// Status affinity: same public/private family as the establishment.
    pub status: f64,
    /// Spare capacity: share of the volunteer's capacity still free.
    pub capacity: f64,
    /// Recent load: `1 / (1 + cases in the recent past)`.
    pub recent_load: f64,
    /// Batch assignment only: the `k`-th request given to one volunteer in a
    /// batch costs `fairness × (k − 1) / capacity`. With the same value as
    /// `capacity`, this is exactly how much the volunteer's capacity
    /// contribution would drop if the batch were ranked one request at a
    /// time; higher spreads load more.
    pub fairness: f64,
}

impl Weights {
    /// Largest weight accepted: weights are relative, and the bound keeps the
    /// exact integer arithmetic of batch assignment far from overflow.
    pub const MAX: f64 = 1000.0;

    /// Checks every weight is finite, in `[0, MAX]`, and that at least one
    /// scoring weight (all but `fairness`) is positive.
    pub fn validate(&self) -> Result<(), MatchingError> {
        for (name, value) in self.named() {
            if !(value.is_finite() && (0.0..=Self::MAX).contains(&value)) {
                return Err(MatchingError::InvalidWeight { name, value });
            }
        }
        if self.scoring_sum() <= 0.0 {
            return Err(MatchingError::AllWeightsZero);
        }
        Ok(())
    }

    /// Sum of the six scoring weights: the highest score possible.
    pub fn scoring_sum(&self) -> f64 {
        self.themes + self.sector + self.region + self.status + self.capacity + self.recent_load
    }

    fn named(&self) -> [(&'static str, f64); 7] {
        [
            ("themes", self.themes),
            ("sector", self.sector),
            ("region", self.region),
            ("status", self.status),
            ("capacity", self.capacity),
            ("recent_load", self.recent_load),
            ("fairness", self.fairness),
        ]
    }
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            themes: 0.35,
            sector: 0.15,
            region: 0.15,
            status: 0.05,
            capacity: 0.15,
            recent_load: 0.15,
            fairness: 0.15,
        }
    }
}

/// What the configuration may hold, before validation.
#[derive(Deserialize)]
#[serde(default, deny_unknown_fields)]
struct WeightsConfig {
    themes: f64,
    sector: f64,
    region: f64,
    status: f64,
    capacity: f64,
    recent_load: f64,
    fairness: f64,
}

impl Default for WeightsConfig {
    fn default() -> Self {
        let w = Weights::default();
        WeightsConfig {
            themes: w.themes,
            sector: w.sector,
            region: w.region,
            status: w.status,
            capacity: w.capacity,
            recent_load: w.recent_load,
            fairness: w.fairness,
        }
    }
}

impl TryFrom<WeightsConfig> for Weights {
    type Error = MatchingError;

    fn try_from(c: WeightsConfig) -> Result<Self, Self::Error> {
        let w = Weights {
            themes: c.themes,
            sector: c.sector,
            region: c.region,
            status: c.status,
            capacity: c.capacity,
            recent_load: c.recent_load,
            fairness: c.fairness,
        };
        w.validate()?;
        Ok(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_add_up_to_one() {
        let w = Weights::default();
        w.validate().unwrap();
        assert!((w.scoring_sum() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn validation_names_the_bad_weight() {
        let w = Weights {
            region: -0.1,
            ..Weights::default()
        };
        let e = w.validate().unwrap_err();
        assert_eq!(
            e,
            MatchingError::InvalidWeight {
                name: "region",
                value: -0.1
            }
        );
        assert_eq!(
            e.to_string(),
            "Le poids de matching « region » doit être un nombre entre 0 et 1000 (reçu -0.1)."
        );
        for bad in [f64::NAN, f64::INFINITY, 1000.5] {
            let w = Weights {
                fairness: bad,
                ..Weights::default()
            };
            assert!(matches!(
                w.validate(),
                Err(MatchingError::InvalidWeight {
                    name: "fairness",
                    ..
                })
            ));
        }
    }

    #[test]
    fn all_zero_scoring_weights_are_refused_but_zero_fairness_is_fine() {
        let zero = Weights {
            themes: 0.0,
            sector: 0.0,
            region: 0.0,
            status: 0.0,
            capacity: 0.0,
            recent_load: 0.0,
            fairness: 1.0,
        };
        assert_eq!(zero.validate(), Err(MatchingError::AllWeightsZero));
        let themes_only = Weights {
            themes: 1.0,
            fairness: 0.0,
            ..zero
        };
        themes_only.validate().unwrap();
    }
}
