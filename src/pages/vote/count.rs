//! The count a vote button shows. Answers to this reader's votes and counts heard live from others
//! arrive in any order, each stamped with the proposal's version: the newest wins. While this
//! reader's own vote is on its way, the button already shows what it will do.

/// A proposal's vote count as shown, and the version it came with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShownCount {
    pub votes: i64,
    pub version: i64,
}

impl ShownCount {
    /// The count the page was rendered with (older than any answer or event).
    pub fn rendered(votes: i64) -> Self {
        Self { votes, version: 0 }
    }

    /// The server's answer to this reader's vote (`answer`: count and version), merged with the
    /// newest count heard while it was on its way. True if the shown count changed.
    pub fn answered(&mut self, answer: (i64, i64), heard: Option<(i64, i64)>) -> bool {
        let (votes, version) = match heard {
            Some((n, v)) if v > answer.1 => (n, v),
            _ => answer,
        };
        self.offer(votes, version)
    }

    /// A count heard live. While this reader's vote is on its way it waits: the answer will say.
    pub fn heard(&mut self, count: (i64, i64), vote_pending: bool) -> bool {
        !vote_pending && self.offer(count.0, count.1)
    }

    /// Takes `votes` unless what is shown is newer.
    fn offer(&mut self, votes: i64, version: i64) -> bool {
        if version < self.version {
            return false;
        }
        *self = Self { votes, version };
        true
    }
}

/// What the button shows (voted, count): the confirmed state, or, while a vote that changes it is
/// on its way (`pending`: voting or taking it back), what that vote will do.
pub fn with_pending(voted: bool, votes: i64, pending: Option<bool>) -> (bool, i64) {
    match pending {
        Some(vote) if vote != voted => (vote, votes + if vote { 1 } else { -1 }),
        _ => (voted, votes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_count_wins_whatever_the_order() {
        let mut shown = ShownCount::rendered(3);
        // Another member's vote heard live, then this reader's answer (which knew only the first).
        assert!(shown.heard((4, 7), false));
        assert!(!shown.answered((4, 6), None), "an older answer changes nothing");
        assert_eq!(shown, ShownCount { votes: 4, version: 7 });
        // An answer that crossed a newer event on its way takes the event's count.
        assert!(shown.answered((5, 8), Some((6, 9))));
        assert_eq!(shown, ShownCount { votes: 6, version: 9 });
        // An event older than the answer is ignored.
        assert!(shown.answered((7, 10), Some((6, 9))));
        assert_eq!(shown.votes, 7);
        assert!(!shown.heard((2, 3), false));
        assert_eq!(shown.votes, 7);
    }

    #[test]
    fn events_wait_while_this_readers_vote_is_on_its_way() {
        let mut shown = ShownCount::rendered(3);
        assert!(!shown.heard((4, 7), true));
        assert_eq!(shown, ShownCount::rendered(3));
        assert!(shown.heard((4, 7), false));
        // The same version again (this reader's own vote echoed back) still shows.
        assert!(shown.heard((4, 7), false));
    }

    #[test]
    fn a_pending_vote_shows_what_it_will_do() {
        assert_eq!(with_pending(false, 3, None), (false, 3));
        assert_eq!(with_pending(false, 3, Some(true)), (true, 4));
        assert_eq!(with_pending(true, 4, Some(false)), (false, 3));
        // A vote that changes nothing (sent twice) shows the confirmed state.
        assert_eq!(with_pending(true, 4, Some(true)), (true, 4));
    }
}
