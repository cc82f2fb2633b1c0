//! Several servers on one PostgreSQL database: each change that other servers may keep in a cache
//! is announced (`NOTIFY`), and every server listens on a connection of its own and drops what the
//! change made stale. After the listener loses its connection it reconnects with backoff and drops
//! everything, since it may have missed notices meanwhile. SQLite serves one process: nothing is
//! sent and nobody listens.

use crate::server::db::{notices, Db};
use crate::server::services::change::Change;
use crate::server::services::live::Live;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

#[derive(Serialize, Deserialize)]
struct Notice {
    /// The sending server, which has already dropped its own caches.
    from: String,
    #[serde(flatten)]
    change: Change,
}

/// How this server hears about other servers' changes (shown by `/healthz`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListenerStatus {
    /// SQLite: one server, nothing to hear.
    NotNeeded,
    Connecting,
    Connected,
}

impl ListenerStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ListenerStatus::NotNeeded => "not needed (SQLite)",
            ListenerStatus::Connecting => "connecting",
            ListenerStatus::Connected => "connected",
        }
    }
}

pub struct Coherence {
    db: Db,
    /// This server's name for itself: random per process.
    server: String,
    status: AtomicU8,
    /// Open vote pages, told about every change that shows on them, from here or elsewhere.
    live: Arc<Live>,
    last_contact: AtomicI64,
    reconnects: AtomicU64,
}

impl Coherence {
    pub fn new(db: Db, live: Arc<Live>) -> Arc<Coherence> {
        let status = match db {
            Db::Sqlite(_) => ListenerStatus::NotNeeded,
            Db::Postgres(_) => ListenerStatus::Connecting,
        };
        let server = crate::server::services::leases::server_name().to_string();
        Arc::new(Coherence {
            db,
            server,
            status: AtomicU8::new(status as u8),
            live,
            last_contact: AtomicI64::new(0),
            reconnects: AtomicU64::new(0),
        })
    }

    pub fn live(&self) -> &Arc<Live> {
        &self.live
    }

    pub fn status(&self) -> ListenerStatus {
        match self.status.load(Ordering::SeqCst) {
            s if s == ListenerStatus::Connected as u8 => ListenerStatus::Connected,
            s if s == ListenerStatus::Connecting as u8 => ListenerStatus::Connecting,
            _ => ListenerStatus::NotNeeded,
        }
    }

    fn set_status(&self, status: ListenerStatus) {
        self.status.store(status as u8, Ordering::SeqCst);
        metrics::gauge!("notification_listener_connected").set((status == ListenerStatus::Connected) as u8 as f64);
    }

    /// Tells the other servers about a change this one made (and has applied to its own caches).
    /// Sent before the request that made it returns, so they drop their copies within moments.
    pub async fn announce(&self, change: Change) {
        if change == Change::Everything {
            return;
        }
        self.live.publish(&change);
        let payload = match serde_json::to_string(&Notice { from: self.server.clone(), change }) {
            Ok(payload) => payload,
            Err(err) => return tracing::error!(%err, "could not encode a change notice"),
        };
        match notices::publish(&self.db, &payload).await {
            Ok(true) => metrics::counter!("notifications_sent_total").increment(1),
            Ok(false) => {}
            Err(err) => {
                // The others still catch up: their caches expire, and predictions poll the data version.
                metrics::counter!("notifications_failed_total").increment(1);
                tracing::warn!(%err, "could not announce a change to the other servers");
            }
        }
    }

    /// Listens for the other servers' changes for as long as the server runs; each arrives on the
    /// returned channel. None on SQLite. After `ping` without a notice the connection is pinged,
    /// and one that does not answer within `ping` again (a half-open connection, a frozen
    /// network) is dropped for a new one. Whenever notices may have been missed (a lost
    /// connection, or a first connection that only came after failures) every cache is dropped.
    pub fn listen(self: &Arc<Self>, ping: Duration) -> Option<mpsc::UnboundedReceiver<Change>> {
        if matches!(self.db, Db::Sqlite(_)) {
            return None;
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let me = self.clone();
        tokio::spawn(async move {
            let mut backoff = Duration::from_millis(250);
            // Notices may have been missed since the caches were filled: not at the first attempt.
            let mut missed = false;
            loop {
                me.set_status(ListenerStatus::Connecting);
                // Connecting over a network that stopped passing packets must not hang either.
                let wait = ping.max(Duration::from_secs(5));
                let connected = tokio::time::timeout(wait * 2, notices::listen(&me.db, wait)).await;
                let connected = connected.unwrap_or_else(|_| Err(sqlx::Error::PoolTimedOut));
                match connected {
                    Ok(Some(mut listener)) => {
                        me.set_status(ListenerStatus::Connected);
                        me.touch();
                        backoff = Duration::from_millis(250);
                        if std::mem::take(&mut missed) {
                            me.reconnects.fetch_add(1, Ordering::SeqCst);
                            metrics::counter!("notification_listener_reconnects_total").increment(1);
                            tracing::info!("change listener (re)connected after a gap: dropping every cache");
                            me.live.publish(&Change::Everything);
                            if tx.send(Change::Everything).is_err() {
                                return;
                            }
                        }
                        loop {
                            let notice = match tokio::time::timeout(ping, listener.try_recv()).await {
                                Ok(notice) => notice,
                                Err(_) => {
                                    // Silence: make sure the connection is still there.
                                    let answered =
                                        tokio::time::timeout(ping, sqlx::Executor::execute(&mut listener, "SELECT 1"))
                                            .await;
                                    if matches!(answered, Ok(Ok(_))) {
                                        me.touch();
                                        continue;
                                    }
                                    tracing::warn!(?ping, "change listener's connection did not answer a ping");
                                    break;
                                }
                            };
                            match notice {
                                Ok(Some(notice)) => {
                                    me.touch();
                                    let Some(change) = me.read(notice.payload()) else { continue };
                                    me.live.publish(&change);
                                    if tx.send(change).is_err() {
                                        return;
                                    }
                                }
                                // The connection was lost: start over on a new one.
                                Ok(None) => break,
                                Err(err) => {
                                    tracing::warn!(%err, "change listener failed");
                                    break;
                                }
                            }
                        }
                    }
                    Ok(None) => return,
                    Err(err) => tracing::warn!(%err, retry_in = ?backoff, "change listener could not connect"),
                }
                missed = true;
                me.set_status(ListenerStatus::Connecting);
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(10));
            }
        });
        Some(rx)
    }

    /// The listener heard from its connection just now.
    fn touch(&self) {
        let at = crate::server::db::now();
        self.last_contact.store(at, Ordering::SeqCst);
        metrics::gauge!("notification_listener_last_contact_timestamp_seconds").set(at as f64);
    }

    /// When the listener last heard from its connection (a notice or a ping's answer), in Unix
    /// seconds; none before its first connection.
    pub fn last_contact(&self) -> Option<i64> {
        Some(self.last_contact.load(Ordering::SeqCst)).filter(|&at| at > 0)
    }

    /// How many times the listener connected again after a gap in which notices may have been missed.
    pub fn reconnects(&self) -> u64 {
        self.reconnects.load(Ordering::SeqCst)
    }

    /// Another server's change; none for this server's own notices and for ones it cannot read.
    fn read(&self, payload: &str) -> Option<Change> {
        match serde_json::from_str::<Notice>(payload) {
            Ok(notice) if notice.from == self.server => None,
            Ok(notice) => {
                metrics::counter!("notifications_received_total").increment(1);
                Some(notice.change)
            }
            Err(err) => {
                tracing::warn!(%err, payload, "ignored an unreadable change notice");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn notices_read_back_and_a_server_ignores_its_own() {
        let db = Db::Sqlite(sqlx::SqlitePool::connect_lazy("sqlite::memory:").unwrap());
        let a = Coherence::new(db.clone(), Live::new(1, 1));
        // Another server sharing the database.
        let b = Coherence {
            db,
            server: "another server".into(),
            status: AtomicU8::new(0),
            live: Live::new(1, 1),
            last_contact: AtomicI64::new(0),
            reconnects: AtomicU64::new(0),
        };
        let changes = [
            Change::Club { movie: Some(7) },
            Change::Vote { movie: None, proposal: 3, votes: 2, version: 5 },
            Change::Round { id: 4 },
            Change::Rating { user: 1, movie: 2 },
            Change::Catalogue,
        ];
        for change in changes {
            let payload = serde_json::to_string(&Notice { from: a.server.clone(), change: change.clone() }).unwrap();
            assert_eq!(b.read(&payload), Some(change));
            assert_eq!(a.read(&payload), None);
        }
        assert_eq!(b.read("not json"), None);
        assert_eq!(b.read(r#"{"from":"x","kind":"unknown"}"#), None);
        assert_eq!(a.status(), ListenerStatus::NotNeeded);
    }
}
