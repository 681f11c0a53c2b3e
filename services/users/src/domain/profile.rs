//! A seller's profile: its parts and the rules each field must follow.
//!
//! Every check adds a message under the field's JSON path (`languages[1].level`), so one
//! answer tells the user everything to fix.

use chrono::Datelike;
pub use mercato_common::validation::Checker;
use serde::{Deserialize, Serialize};

/// How well a seller speaks a language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LanguageLevel {
    /// Basic.
    Basic,
    /// Conversational.
    Conversational,
    /// Fluent.
    Fluent,
    /// Native or bilingual.
    Native,
}

/// A language and the level a seller speaks it at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Language {
    /// The language's name.
    #[schema(min_length = 2, max_length = 40)]
    pub language: String,
    /// The level.
    pub level: LanguageLevel,
}

/// A job a seller held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Experience {
    /// Employer.
    #[schema(min_length = 1, max_length = 100)]
    pub company: String,
    /// Job title.
    #[schema(min_length = 1, max_length = 100)]
    pub title: String,
    /// First year, from 1950 to this year.
    #[schema(minimum = 1950)]
    pub start_year: i32,
    /// Last year, from the first to this year; absent while current.
    #[serde(default)]
    pub end_year: Option<i32>,
    /// What the job was.
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub description: Option<String>,
}

/// A degree or course a seller completed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Education {
    /// ISO 3166 alpha-2 country code.
    #[schema(pattern = "^[A-Z]{2}$")]
    pub country: String,
    /// University or school.
    #[schema(min_length = 1, max_length = 150)]
    pub university: String,
    /// Degree title (`BSc`, `MA`, ...).
    #[schema(min_length = 1, max_length = 50)]
    pub title: String,
    /// Subject.
    #[schema(min_length = 1, max_length = 100)]
    pub major: String,
    /// Year of graduation, from 1950 to ten years from now.
    #[schema(minimum = 1950)]
    pub year: i32,
}

/// A certificate a seller holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Certificate {
    /// Certificate name.
    #[schema(min_length = 1, max_length = 150)]
    pub name: String,
    /// Issuer.
    #[schema(min_length = 1, max_length = 150)]
    pub from: String,
    /// Year obtained, from 1950 to this year.
    #[schema(minimum = 1950)]
    pub year: i32,
}

fn this_year() -> i32 {
    chrono::Utc::now().year()
}

/// Whether `code` looks like an ISO 3166 alpha-2 country code.
pub fn is_country_code(code: &str) -> bool {
    code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase())
}

/// Checks a full name.
pub fn check_full_name(c: &mut Checker, value: &str) {
    c.text("full_name", value, 2, 100);
}

/// Checks a one-liner.
pub fn check_one_liner(c: &mut Checker, value: &str) {
    c.text("one_liner", value, 5, 100);
}

/// Checks a description.
pub fn check_description(c: &mut Checker, value: &str) {
    c.text("description", value, 20, 2000);
}

/// Checks languages.
pub fn check_languages(c: &mut Checker, languages: &[Language]) {
    c.count("languages", languages, 1, 10);
    for (i, language) in languages.iter().enumerate() {
        c.text(
            &format!("languages[{i}].language"),
            &language.language,
            2,
            40,
        );
    }
}

/// Checks skills: each 1 to 40 characters, no repeats ignoring case.
pub fn check_skills(c: &mut Checker, skills: &[String]) {
    c.count("skills", skills, 1, 20);
    let mut seen = std::collections::HashSet::new();
    for (i, skill) in skills.iter().enumerate() {
        c.text(&format!("skills[{i}]"), skill, 1, 40);
        c.check(
            seen.insert(skill.trim().to_lowercase()),
            format!("skills[{i}]"),
            "is listed twice",
        );
    }
}

/// Checks experience entries.
pub fn check_experience(c: &mut Checker, items: &[Experience]) {
    c.count("experience", items, 0, 20);
    let now = this_year();
    for (i, item) in items.iter().enumerate() {
        c.text(&format!("experience[{i}].company"), &item.company, 1, 100);
        c.text(&format!("experience[{i}].title"), &item.title, 1, 100);
        c.year(
            &format!("experience[{i}].start_year"),
            item.start_year,
            1950,
            now,
        );
        if let Some(end) = item.end_year {
            c.year(
                &format!("experience[{i}].end_year"),
                end,
                item.start_year,
                now,
            );
        }
        if let Some(description) = &item.description {
            c.text(
                &format!("experience[{i}].description"),
                description,
                0,
                1000,
            );
        }
    }
}

/// Checks education entries.
pub fn check_education(c: &mut Checker, items: &[Education]) {
    c.count("education", items, 0, 10);
    let now = this_year();
    for (i, item) in items.iter().enumerate() {
        c.check(
            is_country_code(&item.country),
            format!("education[{i}].country"),
            "must be an ISO 3166 alpha-2 code such as DE",
        );
        c.text(
            &format!("education[{i}].university"),
            &item.university,
            1,
            150,
        );
        c.text(&format!("education[{i}].title"), &item.title, 1, 50);
        c.text(&format!("education[{i}].major"), &item.major, 1, 100);
        c.year(&format!("education[{i}].year"), item.year, 1950, now + 10);
    }
}

/// Checks certificates.
pub fn check_certificates(c: &mut Checker, items: &[Certificate]) {
    c.count("certificates", items, 0, 20);
    let now = this_year();
    for (i, item) in items.iter().enumerate() {
        c.text(&format!("certificates[{i}].name"), &item.name, 1, 150);
        c.text(&format!("certificates[{i}].from"), &item.from, 1, 150);
        c.year(&format!("certificates[{i}].year"), item.year, 1950, now);
    }
}

/// Checks social links: `https://` URLs without spaces.
pub fn check_social_links(c: &mut Checker, links: &[String]) {
    c.count("social_links", links, 0, 10);
    for (i, link) in links.iter().enumerate() {
        let ok = link.starts_with("https://")
            && link.len() > 8
            && link.len() <= 2048
            && !link.chars().any(char::is_whitespace);
        c.check(ok, format!("social_links[{i}]"), "must be an https:// link");
    }
}

/// Checks the promised response time.
pub fn check_response_time(c: &mut Checker, hours: u32) {
    c.check(
        (1..=168).contains(&hours),
        "response_time_hours",
        "must be 1 to 168 hours",
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_is_reported_under_its_field_path() {
        let mut c = Checker::default();
        check_full_name(&mut c, " ");
        check_languages(
            &mut c,
            &[Language {
                language: "x".into(),
                level: LanguageLevel::Fluent,
            }],
        );
        check_skills(&mut c, &["Rust".into(), "rust".into()]);
        check_education(
            &mut c,
            &[Education {
                country: "Germany".into(),
                university: "TU".into(),
                title: "BSc".into(),
                major: "CS".into(),
                year: 1900,
            }],
        );
        check_social_links(&mut c, &["javascript:alert(1)".into()]);
        check_response_time(&mut c, 0);

        let errors = c.finish().unwrap_err();

        for field in [
            "full_name",
            "languages[0].language",
            "skills[1]",
            "education[0].country",
            "education[0].year",
            "social_links[0]",
            "response_time_hours",
        ] {
            assert!(
                errors.contains_key(field),
                "{field} missing from {errors:?}"
            );
        }
    }

    #[test]
    fn a_valid_profile_passes() {
        let mut c = Checker::default();
        check_full_name(&mut c, "Alice Example");
        check_one_liner(&mut c, "Logos that people remember");
        check_description(&mut c, "Ten years of brand design for small companies.");
        check_languages(
            &mut c,
            &[Language {
                language: "English".into(),
                level: LanguageLevel::Native,
            }],
        );
        check_skills(&mut c, &["Logo design".into(), "Illustrator".into()]);
        check_experience(
            &mut c,
            &[Experience {
                company: "Studio".into(),
                title: "Designer".into(),
                start_year: 2015,
                end_year: None,
                description: None,
            }],
        );
        check_response_time(&mut c, 24);

        assert!(c.finish().is_ok());
    }

    #[test]
    fn an_experience_cannot_end_before_it_starts() {
        let mut c = Checker::default();
        check_experience(
            &mut c,
            &[Experience {
                company: "A".into(),
                title: "B".into(),
                start_year: 2020,
                end_year: Some(2019),
                description: None,
            }],
        );

        assert!(
            c.finish()
                .unwrap_err()
                .contains_key("experience[0].end_year")
        );
    }
}
