//! Payments behind one trait, [`PaymentProvider`], with two implementations: [`stripe`]
//! (PaymentIntents and refunds over Stripe's API) and [`sandbox`] (the default for local runs
//! and tests: confirms, declines or fails later by test card, with no network). Both report
//! outcomes the same way, as signed webhook events in Stripe's format on
//! `POST /v1/payments/webhook` ([`signature`], [`ProviderEvent`]), so the sandbox exercises the
//! code path production uses.

pub mod sandbox;
pub mod signature;
pub mod stripe;

use std::future::Future;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use uuid::Uuid;

/// Which provider takes payments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ProviderKind {
    /// The local sandbox: no money moves.
    Sandbox,
    /// Stripe.
    Stripe,
}

/// The payment provider's settings.
#[derive(Clone, clap::Args)]
pub struct PaymentsConfig {
    /// The provider.
    #[arg(long, env = "PAYMENTS_PROVIDER", value_enum, default_value = "sandbox")]
    pub provider: ProviderKind,
    /// Stripe's secret API key (`sk_...`), for `stripe`.
    #[arg(long, env = "STRIPE_SECRET_KEY", hide_env_values = true)]
    pub stripe_secret_key: Option<SecretString>,
    /// The webhook endpoint's signing secret (`whsec_...`), for `stripe`.
    #[arg(long, env = "STRIPE_WEBHOOK_SECRET", hide_env_values = true)]
    pub stripe_webhook_secret: Option<SecretString>,
    /// Stripe's API address (tests point it at a local server).
    #[arg(
        long,
        env = "STRIPE_API_BASE",
        default_value = "https://api.stripe.com"
    )]
    pub stripe_api_base: String,
    /// The sandbox's webhook signing secret.
    #[arg(
        long,
        env = "SANDBOX_WEBHOOK_SECRET",
        hide_env_values = true,
        default_value = "whsec_mercato_sandbox"
    )]
    pub sandbox_webhook_secret: SecretString,
    /// How long the sandbox's "fails later" card takes to fail, in milliseconds.
    #[arg(long, env = "SANDBOX_LATE_FAILURE_MS", default_value_t = 1_500)]
    pub sandbox_late_failure_ms: u64,
    /// How far a webhook's signed timestamp may be from now, in seconds.
    #[arg(long, env = "WEBHOOK_TOLERANCE_SECONDS", default_value_t = 300)]
    pub webhook_tolerance_seconds: i64,
}

impl std::fmt::Debug for PaymentsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaymentsConfig")
            .field("provider", &self.provider)
            .field("stripe_api_base", &self.stripe_api_base)
            .finish_non_exhaustive()
    }
}

impl PaymentsConfig {
    /// The sandbox with its defaults (tests).
    pub fn sandbox() -> Self {
        Self {
            provider: ProviderKind::Sandbox,
            stripe_secret_key: None,
            stripe_webhook_secret: None,
            stripe_api_base: "https://api.stripe.com".into(),
            sandbox_webhook_secret: SecretString::from("whsec_mercato_sandbox"),
            sandbox_late_failure_ms: 300,
            webhook_tolerance_seconds: 300,
        }
    }
}

/// A payment to start.
#[derive(Debug, Clone)]
pub struct NewPayment<'a> {
    /// The order paid for.
    pub order_id: Uuid,
    /// Price plus fee, in cents.
    pub amount: i64,
    /// ISO 4217 code.
    pub currency: &'a str,
    /// What the buyer sees on the statement.
    pub description: &'a str,
    /// Passed to the provider: a retried start makes no second payment.
    pub idempotency_key: &'a str,
}

/// A started payment: what the client needs to pay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartedPayment {
    /// The provider's id of the payment (`pi_...`).
    pub reference: String,
    /// What the browser confirms the payment with (Stripe.js).
    pub client_secret: Option<String>,
}

/// A refund to send.
#[derive(Debug, Clone)]
pub struct NewRefund<'a> {
    /// Its id: the provider's idempotency key.
    pub refund_id: Uuid,
    /// The order refunded.
    pub order_id: Uuid,
    /// The payment refunded.
    pub payment_ref: &'a str,
    /// In cents.
    pub amount: i64,
}

/// A refund the provider took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentRefund {
    /// The provider's id of the refund.
    pub reference: String,
    /// The provider's status (`succeeded`, `pending`).
    pub status: String,
}

/// Why a provider call failed.
#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    /// The provider refused the request for good (a card or request error): retrying the same
    /// request will not help.
    #[error("the payment provider refused: {0}")]
    Refused(String),
    /// The provider could not be reached or failed: the same request may be retried.
    #[error("the payment provider is unavailable")]
    Unavailable(#[source] anyhow::Error),
}

/// A payment provider.
pub trait PaymentProvider: Send + Sync {
    /// Its name, stored with each order.
    fn name(&self) -> &'static str;

    /// Starts a payment of `payment`.
    fn start(
        &self,
        payment: &NewPayment<'_>,
    ) -> impl Future<Output = Result<StartedPayment, PaymentError>> + Send;

    /// Refunds `refund`.
    fn refund(
        &self,
        refund: &NewRefund<'_>,
    ) -> impl Future<Output = Result<SentRefund, PaymentError>> + Send;

    /// Cancels the started payment `reference`, so that nothing can succeed on it any more (a
    /// declined payment ends its order: a later attempt on the same payment must not take the
    /// buyer's money).
    fn cancel(&self, reference: &str) -> impl Future<Output = Result<(), PaymentError>> + Send;

    /// The secret its webhooks are signed with.
    fn webhook_secret(&self) -> &[u8];

    /// Where the buyer confirms a started payment outside the provider's own client library
    /// (the sandbox's page), if anywhere.
    fn confirmation_url(&self, reference: &str) -> Option<String>;
}

/// The configured provider.
#[derive(Debug)]
pub enum Provider {
    /// Stripe.
    Stripe(stripe::Stripe),
    /// The sandbox.
    Sandbox(sandbox::Sandbox),
}

impl Provider {
    /// The provider `config` names; `public_url` is the gateway's, for the sandbox's links.
    ///
    /// # Errors
    ///
    /// Stripe without its key or webhook secret.
    pub fn new(config: &PaymentsConfig, public_url: &str) -> anyhow::Result<Self> {
        Ok(match config.provider {
            ProviderKind::Sandbox => Self::Sandbox(sandbox::Sandbox::new(config, public_url)),
            ProviderKind::Stripe => {
                let (Some(key), Some(secret)) =
                    (&config.stripe_secret_key, &config.stripe_webhook_secret)
                else {
                    anyhow::bail!(
                        "PAYMENTS_PROVIDER=stripe needs STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET"
                    );
                };
                Self::Stripe(stripe::Stripe::new(
                    &config.stripe_api_base,
                    key.expose_secret(),
                    secret.expose_secret(),
                )?)
            }
        })
    }

    /// The sandbox, when it is the provider.
    pub fn sandbox(&self) -> Option<&sandbox::Sandbox> {
        match self {
            Self::Sandbox(sandbox) => Some(sandbox),
            Self::Stripe(_) => None,
        }
    }
}

impl PaymentProvider for Provider {
    fn name(&self) -> &'static str {
        match self {
            Self::Stripe(p) => p.name(),
            Self::Sandbox(p) => p.name(),
        }
    }

    async fn start(&self, payment: &NewPayment<'_>) -> Result<StartedPayment, PaymentError> {
        match self {
            Self::Stripe(p) => p.start(payment).await,
            Self::Sandbox(p) => p.start(payment).await,
        }
    }

    async fn refund(&self, refund: &NewRefund<'_>) -> Result<SentRefund, PaymentError> {
        match self {
            Self::Stripe(p) => p.refund(refund).await,
            Self::Sandbox(p) => p.refund(refund).await,
        }
    }

    async fn cancel(&self, reference: &str) -> Result<(), PaymentError> {
        match self {
            Self::Stripe(p) => p.cancel(reference).await,
            Self::Sandbox(p) => p.cancel(reference).await,
        }
    }

    fn webhook_secret(&self) -> &[u8] {
        match self {
            Self::Stripe(p) => p.webhook_secret(),
            Self::Sandbox(p) => p.webhook_secret(),
        }
    }

    fn confirmation_url(&self, reference: &str) -> Option<String> {
        match self {
            Self::Stripe(p) => p.confirmation_url(reference),
            Self::Sandbox(p) => p.confirmation_url(reference),
        }
    }
}

/// What a webhook event says about a payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// `payment_intent.succeeded`.
    Succeeded,
    /// `payment_intent.payment_failed`, with the provider's reason.
    Failed(String),
    /// Any other event type: acknowledged, nothing to do.
    Ignored(String),
}

/// A webhook event, in Stripe's format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderEvent {
    /// The event's id: a provider retrying it sends the same.
    pub id: String,
    /// The payment it is about.
    pub payment_ref: String,
    /// What happened.
    pub outcome: Outcome,
}

#[derive(Deserialize)]
struct RawEvent {
    id: String,
    #[serde(rename = "type")]
    event_type: String,
    data: RawData,
}

#[derive(Deserialize)]
struct RawData {
    object: RawObject,
}

#[derive(Deserialize)]
struct RawObject {
    id: String,
    #[serde(default)]
    last_payment_error: Option<RawPaymentError>,
}

#[derive(Deserialize)]
struct RawPaymentError {
    #[serde(default)]
    message: Option<String>,
}

/// Reads a webhook body.
///
/// # Errors
///
/// A body that is not such an event.
pub fn parse_event(body: &[u8]) -> Result<ProviderEvent, serde_json::Error> {
    let raw: RawEvent = serde_json::from_slice(body)?;
    let outcome = match raw.event_type.as_str() {
        "payment_intent.succeeded" => Outcome::Succeeded,
        "payment_intent.payment_failed" => Outcome::Failed(
            raw.data
                .object
                .last_payment_error
                .and_then(|e| e.message)
                .unwrap_or_else(|| "the payment failed".into()),
        ),
        // Cancelled at the provider (by us after a decline, or in its dashboard): it ends the
        // order as a failure too.
        "payment_intent.canceled" => Outcome::Failed("the payment was cancelled".into()),
        other => Outcome::Ignored(other.to_owned()),
    };
    Ok(ProviderEvent {
        id: raw.id,
        payment_ref: raw.data.object.id,
        outcome,
    })
}
