//! The CRD stays cheap for a real API server to validate.
//!
//! The API server estimates the worst-case cost of every `x-kubernetes-validations` rule from the
//! schema's bounds and refuses a CRD with a rule over 10M or rules over 100M in all. A string
//! without `maxLength` is costed as about 3 million characters and a list without `maxItems` as
//! long as a request allows, so one comparison inside two nested iterations can exceed the
//! whole budget. The CEL interpreter the other tests use estimates nothing, so these tests do:
//!
//! - every string, list and map in the generated schema carries its bound;
//! - every iteration macro's list is bounded, nested or not;
//! - a worst-case estimate of each rule (iterations multiplied out, string comparisons at a
//!   tenth of a cost unit per character, as CEL costs them) stays under 1M. With the bounds in
//!   place the two rules that compare names across lists estimate at 6,656 (the database
//!   variables: 8 x 8 bindings, six comparisons of `envVar`, at most 128 characters) and
//!   17,408 (`env` names against database variables: 64 x 8 entries, names and variables at
//!   most 128 characters). With strings costed at 3M characters, the same estimate gives about
//!   121M and 161M: each over the limit for a whole CRD.

use kube::CustomResourceExt;
use mercato_operator::api::MarketplaceService;
use serde_json::Value;

/// The per-rule limit is 10M; a rule here must stay far below it.
const RULE_BUDGET: u64 = 1_000_000;
/// A fixed allowance per evaluation of a macro body (field reads, `has`, operators, literals).
const BODY_OVERHEAD: u64 = 20;

fn schema() -> Value {
    let crd = serde_json::to_value(MarketplaceService::crd()).expect("CRD as JSON");
    crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"].clone()
}

/// Calls `visit` with every schema node and its path.
fn walk(node: &Value, path: &str, visit: &mut impl FnMut(&Value, &str)) {
    visit(node, path);
    for (name, child) in node["properties"].as_object().into_iter().flatten() {
        walk(child, &format!("{path}.{name}"), visit);
    }
    if node["items"].is_object() {
        walk(&node["items"], &format!("{path}[]"), visit);
    }
    if node["additionalProperties"].is_object() {
        walk(&node["additionalProperties"], &format!("{path}{{}}"), visit);
    }
}

/// What a node is missing to be bounded, if anything.
fn missing_bound(node: &Value) -> Option<&'static str> {
    match node["type"].as_str() {
        Some("string") if node["enum"].is_null() && node["maxLength"].is_null() => {
            Some("maxLength")
        }
        Some("array") if node["maxItems"].is_null() => Some("maxItems"),
        Some("object")
            if !node["additionalProperties"].is_null() && node["maxProperties"].is_null() =>
        {
            Some("maxProperties")
        }
        _ => None,
    }
}

#[test]
fn every_string_list_and_map_in_the_schema_is_bounded() {
    let schema = schema();
    let mut unbounded = Vec::new();
    let mut checked = 0;
    walk(&schema, "", &mut |node, path| {
        // `metadata` is the API server's own, bounded by it.
        if path.starts_with(".metadata") {
            return;
        }
        checked += 1;
        if let Some(bound) = missing_bound(node) {
            unbounded.push(format!("{path} has no {bound}"));
        }
    });
    assert!(checked > 100, "the walk reached the whole schema");
    assert!(unbounded.is_empty(), "unbounded: {unbounded:#?}");
}

#[test]
fn the_walk_reports_a_string_list_or_map_without_its_bound() {
    let bad = serde_json::json!({"type": "object", "properties": {
        "name": {"type": "string"},
        "tags": {"type": "array", "maxItems": 4, "items": {"type": "string", "maxLength": 9}},
        "labels": {"type": "object", "additionalProperties": {"type": "string", "maxLength": 9}},
        "kind": {"type": "string", "enum": ["A", "B"]},
        "hosts": {"type": "array", "items": {"type": "string", "maxLength": 9}},
    }});
    let mut found = Vec::new();
    walk(&bad, "", &mut |node, path| {
        if let Some(bound) = missing_bound(node) {
            found.push(format!("{path}:{bound}"));
        }
    });
    found.sort();
    assert_eq!(
        found,
        [
            ".hosts:maxItems",
            ".labels:maxProperties",
            ".name:maxLength"
        ]
    );
}

/// One iteration macro in a rule: the list it runs over and the text of its body.
#[derive(Debug)]
struct Iteration {
    /// Byte range of the macro's arguments in the rule.
    span: (usize, usize),
    /// The variable the body binds (`e` in `self.env.all(e, ...)`).
    variable: String,
    /// The receiver as written (`self.env`, `d.items`, or a list literal).
    receiver: String,
}

const MACROS: [&str; 5] = [".all(", ".exists_one(", ".exists(", ".map(", ".filter("];

/// The index of the bracket closing the one at `open`.
fn closing(text: &[u8], open: usize) -> usize {
    let (opening, closing) = (text[open], if text[open] == b'(' { b')' } else { b']' });
    let mut depth = 0;
    for (i, &c) in text.iter().enumerate().skip(open) {
        if c == opening {
            depth += 1;
        } else if c == closing {
            depth -= 1;
            if depth == 0 {
                return i;
            }
        }
    }
    panic!("unbalanced rule text");
}

/// Every iteration macro in `rule`.
fn iterations(rule: &str) -> Vec<Iteration> {
    let bytes = rule.as_bytes();
    let mut found = Vec::new();
    for name in MACROS {
        for (at, _) in rule.match_indices(name) {
            let open = at + name.len() - 1;
            let close = closing(bytes, open);
            let receiver = if bytes[at - 1] == b']' {
                let start = (0..at)
                    .rev()
                    .find(|&i| bytes[i] == b'[' && closing(bytes, i) == at - 1)
                    .expect("a list literal");
                rule[start..at].to_owned()
            } else {
                let start = rule[..at]
                    .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
                    .map_or(0, |i| i + 1);
                rule[start..at].to_owned()
            };
            let variable = rule[open + 1..close]
                .split(',')
                .next()
                .unwrap_or_default()
                .trim()
                .to_owned();
            found.push(Iteration {
                span: (open, close),
                variable,
                receiver,
            });
        }
    }
    found.sort_by_key(|i| i.span.0);
    found
}

/// The schema of the list an iteration runs over, and its most elements.
fn list_of<'a>(
    node: &'a Value,
    iteration: &Iteration,
    enclosing: &[(&Iteration, &'a Value)],
) -> Result<(u64, &'a Value), String> {
    if iteration.receiver.starts_with('[') {
        let inner = &iteration.receiver[1..iteration.receiver.len() - 1];
        return Ok((inner.split(',').count() as u64, &Value::Null));
    }
    let mut segments = iteration.receiver.split('.');
    let root = segments.next().unwrap_or_default();
    let mut current = if root == "self" {
        node
    } else {
        enclosing
            .iter()
            .rev()
            .find(|(outer, _)| outer.variable == root)
            .map(|(_, items)| *items)
            .ok_or_else(|| format!("cannot resolve {}", iteration.receiver))?
    };
    for field in segments {
        current = &current["properties"][field];
    }
    let max = current["maxItems"]
        .as_u64()
        .ok_or_else(|| format!("{} is iterated but has no maxItems", iteration.receiver))?;
    Ok((max, &current["items"]))
}

/// The characters the API server assumes for a string without `maxLength` (the request limit).
const UNBOUNDED_STRING: u64 = 3 * 1024 * 1024;

/// The most characters a string node may hold, as the API server estimates it.
fn string_length(node: &Value) -> u64 {
    match (node["type"].as_str(), node["maxLength"].as_u64()) {
        (Some("string"), Some(max)) => max,
        (Some("string"), None) if node["enum"].is_null() => UNBOUNDED_STRING,
        _ => 0,
    }
}

/// The longest string among `item`'s fields that `rule` names (or `item` itself).
fn longest_string_named(item: &Value, rule: &str) -> u64 {
    item["properties"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(name, _)| rule.contains(&format!(".{name}")))
        .map(|(_, field)| string_length(field))
        .fold(string_length(item), u64::max)
}

/// A worst-case cost of `rule` evaluated at `node`: the product of the nested iterations'
/// sizes times the cost of one innermost body (string comparisons at 0.1 per character).
fn estimate(node: &Value, rule: &str) -> Result<u64, String> {
    let found = iterations(rule);
    let comparisons = rule.matches("==").count() as u64
        + rule.matches("!=").count() as u64
        + rule.matches(".startsWith(").count() as u64
        + rule.matches(" in ").count() as u64;
    let mut worst = BODY_OVERHEAD;
    for (index, iteration) in found.iter().enumerate() {
        // The iterations this one sits inside, outermost first.
        let chain: Vec<&Iteration> = found[..index]
            .iter()
            .filter(|outer| outer.span.0 < iteration.span.0 && iteration.span.1 < outer.span.1)
            .collect();
        let mut resolved: Vec<(&Iteration, &Value)> = Vec::new();
        let mut product = 1_u64;
        let mut longest = 0;
        for step in chain.into_iter().chain(std::iter::once(iteration)) {
            let (size, items) = list_of(node, step, &resolved)?;
            product *= size;
            longest = longest.max(longest_string_named(items, rule));
            resolved.push((step, items));
        }
        let body = BODY_OVERHEAD + comparisons * (1 + longest.div_ceil(10));
        worst = worst.max(product * body);
    }
    Ok(worst)
}

/// Every rule of the schema with its path and estimate.
fn estimates() -> Vec<(String, String, Result<u64, String>)> {
    let schema = schema();
    let mut all = Vec::new();
    walk(&schema, "", &mut |node, path| {
        for rule in node["x-kubernetes-validations"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let text = rule["rule"].as_str().expect("a rule").to_owned();
            let cost = estimate(node, &text);
            all.push((path.to_owned(), text, cost));
        }
    });
    all
}

#[test]
fn every_rule_iterates_over_bounded_lists_and_stays_far_below_the_cost_limit() {
    let all = estimates();
    assert!(all.len() > 15, "every rule was found: {}", all.len());
    let too_costly: Vec<_> = all
        .iter()
        .filter(|(_, _, cost)| cost.as_ref().map_or(true, |c| *c >= RULE_BUDGET))
        .collect();
    assert!(too_costly.is_empty(), "{too_costly:#?}");
    let total: u64 = all.iter().filter_map(|(_, _, c)| c.as_ref().ok()).sum();
    assert!(total < 10 * RULE_BUDGET, "all rules together: {total}");
}

#[test]
fn the_rules_that_compare_names_across_lists_are_estimated_as_documented() {
    let all = estimates();
    let cost_of = |needle: &str| {
        all.iter()
            .find(|(_, rule, _)| rule.contains(needle))
            .and_then(|(_, _, cost)| cost.clone().ok())
            .unwrap_or_else(|| panic!("a rule with {needle} and an estimate"))
    };
    let databases = cost_of("self.databases.filter(o");
    let env = cost_of("!self.databases.exists(d");
    // 8 x 8 x (20 + 6 x 14) and 64 x 8 x (20 + 1 x 14): see the module documentation.
    assert_eq!((databases, env), (6_656, 17_408));
}

#[test]
fn the_estimate_grows_with_nesting_and_fails_on_an_unbounded_list() {
    let node = serde_json::json!({"type": "object", "properties": {
        "a": {"type": "array", "maxItems": 10,
              "items": {"type": "object", "properties": {"n": {"type": "string", "maxLength": 100}}}},
        "b": {"type": "array", "items": {"type": "string", "maxLength": 5}},
    }});
    let flat = estimate(&node, "self.a.all(x, x.n == 'q')").expect("bounded");
    let nested = estimate(&node, "self.a.all(x, self.a.exists(y, x.n == y.n))").expect("bounded");
    assert_eq!(flat, 10 * (BODY_OVERHEAD + 11));
    assert_eq!(nested, 100 * (BODY_OVERHEAD + 11));
    let error = estimate(&node, "self.a.all(x, self.b.exists(y, y == x.n))").expect_err("b");
    assert!(error.contains("self.b"), "{error}");
}
