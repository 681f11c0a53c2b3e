//! The marketplace journey through the gateway only, as a seller and a buyer live it, with a
//! Socket.IO client connected for each: sign up and verify by email, a seller profile, a gig
//! with a cover, found by search, a conversation, a custom offer accepted, an order placed with
//! an idempotency key and paid in the sandbox, an extension approved, a delivery with a file,
//! the completion, both reviews. Then every page shows the ratings and counters, every email
//! arrived once to its person, and each socket received exactly what was meant for it.
//!
//! [`Journey`] runs it step by step, so the fault tests can break something between steps;
//! [`checks`] reads what it made.
#![expect(
    clippy::unwrap_used,
    reason = "the journey's steps fail the test on any unexpected answer"
)]

use std::collections::BTreeMap;
use std::time::Duration;

use mercato_common::testing::{TestSocket, eventually, put_upload};
use mercato_e2e::Platform;
use mercato_e2e::contract::send;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::chat::post;
use crate::orders::pay;
use crate::people::{verified_seller, verified_user};

mod checks;

/// A journey taken apart while the platform changes under it.
pub struct Parts {
    client: reqwest::Client,
    seller: String,
    buyer: String,
    made: BTreeMap<&'static str, Value>,
    emails_before: usize,
}

/// Waits on what a service learns by events a moment after another one wrote it (up to a
/// retry queue's 30 s delay after a store came back).
const PATIENCE: Duration = Duration::from_secs(60);

/// The journey's two people and what they made so far.
pub struct Journey<'a> {
    pub platform: &'a Platform,
    pub client: reqwest::Client,
    /// The seller's access token.
    pub seller: String,
    /// The buyer's access token.
    pub buyer: String,
    seller_socket: TestSocket,
    buyer_socket: TestSocket,
    /// What each step made: gig, conversation, offer, order, reviews.
    pub made: BTreeMap<&'static str, Value>,
    /// How many emails the platform had sent before the journey.
    emails_before: usize,
}

impl<'a> Journey<'a> {
    /// Signs both people up, verified by their emails' links, and connects their sockets.
    pub async fn begin(platform: &'a Platform) -> Self {
        let client = reqwest::Client::new();
        let emails_before = platform.mail.emails().len();
        let seller = verified_seller(platform, &client, "sam").await;
        let buyer = verified_user(platform, &client, "bea").await;
        let base = platform.gateway.url("");
        let seller_socket = TestSocket::admitted(&base, &seller).await;
        let buyer_socket = TestSocket::admitted(&base, &buyer).await;
        Self {
            platform,
            client,
            seller,
            buyer,
            seller_socket,
            buyer_socket,
            made: BTreeMap::new(),
            emails_before,
        }
    }

    /// What the journey holds beyond the platform, to go on after the platform changed
    /// (a service restarted): the client, both tokens, what was made, the emails counted.
    pub fn into_parts(self) -> Parts {
        Parts {
            client: self.client,
            seller: self.seller,
            buyer: self.buyer,
            made: self.made,
            emails_before: self.emails_before,
        }
    }

    /// Goes on with `parts` on `platform`, with new sockets for both people.
    pub async fn resume(platform: &'a Platform, parts: Parts) -> Self {
        let base = platform.gateway.url("");
        Self {
            platform,
            seller_socket: TestSocket::admitted(&base, &parts.seller).await,
            buyer_socket: TestSocket::admitted(&base, &parts.buyer).await,
            client: parts.client,
            seller: parts.seller,
            buyer: parts.buyer,
            made: parts.made,
            emails_before: parts.emails_before,
        }
    }

    fn url(&self, path: &str) -> String {
        self.platform.gateway.url(&format!("/api/v1{path}"))
    }

    /// `POST path` as `who` once it answers 200 or 201 (a service may not have heard of what
    /// the step needs yet: it answers 403/404 until then).
    async fn post_when_ready(&self, who: &str, path: &str, body: Value) -> Value {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let answer = send(
                self.client
                    .post(self.url(path))
                    .bearer_auth(who)
                    .json(&body),
            )
            .await;
            if answer.status == 200 || answer.status == 201 {
                return answer.body;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "POST {path} still answers {} {} after {PATIENCE:?}",
                answer.status,
                answer.body
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The seller lists a gig with a cover; the buyer finds it by search.
    pub async fn list_and_find_a_gig(&mut self) {
        let upload = self
            .post_when_ready(
                &self.seller,
                "/uploads/gig-cover",
                json!({"content_type": "image/png", "size": 8, "file_name": "cover.png"}),
            )
            .await;
        assert_eq!(put_upload(&upload, b"pngbytes").await, 200);
        let gig = post(
            self.platform,
            &self.client,
            &self.seller,
            "/gigs",
            json!({
                "title": "I will paint a watercolour bakery logo",
                "description": "A hand painted watercolour logo for bakeries and cafes, scanned and vectorised.",
                "category": "graphics-design",
                "sub_categories": ["logo-design"],
                "tags": ["watercolour", "logo"],
                "price": {"amount": 6000, "currency": "USD"},
                "delivery_days": 5,
                "cover_image_key": upload["key"],
            }),
        )
        .await;
        let found = send(self.client.get(self.url("/gigs?q=watercolour%20bakery"))).await;
        assert_eq!(found.status, 200);
        assert_eq!(found.body["items"][0]["id"], gig["id"], "{}", found.body);
        self.made.insert("gig", gig);
    }

    /// The buyer opens a conversation about the gig and writes; the seller answers with a
    /// custom offer the buyer accepts.
    pub async fn agree_on_an_offer(&mut self) {
        let gig_id = self.made["gig"]["id"].clone();
        let conversation = self
            .post_when_ready(
                &self.buyer,
                "/conversations",
                json!({"with_username": "sam", "gig_id": gig_id}),
            )
            .await;
        let id = conversation["id"].as_str().unwrap().to_owned();
        let messages = format!("/conversations/{id}/messages");
        post(
            self.platform,
            &self.client,
            &self.buyer,
            &messages,
            json!({"body": "Could you paint two versions?"}),
        )
        .await;
        let offer = post(
            self.platform,
            &self.client,
            &self.seller,
            &messages,
            json!({"offer": {
                "description": "Two watercolour logos, vector files and a colour guide",
                "price": 9_000,
                "delivery_days": 6,
                "expires_at": (chrono::Utc::now() + chrono::Duration::days(3)).to_rfc3339(),
            }}),
        )
        .await;
        let offer_id = offer["offer"]["id"].as_str().unwrap().to_owned();
        post(
            self.platform,
            &self.client,
            &self.buyer,
            &format!("/offers/{offer_id}/accept"),
            json!({}),
        )
        .await;
        self.made.insert("conversation", conversation);
        self.made.insert("offer", offer["offer"].clone());
    }

    /// The buyer places the order of the offer (a retry with the same key answers the same
    /// order) and pays it in the sandbox.
    pub async fn place_and_pay(&mut self) {
        let key = Uuid::now_v7().to_string();
        let body =
            json!({"offer_id": self.made["offer"]["id"], "requirements": "Bakery name: Crumbs"});
        let order = eventually("orders to know the accepted offer", PATIENCE, || async {
            let answer = send(
                self.client
                    .post(self.url("/orders"))
                    .bearer_auth(&self.buyer)
                    .header("Idempotency-Key", &key)
                    .json(&body),
            )
            .await;
            (answer.status == 201).then_some(answer.body)
        })
        .await;
        let retried = send(
            self.client
                .post(self.url("/orders"))
                .bearer_auth(&self.buyer)
                .header("Idempotency-Key", &key)
                .json(&body),
        )
        .await;
        assert_eq!((retried.status, &retried.body["id"]), (200, &order["id"]));
        assert_eq!(order["price"]["amount"], 9_000);
        let paid = pay(self.platform, &self.client, &self.buyer, &order).await;
        assert_eq!(paid["status"], "in_progress");
        self.made.insert("order", paid);
    }

    fn order_path(&self, action: &str) -> String {
        format!(
            "/orders/{}/{action}",
            self.made["order"]["id"].as_str().unwrap()
        )
    }

    /// The seller asks for two more days; the buyer approves.
    pub async fn extend(&mut self) {
        let asked = post(
            self.platform,
            &self.client,
            &self.seller,
            &self.order_path("extensions"),
            json!({"days": 2, "reason": "The second version needs more drying time"}),
        )
        .await;
        let extension = asked["extensions"][0]["id"].as_str().unwrap().to_owned();
        let approved = post(
            self.platform,
            &self.client,
            &self.buyer,
            &self.order_path(&format!("extensions/{extension}/approve")),
            json!({}),
        )
        .await;
        assert_eq!(approved["extensions"][0]["status"], "approved");
    }

    /// The seller delivers with a file; the buyer downloads it and completes the order.
    pub async fn deliver_and_complete(&mut self) {
        let upload = post(
            self.platform,
            &self.client,
            &self.seller,
            "/uploads/delivery",
            json!({"file_name": "logos.pdf", "content_type": "application/pdf", "size": 9}),
        )
        .await;
        assert_eq!(put_upload(&upload, b"%PDF-1.4\n").await, 200);
        let delivered = post(
            self.platform,
            &self.client,
            &self.seller,
            &self.order_path("deliveries"),
            json!({"message": "Both versions are attached", "attachments": [{"key": upload["key"], "name": "logos.pdf"}]}),
        )
        .await;
        let file = reqwest::get(
            delivered["deliveries"][0]["files"][0]["url"]
                .as_str()
                .unwrap(),
        )
        .await
        .unwrap();
        assert_eq!(file.bytes().await.unwrap().as_ref(), b"%PDF-1.4\n");
        let completed = post(
            self.platform,
            &self.client,
            &self.buyer,
            &self.order_path("complete"),
            json!({}),
        )
        .await;
        assert_eq!(completed["status"], "completed");
        self.made.insert("order", completed);
    }

    /// Both review the completed order.
    pub async fn review(&mut self) {
        let order = self.made["order"]["id"].clone();
        let by_buyer = self
            .post_when_ready(
                &self.buyer,
                "/reviews",
                json!({"order_id": order, "rating": 5, "text": "Beautiful logos, and early."}),
            )
            .await;
        let by_seller = self
            .post_when_ready(
                &self.seller,
                "/reviews",
                json!({"order_id": order, "rating": 4, "text": "Clear brief, quick answers."}),
            )
            .await;
        self.made.insert("buyer_review", by_buyer);
        self.made.insert("seller_review", by_seller);
    }

    /// Every step, in order.
    pub async fn run(&mut self) {
        self.list_and_find_a_gig().await;
        self.agree_on_an_offer().await;
        self.place_and_pay().await;
        self.extend().await;
        self.deliver_and_complete().await;
        self.review().await;
    }
}

#[tokio::test]
async fn the_marketplace_journey_through_the_gateway() {
    let platform = Platform::start().await;
    let mut journey = Journey::begin(&platform).await;

    journey.run().await;

    journey.check_everything().await;
    platform.stop().await;
}
