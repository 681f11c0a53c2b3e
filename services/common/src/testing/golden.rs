//! Golden files: generated artifacts committed beside the code (API contracts), compared with
//! what the code generates now, so a change shows up in review.

use std::path::Path;

/// Fails when the file at `path` differs from `actual`; with `UPDATE_GOLDEN` set (and `CI`
/// not set), rewrites it instead. `update` is the command that regenerates it, for the message.
///
/// # Panics
///
/// The file is missing or out of date, or `UPDATE_GOLDEN` is set in CI.
pub fn check_golden(path: &Path, actual: &str, update: &str) {
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        assert!(
            std::env::var_os("CI").is_none(),
            "UPDATE_GOLDEN rewrites the golden files; it is refused when CI is set"
        );
        std::fs::write(path, actual)
            .unwrap_or_else(|err| panic!("{} cannot be written: {err}", path.display()));
        return;
    }
    let expected = std::fs::read_to_string(path)
        .unwrap_or_else(|_| panic!("{} is missing: run `{update}`", path.display()));
    assert!(
        expected == actual,
        "{} is out of date: run `{update}` and review the diff",
        path.display()
    );
}

/// `value` as a committed JSON file holds it: pretty, with a final newline.
///
/// # Panics
///
/// Never for a `serde_json::Value`.
pub fn pretty_json(value: &serde_json::Value) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("JSON serialises");
    text.push('\n');
    text
}

/// Fails when the OpenAPI part committed as `openapi.json` in the crate at `manifest_dir`
/// (its `CARGO_MANIFEST_DIR`) differs from `part`, the one its handlers derive.
///
/// # Panics
///
/// As [`check_golden`].
pub fn check_openapi_part(manifest_dir: &str, package: &str, part: &serde_json::Value) {
    check_golden(
        &Path::new(manifest_dir).join("openapi.json"),
        &pretty_json(part),
        &format!("UPDATE_GOLDEN=1 cargo nextest run -p {package} committed_part"),
    );
}
