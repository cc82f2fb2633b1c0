//! The club webhook: a message to a Discord or Slack incoming webhook when a round opens, an hour
//! before its deadline and when its winner is picked. Messages are written to an outbox where the
//! event happens (each once, by its key) and sent by one background worker, on one server at a
//! time, with retries and backoff: never in a request's path.
//!
//! Delivery is at least once, each message written once by its key: a sender claims a message in
//! the database before sending it, so two senders never send it at the same time, but a sender that
//! stalls past its claim (or a crash after the hook took the message and before the outcome was
//! recorded) can mean a second delivery of the same message.

use crate::model::{format_time_utc, Round, VoteMethod};
use crate::server::config::ClubConfig;
use crate::server::db::webhooks::{self, Outcome};
use crate::server::db::{now, rounds, Db};
use crate::server::services::leases::Lease;
use std::sync::Arc;
use std::time::Duration;

/// Attempts before a message is given up.
pub const MAX_ATTEMPTS: i32 = 8;

/// A sender's claim on a message: six times the HTTP client's timeout.
const CLAIM: Duration = Duration::from_secs(60);

/// How long before a deadline members are reminded.
const REMIND_BEFORE: i64 = 3600;

#[derive(Clone)]
pub struct Webhook {
    db: Db,
    url: Option<String>,
    public_url: String,
    client: reqwest::Client,
    /// The wait after a first failure; it doubles with each one after.
    first_retry: Duration,
    /// How long a sender's claim on a message lasts: longer than one attempt can take.
    claim: Duration,
}

/// What a message is about.
pub enum News<'a> {
    Opened(&'a Round),
    ClosingSoon(&'a Round),
    Picked(&'a Round),
}

/// A round's time as its time zone reads it (filled in by the rounds service), else in UTC.
fn when(local: &str, unix: i64) -> String {
    if local.is_empty() {
        format_time_utc(unix)
    } else {
        local.to_string()
    }
}

/// Escapes text for Discord's Markdown: a title's `*` or `_` stays a character.
fn discord_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\*_~`|>#[]()-".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Escapes text for Slack's message format, which reads `<...>` as links and mentions.
fn slack_text(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The message for `news`, as both Discord (`content`) and Slack (`text`) read it; mentions such as
/// `@everyone` in a round's name or a film's title notify nobody.
pub fn message(news: &News, public_url: &str) -> serde_json::Value {
    let (round, parts): (&Round, Vec<(bool, String)>) = match news {
        News::Opened(r) => (
            r,
            vec![
                (false, "🎬 Voting is open: ".into()),
                (true, r.name.clone()),
                (
                    false,
                    format!(
                        ". {} ballot, closes {}; the screening is at {} ({}).",
                        if r.method == VoteMethod::Ranked { "Ranked-choice" } else { "Approval" },
                        when(&r.deadline_local, r.deadline),
                        when(&r.screening_local, r.screening_at),
                        r.time_zone
                    ),
                ),
            ],
        ),
        News::ClosingSoon(r) => (
            r,
            vec![
                (false, "⏰ One hour left to vote in ".into()),
                (true, r.name.clone()),
                (false, format!(": voting closes {} ({}).", when(&r.deadline_local, r.deadline), r.time_zone)),
            ],
        ),
        News::Picked(r) => (
            r,
            match &r.winner_title {
                Some(title) => vec![
                    (false, "🏆 ".into()),
                    (true, r.name.clone()),
                    (false, ": the club watches ".into()),
                    (true, title.clone()),
                    (false, format!(" on {} ({}).", when(&r.screening_local, r.screening_at), r.time_zone)),
                ],
                None => vec![
                    (false, "Voting in ".into()),
                    (true, r.name.clone()),
                    (false, " has closed without a winner: there was nothing to pick.".into()),
                ],
            },
        ),
    };
    let link = match news {
        News::Picked(_) => format!("/rounds/{}", round.id),
        _ => "/vote".to_string(),
    };
    let mut discord = String::new();
    let mut slack = String::new();
    for (outside, text) in &parts {
        discord.push_str(&if *outside { discord_text(text) } else { text.clone() });
        slack.push_str(&if *outside { slack_text(text) } else { text.clone() });
    }
    if !public_url.is_empty() {
        discord.push_str(&format!(" {public_url}{link}"));
        slack.push_str(&format!(" <{public_url}{link}>"));
    }
    serde_json::json!({
        "content": discord,
        "allowed_mentions": { "parse": [] },
        "text": slack,
    })
}

impl Webhook {
    pub fn new(db: Db, config: &ClubConfig) -> Webhook {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Webhook {
            db,
            url: Some(config.webhook_url.clone()).filter(|u| !u.is_empty()),
            public_url: config.public_url.clone(),
            client,
            first_retry: Duration::from_secs(5),
            claim: CLAIM,
        }
    }

    /// The same, with claims that last `claim` (tests wait less for a stalled sender's to run out).
    pub fn with_claim(mut self, claim: Duration) -> Webhook {
        self.claim = claim;
        self
    }

    /// The same, waiting `first_retry` after a first failure (tests wait less).
    pub fn with_first_retry(mut self, first_retry: Duration) -> Webhook {
        self.first_retry = first_retry;
        self
    }

    /// Writes the message for `news` to the outbox, once per round and kind, if a webhook is set.
    pub async fn tell(&self, news: News<'_>) {
        if self.url.is_none() {
            return;
        }
        let kind = match news {
            News::Opened(_) => "opened",
            News::ClosingSoon(_) => "closing",
            News::Picked(_) => "picked",
        };
        let round = match &news {
            News::Opened(r) | News::ClosingSoon(r) | News::Picked(r) => r.id,
        };
        let payload = message(&news, &self.public_url).to_string();
        // A lost message is not worth failing the round's change for: it is logged.
        if let Err(err) = webhooks::enqueue(&self.db, &format!("round-{round}-{kind}"), &payload, now()).await {
            tracing::warn!(%err, round, kind, "could not write a webhook message");
        }
    }

    /// Writes the reminders due now, then sends what is due; returns how many were sent.
    pub async fn run_once(&self) -> Result<usize, sqlx::Error> {
        let Some(url) = &self.url else { return Ok(0) };
        for round in rounds::closing_soon(&self.db, now(), REMIND_BEFORE).await? {
            self.tell(News::ClosingSoon(&round)).await;
        }
        let mut sent = 0;
        for message in webhooks::due(&self.db, now(), 20).await? {
            // Claimed before it is sent, in the database: another sender, here or on another
            // server, leaves it alone for the claim's lifetime (the lease alone is only this
            // server's last look at it).
            let claimant = &crate::server::services::accounts::new_token().0[..16];
            if !webhooks::claim(&self.db, message.id, claimant, self.claim.as_secs() as i64).await? {
                continue;
            }
            let outcome = self.send(url, &message.payload, message.attempts).await;
            match &outcome {
                Ok(()) => {
                    sent += 1;
                    metrics::counter!("webhook_messages_total", "outcome" => "sent").increment(1);
                    webhooks::record(&self.db, message.id, claimant, now(), Outcome::Sent).await?;
                }
                Err((error, retry_at)) => {
                    let (label, outcome) = match retry_at {
                        Some(at) => ("retry", Outcome::RetryAt(*at, error)),
                        None => ("failed", Outcome::GiveUp(error)),
                    };
                    tracing::warn!(
                        key = message.message_key,
                        attempt = message.attempts + 1,
                        error,
                        label,
                        "webhook message not delivered"
                    );
                    metrics::counter!("webhook_messages_total", "outcome" => label).increment(1);
                    webhooks::record(&self.db, message.id, claimant, now(), outcome).await?;
                }
            }
        }
        Ok(sent)
    }

    /// One attempt: Ok, or why not and when to try again (never, for a refusal that will not change).
    async fn send(&self, url: &str, payload: &str, attempts: i32) -> Result<(), (String, Option<i64>)> {
        let backoff = self.first_retry.as_secs_f64() * 2f64.powi(attempts.min(16));
        let later = |wait: f64| (attempts + 1 < MAX_ATTEMPTS).then(|| now() + wait.min(3600.0).ceil() as i64);
        let res = self
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(payload.to_string())
            .send()
            .await
            .map_err(|e| (format!("could not reach the webhook: {e}"), later(backoff)))?;
        let status = res.status();
        if status.is_success() {
            return Ok(());
        }
        let error = format!("the webhook answered {status}");
        if status == reqwest::StatusCode::TOO_MANY_REQUESTS || status.is_server_error() || status.as_u16() == 408 {
            // Discord and Slack say how long to wait when they limit a hook.
            let asked = res
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<f64>().ok())
                .unwrap_or(0.0);
            Err((error, later(backoff.max(asked))))
        } else {
            // A hook that was deleted or a malformed address: retrying cannot help.
            Err((format!("{error}; check club.webhook_url"), None))
        }
    }

    /// Sends messages on one server at a time, every `every`, for as long as the server runs.
    pub fn send_in_background(&self, lease: Arc<Lease>, every: Duration) {
        if self.url.is_none() {
            return;
        }
        let me = self.clone();
        lease.run_every(self.db.clone(), every, move || {
            let me = me.clone();
            async move { me.run_once().await.map(|_| ()) }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CarryOver, RoundStatus};

    fn round(name: &str, winner: Option<&str>) -> Round {
        Round {
            id: 7,
            name: name.into(),
            screening_at: 1_765_567_800,
            time_zone: "Europe/Paris".into(),
            deadline: 1_765_560_600,
            method: VoteMethod::Ranked,
            carry_over: CarryOver::WithVotes,
            status: RoundStatus::Closed,
            opened_at: 1_765_000_000,
            closed_at: Some(1_765_560_600),
            closed_by: Some("deadline".into()),
            winner_proposal_id: Some(3),
            winner_title: winner.map(str::to_string),
            deadline_local: String::new(),
            screening_local: String::new(),
            deadline_input: String::new(),
        }
    }

    #[test]
    fn messages_read_well_in_discord_and_slack_and_outside_text_stays_text() {
        let r = round("Friday <!channel> @everyone", Some("*Batteries* not_included"));
        let m = message(&News::Picked(&r), "https://club.example");
        assert_eq!(
            m["text"],
            "🏆 Friday &lt;!channel&gt; @everyone: the club watches *Batteries* not_included on 2025-12-12 19:30 UTC \
             (Europe/Paris). <https://club.example/rounds/7>"
        );
        assert_eq!(
            m["content"],
            "🏆 Friday <!channel\\> @everyone: the club watches \\*Batteries\\* not\\_included on 2025-12-12 19:30 UTC \
             (Europe/Paris). https://club.example/rounds/7"
        );
        // Discord: no mention in the text notifies anyone.
        assert_eq!(m["allowed_mentions"]["parse"], serde_json::json!([]));

        let opened = message(&News::Opened(&round("Friday", None)), "");
        assert_eq!(
            opened["text"],
            "🎬 Voting is open: Friday. Ranked-choice ballot, closes 2025-12-12 17:30 UTC; the screening is at \
             2025-12-12 19:30 UTC (Europe/Paris)."
        );
        let soon = message(&News::ClosingSoon(&round("Friday", None)), "https://club.example");
        assert_eq!(
            soon["text"],
            "⏰ One hour left to vote in Friday: voting closes 2025-12-12 17:30 UTC (Europe/Paris). <https://club.example/vote>"
        );
        let none = message(&News::Picked(&round("Friday", None)), "");
        assert!(none["text"].as_str().unwrap().contains("without a winner"));
    }
}
