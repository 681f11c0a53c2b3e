//! The fixed taxonomy gigs are filed under: the categories a marketplace of services is browsed
//! by, each with its sub-categories. Requests name them by slug; answers carry the names too.

/// A category and its sub-categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Category {
    /// Stable identifier (`graphics-design`).
    pub slug: &'static str,
    /// Display name (`Graphics & Design`).
    pub name: &'static str,
    /// `(slug, name)` of each sub-category.
    pub sub_categories: &'static [(&'static str, &'static str)],
}

/// Every category, in display order.
pub const CATEGORIES: [Category; 9] = [
    Category {
        slug: "graphics-design",
        name: "Graphics & Design",
        sub_categories: &[
            ("logo-design", "Logo Design"),
            ("brand-style-guides", "Brand Style Guides"),
            ("illustration", "Illustration"),
            ("web-design", "Website Design"),
            ("social-media-design", "Social Media Design"),
        ],
    },
    Category {
        slug: "digital-marketing",
        name: "Digital Marketing",
        sub_categories: &[
            ("seo", "Search Engine Optimization"),
            ("social-media-marketing", "Social Media Marketing"),
            ("content-marketing", "Content Marketing"),
            ("email-marketing", "Email Marketing"),
        ],
    },
    Category {
        slug: "writing-translation",
        name: "Writing & Translation",
        sub_categories: &[
            ("articles-blog-posts", "Articles & Blog Posts"),
            ("translation", "Translation"),
            ("proofreading-editing", "Proofreading & Editing"),
            ("copywriting", "Copywriting"),
        ],
    },
    Category {
        slug: "video-animation",
        name: "Video & Animation",
        sub_categories: &[
            ("video-editing", "Video Editing"),
            ("explainer-videos", "Explainer Videos"),
            ("logo-animation", "Logo Animation"),
            ("intros-outros", "Intros & Outros"),
        ],
    },
    Category {
        slug: "music-audio",
        name: "Music & Audio",
        sub_categories: &[
            ("voice-over", "Voice Over"),
            ("mixing-mastering", "Mixing & Mastering"),
            ("podcast-editing", "Podcast Editing"),
            ("songwriting", "Songwriting"),
        ],
    },
    Category {
        slug: "programming-tech",
        name: "Programming & Tech",
        sub_categories: &[
            ("website-development", "Website Development"),
            ("mobile-apps", "Mobile Apps"),
            ("backend-apis", "Back Ends & APIs"),
            ("bug-fixes", "Bug Fixes"),
            ("devops-cloud", "DevOps & Cloud"),
        ],
    },
    Category {
        slug: "photography",
        name: "Photography",
        sub_categories: &[
            ("product-photography", "Product Photography"),
            ("photo-editing", "Photo Editing"),
            ("portraits", "Portraits"),
        ],
    },
    Category {
        slug: "data",
        name: "Data",
        sub_categories: &[
            ("data-entry", "Data Entry"),
            ("data-analytics", "Data Analytics"),
            ("data-visualization", "Data Visualization"),
            ("databases", "Databases"),
        ],
    },
    Category {
        slug: "business",
        name: "Business",
        sub_categories: &[
            ("virtual-assistant", "Virtual Assistant"),
            ("market-research", "Market Research"),
            ("business-plans", "Business Plans"),
            ("presentations", "Presentations"),
        ],
    },
];

/// A category's slug, as requests name it: one of [`CATEGORIES`] (`#[schema(value_type =
/// CategorySlug)]`).
#[derive(Debug, Clone, Copy)]
pub struct CategorySlug;

impl utoipa::PartialSchema for CategorySlug {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        slugs_schema(
            "A category's slug (`GET /categories`).",
            CATEGORIES.iter().map(|c| c.slug),
        )
    }
}

impl utoipa::ToSchema for CategorySlug {}

/// A sub-category's slug: one of some category's (`#[schema(value_type = SubCategorySlug)]`).
#[derive(Debug, Clone, Copy)]
pub struct SubCategorySlug;

impl utoipa::PartialSchema for SubCategorySlug {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        slugs_schema(
            "A sub-category's slug; it must belong to the gig's category.",
            CATEGORIES
                .iter()
                .flat_map(|c| c.sub_categories.iter().map(|(slug, _)| *slug)),
        )
    }
}

impl utoipa::ToSchema for SubCategorySlug {}

fn slugs_schema<'a>(
    description: &str,
    slugs: impl Iterator<Item = &'a str>,
) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(slugs.map(str::to_owned)))
        .description(Some(description))
        .into()
}

/// The category with `slug`.
pub fn category(slug: &str) -> Option<&'static Category> {
    CATEGORIES.iter().find(|c| c.slug == slug)
}

impl Category {
    /// The name of the sub-category `slug`, if it is one of this category's.
    pub fn sub_category(&self, slug: &str) -> Option<&'static str> {
        self.sub_categories
            .iter()
            .find(|(s, _)| *s == slug)
            .map(|(_, name)| *name)
    }

    /// The words a gig filed under this category and `sub_categories` is found by.
    pub fn words(&self, sub_categories: &[String]) -> String {
        let mut words = self.name.to_owned();
        for slug in sub_categories {
            if let Some(name) = self.sub_category(slug) {
                words.push(' ');
                words.push_str(name);
            }
        }
        words
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_unique_and_lower_case() {
        let mut seen = std::collections::HashSet::new();
        for category in CATEGORIES {
            assert!(seen.insert(category.slug), "{}", category.slug);
            for (slug, _) in category.sub_categories {
                assert!(seen.insert(slug), "{slug}");
                assert!(
                    slug.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                    "{slug}"
                );
            }
        }
    }

    #[test]
    fn a_gig_is_found_by_its_category_and_sub_category_names() {
        let design = category("graphics-design").unwrap();
        assert_eq!(
            design.words(&["logo-design".into(), "nope".into()]),
            "Graphics & Design Logo Design"
        );
        assert!(category("cooking").is_none());
    }
}
