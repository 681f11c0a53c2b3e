//! The public API contract as a test oracle: [`send`] sends a request through the gateway and
//! fails the test when the answer is not one the contract (`gateway/openapi.json`) documents
//! for that operation: an undocumented status, a body where none is documented (or none where
//! one is), the wrong content type, or a body its schema refuses.
//!
//! The check is stricter than the document: an object schema that does not say otherwise
//! admits only the fields it names, so an answer with a field the contract does not mention
//! fails too.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use http::{HeaderMap, Method};
use serde_json::Value;

/// An answer that conforms to the contract.
#[derive(Debug)]
pub struct Answer {
    /// The status code.
    pub status: u16,
    /// The headers.
    pub headers: HeaderMap,
    /// The JSON body, or `Null` when there is none.
    pub body: Value,
}

impl Answer {
    /// The `name=value` part of every `Set-Cookie` header.
    pub fn cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(|c| c.split(';').next().unwrap_or_default().to_owned())
            .collect()
    }
}

/// The public API contract and the validators compiled from it so far.
pub struct Contract {
    /// The document, with object schemas closed to fields they do not name.
    strict: Value,
    validators: Mutex<HashMap<String, std::sync::Arc<jsonschema::Validator>>>,
}

impl std::fmt::Debug for Contract {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Contract").finish_non_exhaustive()
    }
}

/// Closes every object schema that names its properties and says nothing of others.
fn close_objects(value: &mut Value) {
    match value {
        Value::Object(object) => {
            if object.get("properties").is_some_and(Value::is_object)
                && !object.contains_key("additionalProperties")
            {
                object.insert("additionalProperties".into(), Value::Bool(false));
            }
            object.values_mut().for_each(close_objects);
        }
        Value::Array(items) => items.iter_mut().for_each(close_objects),
        _ => {}
    }
}

/// `text` as one JSON pointer token inside a URI fragment (`{` and `}` of path templates are
/// not allowed there as they are).
fn pointer_token(text: &str) -> String {
    text.replace('~', "~0")
        .replace('/', "~1")
        .replace('{', "%7B")
        .replace('}', "%7D")
}

impl Contract {
    /// The contract of `document`.
    pub fn new(document: &Value) -> Self {
        let mut strict = document.clone();
        // Narrowing branches of `allOf` (an error's code) name only what they narrow.
        for schema in strict["components"]["schemas"]
            .as_object_mut()
            .into_iter()
            .flat_map(|schemas| schemas.values_mut())
        {
            close_objects(schema);
        }
        Self {
            strict,
            validators: Mutex::new(HashMap::new()),
        }
    }

    /// The documented path template `path` matches; literal segments win over parameters.
    fn template(&self, path: &str) -> Option<&str> {
        let segments: Vec<&str> = path.split('/').collect();
        self.strict["paths"]
            .as_object()?
            .keys()
            .filter_map(|template| {
                let pattern: Vec<&str> = template.split('/').collect();
                let matches = pattern.len() == segments.len()
                    && pattern
                        .iter()
                        .zip(&segments)
                        .all(|(p, s)| p.starts_with('{') && !s.is_empty() || p == s);
                let literals = pattern.iter().filter(|p| !p.starts_with('{')).count();
                matches.then_some((literals, template.as_str()))
            })
            .max()
            .map(|(_, template)| template)
    }

    fn validator(&self, pointer: &str) -> Result<std::sync::Arc<jsonschema::Validator>, String> {
        let mut validators = self.validators.lock().map_err(|err| err.to_string())?;
        if let Some(validator) = validators.get(pointer) {
            return Ok(validator.clone());
        }
        // The whole document is the root, so `#/components/...` references resolve; its other
        // keys are not JSON Schema keywords and are ignored.
        let mut root = self.strict.clone();
        root["$ref"] = Value::String(format!("#{pointer}"));
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .build(&root)
            .map_err(|err| format!("the schema at {pointer} does not compile: {err}"))?;
        let validator = std::sync::Arc::new(validator);
        validators.insert(pointer.to_owned(), validator.clone());
        Ok(validator)
    }

    /// Checks one answer to `method path`.
    ///
    /// # Errors
    ///
    /// What does not conform.
    pub fn check(
        &self,
        method: &Method,
        path: &str,
        status: u16,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<(), String> {
        let template = self
            .template(path)
            .ok_or_else(|| format!("no operation documents the path {path}"))?;
        let method_key = method.as_str().to_lowercase();
        let operation = &self.strict["paths"][template][&method_key];
        if !operation.is_object() {
            return Err(format!("{method} {template} is not documented"));
        }
        let status_key = status.to_string();
        let response_key = if operation["responses"].get(&status_key).is_some() {
            status_key
        } else if operation["responses"].get("default").is_some() {
            "default".to_owned()
        } else {
            return Err(format!(
                "{method} {template} does not document status {status}"
            ));
        };
        let response = &operation["responses"][&response_key];
        if response
            .pointer("/content/application~1json/schema")
            .is_none()
        {
            return if body.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "{status} documents no body, but one came: {}",
                    String::from_utf8_lossy(body)
                ))
            };
        }
        if !content_type.is_some_and(|c| c.starts_with("application/json")) {
            return Err(format!(
                "{status} documents JSON, but the content type is {content_type:?}"
            ));
        }
        let instance: Value = serde_json::from_slice(body)
            .map_err(|err| format!("{status} documents JSON, but the body is not: {err}"))?;
        let pointer = format!(
            "/paths/{}/{method_key}/responses/{response_key}/content/application~1json/schema",
            pointer_token(template)
        );
        let validator = self.validator(&pointer)?;
        let errors: Vec<String> = validator
            .iter_errors(&instance)
            .map(|error| format!("{} at {}", error, error.instance_path()))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "the {status} body does not match its schema: {}\nbody: {instance}",
                errors.join("; ")
            ))
        }
    }
}

/// The contract the gateway serves.
pub static CONTRACT: LazyLock<Contract> = LazyLock::new(|| {
    Contract::new(&mercato_gateway::openapi::document().expect("the public contract assembles"))
});

/// Sends `request` and checks the answer against [`CONTRACT`].
///
/// # Panics
///
/// The request fails, or the answer does not conform.
pub async fn send(request: reqwest::RequestBuilder) -> Answer {
    let (client, request) = request.build_split();
    let request = request.expect("the request builds");
    let method = request.method().clone();
    let path = request.url().path().to_owned();
    let response = client.execute(request).await.expect("the gateway answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("the body arrives");
    let content_type = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    if let Err(problem) = CONTRACT.check(&method, &path, status, content_type, &bytes) {
        panic!("{method} {path} answered outside the contract: {problem}");
    }
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or(Value::Null)
    };
    Answer {
        status,
        headers,
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn me_body() -> Value {
        json!({"user": {
            "id": "0192f0c4-0000-7000-8000-000000000001",
            "username": "paula",
            "email": "paula@example.test",
            "country": "DE",
            "profile_picture_url": null,
            "email_verified": false,
            "created_at": "2026-05-01T09:30:00Z",
        }})
    }

    fn check(status: u16, body: &Value) -> Result<(), String> {
        CONTRACT.check(
            &Method::GET,
            "/api/v1/auth/me",
            status,
            Some("application/json"),
            body.to_string().as_bytes(),
        )
    }

    #[test]
    fn a_documented_answer_conforms() {
        check(200, &me_body()).unwrap();
    }

    #[test]
    fn an_undocumented_field_fails() {
        let mut body = me_body();
        body["user"]["password_hash"] = json!("$argon2id$...");

        let problem = check(200, &body).unwrap_err();

        assert!(problem.contains("password_hash"), "{problem}");
    }

    #[test]
    fn a_wrong_type_or_format_fails() {
        let mut body = me_body();
        body["user"]["created_at"] = json!("yesterday");

        assert!(check(200, &body).is_err());
    }

    #[test]
    fn an_undocumented_status_or_code_fails() {
        let error = json!({"error": {"code": "not_found", "message": "no such account"}});
        check(404, &error).unwrap();

        assert!(check(409, &error).unwrap_err().contains("status 409"));
        let other = json!({"error": {"code": "gone_fishing", "message": "?"}});
        assert!(check(404, &other).is_err());
    }

    #[test]
    fn a_literal_path_wins_over_a_parameter() {
        assert_eq!(
            CONTRACT.template("/api/v1/sellers/random"),
            Some("/api/v1/sellers/random")
        );
        assert_eq!(
            CONTRACT.template("/api/v1/sellers/0192"),
            Some("/api/v1/sellers/{id}")
        );
    }
}
