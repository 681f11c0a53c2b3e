//! The bodies of `POST /v1/sellers` and `PATCH /v1/sellers/me`, and the one place both are
//! checked.

use mercato_common::error::ApiError;
use mongodb::bson::{self, Document};
use serde::Deserialize;

use crate::domain::profile::{self, Certificate, Checker, Education, Experience, Language};

/// A new seller profile: every field a profile has; counters and ratings are not settable.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSellerRequest {
    #[schema(min_length = 2, max_length = 100)]
    pub(super) full_name: String,
    /// A one-line pitch.
    #[schema(min_length = 5, max_length = 100)]
    pub(super) one_liner: String,
    #[schema(min_length = 20, max_length = 2000)]
    pub(super) description: String,
    #[schema(min_items = 1, max_items = 10)]
    pub(super) languages: Vec<Language>,
    /// Each 1 to 40 characters, no repeats ignoring case.
    #[schema(min_items = 1, max_items = 20)]
    pub(super) skills: Vec<String>,
    #[serde(default)]
    #[schema(max_items = 20)]
    pub(super) experience: Vec<Experience>,
    #[serde(default)]
    #[schema(max_items = 10)]
    pub(super) education: Vec<Education>,
    #[serde(default)]
    #[schema(max_items = 20)]
    pub(super) certificates: Vec<Certificate>,
    /// `https://` links.
    #[serde(default)]
    #[schema(max_items = 10)]
    pub(super) social_links: Vec<String>,
    /// Hours within which the seller promises to answer, 1 to 168.
    #[schema(minimum = 1, maximum = 168)]
    pub(super) response_time_hours: u32,
    /// The key of a picture uploaded through `POST /uploads/profile-picture`.
    #[serde(default)]
    #[schema(max_length = 512)]
    pub(super) profile_picture_key: Option<String>,
}

/// Changes to a seller profile: at least one of its fields, under the same rules as when the
/// profile was created; a field left out or `null` keeps its value.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSellerRequest {
    #[schema(min_length = 2, max_length = 100)]
    full_name: Option<String>,
    #[schema(min_length = 5, max_length = 100)]
    one_liner: Option<String>,
    #[schema(min_length = 20, max_length = 2000)]
    description: Option<String>,
    #[schema(min_items = 1, max_items = 10)]
    languages: Option<Vec<Language>>,
    #[schema(min_items = 1, max_items = 20)]
    skills: Option<Vec<String>>,
    #[schema(max_items = 20)]
    experience: Option<Vec<Experience>>,
    #[schema(max_items = 10)]
    education: Option<Vec<Education>>,
    #[schema(max_items = 20)]
    certificates: Option<Vec<Certificate>>,
    #[schema(max_items = 10)]
    social_links: Option<Vec<String>>,
    #[schema(minimum = 1, maximum = 168)]
    response_time_hours: Option<u32>,
    /// The key of a picture uploaded through `POST /uploads/profile-picture`.
    #[schema(max_length = 512)]
    pub(super) profile_picture_key: Option<String>,
}

impl UpdateSellerRequest {
    /// Checks the fields present; absent ones keep their stored, already valid values.
    pub(super) fn check(&self) -> Result<(), ApiError> {
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
    pub(super) fn to_set(&self) -> Result<Document, ApiError> {
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
    pub(super) fn check(&self) -> Result<(), ApiError> {
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
