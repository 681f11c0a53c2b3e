//! The soak run (not part of CI): mixed traffic through the gateway of a local run
//! (`scripts/run-local.sh`) for a while — reads of gigs and sellers, searches, sign-ins within
//! the limits, messages in the demo conversation — then a report: requests and errors per
//! route (the target is no 5xx at all), p50 and p99 per route, and each component's resident
//! memory at the start and the end (from `/proc`, by the pids in `.dev/pids/`). It fails on any
//! 5xx, or on a component growing more than `--max-growth-percent` (25) over the run.
//!
//! The gateway's per-address limit (600 a minute) would turn nearly all of one machine's
//! traffic into 429s: start the local run with it raised. The per-account sign-in limit stays.
//!
//! ```sh
//! RATE_LIMIT_PER_IP=10000000 scripts/run-local.sh
//! cargo run -p mercato-e2e --all-features --example soak -- --minutes 10
//! ```

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::{Value, json};

/// Mixed traffic through the gateway, and what it did to the platform.
#[derive(Debug, Parser)]
struct Args {
    /// The gateway.
    #[arg(long, default_value = "http://127.0.0.1:4000")]
    gateway: String,
    /// How long to run.
    #[arg(long, default_value_t = 10.0)]
    minutes: f64,
    /// Concurrent readers.
    #[arg(long, default_value_t = 8)]
    readers: usize,
    /// Where run-local keeps the components' pids.
    #[arg(long, default_value = ".dev/pids")]
    pids: String,
    /// The most a component's resident memory may grow over the run, in percent of its start.
    #[arg(long, default_value_t = 25.0)]
    max_growth_percent: f64,
}

const PASSWORD: &str = "mercato-demo-2026";
const DEVICE: &str = "demo-device";
const PEOPLE: [&str; 4] = ["anna_designs", "ben_codes", "carla_words", "dev_video"];

/// Latencies (µs) and statuses per route.
#[derive(Default)]
struct Tally {
    routes: BTreeMap<&'static str, (Vec<u64>, BTreeMap<u16, u64>)>,
}

type Shared = Arc<Mutex<Tally>>;

async fn call(
    tally: &Shared,
    route: &'static str,
    request: reqwest::RequestBuilder,
) -> Option<Value> {
    let started = Instant::now();
    let outcome = request.send().await;
    let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    let (status, body) = match outcome {
        Ok(response) => {
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.ok())
        }
        Err(_) => (0, None),
    };
    let mut tally = tally
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let entry = tally.routes.entry(route).or_default();
    entry.0.push(micros);
    *entry.1.entry(status).or_default() += 1;
    body
}

/// Resident memory of each component, in KiB.
fn memory(pids: &str) -> BTreeMap<String, u64> {
    let mut seen = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(pids) else {
        return seen;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(pid) = std::fs::read_to_string(entry.path()) else {
            continue;
        };
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", pid.trim())).unwrap_or_default();
        if let Some(kib) = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        {
            seen.insert(name, kib);
        }
    }
    seen
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)] as f64 / 1000.0
}

async fn sign_in(http: &reqwest::Client, base: &str, tally: &Shared, who: &str) -> Option<String> {
    let body = call(
        tally,
        "POST /auth/signin",
        http.post(format!("{base}/api/v1/auth/signin"))
            .json(&json!({"login": who, "password": PASSWORD, "device_id": DEVICE})),
    )
    .await?;
    body["access_token"].as_str().map(str::to_owned)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let base = args.gateway.trim_end_matches('/').to_owned();
    let http = reqwest::Client::new();
    let tally: Shared = Arc::default();
    let until = Instant::now() + Duration::from_secs_f64(args.minutes * 60.0);
    let memory_before = memory(&args.pids);

    // What the readers pick from: the demo gigs and sellers.
    let gigs = call(
        &tally,
        "GET /gigs",
        http.get(format!("{base}/api/v1/gigs?limit=50")),
    )
    .await;
    let gig_ids: Vec<String> = gigs
        .as_ref()
        .and_then(|g| g["items"].as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|g| g["id"].as_str().map(str::to_owned))
        .collect();
    anyhow::ensure!(
        !gig_ids.is_empty(),
        "no gigs: is scripts/run-local.sh running?"
    );
    let seller_ids: Vec<String> = gigs
        .as_ref()
        .and_then(|g| g["items"].as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|g| g["seller"]["id"].as_str().map(str::to_owned))
        .collect();

    let mut workers = Vec::new();
    for reader in 0..args.readers {
        let (http, base, tally) = (http.clone(), base.clone(), tally.clone());
        let (gig_ids, seller_ids) = (gig_ids.clone(), seller_ids.clone());
        workers.push(tokio::spawn(async move {
            let mut n = reader;
            while Instant::now() < until {
                n += 1;
                let gig = &gig_ids[n % gig_ids.len()];
                let seller = &seller_ids[n % seller_ids.len()];
                let (route, url) = match n % 6 {
                    0 => (
                        "GET /gigs?q=",
                        format!("{base}/api/v1/gigs?q=logo&sort=price_asc"),
                    ),
                    1 => ("GET /gigs/{id}", format!("{base}/api/v1/gigs/{gig}")),
                    2 => (
                        "GET /sellers/{id}",
                        format!("{base}/api/v1/sellers/{seller}"),
                    ),
                    3 => ("GET /gigs/top", format!("{base}/api/v1/gigs/top")),
                    4 => (
                        "GET /gigs/{id}/reviews",
                        format!("{base}/api/v1/gigs/{gig}/reviews"),
                    ),
                    _ => ("GET /categories", format!("{base}/api/v1/categories")),
                };
                call(&tally, route, http.get(url)).await;
            }
        }));
    }
    // Sign-ins: each demo account every 20 s, well within the per-account limit.
    {
        let (http, base, tally) = (http.clone(), base.clone(), tally.clone());
        workers.push(tokio::spawn(async move {
            while Instant::now() < until {
                for who in PEOPLE {
                    sign_in(&http, &base, &tally, who).await;
                    tokio::time::sleep(Duration::from_secs(5)).await;
                }
            }
        }));
    }
    // Messages: Ben writes in his conversation with Anna every second, Anna reads.
    {
        let (http, base, tally) = (http.clone(), base.clone(), tally.clone());
        workers.push(tokio::spawn(async move {
            let (Some(ben), Some(anna)) = (
                sign_in(&http, &base, &tally, "ben_codes").await,
                sign_in(&http, &base, &tally, "anna_designs").await,
            ) else {
                return;
            };
            let inbox = call(
                &tally,
                "GET /conversations",
                http.get(format!("{base}/api/v1/conversations"))
                    .bearer_auth(&ben),
            )
            .await;
            let Some(id) = inbox.and_then(|i| i["items"][0]["id"].as_str().map(str::to_owned))
            else {
                return;
            };
            let mut n = 0;
            while Instant::now() < until {
                n += 1;
                call(
                    &tally,
                    "POST /conversations/{id}/messages",
                    http.post(format!("{base}/api/v1/conversations/{id}/messages"))
                        .bearer_auth(&ben)
                        .json(&json!({"body": format!("soak message {n}")})),
                )
                .await;
                call(
                    &tally,
                    "GET /conversations/{id}/messages",
                    http.get(format!(
                        "{base}/api/v1/conversations/{id}/messages?limit=20"
                    ))
                    .bearer_auth(&anna),
                )
                .await;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }));
    }
    for worker in workers {
        worker.await?;
    }
    let memory_after = memory(&args.pids);

    let tally = tally
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut out = std::io::stdout().lock();
    let mut total = 0;
    let mut server_errors = 0;
    writeln!(
        out,
        "{:<36} {:>9} {:>9} {:>9} {:>9}  statuses",
        "route", "requests", "5xx", "p50 ms", "p99 ms"
    )?;
    for (route, (latencies, statuses)) in &tally.routes {
        let mut sorted = latencies.clone();
        sorted.sort_unstable();
        let fives: u64 = statuses
            .iter()
            .filter(|(s, _)| **s >= 500 || **s == 0)
            .map(|(_, n)| n)
            .sum();
        total += sorted.len();
        server_errors += fives;
        writeln!(
            out,
            "{route:<36} {:>9} {fives:>9} {:>9.2} {:>9.2}  {statuses:?}",
            sorted.len(),
            percentile(&sorted, 50.0),
            percentile(&sorted, 99.0)
        )?;
    }
    writeln!(out, "total requests {total}, 5xx or failed {server_errors}")?;
    writeln!(
        out,
        "{:<16} {:>12} {:>12} {:>8}",
        "component", "RSS start", "RSS end", "growth"
    )?;
    let mut grew = Vec::new();
    for (name, before) in &memory_before {
        let after = memory_after.get(name).copied().unwrap_or(0);
        writeln!(
            out,
            "{name:<16} {:>9} KiB {:>9} KiB {:>7.1}%",
            before,
            after,
            (after as f64 - *before as f64) * 100.0 / *before as f64
        )?;
        if (after as f64 - *before as f64) * 100.0 / *before as f64 > args.max_growth_percent {
            grew.push(name.clone());
        }
    }
    anyhow::ensure!(
        grew.is_empty(),
        "{grew:?} grew more than {}%",
        args.max_growth_percent
    );
    anyhow::ensure!(
        server_errors == 0,
        "{server_errors} requests failed with a 5xx or no answer"
    );
    Ok(())
}
