//! Stripe over its HTTP API with typed requests: a PaymentIntent per order (automatic payment
//! methods, amount = price + fee, the order id in its metadata, the order's idempotency key
//! passed through) and refunds against it. Requests are form-encoded as Stripe's API expects,
//! authenticated with the secret key; a 4xx is Stripe refusing (not retried), anything else
//! failing is Stripe unavailable (retried by the caller with the same idempotency key).

use std::time::Duration;

use anyhow::Context;
use serde::Deserialize;

use super::{NewPayment, NewRefund, PaymentError, PaymentProvider, SentRefund, StartedPayment};

/// The Stripe API client.
pub struct Stripe {
    http: reqwest::Client,
    api_base: String,
    secret_key: String,
    webhook_secret: Vec<u8>,
}

impl std::fmt::Debug for Stripe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stripe")
            .field("api_base", &self.api_base)
            .finish_non_exhaustive()
    }
}

/// `POST /v1/payment_intents`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatePaymentIntent {
    pub amount: i64,
    pub currency: String,
    pub description: String,
    pub order_id: String,
}

impl CreatePaymentIntent {
    /// The form fields, in Stripe's bracket notation.
    pub fn form(&self) -> Vec<(&'static str, String)> {
        vec![
            ("amount", self.amount.to_string()),
            ("currency", self.currency.clone()),
            ("automatic_payment_methods[enabled]", "true".into()),
            ("description", self.description.clone()),
            ("metadata[order_id]", self.order_id.clone()),
        ]
    }
}

/// `POST /v1/refunds`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateRefund {
    pub payment_intent: String,
    pub amount: i64,
    pub order_id: String,
    pub refund_id: String,
}

impl CreateRefund {
    /// The form fields, in Stripe's bracket notation.
    pub fn form(&self) -> Vec<(&'static str, String)> {
        vec![
            ("payment_intent", self.payment_intent.clone()),
            ("amount", self.amount.to_string()),
            ("metadata[order_id]", self.order_id.clone()),
            ("metadata[refund_id]", self.refund_id.clone()),
        ]
    }
}

#[derive(Deserialize)]
struct PaymentIntent {
    id: String,
    client_secret: Option<String>,
}

#[derive(Deserialize)]
struct Refund {
    id: String,
    status: String,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: StripeError,
}

#[derive(Deserialize)]
struct StripeError {
    #[serde(default)]
    message: Option<String>,
}

impl Stripe {
    /// A client of the API at `api_base`.
    ///
    /// # Errors
    ///
    /// The HTTP client cannot be built.
    pub fn new(api_base: &str, secret_key: &str, webhook_secret: &str) -> anyhow::Result<Self> {
        Ok(Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .context("cannot build the Stripe client")?,
            api_base: api_base.trim_end_matches('/').to_owned(),
            secret_key: secret_key.to_owned(),
            webhook_secret: webhook_secret.as_bytes().to_vec(),
        })
    }

    async fn post<T: for<'de> Deserialize<'de>>(
        &self,
        path: &str,
        form: &[(&'static str, String)],
        idempotency_key: &str,
    ) -> Result<T, PaymentError> {
        let response = self
            .http
            .post(format!("{}{path}", self.api_base))
            .bearer_auth(&self.secret_key)
            .header("Idempotency-Key", idempotency_key)
            .form(form)
            .send()
            .await
            .map_err(|e| PaymentError::Unavailable(e.into()))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| PaymentError::Unavailable(e.into()))?;
        if status.is_success() {
            return serde_json::from_slice(&body).map_err(|e| {
                PaymentError::Unavailable(
                    anyhow::Error::new(e).context("an answer Stripe does not give"),
                )
            });
        }
        let message = serde_json::from_slice::<ErrorBody>(&body)
            .ok()
            .and_then(|b| b.error.message)
            .unwrap_or_else(|| format!("Stripe answered {status}"));
        // 429 and 5xx may pass; 409 is a concurrent request with the same key, also worth
        // retrying. Other 4xx are final.
        if status.is_server_error() || status.as_u16() == 429 || status.as_u16() == 409 {
            Err(PaymentError::Unavailable(anyhow::anyhow!(
                "{status}: {message}"
            )))
        } else {
            Err(PaymentError::Refused(message))
        }
    }
}

impl PaymentProvider for Stripe {
    fn name(&self) -> &'static str {
        "stripe"
    }

    async fn start(&self, payment: &NewPayment<'_>) -> Result<StartedPayment, PaymentError> {
        let request = CreatePaymentIntent {
            amount: payment.amount,
            currency: payment.currency.to_ascii_lowercase(),
            description: payment.description.to_owned(),
            order_id: payment.order_id.to_string(),
        };
        let intent: PaymentIntent = self
            .post(
                "/v1/payment_intents",
                &request.form(),
                payment.idempotency_key,
            )
            .await?;
        Ok(StartedPayment {
            reference: intent.id,
            client_secret: intent.client_secret,
        })
    }

    async fn refund(&self, refund: &NewRefund<'_>) -> Result<SentRefund, PaymentError> {
        let request = CreateRefund {
            payment_intent: refund.payment_ref.to_owned(),
            amount: refund.amount,
            order_id: refund.order_id.to_string(),
            refund_id: refund.refund_id.to_string(),
        };
        let sent: Refund = self
            .post(
                "/v1/refunds",
                &request.form(),
                &format!("refund-{}", refund.refund_id),
            )
            .await?;
        Ok(SentRefund {
            reference: sent.id,
            status: sent.status,
        })
    }

    async fn cancel(&self, reference: &str) -> Result<(), PaymentError> {
        let _: PaymentIntent = self
            .post(
                &format!("/v1/payment_intents/{reference}/cancel"),
                &[("cancellation_reason", "abandoned".to_owned())],
                &format!("cancel-{reference}"),
            )
            .await?;
        Ok(())
    }

    fn webhook_secret(&self) -> &[u8] {
        &self.webhook_secret
    }

    fn confirmation_url(&self, _reference: &str) -> Option<String> {
        None
    }
}
