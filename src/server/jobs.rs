//! The background jobs a server runs beside the requests. Each job that must run on one server at
//! a time, when several share the database, holds a lease (given up on shutdown).

use crate::server::services::change::Change;
use crate::server::web::state::AppState;
use std::time::Duration;

/// Starts every background job.
pub fn start(state: &AppState) {
    // Another process's change to the inputs shows within this many seconds.
    watch_for_changes(state, Duration::from_secs(5));
    follow_other_servers(state);
    close_rounds_on_time(state);
    send_webhook_messages(state);
    refresh_imdb_in_background(state);
    fetch_posters_in_background(state);
}

/// Starts the background IMDb metadata refresher.
pub fn refresh_imdb_in_background(state: &AppState) {
    let imdb = &state.config.imdb;
    let predictions = state.predictions.clone();
    // One server at a time refreshes, when several share the database: a lease renewed every
    // third of its lifetime, so another takes over within about 4/3 of it after a holder's death.
    let lease = state.lease("imdb-refresh");
    let refresher = state.refresher.clone();
    lease.keep(state.db.clone(), move || refresher.nudge());
    let coherence = state.coherence.clone();
    let posters = state.posters.clone();
    state.refresher.spawn(
        state.db.clone(),
        state.imdb.clone(),
        Duration::from_secs(imdb.fresh_hours * 3600),
        Duration::from_secs(imdb.refresh_interval_secs.max(1)),
        lease,
        move || {
            predictions.inputs_changed();
            // New poster addresses may have come with the metadata.
            posters.nudge();
            // Posters, plots and ratings show on every server's club pages.
            let coherence = coherence.clone();
            tokio::spawn(async move { coherence.announce(Change::Club { movie: None }).await });
        },
    );
}

/// Downloads and makes the posters of proposals and films in the background (one server at a
/// time); pages show the new ones once a batch is stored.
pub fn fetch_posters_in_background(state: &AppState) {
    let lease = state.lease("poster-fetch");
    let posters = state.posters.clone();
    lease.keep(state.db.clone(), move || posters.nudge());
    let predictions = state.predictions.clone();
    let coherence = state.coherence.clone();
    let club_version = state.club_version.clone();
    state.posters.spawn(Duration::from_secs(state.config.imdb.refresh_interval_secs.max(1)), lease, move || {
        predictions.inputs_changed();
        club_version.bump();
        let coherence = coherence.clone();
        tokio::spawn(async move { coherence.announce(Change::Club { movie: None }).await });
    });
}

/// Closes each voting round at its deadline (one server at a time, checking every second).
pub fn close_rounds_on_time(state: &AppState) {
    let lease = state.lease("round-closer");
    state.rounds.close_on_time(lease, Duration::from_secs(1));
}

/// Sends the club webhook's messages (one server at a time, checking every second).
pub fn send_webhook_messages(state: &AppState) {
    let lease = state.lease("webhook-sender");
    state.rounds.webhook().send_in_background(lease, Duration::from_secs(1));
}

/// Re-scores when the inputs changed, then re-warms: every `every` for another process's changes
/// (an import beside the server, hand-written SQL), at once when this process says so.
pub fn watch_for_changes(state: &AppState, every: Duration) {
    let state = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.tick().await;
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = state.predictions.until_changed() => {}
            }
            let started = std::time::Instant::now();
            let result = match state.predictions.refresh_if_changed().await {
                Ok(true) => {
                    tracing::info!("inputs changed: predictions rebuilt");
                    // Every server sees the new data version itself: nothing to announce.
                    if let Err(err) = state.catalogue.reload().await {
                        tracing::warn!(%err, "could not reload the catalogue");
                    }
                    let warm = state.predictions.clone();
                    tokio::task::spawn_blocking(move || warm.warm()).await.ok();
                    Ok(())
                }
                Ok(false) => Ok(()),
                Err(err) => {
                    tracing::warn!(%err, "could not check prediction inputs");
                    Err(err.to_string())
                }
            };
            crate::server::observe::job_finished("predictions-refresh", started.elapsed(), result);
        }
    });
}

/// Applies the other servers' changes to this one's caches as they are announced (PostgreSQL).
pub fn follow_other_servers(state: &AppState) {
    let ping = Duration::from_secs(state.config.database.listener_ping_secs);
    let Some(mut changes) = state.coherence.listen(ping) else { return };
    let state = state.clone();
    tokio::spawn(async move {
        while let Some(change) = changes.recv().await {
            state.club_version.bump();
            match state.catalogue.apply(&change).await {
                Ok(dropped) => metrics::counter!("cache_entries_dropped_by_notifications_total").increment(dropped),
                Err(err) => tracing::warn!(%err, ?change, "could not apply another server's change"),
            }
            // A cheap check of the data version; rescored only if the inputs really changed.
            state.predictions.inputs_changed();
        }
    });
}
