//! A small in-memory Kubernetes API server behind a `tower-test` mock service: enough of GET,
//! LIST (with label selectors), server-side apply PATCH (objects and `/status`), DELETE and
//! event POSTs to run whole reconciles, with a log of every request for the assertions.
//!
//! It keeps objects as JSON by path, sets uid, generation (bumped when `spec` changes) and
//! resourceVersion like the real server, and removes a deleted object once its finalizers are
//! gone.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use http::{Method, Request, Response, StatusCode};
use kube::client::Body;
use serde_json::{Value, json};

/// One request the server received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// HTTP method.
    pub method: Method,
    /// Path without the query.
    pub path: String,
    /// The query string.
    pub query: String,
}

impl Call {
    /// Whether the call changes something.
    pub fn is_write(&self) -> bool {
        self.method != Method::GET
    }
}

#[derive(Debug, Default)]
struct State {
    objects: BTreeMap<String, Value>,
    calls: Vec<Call>,
    next_version: u64,
}

/// The fake cluster; cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Cluster(Arc<Mutex<State>>);

impl Cluster {
    /// A client talking to this cluster, and the task answering it.
    pub fn client(&self) -> kube::Client {
        let (service, mut handle) = tower_test::mock::pair::<Request<Body>, Response<Body>>();
        let cluster = self.clone();
        tokio::spawn(async move {
            while let Some((request, send)) = handle.next_request().await {
                let response = cluster.answer(request).await;
                send.send_response(response);
            }
        });
        kube::Client::new(service, "default")
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().expect("fake cluster lock")
    }

    /// Stores `object` at `path` (e.g. `/api/v1/namespaces/shop/secrets/db`) as-is.
    pub fn put(&self, path: &str, mut object: Value) {
        let mut state = self.state();
        state.next_version += 1;
        let version = state.next_version.to_string();
        let meta = &mut object["metadata"];
        meta["resourceVersion"] = json!(version);
        if meta["uid"].is_null() {
            meta["uid"] = json!(format!("uid-{version}"));
        }
        if meta["generation"].is_null() {
            meta["generation"] = json!(1);
        }
        state.objects.insert(path.to_owned(), object);
    }

    /// The object at `path`.
    pub fn get(&self, path: &str) -> Option<Value> {
        self.state().objects.get(path).cloned()
    }

    /// Changes the object at `path` in place, as another controller would.
    pub fn edit(&self, path: &str, change: impl FnOnce(&mut Value)) {
        let mut object = self.get(path).unwrap_or_else(|| panic!("{path} exists"));
        change(&mut object);
        self.put(path, object);
    }

    /// Paths of every stored object under `prefix`.
    pub fn paths(&self, prefix: &str) -> Vec<String> {
        self.state()
            .objects
            .keys()
            .filter(|k| k.starts_with(prefix))
            .cloned()
            .collect()
    }

    /// Every request so far, and forgets them.
    pub fn take_calls(&self) -> Vec<Call> {
        std::mem::take(&mut self.state().calls)
    }

    async fn answer(&self, request: Request<Body>) -> Response<Body> {
        let (parts, body) = request.into_parts();
        let body = body.collect_bytes().await.unwrap_or_default();
        let path = parts.uri.path().to_owned();
        let query = parts.uri.query().unwrap_or("").to_owned();
        self.state().calls.push(Call {
            method: parts.method.clone(),
            path: path.clone(),
            query: query.clone(),
        });
        let body: Value = if body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&body).unwrap_or(Value::Null)
        };
        let (status, value) = match parts.method {
            Method::GET => self.read(&path, &query),
            Method::PATCH => self.apply(&path, body),
            Method::DELETE => self.delete(&path),
            Method::POST => (StatusCode::CREATED, body),
            _ => not_found(&path),
        };
        Response::builder()
            .status(status)
            .header("content-type", "application/json")
            .body(Body::from(serde_json::to_vec(&value).unwrap_or_default()))
            .expect("a valid response")
    }

    fn read(&self, path: &str, query: &str) -> (StatusCode, Value) {
        let state = self.state();
        if let Some(object) = state.objects.get(path) {
            return (StatusCode::OK, object.clone());
        }
        if is_collection(path) {
            let selector = query
                .split('&')
                .find_map(|p| p.strip_prefix("labelSelector="))
                .map(percent_decode)
                .unwrap_or_default();
            let prefix = format!("{path}/");
            let items: Vec<Value> = state
                .objects
                .iter()
                .filter(|(k, _)| k.starts_with(&prefix) && !k[prefix.len()..].contains('/'))
                .map(|(_, v)| v.clone())
                .filter(|v| matches(&v["metadata"]["labels"], &selector))
                .map(|mut v| {
                    // Like the real server for built-in kinds: items carry no type fields.
                    if let Some(o) = v.as_object_mut() {
                        o.remove("apiVersion");
                        o.remove("kind");
                    }
                    v
                })
                .collect();
            return (
                StatusCode::OK,
                json!({"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": "1"}, "items": items}),
            );
        }
        not_found(path)
    }

    fn apply(&self, path: &str, body: Value) -> (StatusCode, Value) {
        if let Some(object_path) = path.strip_suffix("/status") {
            let Some(mut object) = self.get(object_path) else {
                return not_found(path);
            };
            object["status"] = body["status"].clone();
            self.put(object_path, object.clone());
            return (StatusCode::OK, self.get(object_path).unwrap_or(object));
        }
        let mut object = self.get(path).unwrap_or_else(|| {
            let namespace = path.split('/').skip_while(|s| *s != "namespaces").nth(1);
            json!({"metadata": {"namespace": namespace}})
        });
        let old_spec = object["spec"].clone();
        for (key, value) in body.as_object().into_iter().flatten() {
            if key != "status" {
                merge(&mut object[key], value);
            }
        }
        if object["spec"] != old_spec && !object["metadata"]["generation"].is_null() {
            let generation = object["metadata"]["generation"].as_i64().unwrap_or(1);
            object["metadata"]["generation"] = json!(generation + 1);
        }
        let deleting = !object["metadata"]["deletionTimestamp"].is_null();
        let finalized = object["metadata"]["finalizers"]
            .as_array()
            .is_none_or(Vec::is_empty);
        if deleting && finalized {
            self.state().objects.remove(path);
            return (StatusCode::OK, object);
        }
        self.put(path, object);
        (StatusCode::OK, self.get(path).unwrap_or_default())
    }

    fn delete(&self, path: &str) -> (StatusCode, Value) {
        match self.state().objects.remove(path) {
            Some(_) => (
                StatusCode::OK,
                json!({"kind": "Status", "apiVersion": "v1", "status": "Success", "code": 200, "metadata": {}}),
            ),
            None => not_found(path),
        }
    }
}

/// Objects merge key by key; anything else (lists included) is replaced, as for fields a
/// server-side apply owns.
fn merge(target: &mut Value, patch: &Value) {
    match (target.as_object_mut(), patch.as_object()) {
        (Some(target), Some(patch)) => {
            for (k, v) in patch {
                merge(target.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        _ => *target = patch.clone(),
    }
}

fn not_found(path: &str) -> (StatusCode, Value) {
    (
        StatusCode::NOT_FOUND,
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
               "message": format!("{path} not found"), "reason": "NotFound", "code": 404}),
    )
}

/// Collections end in a plural after a namespace (`.../namespaces/ns/deployments`).
fn is_collection(path: &str) -> bool {
    let segments: Vec<&str> = path.split('/').collect();
    segments.len() >= 2 && segments[segments.len() - 3] == "namespaces"
}

fn matches(labels: &Value, selector: &str) -> bool {
    selector
        .split(',')
        .filter(|s| !s.is_empty())
        .all(|term| match term.split_once('=') {
            Some((k, v)) => labels[k] == v,
            None => !labels[term].is_null(),
        })
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&text[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
