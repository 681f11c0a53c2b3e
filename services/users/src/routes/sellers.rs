//! Seller profiles: become a seller, edit one's own profile, read any profile.

use std::collections::BTreeMap;

use axum::extract::{FromRequest, Path, Query, State};
use axum::http::StatusCode;
use futures_util::TryStreamExt;
use mercato_common::error::{ApiError, Json, OrConflict};
use mercato_common::events::catalog::{SellerCreated, SellerUpdated};
use mercato_common::events::mongo::publish;
use mercato_common::token::{Caller, CurrentUser, MaybeUser};
use mongodb::bson::{self, Document, doc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::AppState;
use crate::NAME;
use crate::domain::profile::{self, Certificate, Checker, Education, Experience, Language};
use crate::store::{SellerDoc, counter};

/// `POST /v1/sellers`: every field a profile has; counters and ratings are not settable.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateSellerRequest {
    full_name: String,
    one_liner: String,
    description: String,
    languages: Vec<Language>,
    skills: Vec<String>,
    #[serde(default)]
    experience: Vec<Experience>,
    #[serde(default)]
    education: Vec<Education>,
    #[serde(default)]
    certificates: Vec<Certificate>,
    #[serde(default)]
    social_links: Vec<String>,
    response_time_hours: u32,
}

/// `PATCH /v1/sellers/me`: any subset of the profile's fields.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateSellerRequest {
    full_name: Option<String>,
    one_liner: Option<String>,
    description: Option<String>,
    languages: Option<Vec<Language>>,
    skills: Option<Vec<String>>,
    experience: Option<Vec<Experience>>,
    education: Option<Vec<Education>>,
    certificates: Option<Vec<Certificate>>,
    social_links: Option<Vec<String>>,
    response_time_hours: Option<u32>,
}

impl UpdateSellerRequest {
    /// Checks the fields present; absent ones keep their stored, already valid values.
    fn check(&self) -> Result<(), ApiError> {
        ProfileFields {
            full_name: self.full_name.as_deref(),
            one_liner: self.one_liner.as_deref(),
            description: self.description.as_deref(),
            languages: self.languages.as_deref(),
            skills: self.skills.as_deref(),
            experience: self.experience.as_deref(),
            education: self.education.as_deref(),
            certificates: self.certificates.as_deref(),
            social_links: self.social_links.as_deref(),
            response_time_hours: self.response_time_hours,
        }
        .check()
    }

    /// The `$set` document of the fields present, trimmed.
    fn to_set(&self) -> Result<Document, ApiError> {
        let mut set = Document::new();
        let mut put =
            |key: &str, value: Result<bson::Bson, bson::ser::Error>| -> Result<(), ApiError> {
                set.insert(key, value.map_err(ApiError::internal)?);
                Ok(())
            };
        if let Some(v) = &self.full_name {
            put("full_name", Ok(v.trim().into()))?
        }
        if let Some(v) = &self.one_liner {
            put("one_liner", Ok(v.trim().into()))?
        }
        if let Some(v) = &self.description {
            put("description", Ok(v.trim().into()))?
        }
        if let Some(v) = &self.languages {
            put("languages", bson::to_bson(v))?
        }
        if let Some(v) = &self.skills {
            put(
                "skills",
                Ok(v.iter()
                    .map(|s| s.trim().to_owned())
                    .collect::<Vec<_>>()
                    .into()),
            )?
        }
        if let Some(v) = &self.experience {
            put("experience", bson::to_bson(v))?
        }
        if let Some(v) = &self.education {
            put("education", bson::to_bson(v))?
        }
        if let Some(v) = &self.certificates {
            put("certificates", bson::to_bson(v))?
        }
        if let Some(v) = &self.social_links {
            put("social_links", bson::to_bson(v))?
        }
        if let Some(v) = self.response_time_hours {
            put("response_time_hours", Ok(bson::Bson::Int64(i64::from(v))))?
        }
        Ok(set)
    }
}

impl CreateSellerRequest {
    fn check(&self) -> Result<(), ApiError> {
        ProfileFields {
            full_name: Some(&self.full_name),
            one_liner: Some(&self.one_liner),
            description: Some(&self.description),
            languages: Some(&self.languages),
            skills: Some(&self.skills),
            experience: Some(&self.experience),
            education: Some(&self.education),
            certificates: Some(&self.certificates),
            social_links: Some(&self.social_links),
            response_time_hours: Some(self.response_time_hours),
        }
        .check()
    }
}

/// The profile fields of a request, each present or not: the one place both creating and
/// editing a profile check them.
struct ProfileFields<'a> {
    full_name: Option<&'a str>,
    one_liner: Option<&'a str>,
    description: Option<&'a str>,
    languages: Option<&'a [Language]>,
    skills: Option<&'a [String]>,
    experience: Option<&'a [Experience]>,
    education: Option<&'a [Education]>,
    certificates: Option<&'a [Certificate]>,
    social_links: Option<&'a [String]>,
    response_time_hours: Option<u32>,
}

impl ProfileFields<'_> {
    fn check(&self) -> Result<(), ApiError> {
        let mut c = Checker::default();
        if let Some(v) = self.full_name {
            profile::check_full_name(&mut c, v);
        }
        if let Some(v) = self.one_liner {
            profile::check_one_liner(&mut c, v);
        }
        if let Some(v) = self.description {
            profile::check_description(&mut c, v);
        }
        if let Some(v) = self.languages {
            profile::check_languages(&mut c, v);
        }
        if let Some(v) = self.skills {
            profile::check_skills(&mut c, v);
        }
        if let Some(v) = self.experience {
            profile::check_experience(&mut c, v);
        }
        if let Some(v) = self.education {
            profile::check_education(&mut c, v);
        }
        if let Some(v) = self.certificates {
            profile::check_certificates(&mut c, v);
        }
        if let Some(v) = self.social_links {
            profile::check_social_links(&mut c, v);
        }
        if let Some(v) = self.response_time_hours {
            profile::check_response_time(&mut c, v);
        }
        c.finish().map_err(ApiError::validation)
    }
}

/// Ratings as the API shows them.
#[derive(Debug, Serialize)]
pub struct RatingsView {
    count: i64,
    average: f64,
    stars: BTreeMap<&'static str, i64>,
}

/// A seller as the API shows it; earnings only to the seller themself.
#[derive(Debug, Serialize)]
pub struct SellerView {
    id: String,
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
    ratings: RatingsView,
    total_gigs: i64,
    ongoing_jobs: i64,
    completed_jobs: i64,
    cancelled_jobs: i64,
    recent_delivery: Option<String>,
    created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    total_earnings: Option<Vec<mercato_common::events::catalog::Money>>,
}

#[tracing::instrument(skip_all)]
async fn view(
    state: &AppState,
    seller: SellerDoc,
    caller: Option<&Caller>,
) -> Result<SellerView, ApiError> {
    let stats = state.store.stats_of(&seller.user_id).await?;
    let own = caller.is_some_and(|c| c.user_id.to_string() == seller.user_id);
    let count = counter(&stats, "rating_count");
    let sum = counter(&stats, "rating_sum");
    #[expect(
        clippy::cast_precision_loss,
        reason = "rating sums stay far below 2^52"
    )]
    let average = if count > 0 {
        ((sum as f64 / count as f64) * 10.0).round() / 10.0
    } else {
        0.0
    };
    let stars = ["one", "two", "three", "four", "five"]
        .into_iter()
        .map(|star| (star, counter(&stats, &format!("stars.{star}"))))
        .collect();
    let total_earnings = own.then(|| {
        let earnings = stats.get_document("earnings").cloned().unwrap_or_default();
        earnings
            .keys()
            .map(|currency| mercato_common::events::catalog::Money {
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
        ratings: RatingsView {
            count,
            average,
            stars,
        },
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

/// `POST /v1/sellers`: turns the verified caller into a seller.
#[tracing::instrument(skip_all, fields(user_id = %caller.user_id))]
pub async fn create(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    request: axum::extract::Request,
) -> Result<(StatusCode, Json<SellerView>), ApiError> {
    if !caller.email_verified {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "email_not_verified",
            "verify your email address before becoming a seller",
        ));
    }
    let Json(body) =
        <Json<CreateSellerRequest> as FromRequest<()>>::from_request(request, &()).await?;
    body.check()?;
    let user_id = caller.user_id.to_string();
    if state
        .store
        .sellers()
        .find_one(doc! {"user_id": &user_id})
        .await?
        .is_some()
    {
        return Err(ApiError::conflict(
            "already_a_seller",
            "you already have a seller profile",
        ));
    }
    let buyer = state
        .store
        .buyers()
        .find_one(doc! {"_id": &user_id})
        .await?;
    let now = chrono::Utc::now().to_rfc3339();
    let seller = SellerDoc {
        id: Uuid::now_v7().to_string(),
        user_id: user_id.clone(),
        username: caller.username.clone(),
        username_lower: caller.username.to_lowercase(),
        full_name: body.full_name.trim().to_owned(),
        one_liner: body.one_liner.trim().to_owned(),
        description: body.description.trim().to_owned(),
        languages: body.languages,
        skills: body.skills.iter().map(|s| s.trim().to_owned()).collect(),
        experience: body.experience,
        education: body.education,
        certificates: body.certificates,
        social_links: body.social_links,
        response_time_hours: body.response_time_hours,
        country: buyer.as_ref().and_then(|b| b.country.clone()),
        profile_picture_url: buyer.as_ref().and_then(|b| b.profile_picture_url.clone()),
        created_at: now.clone(),
        updated_at: now,
    };
    let event = SellerCreated {
        seller_id: parse_id(&seller.id)?,
        user_id: caller.user_id,
        username: seller.username.clone(),
        full_name: seller.full_name.clone(),
        profile_picture_url: seller.profile_picture_url.clone(),
        country: seller.country.clone(),
    };
    // A session dropped on an early return aborts its transaction.
    let mut session = state.store.begin().await?;
    state
        .store
        .sellers()
        .insert_one(&seller)
        .session(&mut session)
        .await
        .or_conflict(|_| {
            ApiError::conflict("already_a_seller", "you already have a seller profile")
        })?;
    publish(&state.store.db, &mut session, NAME, &event).await?;
    session.commit_transaction().await?;
    state.relay.wake();
    Ok((
        StatusCode::CREATED,
        Json(view(&state, seller, Some(&caller)).await?),
    ))
}

/// `PATCH /v1/sellers/me`: edits the caller's own profile, and only that.
#[tracing::instrument(skip_all, fields(user_id = %caller.user_id))]
pub async fn update_mine(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    request: axum::extract::Request,
) -> Result<Json<SellerView>, ApiError> {
    let Json(body) =
        <Json<UpdateSellerRequest> as FromRequest<()>>::from_request(request, &()).await?;
    body.check()?;
    let mut set = body.to_set()?;
    if set.is_empty() {
        return Err(ApiError::bad_request("send at least one field to change"));
    }
    set.insert("updated_at", chrono::Utc::now().to_rfc3339());
    let user_id = caller.user_id.to_string();

    let mut session = state.store.begin().await?;
    let updated = state
        .store
        .sellers()
        .find_one_and_update(doc! {"user_id": &user_id}, doc! {"$set": set})
        .return_document(mongodb::options::ReturnDocument::After)
        .session(&mut session)
        .await?;
    let Some(seller) = updated else {
        return Err(ApiError::not_found("you have no seller profile"));
    };
    let event = SellerUpdated {
        seller_id: parse_id(&seller.id)?,
        user_id: caller.user_id,
        username: seller.username.clone(),
        full_name: seller.full_name.clone(),
        profile_picture_url: seller.profile_picture_url.clone(),
        country: seller.country.clone(),
    };
    publish(&state.store.db, &mut session, NAME, &event).await?;
    session.commit_transaction().await?;
    state.relay.wake();
    Ok(Json(view(&state, seller, Some(&caller)).await?))
}

fn parse_id(id: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(id).map_err(ApiError::internal)
}

/// `GET /v1/sellers/{id}`.
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn by_id(
    State(state): State<AppState>,
    MaybeUser(caller): MaybeUser,
    Path(id): Path<String>,
) -> Result<Json<SellerView>, ApiError> {
    if Uuid::parse_str(&id).is_err() {
        return Err(ApiError::not_found("no such seller"));
    }
    let seller = state.store.sellers().find_one(doc! {"_id": &id}).await?;
    let seller = seller.ok_or_else(|| ApiError::not_found("no such seller"))?;
    Ok(Json(view(&state, seller, caller.as_ref()).await?))
}

/// `GET /v1/sellers/by-username/{username}`.
#[tracing::instrument(skip_all, fields(username = %username))]
pub async fn by_username(
    State(state): State<AppState>,
    MaybeUser(caller): MaybeUser,
    Path(username): Path<String>,
) -> Result<Json<SellerView>, ApiError> {
    let seller = state
        .store
        .sellers()
        .find_one(doc! {"username_lower": username.to_lowercase()})
        .await?;
    let seller = seller.ok_or_else(|| ApiError::not_found("no such seller"))?;
    Ok(Json(view(&state, seller, caller.as_ref()).await?))
}

/// Query of `GET /v1/sellers/random`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RandomQuery {
    #[serde(default = "default_limit")]
    limit: i64,
}

fn default_limit() -> i64 {
    10
}

/// Items of a list answer.
#[derive(Debug, Serialize)]
pub struct Items<T> {
    items: Vec<T>,
}

/// `GET /v1/sellers/random?limit=`: featured sellers, at most 100.
#[tracing::instrument(skip_all)]
pub async fn random(
    State(state): State<AppState>,
    MaybeUser(caller): MaybeUser,
    query: Result<Query<RandomQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Items<SellerView>>, ApiError> {
    let Query(query) = query.map_err(|err| ApiError::bad_request(err.body_text()))?;
    if !(1..=100).contains(&query.limit) {
        let mut fields = mercato_common::error::FieldErrors::new();
        fields.insert("limit".into(), vec!["must be 1 to 100".into()]);
        return Err(ApiError::validation(fields));
    }
    let sellers: Vec<SellerDoc> = state
        .store
        .sellers()
        .aggregate([doc! {"$sample": {"size": query.limit}}])
        .with_type::<SellerDoc>()
        .await?
        .try_collect()
        .await?;
    let mut items = Vec::with_capacity(sellers.len());
    for seller in sellers {
        items.push(view(&state, seller, caller.as_ref()).await?);
    }
    Ok(Json(Items { items }))
}
