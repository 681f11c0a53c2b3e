//! A small in-memory Kubernetes API server behind a `tower-test` mock service: enough of GET,
//! LIST (with label selectors), server-side apply PATCH (objects and `/status`), DELETE and
//! event POSTs to run whole reconciles, with a log of every request (and its body) for the
//! assertions.
//!
//! It keeps objects as JSON by path, sets uid, generation (bumped when `spec` changes) and
//! resourceVersion like the real server, and deletes an object with finalizers only once they
//! are gone. Server-side apply honours field ownership as the real server does, in a simplified
//! form (a list is one field): each field manager owns the fields of its last apply, recorded
//! in `metadata.managedFields`, and a field a manager stops sending is removed unless another
//! manager owns it too.

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
    /// The JSON body (`Null` when there was none).
    pub body: Value,
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
    /// Path prefixes of API groups whose CRDs are not installed: every request under one is
    /// answered 404, as the API server answers for an unknown resource.
    absent: Vec<String>,
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

    /// Stores `object` at `path` (e.g. `/api/v1/namespaces/shop/secrets/db`), as a client's
    /// update would: the generation goes up when `spec` changed.
    pub fn put(&self, path: &str, mut object: Value) {
        let mut state = self.state();
        state.next_version += 1;
        let version = state.next_version.to_string();
        let previous = state.objects.get(path);
        let generation = match previous {
            Some(old) if old["spec"] != object["spec"] => {
                old["metadata"]["generation"].as_i64().unwrap_or(1) + 1
            }
            Some(old) => old["metadata"]["generation"].as_i64().unwrap_or(1),
            None => object["metadata"]["generation"].as_i64().unwrap_or(1),
        };
        let meta = &mut object["metadata"];
        meta["resourceVersion"] = json!(version);
        if meta["uid"].is_null() {
            meta["uid"] = json!(format!("uid-{version}"));
        }
        meta["generation"] = json!(generation);
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
    /// Answers 404 under `prefix` (`/apis/monitoring.coreos.com/`) until [`Cluster::install`].
    pub fn uninstall(&self, prefix: &str) {
        self.state().absent.push(prefix.to_owned());
    }

    /// Serves the API group under `prefix` again.
    pub fn install(&self, prefix: &str) {
        self.state().absent.retain(|p| p != prefix);
    }

    pub fn take_calls(&self) -> Vec<Call> {
        std::mem::take(&mut self.state().calls)
    }

    /// Answers one request as the API server would.
    pub async fn answer(&self, request: Request<Body>) -> Response<Body> {
        let (parts, body) = request.into_parts();
        let body = body.collect_bytes().await.unwrap_or_default();
        let path = parts.uri.path().to_owned();
        let query = parts.uri.query().unwrap_or("").to_owned();
        let body: Value = if body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&body).unwrap_or(Value::Null)
        };
        self.state().calls.push(Call {
            method: parts.method.clone(),
            path: path.clone(),
            query: query.clone(),
            body: body.clone(),
        });
        let absent = self.state().absent.iter().any(|p| path.starts_with(p));
        let (status, value) = match parts.method {
            _ if absent => not_found(&path),
            Method::GET => self.read(&path, &query),
            Method::PATCH => self.apply(&path, &query, body),
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
        if is_collection(path) || is_cluster_collection(path) {
            let selector = query
                .split('&')
                .find_map(|p| p.strip_prefix("labelSelector="))
                .map(percent_decode)
                .unwrap_or_default();
            let items: Vec<Value> = state
                .objects
                .iter()
                .filter(|(k, _)| member_of(path, k))
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

    fn apply(&self, path: &str, query: &str, body: Value) -> (StatusCode, Value) {
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
        let manager = query
            .split('&')
            .find_map(|p| p.strip_prefix("fieldManager="))
            .map(percent_decode)
            .unwrap_or_default();
        let applied = owned_fields(&body);
        for field in released_fields(&object, &manager, &applied) {
            remove_field(&mut object, &field);
        }
        for (key, value) in body.as_object().into_iter().flatten() {
            if key != "status" {
                merge(&mut object[key], value);
            }
        }
        record_manager(&mut object, &manager, &applied);
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
        let mut state = self.state();
        let Some(object) = state.objects.get_mut(path) else {
            return not_found(path);
        };
        let finalizers = object["metadata"]["finalizers"]
            .as_array()
            .is_some_and(|f| !f.is_empty());
        if finalizers {
            // Like the real server: marked, and removed once the finalizers are released.
            object["metadata"]["deletionTimestamp"] = json!("2026-11-27T12:00:00Z");
            return (StatusCode::OK, object.clone());
        }
        state.objects.remove(path);
        (
            StatusCode::OK,
            json!({"kind": "Status", "apiVersion": "v1", "status": "Success", "code": 200, "metadata": {}}),
        )
    }
}

/// The leaf fields an apply sets, as paths of keys; a list is one field. The object's identity
/// (`apiVersion`, `kind`, name, namespace) belongs to no manager.
fn owned_fields(body: &Value) -> Vec<Vec<String>> {
    fn walk(value: &Value, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
        match value.as_object() {
            Some(object) if !object.is_empty() => {
                for (key, child) in object {
                    path.push(key.clone());
                    walk(child, path, out);
                    path.pop();
                }
            }
            _ => out.push(path.clone()),
        }
    }
    let mut out = Vec::new();
    walk(body, &mut Vec::new(), &mut out);
    out.retain(|p| {
        let first = p.first().map(String::as_str);
        !matches!(first, Some("apiVersion" | "kind" | "status"))
            && !matches!(
                (first, p.get(1).map(String::as_str)),
                (Some("metadata"), Some("name" | "namespace"))
            )
    });
    out
}

/// `managedFields`' `fieldsV1` form of `fields`: `{"f:spec": {"f:replicas": {}}}`.
fn fields_v1(fields: &[Vec<String>]) -> Value {
    let mut root = json!({});
    for field in fields {
        let mut node = &mut root;
        for key in field {
            node = &mut node[format!("f:{key}")];
            if node.is_null() {
                *node = json!({});
            }
        }
    }
    root
}

/// The leaf paths of a `fieldsV1` value.
fn from_fields_v1(value: &Value) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut stack = vec![(value, Vec::new())];
    while let Some((node, path)) = stack.pop() {
        let children: Vec<_> = node.as_object().into_iter().flatten().collect();
        if children.is_empty() {
            out.push(path);
            continue;
        }
        for (key, child) in children {
            let mut path = path.clone();
            path.push(key.trim_start_matches("f:").to_owned());
            stack.push((child, path));
        }
    }
    out
}

/// The fields `manager` owned and no longer sends, that no other manager owns.
fn released_fields(object: &Value, manager: &str, applied: &[Vec<String>]) -> Vec<Vec<String>> {
    let entries: Vec<&Value> = object["metadata"]["managedFields"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    let fields_of = |entry: &Value| from_fields_v1(&entry["fieldsV1"]);
    let previous: Vec<Vec<String>> = entries
        .iter()
        .filter(|e| e["manager"] == manager)
        .flat_map(|e| fields_of(e))
        .collect();
    let others: Vec<Vec<String>> = entries
        .iter()
        .filter(|e| e["manager"] != manager)
        .flat_map(|e| fields_of(e))
        .collect();
    // A field is still held when it, a field inside it or the field around it is applied or
    // owned elsewhere (an empty object one manager sent may hold another's fields).
    let held = |f: &Vec<String>, by: &[Vec<String>]| {
        by.iter().any(|o| o.starts_with(f) || f.starts_with(o))
    };
    previous
        .into_iter()
        .filter(|f| !held(f, applied) && !held(f, &others))
        .collect()
}

/// Records that `manager` now owns `fields` (its entry replaced).
fn record_manager(object: &mut Value, manager: &str, fields: &[Vec<String>]) {
    let mut entries: Vec<Value> = object["metadata"]["managedFields"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    entries.retain(|e| e["manager"] != manager);
    entries.push(
        json!({"manager": manager, "operation": "Apply", "fieldsType": "FieldsV1",
                        "fieldsV1": fields_v1(fields)}),
    );
    object["metadata"]["managedFields"] = Value::Array(entries);
}

/// Removes the field at `path`, and the objects it leaves empty.
fn remove_field(object: &mut Value, path: &[String]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    if let Some(parent) = parents
        .iter()
        .try_fold(&mut *object, |node, key| node.get_mut(key))
        && let Some(map) = parent.as_object_mut()
    {
        map.remove(last);
        if map.is_empty() {
            remove_field(object, parents);
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
    segments.len() >= 3 && segments[segments.len() - 3] == "namespaces"
}

/// A list across namespaces: `/api/v1/secrets`, `/apis/group/version/plural`.
fn is_cluster_collection(path: &str) -> bool {
    let segments: Vec<&str> = path.split('/').collect();
    !path.contains("/namespaces")
        && match segments.get(1) {
            Some(&"api") => segments.len() == 4,
            Some(&"apis") => segments.len() == 5,
            _ => false,
        }
}

/// Whether the object at `key` belongs to the collection at `path`.
fn member_of(path: &str, key: &str) -> bool {
    if is_collection(path) {
        return key
            .strip_prefix(path)
            .and_then(|rest| rest.strip_prefix('/'))
            .is_some_and(|name| !name.contains('/'));
    }
    let Some((base, plural)) = path.rsplit_once('/') else {
        return false;
    };
    let Some(rest) = key.strip_prefix(&format!("{base}/namespaces/")) else {
        return false;
    };
    let parts: Vec<&str> = rest.split('/').collect();
    parts.len() == 3 && parts[1] == plural
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
