//! The public bilan: counts from 1 to `threshold - 1` are masked in the breakdowns that
//! could identify a person (the volunteers' profile, regions, load per volunteer).
//!
//! Hiding the small counts alone is not enough where rows add up to a known total: a
//! single hidden count follows by difference. So, as statistical offices do, more counts
//! are hidden (the smallest others) until no hidden count can be worked out from the
//! total ("secret secondaire").

use entraide_core::LegalStatus;

use crate::compute::PRIVATE_CODE;
use crate::{Bilan, Breakdown};

/// Masks the sensitive breakdowns of `bilan` and records it in `bilan.masking`.
pub(crate) fn apply(bilan: &mut Bilan, threshold: u32) {
    let threshold = u64::from(threshold.max(1));
    let volunteers = &mut bilan.volunteers;
    for breakdown in [
        &mut volunteers.gender,
        &mut volunteers.job_role,
        &mut volunteers.origin_sector,
        &mut volunteers.origin_status,
        &mut volunteers.region,
        &mut volunteers.themes,
        &mut bilan.requests.region,
        &mut bilan.follow_up.load,
    ] {
        mask(breakdown, threshold);
    }
    // Public/private groups the statuses: a group that holds a hidden status is hidden
    // too, or the hidden status would follow from the group and the statuses shown.
    let status = &volunteers.origin_status;
    let hidden = |code: &str| status.row(code).is_some_and(|row| row.masked);
    let public_hidden = hidden(LegalStatus::Public.as_str());
    let private_hidden = LegalStatus::ALL
        .iter()
        .filter(|s| s.is_private())
        .any(|s| hidden(s.as_str()));
    let not_stated_hidden = status.not_stated().is_some_and(|row| row.masked);
    let groups = &mut volunteers.public_private;
    for row in &mut groups.rows {
        let linked = match row.code.as_str() {
            code if code == LegalStatus::Public.as_str() => public_hidden,
            PRIVATE_CODE => private_hidden,
            _ => not_stated_hidden,
        };
        if linked && row.count != Some(0) {
            hide(row);
        }
    }
    mask(groups, threshold);
    bilan.masking.masked_cells = count_masked(bilan);
    bilan.masking.note = Some(format!(
        "Version publique : dans les tableaux qui pourraient permettre d'identifier une \
         personne (profil et régions des volontaires, régions des établissements, charge \
         par volontaire), les effectifs de 1 à {} sont masqués (« < {} »), ainsi que \
         d'autres effectifs lorsque le total permettrait de retrouver une valeur masquée \
         par différence. Effectifs masqués : {}.",
        threshold - 1,
        threshold,
        bilan.masking.masked_cells
    ));
}

fn count_masked(bilan: &Bilan) -> u32 {
    let v = &bilan.volunteers;
    [
        &v.gender,
        &v.job_role,
        &v.origin_sector,
        &v.origin_status,
        &v.public_private,
        &v.region,
        &v.themes,
        &bilan.requests.region,
        &bilan.follow_up.load,
    ]
    .iter()
    .map(|b| b.rows.iter().filter(|row| row.masked).count() as u32)
    .sum()
}

fn hide(row: &mut crate::Row) {
    row.count = None;
    row.share = None;
    row.masked = true;
}

/// Masks one breakdown; returns how many of its counts are hidden.
fn mask(breakdown: &mut Breakdown, threshold: u64) -> u32 {
    // Each hidden count with its value and whether it is below the threshold; counts
    // hidden before this call (linked groups) are of a value unknown here.
    let mut hidden: Vec<(u64, bool)> = breakdown
        .rows
        .iter()
        .filter(|row| row.masked)
        .map(|_| (0, false))
        .collect();
    for row in &mut breakdown.rows {
        if let Some(n) = row.count.filter(|&n| n > 0 && n < threshold) {
            hide(row);
            hidden.push((n, true));
        }
    }
    // When a record may count in several rows nothing adds up to a total, so no hidden
    // count follows by difference.
    while !breakdown.multiple && !hidden.is_empty() && is_determined(&hidden, threshold) {
        // Hide the smallest count still shown, other than zero.
        let next = breakdown
            .rows
            .iter()
            .enumerate()
            .filter_map(|(index, row)| row.count.filter(|&n| n > 0).map(|n| (index, n)))
            .min_by_key(|&(_, n)| n);
        match next {
            Some((index, n)) => {
                hide(&mut breakdown.rows[index]);
                hidden.push((n, n < threshold));
            }
            None => {
                // Only zeros are left: hiding them too leaves the small counts
                // ambiguous (which rows hold them?); nothing more can be done when
                // there are none.
                for row in breakdown.rows.iter_mut().filter(|row| row.count == Some(0)) {
                    hide(row);
                }
                break;
            }
        }
    }
    breakdown.rows.iter().filter(|row| row.masked).count() as u32
}

/// Whether a hidden count could be worked out from the total and the counts shown: a
/// single hidden count, or hidden counts all below the threshold whose sum can be split
/// one way only (all 1, or all `threshold - 1`).
fn is_determined(hidden: &[(u64, bool)], threshold: u64) -> bool {
    if hidden.len() == 1 {
        return true;
    }
    if !hidden.iter().all(|&(_, small)| small) {
        return false;
    }
    let k = hidden.len() as u64;
    let sum: u64 = hidden.iter().map(|&(n, _)| n).sum();
    sum == k || sum == k * (threshold - 1)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::{Row, NOT_STATED_CODE};

    fn breakdown(counts: &[u64], multiple: bool) -> Breakdown {
        let population = counts.iter().sum();
        let mut rows: Vec<Row> = counts
            .iter()
            .enumerate()
            .map(|(i, &n)| Row {
                code: format!("v{i}"),
                label: format!("Valeur {i}"),
                count: Some(n),
                share: None,
                masked: false,
            })
            .collect();
        if let Some(last) = rows.last_mut() {
            last.code = NOT_STATED_CODE.to_owned();
        }
        Breakdown {
            population,
            multiple,
            sensitive: true,
            rows,
        }
    }

    fn shown(b: &Breakdown) -> Vec<Option<u64>> {
        b.rows.iter().map(|r| r.count).collect()
    }

    #[test]
    fn nothing_small_nothing_masked() {
        let mut b = breakdown(&[29, 8, 0, 0], false);
        assert_eq!(mask(&mut b, 3), 0);
        assert_eq!(shown(&b), [Some(29), Some(8), Some(0), Some(0)]);
    }

    #[test]
    fn a_lone_small_count_takes_the_smallest_other_with_it() {
        let mut b = breakdown(&[12, 23, 2, 0], false);
        assert_eq!(mask(&mut b, 3), 2);
        assert_eq!(shown(&b), [None, Some(23), None, Some(0)]);
        assert!(b.rows[0].masked && b.rows[2].masked);
    }

    #[test]
    fn two_ones_are_as_telling_as_one() {
        // 1 + 1 = 2 can only be split one way.
        let mut b = breakdown(&[10, 1, 1, 0], false);
        assert_eq!(mask(&mut b, 3), 3);
        assert_eq!(shown(&b), [None, None, None, Some(0)]);
        // 1 + 2 = 3 can be split two ways.
        let mut b = breakdown(&[10, 1, 2, 0], false);
        assert_eq!(mask(&mut b, 3), 2);
        assert_eq!(shown(&b), [Some(10), None, None, Some(0)]);
    }

    #[test]
    fn zeros_are_hidden_when_nothing_else_is_left() {
        let mut b = breakdown(&[1, 0, 0], false);
        mask(&mut b, 3);
        assert_eq!(shown(&b), [None, None, None]);
    }

    #[test]
    fn multiple_breakdowns_hide_small_counts_only() {
        let mut b = breakdown(&[24, 2, 1, 0], true);
        assert_eq!(mask(&mut b, 3), 2);
        assert_eq!(shown(&b), [Some(24), None, None, Some(0)]);
    }

    #[test]
    fn threshold_one_masks_nothing() {
        let mut b = breakdown(&[1, 2, 0], false);
        assert_eq!(mask(&mut b, 1), 0);
    }
}
