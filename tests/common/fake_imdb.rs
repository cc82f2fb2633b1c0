//! A stand-in for the IMDb JSON API on loopback: real HTTP, the real response shapes, and the
//! failures the real one has (404, 429 with Retry-After, 500, answers slower than the client's
//! timeout, malformed JSON), switchable while a test runs.

use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    Normal,
    NotFound,
    /// 429 with `Retry-After: secs` for the next `times` calls, then normal.
    Throttle {
        retry_after: u64,
        times: u32,
    },
    ServerError,
    Slow(Duration),
    BadJson,
}

#[derive(Default)]
struct Inner {
    titles: HashMap<String, Value>,
    mode: Option<Mode>,
    calls: Vec<String>,
    /// When each call arrived.
    times: Vec<std::time::Instant>,
    /// Images by name: status, content type and body.
    images: HashMap<String, (StatusCode, String, Vec<u8>)>,
}

#[derive(Clone)]
pub struct FakeImdb {
    pub base: String,
    inner: Arc<Mutex<Inner>>,
}

/// A title in the API's shape (camelCase, runtime in seconds, plot a plain string).
pub fn title(id: &str, name: &str, year: i32) -> Value {
    json!({
        "id": id, "type": "movie", "primaryTitle": name, "originalTitle": name,
        "primaryImage": {"url": format!("https://m.media-amazon.com/images/M/{id}.jpg"), "width": 1000, "height": 1500},
        "startYear": year, "runtimeSeconds": 6300, "genres": ["Drama", "Romance"],
        "rating": {"aggregateRating": 7.8, "voteCount": 123456},
        "plot": format!("The plot of {name}."),
        "directors": [{"id": "nm0000001", "displayName": "A Director"}]
    })
}

impl FakeImdb {
    pub async fn start() -> FakeImdb {
        let inner = Arc::new(Mutex::new(Inner { mode: Some(Mode::Normal), ..Default::default() }));
        let app = Router::new()
            .route("/titles:batchGet", get(batch_get))
            .route("/search/titles", get(search))
            .route("/images/{name}", get(image))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        FakeImdb { base, inner }
    }

    pub fn add(&self, title: Value) {
        let id = title["id"].as_str().unwrap().to_string();
        self.inner.lock().unwrap().titles.insert(id, title);
    }

    /// Serves `body` at `/images/{name}` with this status and content type.
    pub fn add_image(&self, name: &str, status: u16, content_type: &str, body: Vec<u8>) -> String {
        let status = StatusCode::from_u16(status).unwrap();
        self.inner.lock().unwrap().images.insert(name.to_string(), (status, content_type.to_string(), body));
        format!("{}/images/{name}", self.base)
    }

    pub fn set_mode(&self, mode: Mode) {
        self.inner.lock().unwrap().mode = Some(mode);
    }

    /// The calls received so far (path and query).
    pub fn calls(&self) -> Vec<String> {
        self.inner.lock().unwrap().calls.clone()
    }

    /// When each call so far arrived.
    pub fn call_times(&self) -> Vec<std::time::Instant> {
        self.inner.lock().unwrap().times.clone()
    }

    pub fn clear_calls(&self) {
        self.inner.lock().unwrap().times.clear();
        self.inner.lock().unwrap().calls.clear();
    }
}

type Shared = Arc<Mutex<Inner>>;

/// Applies the failure mode; `None` means answer normally.
async fn failure(inner: &Shared, call: String) -> Option<Response> {
    let mode = {
        let mut inner = inner.lock().unwrap();
        inner.calls.push(call);
        inner.times.push(std::time::Instant::now());
        let mode = inner.mode.clone().unwrap_or(Mode::Normal);
        if let Mode::Throttle { retry_after, times } = mode {
            inner.mode = Some(if times <= 1 { Mode::Normal } else { Mode::Throttle { retry_after, times: times - 1 } });
        }
        mode
    };
    match mode {
        Mode::Normal => None,
        Mode::NotFound => Some(
            (StatusCode::NOT_FOUND, axum::Json(json!({"code": 5, "message": "title not found", "details": []})))
                .into_response(),
        ),
        Mode::Throttle { retry_after, .. } => {
            let mut res = (StatusCode::TOO_MANY_REQUESTS, "rate limited").into_response();
            res.headers_mut().insert("retry-after", HeaderValue::from_str(&retry_after.to_string()).unwrap());
            Some(res)
        }
        Mode::ServerError => Some((StatusCode::INTERNAL_SERVER_ERROR, "upstream exploded").into_response()),
        Mode::Slow(pause) => {
            tokio::time::sleep(pause).await;
            None
        }
        Mode::BadJson => Some(
            ([(axum::http::header::CONTENT_TYPE, "application/json")], "{\"titles\": [{\"id\": \"tt").into_response(),
        ),
    }
}

fn params(query: &Option<String>) -> Vec<(String, String)> {
    let url = reqwest::Url::parse(&format!("http://fake/?{}", query.as_deref().unwrap_or(""))).unwrap();
    url.query_pairs().into_owned().collect()
}

async fn batch_get(State(inner): State<Shared>, RawQuery(query): RawQuery) -> Response {
    if let Some(res) = failure(&inner, format!("batchGet?{}", query.clone().unwrap_or_default())).await {
        return res;
    }
    let ids: Vec<String> = params(&query).into_iter().filter(|(k, _)| k == "titleIds").map(|(_, v)| v).collect();
    if ids.len() > 5 {
        return (StatusCode::BAD_REQUEST, axum::Json(json!({"code": 3, "message": "at most 5 ids", "details": []})))
            .into_response();
    }
    let inner = inner.lock().unwrap();
    let titles: Vec<Value> = ids.iter().filter_map(|id| inner.titles.get(id).cloned()).collect();
    axum::Json(json!({ "titles": titles })).into_response()
}

async fn image(State(inner): State<Shared>, axum::extract::Path(name): axum::extract::Path<String>) -> Response {
    let found = {
        let mut inner = inner.lock().unwrap();
        inner.calls.push(format!("image {name}"));
        inner.times.push(std::time::Instant::now());
        inner.images.get(&name).cloned()
    };
    match found {
        Some((status, content_type, body)) => {
            (status, [(axum::http::header::CONTENT_TYPE, content_type)], body).into_response()
        }
        None => (StatusCode::NOT_FOUND, "no such image").into_response(),
    }
}

/// A JPEG of `width` × `height` in colours of its own.
pub fn jpeg(width: u32, height: u32, seed: u8) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x / 4) as u8 ^ seed, (y / 6) as u8, seed.wrapping_mul(37)])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

/// A PNG of `width` × `height`.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let image =
        image::RgbaImage::from_fn(width, height, |x, y| image::Rgba([(x % 200) as u8, (y % 100) as u8, 120, 255]));
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// A decompression bomb's shape: a PNG whose header promises `side` × `side` pixels (`side`² × 3
/// bytes decoded) behind a few KB of data.
pub fn png_bomb(side: u32) -> Vec<u8> {
    use std::io::Write;
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out.extend_from_slice(&crc.sum().to_be_bytes());
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = Vec::new();
    header.extend_from_slice(&side.to_be_bytes());
    header.extend_from_slice(&side.to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &header);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let row = vec![0u8; side as usize * 3 + 1];
    for _ in 0..side.min(64) {
        z.write_all(&row).unwrap();
    }
    chunk(&mut out, b"IDAT", &z.finish().unwrap());
    chunk(&mut out, b"IEND", &[]);
    out
}

async fn search(State(inner): State<Shared>, RawQuery(query): RawQuery) -> Response {
    if let Some(res) = failure(&inner, format!("search?{}", query.clone().unwrap_or_default())).await {
        return res;
    }
    let q = params(&query).into_iter().find(|(k, _)| k == "query").map(|(_, v)| v.to_lowercase()).unwrap_or_default();
    let inner = inner.lock().unwrap();
    let mut titles: Vec<Value> = inner
        .titles
        .values()
        .filter(|t| t["primaryTitle"].as_str().unwrap_or("").to_lowercase().contains(&q))
        .cloned()
        .collect();
    titles.sort_by_key(|t| t["id"].as_str().unwrap_or("").to_string());
    axum::Json(json!({ "titles": titles })).into_response()
}
