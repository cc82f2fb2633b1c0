//! Live counts for open vote pages. Every change to a proposal's votes or to a round, made here or
//! announced by another server, becomes a numbered event; each open stream gets every event once,
//! in order. A stream that comes back with the last number it saw gets what it missed from a short
//! memory of recent events, or else every count afresh. Waiting streams cost nothing but memory.

use crate::model::LiveEvent;
use crate::server::services::change::Change;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

/// Events kept for streams that reconnect.
const REMEMBERED: usize = 256;

/// What a stream is sent.
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    /// An event (JSON), its number, and whether every count follows it (a round's news: votes may
    /// have been carried over or cleared).
    Event(u64, Arc<str>, bool),
    /// Events may have been missed (the change listener reconnected): every count afresh.
    Resync(u64),
}

impl Item {
    pub fn number(&self) -> u64 {
        match self {
            Item::Event(n, ..) | Item::Resync(n) => *n,
        }
    }
}

/// How a new stream starts.
#[derive(Debug, PartialEq)]
pub enum Start {
    /// With the events it missed since the id it came back with (perhaps none).
    Replay(Vec<Item>),
    /// With every count, as of event `n`.
    Counts(u64),
}

/// Why a stream was refused.
#[derive(Debug, PartialEq)]
pub enum Refusal {
    /// This client has as many streams open as it may.
    Client,
    /// The server has as many as it keeps.
    Server,
    /// The server is stopping.
    Closing,
}

struct Memory {
    /// The last event's number.
    last: u64,
    recent: VecDeque<Item>,
}

#[derive(Default)]
struct Open {
    total: usize,
    per_client: HashMap<String, usize>,
}

pub struct Live {
    /// Event ids are `{epoch}-{number}`: an id from another server, or from before a restart, is
    /// recognised as foreign and answered with every count.
    epoch: String,
    memory: Mutex<Memory>,
    sender: broadcast::Sender<Item>,
    open: Mutex<Open>,
    max_streams: usize,
    max_per_client: usize,
    /// True once the server is stopping: every stream ends, telling its page to come back soon.
    closing: tokio::sync::watch::Sender<bool>,
}

/// One open stream's place; given back when the stream ends.
pub struct Slot {
    live: Arc<Live>,
    client: String,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.live.open.lock().unwrap_or_else(|e| e.into_inner());
        open.total -= 1;
        if let Some(n) = open.per_client.get_mut(&self.client) {
            *n -= 1;
            if *n == 0 {
                open.per_client.remove(&self.client);
            }
        }
        metrics::gauge!("live_streams_open").set(open.total as f64);
    }
}

impl Live {
    pub fn new(max_streams: u32, max_per_client: u32) -> Arc<Live> {
        let epoch = crate::server::services::accounts::new_token().0[..12].to_string();
        Arc::new(Live {
            epoch,
            memory: Mutex::new(Memory { last: 0, recent: VecDeque::with_capacity(REMEMBERED) }),
            // A stream further behind than this is sent every count instead of what it missed.
            sender: broadcast::channel(1024).0,
            open: Mutex::new(Open::default()),
            max_streams: max_streams as usize,
            max_per_client: max_per_client as usize,
            closing: tokio::sync::watch::channel(false).0,
        })
    }

    /// Ends every open stream (and refuses new ones): the server is stopping.
    pub fn close_streams(&self) {
        self.closing.send_replace(true);
    }

    /// Becomes true when the server is stopping.
    pub fn closing(&self) -> tokio::sync::watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// What an open page should hear about `change`, if anything.
    fn event_for(change: &Change) -> Option<LiveEvent> {
        match *change {
            Change::Vote { proposal, votes, version, .. } => Some(LiveEvent::Votes { proposal, votes, version }),
            Change::Round { id } => Some(LiveEvent::Round { id }),
            _ => None,
        }
    }

    /// Sends open streams what `change` means to them.
    pub fn publish(&self, change: &Change) {
        let payload = match (change, Self::event_for(change)) {
            (Change::Everything, _) => None,
            (_, Some(event)) => match serde_json::to_string(&event) {
                Ok(json) => Some(Arc::<str>::from(json)),
                Err(err) => return tracing::error!(%err, "could not encode a live event"),
            },
            (_, None) => return,
        };
        // Numbered, remembered and sent under one lock, so every stream sees one order.
        let mut memory = self.memory.lock().unwrap_or_else(|e| e.into_inner());
        memory.last += 1;
        let item = match payload {
            Some(json) => Item::Event(memory.last, json, matches!(change, Change::Round { .. })),
            None => Item::Resync(memory.last),
        };
        if memory.recent.len() == REMEMBERED {
            memory.recent.pop_front();
        }
        memory.recent.push_back(item.clone());
        // No receivers is fine: nobody has a page open.
        let _ = self.sender.send(item);
        metrics::counter!("live_events_total").increment(1);
    }

    /// Starts a stream for a client that last saw `last_id` (the `Last-Event-ID` it reconnects with).
    pub fn subscribe(&self, last_id: Option<&str>) -> (Start, broadcast::Receiver<Item>) {
        let memory = self.memory.lock().unwrap_or_else(|e| e.into_inner());
        let receiver = self.sender.subscribe();
        let seen = last_id
            .and_then(|id| id.trim().split_once('-'))
            .filter(|(epoch, _)| *epoch == self.epoch)
            .and_then(|(_, n)| n.parse::<u64>().ok())
            .filter(|n| *n <= memory.last);
        let start = match seen {
            Some(n) => {
                let oldest = memory.recent.front().map_or(memory.last + 1, Item::number);
                let missed: Vec<Item> = memory.recent.iter().filter(|i| i.number() > n).cloned().collect();
                if n + 1 >= oldest && !missed.iter().any(|i| matches!(i, Item::Resync(_))) {
                    Start::Replay(missed)
                } else {
                    Start::Counts(memory.last)
                }
            }
            None => Start::Counts(memory.last),
        };
        (start, receiver)
    }

    /// The id a stream gives event `number`.
    pub fn event_id(&self, number: u64) -> String {
        format!("{}-{number}", self.epoch)
    }

    /// Takes a place for one more stream from `client`, if the limits allow.
    pub fn open(self: &Arc<Self>, client: &str) -> Result<Slot, Refusal> {
        if *self.closing.borrow() {
            return Err(Refusal::Closing);
        }
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if open.total >= self.max_streams {
            return Err(Refusal::Server);
        }
        let mine = open.per_client.entry(client.to_string()).or_default();
        if *mine >= self.max_per_client {
            return Err(Refusal::Client);
        }
        *mine += 1;
        open.total += 1;
        metrics::gauge!("live_streams_open").set(open.total as f64);
        Ok(Slot { live: self.clone(), client: client.to_string() })
    }

    /// Streams open now.
    pub fn streams_open(&self) -> usize {
        self.open.lock().unwrap_or_else(|e| e.into_inner()).total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vote(proposal: i64, votes: i64) -> Change {
        Change::Vote { movie: None, proposal, votes, version: votes }
    }

    #[test]
    fn a_stream_that_returns_gets_what_it_missed_or_every_count() {
        let live = Live::new(10, 2);
        let (start, mut first) = live.subscribe(None);
        assert_eq!(start, Start::Counts(0));
        live.publish(&vote(1, 3));
        live.publish(&Change::Counts); // nothing an open page shows
        live.publish(&Change::Round { id: 9 });
        let Ok(Item::Event(1, json, false)) = first.try_recv() else { panic!("the vote was not sent") };
        assert_eq!(&*json, r#"{"type":"votes","proposal":1,"votes":3,"version":3}"#);
        assert!(matches!(first.try_recv(), Ok(Item::Event(2, _, true))));

        let (start, _) = live.subscribe(Some(&live.event_id(1)));
        assert!(matches!(&start, Start::Replay(items) if items.len() == 1 && items[0].number() == 2));
        let (start, _) = live.subscribe(Some(&live.event_id(2)));
        assert_eq!(start, Start::Replay(vec![]));
        // Another server's id, a number from the future, and nonsense: every count.
        for id in ["abc-1", &live.event_id(7), "x", ""] {
            assert_eq!(live.subscribe(Some(id)).0, Start::Counts(2), "{id}");
        }
        // Missed notices between servers: nothing to replay can be trusted.
        live.publish(&Change::Everything);
        assert_eq!(live.subscribe(Some(&live.event_id(2))).0, Start::Counts(3));
        // Forgotten: every count.
        for n in 0..REMEMBERED as i64 {
            live.publish(&vote(1, n));
        }
        assert!(
            matches!(live.subscribe(Some(&live.event_id(3))).0, Start::Replay(missed) if missed.len() == REMEMBERED)
        );
        assert_eq!(live.subscribe(Some(&live.event_id(2))).0, Start::Counts(3 + REMEMBERED as u64));
    }

    #[test]
    fn streams_are_limited_per_client_and_in_all() {
        let live = Live::new(3, 2);
        let a1 = live.open("a").unwrap();
        let _a2 = live.open("a").unwrap();
        assert_eq!(live.open("a").err(), Some(Refusal::Client));
        let _b = live.open("b").unwrap();
        assert_eq!(live.open("c").err(), Some(Refusal::Server));
        drop(a1);
        assert_eq!(live.streams_open(), 2);
        assert!(live.open("a").is_ok());
    }
}
