//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 document of the public API, generated from the
//! route table, so it lists exactly the routes the gateway serves.

use serde_json::{Map, Value, json};

use crate::routes::{Access, ROUTES, Session, public_path};

fn error_response(description: &str) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

/// The document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for route in ROUTES {
        let path = public_path(route);
        let parameters: Vec<Value> = route
            .path
            .split('/')
            .filter_map(|segment| segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        let mut responses = Map::new();
        responses.insert("2XX".into(), json!({"description": "Success"}));
        for (code, description) in [
            ("400", "Malformed request"),
            ("404", "No such resource, or not yours"),
            ("413", "Body too large"),
            ("422", "Invalid fields (see `error.fields`)"),
            (
                "429",
                "Rate limited (see `Retry-After` and `RateLimit-Limit` / `-Remaining` / `-Reset`)",
            ),
            ("502", "The service failed"),
            ("503", "The service is unavailable or busy"),
            ("504", "The service did not answer in time"),
        ] {
            responses.insert(code.into(), error_response(description));
        }
        if route.access == Access::SignedIn {
            responses.insert(
                "401".into(),
                error_response("Not signed in, or the token is invalid"),
            );
        }
        responses.insert(
            "403".into(),
            error_response("Not allowed (or a cookie request from a foreign origin)"),
        );
        let mut operation = json!({
            "summary": route.summary,
            "tags": [route.service],
            "operationId": format!("{}_{}", route.method.as_str().to_lowercase(), route.path.trim_start_matches('/').replace(['/', '-'], "_").replace(['{', '}'], "")),
            "parameters": parameters,
            "responses": responses,
        });
        if route.access == Access::SignedIn {
            operation["security"] = json!([{"bearer": []}, {"cookie": []}]);
        }
        if route.session == Session::Issue {
            operation["description"] = json!(
                "On success the body carries `access_token` and `expires_in`, and the session cookies are set."
            );
        }
        if matches!(route.method, http::Method::POST | http::Method::PATCH) {
            operation["requestBody"] =
                json!({"content": {"application/json": {"schema": {"type": "object"}}}});
        }
        let entry = paths.entry(path.to_owned()).or_insert_with(|| json!({}));
        entry[route.method.as_str().to_lowercase()] = operation;
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "Mercato API", "version": "1", "description": "The public API of the Mercato marketplace, served by the gateway."},
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": crate::session::ACCESS_COOKIE},
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {"error": {
                        "type": "object",
                        "required": ["code", "message"],
                        "properties": {
                            "code": {"type": "string"},
                            "message": {"type": "string"},
                            "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
                            "request_id": {"type": "string"},
                        },
                    }},
                },
            },
        },
    })
}
