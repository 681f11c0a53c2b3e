//! `mercato-operator render`: the objects the operator would apply for `MarketplaceService`
//! files, for GitOps previews and the golden tests.
//!
//! Each object is checked against the CRD's CEL rules first, so a preview fails the way
//! `kubectl apply` would. Other kinds in the files (a Namespace, a RabbitmqCluster) are skipped:
//! the operator does not apply them.

use std::path::Path;

use anyhow::Context;
use kube::{Resource, ResourceExt};

use crate::api::MarketplaceService;
use crate::render::{Inputs, Settings, render};

/// The `MarketplaceService` objects in a YAML stream (other kinds skipped).
///
/// # Errors
///
/// Invalid YAML, a `MarketplaceService` that does not parse, or one its CEL rules reject.
pub fn parse(source: &str) -> anyhow::Result<Vec<MarketplaceService>> {
    let documents: Vec<serde_json::Value> =
        serde_saphyr::from_multiple(source).context("invalid YAML")?;
    let mut services = Vec::new();
    for document in documents {
        let is_ours = document["kind"] == MarketplaceService::kind(&()).as_ref()
            && document["apiVersion"] == MarketplaceService::api_version(&()).as_ref();
        if !is_ours {
            continue;
        }
        let ms: MarketplaceService =
            serde_json::from_value(document).context("not a valid MarketplaceService")?;
        ms.validate_cel()
            .map_err(|e| anyhow::anyhow!("{} is invalid: {e}", ms.name_any()))?;
        services.push(ms);
    }
    Ok(services)
}

/// The rendered objects of every `MarketplaceService` in `path` (`-`: standard input), as YAML.
///
/// # Errors
///
/// An unreadable file, or one [`parse`] rejects.
pub fn render_file(path: &Path, settings: &Settings) -> anyhow::Result<String> {
    let source = if path == Path::new("-") {
        std::io::read_to_string(std::io::stdin()).context("cannot read standard input")?
    } else {
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?
    };
    let services = parse(&source).with_context(|| format!("in {}", path.display()))?;
    let mut out = String::new();
    for ms in services {
        let desired = render(&ms, &Inputs::assumed(&ms), settings);
        out.push_str(&desired.to_yaml()?);
    }
    Ok(out)
}
