//! The database layer on SQLite and PostgreSQL: migrations, loaders, queries, constraints.

use crate::common;

use marquee::server::db::load::load_dataset;
use marquee::server::db::{on_pool, proposals, stats, Db};
use marquee::server::{tools::demo, tools::gen};

/// Row counts of every table, in a fixed order.
async fn table_counts(db: &Db) -> Vec<(String, i64)> {
    let tables = [
        "movies",
        "movie_genres",
        "metrics",
        "people",
        "credits",
        "festivals",
        "ceremonies",
        "award_categories",
        "nominations",
        "canonical_lists",
        "list_memberships",
        "weight_profiles",
        "users",
        "proposals",
        "votes",
    ];
    let mut out = Vec::new();
    for t in tables {
        let n: i64 =
            on_pool!(db, |pool| sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {t}")).fetch_one(pool).await)
                .unwrap();
        out.push((t.to_string(), n));
    }
    out
}

/// The catalogue's content, independent of generated ids, for comparing databases.
async fn catalogue_fingerprint(db: &Db) -> Vec<String> {
    type Row = (String, String, Option<i32>, Option<f64>, String, f64);
    let rows: Vec<Row> = on_pool!(db, |pool| {
        sqlx::query_as("SELECT imdb_id, title, year, rating, genres, data_completeness FROM movies ORDER BY imdb_id")
            .fetch_all(pool)
            .await
    })
    .unwrap();
    let extras: Vec<(String, String)> = on_pool!(db, |pool| {
        sqlx::query_as(
            "SELECT m.imdb_id, p.name || ':' || c.role FROM credits c \
             JOIN movies m ON m.id = c.movie_id JOIN people p ON p.id = c.person_id \
             ORDER BY m.imdb_id, p.name, c.role",
        )
        .fetch_all(pool)
        .await
    })
    .unwrap();
    rows.into_iter().map(|r| format!("{r:?}")).chain(extras.into_iter().map(|e| format!("{e:?}"))).collect()
}

common::on_each_backend! {
    #[tokio::test]
    async fn migrations_apply_cleanly_and_seed_the_named_profiles(t) {
        // Applying again is a no-op, not an error.
        t.db.migrate().await.unwrap_or_else(|e| panic!("{}: {e}", t.label));
        let profiles: Vec<(String, bool, bool)> = on_pool!(&t.db, |pool| {
            sqlx::query_as("SELECT slug, is_default, is_system FROM weight_profiles ORDER BY id").fetch_all(pool).await
        })
        .unwrap();
        let slugs: Vec<&str> = profiles.iter().map(|p| p.0.as_str()).collect();
        assert_eq!(
            slugs,
            ["balanced", "award-winner", "critics-choice", "crowd-pleaser", "cult-classic"],
            "{}",
            t.label
        );
        assert_eq!(profiles.iter().filter(|p| p.1).count(), 1, "{}: exactly one default", t.label);
        assert!(profiles.iter().all(|p| p.2), "{}", t.label);
        t.db.ping().await.unwrap();
    }
}

common::on_each_backend! {
    #[tokio::test]
    async fn demo_loader_is_idempotent(t) {
        let data = demo::dataset();
        let first = load_dataset(&t.db, &data, |_| {}).await.unwrap();
        assert_eq!(first.movies_added as usize, data.movies.len(), "{}", t.label);
        assert_eq!(first.users_added as usize, data.users.len(), "{}", t.label);
        assert_eq!(first.proposals_added as usize, data.proposals.len(), "{}", t.label);
        let counts = table_counts(&t.db).await;
        let fingerprint = catalogue_fingerprint(&t.db).await;

        let second = load_dataset(&t.db, &data, |_| {}).await.unwrap();
        assert_eq!(
            second.movies_added + second.users_added + second.proposals_added + second.votes_added,
            0,
            "{}",
            t.label
        );
        assert_eq!(second.movies_skipped as usize, data.movies.len());
        assert_eq!(table_counts(&t.db).await, counts, "{}: a second load changed row counts", t.label);
        assert_eq!(catalogue_fingerprint(&t.db).await, fingerprint, "{}: a second load changed data", t.label);
    }
}

common::on_each_backend! {
    #[tokio::test]
    async fn demo_data_is_rich_enough_for_every_page(t) {
        load_dataset(&t.db, &demo::dataset(), |_| {}).await.unwrap();
        let s = stats::site_stats(&t.db, 86_400).await.unwrap();
        assert!(s.movies >= 300 && s.candidates >= 100, "{}: {s:?}", t.label);
        assert!(s.members >= 5 && s.active_proposals >= 5 && s.votes >= 10, "{}: {s:?}", t.label);
        assert!(s.list_entries > 300 && s.nominations > 100, "{}: {s:?}", t.label);
        let target_2020s: i64 = on_pool!(&t.db, |pool| {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM list_memberships lm JOIN canonical_lists l ON l.id = lm.list_id \
                 JOIN movies m ON m.id = lm.movie_id WHERE l.is_target = $1 AND m.year >= 2020",
            )
            .bind(true)
            .fetch_one(pool)
            .await
        })
        .unwrap();
        assert!(target_2020s >= 3, "{}: some 2020s films are already on the target list", t.label);
    }
}

#[tokio::test]
async fn synthetic_data_is_deterministic_and_identical_across_backends() {
    let data = gen::generate(1_500, 11);
    let mut fingerprints = Vec::new();
    for t in common::backends().await {
        load_dataset(&t.db, &data, |_| {}).await.unwrap();
        let before = table_counts(&t.db).await;
        // The same seed again adds nothing.
        let again = load_dataset(&t.db, &gen::generate(1_500, 11), |_| {}).await.unwrap();
        assert_eq!(again.movies_added, 0, "{}", t.label);
        assert_eq!(table_counts(&t.db).await, before, "{}", t.label);
        fingerprints.push((t.label, catalogue_fingerprint(&t.db).await));
    }
    assert!(fingerprints.iter().all(|(_, f)| f.len() > 1_500), "films and their credits are all there");
    if let [(_, a), (_, b)] = fingerprints.as_slice() {
        assert_eq!(a, b, "SQLite and PostgreSQL hold different data for the same seed");
    }
}

common::on_each_backend! {
    #[tokio::test]
    async fn vote_page_query_orders_by_votes_then_newest_and_lists_voters(t) {
        load_dataset(&t.db, &demo::dataset(), |_| {}).await.unwrap();
        let (cards, total) = proposals::active_page(&t.db, None, 20, 0).await.unwrap();
        let active = demo::dataset().proposals.iter().filter(|p| p.status == "active").count();
        assert_eq!(total as usize, active, "{}", t.label);
        assert_eq!(cards.len(), active);
        assert!(cards.windows(2).all(|w| w[0].votes >= w[1].votes), "{}: not sorted by votes", t.label);
        let top = &cards[0];
        assert_eq!(top.imdb_id, "tt7160372", "{}", t.label);
        assert_eq!(top.votes, 4);
        assert_eq!(top.voters.len(), 4, "{}: {:?}", t.label, top.voters);
        assert!(top.title.as_deref() == Some("The Zone of Interest"), "metadata copied from the catalogue");
        let (second_page, _) = proposals::active_page(&t.db, None, 5, 5).await.unwrap();
        assert_eq!(second_page.first().map(|c| c.id), cards.get(5).map(|c| c.id), "{}: pages continue", t.label);
    }
}

common::on_each_backend! {
    #[tokio::test]
    async fn constraints_refuse_duplicates(t) {
        load_dataset(&t.db, &demo::dataset(), |_| {}).await.unwrap();
        let (proposal, user): (i64, i64) = on_pool!(&t.db, |pool| {
            sqlx::query_as("SELECT p.id, v.user_id FROM proposals p JOIN votes v ON v.proposal_id = p.id LIMIT 1")
                .fetch_one(pool)
                .await
        })
        .unwrap();
        let dup_vote = on_pool!(&t.db, |pool| {
            sqlx::query("INSERT INTO votes (proposal_id, user_id, created_at) VALUES ($1, $2, 0)")
                .bind(proposal)
                .bind(user)
                .execute(pool)
                .await
                .map(|_| ())
        });
        assert!(dup_vote.is_err(), "{}: a second vote by one member must be refused", t.label);
        let dup_proposal = on_pool!(&t.db, |pool| {
            sqlx::query(
                "INSERT INTO proposals (imdb_id, proposer_id, status, created_at, status_changed_at) \
                 SELECT imdb_id, proposer_id, 'active', 0, 0 FROM proposals WHERE id = $1",
            )
            .bind(proposal)
            .execute(pool)
            .await
            .map(|_| ())
        });
        assert!(dup_proposal.is_err(), "{}: two active proposals for one film must be refused", t.label);
        let bad_rating = on_pool!(&t.db, |pool| {
            sqlx::query("INSERT INTO watch_ratings (proposal_id, user_id, half_stars, rated_at) VALUES ($1, $2, 11, 0)")
                .bind(proposal)
                .bind(user)
                .execute(pool)
                .await
                .map(|_| ())
        });
        assert!(bad_rating.is_err(), "{}: six stars must be refused", t.label);
    }
}

#[tokio::test]
async fn sqlite_runs_in_wal_mode_with_foreign_keys() {
    let t = common::sqlite().await;
    let Db::Sqlite(pool) = &t.db else { unreachable!() };
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(pool).await.unwrap();
    assert_eq!(mode, "wal");
    let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys").fetch_one(pool).await.unwrap();
    assert_eq!(fk, 1);
    let busy: i64 = sqlx::query_scalar("PRAGMA busy_timeout").fetch_one(pool).await.unwrap();
    assert!(busy >= 1000, "busy timeout {busy} ms");
}
