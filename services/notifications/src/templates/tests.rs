//! Every template renders from its sample; bad variables never render.

use serde_json::{Map, Value, json};

use super::*;

fn vars(value: Value) -> Map<String, Value> {
    value.as_object().cloned().unwrap()
}

#[test]
fn every_template_renders_its_sample_with_subject_text_and_html() {
    let templates = Templates::new();
    let mut count = 0;
    for id in ids() {
        let rendered = templates
            .render(id, "en", &vars(sample_vars(id).unwrap()))
            .unwrap();
        assert!(
            !rendered.subject.is_empty() && !rendered.subject.contains('\n'),
            "{id}: {:?}",
            rendered.subject
        );
        assert!(rendered.text.starts_with("Hi "), "{id}: {}", rendered.text);
        assert!(
            rendered.html.contains("<html lang=\"en\">") && rendered.html.contains("Hi "),
            "{id}"
        );
        assert!(
            !rendered.text.contains("{{") && !rendered.html.contains("{{"),
            "{id}"
        );
        count += 1;
    }
    assert_eq!(count, 14);
}

#[test]
fn links_and_values_appear_in_both_parts() {
    let templates = Templates::new();
    let rendered = templates
        .render(
            "verify_email",
            "en",
            &vars(sample_vars("verify_email").unwrap()),
        )
        .unwrap();

    assert_eq!(rendered.subject, "Confirm your email address");
    assert!(
        rendered
            .text
            .contains("https://mercato.example/verify-email?token=abc123")
    );
    // minijinja escapes `/` in HTML as `&#x2f;`, which every HTML parser reads back as `/`.
    let html = rendered.html.replace("&#x2f;", "/");
    assert!(
        html.contains("href=\"https://mercato.example/verify-email?token=abc123\""),
        "{html}"
    );
    let code = templates
        .render(
            "sign_in_code",
            "en",
            &vars(sample_vars("sign_in_code").unwrap()),
        )
        .unwrap();
    assert_eq!(code.subject, "Your Mercato sign-in code: 482913");
}

#[test]
fn money_is_formatted_from_minor_units() {
    let templates = Templates::new();
    let rendered = templates
        .render(
            "order_receipt",
            "en",
            &vars(sample_vars("order_receipt").unwrap()),
        )
        .unwrap();

    assert!(
        rendered.text.contains("Total: USD 126.60"),
        "{}",
        rendered.text
    );
    assert!(
        rendered.text.contains("Service fee: USD 6.60"),
        "{}",
        rendered.text
    );
}

#[test]
fn html_escapes_values_and_text_keeps_them() {
    let templates = Templates::new();
    let mut input = sample_vars("new_message").unwrap();
    input["message_preview"] = json!("<script>alert(1)</script> & more");

    let rendered = templates.render("new_message", "en", &vars(input)).unwrap();

    let html = rendered.html.replace("&#x2f;", "/");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; more"),
        "{html}"
    );
    assert!(!rendered.html.contains("<script>"));
    assert!(rendered.text.contains("<script>alert(1)</script> & more"));
}

#[test]
fn a_missing_variable_is_refused_before_rendering() {
    let templates = Templates::new();
    let mut input = vars(sample_vars("forgot_password").unwrap());
    input.remove("reset_url");

    let error = templates
        .render("forgot_password", "en", &input)
        .unwrap_err();

    assert!(
        matches!(&error, RenderError::InvalidVariables { template: "forgot_password", reason } if reason.contains("reset_url")),
        "{error}"
    );
}

#[test]
fn wrongly_typed_or_unsafe_variables_are_refused() {
    let templates = Templates::new();
    let mut bad_rating = sample_vars("review_received").unwrap();
    bad_rating["rating"] = json!(6);
    let mut bad_link = sample_vars("verify_email").unwrap();
    bad_link["verify_url"] = json!("javascript:alert(1)");
    let mut bad_type = sample_vars("order_placed").unwrap();
    bad_type["price"] = json!("12.00");

    for (id, input) in [
        ("review_received", bad_rating),
        ("verify_email", bad_link),
        ("order_placed", bad_type),
    ] {
        let result = templates.render(id, "en", &vars(input));
        assert!(
            matches!(result, Err(RenderError::InvalidVariables { .. })),
            "{id}: {result:?}"
        );
    }
}

#[test]
fn an_unknown_template_is_refused() {
    let result = Templates::new().render("welcome_gift", "en", &Map::new());

    assert_eq!(
        result,
        Err(RenderError::UnknownTemplate("welcome_gift".into()))
    );
}

#[test]
fn the_extension_decision_changes_the_wording() {
    let templates = Templates::new();
    let mut rejected = sample_vars("extension_resolved").unwrap();
    rejected["approved"] = json!(false);

    let approved = templates
        .render(
            "extension_resolved",
            "en",
            &vars(sample_vars("extension_resolved").unwrap()),
        )
        .unwrap();
    let rejected = templates
        .render("extension_resolved", "en", &vars(rejected))
        .unwrap();

    assert!(approved.subject.starts_with("Extension approved"));
    assert!(rejected.subject.starts_with("Extension rejected"));
}
