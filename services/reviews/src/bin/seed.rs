//! `reviews-seed`: demo reviews for a local run, written through the gateway by the parties of
//! the demo orders `orders-seed` completed: each buyer reviews the seller and each seller the
//! buyer. A review that exists (409) is left alone, so a second run changes nothing.

use std::io::Write;

use anyhow::{Context, bail};
use clap::Parser;
use mercato_common::demo::gateway::{DemoGateway, DemoGatewayArgs};
use serde_json::json;

/// Seed demo reviews through the gateway.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    #[command(flatten)]
    gateway: DemoGatewayArgs,
}

/// Stars and words.
type Said = (i32, &'static str);

/// The reviews of one demo order that completes.
struct DemoReview {
    buyer: &'static str,
    seller: &'static str,
    by_buyer: Said,
    by_seller: Said,
}

const DEMO_REVIEWS: [DemoReview; 2] = [
    DemoReview {
        buyer: "carla_words",
        seller: "anna_designs",
        by_buyer: (
            5,
            "Anna understood the brief at once; the style guide is beautiful and complete.",
        ),
        by_seller: (
            5,
            "Carla sent clear requirements and answered every question within the hour.",
        ),
    },
    DemoReview {
        buyer: "dev_video",
        seller: "anna_designs",
        by_buyer: (
            4,
            "A clean logo delivered on time; one more concept would have been nice.",
        ),
        by_seller: (
            5,
            "Dev knew exactly what he wanted. A pleasure to work with.",
        ),
    },
];

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let gateway = args.gateway.gateway();
    let mut written = 0;
    let mut existing = 0;
    for DemoReview {
        buyer,
        seller,
        by_buyer,
        by_seller,
    } in DEMO_REVIEWS
    {
        let buyer_token = gateway.sign_in(buyer).await?;
        let seller_token = gateway.sign_in(seller).await?;
        let (status, orders) = gateway
            .call(
                reqwest::Method::GET,
                Some(&buyer_token),
                "/orders?role=buyer&status=completed",
                None,
                &[],
            )
            .await?;
        if status != 200 {
            bail!("{buyer}'s orders answered {status} {orders}");
        }
        let order = orders["items"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|o| o["seller"]["username"] == seller)
            .and_then(|o| o["id"].as_str())
            .with_context(|| {
                format!("{buyer} has no completed order from {seller}; run orders-seed first")
            })?
            .to_owned();
        for (token, (rating, text)) in [(&buyer_token, by_buyer), (&seller_token, by_seller)] {
            let body = json!({"order_id": order, "rating": rating, "text": text});
            let status = DemoGateway::until(
                "reviews hearing of the completed order",
                args.gateway.wait(),
                || async {
                    let (status, answer) = gateway.post(Some(token), "/reviews", &body).await?;
                    match status {
                        201 | 409 => Ok(Some(status)),
                        404 => Ok(None),
                        _ => bail!("reviewing order {order} answered {status} {answer}"),
                    }
                },
            )
            .await?;
            if status == 201 {
                written += 1;
            } else {
                existing += 1;
            }
        }
    }
    writeln!(
        std::io::stdout().lock(),
        "reviews-seed: {written} demo review(s) written, {existing} already there"
    )?;
    Ok(())
}
