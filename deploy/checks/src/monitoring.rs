//! The platform's monitoring objects read as data: the PromQL of every alert rule
//! (`deploy/components/monitoring/alerts.yaml`) and of every Grafana dashboard panel
//! (`deploy/components/monitoring/dashboards/`), the metric names each expression reads, and the
//! names a component's `/metrics` exports.
//!
//! An alert on a metric no component exports never fires, so the operator's and the end-to-end
//! tests scrape the running components and fail on a name they do not export. Names starting
//! with `operator_` are the operator's ([`is_operator_metric`]); the rest belong to the gateway
//! and the services.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use promql_parser::parser::{self, Expr};
use serde_json::Value;

/// One PromQL expression and where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// `alert <name>` or `dashboard <file>: <panel title>`.
    pub source: String,
    /// The expression.
    pub promql: String,
}

/// The folder of the monitoring objects.
pub fn monitoring_dir() -> PathBuf {
    crate::repository().join("deploy/components/monitoring")
}

/// Whether a metric is the operator's (the rest are the gateway's and the services').
pub fn is_operator_metric(name: &str) -> bool {
    name.starts_with("operator_")
}

/// Every alert rule's expression in the PrometheusRule file at `path`.
///
/// # Panics
///
/// The file is missing, is not YAML, or holds a rule without `alert` and `expr`.
pub fn alert_rules(path: &Path) -> Vec<Query> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let rule: Value = serde_saphyr::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not YAML: {e}", path.display()));
    assert_eq!(rule["kind"], "PrometheusRule", "{}", path.display());
    let mut queries = Vec::new();
    for group in rule["spec"]["groups"].as_array().into_iter().flatten() {
        for rule in group["rules"].as_array().into_iter().flatten() {
            let name = rule["alert"]
                .as_str()
                .or_else(|| rule["record"].as_str())
                .unwrap_or_else(|| panic!("a rule without a name in {}", path.display()));
            let expr = rule["expr"]
                .as_str()
                .unwrap_or_else(|| panic!("rule {name} has no expr"));
            queries.push(Query {
                source: format!("alert {name}"),
                promql: expr.trim().to_owned(),
            });
        }
    }
    queries
}

/// Every panel query of every Grafana dashboard (`*.json`) in `dir`, with Grafana's interval
/// variables replaced by a duration so the expression parses as PromQL.
///
/// # Panics
///
/// The folder is unreadable or a dashboard is not JSON.
pub fn dashboard_queries(dir: &Path) -> Vec<Query> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("a readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut queries = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("a readable dashboard");
        let dashboard: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not JSON: {e}", file.display()));
        let name = file.file_name().unwrap_or_default().to_string_lossy();
        collect_panels(&dashboard, &name, &mut queries);
    }
    queries
}

fn collect_panels(node: &Value, file: &str, queries: &mut Vec<Query>) {
    for panel in node["panels"].as_array().into_iter().flatten() {
        let title = panel["title"].as_str().unwrap_or("untitled");
        for target in panel["targets"].as_array().into_iter().flatten() {
            if let Some(expr) = target["expr"].as_str() {
                queries.push(Query {
                    source: format!("dashboard {file}: {title}"),
                    promql: expr
                        .replace("$__rate_interval", "5m")
                        .replace("$__interval", "1m"),
                });
            }
        }
        // Collapsed rows keep their panels inside.
        collect_panels(panel, file, queries);
    }
}

/// The metric names `promql` reads.
///
/// # Errors
///
/// The expression does not parse, or selects series without naming a metric.
pub fn metric_names(promql: &str) -> Result<BTreeSet<String>, String> {
    let expr = parser::parse(promql)?;
    let mut names = BTreeSet::new();
    walk(&expr, &mut names)?;
    Ok(names)
}

fn walk(expr: &Expr, names: &mut BTreeSet<String>) -> Result<(), String> {
    match expr {
        Expr::Aggregate(a) => {
            walk(&a.expr, names)?;
            if let Some(param) = &a.param {
                walk(param, names)?;
            }
        }
        Expr::Unary(u) => walk(&u.expr, names)?,
        Expr::Binary(b) => {
            walk(&b.lhs, names)?;
            walk(&b.rhs, names)?;
        }
        Expr::Paren(p) => walk(&p.expr, names)?,
        Expr::Subquery(s) => walk(&s.expr, names)?,
        Expr::VectorSelector(v) => selector(v, names)?,
        Expr::MatrixSelector(m) => selector(&m.vs, names)?,
        Expr::Call(c) => {
            for arg in &c.args.args {
                walk(arg, names)?;
            }
        }
        Expr::NumberLiteral(_) | Expr::StringLiteral(_) | Expr::Extension(_) => {}
    }
    Ok(())
}

fn selector(
    v: &promql_parser::parser::VectorSelector,
    names: &mut BTreeSet<String>,
) -> Result<(), String> {
    let name = v
        .name
        .clone()
        .ok_or_else(|| format!("a selector without a metric name: {v}"))?;
    names.insert(name);
    Ok(())
}

/// The metric names in a Prometheus text exposition (the body of `/metrics`).
pub fn exported_names(exposition: &str) -> BTreeSet<String> {
    exposition
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .filter_map(|line| line.split(['{', ' ']).next())
        .map(str::to_owned)
        .collect()
}

/// `source: name` for each metric a query reads that is not in `exported`, among the names
/// `concerns` selects; parse errors are reported the same way.
pub fn unexported(
    queries: &[Query],
    exported: &BTreeSet<String>,
    concerns: impl Fn(&str) -> bool,
) -> Vec<String> {
    let mut problems = Vec::new();
    for query in queries {
        match metric_names(&query.promql) {
            Ok(names) => problems.extend(
                names
                    .iter()
                    .filter(|n| concerns(n) && !exported.contains(*n))
                    .map(|n| format!("{}: {n} is exported by no component", query.source)),
            ),
            Err(error) => problems.push(format!("{}: does not parse: {error}", query.source)),
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_every_kind_of_expression() {
        let names = metric_names(
            r#"histogram_quantile(0.99, sum by (le) (rate(a_bucket{x="1"}[5m]))) / on (job) b > 0 or max_over_time(c[10m:1m]) - -d"#,
        )
        .expect("parses");
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        assert_eq!(names, ["a_bucket", "b", "c", "d"]);
        assert!(metric_names("sum(rate(x[5m]").is_err());
        assert!(metric_names(r#"{job="x"}"#).is_err());
    }

    #[test]
    fn an_exposition_gives_its_sample_names() {
        let names = exported_names(
            "# HELP a_total help\n# TYPE a_total counter\na_total{s=\"x\"} 1\nb 2\nc_bucket{le=\"+Inf\"} 3\n\n",
        );
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        assert_eq!(names, ["a_total", "b", "c_bucket"]);
    }

    #[test]
    fn unexported_names_are_reported_per_query() {
        let queries = [Query {
            source: "alert A".into(),
            promql: "rate(x_total[5m]) > operator_y".into(),
        }];
        let exported = BTreeSet::from(["operator_y".to_owned()]);
        assert_eq!(
            unexported(&queries, &exported, |n| !is_operator_metric(n)),
            ["alert A: x_total is exported by no component"]
        );
        assert!(unexported(&queries, &exported, is_operator_metric).is_empty());
    }

    #[test]
    fn the_committed_rules_and_dashboards_parse() {
        let alerts = alert_rules(&monitoring_dir().join("alerts.yaml"));
        assert!(alerts.len() >= 7, "{alerts:?}");
        let panels = dashboard_queries(&monitoring_dir().join("dashboards"));
        assert!(panels.len() >= 10, "{panels:?}");
        for query in alerts.iter().chain(&panels) {
            let names = metric_names(&query.promql)
                .unwrap_or_else(|e| panic!("{}: {e}\n{}", query.source, query.promql));
            assert!(!names.is_empty(), "{} reads no metric", query.source);
        }
    }
}
