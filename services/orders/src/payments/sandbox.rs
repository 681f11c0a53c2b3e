//! The sandbox provider: payments without money, for local runs and tests. A started payment
//! is confirmed by the buyer with a test card at `POST /payments/sandbox/{reference}/confirm`;
//! the sandbox then reports the outcome as a webhook event signed with its own secret, which
//! goes through the same handler as Stripe's. The test cards:
//!
//! | card number          | outcome                                                     |
//! |----------------------|-------------------------------------------------------------|
//! | `4242424242424242`   | succeeds                                                    |
//! | `4000000000000002`   | declined at once ("Your card was declined.")                |
//! | `4000000000000341`   | accepted, then fails a moment later (`SANDBOX_LATE_FAILURE_MS`) |
//!
//! Refunds always succeed.

use std::time::Duration;

use secrecy::ExposeSecret;
use uuid::Uuid;

use super::{
    NewPayment, NewRefund, PaymentError, PaymentProvider, PaymentsConfig, SentRefund,
    StartedPayment, signature,
};

/// A card that pays.
pub const CARD_SUCCEEDS: &str = "4242424242424242";
/// A card that is declined.
pub const CARD_DECLINED: &str = "4000000000000002";
/// A card accepted and then failed.
pub const CARD_FAILS_LATER: &str = "4000000000000341";

/// What a test card does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardOutcome {
    /// Paid.
    Succeeds,
    /// Declined now.
    Declined,
    /// Fails after a while.
    FailsLater,
}

impl CardOutcome {
    /// The outcome of `number` (spaces and dashes ignored), if it is a test card.
    pub fn of(number: &str) -> Option<Self> {
        let digits: String = number.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        match digits.as_str() {
            CARD_SUCCEEDS => Some(Self::Succeeds),
            CARD_DECLINED => Some(Self::Declined),
            CARD_FAILS_LATER => Some(Self::FailsLater),
            _ => None,
        }
    }
}

/// The sandbox.
pub struct Sandbox {
    secret: Vec<u8>,
    public_url: String,
    /// How long the "fails later" card takes.
    pub late_failure: Duration,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("public_url", &self.public_url)
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// The sandbox `config` describes, linking to the gateway at `public_url`.
    pub fn new(config: &PaymentsConfig, public_url: &str) -> Self {
        Self {
            secret: config
                .sandbox_webhook_secret
                .expose_secret()
                .as_bytes()
                .to_vec(),
            public_url: public_url.trim_end_matches('/').to_owned(),
            late_failure: Duration::from_millis(config.sandbox_late_failure_ms),
        }
    }

    /// The signed webhook (body, `Stripe-Signature` value) reporting `outcome` for payment
    /// `reference`, signed at `now` (Unix seconds).
    pub fn event(&self, reference: &str, succeeded: bool, now: i64) -> (Vec<u8>, String) {
        let body = if succeeded {
            serde_json::json!({
                "id": format!("evt_sbx_{}", Uuid::now_v7().simple()),
                "object": "event",
                "type": "payment_intent.succeeded",
                "data": {"object": {"id": reference, "object": "payment_intent", "status": "succeeded"}},
            })
        } else {
            serde_json::json!({
                "id": format!("evt_sbx_{}", Uuid::now_v7().simple()),
                "object": "event",
                "type": "payment_intent.payment_failed",
                "data": {"object": {
                    "id": reference, "object": "payment_intent", "status": "requires_payment_method",
                    "last_payment_error": {"code": "card_declined", "message": "Your card was declined."},
                }},
            })
        };
        let body = serde_json::to_vec(&body).unwrap_or_default();
        let header = signature::sign(&self.secret, now, &body);
        (body, header)
    }
}

impl PaymentProvider for Sandbox {
    fn name(&self) -> &'static str {
        "sandbox"
    }

    async fn start(&self, payment: &NewPayment<'_>) -> Result<StartedPayment, PaymentError> {
        // One payment per order, however often it is started.
        Ok(StartedPayment {
            reference: format!("sbx_pi_{}", payment.order_id.simple()),
            client_secret: None,
        })
    }

    async fn refund(&self, refund: &NewRefund<'_>) -> Result<SentRefund, PaymentError> {
        Ok(SentRefund {
            reference: format!("sbx_re_{}", refund.refund_id.simple()),
            status: "succeeded".into(),
        })
    }

    async fn cancel(&self, _reference: &str) -> Result<(), PaymentError> {
        // A sandbox payment is only ever confirmed once, through its page.
        Ok(())
    }

    fn webhook_secret(&self) -> &[u8] {
        &self.secret
    }

    fn confirmation_url(&self, reference: &str) -> Option<String> {
        Some(format!(
            "{}/api/v1/payments/sandbox/{reference}/confirm",
            self.public_url
        ))
    }
}
