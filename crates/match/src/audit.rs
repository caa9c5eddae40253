//! [`FairnessAudit`]: selection rates at top-K per group and the
//! disparate-impact ratio, with the four-fifths rule.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The threshold of the four-fifths rule: a group selected at less than 80%
/// of the rate of the most selected group indicates adverse impact.
pub const FOUR_FIFTHS: f64 = 0.8;

/// The selection statistics of one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupRate {
    /// The group's value of the audited attribute.
    pub group: String,
    /// Candidates of the group.
    pub candidates: usize,
    /// Candidates of the group among the top K.
    pub selected: usize,
    /// `selected / candidates`.
    pub selection_rate: f64,
}

/// Selection at top-K per group of a caller-supplied attribute, and the
/// disparate-impact ratio.
///
/// The ratio is the lowest group selection rate divided by the highest; the
/// four-fifths rule flags a ratio below 0.8. Candidates without the
/// attribute are counted in `without_group` and take part in no group: an
/// unknown value is not a group. This is a screening aid, not a legal
/// test: small groups give noisy rates.
///
/// ```
/// use jobfit_match::FairnessAudit;
///
/// // Ranked candidates' groups; the top 3 are selected.
/// let groups = [Some("a"), Some("b"), Some("a"), Some("b"), Some("b"), None];
/// let audit = FairnessAudit::compute("group", &groups, 3);
/// // a: 2 of 2 selected (rate 1); b: 1 of 3 (rate 1/3); ratio 1/3.
/// assert_eq!(audit.groups[0].selection_rate, 1.0);
/// assert!((audit.disparate_impact.unwrap() - 1.0 / 3.0).abs() < 1e-12);
/// assert!(audit.adverse_impact);
/// assert_eq!(audit.without_group, 1);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FairnessAudit {
    /// The attribute (a resume metadata key).
    pub group_key: String,
    /// The number of candidates selected (the top K, or all when fewer).
    pub top_k: usize,
    /// Per group, sorted by group name.
    pub groups: Vec<GroupRate>,
    /// Lowest rate / highest rate; `None` when no group has a candidate
    /// selected (the ratio is undefined).
    pub disparate_impact: Option<f64>,
    /// Whether the ratio is below [`FOUR_FIFTHS`].
    pub adverse_impact: bool,
    /// Candidates without the attribute.
    pub without_group: usize,
}

impl FairnessAudit {
    /// Audits a ranking: `groups[i]` is the attribute of the candidate at
    /// rank `i + 1` (`None` when it has none); the first `top_k` are selected.
    pub fn compute(group_key: &str, groups: &[Option<&str>], top_k: usize) -> Self {
        let selected_count = top_k.min(groups.len());
        let mut counts: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        let mut without_group = 0;
        for (rank, group) in groups.iter().enumerate() {
            match group {
                Some(group) => {
                    let entry = counts.entry(group).or_default();
                    entry.0 += 1;
                    if rank < selected_count {
                        entry.1 += 1;
                    }
                }
                None => without_group += 1,
            }
        }
        let groups: Vec<GroupRate> = counts
            .into_iter()
            .map(|(group, (candidates, selected))| GroupRate {
                group: group.to_string(),
                candidates,
                selected,
                selection_rate: selected as f64 / candidates as f64,
            })
            .collect();
        let highest = groups.iter().map(|g| g.selection_rate).fold(0.0, f64::max);
        let lowest = groups
            .iter()
            .map(|g| g.selection_rate)
            .fold(f64::INFINITY, f64::min);
        let disparate_impact = (highest > 0.0).then(|| lowest / highest);
        Self {
            group_key: group_key.to_string(),
            top_k: selected_count,
            groups,
            disparate_impact,
            adverse_impact: disparate_impact.is_some_and(|ratio| ratio < FOUR_FIFTHS),
            without_group,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_rates_give_a_ratio_of_one() {
        // Ranked: a b a b; top 2 selects one of each: rates 1/2 and 1/2.
        let audit = FairnessAudit::compute("g", &[Some("a"), Some("b"), Some("a"), Some("b")], 2);
        assert_eq!(audit.disparate_impact, Some(1.0));
        assert!(!audit.adverse_impact);
    }

    #[test]
    fn nobody_selected_leaves_the_ratio_undefined() {
        let audit = FairnessAudit::compute("g", &[None, Some("a")], 1);
        assert_eq!(audit.disparate_impact, None);
        assert!(!audit.adverse_impact);
        assert_eq!(audit.without_group, 1);
    }
}
