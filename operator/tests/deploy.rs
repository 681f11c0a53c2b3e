//! The Kustomize packages under `deploy/` stay deployable: every overlay renders with
//! `kubectl kustomize`, every object passes the Kubernetes schemas strictly
//! (`kubernetes-validate`), the other projects' kinds pass their CRD schemas (the npm packages
//! of kubernetes-models, `deploy/tests/validate-foreign.mjs`), every MarketplaceService passes
//! `crds/` and its CEL rules, `mercato-operator render` takes the rendered overlays, and each
//! overlay holds what it promises.
//!
//! The overlays are rendered from a copy of `crds/`, `examples/` and `deploy/`, with stand-in
//! token key files where the dev overlay reads them (keys a developer makes once).

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use support::{crd_path, platform_components, repository, run, venv_tool};

/// A rendered overlay: the YAML file and its objects.
struct Rendered {
    file: PathBuf,
    objects: Vec<Value>,
    _dir: tempfile::TempDir,
}

impl Rendered {
    fn of_kind(&self, kind: &str) -> impl Iterator<Item = &Value> {
        let kind = kind.to_owned();
        self.objects
            .iter()
            .filter(move |o| o["kind"] == kind.as_str())
    }

    fn get(&self, kind: &str, name: &str) -> &Value {
        self.of_kind(kind)
            .find(|o| o["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("{kind}/{name} is rendered"))
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("a folder made");
    for entry in std::fs::read_dir(from).expect("a readable folder") {
        let entry = entry.expect("a readable entry");
        let name = entry.file_name();
        if name == "node_modules" || name == "keys" || name == "checks" {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type().expect("a file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("a file copied");
        }
    }
}

fn render(overlay: &str) -> Rendered {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for folder in ["crds", "examples", "deploy"] {
        copy_tree(&repository().join(folder), &dir.path().join(folder));
    }
    let keys = dir.path().join("deploy/overlays/dev/keys");
    std::fs::create_dir_all(&keys).expect("keys folder");
    std::fs::write(keys.join("jwks.json"), r#"{"keys": []}"#).expect("jwks written");
    std::fs::write(keys.join("dev-1.pem"), "stand-in").expect("key written");

    let yaml = run(Command::new("kubectl")
        .arg("kustomize")
        .arg(dir.path().join("deploy/overlays").join(overlay)));
    let file = dir.path().join(format!("{overlay}.yaml"));
    std::fs::write(&file, &yaml).expect("rendering written");
    let objects: Vec<Value> = serde_saphyr::from_multiple(&yaml).expect("the rendering is YAML");
    Rendered {
        file,
        objects,
        _dir: dir,
    }
}

fn kubernetes_validate(file: &Path) -> String {
    let report = run(Command::new(venv_tool("kubernetes-validate"))
        .args(["--kubernetes-version", "1.33", "--strict"])
        .arg(file));
    assert!(!report.contains("ERROR"), "{report}");
    report
}

fn validate_foreign(files: &[&Path]) -> String {
    run(Command::new("node")
        .arg(repository().join("deploy/tests/validate-foreign.mjs"))
        .args(files))
}

#[test]
fn every_overlay_passes_kubernetes_schema_validation_strictly() {
    for overlay in ["dev", "staging", "prod"] {
        let rendered = render(overlay);
        let report = kubernetes_validate(&rendered.file);
        for resource in [
            "deployment/mercato-operator",
            "clusterrole/mercato-operator",
            "poddisruptionbudget/mercato-operator",
            "networkpolicy/mercato-operator",
            "service/mercato-operator",
            "customresourcedefinition/marketplaceservices.mercato.dev",
        ] {
            assert!(
                report.contains(&format!("passed for resource {resource}")),
                "{overlay}: {resource} not validated:\n{report}"
            );
        }
    }
}

#[test]
fn other_projects_kinds_pass_their_crd_schemas() {
    let dev = render("dev");
    let staging = render("staging");
    let prod = render("prod");
    let gitops = repository().join("deploy/gitops");
    let argo = gitops.join("argocd-application.yaml");
    let flux = gitops.join("flux-kustomization.yaml");
    let report = validate_foreign(&[&dev.file, &staging.file, &prod.file, &argo, &flux]);
    for object in [
        "PrometheusRule/mercato",
        "ServiceMonitor/mercato-operator",
        "ClusterSecretStore/aws-secrets-manager",
        "ExternalSecret/mercato-token-keys",
        "Application/mercato",
        "GitRepository/mercato",
        "Kustomization/mercato",
    ] {
        assert!(
            report.contains(&format!("{object}: valid")),
            "{object} not validated:\n{report}"
        );
    }
    // The base's RabbitmqCluster has no schema in any package: warned, not passed over.
    let base = run(Command::new("kubectl")
        .arg("kustomize")
        .arg(repository().join("deploy/base")));
    let base_file = dev.file.with_file_name("base.yaml");
    std::fs::write(&base_file, base).expect("base written");
    let report = validate_foreign(&[&base_file]);
    assert!(
        report.contains("WARNING RabbitmqCluster/rabbitmq"),
        "{report}"
    );
}

#[test]
fn the_foreign_validator_refuses_a_bad_object() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let file = dir.path().join("bad.yaml");
    std::fs::write(
        &file,
        "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata: {name: bad}\nspec:\n  endpoints: 3\n",
    )
    .expect("written");
    let output = Command::new("node")
        .arg(repository().join("deploy/tests/validate-foreign.mjs"))
        .arg(&file)
        .output()
        .expect("node runs");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success(), "{text}");
    assert!(text.contains("INVALID ServiceMonitor/bad"), "{text}");
}

#[test]
fn every_rendered_marketplace_service_passes_the_crd_and_its_rules() {
    for overlay in ["dev", "staging", "prod"] {
        let rendered = render(overlay);
        let report = run(Command::new(venv_tool("python"))
            .arg(repository().join("operator/tests/validate_cr.py"))
            .arg(crd_path())
            .arg(&rendered.file));
        for component in &platform_components() {
            assert!(
                report.contains(&format!("MarketplaceService/{component}: valid")),
                "{overlay}: {component} not checked:\n{report}"
            );
        }
        let yaml = std::fs::read_to_string(&rendered.file).expect("readable");
        let services =
            mercato_operator::preview::parse(&yaml).unwrap_or_else(|e| panic!("{overlay}: {e:#}"));
        assert_eq!(services.len(), platform_components().len(), "{overlay}");
    }
}

/// `mercato-operator render -` over a rendered overlay on its standard input (as in
/// `kubectl kustomize ... | mercato-operator render -`), with the operator's settings of that
/// overlay given as flags.
fn operator_render(rendered: &Rendered, flags: &[&str]) -> Vec<Value> {
    let overlay = std::fs::File::open(&rendered.file).expect("the rendering opens");
    let output = run(Command::new(env!("CARGO_BIN_EXE_mercato-operator"))
        .arg("render")
        .arg("-")
        .args(flags)
        .stdin(overlay));
    serde_saphyr::from_multiple(&output).expect("render prints YAML")
}

#[test]
fn the_operator_renders_every_overlay_into_valid_objects() {
    let aws = [
        "--service-monitors",
        "true",
        "--service-monitor-labels",
        "release=kube-prometheus-stack",
        "--ingress-source-cidrs",
        "10.40.0.0/16",
        "--default-ingress-class",
        "alb",
    ];
    for (overlay, flags) in [("dev", &[][..]), ("staging", &aws[..]), ("prod", &aws[..])] {
        let rendered = render(overlay);
        let objects = operator_render(&rendered, flags);
        for component in &platform_components() {
            assert!(
                objects
                    .iter()
                    .any(|o| o["kind"] == "Deployment"
                        && o["metadata"]["name"] == component.as_str()),
                "{overlay}: no Deployment for {component}"
            );
        }
        let monitors = objects
            .iter()
            .filter(|o| o["kind"] == "ServiceMonitor")
            .count();
        assert_eq!(
            monitors,
            if overlay == "dev" {
                0
            } else {
                platform_components().len()
            },
            "{overlay}"
        );
        let file = rendered
            .file
            .with_file_name(format!("{overlay}-children.yaml"));
        let yaml: String = objects
            .iter()
            .map(|o| {
                format!(
                    "---\n{}",
                    mercato_operator::render::to_yaml(o).expect("YAML")
                )
            })
            .collect();
        std::fs::write(&file, yaml).expect("written");
        kubernetes_validate(&file);
        if overlay != "dev" {
            let report = validate_foreign(&[&file]);
            assert!(report.contains("ServiceMonitor/gateway: valid"), "{report}");
        }
    }
}

fn env_value<'a>(spec: &'a Value, name: &str) -> Option<&'a str> {
    spec["env"]
        .as_array()?
        .iter()
        .find(|e| e["name"] == name)
        .and_then(|e| e["value"].as_str())
}

#[test]
fn the_dev_overlay_runs_one_of_everything_on_local_images() {
    let dev = render("dev");
    assert_eq!(dev.of_kind("RabbitmqCluster").count(), 0);
    for component in &platform_components() {
        let ms = dev.get("MarketplaceService", component);
        let spec = &ms["spec"];
        assert_eq!(spec["replicas"], 1, "{component}");
        assert!(spec["autoscaling"].is_null(), "{component}");
        assert_eq!(
            spec["image"],
            format!("localhost/mercato/{component}:dev"),
            "{component}"
        );
        if component != "gateway" {
            assert_eq!(
                spec["messaging"]["broker"]["managementSecret"], "rabbitmq-management",
                "{component}"
            );
        }
        for binding in spec["databases"].as_array().into_iter().flatten() {
            let secret = binding["secretRef"]["name"].as_str().expect("a Secret");
            dev.get("Secret", secret);
        }
    }
    let gateway = &dev.get("MarketplaceService", "gateway")["spec"];
    assert_eq!(gateway["ingress"]["hosts"][0], "mercato.localtest.me");
    assert!(gateway["ingress"]["tlsSecretName"].is_null());
    assert_eq!(env_value(gateway, "COOKIE_SECURE"), Some("false"));
    let orders = &dev.get("MarketplaceService", "orders")["spec"];
    assert_eq!(env_value(orders, "PAYMENTS_PROVIDER"), Some("sandbox"));
    assert_eq!(
        env_value(orders, "STORAGE_ENDPOINT"),
        Some("http://object-storage.mercato.svc:8333")
    );
    let operator = dev.get("Deployment", "mercato-operator");
    assert_eq!(operator["spec"]["replicas"], 1);
    for store in [
        "postgres", "mariadb", "mongodb", "redis", "rabbitmq", "mailpit",
    ] {
        dev.get("Service", store);
    }
}

#[test]
fn the_prod_overlay_binds_aws_and_exposes_the_gateway_with_tls() {
    let prod = render("prod");
    assert_eq!(prod.of_kind("RabbitmqCluster").count(), 0);
    for component in &platform_components() {
        let spec = &prod.get("MarketplaceService", component)["spec"];
        let image = spec["image"].as_str().expect("an image");
        assert!(
            image.starts_with("123456789012.dkr.ecr.eu-central-1.amazonaws.com/mercato/"),
            "{image}"
        );
        let replicas = spec["replicas"]
            .as_i64()
            .or_else(|| spec["autoscaling"]["minReplicas"].as_i64())
            .expect("a replica count");
        assert!(replicas >= 2, "{component}: {replicas}");
        for binding in spec["databases"].as_array().into_iter().flatten() {
            let engine = binding["engine"].as_str().expect("an engine");
            let secret = binding["aws"]["credentialsSecret"]
                .as_str()
                .or_else(|| binding["secretRef"]["name"].as_str())
                .expect("a Secret");
            assert_eq!(
                binding["aws"].is_object(),
                engine != "MongoDB",
                "{component}: {engine} is AWS-managed unless MongoDB"
            );
            assert!(
                prod.of_kind("ExternalSecret")
                    .any(|e| e["spec"]["target"]["name"] == secret),
                "{component}: Secret {secret} comes from no ExternalSecret"
            );
        }
    }
    let gateway = &prod.get("MarketplaceService", "gateway")["spec"];
    assert!(gateway["autoscaling"]["minReplicas"].as_i64() >= Some(3));
    assert_eq!(gateway["ingress"]["loadBalancerTls"], true);
    assert_eq!(
        gateway["ingress"]["annotations"]["alb.ingress.kubernetes.io/scheme"],
        "internet-facing"
    );
    assert_eq!(gateway["dns"]["mode"], "IngressAnnotation");
    let operator = prod.get("Deployment", "mercato-operator");
    assert_eq!(operator["spec"]["replicas"], 2);
    let env = &operator["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(env_value(env, "LEADER_ELECTION"), Some("true"));
    assert_eq!(env_value(env, "SERVICE_MONITORS"), Some("true"));
    prod.get("PrometheusRule", "mercato");
    let dashboard = prod.get("ConfigMap", "mercato-dashboard");
    assert_eq!(dashboard["metadata"]["labels"]["grafana_dashboard"], "1");
}

/// `text` as the staging stage names it: the production stage's names, address range and host
/// with staging's in their place. Image tags are each stage's own.
fn as_staging(text: &str) -> String {
    untagged(text)
        .replace("production", "staging")
        .replace("10.40.0.0/16", "10.50.0.0/16")
        .replace("mercato.example.com", "staging.mercato.example.com")
}

/// An ECR image without its tag.
fn untagged(text: &str) -> String {
    match text.rsplit_once(':') {
        Some((image, _)) if text.contains(".dkr.ecr.") => format!("{image}:<tag>"),
        _ => text.to_owned(),
    }
}

fn with_strings(value: &Value, map: &impl Fn(&str) -> String) -> Value {
    match value {
        Value::String(text) => Value::String(map(text)),
        Value::Array(items) => Value::Array(items.iter().map(|v| with_strings(v, map)).collect()),
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(k, v)| (map(k), with_strings(v, map)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[test]
fn the_staging_overlay_is_production_with_the_staging_stages_names() {
    let prod = render("prod");
    let staging = render("staging");
    let expected: Vec<Value> = prod
        .objects
        .iter()
        .map(|o| with_strings(o, &as_staging))
        .collect();
    assert_eq!(staging.objects.len(), expected.len());
    for (got, want) in staging.objects.iter().zip(&expected) {
        assert_eq!(
            &with_strings(got, &untagged),
            want,
            "{} {}: not production's with staging's names",
            want["kind"],
            want["metadata"]["name"]
        );
    }
    let yaml = std::fs::read_to_string(&staging.file).expect("the rendering");
    assert!(!yaml.contains("production"), "a production name is left");
}
