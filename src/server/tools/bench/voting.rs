//! `marquee bench-voting`: the vote page at several club sizes, sign-in, and the vote page's cost
//! as votes pile up.

use super::*;

/// `marquee bench-voting`: the vote page at several club sizes (each proposal with ten votes),
/// and sign-in, on a throwaway SQLite file.
pub async fn run_voting(sizes: &[usize], requests: usize, seconds: u64) -> Result<(), BoxError> {
    println!(
        "| proposals | votes | /vote first byte, visitor (median) | /vote last byte, visitor | /vote first byte, member | \
         /vote last byte, member | SQL per page (member) | page size | req/s visitor (8 conns) | req/s member (8 conns) |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut sign_ins = Vec::new();
    for &n in sizes {
        let club = club_server("vote", n.max(100), 20, n, 10).await?;
        let (db, dir, summary, addr, server) = (club.db, club.dir, club.summary, club.addr, club.server);
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
        let (_, cookie) = sign_in(&client, addr).await?;
        for _ in 0..10 {
            sign_ins.push(sign_in(&client, addr).await?.0);
        }

        let member = format!("Cookie: {cookie}\r\n");
        timed_get(addr, "/vote").await?; // warm-up
        let (mut visitor, mut signed_in) = (Vec::new(), Vec::new());
        let mut size = 0;
        for _ in 0..requests {
            visitor.push(timed_get(addr, "/vote").await?);
            let got = timed_get_with(addr, "/vote", &member).await?;
            size = got.2;
            signed_in.push(got);
        }
        let before = crate::server::observe::route_queries("/vote");
        timed_get_with(addr, "/vote", &member).await?;
        tokio::time::sleep(Duration::from_millis(50)).await;
        let per_page = crate::server::observe::route_queries("/vote").map(|after| after - before.unwrap_or(0.0));
        let window = Duration::from_secs(seconds);
        let rps_visitor = requests_per_second(addr, "/vote", None, 8, window).await?;
        let rps_member = requests_per_second(addr, "/vote", Some(&cookie), 8, window).await?;
        server.abort();
        db.close().await;
        let _ = std::fs::remove_dir_all(&dir);
        let firsts = |v: &[(Duration, Duration, usize)]| median(v.iter().map(|x| x.0).collect());
        let lasts = |v: &[(Duration, Duration, usize)]| median(v.iter().map(|x| x.1).collect());
        println!(
            "| {n} | {} | {} | {} | {} | {} | {} | {} KiB | {rps_visitor:.0} | {rps_member:.0} |",
            summary.votes_added,
            ms(firsts(&visitor)),
            ms(lasts(&visitor)),
            ms(firsts(&signed_in)),
            ms(lasts(&signed_in)),
            per_page.map_or("n/a".into(), |q| format!("{q:.0}")),
            size / 1024,
        );
    }
    println!();
    println!(
        "sign-in (argon2id, 19 MiB, 2 passes; POST /api/sign_in over loopback): median {}, slowest {} of {}",
        ms(median(sign_ins.clone())),
        ms(sign_ins.iter().max().copied().unwrap_or_default()),
        sign_ins.len()
    );
    println!();
    run_vote_cost(requests.max(1_000)).await
}

/// A server on loopback over a scratch database of `films` generated films and a club of
/// `members`, with `proposals` active proposals of `votes` votes each, and the bench member.
struct ClubServer {
    db: Db,
    dir: std::path::PathBuf,
    summary: crate::server::db::load::LoadSummary,
    addr: std::net::SocketAddr,
    server: tokio::task::JoinHandle<()>,
    /// The server's club data version: moved on to have a page rendered rather than replayed.
    club_version: crate::server::services::versions::ClubVersion,
}

async fn club_server(
    tag: &str,
    films: usize,
    members: usize,
    proposals: usize,
    votes: usize,
) -> Result<ClubServer, BoxError> {
    let (db, url, dir) = scratch_database(tag, proposals.max(votes)).await?;
    let mut data = gen::generate(films, 42);
    gen::add_club(&mut data, members, proposals, 42);
    gen::set_votes(&mut data, votes);
    let summary = load_dataset(&db, &data, |_| {}).await?;
    bench_member(&db).await?;
    let mut config = Config::default();
    config.database.url = url;
    let state = AppState::build(config, db.clone()).await?;
    let club_version = state.club_version.clone();
    let (addr, server) = serve_locally(state).await?;
    Ok(ClubServer { db, dir, summary, addr, server, club_version })
}

/// CPU time this process's threads have used, in nanoseconds (from each thread's schedstat).
fn process_cpu() -> Duration {
    let nanos: u64 = std::fs::read_dir("/proc/self/task")
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|task| std::fs::read_to_string(task.path().join("schedstat")).ok())
        .filter_map(|stat| stat.split_whitespace().next().and_then(|n| n.parse::<u64>().ok()))
        .sum();
    Duration::from_nanos(nanos)
}

/// The vote page's cost as votes pile up: 20 proposals with 2, 20 and 200 votes each, a signed-in
/// reader; CPU per request (server and the loopback client together) should not grow with votes.
async fn run_vote_cost(requests: usize) -> Result<(), BoxError> {
    println!("| votes per proposal (20 proposals) | CPU per signed-in /vote | vs 2 votes | page size |");
    println!("|---:|---:|---:|---:|");
    let mut base = None;
    for votes in [2usize, 20, 200] {
        let club = club_server("vote-cost", 100, 200, 20, votes).await?;
        let (db, dir, addr, server, club_version) = (club.db, club.dir, club.addr, club.server, club.club_version);
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
        let (_, cookie) = sign_in(&client, addr).await?;
        let member = format!("Cookie: {cookie}\r\n");
        for _ in 0..20 {
            timed_get_with(addr, "/vote", &member).await?; // warm-up
        }
        let started = process_cpu();
        let mut size = 0;
        for _ in 0..requests {
            // Rendered every time, not replayed from the club page cache: this row is the render's cost.
            club_version.bump();
            size = timed_get_with(addr, "/vote", &member).await?.2;
        }
        let per_request = process_cpu().saturating_sub(started) / requests as u32;
        server.abort();
        db.close().await;
        let _ = std::fs::remove_dir_all(&dir);
        let base_cost = *base.get_or_insert(per_request);
        println!(
            "| {votes} | {} | {:.2}× | {} KiB |",
            ms(per_request),
            per_request.as_secs_f64() / base_cost.as_secs_f64().max(1e-9),
            size / 1024
        );
    }
    Ok(())
}
