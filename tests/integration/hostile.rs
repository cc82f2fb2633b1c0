//! Hostile input against every page, server function and API endpoint, on both backends.
//!
//! Table-driven: each case is one request a hostile or careless client could send. Whatever it
//! is, the server must answer (no dropped connection), never with a 5xx, never with a handler
//! panic, never with an unescaped payload in HTML, and a refused request must change nothing.

use crate::common;

use common::{Member, TestServer, PASSWORD};
use marquee::server::db::{now, on_pool, Db};
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

/// Text that must never reach a page unescaped, in the forms the cases store it.
const PAYLOADS: &[&str] = &["<script>alert(121)</script>", "<img src=x onerror=alert(122)>", "</title><script>"];
const MARKERS: &[&str] = &["<script>alert(", "<img src=x onerror", "</title><script>"];

#[derive(Clone, Copy, PartialEq, Debug)]
enum Who {
    Anonymous,
    Member,
    /// A member acting on what is not theirs.
    Stranger,
    Admin,
}

#[derive(Clone, Debug)]
struct Case {
    group: &'static str,
    method: reqwest::Method,
    path: String,
    content_type: Option<&'static str>,
    body: Option<Vec<u8>>,
    who: Who,
    /// Must be refused with a 4xx (and so change nothing).
    refused: bool,
    /// Sent as a browser's form post without JavaScript would be.
    browser: bool,
}

impl Case {
    fn get(group: &'static str, path: impl Into<String>, who: Who) -> Case {
        Case {
            group,
            method: reqwest::Method::GET,
            path: path.into(),
            content_type: None,
            body: None,
            who,
            refused: false,
            browser: false,
        }
    }

    fn refused(mut self) -> Case {
        self.refused = true;
        self
    }

    fn send(group: &'static str, method: &str, path: impl Into<String>, ctype: &'static str, body: Vec<u8>) -> Case {
        Case {
            group,
            method: reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
            path: path.into(),
            content_type: Some(ctype),
            body: Some(body),
            who: Who::Member,
            refused: true,
            browser: false,
        }
    }

    fn label(&self) -> String {
        let body = self.body.as_ref().map(|b| String::from_utf8_lossy(&b[..b.len().min(80)]).into_owned());
        format!("[{}] {} {} as {:?} body={:?}", self.group, self.method, self.path, self.who, body)
    }
}

const FORM: &str = "application/x-www-form-urlencoded";
const JSON: &str = "application/json";

/// Ids and path segments no film has, in every shape that has broken a parser somewhere.
const BAD_IDS: &[&str] = &[
    "t%C3%BC",
    "%C3%BC",
    "%ff%fe",
    "%c0%ae",
    "%ED%A0%80",
    "-1",
    "0",
    "99999999999999999999",
    "9223372036854775808",
    "..%2F..%2Fetc%2Fpasswd",
    "%00",
    "tt%0A0111161",
    "1%27%20OR%20%271%27=%271",
    "%3Cscript%3Ealert(121)%3C%2Fscript%3E",
    "tt99999999",
    "1e3",
    "%E2%80%AE",
    "tt",
];

/// Query values: numbers out of range or not numbers, bad UTF-8, control characters, payloads.
fn bad_values() -> Vec<String> {
    let mut v: Vec<String> = [
        "-1",
        "0",
        "4294967296",
        "99999999999999999999",
        "abc",
        "%ff",
        "%00",
        "1.5",
        "%3Cscript%3Ealert(121)%3C%2Fscript%3E",
        "%27%20OR%201=1--",
        "..%2F..%2F",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    v.push("x".repeat(3000));
    v
}

const QUERY_TARGETS: &[(&str, Who)] = &[
    ("/movies?page=", Who::Anonymous),
    ("/movies?decade=", Who::Anonymous),
    ("/movies?genre=", Who::Anonymous),
    ("/movies?sort=", Who::Anonymous),
    ("/movies?on_list=", Who::Anonymous),
    ("/movies?q=", Who::Member),
    ("/predictions?page=", Who::Anonymous),
    ("/predictions?w=", Who::Anonymous),
    ("/predictions?profile=", Who::Anonymous),
    ("/vote?from=", Who::Member),
    ("/vote/watched?page=", Who::Member),
    ("/admin/audit?page=", Who::Admin),
    ("/admin/audit?action=", Who::Admin),
    ("/api/v1/movies?limit=", Who::Anonymous),
    ("/api/v1/movies?cursor=", Who::Anonymous),
    ("/api/v1/movies?decade=", Who::Anonymous),
    ("/api/v1/proposals?offset=", Who::Anonymous),
    ("/api/v1/proposals?limit=", Who::Member),
    ("/api/v1/predictions?limit=", Who::Anonymous),
    ("/api/v1/predictions?w=", Who::Anonymous),
    ("/api/list_proposals?offset=0&limit=", Who::Anonymous),
    ("/api/watched_films?page=", Who::Member),
    ("/api/all_voters?proposal_id=", Who::Anonymous),
    ("/account/letterboxd?import=", Who::Member),
    ("/account/letterboxd?page=", Who::Member),
    ("/api/letterboxd_review?import=", Who::Member),
    ("/api/letterboxd_review?page=", Who::Member),
];

/// What each server function that changes something takes, and a valid value for each argument.
struct ServerFn {
    path: &'static str,
    who: Who,
    args: &'static [(&'static str, Kind)],
}

#[derive(Clone, Copy)]
enum Kind {
    Id,
    Bool,
    HalfStars,
    Imdb,
    Limit,
    Username,
    Password,
    /// A `datetime-local` field's value.
    DateTime,
    RoundName,
    TimeZone,
    Method,
    CarryOver,
    /// A film's number on a ranked ballot.
    Rank,
    TokenName,
    TokenScope,
    TokenDays,
}

impl Kind {
    /// Values that must be refused for an argument of this kind (already form-encoded).
    fn bad(self) -> &'static [&'static str] {
        match self {
            Kind::Id => &["", "abc", "99999999999999999999", "1.5", "%00", "1%0A2", "%ff", "%3Cscript%3E"],
            Kind::Bool => &["", "maybe", "2", "%ff"],
            Kind::HalfStars => &["0", "5.5", "6", "abc", "NaN", "inf", "-1", "3.3", "%ff", "2147483648"],
            Kind::Imdb => &[
                "",
                "abc",
                "tt",
                "tt1",
                "nm0000001",
                "%3Cscript%3Ealert(121)%3C%2Fscript%3E",
                "https%3A%2F%2Fevil.example%2Ftitle%2Ftt0111161",
                "%ff",
                "tt0111161%00",
            ],
            Kind::Limit => &["-1", "101", "abc", "%ff", "1e9"],
            Kind::Username => &["", "ab", "%3Cscript%3E", "a%00b", "%ff%fe", "x%0Ay"],
            Kind::Password => &["", "short"],
            Kind::DateTime => &[
                "",
                "yesterday",
                "2025-13-01T10:00",
                "2020-01-01T00:00",
                "9999-12-31T23:59",
                "%ff",
                "2026-12-12T20:00%00",
            ],
            Kind::RoundName => &["", "%20%20", "a%00b", "x%0Ay", "%ff"],
            Kind::TimeZone => &["", "Paris", "Mars%2FOlympus", "Europe%2FParis%00", "%3Cscript%3E", "%ff"],
            Kind::Method => &["", "borda", "%ff"],
            Kind::CarryOver => &["", "discard", "%ff"],
            Kind::Rank => &["", "0", "-1", "first", "1.5", "%ff", "99999999999"],
            Kind::TokenName => &["", "%20", "a%00b", "x%0Ay", "%ff"],
            // A member asking for an admin token is refused too.
            Kind::TokenScope => &["", "root", "admin", "read%00", "%ff"],
            Kind::TokenDays => &["0", "-1", "abc", "1.5", "99999", "4294967296", "%ff"],
        }
    }
}

/// Refusals are checked against a target that exists, so a wrong answer would change something.
fn server_fns(
    proposal: i64,
    movie: i64,
    user: i64,
    round: i64,
    import: i64,
) -> Vec<(ServerFn, Vec<(&'static str, String)>)> {
    let r = round.to_string();
    // A ranked ballot's field is named by the proposal it numbers.
    let rank_field: &'static str = Box::leak(format!("ranks%5B{proposal}%5D").into_boxed_str());
    let rank_args: &'static [(&'static str, Kind)] =
        Box::leak(Box::new([("round_id", Kind::Id), (rank_field, Kind::Rank)]));
    let later = |hours: i64| {
        let t = now() + hours * 3600;
        format!("{}T{:02}:{:02}", marquee::model::format_date(t), t % 86_400 / 3600, t % 3600 / 60)
    };
    let p = proposal.to_string();
    let m = movie.to_string();
    let u = user.to_string();
    vec![
        (
            ServerFn {
                path: "/api/cast_vote",
                who: Who::Member,
                args: &[("proposal_id", Kind::Id), ("vote", Kind::Bool)],
            },
            vec![("proposal_id", p.clone()), ("vote", "true".into())],
        ),
        (
            ServerFn { path: "/api/withdraw_proposal", who: Who::Admin, args: &[("proposal_id", Kind::Id)] },
            vec![("proposal_id", p.clone())],
        ),
        (
            ServerFn { path: "/api/mark_watched", who: Who::Admin, args: &[("proposal_id", Kind::Id)] },
            vec![("proposal_id", p.clone())],
        ),
        (
            ServerFn {
                path: "/api/rate_watched",
                who: Who::Member,
                args: &[("proposal_id", Kind::Id), ("stars", Kind::HalfStars)],
            },
            vec![("proposal_id", p.clone()), ("stars", "4".into())],
        ),
        (
            ServerFn {
                path: "/api/rate_movie",
                who: Who::Member,
                args: &[("movie_id", Kind::Id), ("stars", Kind::HalfStars)],
            },
            vec![("movie_id", m.clone()), ("stars", "4".into())],
        ),
        (
            ServerFn { path: "/api/propose", who: Who::Member, args: &[("imdb", Kind::Imdb)] },
            vec![("imdb", "tt0068646".into())],
        ),
        (
            ServerFn {
                path: "/api/set_member_limit",
                who: Who::Admin,
                args: &[("user_id", Kind::Id), ("limit", Kind::Limit)],
            },
            vec![("user_id", u.clone()), ("limit", "3".into())],
        ),
        (
            ServerFn {
                path: "/api/register",
                who: Who::Anonymous,
                args: &[("username", Kind::Username), ("password", Kind::Password)],
            },
            vec![("username", "newcomer".into()), ("password", PASSWORD.into())],
        ),
        (
            ServerFn {
                path: "/api/sign_in",
                who: Who::Anonymous,
                args: &[("username", Kind::Username), ("password", Kind::Password)],
            },
            vec![("username", "mallory".into()), ("password", PASSWORD.into())],
        ),
        (
            ServerFn {
                path: "/api/change_password",
                who: Who::Member,
                args: &[("current_password", Kind::Password), ("new_password", Kind::Password)],
            },
            vec![("current_password", PASSWORD.into()), ("new_password", "another good password".into())],
        ),
        (
            ServerFn { path: "/api/save_ranking", who: Who::Member, args: rank_args },
            vec![("round_id", r.clone()), (rank_field, "1".into())],
        ),
        (
            ServerFn {
                path: "/api/open_round",
                who: Who::Admin,
                args: &[
                    ("name", Kind::RoundName),
                    ("screening", Kind::DateTime),
                    ("time_zone", Kind::TimeZone),
                    ("deadline", Kind::DateTime),
                    ("method", Kind::Method),
                    ("carry_over", Kind::CarryOver),
                ],
            },
            vec![
                ("name", "Saturday".into()),
                ("screening", later(5)),
                ("time_zone", "Europe%2FParis".into()),
                ("deadline", later(4)),
                ("method", "ranked".into()),
                ("carry_over", "with_votes".into()),
            ],
        ),
        (
            // The member's pending Letterboxd import (made in `setup`): applied, it would add a rating.
            ServerFn { path: "/api/apply_letterboxd_import", who: Who::Member, args: &[("import", Kind::Id)] },
            vec![("import", import.to_string())],
        ),
        (
            ServerFn {
                path: "/api/create_api_token",
                who: Who::Member,
                args: &[("name", Kind::TokenName), ("days", Kind::TokenDays), ("scope", Kind::TokenScope)],
            },
            vec![("name", "club bot".into()), ("days", "30".into()), ("scope", "read".into())],
        ),
        (
            // No token has this number: a refusal, whoever asks.
            ServerFn { path: "/api/revoke_api_token", who: Who::Member, args: &[("id", Kind::Id)] },
            vec![("id", "987654321".into())],
        ),
        (
            ServerFn { path: "/api/close_round", who: Who::Admin, args: &[("round_id", Kind::Id)] },
            vec![("round_id", r.clone())],
        ),
        (
            ServerFn {
                path: "/api/extend_round",
                who: Who::Admin,
                args: &[("round_id", Kind::Id), ("deadline", Kind::DateTime)],
            },
            vec![("round_id", r.clone()), ("deadline", later(2))],
        ),
    ]
}

/// The server functions that change something and take no arguments: each is sent by someone
/// without the right to call it, with a body that cannot be read.
const NO_ARGUMENT_WRITERS: &[(&str, Who)] = &[
    ("/api/sign_out", Who::Anonymous),
    ("/api/reset_calendar_link", Who::Member),
    ("/api/create_invitation", Who::Admin),
];

/// Argument names and values, in order.
type Pairs = Vec<(&'static str, String)>;

/// The server functions that only read, who reads them, and a valid value for each argument. Each
/// argument gets every bad query value in turn, the others valid; a function without arguments is
/// called by a visitor with a query it does not take.
fn readers(proposal: i64, round: i64, import: i64) -> Vec<(&'static str, Who, Pairs)> {
    let none = Vec::new;
    vec![
        ("/api/current_round", Who::Anonymous, none()),
        ("/api/my_quota", Who::Member, none()),
        ("/api/recent_activity", Who::Anonymous, none()),
        ("/api/whoami", Who::Anonymous, none()),
        ("/api/registration_is_invite_only", Who::Anonymous, none()),
        ("/api/calendar_link", Who::Member, none()),
        ("/api/api_tokens", Who::Member, none()),
        ("/api/get_stats", Who::Anonymous, none()),
        ("/api/get_operations", Who::Admin, none()),
        ("/api/api_endpoints", Who::Anonymous, none()),
        ("/api/prediction_stats", Who::Anonymous, none()),
        ("/api/recommendations", Who::Member, none()),
        ("/api/get_home", Who::Anonymous, none()),
        ("/api/admin_members", Who::Admin, none()),
        ("/api/search_titles", Who::Member, vec![("query", "godfather".into())]),
        ("/api/watched_films", Who::Member, vec![("page", "1".into())]),
        ("/api/rounds", Who::Anonymous, vec![("page", "1".into())]),
        ("/api/round_result", Who::Anonymous, vec![("id", round.to_string())]),
        ("/api/round_reader", Who::Member, vec![("round_id", round.to_string())]),
        ("/api/vote_board", Who::Member, vec![("from", "0".into())]),
        ("/api/list_proposals", Who::Anonymous, vec![("offset", "0".into()), ("limit", "10".into())]),
        ("/api/all_voters", Who::Anonymous, vec![("proposal_id", proposal.to_string())]),
        ("/api/letterboxd_review", Who::Member, vec![("import", import.to_string()), ("page", "1".into())]),
        (
            "/api/list_movies",
            Who::Anonymous,
            vec![
                ("genre", "Drama".into()),
                ("decade", "1990".into()),
                ("on_list", "yes".into()),
                ("sort", "rating".into()),
                ("q", "the".into()),
                ("page", "1".into()),
            ],
        ),
        (
            "/api/predictions",
            Who::Anonymous,
            vec![
                ("profile", "balanced".into()),
                ("w", "1,1,1,1,1".into()),
                ("set", "Candidates".into()),
                ("offset", "0".into()),
                ("limit", "25".into()),
            ],
        ),
        ("/api/prediction_backtest", Who::Anonymous, vec![("profile", "balanced".into()), ("w", "1,1,1,1,1".into())]),
        (
            "/api/prediction_backtest_summary",
            Who::Anonymous,
            vec![("profile", "balanced".into()), ("w", "1,1,1,1,1".into())],
        ),
        ("/api/prediction_comparison", Who::Anonymous, none()),
        (
            "/api/prediction_breakdown",
            Who::Anonymous,
            vec![("imdb_id", "tt7000121".into()), ("profile", "balanced".into()), ("w", "1,1,1,1,1".into())],
        ),
        ("/api/movie_page", Who::Anonymous, vec![("id", "tt7000121".into())]),
        (
            "/api/audit_log",
            Who::Admin,
            vec![("action", "sign_in".into()), ("actor", "root".into()), ("page", "1".into())],
        ),
    ]
}

/// Every server function the tables above name: the test that checks no function is missing
/// compares it with the functions the server registers.
fn tabled_server_fns() -> std::collections::BTreeSet<&'static str> {
    let writers = server_fns(1, 1, 1, 1, 1).into_iter().map(|(f, _)| f.path);
    let quiet = NO_ARGUMENT_WRITERS.iter().map(|(path, _)| *path);
    writers.chain(quiet).chain(readers(1, 1, 1).into_iter().map(|(path, _, _)| path)).collect()
}

fn form(pairs: &[(&str, String)]) -> Vec<u8> {
    pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&").into_bytes()
}

/// Every case, given the ids of real rows the refusals aim at.
fn cases(proposal: i64, movie: i64, user: i64, round: i64, import: i64) -> Vec<Case> {
    let mut all = Vec::new();

    // Ids in paths and id parameters.
    for id in BAD_IDS {
        all.push(Case::get("film page id", format!("/movies/{id}"), Who::Anonymous).refused());
        all.push(Case::get("API film id", format!("/api/v1/movies/{id}"), Who::Anonymous).refused());
        all.push(Case::get("film page fn id", format!("/api/movie_page?id={id}"), Who::Member).refused());
        all.push(Case::get("votes of proposal id", format!("/api/v1/proposals/{id}/votes"), Who::Anonymous).refused());
        all.push(
            Case::get("breakdown id", format!("/api/prediction_breakdown?imdb_id={id}"), Who::Anonymous).refused(),
        );
        all.push(Case::send(
            "API rating id",
            "PUT",
            format!("/api/v1/movies/{id}/rating"),
            JSON,
            br#"{"stars":3}"#.to_vec(),
        ));
        let mut delete = Case::get("API rating id", format!("/api/v1/movies/{id}/rating"), Who::Member).refused();
        delete.method = reqwest::Method::DELETE;
        all.push(delete);
    }
    // Poster file names: anything but a name Marquee made is no poster.
    for name in BAD_IDS.iter().chain(&["0123456789abcdef01234567-1a2b3c-999.webp", "x-320.webp%2F..%2F..%2FCargo.toml"])
    {
        all.push(Case::get("poster file name", format!("/posters/{name}"), Who::Anonymous).refused());
    }

    // Query parameters of every list and page.
    for (target, who) in QUERY_TARGETS {
        for value in bad_values() {
            all.push(Case::get("query value", format!("{target}{value}"), *who));
        }
    }

    // Server functions: one bad argument at a time, then bodies that cannot be read at all.
    for (f, valid) in server_fns(proposal, movie, user, round, import) {
        for (name, kind) in f.args {
            for bad in kind.bad() {
                let pairs: Vec<(&str, String)> =
                    valid.iter().map(|(k, v)| (*k, if k == name { bad.to_string() } else { v.clone() })).collect();
                let mut case = Case::send("server fn argument", "POST", f.path, FORM, form(&pairs));
                case.who = f.who;
                all.push(case);
            }
        }
        let first = f.args[0].0;
        let whole: Vec<(&str, &str, Vec<u8>)> = vec![
            ("not UTF-8", FORM, format!("{first}=").into_bytes().into_iter().chain([0xff, 0xfe, b'&']).collect()),
            ("oversized", FORM, format!("{first}={}", "9".repeat(20 * 1024)).into_bytes()),
            ("empty", FORM, Vec::new()),
            ("JSON as form", FORM, br#"{"proposal_id": 1}"#.to_vec()),
            ("wrong type", "text/plain", form(&valid)),
            ("missing argument", FORM, form(&valid[..valid.len().saturating_sub(1)])),
        ];
        for (what, ctype, body) in whole {
            if what == "missing argument" && valid.len() < 2 {
                continue;
            }
            let mut case = Case::send("server fn body", "POST", f.path, ctype, body);
            case.group = match what {
                "oversized" => "server fn body (oversized)",
                _ => "server fn body",
            };
            case.who = f.who;
            all.push(case);
        }
        // The same call without a session, or (for admin calls) as a member.
        let mut anonymous = Case::send("server fn without rights", "POST", f.path, FORM, form(&valid));
        anonymous.who = if f.who == Who::Admin { Who::Stranger } else { Who::Anonymous };
        if f.who != Who::Anonymous {
            all.push(anonymous);
        }
    }

    // Server functions without arguments that change something: only for those with the right.
    for (path, who) in NO_ARGUMENT_WRITERS {
        let mut case = Case::send("server fn without rights", "POST", *path, FORM, vec![0xff, 0xfe, b'=']);
        case.who = match who {
            Who::Admin => Who::Stranger,
            _ => Who::Anonymous,
        };
        case.refused = *who != Who::Anonymous;
        all.push(case);
    }

    // Server functions that read: each argument bad in turn, then a query the function does not take.
    for (path, who, valid) in readers(proposal, round, import) {
        for (name, _) in &valid {
            for bad in bad_values() {
                let pairs: Vec<(&str, String)> =
                    valid.iter().map(|(k, v)| (*k, if k == name { bad.clone() } else { v.clone() })).collect();
                let query = String::from_utf8(form(&pairs)).unwrap();
                all.push(Case::get("server fn query", format!("{path}?{query}"), who));
            }
        }
        all.push(Case::get("server fn query", format!("{path}?x=%ff&x=%3Cscript%3E"), Who::Anonymous));
    }

    // A form post without JavaScript whose body cannot be read still gets an answer, not a 500.
    let mut browser =
        Case::send("browser form", "POST", "/api/cast_vote", FORM, b"proposal_id=\xff&vote=true".to_vec());
    browser.browser = true;
    all.push(browser);

    // JSON API bodies.
    let bodies: Vec<Vec<u8>> = vec![
        b"{}".to_vec(),
        br#"{"stars":"x"}"#.to_vec(),
        br#"{"stars":1e400}"#.to_vec(),
        br#"{"stars":-1}"#.to_vec(),
        br#"{"stars":5.5}"#.to_vec(),
        br#"{"stars":null}"#.to_vec(),
        b"[".to_vec(),
        br#"{"stars":3"#.to_vec(),
        b"{\"stars\":\xff}".to_vec(),
        format!(r#"{{"stars":3,"pad":"{}"}}"#, "x".repeat(20 * 1024)).into_bytes(),
    ];
    for body in bodies {
        all.push(Case::send("API JSON body", "PUT", format!("/api/v1/movies/{movie}/rating"), JSON, body));
    }
    all.push(Case::send(
        "API JSON body",
        "PUT",
        format!("/api/v1/movies/{movie}/rating"),
        "text/plain",
        br#"{"stars":3}"#.to_vec(),
    ));

    // Imports: refused for anyone but an admin before the body is read, and bad formats.
    for (who, query, body) in [
        (Who::Anonymous, "format=csv", vec![b'x'; 1024 * 1024]),
        (Who::Member, "format=csv", b"imdb_id,title\ntt7000001,Should not land".to_vec()),
        (Who::Admin, "format=xml", b"<films/>".to_vec()),
        (Who::Admin, "format=csv", b"\xff\xfe\x00".to_vec()),
        (Who::Admin, "format=", Vec::new()),
        (Who::Admin, "dry_run=maybe&format=csv", b"imdb_id,title\n".to_vec()),
    ] {
        let mut case = Case::send("import", "POST", format!("/api/v1/import?{query}"), "text/csv", body);
        case.who = who;
        all.push(case);
    }

    // Wrong methods.
    for (method, path) in [
        ("DELETE", "/vote"),
        ("PUT", "/api/sign_in"),
        ("GET", "/api/cast_vote?proposal_id=1&vote=true"),
        ("POST", "/api/v1/movies"),
        ("PATCH", "/api/v1/movies/1/rating"),
        ("POST", "/api/v1/stats"),
        ("PUT", "/api/v1/import"),
        ("GET", "/api/v1/import"),
        ("POST", "/predictions"),
        ("DELETE", "/api/v1/ratings"),
        ("POST", "/healthz"),
        ("POST", "/metrics"),
        ("GET", "/api/no_such_function"),
        ("POST", "/api/v1/no/such/endpoint"),
    ] {
        let mut case = Case::send("wrong method", method, path, FORM, b"proposal_id=1&vote=true".to_vec());
        if method == "GET" {
            case.body = None;
            case.content_type = None;
        }
        all.push(case);
    }
    all
}

/// What the refused requests could have touched, as one comparable value.
async fn snapshot(db: &Db) -> BTreeMap<&'static str, String> {
    let queries: &[(&str, &str)] = &[
        ("users", "SELECT COUNT(*) || ':' || COALESCE(SUM(LENGTH(password_hash)), 0) || ':' || COALESCE(SUM(proposal_limit), -1) FROM users"),
        ("proposals", "SELECT COUNT(*) || ':' || COALESCE(SUM(vote_count), 0) || ':' || COALESCE(SUM(CASE WHEN status = 'active' THEN 1 ELSE 0 END), 0) FROM proposals"),
        ("votes", "SELECT COUNT(*) || '' FROM votes"),
        ("ratings", "SELECT COUNT(*) || ':' || COALESCE(SUM(half_stars), 0) FROM ratings"),
        ("watch_ratings", "SELECT COUNT(*) || ':' || COALESCE(SUM(half_stars), 0) FROM watch_ratings"),
        ("movies", "SELECT COUNT(*) || '' FROM movies"),
        ("invites", "SELECT COUNT(*) || '' FROM invites"),
        ("rounds", "SELECT COUNT(*) || ':' || COALESCE(SUM(deadline), 0) || ':' || COALESCE(SUM(CASE WHEN status = 'open' THEN 1 ELSE 0 END), 0) FROM rounds"),
        ("ranked_ballots", "SELECT COUNT(*) || '' FROM ranked_ballots"),
        ("member_watches", "SELECT COUNT(*) || '' FROM member_watches"),
        ("api_tokens", "SELECT COUNT(*) || ':' || COALESCE(SUM(CASE WHEN revoked_at IS NULL THEN 0 ELSE 1 END), 0) FROM api_tokens"),
        ("letterboxd_imports", "SELECT COUNT(*) || ':' || COALESCE(SUM(CASE WHEN applied_at IS NULL THEN 0 ELSE 1 END), 0) FROM letterboxd_imports"),
    ];
    let mut out = BTreeMap::new();
    for (name, sql) in queries {
        let value: String = on_pool!(db, |pool| sqlx::query_scalar::<_, String>(sql).fetch_one(pool).await.unwrap());
        out.insert(*name, value);
    }
    out
}

struct Answer {
    status: u16,
    content_type: String,
    body: String,
    location: Option<String>,
}

async fn send(server: &TestServer, case: &Case, people: &[&Member; 3]) -> Result<Answer, String> {
    let mut req = server.client.request(case.method.clone(), format!("{}{}", server.base, case.path));
    match case.who {
        Who::Anonymous => {}
        Who::Member => req = req.header("cookie", &people[0].cookie),
        Who::Stranger => req = req.header("cookie", &people[1].cookie),
        Who::Admin => req = req.header("cookie", &people[2].cookie),
    }
    if let Some(ctype) = case.content_type {
        req = req.header("content-type", ctype);
    }
    if let Some(body) = &case.body {
        req = req.body(body.clone());
    }
    if case.browser {
        req = req.header("accept", "text/html").header("referer", format!("{}/vote", server.base));
    }
    let res = req.send().await.map_err(|e| format!("no answer: {e:?}"))?;
    let status = res.status().as_u16();
    let header = |name: &str| res.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let content_type = header("content-type").unwrap_or_default();
    let location = header("location");
    let body = res.text().await.map_err(|e| format!("the body broke off: {e:?}"))?;
    Ok(Answer { status, content_type, body, location })
}

/// A page is whole (its stream was not cut by a failure) and holds no payload unescaped.
fn check_html(label: &str, body: &str) -> Result<(), String> {
    // In-order streaming ends the document, then the data of its resources in scripts, the last
    // of which closes the stream.
    let end = body.trim_end();
    if !body.contains("</html>") || !(end.ends_with("</html>") || end.ends_with("__INCOMPLETE_CHUNKS=[];</script>")) {
        return Err(format!("{label}: the page is cut off"));
    }
    for marker in MARKERS {
        if body.contains(marker) {
            let at = body.find(marker).unwrap();
            let from = at.saturating_sub(80);
            return Err(format!("{label}: unescaped {marker:?} near {:?}", &body[from..(at + 60).min(body.len())]));
        }
    }
    Ok(())
}

async fn setup(t: &common::TestDb) -> (TestServer, Member, Member, i64, i64, i64) {
    // Title search asks the IMDb API: a local one that speaks its shapes.
    let imdb = common::fake_imdb::FakeImdb::start().await;
    let server = TestServer::start_with(t.db.clone(), |c| {
        c.imdb.base_url = imdb.base.clone();
        // The cases sign in wrongly many times from one address; throttling has its own tests.
        c.accounts.failures_per_account = 100_000;
        c.accounts.failures_per_ip = 100_000;
        c.limits.max_in_flight = 1_000;
    })
    .await;
    let admin = server.admin("root").await;
    // A film whose every text field carries a payload, imported as an admin would.
    let csv = format!(
        "imdb_id,title,year,genres,plot,poster_url,imdb_rating,imdb_votes\n\
         tt7000121,\"{} Imported\",2023,\"Drama|{}\",\"{}\",\"https://img.example/p.jpg?q=\"\"{}\",7.5,12000\n",
        "</title>".to_string() + PAYLOADS[0],
        PAYLOADS[1],
        PAYLOADS[1],
        PAYLOADS[0]
    );
    let (_, report) = server.import_csv(&admin, csv).await;
    assert!(report.contains("\"created\":1"), "{}: import: {report}", t.label);
    let movie: i64 =
        on_pool!(&t.db, |pool| sqlx::query_scalar::<_, i64>("SELECT id FROM movies WHERE imdb_id = 'tt7000121'")
            .fetch_one(pool)
            .await
            .unwrap());
    // A member whose display name is a payload, proposing and voting for that film.
    let p = server
        .post("/api/register", &[("username", "mallory"), ("display_name", PAYLOADS[1]), ("password", PASSWORD)], None)
        .await;
    assert_eq!(p.status, 200, "{}: {}", t.label, p.body);
    let member = Member { username: "mallory".into(), cookie: p.set_cookie[0].split(';').next().unwrap().into() };
    let posted = server.post("/api/propose", &[("imdb", "tt7000121")], Some(&member)).await;
    assert_eq!(posted.status, 200, "{}: {}", t.label, posted.body);
    let proposal: i64 = posted.body.parse().unwrap();
    let voted =
        server.post("/api/cast_vote", &[("proposal_id", &proposal.to_string()), ("vote", "true")], Some(&member)).await;
    assert_eq!(voted.status, 200, "{}", t.label);
    // A ranked round open for the film, named with a payload: the round functions' refusals aim at it.
    let body = serde_json::json!({
        "name": PAYLOADS[0].chars().take(80).collect::<String>(), "screening_at": now() + 7200, "time_zone": "UTC",
        "deadline": now() + 3600, "method": "ranked",
    });
    let (status, round) = common::send_json(&server, "POST", "/api/v1/rounds", Some(body), Some(&admin)).await;
    assert_eq!(status, 200, "{}: {round}", t.label);
    // A failed sign-in whose username is a payload lands in the audit log.
    let failed = server.post("/api/sign_in", &[("username", PAYLOADS[0]), ("password", "wrong password")], None).await;
    assert_eq!(failed.status, 400, "{}", t.label);
    let user: i64 =
        on_pool!(&t.db, |pool| sqlx::query_scalar::<_, i64>("SELECT id FROM users WHERE username = 'mallory'")
            .fetch_one(pool)
            .await
            .unwrap());
    // A pending Letterboxd import of the member, its films named with payloads: one matched to the
    // film, one that several films fit.
    let film = |name: &str, state, movie_id, candidates: &str| marquee::server::db::letterboxd::DryRunFilm {
        name: name.to_string(),
        year: Some(2023),
        half_stars: Some(7),
        rated_on: Some("2024-01-01".into()),
        watches: "2024-01-01".into(),
        state,
        movie_id,
        candidates: candidates.to_string(),
    };
    let import: i64 = marquee::server::db::letterboxd::save(
        &t.db,
        user,
        PAYLOADS[0],
        &[PAYLOADS[1].to_string()],
        &[
            film(PAYLOADS[0], marquee::model::MatchState::Matched, Some(movie), ""),
            film(PAYLOADS[1], marquee::model::MatchState::Ambiguous, None, &movie.to_string()),
        ],
    )
    .await
    .unwrap();
    assert!(import > 0);
    (server, member, admin, proposal, movie, user)
}

/// A new server function fails this until the tables above say what it takes and who may call it.
#[test]
fn every_server_function_is_in_the_tables() {
    let registered: std::collections::BTreeSet<&str> =
        leptos::server_fn::axum::server_fn_paths().map(|(path, _)| path).collect();
    assert!(registered.len() >= 40, "the server registers only {} functions: {registered:?}", registered.len());
    let tabled = tabled_server_fns();
    let missing: Vec<_> = registered.difference(&tabled).collect();
    let gone: Vec<_> = tabled.difference(&registered).collect();
    assert!(missing.is_empty(), "server functions missing from the hostile tables: {missing:?}");
    assert!(gone.is_empty(), "the hostile tables name functions the server does not have: {gone:?}");
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn hostile_requests_get_clear_refusals_and_change_nothing(t) {
        let (server, member, admin, proposal, movie, user) = setup(&t).await;
        let stranger = server.register("eve").await;
        let panics_before = marquee::server::web::guard::PANICS.load(Ordering::Relaxed);
        let before = snapshot(&t.db).await;
        let round: i64 = on_pool!(&t.db, |pool| sqlx::query_scalar("SELECT id FROM rounds WHERE status = 'open'")
            .fetch_one(pool)
            .await
            .unwrap());
        let import: i64 =
            on_pool!(&t.db, |pool| sqlx::query_scalar("SELECT id FROM letterboxd_imports WHERE user_id = $1")
                .bind(user)
                .fetch_one(pool)
                .await
                .unwrap());
        let all = cases(proposal, movie, user, round, import);
        assert!(all.len() >= 250, "the suite has {} cases", all.len());
        let mut failures = Vec::new();
        let mut by_group: BTreeMap<&str, usize> = BTreeMap::new();
        for case in &all {
            *by_group.entry(case.group).or_default() += 1;
            let label = case.label();
            let answer = match send(&server, case, &[&member, &stranger, &admin]).await {
                Ok(a) => a,
                Err(e) => {
                    failures.push(format!("{label}: {e}"));
                    continue;
                }
            };
            if answer.status >= 500 {
                failures.push(format!("{label}: {} {}", answer.status, &answer.body[..answer.body.len().min(200)]));
            } else if case.refused && !(400..500).contains(&answer.status) && !(case.browser && answer.status == 302) {
                failures.push(format!("{label}: expected a refusal, got {}", answer.status));
            }
            if case.group == "server fn body (oversized)" && answer.status != 413 {
                failures.push(format!("{label}: an oversized body is 413, got {}", answer.status));
            }
            if answer.status >= 400 && answer.content_type.starts_with("application/json") {
                let v: serde_json::Value = serde_json::from_str(&answer.body).unwrap_or_default();
                let message = v.get("message").and_then(|m| m.as_str()).map(str::to_string).or_else(|| {
                    // Server functions send the error itself: {"Variant": "message"} or "Variant".
                    v.as_object().and_then(|o| o.values().next()).and_then(|m| m.as_str()).map(str::to_string)
                });
                if message.is_none() && !v.is_string() {
                    failures.push(format!("{label}: the refusal says nothing: {}", answer.body));
                }
            }
            if answer.content_type.starts_with("text/html") {
                if let Err(e) = check_html(&label, &answer.body) {
                    failures.push(e);
                }
            }
            if let Some(location) = &answer.location {
                if !marquee::validate::is_local_path(location) {
                    failures.push(format!("{label}: redirect off this site: {location:?}"));
                }
            }
        }
        let after = snapshot(&t.db).await;
        assert!(
            failures.is_empty(),
            "{}: {} of {} cases failed:\n{}",
            t.label,
            failures.len(),
            all.len(),
            failures.join("\n")
        );
        assert_eq!(before, after, "{}: a refused request changed data", t.label);
        assert_eq!(
            marquee::server::web::guard::PANICS.load(Ordering::Relaxed),
            panics_before,
            "{}: a handler panicked",
            t.label
        );
        println!("{}: {} hostile cases: {by_group:?}", t.label, all.len());
    }
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn stored_payloads_are_shown_as_text_on_every_page(t) {
        let (server, member, admin, _proposal, movie, _user) = setup(&t).await;
        let pages = [
            "/".to_string(),
            "/movies".into(),
            "/movies?q=Imported".into(),
            format!("/movies/{movie}"),
            "/movies/tt7000121".into(),
            "/movies/for-you".into(),
            "/vote".into(),
            "/vote/watched".into(),
            "/propose".into(),
            "/dashboard".into(),
            "/predictions".into(),
            "/admin".into(),
            "/admin/audit".into(),
            "/account".into(),
            // Only a key-shaped value is shown as a calendar link; anything else is ignored.
            "/account?calendar_key=%22%3E%3Cscript%3Ealert(121)%3C/script%3E".into(),
            format!("/account?calendar_key={}%22onmouseover=alert(1)", "a".repeat(64)),
            "/api/docs".into(),
            "/rounds".into(),
            "/rounds/1".into(),
            "/account/letterboxd".into(),
        ];
        let mut shown_escaped = 0;
        for page in &pages {
            for who in [None, Some(&member), Some(&admin)] {
                let (status, html) = server.get_as(page, who).await;
                let label = format!("{}: {page} as {:?}", t.label, who.map(|m| &m.username));
                assert!(status < 500, "{label}: {status}");
                check_html(&label, &html).unwrap_or_else(|e| panic!("{e}"));
                shown_escaped += usize::from(
                    html.contains("&lt;script&gt;alert(121)") || html.contains("&lt;img src=x onerror=alert(122)&gt;"),
                );
            }
        }
        // The payloads really are on those pages, as text.
        assert!(shown_escaped >= 10, "{}: payloads shown escaped on only {shown_escaped} pages", t.label);
        let (_, film) = server.get_as(&format!("/movies/{movie}"), None).await;
        let head = &film[..film.find("</head>").expect("a head")];
        assert!(
            head.contains("<title>&lt;/title&gt;&lt;script&gt;alert(121)&lt;/script&gt; Imported · Marquee</title>"),
            "{}: the title is escaped in the head: {head}",
            t.label
        );
        // The imported poster address is only where to download it from: never written in a page.
        assert!(!film.contains("p.jpg"), "{}: the poster's source address is not on the page", t.label);
    }
}

common::on_each_backend! {
    /// Error messages in links: only the server's own, for the browser it wrote them for.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn crafted_error_links_show_nothing(t) {
        use base64::Engine as _;
        let (server, member, admin, _proposal, movie, _user) = setup(&t).await;
        let words = "Your session expired: sign in again at https://evil.example/login";
        let crafted = base64::engine::general_purpose::URL_SAFE.encode(format!("{{\"BadRequest\":\"{words}\"}}"));
        let not_json = base64::engine::general_purpose::URL_SAFE.encode("not json at all");
        let errs = [
            "x".to_string(),
            "%%%".into(),
            not_json,
            crafted.clone(),
            format!("{crafted}&__sig=9999999999.AAAAAAAAAAAAAAAAAAAAAAAA"),
        ];
        let pages = [
            "/signin".to_string(),
            "/register".into(),
            "/account".into(),
            "/propose".into(),
            "/vote".into(),
            "/vote/watched".into(),
            format!("/movies/{movie}"),
            "/admin".into(),
        ];
        for page in &pages {
            for err in &errs {
                for who in [None, Some(&member), Some(&admin)] {
                    let link = format!("{page}?keep=1&__path=/api/sign_in&__err={err}");
                    let mut req = server.client.get(format!("{}{link}", server.base));
                    if let Some(m) = who {
                        req = req.header("cookie", &m.cookie);
                    }
                    let res = req.send().await.unwrap();
                    let label = format!("{}: {link} as {:?}", t.label, who.map(|m| &m.username));
                    assert_eq!(res.status(), 303, "{label}");
                    let location = res.headers()["location"].to_str().unwrap().to_string();
                    assert_eq!(location, format!("{page}?keep=1"), "{label}");
                    let (status, html) = server.get_as(&location, who).await;
                    assert!(status < 500, "{label}: {status}");
                    assert!(!html.contains("evil.example"), "{label}: crafted words shown");
                }
            }
        }

        // A genuine error link works only in the browser it was written for.
        let referer = format!("{}/propose", server.base);
        let browser = [("accept", "text/html"), ("referer", referer.as_str())];
        let refused = server.post_with("/api/propose", &[("imdb", "not an id")], Some(&member), &browser).await;
        assert_eq!(refused.status, 302, "{}", t.label);
        let back = refused.location.clone().unwrap();
        assert!(back.starts_with("/") && back.contains("__sig="), "{}: {back}", t.label);
        let flash =
            refused.set_cookie.iter().find(|c| c.starts_with("marquee_flash=")).unwrap().split(';').next().unwrap();
        let own = Member { username: member.username.clone(), cookie: format!("{}; {flash}", member.cookie) };
        let (status, html) = server.get_as(&back, Some(&own)).await;
        assert_eq!(status, 200, "{}", t.label);
        assert!(html.contains("is not an IMDb title id"), "{}: the server's own message is shown", t.label);
        let res =
            server.client.get(format!("{}{back}", server.base)).header("cookie", &admin.cookie).send().await.unwrap();
        assert_eq!(res.status(), 303, "{}: another browser gets the page without it", t.label);
    }
}

common::on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn return_paths_never_leave_the_site_or_lose_the_session(t) {
        let (server, _member, _admin, _proposal, _movie, _user) = setup(&t).await;
        let browser = [("accept", "text/html"), ("referer", "/signin")];
        let nexts = [
            "/\n/x",
            "/vote\r\nSet-Cookie: x=1",
            "/\t/evil.example/",
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "javascript:alert(1)",
            "/%0d%0aSet-Cookie:x",
            " /vote",
            "/ü",
        ];
        for (i, next) in nexts.iter().enumerate() {
            for path in ["/api/sign_in", "/api/register"] {
                let username = format!("ret{i}{}", &path[5..7]);
                let form = [("username", username.as_str()), ("password", PASSWORD), ("next", next)];
                if path == "/api/sign_in" {
                    server.register(&username).await;
                }
                let p = server.post_with(path, &form, None, &browser).await;
                let label = format!("{}: {path} next={next:?}", t.label);
                assert_eq!(p.status, 302, "{label}: {}", p.body);
                let location = p.location.unwrap_or_default();
                assert!(marquee::validate::is_local_path(&location), "{label}: {location:?}");
                assert!(!location.contains("evil"), "{label}: {location:?}");
                assert!(
                    p.set_cookie.iter().any(|c| c.starts_with("marquee_session=")),
                    "{label}: the session cookie is sent"
                );
                assert!(!p.set_cookie.iter().any(|c| c.starts_with("x=")), "{label}: no injected header");
            }
        }
    }
}

common::on_each_backend! {
    /// Requests a client library would not send: cut-off chunked bodies, raw bytes in the path,
    /// oversized headers. The server answers each and stays up.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn malformed_http_is_answered(t) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (server, member, _admin, _proposal, _movie, _user) = setup(&t).await;
        let addr = server.base.trim_start_matches("http://").to_string();
        let raw: Vec<(&str, Vec<u8>)> = vec![
            (
                "malformed chunked body",
                format!(
                    "POST /api/cast_vote HTTP/1.1\r\nHost: {addr}\r\nCookie: {}\r\nContent-Type: {FORM}\r\n\
                     Transfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\nproposal_id=1\r\n0\r\n\r\n",
                    member.cookie
                )
                .into_bytes(),
            ),
            (
                "oversized chunked body",
                [
                    format!(
                        "POST /api/cast_vote HTTP/1.1\r\nHost: {addr}\r\nCookie: {}\r\nContent-Type: {FORM}\r\n\
                         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n5000\r\n",
                        member.cookie
                    )
                    .into_bytes(),
                    vec![b'9'; 0x5000],
                    b"\r\n0\r\n\r\n".to_vec(),
                ]
                .concat(),
            ),
            ("raw bytes in the path", [b"GET /movies/\xff\xfe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".as_slice()].concat()),
            (
                "a huge header",
                format!("GET /vote HTTP/1.1\r\nHost: {addr}\r\nX-Big: {}\r\nConnection: close\r\n\r\n", "a".repeat(1_000_000))
                    .into_bytes(),
            ),
            (
                "content-length larger than the body",
                format!(
                    "POST /api/cast_vote HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {FORM}\r\nContent-Length: 100\r\nConnection: close\r\n\r\nproposal_id=1"
                )
                .into_bytes(),
            ),
        ];
        for (what, bytes) in raw {
            let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
            let _ = stream.write_all(&bytes).await;
            if what.starts_with("content-length") {
                let _ = stream.shutdown().await;
            }
            let mut answer = Vec::new();
            let read = tokio::time::timeout(std::time::Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
            let text = String::from_utf8_lossy(&answer);
            let status: u16 = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
            assert!(read.is_ok(), "{}: {what}: no answer in time", t.label);
            assert!((400..500).contains(&status), "{}: {what}: {}", t.label, &text[..text.len().min(300)]);
        }
        assert_eq!(server.get("/healthz").await.0, 200, "{}: still up", t.label);
    }
}

common::on_each_backend! {
    /// Past its limit of requests in flight the server answers at once with 503 and `Retry-After`
    /// rather than making everyone wait for a database connection; the health check still answers.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn overload_is_refused_quickly(t) {
        let server = TestServer::start_with(t.db.clone(), |c| {
            c.limits.max_in_flight = 2;
            c.limits.queue_timeout_ms = 50;
        })
        .await;
        let started = std::time::Instant::now();
        let tasks: Vec<_> = (0..120)
            .map(|i| {
                let client = server.client.clone();
                // Distinct searches, so no answer comes from a cache.
                let url = format!("{}/movies?q=storm{i}", server.base);
                tokio::spawn(async move {
                    let sent = std::time::Instant::now();
                    let res = client.get(url).send().await.expect("an answer");
                    let retry_after = res.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string());
                    let status = res.status().as_u16();
                    let _ = res.bytes().await;
                    (status, retry_after, sent.elapsed())
                })
            })
            .collect();
        let health = server.get("/healthz").await.0;
        let mut shed = 0;
        for task in tasks {
            let (status, retry_after, took) = task.await.unwrap();
            assert!(status == 200 || status == 503, "{}: {status}", t.label);
            if status == 503 {
                shed += 1;
                assert_eq!(retry_after.as_deref(), Some("1"), "{}", t.label);
                // Refused after the 50 ms queue limit, not after the 5 s database timeout.
                assert!(took < std::time::Duration::from_secs(2), "{}: a refusal took {took:?}", t.label);
            }
        }
        assert!(shed > 0, "{}: 120 requests at once against 2 places: some must be refused", t.label);
        assert_eq!(health, 200, "{}: the health check is not queued", t.label);
        println!("{}: {shed} of 120 refused in {:?}", t.label, started.elapsed());
    }
}
