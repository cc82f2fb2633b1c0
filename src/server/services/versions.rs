//! Versions of the data that kept pages are built from: a page kept under an older version is stale
//! and is rendered again.

use std::sync::atomic::{AtomicU64, Ordering};

/// The version of the club's data (proposals, votes, members, IMDb metadata) in this process.
static CLUB: AtomicU64 = AtomicU64::new(1);

/// Marks every club page rendered so far as out of date; called after each change.
pub fn club_changed() {
    CLUB.fetch_add(1, Ordering::SeqCst);
}

/// The club data's current version.
pub fn club_version() -> u64 {
    CLUB.load(Ordering::SeqCst)
}
