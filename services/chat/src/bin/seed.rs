//! `chat-seed`: a demo conversation for a local run, made through the gateway as two demo
//! users would make it: Ben asks Anna about her logo gig, she answers with a custom offer.
//!
//! It signs both in with the demo password and trusted device, waits until chat has heard of
//! them and of the gig (events from auth, users and gigs), and writes only into a conversation
//! that has no messages yet, so a second run changes nothing.

use std::io::Write;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Parser;
use mercato_common::demo::{DEMO_DEVICE, DEMO_PASSWORD, demo_id};
use serde_json::{Value, json};

/// Seed a demo conversation through the gateway.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The gateway's base URL.
    #[arg(long, env = "GATEWAY_URL", default_value = "http://127.0.0.1:4000")]
    gateway: String,
    /// How long to wait for chat to hear of the demo users and gig.
    #[arg(long, default_value_t = 60)]
    wait_seconds: u64,
}

const BUYER: &str = "ben_codes";
const SELLER: &str = "anna_designs";

struct Gateway {
    base: String,
    http: reqwest::Client,
}

impl Gateway {
    async fn call(
        &self,
        token: Option<&str>,
        path: &str,
        body: &Value,
    ) -> anyhow::Result<(u16, Value)> {
        let mut request = self
            .http
            .post(format!("{}/api/v1{path}", self.base))
            .json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request
            .send()
            .await
            .with_context(|| format!("POST {path}"))?;
        let status = response.status().as_u16();
        Ok((status, response.json().await.unwrap_or(Value::Null)))
    }

    async fn sign_in(&self, username: &str) -> anyhow::Result<String> {
        let (status, body) = self
            .call(
                None,
                "/auth/signin",
                &json!({"login": username, "password": DEMO_PASSWORD, "device_id": DEMO_DEVICE}),
            )
            .await?;
        match body["access_token"].as_str() {
            Some(token) if status == 200 => Ok(token.to_owned()),
            _ => bail!("{username} cannot sign in ({status} {body}); run auth-seed first"),
        }
    }

    async fn expect_created(&self, token: &str, path: &str, body: &Value) -> anyhow::Result<Value> {
        let (status, answer) = self.call(Some(token), path, body).await?;
        if status != 201 {
            bail!("POST {path} answered {status} {answer}");
        }
        Ok(answer)
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let gateway = Gateway {
        base: args.gateway.trim_end_matches('/').to_owned(),
        http: reqwest::Client::new(),
    };
    let ben = gateway.sign_in(BUYER).await?;
    let anna = gateway.sign_in(SELLER).await?;
    let gig = demo_id(SELLER, "gig-0");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(args.wait_seconds);
    let conversation = loop {
        let (status, body) = gateway
            .call(
                Some(&ben),
                "/conversations",
                &json!({"with_username": SELLER, "gig_id": gig}),
            )
            .await?;
        if status == 200 || status == 201 {
            break body;
        }
        if tokio::time::Instant::now() >= deadline {
            bail!("chat did not hear of {SELLER} and her gig in time ({status} {body})");
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let id = conversation["id"]
        .as_str()
        .context("a conversation has an id")?;
    if conversation["last_seq"].as_i64().unwrap_or(0) > 0 {
        writeln!(
            std::io::stdout().lock(),
            "chat-seed: the demo conversation {id} exists"
        )?;
        return Ok(());
    }
    let messages = format!("/conversations/{id}/messages");
    gateway
        .expect_created(
            &ben,
            &messages,
            &json!({"body": "Hi Anna! I need a logo for a small Rust consultancy. Could you do a dark and a light version?"}),
        )
        .await?;
    gateway
        .expect_created(
            &anna,
            &messages,
            &json!({"body": "Happy to, Ben. Here is an offer with both versions and the source files."}),
        )
        .await?;
    let offer = gateway
        .expect_created(
            &anna,
            &messages,
            &json!({"offer": {
                "description": "Logo in a dark and a light version, three concepts, two rounds of changes, SVG and PNG source files",
                "price": 9_500,
                "delivery_days": 5,
                "expires_at": (chrono::Utc::now() + chrono::Duration::days(14)).to_rfc3339(),
            }}),
        )
        .await?;
    writeln!(
        std::io::stdout().lock(),
        "chat-seed: {BUYER} and {SELLER} talk in conversation {id}; offer {} waits for {BUYER}",
        offer["offer"]["id"].as_str().unwrap_or_default()
    )?;
    Ok(())
}
