//! The API's movie nights: rounds, their results, and ballots.

use super::*;

pub(super) fn round_id(raw: &str) -> Result<i64, AppError> {
    raw.trim().parse().map_err(|_| {
        AppError::BadRequest(format!("{:?} is not a round number.", raw.chars().take(40).collect::<String>()))
    })
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RoundParams {
    /// Default 0.
    offset: Option<u32>,
    /// 1-100, default 20.
    limit: Option<u32>,
}

/// Voting rounds, newest first.
#[utoipa::path(get, path = "/api/v1/rounds", tag = "rounds", params(RoundParams),
    responses((status = 200, body = Slice<Round>), (status = 400, body = ApiError)))]
pub(super) async fn list_rounds(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<RoundParams>,
) -> Result<Json<Slice<Round>>, AppError> {
    Ok(Json(state.rounds.list(p.offset.unwrap_or(0), p.limit.unwrap_or(20)).await?))
}

/// One round: once closed, its tally with every count, the winner and the tie rule if it decided.
#[utoipa::path(get, path = "/api/v1/rounds/{id}", tag = "rounds",
    params(("id" = i64, Path, description = "Round number")),
    responses((status = 200, body = RoundResult), (status = 400, body = ApiError), (status = 404, body = ApiError)))]
pub(super) async fn get_round(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<RoundResult>, AppError> {
    Ok(Json(state.rounds.result(round_id(&id)?).await?))
}

/// Open a round (admins). Times are Unix seconds; one round is open at a time.
#[utoipa::path(post, path = "/api/v1/rounds", tag = "rounds", request_body = NewRound,
    responses((status = 200, body = Round), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 409, body = ApiError)))]
pub(super) async fn open_round(
    State(state): State<AppState>,
    AdminCaller(admin): AdminCaller,
    ClientAddr(ip): ClientAddr,
    ApiJson(body): ApiJson<NewRound>,
) -> Result<Json<Round>, AppError> {
    Ok(Json(state.rounds.open(&Actor::new(admin, ip), &body).await?))
}

/// Close a round before its deadline (admins): counted as at the deadline.
#[utoipa::path(post, path = "/api/v1/rounds/{id}/close", tag = "rounds",
    params(("id" = i64, Path, description = "Round number")),
    responses((status = 200, body = RoundResult), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub(super) async fn close_round(
    State(state): State<AppState>,
    AdminCaller(admin): AdminCaller,
    ClientAddr(ip): ClientAddr,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<RoundResult>, AppError> {
    Ok(Json(state.rounds.close_early(&Actor::new(admin, ip), round_id(&id)?).await?))
}

/// Cast or change a ballot (members) until the deadline: `{"approvals": [ids]}` in an approval round,
/// `{"ranking": [ids]}` (most wanted first) in a ranked one.
#[utoipa::path(put, path = "/api/v1/rounds/{id}/ballot", tag = "rounds", request_body = Ballot,
    params(("id" = i64, Path, description = "Round number")),
    responses((status = 200, body = Ballot), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub(super) async fn put_ballot(
    State(state): State<AppState>,
    caller: Caller,
    ClientAddr(ip): ClientAddr,
    ApiPath(id): ApiPath<String>,
    ApiJson(ballot): ApiJson<Ballot>,
) -> Result<Json<Ballot>, AppError> {
    let member = Actor::new(caller.member()?, ip);
    state.rounds.cast(&member, round_id(&id)?, &ballot).await?;
    Ok(Json(ballot))
}
