//! Versions of the data that kept pages are built from: a page kept under an older version is stale
//! and is rendered again.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The version of the club's data (proposals, votes, members, IMDb metadata) in one server: moved
/// on by whatever changes that data there, read by the pages kept from it. Clones share it.
#[derive(Clone, Debug)]
pub struct ClubVersion(Arc<AtomicU64>);

impl Default for ClubVersion {
    fn default() -> Self {
        ClubVersion(Arc::new(AtomicU64::new(1)))
    }
}

impl ClubVersion {
    /// Marks every club page rendered so far as out of date; called after each change.
    pub fn bump(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }

    /// The club data's current version.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_one_version_and_servers_do_not() {
        let (one, other) = (ClubVersion::default(), ClubVersion::default());
        let seen = one.clone();
        one.bump();
        assert_eq!(seen.get(), 2);
        assert_eq!(other.get(), 1, "another server (or test) in the same process keeps its own");
    }
}
