//! Plain data shared by the server and the browser.

use serde::{Deserialize, Serialize};

/// A film as it appears on a poster card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow, utoipa::ToSchema))]
pub struct MovieCard {
    pub id: i64,
    pub imdb_id: String,
    pub title: String,
    pub year: Option<i32>,
    pub genres: String,
    pub poster_url: Option<String>,
    pub rating: Option<f64>,
    pub director: Option<String>,
}

/// How the catalogue is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum MovieSort {
    #[default]
    Popular,
    Rating,
    Year,
    Title,
}

impl MovieSort {
    pub const ALL: [MovieSort; 4] = [MovieSort::Popular, MovieSort::Rating, MovieSort::Year, MovieSort::Title];

    pub fn slug(self) -> &'static str {
        match self {
            MovieSort::Popular => "popular",
            MovieSort::Rating => "rating",
            MovieSort::Year => "year",
            MovieSort::Title => "title",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MovieSort::Popular => "Most rated",
            MovieSort::Rating => "Highest rated",
            MovieSort::Year => "Newest",
            MovieSort::Title => "Title A-Z",
        }
    }
}

/// A checked catalogue filter (see `validate::movie_filter`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub struct MovieFilter {
    pub genre: Option<String>,
    /// First year of the decade (1990 = the 1990s).
    pub decade: Option<i32>,
    pub on_list: bool,
    pub search: Option<String>,
    pub sort: MovieSort,
}

impl MovieFilter {
    /// The query string that reproduces this filter (for links; page numbers are added by callers).
    pub fn query_string(&self) -> String {
        let mut parts = Vec::new();
        if let Some(g) = &self.genre {
            parts.push(format!("genre={}", encode_component(g)));
        }
        if let Some(d) = self.decade {
            parts.push(format!("decade={d}"));
        }
        if self.on_list {
            parts.push("on_list=true".to_string());
        }
        if let Some(q) = &self.search {
            parts.push(format!("q={}", encode_component(q)));
        }
        if self.sort != MovieSort::Popular {
            parts.push(format!("sort={}", self.sort.slug()));
        }
        parts.join("&")
    }
}

/// Percent-encodes a query-string value (everything but unreserved characters).
pub fn encode_component(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Where a cursor-paged list resumes: after the row with this sort key and id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MovieCursor {
    pub sort: MovieSort,
    /// Written as text: a JSON number would not always read back as the very same float, and the
    /// next page must start exactly after this row.
    #[serde(with = "exact_f64")]
    pub num: f64,
    pub text: String,
    pub id: i64,
}

mod exact_f64 {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &f64, s: S) -> Result<S::Ok, S::Error> {
        // Rust writes the shortest text that parses back to the same float.
        s.serialize_str(&value.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Num {
            Text(String),
            Number(f64),
        }
        match Num::deserialize(d)? {
            Num::Number(n) => Ok(n),
            Num::Text(t) => {
                t.parse::<f64>().ok().filter(|n| n.is_finite()).ok_or_else(|| serde::de::Error::custom("not a number"))
            }
        }
    }
}

impl MovieCursor {
    /// An opaque, URL-safe token.
    pub fn encode(&self) -> String {
        let json = serde_json::to_string(self).unwrap_or_default();
        json.bytes().map(|b| format!("{b:02x}")).collect()
    }

    pub fn decode(token: &str) -> Option<MovieCursor> {
        if !token.len().is_multiple_of(2) || token.len() > 2_000 {
            return None;
        }
        let bytes: Option<Vec<u8>> =
            (0..token.len()).step_by(2).map(|i| u8::from_str_radix(token.get(i..i + 2)?, 16).ok()).collect();
        serde_json::from_slice(&bytes?).ok()
    }
}

/// A page of films in a cursor-paged list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MovieList {
    pub items: Vec<MovieCard>,
    pub total: i64,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// A film's own facts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow, utoipa::ToSchema))]
pub struct MovieInfo {
    pub id: i64,
    pub imdb_id: String,
    pub title: String,
    pub original_title: Option<String>,
    pub year: Option<i32>,
    pub runtime_minutes: Option<i32>,
    pub genres: String,
    pub plot: Option<String>,
    pub poster_url: Option<String>,
    /// IMDb average (0-10).
    pub rating: Option<f64>,
    /// How many people rated it on IMDb.
    pub popularity: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow, utoipa::ToSchema))]
pub struct CreditRow {
    pub name: String,
    pub role: String,
    pub job: Option<String>,
}

/// One figure from one source (imdb rating, metacritic metascore, ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow, utoipa::ToSchema))]
pub struct MetricRow {
    pub source: String,
    pub metric: String,
    pub value: f64,
}

/// A festival or award nomination (or win).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow, utoipa::ToSchema))]
pub struct AwardRow {
    pub festival: String,
    pub year: i32,
    pub category: String,
    pub won: bool,
}

/// A canonical list the film is on, with the edition that added it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow, utoipa::ToSchema))]
pub struct ListRow {
    pub name: String,
    pub edition: Option<i32>,
    pub is_target: bool,
}

/// What the club has done with the film.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow, utoipa::ToSchema))]
pub struct ClubRecord {
    pub active_proposals: i64,
    pub votes: i64,
    pub watched_at: Option<i64>,
    /// Average of members' 1-5 stars after watching it together.
    pub watch_stars: Option<f64>,
    /// Average of members' catalogue ratings (0.5-5 stars).
    pub member_stars: Option<f64>,
    pub member_ratings: i64,
}

/// Everything `/movies/:id` shows that is the same for every reader.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MovieDetail {
    pub movie: MovieInfo,
    pub credits: Vec<CreditRow>,
    pub metrics: Vec<MetricRow>,
    pub awards: Vec<AwardRow>,
    pub lists: Vec<ListRow>,
    pub club: ClubRecord,
    pub similar: Vec<MovieCard>,
}

/// The film page: the shared detail, the prediction breakdown, and the reader's own rating.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MoviePage {
    pub detail: MovieDetail,
    pub breakdown: Option<Breakdown>,
    pub viewer: Option<Viewer>,
    /// The reader's rating in half stars (1-10).
    pub my_rating: Option<i32>,
}

/// A film recommended to a member, with the reason in one line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RecommendedFilm {
    pub movie: MovieCard,
    pub reason: String,
    pub score: f32,
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ImportReport {
    pub dry_run: bool,
    pub created: usize,
    pub updated: usize,
    /// Rows left out; each (up to 1,000) is listed in `problems` with its line.
    pub skipped: usize,
    /// Films whose IMDb rating and votes came from a ratings file.
    pub ratings_updated: usize,
    pub batches: usize,
    pub problems: Vec<ImportProblem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ImportProblem {
    /// Line in the file (for JSON: the film's position in the array, from 1).
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for ImportReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}{} created, {} updated, {} skipped{}",
            if self.dry_run { "dry run (nothing written): " } else { "" },
            self.created,
            self.updated,
            self.skipped,
            if self.ratings_updated > 0 {
                format!(", {} ratings updated", self.ratings_updated)
            } else {
                String::new()
            }
        )
    }
}

/// The numbers the home page and the dashboard show; one aggregate query fills it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow, utoipa::ToSchema))]
pub struct SiteStats {
    pub movies: i64,
    pub candidates: i64,
    pub members: i64,
    pub active_proposals: i64,
    pub votes: i64,
    pub ratings: i64,
    pub list_entries: i64,
    pub nominations: i64,
    /// Proposals whose IMDb details are missing or older than the freshness setting.
    pub stale_imdb: i64,
    /// Proposals whose last IMDb fetch failed.
    pub failed_imdb: i64,
}

/// An active proposal on the vote page, with its cached IMDb metadata (any of which may be missing
/// until the refresher has fetched it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow, utoipa::ToSchema))]
pub struct ProposalCard {
    pub id: i64,
    pub imdb_id: String,
    pub status: String,
    pub title: Option<String>,
    pub year: Option<i32>,
    pub runtime_minutes: Option<i32>,
    pub genres: Option<String>,
    pub plot: Option<String>,
    pub poster_url: Option<String>,
    pub imdb_rating: Option<f64>,
    pub imdb_votes: Option<i64>,
    pub proposer_id: i64,
    pub proposer: String,
    pub votes: i64,
    pub created_at: i64,
    /// The first voters, in vote order: at most `VOTERS_SHOWN` (`votes` is how many there are).
    #[cfg_attr(feature = "ssr", sqlx(skip))]
    pub voters: Vec<String>,
    /// Whether the member looking at the page has voted for it.
    #[cfg_attr(feature = "ssr", sqlx(skip))]
    pub voted: bool,
}

impl ProposalCard {
    /// A card that knows only its id (to be filled in).
    pub fn placeholder(id: i64) -> Self {
        ProposalCard {
            id,
            imdb_id: String::new(),
            status: "active".into(),
            title: None,
            year: None,
            runtime_minutes: None,
            genres: None,
            plot: None,
            poster_url: None,
            imdb_rating: None,
            imdb_votes: None,
            proposer_id: 0,
            proposer: String::new(),
            votes: 0,
            created_at: 0,
            voters: Vec::new(),
            voted: false,
        }
    }

    pub fn display_title(&self) -> String {
        self.title.clone().unwrap_or_else(|| self.imdb_id.clone())
    }

    /// True once the refresher (or the catalogue) has filled in the film's details.
    pub fn has_metadata(&self) -> bool {
        self.title.is_some()
    }
}

/// The signed-in member, as pages and server functions see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow, utoipa::ToSchema))]
pub struct Viewer {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub is_admin: bool,
}

/// How many voters a card names; "and N more" stands for the rest, so a card costs the same
/// however many votes it has.
pub const VOTERS_SHOWN: usize = 5;

/// "Voters: Ada, Ben and 3 more" for a card that names `shown` of its `votes` voters.
pub fn voters_line(shown: &[String], votes: i64) -> String {
    if shown.is_empty() {
        return "No votes yet".to_string();
    }
    let rest = votes - shown.len() as i64;
    if rest > 0 {
        format!("Voters: {} and {rest} more", shown.join(", "))
    } else {
        format!("Voters: {}", shown.join(", "))
    }
}

/// A proposal's votes after a vote or unvote (`voters`: the first few, or all where an endpoint says so).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct VoteState {
    pub proposal_id: i64,
    pub voted: bool,
    pub votes: i64,
    pub voters: Vec<String>,
}

/// The first screen of `/vote`: who is looking and the most-voted proposals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VoteBoard {
    pub viewer: Option<Viewer>,
    #[serde(with = "crate::packed")]
    pub proposals: Vec<ProposalCard>,
    pub total: i64,
    /// How many of `proposals` belong in the page's first flush.
    pub first_flush: u32,
}

/// "n of N used".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Quota {
    pub used: i64,
    pub limit: i64,
}

/// One line of the club's recent activity (from the audit log, public actions only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ActivityItem {
    pub at: i64,
    pub actor: Option<String>,
    pub action: String,
    pub title: Option<String>,
    /// The server's clock when this was read, for "3 h ago".
    #[cfg_attr(feature = "ssr", sqlx(default))]
    pub now: i64,
}

/// A watched film with the club's star ratings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WatchedFilm {
    pub proposal: ProposalCard,
    pub watched_at: i64,
    pub ratings: Vec<(String, i32)>,
    pub my_stars: Option<i32>,
}

impl WatchedFilm {
    pub fn average(&self) -> Option<f64> {
        (!self.ratings.is_empty())
            .then(|| self.ratings.iter().map(|(_, s)| *s as f64).sum::<f64>() / self.ratings.len() as f64)
    }
}

/// The actions the audit log records, with the words the admin sees.
pub const AUDIT_ACTIONS: &[(&str, &str)] = &[
    ("account.register", "registered"),
    ("account.sign_in", "signed in"),
    ("account.sign_in_failed", "failed to sign in"),
    ("account.password", "changed their password"),
    ("proposal.create", "proposed"),
    ("proposal.withdraw", "withdrew"),
    ("proposal.watched", "marked watched"),
    ("vote.cast", "voted for"),
    ("vote.remove", "took back a vote for"),
    ("watched.rate", "rated"),
    ("admin.set_limit", "changed a proposal limit"),
    ("admin.invite", "created an invitation"),
];

/// One audit log entry for the admin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor: Option<String>,
    pub action: String,
    pub subject_type: Option<String>,
    pub subject_id: Option<String>,
    pub details: Option<String>,
    pub ip: Option<String>,
}

/// A member on the admin's members page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct MemberRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub is_admin: bool,
    pub proposal_limit: Option<i32>,
    pub active_proposals: i64,
    pub created_at: i64,
}

/// A title found by the IMDb search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    pub imdb_id: String,
    pub title: String,
    pub year: Option<i32>,
    pub kind: Option<String>,
    pub poster_url: Option<String>,
    pub imdb_rating: Option<f64>,
}

/// A run of a longer list: `items` from position `offset`, asked for `limit` at a time, out of
/// `total`. The one shape of every paged list: scroll loaders continue at `next_offset`, numbered
/// pagers show `page` (pages of `limit`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Slice<T> {
    pub items: Vec<T>,
    pub offset: u32,
    pub limit: u32,
    pub total: i64,
}

impl<T> Slice<T> {
    /// Where the next run starts, if anything follows.
    pub fn next_offset(&self) -> Option<u32> {
        next_offset(self.offset, self.items.len(), self.total)
    }

    pub fn has_more(&self) -> bool {
        self.next_offset().is_some()
    }

    /// Which page (from 1) this is, in pages of `limit`.
    pub fn page(&self) -> u32 {
        self.offset / self.limit.max(1) + 1
    }
}

/// Where a list continues after `shown` items from `offset`, if anything follows.
pub fn next_offset(offset: u32, shown: usize, total: i64) -> Option<u32> {
    let end = offset as i64 + shown as i64;
    (shown > 0 && end < total).then_some(end as u32)
}

/// The home page: headline numbers and a shelf of recent films.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HomeData {
    pub stats: SiteStats,
    pub recent: Vec<MovieCard>,
}

/// Which films a prediction list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum CandidateSet {
    /// 2020s films not yet on the list.
    Candidates,
    /// 2020s films already on the list.
    OnList,
}

/// What the predictions page was asked for, straight from its URL.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PredictionQuery {
    /// A named profile's slug; ignored when `w` is given.
    pub profile: Option<String>,
    /// Custom weights as five whole percentages: `20,20,20,20,20`.
    pub w: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProfileInfo {
    pub slug: String,
    pub name: String,
    /// Normalised weights as whole percentages (sum 100), in dimension order.
    pub percentages: [u32; 5],
    pub is_default: bool,
}

/// The weights in force for a request: a named profile or custom.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ActiveWeights {
    pub profile: Option<ProfileInfo>,
    pub percentages: [u32; 5],
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PredictionRow {
    pub rank: u32,
    pub imdb_id: String,
    pub title: String,
    pub year: Option<i32>,
    pub director: Option<String>,
    pub poster_url: Option<String>,
    pub score: f64,
    pub likelihood: f64,
    /// The edition that added the film to the list, if it is on it.
    pub edition: Option<i32>,
    pub top_dimension: String,
    pub completeness: f64,
}

/// A page of the ranking as the site's pages receive it (rows packed; the JSON API sends objects).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredictionPage {
    pub active: ActiveWeights,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<ProfileInfo>,
    #[serde(with = "crate::packed")]
    pub rows: Vec<PredictionRow>,
    pub offset: u32,
    pub total: u32,
}

impl PredictionPage {
    pub fn next_offset(&self) -> Option<u32> {
        next_offset(self.offset, self.rows.len(), self.total as i64)
    }

    /// The rows as a run of the ranking, asked for `limit` at a time.
    pub fn into_slice(self, limit: u32) -> Slice<PredictionRow> {
        Slice { items: self.rows, offset: self.offset, limit, total: self.total as i64 }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredictionStats {
    pub films_scored: u32,
    pub candidates: u32,
    pub on_list: u32,
    pub mean_completeness: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CacheFigures {
    pub name: String,
    pub hits: u64,
    pub misses: u64,
    pub compute_ms: f64,
}

/// A film named in the backtest's examples; sent as `[imdb_id, title, year]` (thirty of them per
/// backtest, so field names would be a third of its bytes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "(String, String, Option<i32>)", into = "(String, String, Option<i32>)")]
pub struct FilmRef {
    pub imdb_id: String,
    pub title: String,
    pub year: Option<i32>,
}

impl From<(String, String, Option<i32>)> for FilmRef {
    fn from((imdb_id, title, year): (String, String, Option<i32>)) -> Self {
        FilmRef { imdb_id, title, year }
    }
}

impl From<FilmRef> for (String, String, Option<i32>) {
    fn from(f: FilmRef) -> Self {
        (f.imdb_id, f.title, f.year)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecadeView {
    pub decade: i32,
    pub on_list: u32,
    pub hits: u32,
    pub films: u32,
    pub accuracy: f64,
    pub hits_examples: Vec<FilmRef>,
    pub misses: Vec<FilmRef>,
    pub false_positives: Vec<FilmRef>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BacktestView {
    pub active: ActiveWeights,
    pub decades: Vec<DecadeView>,
    pub micro: f64,
    pub macro_avg: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileScore {
    pub profile: ProfileInfo,
    /// Accuracy per decade, in the order of `ComparisonView::decades`.
    pub accuracies: Vec<f64>,
    pub micro: f64,
    pub macro_avg: f64,
    pub std_dev: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparisonView {
    pub decades: Vec<i32>,
    pub profiles: Vec<ProfileScore>,
    /// Slug of the best profile by macro average.
    pub best_overall: String,
    /// Slug of the profile with the lowest standard deviation across decades.
    pub most_consistent: String,
    /// Per decade, the slug of the best profile (ties: the earlier profile).
    pub best_per_decade: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DimensionBreakdown {
    pub label: String,
    pub key: String,
    /// 0..1, or `None` when the film has no source for it.
    pub score: Option<f64>,
    pub weight_pct: f64,
    pub points: f64,
    /// The raw inputs behind the score, as label/value pairs ("—" when missing).
    pub inputs: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Breakdown {
    pub film: FilmRef,
    pub director: Option<String>,
    pub rank: Option<u32>,
    pub score: f64,
    pub likelihood: f64,
    pub edition: Option<i32>,
    pub completeness: f64,
    pub dimensions: Vec<DimensionBreakdown>,
    pub active: ActiveWeights,
}

/// Request, cache and background-job figures since the server started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperationsView {
    pub routes: Vec<RouteRow>,
    pub caches: Vec<CacheFigures>,
    pub jobs: Vec<JobRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteRow {
    pub route: String,
    pub requests: u64,
    pub errors: u64,
    pub mean_ms: f64,
    pub max_ms: f64,
    pub mean_queries: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobRow {
    pub job: String,
    pub runs: u64,
    pub failures: u64,
    pub last_duration_ms: f64,
    /// Unix seconds.
    pub last_run: i64,
    pub last_success: Option<i64>,
    pub last_error: Option<String>,
}

/// A Unix time as an ISO date (UTC), the same on the server and in the browser.
pub fn format_date(unix: i64) -> String {
    // Civil-from-days (H. Hinnant's algorithm).
    let z = unix.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_from_unix_times() {
        assert_eq!(format_date(0), "1970-01-01");
        assert_eq!(format_date(951_782_400), "2000-02-29");
        assert_eq!(format_date(1_795_000_000), "2026-11-18");
        assert_eq!(format_date(-86_400), "1969-12-31");
    }

    #[test]
    fn slices_know_what_follows() {
        let s = Slice { items: vec![1, 2], offset: 20, limit: 2, total: 23 };
        assert_eq!(s.next_offset(), Some(22));
        let s = Slice { items: vec![1], offset: 22, limit: 2, total: 23 };
        assert_eq!(s.next_offset(), None);
        let s: Slice<i32> = Slice { items: vec![], offset: 40, limit: 2, total: 23 };
        assert_eq!(s.next_offset(), None);
    }
}
