//! What the journey's checks read: every page, every email, every socket, after it.
#![expect(
    clippy::unwrap_used,
    reason = "the checks fail the test on any unexpected answer"
)]

use mercato_common::testing::eventually;
use mercato_e2e::contract::send;
use serde_json::{Value, json};

use super::{Journey, PATIENCE};
use crate::chat::post;

impl Journey<'_> {
    /// `GET path` (anonymous) once `check` holds.
    async fn get_when(&self, path: &str, check: impl Fn(&Value) -> bool) -> Value {
        eventually(path, PATIENCE, || async {
            let answer = send(self.client.get(self.url(path))).await;
            (answer.status == 200 && check(&answer.body)).then_some(answer.body)
        })
        .await
    }

    /// What the journey made shows everywhere, exactly once: the seller's page, the gig, both
    /// profiles, the order and its reviews, the emails and the sockets.
    pub async fn check_everything(&mut self) {
        self.check_records().await;
        self.check_sockets().await;
    }

    /// [`Journey::check_everything`] but the sockets (real time during a restart is best
    /// effort: what happened while a hub was away is in the API, not pushed again).
    pub async fn check_records(&mut self) {
        let gig_id = self.made["gig"]["id"].as_str().unwrap().to_owned();
        let seller = self
            .get_when("/sellers/by-username/sam", |s| {
                s["ratings"]["count"] == 1 && s["completed_jobs"] == 1
            })
            .await;
        assert_eq!(seller["ratings"]["average"], 5.0);
        assert_eq!(
            (
                seller["ongoing_jobs"].as_i64(),
                seller["cancelled_jobs"].as_i64()
            ),
            (Some(0), Some(0))
        );
        assert_eq!(seller["total_gigs"], 1);
        let own = send(
            self.client
                .get(self.url("/sellers/by-username/sam"))
                .bearer_auth(&self.seller),
        )
        .await;
        assert_eq!(
            own.body["total_earnings"],
            json!([{"amount": 9_000, "currency": "USD"}])
        );
        let gig = self
            .get_when(&format!("/gigs/{gig_id}"), |g| g["rating"]["count"] == 1)
            .await;
        assert_eq!(gig["rating"]["average"], 5.0);
        let buyer = self
            .get_when("/buyers/bea", |b| b["ratings"]["count"] == 1)
            .await;
        assert_eq!(buyer["ratings"]["average"], 4.0);
        let mine = send(
            self.client
                .get(self.url("/buyers/me"))
                .bearer_auth(&self.buyer),
        )
        .await;
        assert_eq!(mine.body["purchased_gigs"], json!([gig_id]));
        let order_id = self.made["order"]["id"].as_str().unwrap().to_owned();
        let order = eventually("the reviews attached to the order", PATIENCE, || async {
            let answer = send(
                self.client
                    .get(self.url(&format!("/orders/{order_id}")))
                    .bearer_auth(&self.buyer),
            )
            .await;
            answer.body["reviews"]["by_seller"]
                .is_string()
                .then_some(answer.body)
        })
        .await;
        assert_eq!(
            order["reviews"]["by_buyer"],
            self.made["buyer_review"]["id"]
        );
        let due = |o: &Value| {
            chrono::DateTime::parse_from_rfc3339(o["due_at"].as_str().unwrap()).unwrap()
        };
        let paid_at =
            chrono::DateTime::parse_from_rfc3339(order["paid_at"].as_str().unwrap()).unwrap();
        assert_eq!(
            due(&order) - paid_at,
            chrono::Duration::days(6 + 2),
            "the offer's days and the extension"
        );
        let gig_reviews = self
            .get_when(&format!("/gigs/{gig_id}/reviews"), |l| {
                l["aggregate"]["count"] == 1
            })
            .await;
        assert_eq!(gig_reviews["items"][0]["reviewer"]["username"], "bea");
        self.check_emails().await;
    }

    /// Every email of the journey arrived once, to its person.
    async fn check_emails(&self) {
        let wanted = [
            ("sam", "Confirm your email address"),
            ("bea", "Confirm your email address"),
            ("bea", "sam sent you a custom offer"),
            ("sam", "New order from bea"),
            ("bea", "Your receipt for"),
            ("bea", "sam asks for 2 more days"),
            ("sam", "Extension approved"),
            ("bea", "sam delivered your order"),
            ("sam", "Order completed: you earned"),
            ("sam", "bea left you a 5-star review"),
            ("bea", "sam left you a 4-star review"),
        ];
        let emails = self
            .platform
            .mail
            .wait_for(self.emails_before + wanted.len(), PATIENCE)
            .await;
        let journey = &emails[self.emails_before..];
        for (who, subject) in &wanted {
            let to = format!("{who}@example.test");
            let count = journey
                .iter()
                .filter(|e| e.rcpt_to == [to.clone()] && e.subject.starts_with(subject))
                .count();
            assert_eq!(
                count,
                1,
                "{subject:?} to {to}: {:?}",
                journey
                    .iter()
                    .map(|e| (&e.rcpt_to, &e.subject))
                    .collect::<Vec<_>>()
            );
        }
        assert_eq!(journey.len(), wanted.len(), "no other email");
    }

    /// Each socket received exactly its events: the conversation's messages and the offer's
    /// change, and its own order notifications, in order; a last message marks the end.
    async fn check_sockets(&mut self) {
        let id = self.made["conversation"]["id"].as_str().unwrap().to_owned();
        let last = post(
            self.platform,
            &self.client,
            &self.seller,
            &format!("/conversations/{id}/messages"),
            json!({"body": "Thank you, Bea!"}),
        )
        .await;
        let expected = [
            (
                &mut self.seller_socket,
                ["order_placed", "extension_resolved", "order_completed"],
            ),
            (
                &mut self.buyer_socket,
                [
                    "payment_confirmed",
                    "extension_requested",
                    "order_delivered",
                ],
            ),
        ];
        for (socket, notifications) in expected {
            let mut seen = Vec::new();
            loop {
                let (event, data) = socket.next_event().await;
                let done = event == "message:received" && data["id"] == last["id"];
                seen.push(match event.as_str() {
                    "order:notification" => format!(
                        "order:notification {}",
                        data["kind"].as_str().unwrap_or_default()
                    ),
                    "message:updated" => format!(
                        "message:updated {}",
                        data["kind"].as_str().unwrap_or_default()
                    ),
                    other => other.to_owned(),
                });
                if done {
                    break;
                }
            }
            let mut want = vec![
                "message:received".to_owned(),
                "message:received".to_owned(),
                "message:updated offer".to_owned(),
            ];
            want.extend(
                notifications
                    .iter()
                    .map(|kind| format!("order:notification {kind}")),
            );
            want.push("message:received".to_owned());
            assert_eq!(seen, want);
        }
    }
}
