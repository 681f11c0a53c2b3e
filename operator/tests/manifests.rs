//! The operator's committed YAML stays true: the rendering of every example matches its golden
//! file, `crds/` matches the CRD the code derives, and everything validates against the
//! Kubernetes schemas (`kubernetes-validate` from PyPI, installed by `scripts/deps.sh`).
//!
//! `UPDATE_GOLDEN=1 cargo test -p mercato-operator --test manifests` rewrites the golden files
//! and `crds/`; review the diff before committing it.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use kube::CustomResourceExt;
use mercato_operator::api::MarketplaceService;
use mercato_operator::preview::render_file;
use mercato_operator::render::Settings;
use support::{crd_path, platform_components, repository, run, venv_tool};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn examples() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repository().join("examples"))
        .expect("examples/ exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

fn golden_path(example: &Path) -> PathBuf {
    root()
        .join("tests/golden")
        .join(example.file_name().expect("a file name"))
}

/// Compares `actual` with the committed file, or rewrites it under `UPDATE_GOLDEN=1`. In CI
/// (`CI` set) rewriting is refused: it would turn every comparison into a write that passes.
fn check(path: &Path, actual: &str) {
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        assert!(
            std::env::var_os("CI").is_none(),
            "UPDATE_GOLDEN rewrites the golden files; it is refused when CI is set"
        );
        std::fs::write(path, actual).expect("golden file written");
        return;
    }
    let expected = std::fs::read_to_string(path)
        .unwrap_or_else(|_| panic!("{} is missing: run with UPDATE_GOLDEN=1", path.display()));
    assert!(
        expected == actual,
        "{} is out of date: run `UPDATE_GOLDEN=1 cargo test -p mercato-operator --test manifests` and review the diff",
        path.display()
    );
}

#[test]
fn every_example_renders_to_its_golden_file() {
    let files = examples();
    assert!(
        files.len() >= 10,
        "a namespace, a broker and eight components"
    );
    for example in files {
        let rendered = render_file(&example, &Settings::default()).expect("example renders");
        if rendered.is_empty() {
            // A namespace or broker: nothing the operator applies.
            assert!(
                !golden_path(&example).exists(),
                "{} renders nothing",
                example.display()
            );
            continue;
        }
        check(&golden_path(&example), &rendered);
    }
}

#[test]
fn crds_folder_holds_the_derived_crd() {
    let crd =
        mercato_operator::render::to_yaml(&MarketplaceService::crd()).expect("CRD serializes");
    check(&crd_path(), &crd);
}

#[test]
fn rendered_objects_and_the_crd_pass_kubernetes_schema_validation() {
    let mut command = Command::new(venv_tool("kubernetes-validate"));
    command.args(["--kubernetes-version", "1.33", "--strict"]);
    command.arg(crd_path());
    for example in examples() {
        let golden = golden_path(&example);
        if golden.exists() {
            command.arg(golden);
        }
    }
    let report = run(&mut command);
    assert!(!report.contains("ERROR"), "{report}");
    assert!(
        report.contains("passed for resource deployment/gateway"),
        "{report}"
    );
}

#[test]
fn every_example_passes_the_crd_schema_strictly() {
    let mut command = Command::new(venv_tool("python"));
    command
        .arg(root().join("tests/validate_cr.py"))
        .arg(crd_path());
    command.args(examples());
    let report = run(&mut command);
    for component in &platform_components() {
        assert!(
            report.contains(&format!("MarketplaceService/{component}: valid")),
            "{component} not checked:\n{report}"
        );
    }
}
