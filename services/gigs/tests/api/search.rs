//! Finding gigs: relevance, web-search syntax, filters, sorts, pages, misspellings, similar
//! gigs, top rated, categories and a seller's own list.

use std::collections::HashSet;

use mercato_common::events::catalog::{ReviewCreated, ReviewDirection};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Seller, TestApp, gig, spawn_app};

fn titles(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["title"].as_str().unwrap().to_owned())
        .collect()
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn search(app: &TestApp, query: &str) -> Value {
    let (status, page) = app.get(&format!("/v1/gigs?{query}"), None).await;
    assert_eq!(status, 200, "{query}: {page}");
    page
}

async fn with_description(app: &TestApp, seller: &Seller, title: &str, description: &str) -> Value {
    let mut body = gig(title, "graphics-design", "logo-design", 3000);
    body["description"] = json!(description);
    app.create(seller, &body).await
}

#[tokio::test]
async fn a_title_match_ranks_above_a_description_match_and_phrases_and_minus_work() {
    let app = spawn_app().await;
    let anna = app.seller("anna").await;
    with_description(
        &app,
        &anna,
        "I will draw a mascot for your team",
        "A friendly mascot; I can also turn it into a logo for your shop if you ask nicely.",
    )
    .await;
    with_description(
        &app,
        &anna,
        "I will design a minimalist logo",
        "Clean vector artwork in every format you need, with two rounds of changes included.",
    )
    .await;
    with_description(
        &app,
        &anna,
        "I will design a vintage logo badge",
        "Retro badges and emblems for breweries, barbers and coffee shops, hand drawn first.",
    )
    .await;

    let logo = search(&app, "q=logo").await;
    assert_eq!(logo["matched"], "words");
    assert_eq!(logo["items"].as_array().unwrap().len(), 3);
    assert_eq!(
        titles(&logo).last().unwrap(),
        "I will draw a mascot for your team",
        "the description-only match ranks last"
    );
    let phrase = search(&app, "q=%22minimalist%20logo%22").await;
    assert_eq!(titles(&phrase), ["I will design a minimalist logo"]);
    let minus = search(&app, "q=logo%20-vintage%20-mascot").await;
    assert_eq!(titles(&minus), ["I will design a minimalist logo"]);
    app.stop().await;
}

#[tokio::test]
async fn filters_and_sorts_combine() {
    let app = spawn_app().await;
    let anna = app.seller("anna").await;
    let mut fast = gig(
        "I will design a quick logo today",
        "graphics-design",
        "logo-design",
        1500,
    );
    fast["delivery_days"] = json!(1);
    app.create(&anna, &fast).await;
    app.create(
        &anna,
        &gig(
            "I will design a premium logo system",
            "graphics-design",
            "logo-design",
            9000,
        ),
    )
    .await;
    app.create(
        &anna,
        &gig(
            "I will design a standard logo for you",
            "graphics-design",
            "logo-design",
            4000,
        ),
    )
    .await;
    app.create(
        &anna,
        &gig(
            "I will write a logo story for your brand",
            "writing-translation",
            "copywriting",
            2000,
        ),
    )
    .await;

    let cheap_first = search(&app, "q=logo&sort=price_asc").await;
    let prices: Vec<i64> = cheap_first["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["price"]["amount"].as_i64().unwrap())
        .collect();
    assert_eq!(prices, [1500, 2000, 4000, 9000]);
    let dear_first = search(&app, "sort=price_desc&category=graphics-design").await;
    assert_eq!(dear_first["items"][0]["price"]["amount"], 9000);
    assert_eq!(dear_first["items"].as_array().unwrap().len(), 3);
    let window = search(&app, "q=logo&min_price=1800&max_price=4000").await;
    assert_eq!(window["items"].as_array().unwrap().len(), 2);
    let quick = search(&app, "max_delivery_days=1").await;
    assert_eq!(titles(&quick), ["I will design a quick logo today"]);
    let newest = search(&app, "sort=newest").await;
    assert_eq!(
        titles(&newest)[0],
        "I will write a logo story for your brand"
    );

    for (query, field) in [
        ("sort=relevance", "sort"),
        ("category=cooking", "category"),
        ("min_price=5000&max_price=100", "max_price"),
        ("limit=0", "limit"),
    ] {
        let (status, error) = app.get(&format!("/v1/gigs?{query}"), None).await;
        assert_eq!(status, 422, "{query}: {error}");
        assert!(
            error["error"]["fields"][field].is_array(),
            "{query}: {error}"
        );
    }
    let (unknown, error) = app.get("/v1/gigs?colour=red", None).await;
    assert_eq!(
        (unknown, error["error"]["code"].as_str()),
        (400, Some("bad_request"))
    );
    let (bad_cursor, error) = app.get("/v1/gigs?cursor=nonsense", None).await;
    assert_eq!(
        (bad_cursor, error["error"]["code"].as_str()),
        (400, Some("invalid_cursor"))
    );
    app.stop().await;
}

/// Walks every page of `q=logo` in `sort` order, `limit` at a time, running `between` after
/// each page; the ids in the order seen.
async fn walk(
    app: &TestApp,
    sort: &str,
    limit: u32,
    mut between: impl AsyncFnMut(u32),
) -> Vec<String> {
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for page_number in 1..=20 {
        let query = match &cursor {
            Some(c) => format!("q=logo&sort={sort}&limit={limit}&cursor={c}"),
            None => format!("q=logo&sort={sort}&limit={limit}"),
        };
        let page = search(app, &query).await;
        seen.extend(ids(&page));
        cursor = page["next_cursor"].as_str().map(str::to_owned);
        if cursor.is_none() {
            return seen;
        }
        between(page_number).await;
    }
    panic!("{sort}: more than 20 pages")
}

#[tokio::test]
async fn pages_neither_repeat_nor_skip_gigs_while_others_are_added() {
    let app = spawn_app().await;
    let anna = app.seller("anna").await;
    let mut before = HashSet::new();
    for i in 0..8 {
        let body = gig(
            &format!("I will design logo number {i:02}"),
            "graphics-design",
            "logo-design",
            1000 + i * 100,
        );
        before.insert(
            app.create(&anna, &body).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    for sort in ["price_asc", "price_desc", "newest", "rating", "relevance"] {
        let seen = walk(&app, sort, 3, async |page| {
            // A new gig between pages, cheaper than all and newest of all: it lands before
            // the walk's position in some orders and after it in others.
            let body = gig(
                &format!("I will design a late logo {sort} {page}"),
                "graphics-design",
                "logo-design",
                500,
            );
            app.create(&anna, &body).await;
        })
        .await;
        let unique: HashSet<&String> = seen.iter().collect();
        assert_eq!(unique.len(), seen.len(), "{sort}: a gig shown twice");
        assert!(
            before.iter().all(|id| unique.contains(id)),
            "{sort}: a gig skipped"
        );
    }
    let page = search(&app, "q=logo&sort=price_asc&limit=2").await;
    let cursor = page["next_cursor"].as_str().unwrap();
    let (status, error) = app
        .get(
            &format!("/v1/gigs?q=logo&sort=newest&cursor={cursor}"),
            None,
        )
        .await;
    assert_eq!(
        (status, error["error"]["code"].as_str()),
        (400, Some("invalid_cursor"))
    );
    app.stop().await;
}

#[tokio::test]
async fn a_misspelt_search_falls_back_to_similar_spelling_and_says_so() {
    let app = spawn_app().await;
    let anna = app.seller("anna").await;
    app.create(
        &anna,
        &gig(
            "I will design a minimalist logo",
            "graphics-design",
            "logo-design",
            3000,
        ),
    )
    .await;
    app.create(
        &anna,
        &gig(
            "I will edit your youtube videos",
            "video-animation",
            "video-editing",
            3000,
        ),
    )
    .await;

    let fuzzy = search(&app, "q=logo%20desing").await;

    assert_eq!(fuzzy["matched"], "fuzzy");
    assert_eq!(titles(&fuzzy), ["I will design a minimalist logo"]);
    let nothing = search(&app, "q=zzzzqqqq").await;
    assert_eq!(nothing["items"], json!([]));
    app.stop().await;
}

async fn review(app: &TestApp, gig_id: &str, seller: &Seller, rating: u8) {
    app.publish_event(&ReviewCreated {
        review_id: Uuid::now_v7(),
        order_id: Uuid::now_v7(),
        gig_id: Uuid::parse_str(gig_id).unwrap(),
        reviewer_user_id: Uuid::now_v7(),
        reviewee_user_id: seller.caller.user_id,
        direction: ReviewDirection::BuyerToSeller,
        rating,
    })
    .await;
}

#[tokio::test]
async fn top_gigs_rank_by_the_bayesian_average_and_similar_gigs_share_the_category() {
    let app = spawn_app().await;
    let anna = app.seller("anna").await;
    let one_five = app
        .create(
            &anna,
            &gig(
                "I will design one lucky logo",
                "graphics-design",
                "logo-design",
                3000,
            ),
        )
        .await;
    let many = app
        .create(
            &anna,
            &gig(
                "I will design a trusted logo",
                "graphics-design",
                "logo-design",
                3000,
            ),
        )
        .await;
    let three = app
        .create(
            &anna,
            &gig(
                "I will design a solid logo mark",
                "graphics-design",
                "logo-design",
                3000,
            ),
        )
        .await;
    let other = app
        .create(
            &anna,
            &gig(
                "I will write a logo story for your brand",
                "writing-translation",
                "copywriting",
                3000,
            ),
        )
        .await;
    review(&app, one_five["id"].as_str().unwrap(), &anna, 5).await;
    for i in 0..20 {
        review(
            &app,
            many["id"].as_str().unwrap(),
            &anna,
            if i < 18 { 5 } else { 4 },
        )
        .await;
    }
    for _ in 0..3 {
        review(&app, three["id"].as_str().unwrap(), &anna, 5).await;
    }
    app.settled(1 + 24).await;

    let (status, top) = app.get("/v1/gigs/top?category=graphics-design", None).await;
    assert_eq!(status, 200, "{top}");
    // (98 + 40) / 30 = 4.6, then (15 + 40) / 13 = 4.23, then (5 + 40) / 11 = 4.09.
    assert_eq!(
        ids(&top),
        [&many["id"], &three["id"], &one_five["id"]].map(|v| v.as_str().unwrap().to_owned())
    );
    assert_eq!(top["items"][0]["rating"]["average"], 4.9);
    assert_eq!(top["items"][0]["rating"]["stars"]["four"], 2);
    let by_rating = search(&app, "sort=rating&category=graphics-design").await;
    assert_eq!(ids(&by_rating)[0], many["id"].as_str().unwrap());

    let (status, similar) = app
        .get(
            &format!("/v1/gigs/{}/similar", many["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(status, 200, "{similar}");
    let similar_ids = ids(&similar);
    assert_eq!(similar_ids.len(), 2, "same category, not itself: {similar}");
    assert!(!similar_ids.contains(&other["id"].as_str().unwrap().to_owned()));
    assert_eq!(
        app.get(&format!("/v1/gigs/{}/similar", Uuid::now_v7()), None)
            .await
            .0,
        404
    );

    let (status, categories) = app.get("/v1/categories", None).await;
    assert_eq!(status, 200);
    let count = |slug: &str| {
        categories["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["slug"] == slug)
            .unwrap()["active_gigs"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(
        (
            count("graphics-design"),
            count("writing-translation"),
            count("data")
        ),
        (3, 1, 0)
    );
    app.stop().await;
}

#[tokio::test]
async fn a_sellers_paused_gigs_show_only_to_the_seller_and_leave_search() {
    let app = spawn_app().await;
    let anna = app.seller("anna").await;
    let ben = app.seller("ben").await;
    let kept = app
        .create(
            &anna,
            &gig(
                "I will design a lasting logo",
                "graphics-design",
                "logo-design",
                3000,
            ),
        )
        .await;
    let paused = app
        .create(
            &anna,
            &gig(
                "I will design a paused logo",
                "graphics-design",
                "logo-design",
                3000,
            ),
        )
        .await;
    app.post(
        &format!("/v1/gigs/{}/pause", paused["id"].as_str().unwrap()),
        &anna.caller,
        &json!({}),
    )
    .await;

    let path = format!("/v1/sellers/{}/gigs", anna.seller_id);
    let (_, active) = app.get(&path, None).await;
    assert_eq!(ids(&active), [kept["id"].as_str().unwrap()]);
    let (_, own_paused) = app
        .get(&format!("{path}?active=false"), Some(&anna.caller))
        .await;
    assert_eq!(ids(&own_paused), [paused["id"].as_str().unwrap()]);
    let (_, others_paused) = app
        .get(&format!("{path}?active=false"), Some(&ben.caller))
        .await;
    assert_eq!(others_paused["items"], json!([]));
    assert_eq!(
        titles(&search(&app, "q=logo").await),
        ["I will design a lasting logo"]
    );
    let (missing, _) = app
        .request(
            Method::GET,
            &format!("/v1/sellers/{}/gigs", Uuid::now_v7()),
            None,
            None,
        )
        .await;
    assert_eq!(missing, 404);
    app.stop().await;
}
