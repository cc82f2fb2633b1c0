//! The SQLite and PostgreSQL migrations build the same schema: the same tables, the same columns
//! with compatible types and nullability, and the same named indexes. Two dialects written by hand
//! drift apart quietly; this catches it.

use crate::common;

use marquee::server::db::Db;
use std::collections::BTreeMap;

/// Column name → (type family, nullable), per table; and the named indexes.
#[derive(Debug, Default, PartialEq)]
struct Schema {
    tables: BTreeMap<String, BTreeMap<String, (&'static str, bool)>>,
    indexes: Vec<String>,
}

/// A declared type reduced to what both dialects mean by it.
fn family(declared: &str) -> &'static str {
    let t = declared.to_ascii_lowercase();
    if t.contains("bool") {
        "boolean"
    } else if t.contains("int") || t == "bigserial" || t == "serial" {
        "integer"
    } else if t.contains("char") || t.contains("text") || t.contains("clob") {
        "text"
    } else if t.contains("real") || t.contains("floa") || t.contains("doub") || t.contains("numeric") {
        "real"
    } else if t.contains("blob") || t.contains("bytea") {
        "bytes"
    } else {
        "other"
    }
}

async fn schema(db: &Db) -> Schema {
    let mut schema = Schema::default();
    match db {
        Db::Sqlite(pool) => {
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations' ORDER BY name",
            )
            .fetch_all(pool)
            .await
            .unwrap();
            for table in tables {
                let columns: Vec<(String, String, bool, i64)> =
                    sqlx::query_as("SELECT name, type, \"notnull\", pk FROM pragma_table_info($1)")
                        .bind(&table)
                        .fetch_all(pool)
                        .await
                        .unwrap();
                // SQLite lets a primary key column be NULL unless it says NOT NULL; PostgreSQL never does.
                let columns = columns
                    .into_iter()
                    .map(|(name, declared, not_null, pk)| (name, (family(&declared), !(not_null || pk > 0))))
                    .collect();
                schema.tables.insert(table, columns);
            }
            schema.indexes = sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name",
            )
            .fetch_all(pool)
            .await
            .unwrap();
        }
        Db::Postgres(pool) => {
            let columns: Vec<(String, String, String, String)> = sqlx::query_as(
                "SELECT c.table_name::text, c.column_name::text, c.data_type::text, c.is_nullable::text \
                 FROM information_schema.columns c JOIN information_schema.tables t \
                   ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
                 WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' \
                   AND c.table_name <> '_sqlx_migrations'",
            )
            .fetch_all(pool)
            .await
            .unwrap();
            for (table, name, declared, nullable) in columns {
                schema.tables.entry(table).or_default().insert(name, (family(&declared), nullable == "YES"));
            }
            // Indexes made by a CREATE INDEX, not by a primary key or UNIQUE constraint.
            schema.indexes = sqlx::query_scalar(
                "SELECT i.indexname::text FROM pg_indexes i \
                 WHERE i.schemaname = current_schema() AND i.tablename <> '_sqlx_migrations' \
                   AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname) \
                 ORDER BY 1",
            )
            .fetch_all(pool)
            .await
            .unwrap();
        }
    }
    schema
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_dialects_build_the_same_schema() {
    let Some(pg) = common::postgres().await else {
        eprintln!("PostgreSQL not configured (MARQUEE_TEST_PG_URL): only SQLite's schema was read");
        let lite = schema(&common::sqlite().await.db).await;
        assert!(lite.tables.contains_key("movies") && lite.tables.contains_key("votes"));
        return;
    };
    let lite = schema(&common::sqlite().await.db).await;
    let pg = schema(&pg.db).await;
    assert!(lite.tables.len() > 10, "read the SQLite tables: {:?}", lite.tables.keys());
    let mut drift = Vec::new();
    let names: std::collections::BTreeSet<&String> = lite.tables.keys().chain(pg.tables.keys()).collect();
    for table in names {
        match (lite.tables.get(table), pg.tables.get(table)) {
            (Some(a), Some(b)) => {
                for column in a.keys().chain(b.keys()).collect::<std::collections::BTreeSet<_>>() {
                    if a.get(column) != b.get(column) {
                        drift.push(format!(
                            "{table}.{column}: SQLite {:?}, PostgreSQL {:?}",
                            a.get(column),
                            b.get(column)
                        ));
                    }
                }
            }
            (a, b) => drift.push(format!("table {table}: in SQLite {}, in PostgreSQL {}", a.is_some(), b.is_some())),
        }
    }
    for index in lite.indexes.iter().filter(|i| !pg.indexes.contains(i)) {
        drift.push(format!("index {index} only in SQLite"));
    }
    for index in pg.indexes.iter().filter(|i| !lite.indexes.contains(i)) {
        drift.push(format!("index {index} only in PostgreSQL"));
    }
    assert!(drift.is_empty(), "the migrations disagree:\n{}", drift.join("\n"));
}

#[test]
fn type_families() {
    assert_eq!(family("BIGINT"), family("integer"));
    assert_eq!(family("BOOLEAN"), family("boolean"));
    assert_eq!(family("double precision"), family("REAL"));
    assert_eq!(family("character varying"), family("TEXT"));
    assert_ne!(family("TEXT"), family("INTEGER"));
}
