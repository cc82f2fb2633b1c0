//! Posters served by Marquee itself: each source image is downloaded once in the background,
//! checked by its bytes, resized to the widths the pages use, encoded as WebP and stored under a
//! content-derived name, so browsers cache it for good and never ask a third party for it.

use crate::server::cache::{AsyncCache, Expiry};
use crate::server::config::PostersConfig;
use crate::server::db::{self, now, Db};
use axum::body::Bytes;
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use crate::model::poster::{file_name, parse_file_name, WIDTHS};

mod picture;
pub use picture::*;

/// Where the images are kept.
#[derive(Debug, Clone)]
pub enum PosterStore {
    /// Files in a directory: beside the SQLite file by default.
    Directory(PathBuf),
    /// Rows of the database: what every server of a PostgreSQL deployment sees without a shared disk.
    Database(Db),
}

impl PosterStore {
    /// `posters.dir` if set; otherwise a `posters` directory beside the SQLite file, or the
    /// database itself (PostgreSQL, or SQLite in memory).
    pub fn from_config(config: &PostersConfig, db: &Db) -> PosterStore {
        if !config.dir.trim().is_empty() {
            return PosterStore::Directory(PathBuf::from(config.dir.trim()));
        }
        match db {
            Db::Sqlite(pool) => {
                let options = pool.connect_options();
                let file = options.get_filename();
                let name = file.to_string_lossy();
                if name.is_empty() || name.contains(":memory:") || name.contains("sqlx-in-memory") {
                    PosterStore::Database(db.clone())
                } else {
                    PosterStore::Directory(file.parent().map(|p| p.join("posters")).unwrap_or_else(|| "posters".into()))
                }
            }
            Db::Postgres(_) => PosterStore::Database(db.clone()),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            PosterStore::Directory(dir) => format!("directory {}", dir.display()),
            PosterStore::Database(_) => "the database".into(),
        }
    }

    async fn put(&self, name: &str, bytes: &[u8]) -> std::io::Result<()> {
        match self {
            PosterStore::Directory(dir) => {
                tokio::fs::create_dir_all(dir).await?;
                let target = dir.join(name);
                if tokio::fs::try_exists(&target).await.unwrap_or(false) {
                    return Ok(());
                }
                // Written whole, then renamed: a reader never sees half a file.
                let partial = dir.join(format!(".{name}.{}", fastrand::u64(..)));
                tokio::fs::write(&partial, bytes).await?;
                tokio::fs::rename(&partial, &target).await
            }
            PosterStore::Database(db) => {
                db::posters::put_file(db, name, bytes, now()).await.map_err(std::io::Error::other)
            }
        }
    }

    async fn get(&self, name: &str) -> std::io::Result<Option<Vec<u8>>> {
        match self {
            PosterStore::Directory(dir) => match tokio::fs::read(dir.join(name)).await {
                Ok(bytes) => Ok(Some(bytes)),
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(err) => Err(err),
            },
            PosterStore::Database(db) => db::posters::file(db, name).await.map_err(std::io::Error::other),
        }
    }
}

/// What one pass of the background job did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PosterReport {
    pub due: usize,
    pub stored: usize,
    pub failed: usize,
    pub downloaded_bytes: u64,
    pub stored_bytes: u64,
}

/// Downloads, makes and serves posters.
pub struct Posters {
    /// Which posters are stored, failed or due (whichever server fetched them).
    db: Db,
    store: PosterStore,
    http: reqwest::Client,
    hosts: Vec<String>,
    /// The IMDb API's own origin: trusted like the listed hosts (the operator chose it).
    api_origin: Option<String>,
    max_bytes: u64,
    served: AsyncCache<String, Bytes>,
    wake: tokio::sync::Notify,
}

impl Posters {
    /// Posters stored and failed, as the database has them (whichever server fetched them).
    pub async fn counts(&self) -> Result<db::posters::PosterCounts, sqlx::Error> {
        db::posters::counts(&self.db).await
    }

    /// Stores where `PosterStore::from_config` says.
    pub fn new(config: &PostersConfig, imdb_base_url: &str, db: Db) -> Posters {
        let store = PosterStore::from_config(config, &db);
        let http = reqwest::Client::builder()
            .timeout(Duration::from_millis(config.timeout_ms))
            .connect_timeout(Duration::from_millis(config.timeout_ms))
            // A redirect could lead anywhere; a poster host that moves its images is a failure.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Posters {
            db,
            store,
            http,
            hosts: config.hosts.iter().map(|h| h.trim().to_ascii_lowercase()).collect(),
            api_origin: reqwest::Url::parse(imdb_base_url).ok().map(|u| u.origin().ascii_serialization()),
            max_bytes: config.max_bytes,
            // Served images kept in memory, up to 32 MB of them.
            served: AsyncCache::weighed(32 << 20, Expiry::default(), |name, bytes| {
                (name.len() + bytes.len()).min(u32::MAX as usize) as u32
            }),
            wake: tokio::sync::Notify::new(),
        }
    }

    pub fn store(&self) -> &PosterStore {
        &self.store
    }

    /// Asks the background job for a pass now (new poster addresses were stored).
    pub fn nudge(&self) {
        self.wake.notify_one();
    }

    /// Whether `url` may be downloaded: `https` on a listed host, or the IMDb API's own origin.
    pub fn allowed(&self, url: &str) -> bool {
        let Ok(parsed) = reqwest::Url::parse(url) else { return false };
        if self.api_origin.as_deref() == Some(parsed.origin().ascii_serialization().as_str()) {
            return true;
        }
        parsed.scheme() == "https"
            && parsed.username().is_empty()
            && parsed.password().is_none()
            && parsed.host_str().is_some_and(|host| self.hosts.iter().any(|h| h == &host.to_ascii_lowercase()))
    }

    /// Downloads `url`, refusing more than `max_bytes` (announced or received).
    pub async fn download(&self, url: &str) -> Result<Vec<u8>, PosterError> {
        if !self.allowed(url) {
            return Err(PosterError::HostNotAllowed(url.to_string()));
        }
        let network = |e: reqwest::Error| PosterError::Network(e.without_url().to_string());
        let mut res = self.http.get(url).send().await.map_err(network)?;
        if !res.status().is_success() {
            return Err(PosterError::Http(res.status().as_u16()));
        }
        if res.content_length().is_some_and(|n| n > self.max_bytes) {
            return Err(PosterError::TooLarge(self.max_bytes));
        }
        let mut body = Vec::new();
        while let Some(chunk) = res.chunk().await.map_err(network)? {
            if (body.len() + chunk.len()) as u64 > self.max_bytes {
                return Err(PosterError::TooLarge(self.max_bytes));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    /// Downloads, makes and stores one poster; returns its key and the bytes downloaded and stored.
    async fn fetch_one(&self, url: &str) -> Result<(String, u64, u64), PosterError> {
        let source = self.download(url).await?;
        let downloaded = source.len() as u64;
        let (key, stored) = self.make(source).await?;
        Ok((key, downloaded, stored))
    }

    /// Makes and stores the images of one source image; returns its key and the bytes stored.
    async fn make(&self, source: Vec<u8>) -> Result<(String, u64), PosterError> {
        // A thread of its own at the lowest priority: page requests always come first.
        let (tx, rx) = tokio::sync::oneshot::channel();
        std::thread::Builder::new()
            .name("poster".into())
            .spawn(move || {
                lowest_priority();
                let _ = tx.send(process(&source));
            })
            .map_err(|e| PosterError::Unencodable(e.to_string()))?;
        let processed = rx.await.map_err(|_| PosterError::Undecodable("the poster's thread stopped".into()))??;
        let mut stored = 0;
        for (width, bytes) in &processed.variants {
            let name = file_name(&processed.key, *width);
            self.store.put(&name, bytes).await.map_err(|e| PosterError::Unencodable(e.to_string()))?;
            stored += bytes.len() as u64;
        }
        Ok((processed.key, stored))
    }

    /// Keeps `source` as the poster of `url` without downloading it (the demo's own posters).
    pub async fn keep(&self, url: &str, source: Vec<u8>) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
        let downloaded = source.len() as i64;
        let (key, stored) = self.make(source).await?;
        db::posters::stored(&self.db, url, &key, downloaded, stored as i64, now()).await?;
        Ok(key)
    }

    /// One pass over posters that are missing or due a retry (at most `limit`).
    pub async fn run_once(&self, limit: u32) -> Result<PosterReport, sqlx::Error> {
        let db = &self.db;
        let urls = db::posters::due(db, now(), limit).await?;
        let mut report = PosterReport { due: urls.len(), ..Default::default() };
        for url in urls {
            wait_for_a_lull().await;
            let started = Instant::now();
            match self.fetch_one(&url).await {
                Ok((key, downloaded, stored)) => {
                    db::posters::stored(db, &url, &key, downloaded as i64, stored as i64, now()).await?;
                    metrics::counter!("posters_stored_total").increment(1);
                    report.stored += 1;
                    report.downloaded_bytes += downloaded;
                    report.stored_bytes += stored;
                }
                Err(err) => {
                    tracing::info!(%err, url, "poster not stored; it will be tried again later");
                    db::posters::failed(db, &url, &err.to_string(), now()).await?;
                    metrics::counter!("posters_failed_total", "reason" => err.reason()).increment(1);
                    report.failed += 1;
                }
            }
            // Half a core at most when the machine is otherwise idle: pause as long as the poster took.
            tokio::time::sleep(started.elapsed().min(Duration::from_secs(5))).await;
        }
        Ok(report)
    }

    /// Gives search results the posters Marquee already keeps, and takes their source addresses
    /// away: the page never loads, nor learns, a third party's image.
    pub async fn show_on_search(&self, hits: &mut [crate::model::SearchHit]) -> Result<(), sqlx::Error> {
        let urls: Vec<String> = hits.iter().filter_map(|h| h.poster_url.clone()).collect();
        let keys: std::collections::HashMap<String, String> =
            db::posters::keys_for(&self.db, &urls).await?.into_iter().collect();
        for hit in hits {
            hit.poster = hit.poster_url.take().and_then(|url| keys.get(&url).cloned());
        }
        Ok(())
    }

    /// The stored image `name` (checked by `parse_file_name`), from memory when it was served before.
    pub async fn file(&self, name: &str) -> std::io::Result<Option<Bytes>> {
        if let Some(bytes) = self.served.get(&name.to_string()).await {
            return Ok(Some(bytes));
        }
        let Some(bytes) = self.store.get(name).await? else { return Ok(None) };
        let bytes = Bytes::from(bytes);
        self.served.insert(name.to_string(), bytes.clone()).await;
        Ok(Some(bytes))
    }

    /// Runs passes while this server holds `lease`: at once when nudged, otherwise every `every`.
    /// `stored` is called after posters were stored (at most once a minute while a backlog lasts,
    /// and when it is done), so pages that show them can follow.
    pub fn spawn(
        self: &Arc<Self>,
        every: Duration,
        lease: Arc<crate::server::services::leases::Lease>,
        stored: impl Fn() + Send + 'static,
    ) {
        let me = self.clone();
        tokio::spawn(async move {
            loop {
                let mut since_told = Instant::now();
                let mut untold = 0;
                while lease.renew(&me.db).await {
                    let started = Instant::now();
                    let result = me.run_once(BATCH).await;
                    let (outcome, more) = match &result {
                        Ok(report) => {
                            if report.due > 0 {
                                tracing::info!(?report, "posters fetched");
                            }
                            untold += report.stored;
                            (Ok(()), report.due as u32 == BATCH && report.stored + report.failed > 0)
                        }
                        Err(err) => {
                            tracing::warn!(%err, "poster job could not read or write the database");
                            (Err(err.to_string()), false)
                        }
                    };
                    crate::server::observe::job_finished("poster-fetch", started.elapsed(), outcome);
                    if untold > 0 && (!more || since_told.elapsed() >= Duration::from_secs(60)) {
                        if let Err(err) = db::posters::announce(&me.db).await {
                            tracing::warn!(%err, "could not announce new posters");
                        }
                        stored();
                        untold = 0;
                        since_told = Instant::now();
                    }
                    if !more {
                        break;
                    }
                }
                tokio::select! {
                    _ = tokio::time::sleep(every) => {}
                    _ = me.wake.notified() => {
                        // Let a burst of new addresses gather into one pass.
                        tokio::time::sleep(Duration::from_millis(500)).await;
                    }
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let image = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
        let mut out = std::io::Cursor::new(Vec::new());
        image.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
        out.into_inner()
    }

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([x as u8, y as u8, 0]));
        let mut out = std::io::Cursor::new(Vec::new());
        image.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn a_poster_becomes_three_webp_widths_under_a_content_name() {
        let source = jpeg(400, 600);
        let made = process(&source).unwrap();
        assert_eq!(made.variants.iter().map(|(w, _)| *w).collect::<Vec<_>>(), WIDTHS.to_vec());
        for (nominal, bytes) in &made.variants {
            assert_eq!(&bytes[..4], b"RIFF");
            assert_eq!(&bytes[8..12], b"WEBP");
            let decoded = image::load_from_memory_with_format(bytes, image::ImageFormat::WebP).unwrap();
            // Never enlarged past the source's 400 px.
            assert_eq!(decoded.width(), (*nominal).min(400));
            assert_eq!(decoded.height(), decoded.width() * 3 / 2);
        }
        assert!(parse_file_name(&file_name(&made.key, 320)).is_some(), "{}", made.key);
        // The same bytes give the same name; other bytes another.
        assert_eq!(process(&source).unwrap().key, made.key);
        assert_ne!(process(&jpeg(400, 602)).unwrap().key, made.key);
    }

    #[test]
    fn what_is_not_a_real_image_is_refused_before_decoding() {
        assert_eq!(process(b"<html>not found</html>").unwrap_err(), PosterError::NotAnImage);
        let source = jpeg(200, 300);
        assert_eq!(process(&source[..source.len() / 3]).unwrap_err(), PosterError::Truncated);
        let png = png(40, 60);
        assert_eq!(process(&png[..png.len() - 20]).unwrap_err(), PosterError::Truncated);
        assert!(process(&png).is_ok());
        // A PNG whose header claims 100,000 × 100,000 pixels, with a few bytes of data behind it.
        fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
            out.extend_from_slice(&(data.len() as u32).to_be_bytes());
            let mut crc = flate2::Crc::new();
            crc.update(kind);
            crc.update(data);
            out.extend_from_slice(kind);
            out.extend_from_slice(data);
            out.extend_from_slice(&crc.sum().to_be_bytes());
        }
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut header = 100_000u32.to_be_bytes().repeat(2);
        header.extend_from_slice(&[8, 2, 0, 0, 0]);
        chunk(&mut png, b"IHDR", &header);
        chunk(&mut png, b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
        chunk(&mut png, b"IEND", &[]);
        assert_eq!(process(&png).unwrap_err(), PosterError::TooManyPixels(100_000, 100_000));
    }
}
