//! The versioned JSON API under `/api/v1`, described by an OpenAPI document generated from these
//! handlers (`/api/v1/openapi.json`, browsable at `/api/docs`). Same sessions as the site; changes
//! need a signed-in member and pass the cross-site check like every form.

use crate::error::AppError;
use crate::model::*;
use crate::server::services::catalogue::{MovieKey, Start};
use crate::server::services::Actor;
use crate::server::web::auth::{AdminCaller, Caller, ClientAddr};
use crate::server::web::state::AppState;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

mod extract;
pub use extract::*;

mod rounds;
pub use rounds::*;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MovieListParams {
    /// A genre the catalogue has (see `/api/v1/genres`).
    genre: Option<String>,
    /// First year of a decade: 1990 or 1990s.
    decade: Option<String>,
    /// Only films on a canonical list.
    on_list: Option<String>,
    /// popular (default), rating, year or title.
    sort: Option<String>,
    /// Words in the title; case and accents do not matter.
    q: Option<String>,
    /// From a previous page's `next_cursor`.
    cursor: Option<String>,
    /// 1-100, default 20.
    limit: Option<u32>,
}

/// List films: filtered, sorted, cursor-paged.
#[utoipa::path(get, path = "/api/v1/movies", tag = "movies", params(MovieListParams),
    responses((status = 200, body = MovieList), (status = 400, body = ApiError)))]
async fn list_movies(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<MovieListParams>,
) -> Result<Json<MovieList>, AppError> {
    let genres = state.catalogue.genres();
    let filter = crate::validate::movie_filter(
        p.genre.as_deref(),
        p.decade.as_deref(),
        p.on_list.as_deref(),
        p.sort.as_deref(),
        p.q.as_deref(),
        &genres,
    )?;
    let limit = crate::validate::limit(p.limit.unwrap_or(20), state.config.pages.max_page_size)?;
    let start = match p.cursor.as_deref().filter(|c| !c.is_empty()) {
        None => Start::Offset(0),
        Some(token) => {
            let cursor = MovieCursor::decode(token)
                .ok_or_else(|| AppError::BadRequest("The cursor is not one this API gave out.".into()))?;
            if cursor.sort != filter.sort {
                return Err(AppError::BadRequest("The cursor belongs to another sort order.".into()));
            }
            Start::After(cursor)
        }
    };
    Ok(Json(state.catalogue.list_page(&filter, start, limit).await?))
}

/// The genres the catalogue has.
#[utoipa::path(get, path = "/api/v1/genres", tag = "movies", responses((status = 200, body = Vec<String>)))]
async fn genres(State(state): State<AppState>) -> Json<Vec<String>> {
    Json(state.catalogue.genres())
}

/// Everything about one film (by catalogue id or IMDb id).
#[utoipa::path(get, path = "/api/v1/movies/{id}", tag = "movies",
    params(("id" = String, Path, description = "Catalogue id (123) or IMDb id (tt0111161)")),
    responses((status = 200, body = MovieDetail), (status = 400, body = ApiError), (status = 404, body = ApiError)))]
async fn movie_detail(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<MovieDetail>, AppError> {
    let key = MovieKey::parse(&id)?;
    Ok(Json(state.catalogue.detail(&key).await?.as_ref().clone()))
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct RatingBody {
    /// 0.5 to 5, in half stars.
    stars: f64,
}

/// The caller's rating of a film.
#[derive(Serialize, ToSchema)]
pub struct MyRating {
    movie_id: i64,
    /// 0.5-5, or null when not rated.
    stars: Option<f64>,
}

async fn movie_id_of(state: &AppState, id: &str) -> Result<i64, AppError> {
    match MovieKey::parse(id)? {
        MovieKey::Id(id) => Ok(id),
        key => Ok(state.catalogue.movie_id(&key).await?.ok_or_else(|| AppError::NotFound("That film".into()))?),
    }
}

/// Rate a film (or change the rating).
#[utoipa::path(put, path = "/api/v1/movies/{id}/rating", tag = "ratings", request_body = RatingBody,
    params(("id" = String, Path, description = "Catalogue id or IMDb id")),
    responses((status = 200, body = MyRating), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 404, body = ApiError), (status = 413, body = ApiError)))]
async fn put_rating(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<RatingBody>,
) -> Result<Json<MyRating>, AppError> {
    let viewer = caller.member()?;
    let movie_id = movie_id_of(&state, &id).await?;
    let half = crate::validate::half_stars(body.stars)?;
    state.catalogue.rate(viewer.id, movie_id, Some(half)).await?;
    Ok(Json(MyRating { movie_id, stars: Some(half as f64 / 2.0) }))
}

/// Remove the caller's rating of a film.
#[utoipa::path(delete, path = "/api/v1/movies/{id}/rating", tag = "ratings",
    params(("id" = String, Path, description = "Catalogue id or IMDb id")),
    responses((status = 200, body = MyRating), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
async fn delete_rating(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<MyRating>, AppError> {
    let viewer = caller.member()?;
    let movie_id = movie_id_of(&state, &id).await?;
    state.catalogue.rate(viewer.id, movie_id, None).await?;
    Ok(Json(MyRating { movie_id, stars: None }))
}

/// The caller's ratings, newest first.
#[utoipa::path(get, path = "/api/v1/ratings", tag = "ratings",
    responses((status = 200, body = Vec<MyRating>), (status = 401, body = ApiError)))]
async fn my_ratings(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<MyRating>>, AppError> {
    let viewer = caller.member()?;
    let rows = state.catalogue.ratings_of(viewer.id).await?;
    Ok(Json(rows.into_iter().map(|(movie_id, half)| MyRating { movie_id, stars: Some(half as f64 / 2.0) }).collect()))
}

/// Films recommended to the caller, each with a one-line reason.
#[utoipa::path(get, path = "/api/v1/recommendations", tag = "ratings",
    responses((status = 200, body = Vec<RecommendedFilm>), (status = 401, body = ApiError)))]
async fn recommendations(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<RecommendedFilm>>, AppError> {
    let viewer = caller.member()?;
    Ok(Json(state.catalogue.recommendations(viewer.id).await?.as_ref().clone()))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PredictionParams {
    /// A weight profile's slug (balanced, award-winner, ...); default: the default profile.
    profile: Option<String>,
    /// Custom weights as five percentages summing to 100: "20,20,20,20,20".
    w: Option<String>,
    /// Candidates (default) or OnList.
    set: Option<CandidateSet>,
    /// Default 0.
    offset: Option<u32>,
    /// 1-100, default 25.
    limit: Option<u32>,
}

/// A page of the ranking with every row a plain object.
#[derive(Serialize, ToSchema)]
#[schema(as = PredictionPage)]
pub struct PredictionList {
    active: ActiveWeights,
    profiles: Vec<ProfileInfo>,
    rows: Vec<PredictionRow>,
    offset: u32,
    total: u32,
}

impl From<PredictionPage> for PredictionList {
    fn from(PredictionPage { active, profiles, rows, offset, total }: PredictionPage) -> Self {
        PredictionList { active, profiles, rows, offset, total }
    }
}

/// Ranked canon predictions under a profile or custom weights.
#[utoipa::path(get, path = "/api/v1/predictions", tag = "predictions", params(PredictionParams),
    responses((status = 200, body = PredictionList), (status = 400, body = ApiError)))]
async fn predictions(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<PredictionParams>,
) -> Result<Json<PredictionList>, AppError> {
    let q = PredictionQuery { profile: p.profile, w: p.w };
    let predictions = state.predictions.clone();
    let page = tokio::task::spawn_blocking(move || {
        predictions.page(&q, p.set.unwrap_or(CandidateSet::Candidates), p.offset.unwrap_or(0), p.limit.unwrap_or(25))
    })
    .await
    .map_err(|e| crate::server::observe::internal("ranking task stopped", e))??;
    Ok(Json(page.into()))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProposalParams {
    /// Default 0.
    offset: Option<u32>,
    /// 1-100, default 20.
    limit: Option<u32>,
}

/// Active proposals, most votes first, with their voters.
#[utoipa::path(get, path = "/api/v1/proposals", tag = "club", params(ProposalParams),
    responses((status = 200, body = Slice<ProposalCard>), (status = 400, body = ApiError)))]
async fn list_proposals(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(p): ApiQuery<ProposalParams>,
) -> Result<Json<Slice<ProposalCard>>, AppError> {
    Ok(Json(state.club.proposals(caller.0.as_ref(), p.offset.unwrap_or(0), p.limit.unwrap_or(20)).await?))
}

/// Who voted for one proposal.
#[utoipa::path(get, path = "/api/v1/proposals/{id}/votes", tag = "club",
    params(("id" = i64, Path, description = "Proposal id")),
    responses((status = 200, body = VoteState), (status = 400, body = ApiError), (status = 404, body = ApiError)))]
async fn proposal_votes(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<VoteState>, AppError> {
    let id: i64 = id.trim().parse().map_err(|_| {
        AppError::BadRequest(format!("{:?} is not a proposal number.", id.chars().take(40).collect::<String>()))
    })?;
    Ok(Json(state.club.votes(id, caller.0.as_ref()).await?))
}

/// The site's counts.
#[utoipa::path(get, path = "/api/v1/stats", tag = "club", responses((status = 200, body = SiteStats)))]
async fn stats(State(state): State<AppState>) -> Result<Json<SiteStats>, AppError> {
    Ok(Json(state.catalogue.stats().await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// csv or json.
    format: String,
    /// Check every row and report, without writing anything.
    dry_run: Option<bool>,
}

/// Import films with metrics (admins): the body is the CSV or JSON file.
#[utoipa::path(post, path = "/api/v1/import", tag = "admin", params(ImportParams),
    request_body(content = String, description = "The file's contents", content_type = "text/csv"),
    responses((status = 200, body = ImportReport), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 413, body = ApiError)))]
async fn import(
    State(state): State<AppState>,
    // Checked before the body (up to 64 MiB) is read.
    _admin: crate::server::web::auth::AdminCaller,
    ApiQuery(p): ApiQuery<ImportParams>,
    ApiBytes(body): ApiBytes,
) -> Result<Json<ImportReport>, AppError> {
    let format = crate::server::services::import::Format::parse(&p.format)?;
    let dry_run = p.dry_run.unwrap_or(false);
    Ok(Json(state.imports.upload(format, &body, dry_run).await?))
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Marquee API", version = "1", description = "Films, canon predictions, the club's proposals and votes, ratings and recommendations. Errors are `{code, message}` with the HTTP status. A script or bot sends `Authorization: Bearer mq_…` with a personal token made on the account page; each endpoint names the token scope it needs (`read`, `vote` or `admin`). In a browser, the site's session cookie works too, and changes sent from another site are refused."),
    modifiers(&Security),
    paths(list_movies, genres, movie_detail, put_rating, delete_rating, my_ratings, recommendations, predictions,
          list_proposals, proposal_votes, stats, import, list_rounds, get_round, open_round, close_round, put_ballot),
    components(schemas(ApiError, MovieList, MovieCard, MovieDetail, MovieInfo, CreditRow, MetricRow, AwardRow, ListRow,
                       ClubRecord, RatingBody, MyRating, RecommendedFilm, PredictionList, PredictionRow, ActiveWeights,
                       ProfileInfo, CandidateSet, Slice<ProposalCard>, ProposalCard, VoteState, SiteStats, ImportReport,
                       ImportProblem, Round, Slice<Round>, RoundResult, RoundEntry, NewRound, Ballot)),
    tags((name = "movies"), (name = "ratings"), (name = "predictions"), (name = "club"), (name = "rounds"), (name = "admin"))
)]
pub struct ApiDoc;

/// Declares the two ways in (a personal token, the site's session) and, on every operation, the
/// token scope it needs: the same table the server enforces (`tokens::needed_scope`).
struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use axum::http::Method;
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
        };
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A personal API token (mq_…) made on the account page, with its scope."))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::server::web::auth::COOKIE))),
        );
        for (path, item) in doc.paths.paths.iter_mut() {
            // A concrete path for the table: `{id}` stands for any id.
            let concrete = path.replace("{id}", "1");
            for (method, operation) in [
                (Method::GET, &mut item.get),
                (Method::PUT, &mut item.put),
                (Method::POST, &mut item.post),
                (Method::DELETE, &mut item.delete),
            ] {
                if let Some(operation) = operation {
                    let scope = crate::server::services::tokens::needed_scope(&method, &concrete);
                    operation.security = Some(vec![
                        SecurityRequirement::new("token", [scope.slug()]),
                        SecurityRequirement::new("session", Vec::<String>::new()),
                    ]);
                }
            }
        }
    }
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

async fn not_found() -> AppError {
    AppError::NotFound("That API endpoint".into())
}

/// Bodies larger than this are refused (413), except imports.
const MAX_BODY: usize = 16 * 1024;
const MAX_IMPORT: usize = 64 * 1024 * 1024;

pub fn routes(state: AppState) -> Router<AppState> {
    use axum::extract::DefaultBodyLimit;
    use axum::routing::{post, put};
    Router::new()
        .route("/api/v1/movies", get(list_movies))
        .route("/api/v1/genres", get(genres))
        .route("/api/v1/movies/{id}", get(movie_detail))
        .route("/api/v1/movies/{id}/rating", put(put_rating).delete(delete_rating))
        .route("/api/v1/ratings", get(my_ratings))
        .route("/api/v1/recommendations", get(recommendations))
        .route("/api/v1/predictions", get(predictions))
        .route("/api/v1/proposals", get(list_proposals))
        .route("/api/v1/proposals/{id}/votes", get(proposal_votes))
        .route("/api/v1/stats", get(stats))
        .route("/api/v1/rounds", get(list_rounds).post(open_round))
        .route("/api/v1/rounds/{id}", get(get_round))
        .route("/api/v1/rounds/{id}/close", post(close_round))
        .route("/api/v1/rounds/{id}/ballot", put(put_ballot))
        .route("/api/v1/openapi.json", get(openapi))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .route("/api/v1/import", post(import).layer(DefaultBodyLimit::max(MAX_IMPORT)))
        .route("/api/v1", get(not_found))
        .route("/api/v1/{*rest}", get(not_found).post(not_found).put(not_found).delete(not_found))
        .layer(axum::middleware::from_fn_with_state(state, crate::server::web::auth::api_tokens))
}
