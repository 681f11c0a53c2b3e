//! Gigs, sellers and categories as the API shows them.

use mercato_common::events::catalog::Money;
use mercato_common::openapi::{Cursor, Id, Timestamp};
use mercato_common::ratings::{self, Ratings};
use serde::Serialize;
use uuid::Uuid;

use crate::store::GigRow;
use crate::taxonomy::{self, Category};

/// A category or sub-category, by slug and name.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CategoryRef {
    /// What requests name it by.
    pub slug: String,
    /// What people read.
    pub name: String,
}

/// The seller of a gig, as gigs last heard of them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GigSeller {
    /// The seller profile's id.
    #[schema(value_type = Id)]
    pub id: Uuid,
    /// The seller's account.
    #[schema(value_type = Id)]
    pub user_id: Uuid,
    pub username: String,
    pub full_name: String,
    pub profile_picture_url: Option<String>,
    /// ISO 3166 alpha-2 country code.
    pub country: Option<String>,
    /// Reviews of the seller: how many, and their mean.
    pub rating: SellerRating,
}

/// How many reviews a seller has, and their mean.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SellerRating {
    #[schema(minimum = 0)]
    pub count: i64,
    /// Mean to one decimal, 0 without reviews.
    #[schema(minimum = 0, maximum = 5)]
    pub average: f64,
}

/// A gig.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = Gig)]
pub struct GigView {
    #[schema(value_type = Id)]
    pub id: Uuid,
    pub seller: GigSeller,
    pub title: String,
    pub description: String,
    pub category: CategoryRef,
    pub sub_categories: Vec<CategoryRef>,
    /// Lower case.
    pub tags: Vec<String>,
    pub price: Money,
    pub delivery_days: i32,
    /// Where the cover is read from.
    pub cover_image_url: Option<String>,
    /// Whether buyers can find and order it; paused gigs show only to their seller.
    pub active: bool,
    pub rating: Ratings,
    #[schema(value_type = Timestamp)]
    pub created_at: chrono::DateTime<chrono::Utc>,
    #[schema(value_type = Timestamp)]
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

fn category_ref(category: &Category) -> CategoryRef {
    CategoryRef {
        slug: category.slug.to_owned(),
        name: category.name.to_owned(),
    }
}

impl From<GigRow> for GigView {
    fn from(row: GigRow) -> Self {
        let category = taxonomy::category(&row.category).unwrap_or(&taxonomy::CATEGORIES[0]);
        let sub_categories = row
            .sub_categories
            .iter()
            .map(|slug| CategoryRef {
                name: category.sub_category(slug).unwrap_or(slug).to_owned(),
                slug: slug.clone(),
            })
            .collect();
        let price = row.price();
        Self {
            id: row.id,
            seller: GigSeller {
                id: row.seller_id,
                user_id: row.seller_user_id,
                username: row.seller_username,
                full_name: row.seller_full_name,
                profile_picture_url: row.seller_picture,
                country: row.seller_country,
                rating: SellerRating {
                    count: row.seller_rating_count,
                    average: ratings::average(row.seller_rating_count, row.seller_rating_sum),
                },
            },
            title: row.title,
            description: row.description,
            category: category_ref(category),
            sub_categories,
            tags: row.tags,
            price,
            delivery_days: row.delivery_days,
            cover_image_url: row.cover_image_url,
            active: row.active,
            rating: Ratings::new(
                row.rating_count,
                row.rating_sum,
                [
                    row.stars_1,
                    row.stars_2,
                    row.stars_3,
                    row.stars_4,
                    row.stars_5,
                ],
            ),
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// How a search's words found its gigs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Matched {
    /// By the words (full-text search).
    Words,
    /// No gig had the words: by similar spelling instead.
    Fuzzy,
}

/// A page of gigs.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GigPage {
    pub items: Vec<GigView>,
    /// Pass it as `cursor` for the next page; `null` on the last one.
    #[schema(value_type = Option<Cursor>)]
    pub next_cursor: Option<String>,
    /// With `q`: how the words were matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub matched: Option<Matched>,
}

/// A list of gigs without pages.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GigList {
    pub items: Vec<GigView>,
}

/// A category with its sub-categories and how many gigs buyers can find in it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CategoryView {
    pub slug: String,
    pub name: String,
    pub sub_categories: Vec<CategoryRef>,
    /// Active gigs filed under it.
    #[schema(minimum = 0)]
    pub active_gigs: i64,
}

/// The taxonomy.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Categories {
    pub items: Vec<CategoryView>,
}

/// The taxonomy with `counts` (slug, active gigs).
pub fn categories(counts: &[(String, i64)]) -> Categories {
    let items = taxonomy::CATEGORIES
        .iter()
        .map(|category| CategoryView {
            slug: category.slug.to_owned(),
            name: category.name.to_owned(),
            sub_categories: category
                .sub_categories
                .iter()
                .map(|(slug, name)| CategoryRef {
                    slug: (*slug).to_owned(),
                    name: (*name).to_owned(),
                })
                .collect(),
            active_gigs: counts
                .iter()
                .find(|(slug, _)| slug == category.slug)
                .map_or(0, |(_, count)| *count),
        })
        .collect();
    Categories { items }
}
