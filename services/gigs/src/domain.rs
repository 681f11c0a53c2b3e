//! A gig's fields as clients send them, and the rules each must follow. Every problem is
//! reported under its field's path, so one 422 says everything to fix.

use mercato_common::events::catalog::Money;
use mercato_common::validation::Checker;
use serde::Deserialize;

use crate::taxonomy::{self, Category, CategorySlug, SubCategorySlug};

/// The one currency prices are in for now; `Money` carries it for the day there are more.
pub const CURRENCY: &str = "USD";
/// Cheapest price, in cents (5.00).
pub const MIN_PRICE: i64 = 500;
/// Dearest price, in cents (10,000.00).
pub const MAX_PRICE: i64 = 1_000_000;
/// Longest delivery time, in days.
pub const MAX_DELIVERY_DAYS: i32 = 90;

/// A new gig. Ratings, state and dates are the server's: sending them is a 422.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateGigRequest {
    /// What the seller offers, e.g. "I will design a minimalist logo".
    #[schema(min_length = 15, max_length = 100)]
    pub title: String,
    /// What the buyer gets, how, and what the seller needs from them.
    #[schema(min_length = 50, max_length = 4000)]
    pub description: String,
    /// A category's slug (`GET /categories`).
    #[schema(value_type = CategorySlug)]
    pub category: String,
    /// One to three sub-category slugs of that category.
    #[schema(min_items = 1, max_items = 3, value_type = Vec<SubCategorySlug>)]
    pub sub_categories: Vec<String>,
    /// One to five tags, 2 to 30 characters each, no repeats.
    #[schema(min_items = 1, max_items = 5)]
    pub tags: Vec<String>,
    /// In cents of USD, from 5.00 to 10,000.00.
    pub price: Money,
    /// Days to deliver, 1 to 90.
    #[schema(minimum = 1, maximum = 90)]
    pub delivery_days: i32,
    /// The key of a cover uploaded through `POST /uploads/gig-cover`.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 512)]
    pub cover_image_key: Option<String>,
}

/// Changes to a gig: at least one field, under the same rules as a new gig; a field left out
/// or `null` keeps its value. A new category needs its sub-categories with it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateGigRequest {
    #[schema(min_length = 15, max_length = 100)]
    pub title: Option<String>,
    #[schema(min_length = 50, max_length = 4000)]
    pub description: Option<String>,
    #[schema(value_type = Option<CategorySlug>)]
    pub category: Option<String>,
    #[schema(min_items = 1, max_items = 3, value_type = Option<Vec<SubCategorySlug>>)]
    pub sub_categories: Option<Vec<String>>,
    #[schema(min_items = 1, max_items = 5)]
    pub tags: Option<Vec<String>>,
    pub price: Option<Money>,
    #[schema(minimum = 1, maximum = 90)]
    pub delivery_days: Option<i32>,
    /// The key of a cover uploaded through `POST /uploads/gig-cover`.
    #[schema(min_length = 1, max_length = 512)]
    pub cover_image_key: Option<String>,
}

/// A gig's fields once checked and trimmed: what the store writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GigFields {
    pub title: String,
    pub description: String,
    pub category: &'static Category,
    pub sub_categories: Vec<String>,
    pub tags: Vec<String>,
    pub price: Money,
    pub delivery_days: i32,
    /// The cover's key and public URL; a new key's URL is set once the key is checked.
    pub cover: Option<Cover>,
}

/// An attached cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cover {
    /// The uploaded object's key.
    pub key: String,
    /// Where anyone reads it.
    pub url: String,
}

impl CreateGigRequest {
    /// The checked fields.
    ///
    /// # Errors
    ///
    /// Every field's problems.
    pub fn check(self) -> Result<GigFields, mercato_common::error::FieldErrors> {
        let mut c = Checker::default();
        let category = check_category(&mut c, &self.category);
        if let Some(category) = category {
            check_sub_categories(&mut c, category, &self.sub_categories);
        }
        check_common(
            &mut c,
            Some(&self.title),
            Some(&self.description),
            Some(&self.tags),
            Some(&self.price),
            Some(self.delivery_days),
            self.cover_image_key.as_deref(),
        );
        c.finish()?;
        Ok(GigFields {
            title: self.title.trim().to_owned(),
            description: self.description.trim().to_owned(),
            category: category.unwrap_or(&taxonomy::CATEGORIES[0]),
            sub_categories: self.sub_categories,
            tags: clean_tags(&self.tags),
            price: self.price,
            delivery_days: self.delivery_days,
            cover: None,
        })
    }
}

impl UpdateGigRequest {
    /// `current` with these changes, checked.
    ///
    /// # Errors
    ///
    /// Every field's problems, or none sent.
    pub fn apply(
        self,
        current: GigFields,
    ) -> Result<GigFields, mercato_common::error::FieldErrors> {
        let mut c = Checker::default();
        let category = match &self.category {
            Some(slug) => {
                c.check(
                    self.sub_categories.is_some(),
                    "sub_categories",
                    "must be sent with a new category",
                );
                check_category(&mut c, slug)
            }
            None => Some(current.category),
        };
        if let (Some(category), Some(subs)) = (category, &self.sub_categories) {
            check_sub_categories(&mut c, category, subs);
        }
        check_common(
            &mut c,
            self.title.as_deref(),
            self.description.as_deref(),
            self.tags.as_deref(),
            self.price.as_ref(),
            self.delivery_days,
            self.cover_image_key.as_deref(),
        );
        let changed = self.title.is_some()
            || self.description.is_some()
            || self.category.is_some()
            || self.sub_categories.is_some()
            || self.tags.is_some()
            || self.price.is_some()
            || self.delivery_days.is_some()
            || self.cover_image_key.is_some();
        c.check(changed, "body", "send at least one field to change");
        c.finish()?;
        Ok(GigFields {
            title: self.title.map_or(current.title, |t| t.trim().to_owned()),
            description: self
                .description
                .map_or(current.description, |d| d.trim().to_owned()),
            category: category.unwrap_or(current.category),
            sub_categories: self.sub_categories.unwrap_or(current.sub_categories),
            tags: self.tags.map_or(current.tags, |t| clean_tags(&t)),
            price: self.price.unwrap_or(current.price),
            delivery_days: self.delivery_days.unwrap_or(current.delivery_days),
            cover: current.cover,
        })
    }
}

fn check_category(c: &mut Checker, slug: &str) -> Option<&'static Category> {
    let found = taxonomy::category(slug);
    c.check(
        found.is_some(),
        "category",
        "is not a category (see GET /api/v1/categories)",
    );
    found
}

fn check_sub_categories(c: &mut Checker, category: &Category, subs: &[String]) {
    c.count("sub_categories", subs, 1, 3);
    let mut seen = std::collections::HashSet::new();
    for (i, slug) in subs.iter().enumerate() {
        c.check(
            category.sub_category(slug).is_some(),
            format!("sub_categories[{i}]"),
            format!("is not a sub-category of {}", category.slug),
        );
        c.check(
            seen.insert(slug),
            format!("sub_categories[{i}]"),
            "is listed twice",
        );
    }
}

/// Tags as stored: trimmed, in lower case.
fn clean_tags(tags: &[String]) -> Vec<String> {
    tags.iter().map(|t| t.trim().to_lowercase()).collect()
}

fn check_common(
    c: &mut Checker,
    title: Option<&str>,
    description: Option<&str>,
    tags: Option<&[String]>,
    price: Option<&Money>,
    delivery_days: Option<i32>,
    cover_image: Option<&str>,
) {
    if let Some(title) = title {
        c.text("title", title, 15, 100);
    }
    if let Some(description) = description {
        c.text("description", description, 50, 4000);
    }
    if let Some(tags) = tags {
        c.count("tags", tags, 1, 5);
        let mut seen = std::collections::HashSet::new();
        for (i, tag) in tags.iter().enumerate() {
            c.text(&format!("tags[{i}]"), tag, 2, 30);
            c.check(
                tag.chars()
                    .all(|ch| ch.is_alphanumeric() || ch == ' ' || ch == '-'),
                format!("tags[{i}]"),
                "may hold only letters, digits, spaces and '-'",
            );
            c.check(
                seen.insert(tag.trim().to_lowercase()),
                format!("tags[{i}]"),
                "is listed twice",
            );
        }
    }
    if let Some(price) = price {
        c.check(
            price.currency == CURRENCY,
            "price.currency",
            format!("must be {CURRENCY}"),
        );
        c.check(
            (MIN_PRICE..=MAX_PRICE).contains(&price.amount),
            "price.amount",
            format!("must be {MIN_PRICE} to {MAX_PRICE} cents"),
        );
    }
    if let Some(days) = delivery_days {
        c.check(
            (1..=MAX_DELIVERY_DAYS).contains(&days),
            "delivery_days",
            format!("must be 1 to {MAX_DELIVERY_DAYS}"),
        );
    }
    if let Some(key) = cover_image {
        c.check(
            !key.trim().is_empty() && key.len() <= 512,
            "cover_image_key",
            "must be the key of an uploaded cover",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn valid() -> serde_json::Value {
        json!({
            "title": "I will design a minimalist logo",
            "description": "A clean vector logo with three concepts, two revisions and every file format you need.",
            "category": "graphics-design",
            "sub_categories": ["logo-design"],
            "tags": ["Logo", "branding"],
            "price": {"amount": 2500, "currency": "USD"},
            "delivery_days": 3,
        })
    }

    fn check(body: serde_json::Value) -> Result<GigFields, mercato_common::error::FieldErrors> {
        serde_json::from_value::<CreateGigRequest>(body)
            .unwrap()
            .check()
    }

    #[test]
    fn a_valid_gig_is_trimmed_and_its_tags_lowered() {
        let fields = check(valid()).unwrap();
        assert_eq!(fields.tags, ["logo", "branding"]);
        assert_eq!(fields.category.slug, "graphics-design");
    }

    #[test]
    fn every_problem_is_reported_under_its_field() {
        let mut body = valid();
        body["title"] = json!("short");
        body["description"] = json!("too short");
        body["category"] = json!("cooking");
        body["tags"] = json!(["ok tag", "OK TAG", "x", "no_underscores"]);
        body["price"] = json!({"amount": 499, "currency": "EUR"});
        body["delivery_days"] = json!(91);
        body["cover_image_key"] = json!("");

        let errors = check(body).unwrap_err();

        for field in [
            "title",
            "description",
            "category",
            "tags[1]",
            "tags[2]",
            "tags[3]",
            "price.amount",
            "price.currency",
            "delivery_days",
            "cover_image_key",
        ] {
            assert!(errors.contains_key(field), "{field}: {errors:?}");
        }
    }

    #[test]
    fn sub_categories_belong_to_the_category() {
        let mut body = valid();
        body["sub_categories"] = json!(["seo", "logo-design", "logo-design"]);
        let errors = check(body).unwrap_err();
        assert!(errors.contains_key("sub_categories[0]"), "{errors:?}");
        assert!(errors.contains_key("sub_categories[2]"), "{errors:?}");
    }

    #[test]
    fn an_edit_keeps_what_it_does_not_send_and_a_new_category_needs_sub_categories() {
        let current = check(valid()).unwrap();
        let edit: UpdateGigRequest = serde_json::from_value(json!({"delivery_days": 5})).unwrap();
        let edited = edit.apply(current.clone()).unwrap();
        assert_eq!(edited.delivery_days, 5);
        assert_eq!(edited.title, current.title);

        let move_only: UpdateGigRequest =
            serde_json::from_value(json!({"category": "data"})).unwrap();
        assert!(
            move_only
                .apply(current.clone())
                .unwrap_err()
                .contains_key("sub_categories")
        );
        let nothing: UpdateGigRequest = serde_json::from_value(json!({})).unwrap();
        assert!(nothing.apply(current).unwrap_err().contains_key("body"));
    }

    #[test]
    fn read_only_fields_are_refused() {
        let mut body = valid();
        body["rating_count"] = json!(1000);
        assert!(serde_json::from_value::<CreateGigRequest>(body).is_err());
    }
}
