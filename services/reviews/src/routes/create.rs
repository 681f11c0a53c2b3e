//! `POST /v1/reviews`: a party of a completed order reviews the other party, once. The buyer's
//! review rates the seller and the gig; the seller's rates the buyer. Reviews knows an order
//! only once `order.completed.v1` arrived: an order not completed, not yet announced, or of
//! which the caller is not a party is the same 404, so order ids are not confirmed to others.

use axum::extract::State;
use axum::http::StatusCode;
use mercato_common::error::{ApiError, OrConflict};
use mercato_common::error_responses;
use mercato_common::events::catalog::{EmailRequested, ReviewCreated, ReviewDirection};
use mercato_common::events::emails::{Link, Rating, ReviewReceived};
use mercato_common::events::postgres::publish;
use mercato_common::extract::Json;
use mercato_common::token::CurrentUser;
use uuid::Uuid;

use super::AppState;
use crate::NAME;
use crate::domain::NewReview;
use crate::views::{ReviewView, Reviewer};

error_responses!(
    /// What writing a review can refuse.
    CreateErrors {
        403 => ["email_not_verified"],
        404 => ["not_found"],
        409 => ["already_reviewed"]
    }
);

#[derive(sqlx::FromRow)]
struct Completed {
    gig_id: Uuid,
    gig_title: Option<String>,
    buyer_user_id: Uuid,
    seller_user_id: Uuid,
}

#[derive(sqlx::FromRow)]
struct Person {
    username: String,
    email: String,
    picture_url: Option<String>,
}

/// Reviews the other party of the caller's completed order.
#[utoipa::path(post, path = "/v1/reviews", tag = "reviews", security(("session" = [])),
    request_body = NewReview,
    responses((status = 201, description = "The review", body = ReviewView), CreateErrors))]
#[tracing::instrument(skip_all, fields(user_id = %caller.user_id))]
pub async fn create(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    Json(body): Json<NewReview>,
) -> Result<(StatusCode, Json<ReviewView>), ApiError> {
    if !caller.email_verified {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "email_not_verified",
            "verify your email address first",
        ));
    }
    body.check()?;
    let not_found = || {
        ApiError::not_found(
            "no completed order of yours with this id (a order completed a moment ago may take a moment to arrive)",
        )
    };
    let order: Completed = sqlx::query_as(
        "SELECT gig_id, gig_title, buyer_user_id, seller_user_id FROM completed_orders WHERE order_id = $1",
    )
    .bind(body.order_id)
    .fetch_optional(&state.pool)
    .await?
    .ok_or_else(not_found)?;
    let (direction, reviewee) = if caller.user_id == order.buyer_user_id {
        (ReviewDirection::BuyerToSeller, order.seller_user_id)
    } else if caller.user_id == order.seller_user_id {
        (ReviewDirection::SellerToBuyer, order.buyer_user_id)
    } else {
        return Err(not_found());
    };
    let direction_name = match direction {
        ReviewDirection::BuyerToSeller => "buyer_to_seller",
        ReviewDirection::SellerToBuyer => "seller_to_buyer",
    };
    let id = Uuid::now_v7();
    let now = chrono::Utc::now();
    let text = body.text.trim().to_owned();
    let rating = i16::try_from(body.rating).unwrap_or_default();
    let mut tx = state.pool.begin().await?;
    sqlx::query(
        "INSERT INTO reviews (id, order_id, gig_id, direction, reviewer_user_id, reviewee_user_id, \
         rating, text, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id)
    .bind(body.order_id)
    .bind(order.gig_id)
    .bind(direction_name)
    .bind(caller.user_id)
    .bind(reviewee)
    .bind(rating)
    .bind(&text)
    .bind(now)
    .execute(&mut *tx)
    .await
    .or_conflict(|_| {
        ApiError::conflict(
            "already_reviewed",
            "you already reviewed this order; a review cannot be changed",
        )
    })?;
    let star = u8::try_from(body.rating).unwrap_or_default();
    publish(
        &mut tx,
        NAME,
        &ReviewCreated {
            review_id: id,
            order_id: body.order_id,
            gig_id: order.gig_id,
            reviewer_user_id: caller.user_id,
            reviewee_user_id: reviewee,
            direction,
            rating: star,
        },
    )
    .await?;
    let people: Vec<(Uuid, Person)> = sqlx::query_as::<_, (Uuid, String, String, Option<String>)>(
        "SELECT p.user_id, p.username, p.email, COALESCE(s.picture_url, p.picture_url) \
         FROM people p LEFT JOIN sellers s ON s.user_id = p.user_id WHERE p.user_id = ANY($1)",
    )
    .bind([caller.user_id, reviewee])
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|(id, username, email, picture_url)| {
        (
            id,
            Person {
                username,
                email,
                picture_url,
            },
        )
    })
    .collect();
    let person = |id: Uuid| people.iter().find(|(p, _)| *p == id).map(|(_, p)| p);
    match (
        person(reviewee),
        Rating::try_from(star),
        review_link(&state, &order, direction),
    ) {
        (Some(recipient), Ok(rating), Some(review_url)) => {
            let vars = ReviewReceived {
                recipient_username: recipient.username.clone(),
                reviewer_username: person(caller.user_id)
                    .map_or_else(|| caller.username.clone(), |p| p.username.clone()),
                gig_title: order
                    .gig_title
                    .clone()
                    .unwrap_or_else(|| "your order".into()),
                rating,
                review_url,
            };
            publish(
                &mut tx,
                NAME,
                &EmailRequested::new(recipient.email.clone(), &vars),
            )
            .await?;
        }
        _ => tracing::warn!(%reviewee, "the reviewed person is not known yet; no email"),
    }
    tx.commit().await?;
    state.relay.wake();
    metrics::counter!("reviews_created_total", "direction" => direction_name).increment(1);
    Ok((
        StatusCode::CREATED,
        Json(ReviewView {
            id,
            order_id: body.order_id,
            gig_id: order.gig_id,
            direction,
            reviewer: Reviewer {
                user_id: caller.user_id,
                username: person(caller.user_id).map(|p| p.username.clone()),
                picture_url: person(caller.user_id).and_then(|p| p.picture_url.clone()),
            },
            reviewee_user_id: reviewee,
            rating,
            text,
            created_at: now,
        }),
    ))
}

/// Where the reviewed person reads it: the gig's page for the seller, the buyer's for a buyer.
fn review_link(state: &AppState, order: &Completed, direction: ReviewDirection) -> Option<Link> {
    let url = match direction {
        ReviewDirection::BuyerToSeller => {
            format!("{}/gigs/{}#reviews", state.public_url, order.gig_id)
        }
        ReviewDirection::SellerToBuyer => {
            format!(
                "{}/buyers/{}#reviews",
                state.public_url, order.buyer_user_id
            )
        }
    };
    Link::new(url).ok()
}
