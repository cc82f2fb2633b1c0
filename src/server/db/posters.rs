//! Posters: which source images are still to fetch, what came of each, and the images themselves
//! when they are kept in the database.

use super::{on_pool, Db};

/// Source addresses with no stored poster yet, or due another try (a failure's backoff ran out, or
/// an admin asked for a new download). The vote page's first, then the catalogue's.
pub async fn due(db: &Db, at: i64, limit: u32) -> Result<Vec<String>, sqlx::Error> {
    on_pool!(db, |pool| {
        sqlx::query_scalar(
            "SELECT u.url FROM ( \
                 SELECT poster_url AS url, 0 AS priority FROM proposals \
                 WHERE poster_url IS NOT NULL AND status IN ('active', 'watched') \
                 UNION ALL \
                 SELECT poster_url AS url, 1 AS priority FROM movies WHERE poster_url IS NOT NULL \
             ) u \
             LEFT JOIN posters p ON p.source_url = u.url \
             WHERE p.source_url IS NULL OR p.next_attempt_at <= $1 \
             GROUP BY u.url ORDER BY MIN(u.priority), u.url LIMIT $2",
        )
        .bind(at)
        .bind(limit as i64)
        .fetch_all(pool)
        .await
    })
}

/// Records a stored poster under `image_key`.
pub async fn stored(
    db: &Db,
    url: &str,
    image_key: &str,
    source_bytes: i64,
    stored_bytes: i64,
    at: i64,
) -> Result<(), sqlx::Error> {
    on_pool!(db, |pool| {
        sqlx::query(
            "INSERT INTO posters (source_url, image_key, source_bytes, stored_bytes, failures, next_attempt_at, \
                                  last_error, updated_at) \
             VALUES ($1, $2, $3, $4, 0, NULL, NULL, $5) \
             ON CONFLICT (source_url) DO UPDATE SET image_key = excluded.image_key, \
                 source_bytes = excluded.source_bytes, stored_bytes = excluded.stored_bytes, failures = 0, \
                 next_attempt_at = NULL, last_error = NULL, updated_at = excluded.updated_at",
        )
        .bind(url)
        .bind(image_key)
        .bind(source_bytes)
        .bind(stored_bytes)
        .bind(at)
        .execute(pool)
        .await
        .map(|_| ())
    })
}

/// Records a failure: a poster stored before is kept; the next try waits 5 minutes, doubling with
/// each failure, at most a day (as for metadata).
pub async fn failed(db: &Db, url: &str, error: &str, at: i64) -> Result<(), sqlx::Error> {
    on_pool!(db, |pool| {
        sqlx::query(
            "INSERT INTO posters (source_url, failures, next_attempt_at, last_error, updated_at) \
             VALUES ($1, 1, $2 + 300, $3, $2) \
             ON CONFLICT (source_url) DO UPDATE SET failures = posters.failures + 1, \
                 next_attempt_at = $2 + CASE WHEN posters.failures >= 8 THEN 86400 \
                                             ELSE 300 * (1 << CAST(posters.failures AS INTEGER)) END, \
                 last_error = $3, updated_at = $2",
        )
        .bind(url)
        .bind(at)
        .bind(error)
        .execute(pool)
        .await
        .map(|_| ())
    })
}

/// Makes posters due for a new download: the failed ones only, or all. Stored images stay shown
/// until their replacement is stored. Returns how many were marked.
pub async fn refetch(db: &Db, failed_only: bool) -> Result<u64, sqlx::Error> {
    let sql = if failed_only {
        "UPDATE posters SET next_attempt_at = 0 WHERE image_key IS NULL"
    } else {
        "UPDATE posters SET next_attempt_at = 0"
    };
    on_pool!(db, |pool| sqlx::query(sql).execute(pool).await.map(|r| r.rows_affected()))
}

/// How many posters are stored, failed (and not stored before), and still to fetch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PosterCounts {
    pub stored: i64,
    pub failed: i64,
}

pub async fn counts(db: &Db) -> Result<PosterCounts, sqlx::Error> {
    let (stored, failed): (i64, i64) = on_pool!(db, |pool| {
        sqlx::query_as(
            "SELECT COALESCE(SUM(CASE WHEN image_key IS NOT NULL THEN 1 ELSE 0 END), 0), \
                    COALESCE(SUM(CASE WHEN image_key IS NULL THEN 1 ELSE 0 END), 0) FROM posters",
        )
        .fetch_one(pool)
        .await
    })?;
    Ok(PosterCounts { stored, failed })
}

/// The stored image keys of these source addresses.
pub async fn keys_for(db: &Db, urls: &[String]) -> Result<Vec<(String, String)>, sqlx::Error> {
    if urls.is_empty() {
        return Ok(Vec::new());
    }
    on_pool!(db, |pool| {
        let mut q = sqlx::QueryBuilder::new(
            "SELECT source_url, image_key FROM posters WHERE image_key IS NOT NULL AND source_url IN (",
        );
        let mut list = q.separated(", ");
        for url in urls {
            list.push_bind(url);
        }
        q.push(")");
        q.build_query_as().fetch_all(pool).await
    })
}

/// New posters are shown: the predictions and catalogue (which carry them) are rebuilt by every
/// server, as after any change to their inputs.
pub async fn announce(db: &Db) -> Result<(), sqlx::Error> {
    on_pool!(db, |pool| {
        sqlx::query("UPDATE data_versions SET version = version + 1 WHERE name = 'scoring_inputs'")
            .execute(pool)
            .await
            .map(|_| ())
    })
}

/// Keeps an image (kept already: nothing changes, the name is its content).
pub async fn put_file(db: &Db, name: &str, bytes: &[u8], at: i64) -> Result<(), sqlx::Error> {
    on_pool!(db, |pool| {
        sqlx::query(
            "INSERT INTO poster_files (name, bytes, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(bytes)
        .bind(at)
        .execute(pool)
        .await
        .map(|_| ())
    })
}

pub async fn file(db: &Db, name: &str) -> Result<Option<Vec<u8>>, sqlx::Error> {
    on_pool!(db, |pool| {
        sqlx::query_scalar("SELECT bytes FROM poster_files WHERE name = $1").bind(name).fetch_optional(pool).await
    })
}
