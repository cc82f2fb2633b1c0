//! The one shape of every paged list.

use serde::{Deserialize, Serialize};

/// A run of a longer list: `items` from position `offset`, asked for `limit` at a time, out of
/// `total`. The one shape of every paged list: scroll loaders continue at `next_offset`, numbered
/// pagers show `page` (pages of `limit`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Slice<T> {
    pub items: Vec<T>,
    pub offset: u32,
    pub limit: u32,
    pub total: i64,
}

impl<T> Slice<T> {
    /// Where the next run starts, if anything follows.
    pub fn next_offset(&self) -> Option<u32> {
        next_offset(self.offset, self.items.len(), self.total)
    }

    pub fn has_more(&self) -> bool {
        self.next_offset().is_some()
    }

    /// Which page (from 1) this is, in pages of `limit`.
    pub fn page(&self) -> u32 {
        self.offset / self.limit.max(1) + 1
    }
}

/// Where a list continues after `shown` items from `offset`, if anything follows.
pub fn next_offset(offset: u32, shown: usize, total: i64) -> Option<u32> {
    let end = offset as i64 + shown as i64;
    (shown > 0 && end < total).then_some(end as u32)
}
