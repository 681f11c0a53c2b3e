//! What the operator's test binaries share: the repository's paths and the external tools the
//! tests run (installed by `scripts/deps.sh`).

use std::path::PathBuf;
use std::process::Command;

/// The platform's eight components (the `platform` rows of `scripts/components.tsv`), as their
/// MarketplaceServices are named.
pub fn platform_components() -> Vec<String> {
    mercato_deploy_checks::components()
        .into_iter()
        .filter(|c| c.kind == "platform")
        .map(|c| c.name)
        .collect()
}

/// The repository's root, where `crds/`, `examples/` and `deploy/` are.
pub fn repository() -> PathBuf {
    mercato_deploy_checks::repository()
}

/// The committed CRD.
pub fn crd_path() -> PathBuf {
    repository().join("crds/marketplaceservices.mercato.dev.yaml")
}

/// A program of the virtualenv `scripts/deps.sh` makes (`MERCATO_VENV` overrides where).
pub fn venv_tool(name: &str) -> PathBuf {
    let venv = std::env::var_os("MERCATO_VENV").map_or_else(
        || PathBuf::from(std::env::var("HOME").expect("HOME is set")).join(".cache/mercato/venv"),
        PathBuf::from,
    );
    venv.join("bin").join(name)
}

/// Runs `command`, which must succeed, and returns its output (stdout then stderr).
pub fn run(command: &mut Command) -> String {
    let output = command.output().unwrap_or_else(|e| {
        panic!("cannot run {command:?} ({e}): run scripts/deps.sh, which installs it")
    });
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{command:?} failed:\n{text}");
    text
}
