//! The vote page's SQL does not grow with the number of proposals or votes. A binary of its own:
//! it reads process-wide metrics, which other tests' requests would disturb.

mod common;

use common::TestServer;
use marquee::model::Slice;
use marquee::server::db::{on_pool, Db};

async fn count(db: &Db, sql: &str) -> i64 {
    on_pool!(db, |pool| sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await.unwrap())
}

/// The vote page's SQL does not grow with the number of proposals or votes.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn vote_page_runs_a_constant_number_of_queries() {
    use marquee::server::db::load::load_dataset;
    use marquee::server::tools::gen;
    for t in common::backends().await {
        let mut data = gen::generate(300, 7);
        gen::add_club(&mut data, 12, 20, 7);
        load_dataset(&t.db, &data, |_| {}).await.unwrap();
        let server = TestServer::start(t.db.clone()).await;
        let member = server.register("counter").await;
        let mut per_page = Vec::new();
        for (extra, who) in [(0, None), (180, None), (0, Some(&member)), (0, Some(&member))] {
            if extra > 0 {
                let mut more = gen::generate(300, 7);
                gen::add_club(&mut more, 12, 200, 8);
                load_dataset(&t.db, &more, |_| {}).await.unwrap();
            }
            // Rendered, not replayed from the club page cache: this counts a render's statements
            // (and the rows above were written behind the server's back).
            server.state.club_version.bump();
            let before = server.sql_figures("/vote").await;
            let (status, _) = server.get_as("/vote", who).await;
            assert_eq!(status, 200);
            let after = server.sql_figures_after("/vote", before.1 + 1.0).await;
            assert_eq!(after.1, before.1 + 1.0, "{}", t.label);
            per_page.push(after.0 - before.0);
        }
        let active = count(&t.db, "SELECT COUNT(*) FROM proposals WHERE status = 'active'").await;
        assert!(active >= 200, "{}: {active} proposals", t.label);
        assert_eq!(per_page[0], per_page[1], "{}: 20 vs {active} proposals: {per_page:?}", t.label);
        assert_eq!(
            per_page[0], 4.0,
            "{}: the open round, proposals, their voters, recent activity: {per_page:?}",
            t.label
        );
        assert_eq!(per_page[2], 6.0, "{}: a member adds the session and the quota: {per_page:?}", t.label);
        assert_eq!(per_page[2], per_page[3], "{}", t.label);

        // Past the streamed hundred, the list goes on 20 at a time, no gaps, no repeats.
        let mut seen = std::collections::HashSet::new();
        let mut offset = 0;
        loop {
            let (status, body) = server.get(&format!("/api/list_proposals?offset={offset}&limit=20")).await;
            assert_eq!(status, 200, "{body}");
            let slice: Slice<marquee::model::ProposalCard> = serde_json::from_str(&body).unwrap();
            for p in &slice.items {
                assert!(seen.insert(p.id), "{}: {} twice", t.label, p.id);
            }
            match slice.next_offset() {
                Some(next) => offset = next,
                None => break,
            }
        }
        assert_eq!(seen.len() as i64, active, "{}", t.label);
        for bad in ["offset=0&limit=0", "offset=0&limit=101", "offset=2000000&limit=20", "offset=-1&limit=5"] {
            assert_eq!(server.get(&format!("/api/list_proposals?{bad}")).await.0, 400, "{bad}");
        }
    }
}
