//! Movie nights: an admin opens a round with a deadline; members vote (approval, today's voting)
//! or rank the proposals (instant runoff); at the deadline the round closes by itself, exactly
//! once, and the winner is scheduled for the screening.

use crate::ballots::{self, Tally};
use crate::error::AppError;
use crate::model::{Ballot, CarryOver, NewRound, Round, RoundResult, RoundStatus, Slice, Viewer, VoteMethod};
use crate::server::db::audit::Actor;
use crate::server::db::{accounts, audit, now, proposals, rounds, Db};
use crate::server::services::club::{voting_closed, Club};
use crate::server::services::leases::Lease;
use crate::server::services::webhook::{News, Webhook};
use crate::server::services::worded;
use crate::validate;
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone)]
pub struct Rounds {
    db: Db,
    club: Club,
    webhook: Webhook,
}

/// A round with its times written out in its own time zone.
fn localized(mut round: Round) -> Round {
    use crate::server::services::zones::{local_input, local_text};
    round.deadline_local = local_text(round.deadline, &round.time_zone);
    round.screening_local = local_text(round.screening_at, &round.time_zone);
    round.deadline_input = local_input(round.deadline, &round.time_zone);
    round
}

fn admin_only(viewer: &Viewer) -> Result<(), AppError> {
    if viewer.is_admin {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

impl Rounds {
    pub fn new(db: Db, club: Club, webhook: Webhook) -> Rounds {
        Rounds { db, club, webhook }
    }

    pub fn webhook(&self) -> &Webhook {
        &self.webhook
    }

    /// Tells the club webhook a round's winner, once it is picked.
    async fn announce_winner(&self, id: i64) -> Result<(), AppError> {
        let round = self.get(id).await?;
        self.webhook.tell(News::Picked(&round)).await;
        Ok(())
    }

    /// Opens a round (admins): the active proposals take part, and so do those proposed before
    /// its deadline.
    pub async fn open(&self, admin: &Actor, round: &NewRound) -> Result<Round, AppError> {
        admin_only(admin)?;
        let at = now();
        let round = validate::new_round(round, at)?;
        crate::server::services::zones::check(&round.time_zone)?;
        let id = rounds::open(&self.db, &round, admin.id, at).await.map_err(|e| {
            worded(e, |rounds::AlreadyOpen| {
                AppError::Conflict("A round is already open; close it before opening another.".into())
            })
        })?;
        audit::record(
            &self.db,
            Some(admin.id),
            "round.open",
            Some(format!("{} (#{id})", round.name)),
            admin.ip.clone(),
        )
        .await?;
        self.club.round_changed(id).await;
        let round = self.get(id).await?;
        self.webhook.tell(News::Opened(&round)).await;
        Ok(round)
    }

    /// The round the vote page names: the open one, or the last one until the day after its
    /// screening (its winner is what the club watches next).
    pub async fn banner(&self) -> Result<Option<Round>, AppError> {
        let latest = rounds::latest(&self.db).await?;
        Ok(latest
            .filter(|r| r.status == RoundStatus::Open || r.screening_at.saturating_add(86_400) > now())
            .map(localized))
    }

    async fn get(&self, id: i64) -> Result<Round, AppError> {
        let found = rounds::get(&self.db, id).await?;
        found.map(|(round, _)| localized(round)).ok_or_else(|| AppError::NotFound("That round".into()))
    }

    /// Rounds, newest first.
    pub async fn list(&self, offset: u32, limit: u32) -> Result<Slice<Round>, AppError> {
        let offset = validate::list_offset(offset)?;
        let limit = validate::limit(limit, 100)?;
        let (items, total) = rounds::page(&self.db, limit, offset as u64).await?;
        Ok(Slice { items: items.into_iter().map(localized).collect(), offset, limit, total })
    }

    /// A round with its tally once closed (the proposals taking part while it is open).
    pub async fn result(&self, id: i64) -> Result<RoundResult, AppError> {
        let (round, json) = rounds::get(&self.db, id).await?.ok_or_else(|| AppError::NotFound("That round".into()))?;
        let tally: Option<Tally> = match json {
            Some(json) => Some(serde_json::from_str(&json).map_err(|e| {
                tracing::error!(%e, round = id, "a stored tally could not be read");
                AppError::Internal
            })?),
            None => None,
        };
        let entries = match &tally {
            Some(t) => {
                let ids: Vec<i64> = t.steps.first().map(|s| s.counts.iter().map(|c| c.0).collect()).unwrap_or_default();
                proposals::entries_by_id(&self.db, &ids).await?
            }
            None if round.status == RoundStatus::Open => rounds::entries(&self.db).await?,
            None => Vec::new(),
        };
        Ok(RoundResult { round: localized(round), entries, tally })
    }

    /// Closes a round before its deadline (admins); the same count as at the deadline.
    pub async fn close_early(&self, admin: &Actor, id: i64) -> Result<RoundResult, AppError> {
        admin_only(admin)?;
        self.get(id).await?;
        match self.close(id, rounds::Closer::Admin(&admin.username)).await? {
            Some(_) => {
                audit::record(&self.db, Some(admin.id), "round.close", Some(format!("#{id}")), admin.ip.clone())
                    .await?;
                self.club.round_changed(id).await;
                self.announce_winner(id).await?;
                self.result(id).await
            }
            None => Err(AppError::Conflict("This round is closed already.".into())),
        }
    }

    /// Moves an open round's deadline (admins) to `local`, a form's time in the round's time zone.
    pub async fn extend_to_local(&self, admin: &Actor, id: i64, local: &str) -> Result<Round, AppError> {
        admin_only(admin)?;
        let round = self.get(id).await?;
        let deadline = crate::server::services::zones::to_utc(local, &round.time_zone, "new deadline")?;
        if deadline <= now() {
            return Err(AppError::BadRequest("The new deadline must be in the future.".into()));
        }
        if deadline > round.screening_at {
            return Err(AppError::BadRequest(format!(
                "The new deadline must be at or before the screening ({}, {}).",
                round.screening_local, round.time_zone
            )));
        }
        if !rounds::extend(&self.db, id, deadline, now()).await? {
            return Err(AppError::Conflict(
                "Only an open round's deadline can move, before it has passed, and not past its screening.".into(),
            ));
        }
        audit::record(&self.db, Some(admin.id), "round.extend", Some(format!("#{id} to {deadline}")), admin.ip.clone())
            .await?;
        self.club.round_changed(id).await;
        self.get(id).await
    }

    /// A member's ballot in an open round, before its deadline: approvals replace the member's votes,
    /// a ranking replaces their ranking.
    pub async fn cast(&self, viewer: &Actor, id: i64, ballot: &Ballot) -> Result<(), AppError> {
        let round = self.get(id).await?;
        if round.status != RoundStatus::Open || round.deadline <= now() {
            return Err(voting_closed());
        }
        let open: Vec<i64> = rounds::entries(&self.db).await?.iter().map(|e| e.proposal_id).collect();
        match (round.method, ballot) {
            (VoteMethod::Ranked, Ballot::Ranking(ids)) => {
                let ids = validate::ballot_ids(ids, &open)?;
                rounds::save_ranking(&self.db, id, viewer.id, &ids, now())
                    .await
                    .map_err(|e| worded(e, |rounds::VotingClosed| voting_closed()))?;
                audit::record(&self.db, Some(viewer.id), "round.ballot", Some(format!("#{id}")), viewer.ip.clone())
                    .await?;
                self.club.changed().await;
            }
            (VoteMethod::Approval, Ballot::Approvals(ids)) => {
                let wanted = validate::ballot_ids(ids, &open)?;
                let had = proposals::voted_among(&self.db, viewer.id, &open).await?;
                for &p in open.iter().filter(|p| wanted.contains(p) != had.contains(p)) {
                    self.club.vote(viewer, p, wanted.contains(&p)).await?;
                }
            }
            (VoteMethod::Ranked, _) => {
                return Err(AppError::BadRequest("This round takes a ranking, most wanted first.".into()))
            }
            (VoteMethod::Approval, _) => {
                return Err(AppError::BadRequest("This round takes approvals: the films you would watch.".into()))
            }
        }
        Ok(())
    }

    /// A member's ranking in a round.
    pub async fn my_ranking(&self, viewer: &Viewer, id: i64) -> Result<Vec<i64>, AppError> {
        Ok(rounds::ranking(&self.db, id, viewer.id).await?)
    }

    /// The club's screenings as an iCalendar feed, for a member's secret link (`key`); `site` is the
    /// address the links in it start with ("https://club.example").
    pub async fn calendar(&self, key: &str, site: &str) -> Result<String, AppError> {
        let unknown = || AppError::NotFound("That calendar link".into());
        if key.len() != 64 || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(unknown());
        }
        let hash = crate::server::services::accounts::token_hash(key);
        if !accounts::calendar_key_known(&self.db, &hash).await? {
            return Err(unknown());
        }
        let nights = rounds::screenings(&self.db, 200).await?;
        Ok(crate::calendar::feed(&nights, site))
    }

    /// Whether a member has made a calendar link (it is shown once, when made: only its hash is kept).
    pub async fn has_calendar_key(&self, viewer: &Viewer) -> Result<bool, AppError> {
        Ok(accounts::has_calendar_key(&self.db, viewer.id).await?)
    }

    /// Makes a member a new calendar link key; the old link stops working.
    pub async fn reset_calendar_key(&self, viewer: &Viewer) -> Result<String, AppError> {
        let (key, hash) = crate::server::services::accounts::new_token();
        accounts::set_calendar_key_hash(&self.db, viewer.id, &hash).await?;
        Ok(key)
    }

    /// Keys made before they were hashed: hashed now (they keep working), once, at start-up.
    pub async fn hash_old_calendar_keys(&self) -> Result<usize, AppError> {
        let old = accounts::unhashed_calendar_keys(&self.db).await?;
        for (user, key) in &old {
            let hash = crate::server::services::accounts::token_hash(key);
            accounts::set_calendar_key_hash(&self.db, *user, &hash).await?;
        }
        Ok(old.len())
    }

    /// Closes round `id` if it is still open (at the deadline: if it is still due): counts its
    /// ballots, keeps the result, schedules the winner (it joins the watched history on the
    /// screening's date), and carries over or archives the rest, all in one transaction. None
    /// when the round was not open (closed already, by whoever got there first) or not due.
    pub async fn close(&self, id: i64, by: rounds::Closer<'_>) -> Result<Option<Tally>, AppError> {
        let at = now();
        let mut tx = self.db.begin().await?;
        let Some(rules) = rounds::claim(&mut tx, id, at, by).await? else { return Ok(None) };
        let candidates = rounds::candidates(&mut tx, id).await?;
        let ballots = rounds::ballots(&mut tx, id, rules.method).await?;
        // The round's id seeds the tie-break draw, so a recount picks the same winner.
        let seed = id as u64;
        let tally = match rules.method {
            VoteMethod::Ranked => ballots::count_ranked(&candidates, &ballots, seed),
            VoteMethod::Approval => ballots::count_approval(&candidates, &ballots, seed),
        };
        rounds::keep_result(&mut tx, id, &tally).await?;
        if let Some(winner) = tally.winner {
            rounds::schedule_winner(&mut tx, winner, rules.screening_at, at).await?;
        }
        match rules.carry_over {
            CarryOver::WithVotes => {}
            CarryOver::WithoutVotes => rounds::clear_votes(&mut tx).await?,
            CarryOver::Archive => rounds::archive_unpicked(&mut tx, id, at).await?,
        }
        tx.commit().await?;
        Ok(Some(tally))
    }

    /// Closes rounds whose deadline has passed; returns how many this call closed.
    pub async fn close_due(&self) -> Result<usize, AppError> {
        let mut closed = 0;
        for id in rounds::due(&self.db, now()).await? {
            if self.close(id, rounds::Closer::Deadline).await?.is_some() {
                tracing::info!(round = id, "round closed at its deadline");
                self.club.round_changed(id).await;
                self.announce_winner(id).await?;
                closed += 1;
            }
        }
        Ok(closed)
    }

    /// Closes each round at its deadline, on one server at a time, for as long as the server runs.
    /// Deadlines live in the database, so a restart misses none; a round closes once whoever runs.
    pub fn close_on_time(&self, lease: Arc<Lease>, every: Duration) {
        let me = self.clone();
        lease.run_every(self.db.clone(), every, move || {
            let me = me.clone();
            async move { me.close_due().await.map(|_| ()) }
        });
    }
}
