//! The club: proposals, votes and the watched history. Server functions and the JSON API both come
//! through here, so a page of proposals is checked the same way everywhere, and every change tells
//! the caches that show club data.

use crate::error::AppError;
use crate::model::{ActivityItem, ProposalCard, Quota, Slice, Viewer, VoteState, WatchedFilm};
use crate::server::config::Config;
use crate::server::db::audit::Actor;
use crate::server::db::proposals::{ProposeRefused, RatingRefused, StatusRefused, VoteRefused};
use crate::server::db::{audit, proposals, Db};
use crate::server::services::catalogue::Catalogue;
use crate::server::services::versions::ClubVersion;
use crate::server::services::worded;
use crate::validate;
use std::sync::Arc;

pub use crate::server::db::proposals::Prefill;

#[derive(Clone)]
pub struct Club {
    db: Db,
    catalogue: Arc<Catalogue>,
    /// Moved on by every change, so that kept club pages are rendered again.
    version: ClubVersion,
    /// The most proposals one request may ask for.
    max_page_size: u32,
    /// Watched films per page.
    watched_per_page: u32,
    /// Open proposals per member unless an admin set their own limit.
    proposal_limit: i64,
}

impl Club {
    pub fn new(db: Db, catalogue: Arc<Catalogue>, version: ClubVersion, config: &Config) -> Club {
        Club {
            db,
            catalogue,
            version,
            max_page_size: config.pages.max_page_size,
            watched_per_page: config.pages.watched,
            proposal_limit: config.accounts.proposal_limit,
        }
    }

    /// Something on the club's pages changed outside a request (a round closed at its deadline):
    /// this server's and the other servers' caches and kept pages drop it.
    pub async fn changed(&self) {
        self.version.bump();
        self.catalogue.club_changed(None).await;
    }

    /// A round opened, moved its deadline or closed (votes may have been carried over or cleared).
    pub async fn round_changed(&self, id: i64) {
        self.version.bump();
        self.catalogue.round_changed(id).await;
    }

    /// Every active proposal's vote count and version, as `(proposal, votes, version)`.
    pub async fn counts(&self) -> Result<Vec<(i64, i64, i64)>, AppError> {
        Ok(proposals::active_counts(&self.db).await?)
    }

    /// Active proposals, most votes first, with the viewer's own votes: `limit` of them from
    /// `offset`. Both are checked here, for every caller.
    pub async fn proposals(
        &self,
        viewer: Option<&Viewer>,
        offset: u32,
        limit: u32,
    ) -> Result<Slice<ProposalCard>, AppError> {
        let offset = validate::list_offset(offset)?;
        let limit = validate::limit(limit, self.max_page_size)?;
        let (items, total) = proposals::active_page(&self.db, viewer.map(|v| v.id), limit, offset as u64).await?;
        Ok(Slice { items, offset, limit, total })
    }

    pub async fn propose(&self, viewer: &Actor, imdb_id: &str, prefill: Prefill) -> Result<i64, AppError> {
        let id = proposals::create(&self.db, viewer, imdb_id, self.proposal_limit, prefill)
            .await
            .map_err(|e| worded(e, propose_refused))?;
        self.catalogue.club_changed(None).await;
        Ok(id)
    }

    pub async fn vote(&self, viewer: &Actor, id: i64, on: bool) -> Result<VoteState, AppError> {
        let (result, movie_id) =
            proposals::vote(&self.db, viewer, id, on).await.map_err(|e| worded(e, vote_refused))?;
        self.catalogue.vote_changed(movie_id, id, result.votes, result.version).await;
        Ok(result)
    }

    /// One proposal's votes; `viewer` learns whether they voted.
    pub async fn votes(&self, id: i64, viewer: Option<&Viewer>) -> Result<VoteState, AppError> {
        let found = proposals::vote_state(&self.db, id, viewer.map(|v| v.id)).await?;
        found.ok_or_else(|| AppError::NotFound("That proposal".into()))
    }

    pub async fn withdraw(&self, viewer: &Actor, id: i64) -> Result<(), AppError> {
        proposals::withdraw(&self.db, viewer, id).await.map_err(|e| worded(e, status_refused))?;
        self.catalogue.club_changed(None).await;
        Ok(())
    }

    pub async fn mark_watched(&self, admin: &Actor, id: i64) -> Result<(), AppError> {
        if !admin.is_admin {
            return Err(AppError::Forbidden);
        }
        proposals::mark_watched(&self.db, admin, id).await.map_err(|e| worded(e, status_refused))?;
        self.catalogue.club_changed(None).await;
        Ok(())
    }

    /// Page `page` (from 1) of the watched history, newest first.
    pub async fn watched(&self, viewer: Option<&Viewer>, page: u32) -> Result<Slice<WatchedFilm>, AppError> {
        let limit = self.watched_per_page;
        let offset = validate::page_offset(page, limit)?;
        let (items, total) = proposals::watched_page(&self.db, viewer.map(|v| v.id), limit, offset as u64).await?;
        Ok(Slice { items, offset, limit, total })
    }

    /// Rates a watched film from what was posted ("4", "3.5"): 0.5 to 5 stars, as the catalogue.
    pub async fn rate_watched(&self, viewer: &Actor, id: i64, stars: &str) -> Result<(), AppError> {
        let half_stars = validate::parse_half_stars(stars)?;
        proposals::rate_watched(&self.db, viewer, id, half_stars).await.map_err(|e| worded(e, rating_refused))?;
        self.catalogue.club_changed(None).await;
        Ok(())
    }

    /// How many more films `viewer` may propose.
    pub async fn quota(&self, viewer: &Viewer) -> Result<Quota, AppError> {
        Ok(proposals::quota(&self.db, viewer.id, self.proposal_limit).await?)
    }

    /// The club's latest `limit` actions, newest first.
    pub async fn recent_activity(&self, limit: u32) -> Result<Vec<ActivityItem>, AppError> {
        Ok(audit::recent_activity(&self.db, limit).await?)
    }
}

fn propose_refused(reason: ProposeRefused) -> AppError {
    match reason {
        ProposeRefused::NotAMember => AppError::Unauthorized,
        ProposeRefused::AlreadyProposed { id } => {
            AppError::Conflict(format!("This film is already proposed: see /vote#proposal-{id} and vote for it there."))
        }
        ProposeRefused::NoSlotLeft { limit } => AppError::Conflict(format!(
            "You have used all {limit} of your proposal slots. Withdraw one of your proposals to make room."
        )),
        ProposeRefused::ProposedMeanwhile => AppError::Conflict("Someone proposed this film a moment ago.".into()),
    }
}

fn status_refused(reason: StatusRefused) -> AppError {
    match reason {
        StatusRefused::Missing => AppError::NotFound("That proposal".into()),
        StatusRefused::NotYours => AppError::Forbidden,
        StatusRefused::NoLongerActive { name } => {
            AppError::Conflict(format!("{name} is no longer active, so it cannot be withdrawn."))
        }
        StatusRefused::AlreadyWatched { name } => AppError::Conflict(format!("{name} is already marked watched.")),
    }
}

/// The open round's deadline has passed: votes and ballots are refused alike.
pub(crate) fn voting_closed() -> AppError {
    AppError::Conflict("Voting in this round has closed.".into())
}

fn vote_refused(reason: VoteRefused) -> AppError {
    match reason {
        VoteRefused::RoundClosed => voting_closed(),
        VoteRefused::Missing => AppError::NotFound("That proposal".into()),
        VoteRefused::Watched => AppError::Conflict("The club has watched this film; voting on it is closed.".into()),
        VoteRefused::Withdrawn => AppError::Conflict("This proposal was withdrawn; voting on it is closed.".into()),
        VoteRefused::AlreadyVoted => AppError::Conflict("You have already voted for this film.".into()),
        VoteRefused::NotVoted => AppError::Conflict("You have not voted for this film.".into()),
    }
}

fn rating_refused(reason: RatingRefused) -> AppError {
    match reason {
        RatingRefused::Missing => AppError::NotFound("That proposal".into()),
        RatingRefused::NotScreenedYet { on } => AppError::Conflict(format!(
            "This film is scheduled for {}: rate it after the screening.",
            crate::model::format_date(on)
        )),
        RatingRefused::NotWatched => AppError::Conflict("Only films the club has watched can be rated.".into()),
    }
}
