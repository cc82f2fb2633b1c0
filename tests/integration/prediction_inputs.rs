//! What predictions are computed from, on both backends: a dimension without data is left out of a
//! film's score rather than counted as 0, films with too little data are listed apart, and every
//! change to an input reaches the rankings (at once for this server's own writes, on the next check
//! for another process's).

use crate::common;

use common::{Member, TestServer};
use marquee::model::{Breakdown, CandidateSet, PredictionQuery};
use marquee::server::db::load::load_dataset;
use marquee::server::db::{on_pool, Db};
use marquee::server::tools::demo;
use std::time::Duration;

/// A server over `t` with the demo data loaded.
async fn served(t: &common::TestDb) -> TestServer {
    load_dataset(&t.db, &demo::dataset(), |_| {}).await.unwrap();
    TestServer::start(t.db.clone()).await
}

async fn breakdown(server: &TestServer, imdb_id: &str) -> Breakdown {
    let (status, body) = server.get(&format!("/api/prediction_breakdown?imdb_id={imdb_id}")).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

fn input<'a>(b: &'a Breakdown, label: &str) -> &'a str {
    b.dimensions.iter().flat_map(|d| &d.inputs).find(|(k, _)| k == label).map(|(_, v)| v.as_str()).unwrap()
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_dimension_without_data_is_left_out_of_the_score(t) {
        let server = served(&t).await;
        // Anatomy of a Fall has no people score: under Balanced the other four dimensions carry it.
        let anatomy = breakdown(&server, "tt17009710").await;
        let people = anatomy.dimensions.iter().find(|d| d.key == "people").unwrap();
        assert_eq!((people.score, people.effective_pct, people.points), (None, None, 0.0), "{}", t.label);
        let shares: f64 = anatomy.dimensions.iter().filter_map(|d| d.effective_pct).sum();
        assert!((shares - 100.0).abs() < 0.3, "{}: the dimensions with data carry it all: {shares}", t.label);
        let points: f64 = anatomy.dimensions.iter().map(|d| d.points).sum();
        assert!((points - anatomy.score).abs() < 0.3, "{}: points add up to the score", t.label);
        assert!((anatomy.score - 77.2).abs() < 0.15, "{}: {}", t.label, anatomy.score);
        assert_eq!(anatomy.rank, Some(1), "{}", t.label);
        // The films the zero rule pushed down (39th and 46th) are 2nd and 3rd.
        assert_eq!(breakdown(&server, "tt7160372").await.rank, Some(2), "{}: The Zone of Interest", t.label);
        assert_eq!(breakdown(&server, "tt10366460").await.rank, Some(3), "{}: CODA", t.label);

        // Every ranked candidate has data for at least 3 of 5 dimensions; the rest are listed apart.
        // A new film with an IMDb rating alone is one of the rest.
        let admin = server.admin("importer").await;
        import(&server, &admin, "imdb_id,title,year,imdb_rating\ntt0999001,Barely Known,2024,8.9\n").await;
        let p = &server.state.predictions;
        let q = PredictionQuery::default();
        let all = |set| p.page(&q, set, 0, 100).unwrap();
        let (ranked, sparse, complete) =
            (all(CandidateSet::Candidates), all(CandidateSet::NotEnoughData), all(CandidateSet::Complete));
        assert!(ranked.rows.iter().all(|r| r.present.count_ones() >= 3), "{}", t.label);
        let barely = sparse.rows.iter().find(|r| r.imdb_id == "tt0999001").expect("listed apart");
        // Popular opinion, and industry recognition (no nominations is a fact, not a gap).
        assert_eq!(barely.present, 0b00101, "{}", t.label);
        assert!(!ranked.rows.iter().any(|r| r.imdb_id == "tt0999001"), "{}: not ranked", t.label);
        assert!(sparse.rows.iter().all(|r| r.present.count_ones() < 3), "{}", t.label);
        assert!(complete.rows.iter().all(|r| r.present == 0b11111), "{}", t.label);
        assert!(complete.total < ranked.total && complete.total > 0, "{}", t.label);
        // Beside each decade's accuracy, the accuracy of a blind pick of as many films.
        let backtest = p.backtest(&q).unwrap();
        for d in backtest.decades.iter().filter(|d| d.films > 0) {
            let blind = d.on_list as f64 / d.films as f64;
            assert!((d.base_rate - blind).abs() < 1e-4, "{}: {}s", t.label, d.decade);
        }
        let stats = p.stats();
        assert_eq!((stats.candidates, stats.not_enough_data), (ranked.total, sparse.total), "{}", t.label);

        // The page says what is missing; the tab of films with too little data is reachable.
        let (_, html) = server.get("/predictions").await;
        assert!(html.contains("4 of 5") && html.contains("No data yet: people quality"), "{}", t.label);
        let (status, html) = server.get("/predictions?tab=not-enough-data").await;
        assert_eq!(status, 200, "{}", t.label);
        assert!(html.contains("Barely Known") && html.contains("2 of 5"), "{}", t.label);
        assert!(html.contains("No data yet: critical acclaim, cultural impact, people quality"));
    }
}

async fn import(server: &TestServer, admin: &Member, csv: &'static str) {
    let res = server
        .client
        .post(format!("{}/api/v1/import?format=csv", server.base))
        .header("content-type", "text/csv")
        .header("cookie", &admin.cookie)
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn imports_reach_the_predictions_before_the_response_returns(t) {
        let server = served(&t).await;
        let admin = server.admin("importer").await;
        // Two imports of one film within the same second: the second one's rating is what counts.
        import(&server, &admin, "imdb_id,title,imdb_rating\ntt9362722,Spider-Man: Across the Spider-Verse,9.9\n").await;
        assert_eq!(input(&breakdown(&server, "tt9362722").await, "IMDb rating"), "9.9", "{}", t.label);
        import(&server, &admin, "imdb_id,title,imdb_rating\ntt9362722,Spider-Man: Across the Spider-Verse,2.0\n").await;
        assert_eq!(input(&breakdown(&server, "tt9362722").await, "IMDb rating"), "2.0", "{}", t.label);

        // A year moves a film into the 2020s: it becomes a candidate at once.
        let endgame = breakdown(&server, "tt4154796").await;
        assert_eq!((endgame.film.year, endgame.rank), (Some(2019), None), "{}", t.label);
        import(&server, &admin, "imdb_id,title,year\ntt4154796,Avengers: Endgame,2020\n").await;
        let endgame = breakdown(&server, "tt4154796").await;
        assert_eq!(endgame.film.year, Some(2020), "{}", t.label);
        assert!(endgame.rank.is_some(), "{}: a 2020 film with data is ranked", t.label);
    }
}

/// Film ids on the target list and off it, from 2020 on.
async fn recent_ids(db: &Db, on_list: bool) -> Vec<i64> {
    on_pool!(db, |pool| {
        sqlx::query_scalar::<_, i64>(
            "SELECT m.id FROM movies m WHERE m.year >= 2020 AND \
             EXISTS (SELECT 1 FROM list_memberships lm JOIN canonical_lists l ON l.id = lm.list_id \
                     WHERE lm.movie_id = m.id AND l.is_target = $1) = $2 ORDER BY m.id",
        )
        .bind(true)
        .bind(on_list)
        .fetch_all(pool)
        .await
    })
    .unwrap()
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn another_process_changing_the_list_is_noticed(t) {
        let server = served(&t).await;
        // Another process: its own connections to the same database.
        let other = Db::connect(&t.url, 2, Duration::from_secs(10)).await.unwrap();
        let (members, others) = (recent_ids(&other, true).await, recent_ids(&other, false).await);
        // Two films leave the list and two join it, with equal sums of ids (a checksum of ids, or
        // the counts, cannot see this).
        let swap = members
            .iter()
            .flat_map(|a| members.iter().filter(move |d| *d > a).map(move |d| (*a, *d)))
            .find_map(|(a, d)| {
                others.iter().find_map(|b| {
                    let c = a + d - b;
                    (c > *b && others.contains(&c)).then_some((a, d, *b, c))
                })
            })
            .expect("a swap with equal sums in the demo data");
        let (a, d, b, c) = swap;
        on_pool!(&other, |pool| {
            let target = "(SELECT id FROM canonical_lists WHERE is_target = $1)";
            sqlx::query(&format!("DELETE FROM list_memberships WHERE list_id = {target} AND movie_id IN ($2, $3)"))
                .bind(true)
                .bind(a)
                .bind(d)
                .execute(pool)
                .await
                .unwrap();
            sqlx::query(&format!(
                "INSERT INTO list_memberships (list_id, movie_id, edition_year) \
                 SELECT {target}, m.id, 2025 FROM movies m WHERE m.id IN ($2, $3)"
            ))
            .bind(true)
            .bind(b)
            .bind(c)
            .execute(pool)
            .await
            .unwrap();
        });
        other.close().await;

        // What the server's watcher runs every few seconds.
        assert!(server.state.predictions.refresh_if_changed().await.unwrap(), "{}: noticed", t.label);
        assert!(!server.state.predictions.refresh_if_changed().await.unwrap(), "{}: once", t.label);
        let index = server.state.predictions.index();
        let on_list = |id: i64| index.on_list[index.films.iter().position(|f| f.id == id).unwrap()];
        assert_eq!((on_list(a), on_list(d), on_list(b), on_list(c)), (false, false, true, true), "{}", t.label);
    }
}

common::on_each_backend! {
    /// Every "More films" link, followed without JavaScript, continues right after the last rank the
    /// page showed: each rank once, in order, to the end.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn without_javascript_more_links_continue_after_the_last_rank_shown(t) {
        fn attr_values<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
            html.split(&format!("{attr}=\"")).skip(1).filter_map(|rest| rest.split('"').next()).collect()
        }
        let server = served(&t).await;
        let total = server.state.predictions.stats().candidates;
        let (mut path, mut ranks, mut pages) = (Some("/predictions".to_string()), Vec::new(), 0);
        while let Some(p) = path.take() {
            pages += 1;
            assert!(pages <= 10, "{}: too many pages", t.label);
            let (status, html) = server.get(&p).await;
            assert_eq!(status, 200, "{}: {p}", t.label);
            ranks.extend(attr_values(&html, "data-rank").into_iter().map(|r| r.parse::<u32>().unwrap()));
            let next: Vec<&str> = html
                .split("<a ")
                .skip(1)
                .filter(|a| a.contains("rel=\"next\"") && a.contains(">More films<"))
                .filter_map(|a| attr_values(a, "href").first().copied())
                .collect();
            assert!(next.len() <= 1, "{}: one way on from {p}: {next:?}", t.label);
            path = next.first().map(|h| h.replace("&amp;", "&"));
        }
        assert_eq!(ranks, (1..=total).collect::<Vec<_>>(), "{}: every rank once, in order", t.label);
    }
}

common::on_each_backend! {
    /// The title is in the head of every film page, cached or not.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn every_film_page_has_its_title_in_the_head(t) {
        let server = served(&t).await;
        for id in 1..=100 {
            let (status, html) = server.get(&format!("/movies/{id}")).await;
            assert_eq!(status, 200, "{}", t.label);
            let head = &html[..html.find("</head>").expect("a head")];
            assert!(head.contains("<title>") && head.contains(" · Marquee</title>"), "{}: /movies/{id}", t.label);
        }
        let (status, html) = server.get("/movies/999999").await;
        assert_eq!(status, 404, "{}", t.label);
        assert!(
            html[..html.find("</head>").unwrap()].contains("<title>Film not found · Marquee</title>"),
            "{}",
            t.label
        );
    }
}
