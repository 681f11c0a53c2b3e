//! A seller's gig through the gateway: a cover uploaded straight to storage, the gig listed with
//! it, found, paused out of sight, still theirs.

use std::time::Duration;

use mercato_common::testing::{eventually, put_upload};
use mercato_e2e::Platform;
use mercato_e2e::contract::send;
use serde_json::json;

use crate::people::verified_seller;

#[tokio::test]
async fn a_seller_lists_a_gig_with_a_cover_buyers_find_it_and_a_paused_gig_leaves_search_but_not_its_seller()
 {
    let platform = Platform::start().await;
    let client = reqwest::Client::new();
    let token = verified_seller(&platform, &client, "gina").await;
    let mut body = json!({
        "title": "I will design a hand lettered logo",
        "description": "Hand lettering turned into a crisp vector logo, with three concepts and two rounds of changes.",
        "category": "graphics-design",
        "sub_categories": ["logo-design"],
        "tags": ["lettering", "logo"],
        "price": {"amount": 7500, "currency": "USD"},
        "delivery_days": 4,
    });
    // gigs hears of the new seller by event: until then it refuses with `not_a_seller`.
    let upload = eventually(
        "gigs to know the seller",
        Duration::from_secs(20),
        || async {
            let answer = send(
                client
                    .post(platform.gateway.url("/api/v1/uploads/gig-cover"))
                    .bearer_auth(&token)
                    .json(
                        &json!({"content_type": "image/png", "size": 8, "file_name": "cover.png"}),
                    ),
            )
            .await;
            (answer.status == 201).then_some(answer.body)
        },
    )
    .await;
    assert_eq!(put_upload(&upload, b"pngbytes").await, 200);
    body["cover_image_key"] = upload["key"].clone();
    let created = send(
        client
            .post(platform.gateway.url("/api/v1/gigs"))
            .bearer_auth(&token)
            .json(&body),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let gig = created.body;
    let cover = reqwest::get(gig["cover_image_url"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(cover.bytes().await.unwrap().as_ref(), b"pngbytes");
    let id = gig["id"].as_str().unwrap().to_owned();

    let found = send(client.get(platform.gateway.url("/api/v1/gigs?q=lettered%20logo"))).await;
    assert_eq!(found.status, 200);
    assert_eq!(found.body["items"][0]["id"], id.as_str());
    assert_eq!(found.body["items"][0]["seller"]["username"], "gina");

    let paused = send(
        client
            .post(platform.gateway.url(&format!("/api/v1/gigs/{id}/pause")))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(
        (paused.status, paused.body["active"].as_bool()),
        (200, Some(false))
    );
    let gone = send(client.get(platform.gateway.url("/api/v1/gigs?q=lettered%20logo"))).await;
    assert!(
        gone.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["id"] != id.as_str()),
        "{}",
        gone.body
    );
    let hidden = send(client.get(platform.gateway.url(&format!("/api/v1/gigs/{id}")))).await;
    assert_eq!(hidden.status, 404);
    let own = send(
        client
            .get(platform.gateway.url(&format!("/api/v1/gigs/{id}")))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(
        (own.status, own.body["active"].as_bool()),
        (200, Some(false))
    );
    platform.stop().await;
}
