//! The reaction to `email.requested.v1`: render, send once, and sort failures.
//!
//! - bad requests (no valid recipient, unknown template, variables that do not fit) are
//!   rejected: they go to the dead-letter queue and no half-filled email is ever sent;
//! - a temporary SMTP failure or an unreachable Redis is retried with the bus's growing delays;
//! - a permanent SMTP failure is rejected;
//! - a request already sent (a redelivery) sends nothing.

use std::time::Instant;

use lettre::message::Mailbox;
use mercato_common::events::catalog::EmailRequested;
use mercato_common::events::{Envelope, EventHandler, HandlerError};

use crate::dedupe::{Claim, Dedupe};
use crate::mailer::{Mailer, SendError};
use crate::templates::Templates;

/// Renders and sends requested emails.
#[derive(Debug)]
pub struct EmailHandler {
    templates: Templates,
    mailer: Mailer,
    dedupe: Dedupe,
}

impl EmailHandler {
    /// A handler sending with `mailer`, deduplicating with `dedupe`.
    pub fn new(mailer: Mailer, dedupe: Dedupe) -> Self {
        Self {
            templates: Templates::new(),
            mailer,
            dedupe,
        }
    }
}

fn count(name: &'static str, template: &str) {
    metrics::counter!(name, "template" => template.to_owned()).increment(1);
}

fn rejected(template: &str, reason: String) -> HandlerError {
    count("emails_dead_lettered_total", template);
    HandlerError::Reject(reason)
}

impl EventHandler for EmailHandler {
    #[tracing::instrument(skip_all, fields(template))]
    async fn handle(&self, envelope: &Envelope) -> Result<(), HandlerError> {
        let request: EmailRequested = envelope
            .decode()
            .map_err(|err| rejected("unknown", err.to_string()))?;
        let template = request.template.as_str();
        tracing::Span::current().record("template", template);
        let to: Mailbox = request.to.parse().map_err(|_| {
            rejected(
                template,
                format!("recipient {:?} is not an email address", request.to),
            )
        })?;
        let email = self
            .templates
            .render(template, &request.locale, &request.vars)
            .map_err(|err| rejected(template, err.to_string()))?;

        match self
            .dedupe
            .claim(envelope.id)
            .await
            .map_err(HandlerError::retry)?
        {
            Claim::Acquired => {}
            Claim::AlreadySent => {
                count("emails_deduplicated_total", template);
                tracing::info!(template, "already sent; skipping the redelivery");
                return Ok(());
            }
            Claim::InProgress => {
                count("emails_retried_total", template);
                return Err(HandlerError::retry(anyhow::anyhow!(
                    "another delivery of this request is sending it"
                )));
            }
        }

        let started = Instant::now();
        let result = self
            .mailer
            .send(&to, &envelope.id.to_string(), &email)
            .await;
        metrics::histogram!("email_send_duration_seconds", "template" => template.to_owned())
            .record(started.elapsed().as_secs_f64());
        match result {
            Ok(()) => {
                count("emails_sent_total", template);
                tracing::info!(template, "email sent");
                if let Err(err) = self.dedupe.mark_sent(envelope.id).await {
                    // The email is out; the short claim still guards against an immediate resend.
                    tracing::warn!(template, error = %err, "sent, but could not record it");
                }
                Ok(())
            }
            Err(SendError::Temporary(reason)) => {
                count("emails_failed_total", template);
                count("emails_retried_total", template);
                let _ = self.dedupe.release(envelope.id).await;
                Err(HandlerError::retry(anyhow::anyhow!(reason)))
            }
            Err(SendError::Permanent(reason)) => {
                count("emails_failed_total", template);
                let _ = self.dedupe.release(envelope.id).await;
                Err(rejected(template, reason))
            }
        }
    }
}
