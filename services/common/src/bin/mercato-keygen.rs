//! `mercato-keygen`: writes a development Ed25519 key pair for gateway tokens.
//!
//! Writes `<dir>/<kid>.pem` (the gateway's private key, mode 0600) and `<dir>/jwks.json` (the
//! public key set services verify with; an existing set keeps its keys, so running it again with
//! a new kid prepares a rotation). Refuses to overwrite an existing private key.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use mercato_common::token::{Jwks, SigningKey};
use secrecy::ExposeSecret;

/// Generate an Ed25519 key pair for gateway tokens.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Folder to write the key and the JWKS into (created if missing).
    #[arg(long, default_value = ".dev/keys")]
    out_dir: PathBuf,
    /// Key id of the new key.
    #[arg(long, default_value = "dev-1")]
    kid: String,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    anyhow::ensure!(
        !args.kid.is_empty()
            && args
                .kid
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)),
        "the kid may hold only letters, digits, '-', '_' and '.'"
    );
    std::fs::create_dir_all(&args.out_dir)
        .with_context(|| format!("failed to create {}", args.out_dir.display()))?;

    let key = SigningKey::generate(&args.kid)?;
    let pem_path = args.out_dir.join(format!("{}.pem", args.kid));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&pem_path)
        .with_context(|| {
            format!(
                "failed to create {} (it must not exist yet)",
                pem_path.display()
            )
        })?;
    file.write_all(key.to_pkcs8_pem()?.expose_secret().as_bytes())?;

    let jwks_path = args.out_dir.join("jwks.json");
    let mut jwks = match std::fs::read_to_string(&jwks_path) {
        Ok(existing) => serde_json::from_str::<Jwks>(&existing)
            .with_context(|| format!("{} is not a JWKS", jwks_path.display()))?,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Jwks::default(),
        Err(err) => {
            return Err(err).with_context(|| format!("failed to read {}", jwks_path.display()));
        }
    };
    jwks.keys.retain(|k| k.kid != args.kid);
    jwks.keys.insert(0, key.public_jwk());
    std::fs::write(&jwks_path, serde_json::to_string_pretty(&jwks)? + "\n")
        .with_context(|| format!("failed to write {}", jwks_path.display()))?;

    let mut out = std::io::stdout().lock();
    writeln!(out, "private key: {}", pem_path.display())?;
    writeln!(
        out,
        "public keys: {} ({} key(s))",
        jwks_path.display(),
        jwks.keys.len()
    )?;
    writeln!(
        out,
        "gateway:  TOKEN_SIGNING_KEY_FILE={} TOKEN_SIGNING_KID={}",
        pem_path.display(),
        args.kid
    )?;
    writeln!(out, "services: TOKEN_JWKS_FILE={}", jwks_path.display())?;
    Ok(())
}
