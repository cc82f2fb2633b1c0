//! Applying a reviewed import: the member's ratings and viewings, each catalogue film once.

use super::*;

/// What applying an import did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Applied {
    pub films: usize,
    pub ratings_added: usize,
    pub ratings_updated: usize,
    /// Films rated in Marquee itself, whose rating the import left alone.
    pub ratings_kept: usize,
    pub watches_added: usize,
    /// Films not imported: not found, or not picked.
    pub left_out: usize,
}

impl Applied {
    pub fn sentence(&self) -> String {
        let mut out = format!(
            "{} films imported: {} ratings added, {} updated, {} viewings added",
            self.films, self.ratings_added, self.ratings_updated, self.watches_added
        );
        if self.ratings_kept > 0 {
            out.push_str(&format!("; {} ratings you made here were kept", self.ratings_kept));
        }
        if self.left_out > 0 {
            out.push_str(&format!("; {} films left out (not found or not picked)", self.left_out));
        }
        out.push('.');
        out
    }
}

pub(super) struct ApplyRow {
    position: i32,
    state: String,
    movie_id: Option<i64>,
    candidates: String,
    half_stars: Option<i32>,
    rated_on: Option<String>,
    watches: String,
}
crate::from_row!(ApplyRow { position, state, movie_id, candidates, half_stars, rated_on, watches });

/// What goes in for one catalogue film: (half stars, the day they were given, viewings).
pub(super) type Chosen = (Option<i32>, Option<String>, Vec<String>);

/// Midnight UTC of a YYYY-MM-DD date, as a Unix time.
pub(super) fn day_start(date: &str) -> Option<i64> {
    let date: jiff::civil::Date = date.parse().ok()?;
    date.to_zoned_datetime(jiff::tz::TimeZone::UTC).ok().map(|z| z.timestamp().as_second())
}

/// Every pick must name one of the candidates of an ambiguous film of the import.
pub(super) fn check_picks(rows: &[ApplyRow], picks: &HashMap<i32, i64>) -> Result<(), ApplyRefused> {
    let ambiguous: HashMap<i32, &ApplyRow> =
        rows.iter().filter(|r| r.state == MatchState::Ambiguous.slug()).map(|r| (r.position, r)).collect();
    for (position, movie) in picks {
        let fits = ambiguous.get(position).is_some_and(|r| ids(&r.candidates).any(|c| c == *movie));
        if !fits {
            return Err(ApplyRefused::NotACandidate { position: *position, movie: *movie });
        }
    }
    Ok(())
}

/// The import's films as catalogue films.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Choice {
    /// Each catalogue film once: the latest rating and every viewing of the rows that name it.
    pub(super) chosen: HashMap<i64, Chosen>,
    /// The member's picks among candidates: (position, movie).
    pub(super) picked: Vec<(i32, i64)>,
    /// Rows matching no film, or ambiguous and not picked.
    pub(super) left_out: usize,
}

pub(super) fn choose(rows: &[ApplyRow], picks: &HashMap<i32, i64>) -> Choice {
    let mut choice = Choice::default();
    for row in rows {
        let movie = match MatchState::parse(&row.state) {
            Some(MatchState::Matched) => row.movie_id,
            Some(MatchState::Ambiguous) => {
                let pick = picks.get(&row.position).copied();
                if let Some(movie) = pick {
                    choice.picked.push((row.position, movie));
                }
                pick
            }
            _ => None,
        };
        let Some(movie) = movie else {
            choice.left_out += 1;
            continue;
        };
        let entry = choice.chosen.entry(movie).or_default();
        if row.half_stars.is_some() && entry.1.as_deref() <= row.rated_on.as_deref() {
            entry.0 = row.half_stars;
            entry.1 = row.rated_on.clone();
        }
        entry.2.extend(row.watches.split(',').filter(|w| !w.is_empty()).map(str::to_string));
    }
    choice
}

/// What applying writes: ratings as (movie, half stars, rated at), viewings as (movie, day,
/// rewatch), in film order.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Plan {
    pub(super) new_ratings: Vec<(i64, i32, i64)>,
    /// Ratings an earlier import made that this one changes.
    pub(super) changed_ratings: Vec<(i64, i32, i64)>,
    pub(super) watches: Vec<(i64, String, bool)>,
    /// Films rated in Marquee itself: their rating stays.
    pub(super) ratings_kept: usize,
}

/// `existing`: the member's ratings as movie → (half stars, shared, source). A rating without its
/// day counts from `at`.
pub(super) fn plan(
    chosen: &HashMap<i64, Chosen>,
    existing: &HashMap<i64, (i32, bool, String)>,
    share: bool,
    at: i64,
) -> Plan {
    let mut plan = Plan::default();
    let mut order: Vec<&i64> = chosen.keys().collect();
    order.sort();
    for movie in order {
        let (half_stars, rated_on, seen) = &chosen[movie];
        for watch in seen {
            let (on, rewatch) = match watch.strip_suffix(" r") {
                Some(on) => (on.to_string(), true),
                None => (watch.clone(), false),
            };
            plan.watches.push((*movie, on, rewatch));
        }
        let Some(half_stars) = *half_stars else { continue };
        let rated_at = rated_on.as_deref().and_then(day_start).unwrap_or(at);
        match existing.get(movie) {
            None => plan.new_ratings.push((*movie, half_stars, rated_at)),
            Some((_, _, source)) if source != "letterboxd" => plan.ratings_kept += 1,
            Some((half, shared, _)) if *half == half_stars && *shared == share => {}
            Some(_) => plan.changed_ratings.push((*movie, half_stars, rated_at)),
        }
    }
    plan
}

/// Why an import was not applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplyRefused {
    Missing,
    AppliedAlready,
    /// A pick names a film that was not among that row's candidates (`position` counts from 0).
    NotACandidate {
        position: i32,
        movie: i64,
    },
}

/// Applies the member's import `id`: ratings (private unless `share`) and viewings of every
/// matched film and of every film the member picked (`picks`: position → movie). Ratings made in
/// Marquee itself are kept; the same export applied twice changes nothing.
pub async fn apply(
    db: &Db,
    by: &Actor,
    id: i64,
    picks: &HashMap<i32, i64>,
    share: bool,
) -> Result<Applied, StepError<ApplyRefused>> {
    let (at, user) = (now(), by.id);
    let mut tx = db.begin().await?;
    let rows = unapplied_rows(&mut tx, user, id).await?;
    check_picks(&rows, picks).map_err(StepError::Refused)?;
    let Choice { mut chosen, picked, mut left_out } = choose(&rows, picks);
    // Films removed from the catalogue since the dry run are left out.
    let present = in_catalogue(&mut tx, chosen.keys().copied().collect()).await?;
    left_out += chosen.len() - present.len();
    chosen.retain(|movie, _| present.contains(movie));
    let existing = member_ratings(&mut tx, user).await?;
    let Plan { new_ratings, changed_ratings, watches, ratings_kept } = plan(&chosen, &existing, share, at);
    let report = Applied {
        films: chosen.len(),
        left_out,
        ratings_kept,
        ratings_updated: update_ratings(&mut tx, user, &changed_ratings, share).await?,
        ratings_added: add_ratings(&mut tx, user, &new_ratings, share).await?,
        watches_added: add_watches(&mut tx, user, &watches).await?,
    };
    let sentence = report.sentence();
    mark_applied(&mut tx, id, &picked, at, share, &sentence).await?;
    let details = format!("{sentence} Shared with the club: {}.", if share { "yes" } else { "no" });
    let subject = Some(("letterboxd_import", id.to_string()));
    audit::write(&mut tx, at, Some(user), "letterboxd.import", subject, Some(details), by.ip.clone()).await?;
    tx.commit().await?;
    Ok(report)
}

/// The rows of import `id` of `user`, refused if there is no such import or it was applied.
async fn unapplied_rows(tx: &mut Tx, user: i64, id: i64) -> Result<Vec<ApplyRow>, StepError<ApplyRefused>> {
    on_tx!(tx, |conn| {
        let applied_at: Option<Option<i64>> =
            sqlx::query_scalar("SELECT applied_at FROM letterboxd_imports WHERE id = $1 AND user_id = $2")
                .bind(id)
                .bind(user)
                .fetch_optional(CountedConn(&mut *conn))
                .await?;
        match applied_at {
            None => return Err(StepError::Refused(ApplyRefused::Missing)),
            Some(Some(_)) => return Err(StepError::Refused(ApplyRefused::AppliedAlready)),
            Some(None) => {}
        }
        Ok(sqlx::query_as(
            "SELECT position, state, movie_id, candidates, half_stars, rated_on, watches \
             FROM letterboxd_import_films WHERE import_id = $1 ORDER BY position",
        )
        .bind(id)
        .fetch_all(CountedConn(&mut *conn))
        .await?)
    })
}

/// Which of `movies` are still in the catalogue.
async fn in_catalogue(tx: &mut Tx, movies: Vec<i64>) -> Result<HashSet<i64>, sqlx::Error> {
    let mut present = HashSet::new();
    for chunk in movies.chunks(CHUNK) {
        on_tx!(tx, |conn| {
            let mut q = sqlx::QueryBuilder::new("SELECT id FROM movies WHERE id IN (");
            let mut sep = q.separated(", ");
            for id in chunk {
                sep.push_bind(*id);
            }
            q.push(")");
            present.extend(q.build_query_scalar::<i64>().fetch_all(CountedConn(&mut *conn)).await?);
        });
    }
    Ok(present)
}

/// The member's ratings as movie → (half stars, shared, source).
async fn member_ratings(tx: &mut Tx, user: i64) -> Result<HashMap<i64, (i32, bool, String)>, sqlx::Error> {
    let rows: Vec<(i64, i32, bool, String)> = on_tx!(tx, |conn| {
        sqlx::query_as("SELECT movie_id, half_stars, shared, source FROM ratings WHERE user_id = $1")
            .bind(user)
            .fetch_all(CountedConn(&mut *conn))
            .await?
    });
    Ok(rows.into_iter().map(|(movie, half, shared, source)| (movie, (half, shared, source))).collect())
}

/// Changes ratings an earlier import made: (movie, half stars, rated at). Returns how many.
async fn update_ratings(
    tx: &mut Tx,
    user: i64,
    changed: &[(i64, i32, i64)],
    share: bool,
) -> Result<usize, sqlx::Error> {
    for (movie, half_stars, rated_at) in changed {
        on_tx!(tx, |conn| {
            sqlx::query(
                "UPDATE ratings SET half_stars = $3, rated_at = $4, shared = $5 \
                 WHERE user_id = $1 AND movie_id = $2 AND source = 'letterboxd'",
            )
            .bind(user)
            .bind(movie)
            .bind(half_stars)
            .bind(rated_at)
            .bind(share)
            .execute(CountedConn(&mut *conn))
            .await?;
        });
    }
    Ok(changed.len())
}

/// Adds ratings for films the member had not rated: (movie, half stars, rated at). Returns how many.
async fn add_ratings(tx: &mut Tx, user: i64, new: &[(i64, i32, i64)], share: bool) -> Result<usize, sqlx::Error> {
    let mut added = 0;
    for chunk in new.chunks(CHUNK) {
        added += on_tx!(tx, |conn| {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO ratings (user_id, movie_id, half_stars, rated_at, shared, source) ",
            );
            q.push_values(chunk, |mut row, (movie, half, rated_at)| {
                row.push_bind(user)
                    .push_bind(*movie)
                    .push_bind(*half)
                    .push_bind(*rated_at)
                    .push_bind(share)
                    .push("'letterboxd'");
            });
            q.push(" ON CONFLICT (user_id, movie_id) DO NOTHING");
            q.build().execute(CountedConn(&mut *conn)).await?.rows_affected()
        }) as usize;
    }
    Ok(added)
}

/// Adds viewings: (movie, day, rewatch), each once. Returns how many were new.
async fn add_watches(tx: &mut Tx, user: i64, watches: &[(i64, String, bool)]) -> Result<usize, sqlx::Error> {
    let mut added = 0;
    for chunk in watches.chunks(CHUNK) {
        added += on_tx!(tx, |conn| {
            let mut q =
                sqlx::QueryBuilder::new("INSERT INTO member_watches (user_id, movie_id, watched_on, rewatch, source) ");
            q.push_values(chunk, |mut row, (movie, on, rewatch)| {
                row.push_bind(user).push_bind(*movie).push_bind(on.clone()).push_bind(*rewatch).push("'letterboxd'");
            });
            q.push(" ON CONFLICT (user_id, movie_id, watched_on) DO NOTHING");
            q.build().execute(CountedConn(&mut *conn)).await?.rows_affected()
        }) as usize;
    }
    Ok(added)
}

/// Keeps the member's picks (position → movie) and the import's outcome.
async fn mark_applied(
    tx: &mut Tx,
    id: i64,
    picked: &[(i32, i64)],
    at: i64,
    share: bool,
    sentence: &str,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, |conn| {
        for (position, movie) in picked {
            sqlx::query("UPDATE letterboxd_import_films SET movie_id = $3 WHERE import_id = $1 AND position = $2")
                .bind(id)
                .bind(position)
                .bind(movie)
                .execute(CountedConn(&mut *conn))
                .await?;
        }
        sqlx::query("UPDATE letterboxd_imports SET applied_at = $2, shared = $3, result = $4 WHERE id = $1")
            .bind(id)
            .bind(at)
            .bind(share)
            .bind(sentence)
            .execute(CountedConn(&mut *conn))
            .await?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(
        position: i32,
        state: MatchState,
        movie: Option<i64>,
        half: Option<i32>,
        on: &str,
        watches: &str,
    ) -> ApplyRow {
        ApplyRow {
            position,
            state: state.slug().to_string(),
            movie_id: movie,
            candidates: "7,8".into(),
            half_stars: half,
            rated_on: (!on.is_empty()).then(|| on.to_string()),
            watches: watches.into(),
        }
    }

    #[test]
    fn each_film_once_with_its_latest_rating_and_every_viewing() {
        let rows = [
            row(0, MatchState::Matched, Some(5), Some(6), "2024-01-02", "2024-01-02"),
            row(1, MatchState::Matched, Some(5), Some(9), "2024-03-04", "2024-03-04 r"),
            row(2, MatchState::Ambiguous, None, Some(4), "2024-02-01", ""),
            row(3, MatchState::Ambiguous, None, None, "", ""),
            row(4, MatchState::Missing, None, Some(2), "2024-02-01", ""),
        ];
        let picks = HashMap::from([(2, 8)]);
        assert_eq!(check_picks(&rows, &picks), Ok(()));
        assert_eq!(
            check_picks(&rows, &HashMap::from([(2, 99)])),
            Err(ApplyRefused::NotACandidate { position: 2, movie: 99 })
        );
        assert!(check_picks(&rows, &HashMap::from([(0, 7)])).is_err(), "a matched film takes no pick");
        let choice = choose(&rows, &picks);
        assert_eq!(choice.left_out, 2);
        assert_eq!(choice.picked, [(2, 8)]);
        assert_eq!(
            choice.chosen[&5],
            (Some(9), Some("2024-03-04".into()), vec!["2024-01-02".into(), "2024-03-04 r".into()])
        );

        // Film 5 has an older import's rating, film 8 one made in Marquee.
        let existing = HashMap::from([(5, (6, false, "letterboxd".into())), (8, (3, false, "marquee".into()))]);
        let plan = plan(&choice.chosen, &existing, false, 1);
        let march_4 = day_start("2024-03-04").unwrap();
        assert_eq!(plan.changed_ratings, [(5, 9, march_4)]);
        assert!(plan.new_ratings.is_empty());
        assert_eq!(plan.ratings_kept, 1);
        assert_eq!(plan.watches, [(5, "2024-01-02".into(), false), (5, "2024-03-04".into(), true)]);
    }
}
