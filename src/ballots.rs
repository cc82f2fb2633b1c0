//! Counting a round's ballots, in plain Rust: approval (each member approves any number of
//! proposals; most approvals wins) or ranked choice (instant runoff: the proposal with the fewest
//! first preferences is eliminated and its ballots move to their next choice, until one proposal
//! holds more than half of the ballots still counting).
//!
//! Ties are never settled silently. The rule, shown with every result that used it:
//! 1. the proposal whose proposer won a round least recently (never beats any date);
//! 2. then the earlier proposal;
//! 3. then a draw seeded by the round's id, which anyone can repeat.
//!
//! The same order picks whom to eliminate when several proposals share the fewest votes: the one
//! that would lose the tie.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A proposal in the round, with what the tie rule needs.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    pub id: i64,
    /// When it was proposed (seconds).
    pub proposed_at: i64,
    /// When its proposer last won a round (seconds); none if never.
    pub proposer_won_at: Option<i64>,
}

/// Which step of the tie rule settled a tie.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TieRule {
    ProposerWonLeastRecently,
    EarlierProposal,
    SeededDraw,
}

impl TieRule {
    pub fn describe(self) -> &'static str {
        match self {
            TieRule::ProposerWonLeastRecently => "its proposer had won a round least recently",
            TieRule::EarlierProposal => "it was proposed earlier",
            TieRule::SeededDraw => "a draw seeded by the round's number",
        }
    }
}

/// A tie and how it was settled.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TieBreak {
    /// The tied proposals.
    pub among: Vec<i64>,
    /// The one the rule picked: the winner, or the one eliminated.
    pub picked: i64,
    pub rule: TieRule,
    /// The draw's seed, when the draw decided.
    pub seed: Option<u64>,
}

/// One count: every continuing proposal's votes, and what happened next.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// (proposal, votes), most votes first.
    pub counts: Vec<(i64, u32)>,
    /// Ranked ballots with no continuing proposal left on them.
    pub exhausted: u32,
    /// The proposal eliminated after this count; none in the deciding count.
    pub eliminated: Option<i64>,
    pub tie_break: Option<TieBreak>,
}

/// A round's result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tally {
    /// None only when the round had no proposals.
    pub winner: Option<i64>,
    /// Every count in order; approval has one.
    pub steps: Vec<Step>,
    /// How a tie for the win was settled, if there was one.
    pub tie_break: Option<TieBreak>,
}

/// Never won sorts first; then the older win.
fn last_win(c: &Candidate) -> (u8, i64) {
    c.proposer_won_at.map_or((0, 0), |t| (1, t))
}

/// The step of the tie rule that tells `x` and `y` apart.
fn deciding_rule(x: &Candidate, y: &Candidate) -> TieRule {
    if last_win(x) != last_win(y) {
        TieRule::ProposerWonLeastRecently
    } else if x.proposed_at != y.proposed_at {
        TieRule::EarlierProposal
    } else {
        TieRule::SeededDraw
    }
}

/// Settles a tie among two or more proposals: the one the rule puts first (a win) or last (an
/// elimination), and the step of the rule that set it apart from its neighbour.
fn tie(tied: &[&Candidate], seed: u64, pick_last: bool) -> TieBreak {
    let draw = |c: &Candidate| splitmix64(seed ^ c.id as u64);
    let mut order: Vec<&Candidate> = tied.to_vec();
    order.sort_by(|a, b| {
        last_win(a)
            .cmp(&last_win(b))
            .then(a.proposed_at.cmp(&b.proposed_at))
            .then(draw(a).cmp(&draw(b)))
            .then(a.id.cmp(&b.id))
    });
    let n = order.len();
    let (picked, neighbour) = if pick_last { (order[n - 1], order[n - 2]) } else { (order[0], order[1]) };
    let rule = deciding_rule(picked, neighbour);
    let mut among: Vec<i64> = tied.iter().map(|c| c.id).collect();
    among.sort_unstable();
    TieBreak { among, picked: picked.id, rule, seed: (rule == TieRule::SeededDraw).then_some(seed) }
}

/// The winner among the proposals with the most votes, by the tie rule when there are several.
fn winner_of(leaders: &[&Candidate], seed: u64) -> (Option<i64>, Option<TieBreak>) {
    match leaders {
        [] => (None, None),
        [only] => (Some(only.id), None),
        _ => {
            let t = tie(leaders, seed, false);
            (Some(t.picked), Some(t))
        }
    }
}

fn sorted_counts(counts: &HashMap<i64, u32>) -> Vec<(i64, u32)> {
    let mut v: Vec<(i64, u32)> = counts.iter().map(|(&id, &n)| (id, n)).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v
}

/// Approval: each ballot lists the proposals its member approves (unknown ids and repeats ignored).
pub fn count_approval(candidates: &[Candidate], ballots: &[Vec<i64>], seed: u64) -> Tally {
    let mut counts: HashMap<i64, u32> = candidates.iter().map(|c| (c.id, 0)).collect();
    for ballot in ballots {
        let mut seen = Vec::new();
        for id in ballot {
            if !seen.contains(id) {
                seen.push(*id);
                if let Some(n) = counts.get_mut(id) {
                    *n += 1;
                }
            }
        }
    }
    let top = counts.values().copied().max();
    let leaders: Vec<&Candidate> = candidates.iter().filter(|c| Some(counts[&c.id]) == top).collect();
    let (winner, tie_break) = winner_of(&leaders, seed);
    let step = Step { counts: sorted_counts(&counts), exhausted: 0, eliminated: None, tie_break: None };
    Tally { winner, steps: vec![step], tie_break }
}

/// Ranked choice by instant runoff: each ballot lists proposals, most wanted first (unknown ids and
/// repeats ignored).
pub fn count_ranked(candidates: &[Candidate], ballots: &[Vec<i64>], seed: u64) -> Tally {
    let known: HashMap<i64, &Candidate> = candidates.iter().map(|c| (c.id, c)).collect();
    let ballots: Vec<Vec<i64>> = ballots
        .iter()
        .map(|b| {
            let mut clean: Vec<i64> = Vec::new();
            for id in b {
                if known.contains_key(id) && !clean.contains(id) {
                    clean.push(*id);
                }
            }
            clean
        })
        .collect();
    let mut continuing: Vec<i64> = candidates.iter().map(|c| c.id).collect();
    let mut steps = Vec::new();
    loop {
        let mut counts: HashMap<i64, u32> = continuing.iter().map(|&id| (id, 0)).collect();
        let mut exhausted = 0;
        for ballot in &ballots {
            match ballot.iter().find(|id| counts.contains_key(id)) {
                Some(id) => *counts.get_mut(id).unwrap() += 1,
                None => exhausted += 1,
            }
        }
        let counting: u32 = counts.values().sum();
        let top = counts.values().copied().max();
        let leaders: Vec<&Candidate> =
            continuing.iter().filter(|id| Some(counts[id]) == top).map(|id| known[id]).collect();
        let decided = continuing.len() <= 1 || top.is_some_and(|t| 2 * t > counting);
        if decided {
            let (winner, tie_break) = winner_of(&leaders, seed);
            steps.push(Step { counts: sorted_counts(&counts), exhausted, eliminated: None, tie_break: None });
            return Tally { winner, steps, tie_break };
        }
        let fewest = counts.values().copied().min().unwrap_or(0);
        let lowest: Vec<&Candidate> = continuing.iter().filter(|id| counts[id] == fewest).map(|id| known[id]).collect();
        let (out, tie_break) = match lowest.len() {
            1 => (lowest[0].id, None),
            _ => {
                let t = tie(&lowest, seed, true);
                (t.picked, Some(t))
            }
        };
        steps.push(Step { counts: sorted_counts(&counts), exhausted, eliminated: Some(out), tie_break });
        continuing.retain(|&id| id != out);
    }
}

/// A fixed, well-mixed 64-bit hash (SplitMix64's finaliser), so a draw is the same everywhere.
fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn films(n: i64) -> Vec<Candidate> {
        (1..=n).map(|id| Candidate { id, proposed_at: 100 * id, proposer_won_at: None }).collect()
    }

    #[test]
    fn approval_counts_each_member_once_per_proposal() {
        let t = count_approval(&films(3), &[vec![1, 2], vec![2, 2, 2], vec![2, 3], vec![9]], 1);
        assert_eq!(t.winner, Some(2));
        assert_eq!(t.steps[0].counts, vec![(2, 3), (1, 1), (3, 1)]);
        assert_eq!(t.tie_break, None);
    }

    #[test]
    fn ties_go_to_the_proposer_who_won_least_recently_then_the_earlier_proposal_then_the_draw() {
        let mut c = films(3);
        c[0].proposer_won_at = Some(500);
        c[1].proposer_won_at = Some(900);
        // 1 and 2 tie; 1's proposer won longer ago.
        let t = count_approval(&c, &[vec![1], vec![2]], 7);
        assert_eq!(
            (t.winner, t.tie_break.as_ref().map(|t| t.rule)),
            (Some(1), Some(TieRule::ProposerWonLeastRecently))
        );
        // Never having won beats any date.
        c[2].proposer_won_at = None;
        let t = count_approval(&c, &[vec![1], vec![3]], 7);
        assert_eq!(t.winner, Some(3));
        // Same history: the earlier proposal.
        let t = count_approval(&films(3), &[vec![3], vec![2]], 7);
        assert_eq!((t.winner, t.tie_break.unwrap().rule), (Some(2), TieRule::EarlierProposal));
        // Same time too: the seeded draw, the same every time, and shown with its seed.
        let same: Vec<Candidate> = (1..=4).map(|id| Candidate { id, proposed_at: 0, proposer_won_at: None }).collect();
        let t = count_approval(&same, &[], 42);
        let again = count_approval(&same, &[], 42);
        assert_eq!(t, again);
        let tie = t.tie_break.unwrap();
        assert_eq!((tie.rule, tie.seed, tie.among.len()), (TieRule::SeededDraw, Some(42), 4));
        let winners: std::collections::HashSet<i64> =
            (0..40).map(|seed| count_approval(&same, &[], seed).winner.unwrap()).collect();
        assert!(winners.len() > 1, "the draw depends on the seed");
    }

    #[test]
    fn instant_runoff_moves_ballots_and_shows_every_step() {
        // 1: 4 firsts, 2: 3, 3: 2 (whose ballots prefer 2 next) → 3 out, then 2 wins 5 to 4.
        let mut ballots = vec![vec![1, 2]; 4];
        ballots.extend(vec![vec![2, 1]; 3]);
        ballots.extend(vec![vec![3, 2]; 2]);
        let t = count_ranked(&films(3), &ballots, 1);
        assert_eq!(t.winner, Some(2));
        assert_eq!(t.steps.len(), 2);
        assert_eq!(t.steps[0].counts, vec![(1, 4), (2, 3), (3, 2)]);
        assert_eq!(t.steps[0].eliminated, Some(3));
        assert_eq!(t.steps[1].counts, vec![(2, 5), (1, 4)]);
        assert_eq!(t.steps[1].eliminated, None);
    }

    #[test]
    fn a_tie_for_last_place_eliminates_the_one_the_rule_puts_last() {
        // 2 and 3 tie for last with one first preference each; 3 is the later proposal.
        let t = count_ranked(&films(3), &[vec![1], vec![1], vec![2, 1], vec![3, 2]], 1);
        let first = &t.steps[0];
        assert_eq!(first.eliminated, Some(3));
        assert_eq!(first.tie_break.as_ref().map(|t| (t.rule, t.picked)), Some((TieRule::EarlierProposal, 3)));
        assert_eq!(t.winner, Some(1));
    }

    #[test]
    fn ballots_that_run_out_are_counted_as_exhausted() {
        let t = count_ranked(&films(3), &[vec![1], vec![1], vec![2], vec![2], vec![3]], 1);
        // 3 out (fewest); its ballot has no next choice. 1 and 2 then tie: 2, proposed later, goes.
        assert_eq!(t.steps[1].exhausted, 1);
        assert_eq!(t.steps[1].counts, vec![(1, 2), (2, 2)]);
        let tie = t.steps[1].tie_break.as_ref().unwrap();
        assert_eq!((tie.picked, tie.rule), (2, TieRule::EarlierProposal));
        assert_eq!((t.steps.len(), t.winner), (3, Some(1)));
    }

    #[test]
    fn no_proposals_no_winner_and_no_ballots_still_a_winner_by_the_rule() {
        assert_eq!(count_ranked(&[], &[vec![1]], 1).winner, None);
        assert_eq!(count_approval(&[], &[], 1).winner, None);
        let t = count_ranked(&films(2), &[], 1);
        assert_eq!(t.winner, Some(1));
        assert_eq!(t.steps[0].tie_break.as_ref().map(|t| (t.picked, t.rule)), Some((2, TieRule::EarlierProposal)));
    }

    fn ranked_ballots(candidates: i64) -> impl Strategy<Value = Vec<Vec<i64>>> {
        let one = Just((1..=candidates).collect::<Vec<i64>>())
            .prop_shuffle()
            .prop_flat_map(move |order| (Just(order), 0..=candidates as usize))
            .prop_map(|(order, len)| order[..len].to_vec());
        prop::collection::vec(one, 0..40)
    }

    fn history(candidates: i64) -> impl Strategy<Value = Vec<Candidate>> {
        prop::collection::vec((0..3i64, prop::option::of(0..3i64)), candidates as usize).prop_map(|v| {
            v.into_iter()
                .enumerate()
                .map(|(i, (at, won))| Candidate { id: i as i64 + 1, proposed_at: at, proposer_won_at: won })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn permuting_ballots_never_changes_the_result(
            candidates in history(5),
            ballots in ranked_ballots(5).prop_shuffle().prop_flat_map(|b| (Just(b.clone()), Just(b).prop_shuffle())),
            seed in any::<u64>(),
        ) {
            let (a, b) = ballots;
            prop_assert_eq!(count_ranked(&candidates, &a, seed), count_ranked(&candidates, &b, seed));
            prop_assert_eq!(count_approval(&candidates, &a, seed), count_approval(&candidates, &b, seed));
        }

        #[test]
        fn a_majority_of_first_preferences_wins(
            candidates in history(5),
            rest in ranked_ballots(5),
            seed in any::<u64>(),
        ) {
            // Proposal 3 is first on more than half of the ballots.
            let mut ballots: Vec<Vec<i64>> = rest.iter().map(|b| b.iter().copied().filter(|&id| id != 3).collect()).collect();
            for _ in 0..=rest.len() {
                ballots.push(vec![3, 1]);
            }
            prop_assert_eq!(count_ranked(&candidates, &ballots, seed).winner, Some(3));
        }

        #[test]
        fn a_condorcet_winner_that_leads_the_first_count_of_three_wins(
            candidates in history(3),
            ballots in ranked_ballots(3),
            seed in any::<u64>(),
        ) {
            let prefers = |b: &Vec<i64>, x: i64, y: i64| {
                let pos = |id| b.iter().position(|&c| c == id).unwrap_or(usize::MAX);
                pos(x) < pos(y)
            };
            let firsts = |id: i64| ballots.iter().filter(|b| b.first() == Some(&id)).count();
            for x in 1..=3 {
                let beats_all = (1..=3).filter(|&y| y != x).all(|y| {
                    ballots.iter().filter(|b| prefers(b, x, y)).count() > ballots.iter().filter(|b| prefers(b, y, x)).count()
                });
                let leads = (1..=3).filter(|&y| y != x).all(|y| firsts(x) > firsts(y));
                if beats_all && leads {
                    prop_assert_eq!(count_ranked(&candidates, &ballots, seed).winner, Some(x));
                    prop_assert_eq!(count_approval(&candidates, &ballots.iter().map(|b| b[..1.min(b.len())].to_vec()).collect::<Vec<_>>(), seed).winner, Some(x));
                }
            }
        }

        #[test]
        fn removing_a_loser_nobody_ranked_first_never_changes_the_winner(
            candidates in history(5),
            ballots in ranked_ballots(5),
            seed in any::<u64>(),
        ) {
            let before = count_ranked(&candidates, &ballots, seed);
            for gone in 1..=5 {
                let nobody_first = ballots.iter().all(|b| b.first() != Some(&gone));
                if before.winner == Some(gone) || !nobody_first {
                    continue;
                }
                let fewer: Vec<Candidate> = candidates.iter().filter(|c| c.id != gone).cloned().collect();
                let cut: Vec<Vec<i64>> = ballots.iter().map(|b| b.iter().copied().filter(|&id| id != gone).collect()).collect();
                prop_assert_eq!(count_ranked(&fewer, &cut, seed).winner, before.winner, "removed {}", gone);
            }
        }
    }
}
