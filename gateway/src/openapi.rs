//! The public API contract, `GET /api/v1/openapi.json`: assembled from the services' parts
//! (each derived from the service's own handler types and committed as
//! `services/<name>/openapi.json`), mapped to the public `/api/v1` paths by the route table,
//! with what the gateway adds itself: the credentials it accepts, the sessions it issues, and
//! the errors it answers before or instead of a service.
//!
//! Assembly is strict: a route without an operation in its service's part, an operation no
//! route serves, a route whose access disagrees with the operation's security, or two parts
//! defining one schema differently is an error, so the document cannot drift from the route
//! table. Routes of services without a part yet are left out.

use std::collections::{BTreeMap, HashSet};

use anyhow::{Context, bail, ensure};
use mercato_common::openapi::{add_error, operations_mut, requires_session};
use serde_json::{Map, Value, json};

use crate::routes::{Access, ROUTES, Route, Session, public_path};
use crate::session::{ACCESS_COOKIE, REFRESH_COOKIE, is_unsafe};

/// The services' committed parts.
pub const PARTS: [(&str, &str); 6] = [
    ("auth", include_str!("../../services/auth/openapi.json")),
    ("users", include_str!("../../services/users/openapi.json")),
    ("gigs", include_str!("../../services/gigs/openapi.json")),
    ("chat", include_str!("../../services/chat/openapi.json")),
    ("orders", include_str!("../../services/orders/openapi.json")),
    (
        "reviews",
        include_str!("../../services/reviews/openapi.json"),
    ),
];

/// The public document, from the committed parts.
///
/// # Errors
///
/// A part is not JSON, or the parts and the route table disagree.
pub fn document() -> anyhow::Result<Value> {
    let parts = PARTS
        .iter()
        .map(|(service, text)| {
            let part = serde_json::from_str(text)
                .with_context(|| format!("the OpenAPI part of {service} is not JSON"))?;
            Ok(((*service).to_owned(), part))
        })
        .collect::<anyhow::Result<BTreeMap<String, Value>>>()?;
    assemble(&parts)
}

/// The public document from `parts` (service name → its part).
///
/// # Errors
///
/// The parts and the route table disagree, or two parts define a schema differently.
pub fn assemble(parts: &BTreeMap<String, Value>) -> anyhow::Result<Value> {
    let mut paths = Map::new();
    let mut served = HashSet::new();
    let mut issues_sessions = false;
    for route in ROUTES {
        let Some(part) = parts.get(route.service) else {
            continue;
        };
        let internal = format!("/v1{}", route.path);
        let method = route.method.as_str().to_lowercase();
        let operation = part["paths"][&internal][&method].clone();
        ensure!(
            operation.is_object(),
            "{} {} has no operation `{method} {internal}` in the part of {}",
            route.method,
            public_path(route),
            route.service
        );
        served.insert((route.service, internal, method.clone()));
        let operation = public_operation(route, operation, part)?;
        issues_sessions |= route.session == Session::Issue;
        let item = paths.entry(public_path(route)).or_insert_with(|| json!({}));
        ensure!(
            item.get(&method).is_none(),
            "{} {} is in the route table twice",
            route.method,
            public_path(route)
        );
        item[method] = operation;
    }
    for (service, part) in parts {
        for (path, method, _) in operations_mut(&mut part.clone()) {
            ensure!(
                served.contains(&(service.as_str(), path.clone(), method.clone())),
                "`{method} {path}` of {service} is served by no route of the gateway"
            );
        }
    }
    let mut schemas = BTreeMap::new();
    for (service, part) in parts {
        for (name, schema) in part["components"]["schemas"]
            .as_object()
            .into_iter()
            .flatten()
        {
            if let Some(known) = schemas.insert(name.clone(), schema.clone()) {
                ensure!(
                    &known == schema,
                    "the schema `{name}` of {service} differs from another service's"
                );
            }
        }
    }
    link_created(&mut paths);
    let mut references = Vec::new();
    collect_references(&Value::Object(paths.clone()), &mut references);
    collect_references(&json!(schemas), &mut references);
    for reference in references {
        let name = reference
            .strip_prefix("#/components/schemas/")
            .unwrap_or(&reference);
        ensure!(
            schemas.contains_key(name) || (name == "IssuedSession" && issues_sessions),
            "`{reference}` is used but no part defines it"
        );
    }
    if issues_sessions {
        let session = schemas
            .get("Session")
            .context("routes issue sessions, but no part defines `Session`")?;
        schemas.insert("IssuedSession".into(), issued_session(session)?);
    }
    Ok(json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Mercato API",
            "version": "1",
            "description": "The public API of the Mercato marketplace, served by the gateway. \
                Sign in with `Authorization: Bearer <access_token>` or, from a browser, with the \
                session cookies the sign-in answers set; a request authenticated by cookie that \
                changes state must come from an allowed origin. Every error has the shape of \
                `Error`, with a stable `error.code`.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": ACCESS_COOKIE},
            },
        },
    }))
}

/// Links each creation (`POST <collection>` answering 201 with the new `id`) to the operations
/// on what it created (`<collection>/{id}` and below), so clients and fuzzers can follow them.
fn link_created(paths: &mut Map<String, Value>) {
    let operations: Vec<(String, String)> = paths
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .into_iter()
                .flat_map(|methods| methods.values())
                .filter_map(|operation| operation["operationId"].as_str())
                .map(|id| (path.clone(), id.to_owned()))
                .collect::<Vec<_>>()
        })
        .collect();
    for (path, item) in paths.iter_mut() {
        let Some(created) = item
            .get_mut("post")
            .and_then(|operation| operation["responses"].get_mut("201"))
        else {
            continue;
        };
        let resource = format!("{path}/{{id}}");
        let links: Map<String, Value> = operations
            .iter()
            .filter(|(target, _)| {
                *target == resource || target.starts_with(&format!("{resource}/"))
            })
            .map(|(_, id)| {
                (
                    id.clone(),
                    json!({"operationId": id, "parameters": {"path.id": "$response.body#/id"}}),
                )
            })
            .collect();
        if !links.is_empty() {
            created["links"] = Value::Object(links);
        }
    }
}

/// Every `$ref` in `value`.
fn collect_references(value: &Value, into: &mut Vec<String>) {
    match value {
        Value::Object(object) => {
            if let Some(Value::String(reference)) = object.get("$ref") {
                into.push(reference.clone());
            }
            object.values().for_each(|v| collect_references(v, into));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_references(v, into)),
        _ => {}
    }
}

/// A service's operation as the public API offers it.
fn public_operation(route: &Route, mut operation: Value, part: &Value) -> anyhow::Result<Value> {
    let security = operation.get("security").cloned();
    match (route.access, requires_session(&operation)) {
        (Access::SignedIn, false) => bail!(
            "{} {} needs a signed-in caller, but its operation does not require a session",
            route.method,
            route.path
        ),
        (Access::Public, true) => bail!(
            "{} {} is public, but its operation requires a session",
            route.method,
            route.path
        ),
        _ => {}
    }
    let credentials = [json!({"bearer": []}), json!({"cookie": []})];
    operation["security"] = match (route.access, security) {
        (Access::SignedIn, _) => json!(credentials),
        // A public route that reads the caller when there is one.
        (Access::Public, Some(_)) => json!([{}, credentials[0], credentials[1]]),
        (Access::Public, None) => Value::Null,
    };
    let object = operation
        .as_object_mut()
        .context("an operation is an object")?;
    if object["security"].is_null() {
        object.remove("security");
    }
    object.insert(
        "operationId".into(),
        json!(format!(
            "{}_{}",
            route.method.as_str().to_lowercase(),
            route
                .path
                .trim_start_matches('/')
                .replace(['/', '-'], "_")
                .replace(['{', '}'], "")
        )),
    );
    object.insert("summary".into(), json!(route.summary));
    object.insert("tags".into(), json!([route.service]));
    // A service's server errors reach the client only as the gateway's 502.
    if let Some(responses) = object.get_mut("responses").and_then(Value::as_object_mut) {
        responses.retain(|status, _| !status.starts_with('5'));
    }
    add_gateway_errors(route, &mut operation);
    match route.session {
        Session::Issue => issue_session(&mut operation, part)?,
        Session::Clear => {
            for (_, response) in successes(&mut operation) {
                response["headers"] = json!({"Set-Cookie": {
                    "description": "Clears the session cookies.",
                    "schema": {"type": "string"},
                }});
            }
        }
        Session::None => {}
    }
    Ok(operation)
}

/// The errors the gateway answers itself, on top of the service's.
fn add_gateway_errors(route: &Route, operation: &mut Value) {
    if route.access == Access::SignedIn {
        add_error(operation, 401, &["unauthorized", "invalid_token"]);
    } else {
        add_error(operation, 401, &["invalid_token"]);
    }
    if is_unsafe(&route.method) {
        add_error(operation, 403, &["csrf_rejected"]);
    }
    add_error(operation, 413, &["payload_too_large"]);
    add_error(operation, 429, &["rate_limited"]);
    operation["responses"]["429"]["headers"] = json!({
        "Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}},
        "RateLimit-Limit": {"description": "Requests allowed per window.", "schema": {"type": "integer"}},
        "RateLimit-Remaining": {"description": "Requests left in the window.", "schema": {"type": "integer"}},
        "RateLimit-Reset": {"description": "Seconds until the window starts over.", "schema": {"type": "integer"}},
    });
    add_error(operation, 500, &["internal_error"]);
    add_error(operation, 502, &["upstream_error"]);
    add_error(operation, 503, &["service_unavailable"]);
    add_error(operation, 504, &["upstream_timeout"]);
}

/// The success responses of an operation.
fn successes(operation: &mut Value) -> impl Iterator<Item = (&String, &mut Value)> {
    operation["responses"]
        .as_object_mut()
        .into_iter()
        .flat_map(|responses| responses.iter_mut())
        .filter(|(status, _)| status.starts_with('2'))
}

const SESSION_REF: &str = "#/components/schemas/Session";

/// A route whose `Session` answers the gateway turns into a session: the body gains the access
/// token, the cookies are set, and a body holding only the refresh token may be left out when
/// the refresh cookie is sent.
fn issue_session(operation: &mut Value, part: &Value) -> anyhow::Result<()> {
    let mut issued = 0;
    for (_, response) in successes(operation) {
        let schema = &mut response["content"]["application/json"]["schema"];
        if schema["$ref"] == SESSION_REF {
            *schema = json!({"$ref": "#/components/schemas/IssuedSession"});
            response["headers"] = json!({"Set-Cookie": {
                "description": format!("`{ACCESS_COOKIE}` (the access token) and `{REFRESH_COOKIE}` (the refresh token), both HttpOnly."),
                "schema": {"type": "string"},
            }});
            issued += 1;
        }
    }
    ensure!(
        issued > 0,
        "a route that issues sessions answers no `Session`"
    );
    let body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        .as_str()
        .and_then(|reference| reference.strip_prefix("#/components/schemas/"))
        .map(|name| &part["components"]["schemas"][name]);
    if body.is_some_and(|schema| schema["properties"].get("refresh_token").is_some()) {
        operation["requestBody"]["required"] = json!(false);
        operation["requestBody"]["description"] = json!(format!(
            "May be left out when the `{REFRESH_COOKIE}` cookie is sent: the gateway passes its token on."
        ));
    }
    Ok(())
}

/// What a client receives for a `Session`: its fields and the access token the gateway minted.
/// A copy rather than an `allOf`, so the schema names every field the answer has.
fn issued_session(session: &Value) -> anyhow::Result<Value> {
    let mut issued = session.clone();
    issued["description"] = json!(
        "A session as the client receives it: the account, its refresh token, and the access token the gateway minted."
    );
    let properties = issued["properties"]
        .as_object_mut()
        .context("`Session` has no properties")?;
    properties.insert(
        "access_token".into(),
        json!({"type": "string", "description": "Send as `Authorization: Bearer <access_token>`."}),
    );
    properties.insert(
        "expires_in".into(),
        json!({"type": "integer", "minimum": 1, "description": "Seconds until the access token expires."}),
    );
    issued["required"]
        .as_array_mut()
        .context("`Session` has no required fields")?
        .extend([json!("access_token"), json!("expires_in")]);
    Ok(issued)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts() -> BTreeMap<String, Value> {
        PARTS
            .iter()
            .map(|(service, text)| ((*service).to_owned(), serde_json::from_str(text).unwrap()))
            .collect()
    }

    #[test]
    fn an_operation_no_route_serves_is_refused() {
        let mut parts = parts();
        parts.get_mut("users").unwrap()["paths"]["/v1/sellers/secret"] =
            json!({"get": {"responses": {}}});

        let error = assemble(&parts).unwrap_err().to_string();

        assert!(
            error.contains("`get /v1/sellers/secret` of users"),
            "{error}"
        );
    }

    #[test]
    fn a_route_without_its_operation_is_refused() {
        let mut parts = parts();
        parts.get_mut("auth").unwrap()["paths"]
            .as_object_mut()
            .unwrap()
            .remove("/v1/auth/me");

        let error = assemble(&parts).unwrap_err().to_string();

        assert!(error.contains("/api/v1/auth/me"), "{error}");
    }

    #[test]
    fn a_signed_in_route_whose_operation_is_public_is_refused() {
        let mut parts = parts();
        let operation = &mut parts.get_mut("users").unwrap()["paths"]["/v1/buyers/me"]["get"];
        operation.as_object_mut().unwrap().remove("security");

        let error = assemble(&parts).unwrap_err().to_string();

        assert!(
            error.contains("/buyers/me needs a signed-in caller"),
            "{error}"
        );
    }

    #[test]
    fn one_schema_defined_two_ways_is_refused() {
        let mut parts = parts();
        parts.get_mut("users").unwrap()["components"]["schemas"]["Error"] =
            json!({"type": "string"});

        let error = assemble(&parts).unwrap_err().to_string();

        assert!(error.contains("`Error` of users"), "{error}");
    }

    #[test]
    fn a_schema_used_but_defined_by_no_part_is_refused() {
        let mut parts = parts();
        parts.get_mut("gigs").unwrap()["components"]["schemas"]
            .as_object_mut()
            .unwrap()
            .remove("Sort");

        let error = assemble(&parts).unwrap_err().to_string();

        assert!(error.contains("#/components/schemas/Sort"), "{error}");
    }

    #[test]
    fn a_session_answer_gains_the_access_token_and_cookies() {
        let document = document().unwrap();
        let signin = &document["paths"]["/api/v1/auth/signin"]["post"];

        assert_eq!(
            signin["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/IssuedSession"
        );
        assert!(signin["responses"]["200"]["headers"]["Set-Cookie"].is_object());
        let refresh = &document["paths"]["/api/v1/auth/refresh"]["post"];
        assert_eq!(refresh["requestBody"]["required"], false);
        assert_eq!(signin["requestBody"]["required"], true);
    }

    #[test]
    fn a_creation_links_to_the_operations_on_what_it_created() {
        let document = document().unwrap();
        let links = &document["paths"]["/api/v1/gigs"]["post"]["responses"]["201"]["links"];

        for operation in [
            "get_gigs_id",
            "patch_gigs_id",
            "delete_gigs_id",
            "post_gigs_id_pause",
        ] {
            assert_eq!(
                links[operation]["parameters"]["path.id"], "$response.body#/id",
                "{operation}: {links}"
            );
        }
        assert!(links.get("get_gigs_top").is_none(), "{links}");
    }

    #[test]
    fn service_server_errors_become_the_gateways() {
        let document = document().unwrap();
        let me = &document["paths"]["/api/v1/auth/me"]["get"];
        let codes = |status: &str| {
            me["responses"][status]["content"]["application/json"]["schema"]["allOf"][1]
                ["properties"]["error"]["properties"]["code"]["enum"]
                .clone()
        };

        assert_eq!(codes("500"), json!(["internal_error"]));
        assert_eq!(codes("502"), json!(["upstream_error"]));
        assert_eq!(codes("401"), json!(["unauthorized", "invalid_token"]));
        assert_eq!(me["security"], json!([{"bearer": []}, {"cookie": []}]));
        assert!(
            me["responses"]["403"].is_null(),
            "a read needs no origin check"
        );
    }
}
