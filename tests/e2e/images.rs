//! The components' container images (`scripts/images.sh` builds them; `scripts/test.sh` does so
//! before the whole suite): each runs with a read-only root filesystem as user 10001, reaches
//! its stores and broker by host names it resolves itself, answers `/healthz` and `/readyz`, and
//! exits 0 on SIGTERM; the gateway's and auth's containers sign a user up together, and the
//! gateway's serves the web client; no image holds a shell or a package manager.

use std::collections::BTreeMap;
use std::time::Duration;

use mercato_common::testing::{
    TestBroker, TestKeys, TestMongo, TestMySql, TestPostgres, TestSmtpSink, eventually,
};
use mercato_deploy_checks::containers::{
    Container, components, image, image_config, image_files, require_image,
};
use mercato_deploy_checks::repository;
use secrecy::ExposeSecret;
use serde_json::json;

/// The host name every store and the broker are reached by from inside the containers.
const DEPS: &str = "mercato-deps.test";

/// The stores of one run, each the test's own.
struct Stores {
    keys: TestKeys,
    broker: TestBroker,
    mail: TestSmtpSink,
    auth: TestMySql,
    users: TestMongo,
    chat: TestMongo,
    gigs: TestPostgres,
    orders: TestPostgres,
    reviews: TestPostgres,
}

impl Stores {
    async fn new() -> Self {
        Self {
            keys: TestKeys::new(),
            broker: TestBroker::new().await,
            mail: TestSmtpSink::start().await,
            auth: TestMySql::new().await,
            users: TestMongo::new().await,
            chat: TestMongo::new().await,
            gigs: TestPostgres::new().await,
            orders: TestPostgres::new().await,
            reviews: TestPostgres::new().await,
        }
    }

    fn postgres(database: &TestPostgres) -> String {
        format!("postgres://mercato:mercato@{DEPS}:5432/{}", database.name)
    }

    fn mongo(database: &TestMongo) -> [String; 2] {
        [
            format!("MONGODB_URL=mongodb://{DEPS}:27017/?directConnection=true"),
            format!("MONGODB_DATABASE={}", database.db.name()),
        ]
    }

    /// The environment of `component`, whose peers listen on `ports`.
    fn env(&self, component: &str, ports: &BTreeMap<String, u16>) -> Vec<String> {
        let prefix = &self.broker.config.topology.queue_prefix;
        let mut env = vec![
            format!("LISTEN_ADDR=127.0.0.1:{}", ports[component]),
            "SHUTDOWN_DRAIN_SECONDS=0".to_owned(),
            "LOG_FORMAT=json".to_owned(),
            format!("AMQP_URL=amqp://guest:guest@{DEPS}:5672/%2f"),
            format!("STORAGE_ENDPOINT=http://{DEPS}:8333"),
            format!("REDIS_URL=redis://{DEPS}:6379"),
            format!("TOKEN_JWKS={}", self.keys.jwks_json()),
        ];
        env.extend(
            self.broker
                .config
                .topology
                .to_env()
                .into_iter()
                .map(|(name, value)| format!("{name}={value}")),
        );
        match component {
            "gateway" => {
                let pem = self.keys.signing.to_pkcs8_pem().expect("the key encodes");
                let upstreams: Vec<String> = ["auth", "users", "gigs", "chat", "orders", "reviews"]
                    .iter()
                    .map(|name| format!("{name}=http://mercato-{name}.test:{}", ports[*name]))
                    .collect();
                env.extend([
                    format!("TOKEN_SIGNING_KEY={}", pem.expose_secret()),
                    format!("TOKEN_SIGNING_KID={}", self.keys.signing.kid()),
                    format!("UPSTREAMS={}", upstreams.join(",")),
                    format!("REDIS_PREFIX={prefix}:"),
                    format!("PRESENCE_PREFIX={prefix}"),
                    "COOKIE_SECURE=false".to_owned(),
                ]);
            }
            "notifications" => env.extend([
                format!("SMTP_HOST={DEPS}"),
                format!("SMTP_PORT={}", self.mail.port),
                format!("REDIS_PREFIX={prefix}:notifications:"),
            ]),
            "auth" => env.extend([
                format!(
                    "DATABASE_URL=mysql://mercato:mercato@{DEPS}:3306/{}",
                    self.auth.name
                ),
                "HASH_PARALLELISM=1".to_owned(),
            ]),
            "users" => env.extend(Self::mongo(&self.users)),
            "chat" => {
                env.extend(Self::mongo(&self.chat));
                env.push(format!("REALTIME_CHANNEL={prefix}-chat"));
            }
            "gigs" => env.push(format!("DATABASE_URL={}", Self::postgres(&self.gigs))),
            "orders" => env.extend([
                format!("DATABASE_URL={}", Self::postgres(&self.orders)),
                format!("REALTIME_CHANNEL={prefix}-orders"),
            ]),
            "reviews" => env.push(format!("DATABASE_URL={}", Self::postgres(&self.reviews))),
            other => panic!("no environment for {other}"),
        }
        env
    }
}

/// The options every component's container runs with: what a Kubernetes pod of the operator's
/// gives it (read-only root, user 10001), the host's network, and the host names of the stores
/// and of each peer in its hosts file.
fn options(env: Vec<String>) -> Vec<String> {
    let mut options: Vec<String> = [
        "--read-only",
        "--user=10001",
        "--network=host",
        "--cap-drop=all",
        "--security-opt=no-new-privileges",
    ]
    .map(str::to_owned)
    .to_vec();
    options.push(format!("--add-host={DEPS}:127.0.0.1"));
    for component in components() {
        options.push(format!(
            "--add-host=mercato-{}.test:127.0.0.1",
            component.name
        ));
    }
    options.extend(env.into_iter().map(|var| format!("--env={var}")));
    options
}

async fn status(client: &reqwest::Client, url: &str) -> Option<u16> {
    Some(client.get(url).send().await.ok()?.status().as_u16())
}

#[tokio::test(flavor = "multi_thread")]
async fn every_image_runs_read_only_as_non_root_reaches_its_stores_and_stops_on_sigterm() {
    let platform: Vec<_> = components()
        .into_iter()
        .filter(|c| c.kind == "platform")
        .collect();
    for component in &platform {
        require_image(&image(&component.name));
    }
    let stores = Stores::new().await;
    let ports: BTreeMap<String, u16> = platform
        .iter()
        .map(|c| (c.name.clone(), TestSmtpSink::free_port()))
        .collect();
    let run = uuid::Uuid::now_v7().simple().to_string();
    let containers: Vec<(String, Container)> = platform
        .iter()
        .map(|c| {
            let container = Container::run(
                &format!("mercato-test-{}-{run}", c.name),
                &options(stores.env(&c.name, &ports)),
                &image(&c.name),
                &[],
            );
            (c.name.clone(), container)
        })
        .collect();

    let client = reqwest::Client::new();
    for (name, container) in &containers {
        let port = ports[name];
        eventually(
            &format!("{name}'s container ready"),
            Duration::from_secs(90),
            || async {
                assert!(
                    container.running(),
                    "{name}'s container exited:\n{}",
                    container.logs()
                );
                let ready = status(&client, &format!("http://127.0.0.1:{port}/readyz")).await;
                (ready == Some(200)).then_some(())
            },
        )
        .await;
        let healthz = status(&client, &format!("http://127.0.0.1:{port}/healthz")).await;
        assert_eq!(healthz, Some(200), "{name} /healthz");
    }

    // The gateway's container forwards to auth's by its host name; auth writes to MariaDB and
    // publishes through RabbitMQ, both reached by name.
    let gateway = format!("http://127.0.0.1:{}", ports["gateway"]);
    let signed_up = client
        .post(format!("{gateway}/api/v1/auth/signup"))
        .json(&json!({"username": "imagetester", "email": "imagetester@example.test", "password": "correct horse battery staple", "country": "DE", "device_id": "browser-1"}))
        .send()
        .await
        .expect("the gateway answers");
    let status_code = signed_up.status().as_u16();
    let body: serde_json::Value = signed_up.json().await.expect("a JSON answer");
    assert_eq!(status_code, 201, "{body}");
    let access = body["access_token"].as_str().expect("an access token");
    let me = client
        .get(format!("{gateway}/api/v1/auth/me"))
        .bearer_auth(access)
        .send()
        .await
        .expect("the gateway answers");
    assert_eq!(me.status().as_u16(), 200);
    let me: serde_json::Value = me.json().await.expect("a JSON answer");
    assert_eq!(me["user"]["username"], "imagetester", "{me}");

    // The gateway's image carries the web client: `/` and a client route are its index.html.
    for path in ["/", "/gigs/some-gig"] {
        let page = client
            .get(format!("{gateway}{path}"))
            .send()
            .await
            .expect("the gateway answers");
        assert_eq!(page.status().as_u16(), 200, "{path}");
        assert!(
            page.headers().contains_key("content-security-policy"),
            "{path}: {:?}",
            page.headers()
        );
        let html = page.text().await.expect("a page");
        assert!(html.contains("<div id=\"root\">"), "{path}: {html}");
    }

    for (name, container) in &containers {
        let code = container.stop(Duration::from_secs(25));
        assert_eq!(
            code,
            0,
            "{name}'s exit code after SIGTERM:\n{}",
            container.logs()
        );
    }
    drop(containers);
    stores
        .broker
        .cleanup(&[
            "notifications",
            "auth",
            "users",
            "gigs",
            "chat",
            "orders",
            "reviews",
        ])
        .await;
}

/// Paths whose presence would mean a shell or a package manager in an image.
const FORBIDDEN: [&str; 8] = [
    "bin/sh",
    "bin/bash",
    "bin/busybox",
    "usr/bin/sh",
    "usr/bin/apt",
    "usr/bin/apt-get",
    "usr/bin/dpkg",
    "sbin/apk",
];

#[test]
fn no_image_holds_a_shell_or_a_package_manager_and_each_runs_as_user_10001() {
    for component in components() {
        let image = image(&component.name);
        require_image(&image);
        let files = image_files(&image);
        assert!(
            files.contains("usr/local/bin/component"),
            "{image} has no component binary: {files:?}"
        );
        // Only the gateway's image holds the web client.
        assert_eq!(
            files.contains("srv/web/index.html"),
            component.name == "gateway",
            "{image}: srv/web/index.html"
        );
        for path in FORBIDDEN {
            assert!(!files.contains(path), "{image} holds {path}");
        }
        let config = image_config(&image);
        assert_eq!(config["Config"]["User"], "10001:10001", "{image}");
        assert_eq!(
            config["Config"]["Entrypoint"],
            json!(["/usr/local/bin/component"]),
            "{image}"
        );
        assert_eq!(config["Config"]["StopSignal"], "SIGTERM", "{image}");
        let size = config["Size"].as_u64().expect("a size");
        assert!(
            size < 40_000_000,
            "{image} is {size} bytes, over the 40 MB budget"
        );
    }
}

/// The Dockerfile's stages, each as its `FROM` line and its instructions (continuations joined).
fn stages(dockerfile: &str) -> Vec<(String, Vec<String>)> {
    let joined = dockerfile.replace("\\\n", " ");
    let mut stages: Vec<(String, Vec<String>)> = Vec::new();
    for line in joined.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line.to_ascii_uppercase().starts_with("FROM ") {
            stages.push((line.to_owned(), Vec::new()));
        } else if let Some((_, instructions)) = stages.last_mut() {
            instructions.push(line.to_owned());
        }
    }
    stages
}

#[test]
fn the_dockerfiles_runtime_stage_starts_from_scratch_and_runs_nothing() {
    let dockerfile =
        std::fs::read_to_string(repository().join("Dockerfile")).expect("the Dockerfile reads");
    let stages = stages(&dockerfile);
    let (_, instructions) = stages
        .iter()
        .find(|(from, _)| from == "FROM scratch AS runtime")
        .expect("a runtime stage from scratch");
    let keywords: Vec<String> = instructions
        .iter()
        .map(|i| {
            i.split_whitespace()
                .next()
                .unwrap_or("")
                .to_ascii_uppercase()
        })
        .collect();
    for forbidden in ["RUN", "SHELL", "ADD"] {
        assert!(
            !keywords.iter().any(|k| k == forbidden),
            "the runtime stage has {forbidden}: {instructions:?}"
        );
    }
    // Everything it holds comes from the build stage's root filesystem of the component.
    let copies: Vec<&String> = instructions
        .iter()
        .filter(|i| i.starts_with("COPY"))
        .collect();
    assert_eq!(copies, ["COPY --from=build /out/${COMPONENT}/ /"]);
    assert!(instructions.contains(&"USER 10001:10001".to_owned()));
    assert!(instructions.contains(&"STOPSIGNAL SIGTERM".to_owned()));
    assert!(
        instructions
            .iter()
            .any(|i| i == r#"ENTRYPOINT ["/usr/local/bin/component"]"#),
        "an exec-form entrypoint, so the component is PID 1 and gets SIGTERM itself"
    );
    // The gateway's stage is the runtime stage plus the web client from its own build
    // context; a build without `--target` makes the last stage, the runtime stage unchanged.
    let (_, gateway) = stages
        .iter()
        .find(|(from, _)| from == "FROM runtime AS gateway")
        .expect("a gateway stage");
    assert_eq!(
        gateway,
        &["COPY --from=web . /srv/web/", "ENV WEB_ROOT=/srv/web"]
    );
    let (from, last) = stages.last().expect("a stage");
    assert_eq!(from, "FROM runtime AS component");
    assert!(last.is_empty(), "{last:?}");
    // The dependencies compile in a step before the sources are copied in.
    let (_, build) = stages
        .iter()
        .find(|(from, _)| from.ends_with("AS build"))
        .expect("a build stage");
    let cook = build.iter().position(|i| i.contains("cargo chef cook"));
    let sources = build.iter().position(|i| i == "COPY . .");
    assert!(
        matches!((cook, sources), (Some(c), Some(s)) if c < s),
        "{build:?}"
    );
}
