//! Sending over SMTP with lettre: a pooled transport, TLS as configured, and failures sorted
//! into temporary (retry later) and permanent (dead-letter).

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};

use crate::templates::Rendered;

/// How the connection to the SMTP server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SmtpTls {
    /// Plain SMTP (local sinks only).
    None,
    /// Upgrade with STARTTLS, required.
    Starttls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Tls,
}

/// SMTP settings.
#[derive(Clone, clap::Args)]
pub struct SmtpConfig {
    /// SMTP server host.
    #[arg(long, env = "SMTP_HOST", default_value = "127.0.0.1")]
    pub smtp_host: String,
    /// SMTP server port.
    #[arg(long, env = "SMTP_PORT", default_value_t = 2525)]
    pub smtp_port: u16,
    /// Transport security.
    #[arg(long, env = "SMTP_TLS", value_enum, default_value = "none")]
    pub smtp_tls: SmtpTls,
    /// User name, when the server requires authentication.
    #[arg(long, env = "SMTP_USERNAME")]
    pub smtp_username: Option<String>,
    /// Password (never logged).
    #[arg(long, env = "SMTP_PASSWORD", hide_env_values = true)]
    pub smtp_password: Option<SecretString>,
    /// The sender of every email.
    #[arg(
        long,
        env = "MAIL_FROM",
        default_value = "Mercato <no-reply@mercato.local>"
    )]
    pub mail_from: String,
    /// Seconds one SMTP exchange may take.
    #[arg(long, env = "SMTP_TIMEOUT_SECONDS", default_value_t = 10)]
    pub smtp_timeout_seconds: u64,
    /// Connections kept open to the server.
    #[arg(long, env = "SMTP_POOL_SIZE", default_value_t = 4)]
    pub smtp_pool_size: u32,
}

impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("smtp_host", &self.smtp_host)
            .field("smtp_port", &self.smtp_port)
            .field("smtp_tls", &self.smtp_tls)
            .field("smtp_username", &self.smtp_username)
            .field(
                "smtp_password",
                &self.smtp_password.as_ref().map(|_| "[redacted]"),
            )
            .field("mail_from", &self.mail_from)
            .finish_non_exhaustive()
    }
}

impl SmtpConfig {
    /// Plain SMTP to a local sink on `port`.
    pub fn local(port: u16) -> Self {
        Self {
            smtp_host: "127.0.0.1".into(),
            smtp_port: port,
            smtp_tls: SmtpTls::None,
            smtp_username: None,
            smtp_password: None,
            mail_from: "Mercato <no-reply@mercato.local>".into(),
            smtp_timeout_seconds: 5,
            smtp_pool_size: 2,
        }
    }
}

/// Why an email was not sent.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Try again later: the server is down, busy, or answered 4xx.
    #[error("temporary SMTP failure: {0}")]
    Temporary(String),
    /// Never going to work: the server answered 5xx (unknown mailbox, refused sender...).
    #[error("permanent SMTP failure: {0}")]
    Permanent(String),
}

/// Sends rendered emails.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// A mailer for `config`; connects lazily.
    ///
    /// # Errors
    ///
    /// An invalid sender address or TLS set-up.
    pub fn new(config: &SmtpConfig) -> anyhow::Result<Self> {
        let from: Mailbox = config
            .mail_from
            .parse()
            .map_err(|err| anyhow::anyhow!("MAIL_FROM is not an address: {err}"))?;
        let tls = match config.smtp_tls {
            SmtpTls::None => Tls::None,
            SmtpTls::Starttls => Tls::Required(TlsParameters::new(config.smtp_host.clone())?),
            SmtpTls::Tls => Tls::Wrapper(TlsParameters::new(config.smtp_host.clone())?),
        };
        let mut builder =
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.smtp_host)
                .port(config.smtp_port)
                .tls(tls)
                .timeout(Some(Duration::from_secs(config.smtp_timeout_seconds)))
                .pool_config(PoolConfig::new().max_size(config.smtp_pool_size));
        if let (Some(user), Some(password)) = (&config.smtp_username, &config.smtp_password) {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                password.expose_secret().to_owned(),
            ));
        }
        Ok(Self {
            transport: builder.build(),
            from,
        })
    }

    /// Sends one email; `message_id` makes a re-sent copy recognisable to mail clients.
    ///
    /// # Errors
    ///
    /// [`SendError`], sorted by whether a retry can help.
    pub async fn send(
        &self,
        to: &Mailbox,
        message_id: &str,
        email: &Rendered,
    ) -> Result<(), SendError> {
        let message = Message::builder()
            .from(self.from.clone())
            .to(to.clone())
            .subject(&email.subject)
            .message_id(Some(format!("<{message_id}@mercato>")))
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(email.text.clone()),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(email.html.clone()),
                    ),
            )
            .map_err(|err| SendError::Permanent(format!("cannot build the message: {err}")))?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(err) if err.is_permanent() => Err(SendError::Permanent(err.to_string())),
            Err(err) => Err(SendError::Temporary(err.to_string())),
        }
    }
}
