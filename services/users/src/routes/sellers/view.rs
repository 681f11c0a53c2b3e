//! A seller profile as the API shows it.

use mercato_common::error::ApiError;
use mercato_common::events::catalog::Money;
use mercato_common::openapi::{Id, Timestamp};
use mercato_common::ratings::Ratings;
use mercato_common::token::Caller;
use serde::Serialize;

use super::super::AppState;
use crate::domain::profile::{Certificate, Education, Experience, Language};
use crate::store::{SellerDoc, counter, ratings_of};

/// A seller as the API shows it; earnings only to the seller themself.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Seller)]
pub struct SellerView {
    #[schema(value_type = Id)]
    id: String,
    #[schema(value_type = Id)]
    user_id: String,
    username: String,
    full_name: String,
    one_liner: String,
    description: String,
    languages: Vec<Language>,
    skills: Vec<String>,
    experience: Vec<Experience>,
    education: Vec<Education>,
    certificates: Vec<Certificate>,
    social_links: Vec<String>,
    response_time_hours: u32,
    country: Option<String>,
    profile_picture_url: Option<String>,
    ratings: Ratings,
    total_gigs: i64,
    ongoing_jobs: i64,
    completed_jobs: i64,
    cancelled_jobs: i64,
    /// When the seller last delivered an order.
    #[schema(value_type = Option<Timestamp>)]
    recent_delivery: Option<String>,
    #[schema(value_type = Timestamp)]
    created_at: String,
    /// Earnings per currency; only in the seller's own profile.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    total_earnings: Option<Vec<Money>>,
}

/// The profile of `seller` as `caller` may see it.
#[tracing::instrument(skip_all)]
pub(super) async fn view(
    state: &AppState,
    seller: SellerDoc,
    caller: Option<&Caller>,
) -> Result<SellerView, ApiError> {
    let stats = state.store.stats_of(&seller.user_id).await?;
    let own = caller.is_some_and(|c| c.user_id.to_string() == seller.user_id);
    let ratings = ratings_of(&stats, "");
    let total_earnings = own.then(|| {
        let earnings = stats.get_document("earnings").cloned().unwrap_or_default();
        earnings
            .keys()
            .map(|currency| Money {
                amount: counter(&earnings, currency),
                currency: currency.clone(),
            })
            .collect()
    });
    Ok(SellerView {
        id: seller.id,
        user_id: seller.user_id,
        username: seller.username,
        full_name: seller.full_name,
        one_liner: seller.one_liner,
        description: seller.description,
        languages: seller.languages,
        skills: seller.skills,
        experience: seller.experience,
        education: seller.education,
        certificates: seller.certificates,
        social_links: seller.social_links,
        response_time_hours: seller.response_time_hours,
        country: seller.country,
        profile_picture_url: seller.profile_picture_url,
        ratings,
        // Counters may dip below zero for a moment while reordered events settle.
        total_gigs: counter(&stats, "total_gigs").max(0),
        ongoing_jobs: counter(&stats, "ongoing_jobs").max(0),
        completed_jobs: counter(&stats, "completed_jobs").max(0),
        cancelled_jobs: counter(&stats, "cancelled_jobs").max(0),
        recent_delivery: stats.get_str("recent_delivery").ok().map(str::to_owned),
        created_at: seller.created_at,
        total_earnings,
    })
}
