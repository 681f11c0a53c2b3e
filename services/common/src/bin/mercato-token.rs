//! `mercato-token`: prints an internal token for one service, signed with the gateway's key,
//! as the gateway would mint it for a request: to call a service directly when debugging it
//! or benchmarking it without the gateway. It lives 60 seconds, like every internal token.
//!
//! `mercato-token --key-file .dev/keys/dev-1.pem --kid dev-1 --service gigs [--user-id ID --username NAME]`

use std::io::Write;
use std::path::PathBuf;

use clap::Parser;
use mercato_common::token::{Caller, SigningKey, TokenMinter};

/// Print an internal token for a service.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The gateway's private key (PKCS#8 PEM).
    #[arg(long)]
    key_file: PathBuf,
    /// Its key id.
    #[arg(long)]
    kid: String,
    /// The service the token is for (its audience).
    #[arg(long)]
    service: String,
    /// The caller's account id; anonymous without it.
    #[arg(long, requires = "username")]
    user_id: Option<uuid::Uuid>,
    /// The caller's username.
    #[arg(long, requires = "user_id")]
    username: Option<String>,
    /// Whether the caller's email address is verified.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    email_verified: bool,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let key = SigningKey::load(&args.kid, None, Some(&args.key_file))?;
    let caller = args
        .user_id
        .zip(args.username)
        .map(|(user_id, username)| Caller {
            user_id,
            username,
            email_verified: args.email_verified,
        });
    let token = TokenMinter::new(key).mint_internal_token(&args.service, caller.as_ref())?;
    writeln!(std::io::stdout().lock(), "{token}")?;
    Ok(())
}
