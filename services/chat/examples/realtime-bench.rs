//! The real-time benchmark's client side (`services/chat/bench/realtime.sh` runs it against a
//! release gateway and chat): CLIENTS authenticated Socket.IO clients through the gateway,
//! PAIRS of them talking (one sends over HTTP, the other's socket receives), the rest idle.
//! Reports the time from a send to its receipt at the other socket (p50, p90, p99, max), sends
//! per second, the gateway's resident memory per idle connection, and the CPU each process
//! spent per message (from /proc).

#![expect(clippy::print_stdout, reason = "a benchmark reports on its output")]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use mercato_common::events::BrokerConfig;
use mercato_common::events::catalog::UserRegistered;
use mercato_common::events::publisher::{OutgoingMessage, Publisher};
use mercato_common::events::{Envelope, Event};
use mercato_common::testing::TestSocket;
use mercato_common::token::{Caller, SigningKey, TokenMinter};
use serde_json::json;
use uuid::Uuid;

#[derive(Debug, Parser)]
struct Args {
    /// The gateway's base URL.
    #[arg(long)]
    gateway: String,
    /// The gateway's signing key (PKCS#8 PEM) and its id, to mint the users' access tokens.
    #[arg(long)]
    key_file: std::path::PathBuf,
    #[arg(long)]
    kid: String,
    /// Connected clients in all.
    #[arg(long, default_value_t = 1_000)]
    clients: usize,
    /// Pairs that exchange messages (two clients each).
    #[arg(long, default_value_t = 100)]
    pairs: usize,
    /// Messages each pair exchanges.
    #[arg(long, default_value_t = 20)]
    rounds: usize,
    /// The gateway's and chat's process ids, for memory and CPU.
    #[arg(long)]
    gateway_pid: u32,
    #[arg(long)]
    chat_pid: u32,
    /// Where chat's events go.
    #[command(flatten)]
    broker: BrokerConfig,
}

fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("no VmRSS")
}

fn cpu_seconds(pid: u32) -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the command name (which may hold spaces) start at the closing parenthesis;
    // utime and stime count ticks of 1/100 s (CLK_TCK on Linux).
    let rest = stat.rsplit_once(')').context("a stat line")?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields[11].parse::<f64>()? + fields[12].parse::<f64>()?;
    Ok(ticks / 100.0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.pairs * 2 > args.clients {
        bail!("{} pairs need {} clients", args.pairs, args.pairs * 2);
    }
    let pem = std::fs::read_to_string(&args.key_file)?;
    let minter = TokenMinter::new(SigningKey::from_pkcs8_pem(&args.kid, &pem)?)
        .with_user_token_ttl(Duration::from_secs(3_600));
    let run = &Uuid::now_v7().simple().to_string()[20..];
    let people: Vec<(Caller, String)> = (0..args.clients)
        .map(|i| {
            let caller = Caller {
                user_id: Uuid::now_v7(),
                username: format!("b{run}u{i}"),
                email_verified: true,
            };
            let token = minter.mint_user_token(&caller).expect("minting works");
            (caller, token)
        })
        .collect();

    // Chat hears of the talkers as it would from auth.
    let connection = args.broker.connect("realtime-bench").await?;
    let publisher = Publisher::open(&connection).await?;
    for (caller, _) in &people[..args.pairs * 2] {
        let envelope = Envelope::new(
            "auth",
            None,
            &UserRegistered {
                user_id: caller.user_id,
                username: caller.username.clone(),
                email: format!("{}@bench.test", caller.username),
                country: "DE".into(),
                profile_picture_url: None,
                email_verified: true,
                registered_at: chrono::Utc::now(),
            },
        );
        let message = OutgoingMessage::new(
            envelope.id,
            UserRegistered::TYPE.to_owned(),
            None,
            envelope.to_bytes(),
        );
        publisher
            .publish_one(
                &args.broker.topology.exchange,
                UserRegistered::TYPE,
                &message,
            )
            .await?;
    }
    let http = reqwest::Client::new();
    let api = |path: &str| format!("{}/api/v1{path}", args.gateway);
    let mut conversations = Vec::new();
    for pair in 0..args.pairs {
        let (sender, receiver) = (&people[2 * pair], &people[2 * pair + 1]);
        let deadline = Instant::now() + Duration::from_secs(60);
        let id = loop {
            let answer = http
                .post(api("/conversations"))
                .bearer_auth(&sender.1)
                .json(&json!({"with_username": receiver.0.username}))
                .send()
                .await?;
            let status = answer.status().as_u16();
            let body: serde_json::Value = answer.json().await.unwrap_or_default();
            if status == 201 || status == 200 {
                break body["id"].as_str().context("an id")?.to_owned();
            }
            if Instant::now() > deadline {
                bail!("chat did not learn of the bench users: {status} {body}");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        conversations.push(id);
    }

    let before = rss_kib(args.gateway_pid)?;
    let mut sockets = Vec::with_capacity(args.clients);
    let connect_started = Instant::now();
    for (_, token) in &people {
        sockets.push(TestSocket::admitted(&args.gateway, token).await);
    }
    let connect_time = connect_started.elapsed();
    // Let the gateway settle its buffers before reading its memory.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = rss_kib(args.gateway_pid)?;
    let per_connection = (after.saturating_sub(before)) as f64 * 1024.0 / args.clients as f64;

    let cpu_before = (cpu_seconds(args.gateway_pid)?, cpu_seconds(args.chat_pid)?);
    let started = Instant::now();
    let mut receivers: Vec<TestSocket> = Vec::new();
    let mut senders: Vec<TestSocket> = Vec::new();
    let mut rest = sockets.into_iter();
    for _ in 0..args.pairs {
        senders.extend(rest.next());
        receivers.push(rest.next().context("a receiver")?);
    }
    let idle: Vec<TestSocket> = rest.collect();
    let mut tasks = Vec::new();
    for (pair, mut receiver) in receivers.into_iter().enumerate() {
        let token = people[2 * pair].1.clone();
        let url = api(&format!("/conversations/{}/messages", conversations[pair]));
        let http = http.clone();
        let rounds = args.rounds;
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(rounds);
            let mut waiting: HashMap<String, Instant> = HashMap::new();
            for round in 0..rounds {
                let body = format!("round {round}");
                let sent_at = Instant::now();
                waiting.insert(body.clone(), sent_at);
                let status = http
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&json!({"body": body}))
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
                    .unwrap_or(0);
                assert_eq!(status, 201, "a send failed");
                loop {
                    let received = receiver.next("message:received").await;
                    let Some(at) = received["body"].as_str().and_then(|b| waiting.remove(b)) else {
                        continue;
                    };
                    latencies.push(at.elapsed());
                    break;
                }
            }
            (latencies, receiver)
        }));
    }
    let mut latencies = Vec::new();
    let mut kept = Vec::new();
    for task in tasks {
        let (mut measured, receiver) = task.await?;
        latencies.append(&mut measured);
        kept.push(receiver);
    }
    let elapsed = started.elapsed();
    let cpu_after = (cpu_seconds(args.gateway_pid)?, cpu_seconds(args.chat_pid)?);
    latencies.sort_unstable();
    let messages = latencies.len() as f64;
    println!(
        "clients connected: {} in {:.1} s; idle {}",
        args.clients,
        connect_time.as_secs_f64(),
        idle.len()
    );
    println!(
        "gateway memory: {} KiB before, {} KiB after connecting; {:.1} KiB per connection",
        before,
        after,
        per_connection / 1024.0
    );
    println!(
        "{} messages in {:.2} s: {:.0} sends/s (closed loop, {} pairs)",
        latencies.len(),
        elapsed.as_secs_f64(),
        messages / elapsed.as_secs_f64(),
        args.pairs
    );
    println!(
        "send to receipt: p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        percentile(&latencies, 0.50).as_secs_f64() * 1e3,
        percentile(&latencies, 0.90).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
    println!(
        "CPU per message: gateway {:.0} us, chat {:.0} us",
        (cpu_after.0 - cpu_before.0) / messages * 1e6,
        (cpu_after.1 - cpu_before.1) / messages * 1e6,
    );
    for socket in kept.into_iter().chain(senders).chain(idle) {
        socket.close().await;
    }
    Ok(())
}
