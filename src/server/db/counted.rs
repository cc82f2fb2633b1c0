//! `Counted`: a pool handle that counts every statement it runs against the current request, on
//! the async side where the request is known (SQLite runs statements on its own worker threads).

use futures::future::BoxFuture;
use futures::stream::BoxStream;
use sqlx::{Database, Describe, Either, Error, Execute, Executor, Pool};

pub struct Counted<'p, DB: Database>(pub &'p Pool<DB>);

impl<DB: Database> Clone for Counted<'_, DB> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<DB: Database> Copy for Counted<'_, DB> {}

impl<DB: Database> std::fmt::Debug for Counted<'_, DB> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Counted(pool)")
    }
}

impl Counted<'_, sqlx::Sqlite> {
    /// Begins as `Db::begin` does on SQLite, with the write lock.
    pub async fn begin(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, Error> {
        self.0.begin_with(super::SQLITE_BEGIN).await
    }
}

impl Counted<'_, sqlx::Postgres> {
    pub async fn begin(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, Error> {
        self.0.begin().await
    }
}

impl<'p, DB: Database> Counted<'p, DB> {
    pub async fn close(&self) {
        self.0.close().await
    }
}

impl<'p, DB: Database> Executor<'p> for Counted<'p, DB>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    type Database = DB;

    fn fetch_many<'e, 'q: 'e, E>(self, query: E) -> BoxStream<'e, Result<Either<DB::QueryResult, DB::Row>, Error>>
    where
        'p: 'e,
        E: 'q + Execute<'q, DB>,
    {
        crate::server::observe::count_statement();
        self.0.fetch_many(query)
    }

    fn fetch_optional<'e, 'q: 'e, E>(self, query: E) -> BoxFuture<'e, Result<Option<DB::Row>, Error>>
    where
        'p: 'e,
        E: 'q + Execute<'q, DB>,
    {
        crate::server::observe::count_statement();
        self.0.fetch_optional(query)
    }

    fn prepare_with<'e, 'q: 'e>(
        self,
        sql: &'q str,
        parameters: &'e [DB::TypeInfo],
    ) -> BoxFuture<'e, Result<DB::Statement<'q>, Error>>
    where
        'p: 'e,
    {
        self.0.prepare_with(sql, parameters)
    }

    fn describe<'e, 'q: 'e>(self, sql: &'q str) -> BoxFuture<'e, Result<Describe<DB>, Error>>
    where
        'p: 'e,
    {
        self.0.describe(sql)
    }
}

/// A connection (inside a transaction) whose statements are counted like `Counted`'s:
/// `.execute(CountedConn(&mut *tx))`.
#[derive(Debug)]
pub struct CountedConn<'c, C>(pub &'c mut C);

impl<'c, C> Executor<'c> for CountedConn<'c, C>
where
    C: Send + std::fmt::Debug,
    &'c mut C: Executor<'c>,
{
    type Database = <&'c mut C as Executor<'c>>::Database;

    fn fetch_many<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxStream<
        'e,
        Result<Either<<Self::Database as Database>::QueryResult, <Self::Database as Database>::Row>, Error>,
    >
    where
        'c: 'e,
        E: 'q + Execute<'q, Self::Database>,
    {
        crate::server::observe::count_statement();
        self.0.fetch_many(query)
    }

    fn fetch_optional<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxFuture<'e, Result<Option<<Self::Database as Database>::Row>, Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Self::Database>,
    {
        crate::server::observe::count_statement();
        self.0.fetch_optional(query)
    }

    fn prepare_with<'e, 'q: 'e>(
        self,
        sql: &'q str,
        parameters: &'e [<Self::Database as Database>::TypeInfo],
    ) -> BoxFuture<'e, Result<<Self::Database as Database>::Statement<'q>, Error>>
    where
        'c: 'e,
    {
        self.0.prepare_with(sql, parameters)
    }

    fn describe<'e, 'q: 'e>(self, sql: &'q str) -> BoxFuture<'e, Result<Describe<Self::Database>, Error>>
    where
        'c: 'e,
    {
        self.0.describe(sql)
    }
}
