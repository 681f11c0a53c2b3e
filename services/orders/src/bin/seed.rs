//! `orders-seed`: demo orders for a local run, in several states, made through the gateway as
//! the demo users would make them: placed with a fixed idempotency key each (so a second run
//! finds the same orders), paid in the sandbox, and taken step by step to the state the demo
//! wants. A step is taken only from the state before it, so running it again changes nothing.
//!
//! | buyer        | seller       | gig   | ends                                   |
//! |--------------|--------------|-------|----------------------------------------|
//! | ben_codes    | carla_words  | gig-0 | in progress                            |
//! | ben_codes    | dev_video    | gig-0 | delivered, waiting for ben             |
//! | carla_words  | anna_designs | gig-1 | completed                              |
//! | dev_video    | anna_designs | gig-0 | completed                              |
//! | dev_video    | ben_codes    | gig-0 | cancelled by dev_video, refunded       |
//! | ben_codes    | anna_designs | gig-2 | waiting for its payment                |

use std::io::Write;

use anyhow::{Context, bail};
use clap::Parser;
use mercato_common::demo::demo_id;
use mercato_common::demo::gateway::{DemoGateway, DemoGatewayArgs};
use mercato_orders::payments::sandbox::CARD_SUCCEEDS;
use serde_json::{Value, json};

/// Seed demo orders through the gateway.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    #[command(flatten)]
    gateway: DemoGatewayArgs,
}

/// Where a demo order ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ends {
    Unpaid,
    InProgress,
    Delivered,
    Completed,
    Cancelled,
}

const DEMO_ORDERS: [(&str, &str, &str, Ends); 6] = [
    ("ben_codes", "carla_words", "gig-0", Ends::InProgress),
    ("ben_codes", "dev_video", "gig-0", Ends::Delivered),
    ("carla_words", "anna_designs", "gig-1", Ends::Completed),
    ("dev_video", "anna_designs", "gig-0", Ends::Completed),
    ("dev_video", "ben_codes", "gig-0", Ends::Cancelled),
    ("ben_codes", "anna_designs", "gig-2", Ends::Unpaid),
];

/// The next step toward `ends` from `status`: (who, path under the order, body), or `None`
/// once there.
fn next_step(status: &str, ends: Ends) -> Option<(bool, &'static str, Value)> {
    // (true: the buyer acts, false: the seller)
    match (status, ends) {
        ("in_progress", Ends::Delivered | Ends::Completed) => Some((
            false,
            "deliveries",
            json!({"message": "Here is the work: the files are in the shared folder as agreed."}),
        )),
        ("delivered", Ends::Completed) => Some((true, "complete", json!({}))),
        ("in_progress", Ends::Cancelled) => Some((
            true,
            "cancel",
            json!({"reason": "The project was called off"}),
        )),
        _ => None,
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let gateway = args.gateway.gateway();
    let wait = args.gateway.wait();
    let mut summary = Vec::new();
    for (n, (buyer, seller, gig, ends)) in DEMO_ORDERS.into_iter().enumerate() {
        let buyer_token = gateway.sign_in(buyer).await?;
        let seller_token = gateway.sign_in(seller).await?;
        let key = format!("demo-order-{n}");
        let body = json!({
            "gig_id": demo_id(seller, gig),
            "requirements": format!("Demo order {n}: {buyer} orders from {seller}."),
        });
        let mut order = DemoGateway::until("orders hearing of the demo gigs", wait, || async {
            let (status, answer) = gateway
                .call(
                    reqwest::Method::POST,
                    Some(&buyer_token),
                    "/orders",
                    Some(&body),
                    &[("Idempotency-Key", &key)],
                )
                .await?;
            match status {
                200 | 201 => Ok(Some(answer)),
                404 => Ok(None),
                _ => bail!("placing demo order {n} answered {status} {answer}"),
            }
        })
        .await?;
        let id = order["id"]
            .as_str()
            .context("an order has an id")?
            .to_owned();
        if ends != Ends::Unpaid && order["status"] == "pending_payment" {
            let reference = order["payment"]["reference"]
                .as_str()
                .context("an unpaid order has a payment")?;
            order = gateway
                .expect(
                    200,
                    &buyer_token,
                    &format!("/payments/sandbox/{reference}/confirm"),
                    &json!({"card_number": CARD_SUCCEEDS}),
                )
                .await?;
        }
        while let Some((by_buyer, action, body)) =
            next_step(order["status"].as_str().unwrap_or_default(), ends)
        {
            let token = if by_buyer {
                &buyer_token
            } else {
                &seller_token
            };
            let (status, answer) = gateway
                .post(Some(token), &format!("/orders/{id}/{action}"), &body)
                .await?;
            if status != 200 && status != 201 {
                bail!("{action} on demo order {n} answered {status} {answer}");
            }
            order = answer;
        }
        summary.push(format!(
            "{buyer} -> {seller}: {}",
            order["status"].as_str().unwrap_or_default()
        ));
    }
    writeln!(
        std::io::stdout().lock(),
        "orders-seed: {} demo orders ({})",
        summary.len(),
        summary.join("; ")
    )?;
    Ok(())
}
