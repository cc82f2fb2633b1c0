//! Letterboxd imports: an uploaded export is read and matched (a dry run the member reviews), then
//! applied to the member's own ratings and viewings.

use crate::error::AppError;
use crate::letterboxd::{self, ExportError, Limits, Match, TitleIndex};
use crate::model::{ImportReview, MatchState, Viewer};
use crate::server::db::audit::Actor;
use crate::server::db::letterboxd::{self as store, Applied, ApplyRefused, DryRunFilm};
use crate::server::db::Db;
use crate::server::services::catalogue::Catalogue;
use crate::server::services::worded;
use std::collections::HashMap;
use std::sync::Arc;

/// The largest upload taken: a lifetime of films zips to well under this.
pub const MAX_UPLOAD: u64 = 16 << 20;

impl From<ExportError> for AppError {
    fn from(err: ExportError) -> Self {
        match err {
            ExportError::TooLarge { .. } => AppError::TooLarge(err.to_string()),
            _ => AppError::BadRequest(err.to_string()),
        }
    }
}

/// What a dry run found.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct DryRun {
    pub id: i64,
    pub films: usize,
    pub matched: usize,
    pub ambiguous: usize,
    pub missing: usize,
}

fn matched(index: &TitleIndex, film: letterboxd::ExportFilm) -> DryRunFilm {
    let (state, movie_id, candidates) = match index.find(&film.name, film.year) {
        Match::Found(id) => (MatchState::Matched, Some(id), String::new()),
        Match::Several(ids) => {
            (MatchState::Ambiguous, None, ids.iter().map(i64::to_string).collect::<Vec<_>>().join(","))
        }
        Match::Missing => (MatchState::Missing, None, String::new()),
    };
    let watches = film
        .watches
        .iter()
        .map(|w| if w.rewatch { format!("{} r", w.on) } else { w.on.clone() })
        .collect::<Vec<_>>()
        .join(",");
    DryRunFilm {
        name: film.name,
        year: film.year,
        half_stars: film.half_stars,
        rated_on: film.rated_on,
        watches,
        state,
        movie_id,
        candidates,
    }
}

/// Members' Letterboxd imports, over one database handle.
#[derive(Clone)]
pub struct Letterboxd {
    db: Db,
    /// Told when a member's history changed (their recommendations, and the club's counts if shared).
    catalogue: Arc<Catalogue>,
}

impl Letterboxd {
    pub fn new(db: Db, catalogue: Arc<Catalogue>) -> Letterboxd {
        Letterboxd { db, catalogue }
    }

    /// Reads the upload (`file`, spooled to disk), matches its films to the catalogue and keeps the
    /// result for the member to review. Nothing of the member's changes yet.
    pub async fn dry_run(&self, viewer: &Viewer, file_name: &str, file: std::fs::File) -> Result<DryRun, AppError> {
        let db = &self.db;
        let titles = store::catalogue_titles(db).await?;
        let name = letterboxd::display_name(file_name);
        let read_name = name.clone();
        let (films, skipped) = tokio::task::spawn_blocking(move || -> Result<_, ExportError> {
            let export = letterboxd::read_export(std::io::BufReader::new(file), &read_name, Limits::default())?;
            let index = TitleIndex::new(titles);
            let films: Vec<DryRunFilm> = export.films.into_iter().map(|film| matched(&index, film)).collect();
            Ok((films, export.skipped))
        })
        .await
        .map_err(|err| {
            tracing::error!(%err, "reading an export stopped");
            AppError::Internal
        })??;
        if films.is_empty() {
            return Err(AppError::BadRequest(format!("{name} lists no films: there is nothing to import.")));
        }
        let count = |state: MatchState| films.iter().filter(|f| f.state == state).count();
        let mut run = DryRun {
            films: films.len(),
            matched: count(MatchState::Matched),
            ambiguous: count(MatchState::Ambiguous),
            missing: count(MatchState::Missing),
            ..Default::default()
        };
        run.id = store::save(db, viewer.id, &name, &skipped, &films).await?;
        tracing::info!(user = viewer.id, films = run.films, matched = run.matched, "letterboxd export read");
        Ok(run)
    }

    /// The member's import `id`, with page `page` of its matched films.
    pub async fn review(&self, viewer: &Viewer, id: i64, page: u32) -> Result<ImportReview, AppError> {
        let page = crate::validate::page_number(page)?;
        store::review(&self.db, viewer.id, id, page).await?.ok_or_else(|| AppError::NotFound("That import".into()))
    }

    /// The member's newest import, if they have one.
    pub async fn latest(&self, viewer: &Viewer) -> Result<Option<i64>, AppError> {
        Ok(store::latest(&self.db, viewer.id).await?)
    }

    /// Applies the member's import: their ratings (shared with the club only if `share`) and viewings.
    pub async fn apply(
        &self,
        viewer: &Actor,
        id: i64,
        picks: &HashMap<i32, i64>,
        share: bool,
    ) -> Result<Applied, AppError> {
        let applied = store::apply(&self.db, viewer, id, picks, share).await.map_err(|e| worded(e, apply_refused))?;
        self.catalogue.history_changed(viewer.id, share).await;
        Ok(applied)
    }
}

/// The picks of a review form: `picks[POSITION]` = a movie id, or empty to leave the film out.
pub fn parse_picks(raw: &HashMap<String, String>) -> Result<HashMap<i32, i64>, AppError> {
    let mut picks = HashMap::new();
    for (position, movie) in raw {
        let movie = movie.trim();
        if movie.is_empty() {
            continue;
        }
        let bad = || AppError::BadRequest("A pick names no film of the import: pick one of the films offered.".into());
        let position: i32 = position.trim().parse().map_err(|_| bad())?;
        let movie: i64 = movie.parse().map_err(|_| bad())?;
        picks.insert(position, movie);
    }
    Ok(picks)
}

fn apply_refused(reason: ApplyRefused) -> AppError {
    match reason {
        ApplyRefused::Missing => AppError::NotFound("That import".into()),
        ApplyRefused::AppliedAlready => {
            AppError::Conflict("This import was applied already. To bring in a newer export, upload it.".into())
        }
        ApplyRefused::NotACandidate { position, movie } => AppError::BadRequest(format!(
            "Film {} of the import has no candidate {movie}: pick one of the films offered.",
            position + 1
        )),
    }
}
