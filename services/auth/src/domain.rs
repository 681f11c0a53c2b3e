//! What a valid account looks like: username, email, password and country rules, each with a
//! message a user can act on.

use mercato_common::error::FieldErrors;

/// Passwords too common to allow, whatever their length (a short list of the most used ones
/// that pass the length rule; the rule against the username catches most of the rest).
const COMMON_PASSWORDS: &[&str] = &[
    "1234567890",
    "12345678910",
    "123456789a",
    "1q2w3e4r5t",
    "password1",
    "password12",
    "password123",
    "password1234",
    "qwertyuiop",
    "qwerty1234",
    "qwerty12345",
    "iloveyou123",
    "1qaz2wsx3edc",
    "abcdefghij",
    "abcd123456",
    "letmein123",
    "welcome123",
    "football123",
    "baseball123",
    "dragon1234",
    "monkey1234",
    "sunshine123",
    "princess123",
    "starwars123",
    "trustno1234",
    "whatever123",
    "zaq12wsxcde",
    "passw0rd123",
    "administrator",
    "changeme123",
    "mercato123",
    "mercato1234",
];

/// Adds a message for `field`.
fn add(errors: &mut FieldErrors, field: &str, message: impl Into<String>) {
    errors
        .entry(field.to_owned())
        .or_default()
        .push(message.into());
}

/// Checks a username: 3 to 30 letters, digits, `_` or `-`.
pub fn check_username(errors: &mut FieldErrors, username: &str) {
    let length = username.chars().count();
    if !(3..=30).contains(&length) {
        add(errors, "username", "must be 3 to 30 characters");
    }
    if !username
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        add(
            errors,
            "username",
            "may hold only letters, digits, '_' and '-'",
        );
    }
}

/// The normalised (trimmed, lower-case) form of an email address, if it is one.
pub fn normalise_email(email: &str) -> Option<String> {
    let email = email.trim().to_lowercase();
    let (local, domain) = email.split_once('@')?;
    let valid = !local.is_empty()
        && local.len() <= 64
        && email.len() <= 254
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && !domain.contains('@');
    valid.then_some(email)
}

/// Checks a password against the username and email it would protect.
pub fn check_password(
    errors: &mut FieldErrors,
    field: &str,
    password: &str,
    username: &str,
    email: &str,
) {
    let length = password.chars().count();
    if length < 10 {
        add(errors, field, "must be at least 10 characters");
    }
    if length > 128 {
        add(errors, field, "must be at most 128 characters");
    }
    let lower = password.to_lowercase();
    if COMMON_PASSWORDS.contains(&lower.as_str()) {
        add(
            errors,
            field,
            "is one of the most common passwords; choose another",
        );
    }
    let local = email.split('@').next().unwrap_or_default();
    if (!username.is_empty() && lower.contains(&username.to_lowercase()))
        || (local.len() >= 3 && lower.contains(local))
    {
        add(
            errors,
            field,
            "must not contain your username or email address",
        );
    }
    if length > 0 && password.chars().all(|c| password.starts_with(c)) {
        add(errors, field, "must not repeat a single character");
    }
}

/// Whether `code` is written like an ISO 3166 alpha-2 country code (two capital letters).
pub fn is_country_code(code: &str) -> bool {
    code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase())
}

/// Checks an optional profile picture URL.
pub fn check_picture_url(errors: &mut FieldErrors, url: Option<&str>) {
    if let Some(url) = url
        && (!url.starts_with("https://")
            || url.len() > 2048
            || url.chars().any(char::is_whitespace))
    {
        add(errors, "profile_picture_url", "must be an https:// link");
    }
}

/// Checks a device id: 1 to 100 printable characters.
pub fn check_device_id(errors: &mut FieldErrors, device_id: Option<&str>) {
    if let Some(id) = device_id
        && (id.is_empty() || id.len() > 100 || id.chars().any(char::is_control))
    {
        add(errors, "device_id", "must be 1 to 100 printable characters");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_follow_the_rules() {
        for good in ["bob", "Alice_99", "x-y-z"] {
            let mut errors = FieldErrors::new();
            check_username(&mut errors, good);
            assert!(errors.is_empty(), "{good}");
        }
        for bad in ["ab", "a b c", "ünïcode", &"x".repeat(31)] {
            let mut errors = FieldErrors::new();
            check_username(&mut errors, bad);
            assert!(errors.contains_key("username"), "{bad}");
        }
    }

    #[test]
    fn emails_are_normalised_or_refused() {
        assert_eq!(
            normalise_email("  Alice@Example.COM "),
            Some("alice@example.com".into())
        );
        for bad in [
            "alice",
            "@example.com",
            "alice@example",
            "a b@example.com",
            "alice@.example.com",
        ] {
            assert_eq!(normalise_email(bad), None, "{bad}");
        }
    }

    #[test]
    fn weak_passwords_get_reasons() {
        let cases = [
            ("short", "at least 10"),
            ("password123", "most common"),
            ("alice-forever-2026", "username"),
            ("aaaaaaaaaaaa", "single character"),
        ];
        for (password, reason) in cases {
            let mut errors = FieldErrors::new();
            check_password(
                &mut errors,
                "password",
                password,
                "alice",
                "alice@example.com",
            );
            let messages = errors
                .get("password")
                .cloned()
                .unwrap_or_default()
                .join("; ");
            assert!(messages.contains(reason), "{password}: {messages}");
        }
        let mut errors = FieldErrors::new();
        check_password(
            &mut errors,
            "password",
            "correct horse battery staple",
            "alice",
            "alice@example.com",
        );
        assert!(errors.is_empty());
    }
}
