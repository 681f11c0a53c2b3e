//! `chat-seed`: a demo conversation for a local run, made through the gateway as two demo
//! users would make it: Ben asks Anna about her logo gig, she answers with a custom offer.
//!
//! It signs both in with the demo password and trusted device, waits until chat has heard of
//! them and of the gig (events from auth, users and gigs), and writes only into a conversation
//! that has no messages yet, so a second run changes nothing.

use std::io::Write;

use anyhow::Context;
use clap::Parser;
use mercato_common::demo::demo_id;
use mercato_common::demo::gateway::{DemoGateway, DemoGatewayArgs};
use serde_json::json;

/// Seed a demo conversation through the gateway.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    #[command(flatten)]
    gateway: DemoGatewayArgs,
}

const BUYER: &str = "ben_codes";
const SELLER: &str = "anna_designs";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let gateway = args.gateway.gateway();
    let ben = gateway.sign_in(BUYER).await?;
    let anna = gateway.sign_in(SELLER).await?;
    let gig = demo_id(SELLER, "gig-0");
    let conversation = DemoGateway::until(
        "chat hearing of the demo seller and her gig",
        args.gateway.wait(),
        || async {
            let (status, body) = gateway
                .post(
                    Some(&ben),
                    "/conversations",
                    &json!({"with_username": SELLER, "gig_id": gig}),
                )
                .await?;
            Ok((status == 200 || status == 201).then_some(body))
        },
    )
    .await?;
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
        .expect(
            201,
            &ben,
            &messages,
            &json!({"body": "Hi Anna! I need a logo for a small Rust consultancy. Could you do a dark and a light version?"}),
        )
        .await?;
    gateway
        .expect(
            201,
            &anna,
            &messages,
            &json!({"body": "Happy to, Ben. Here is an offer with both versions and the source files."}),
        )
        .await?;
    let offer = gateway
        .expect(
            201,
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
