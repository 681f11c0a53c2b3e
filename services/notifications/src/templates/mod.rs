//! Every email template: subject, plain-text and HTML parts, rendered from typed variables.
//!
//! A request names a template id and gives its variables as JSON. The variables are first
//! read into the template's own struct (`mercato_common::events::emails`, the same struct the
//! requesting service built them from), so a missing or mistyped variable is refused
//! before anything renders; then the three parts render with undefined variables as errors.
//! HTML escapes every value; the text and subject parts do not.

use mercato_common::events::emails::{self, EmailTemplate};
use minijinja::{Environment, UndefinedBehavior, Value};
use serde_json::json;

/// The three parts of a rendered email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The subject line.
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part.
    pub html: String,
}

/// Why a request cannot become an email; always permanent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// No template has this id.
    #[error("unknown template {0:?}")]
    UnknownTemplate(String),
    /// The variables do not fit the template.
    #[error("variables of template {template} are invalid: {reason}")]
    InvalidVariables {
        /// The template id.
        template: &'static str,
        /// What serde or validation found.
        reason: String,
    },
    /// The template itself failed (a bug in a template).
    #[error("template {template} failed to render: {reason}")]
    Render {
        /// The template id.
        template: &'static str,
        /// The engine's message.
        reason: String,
    },
}

struct Source {
    id: &'static str,
    subject: &'static str,
    text: &'static str,
    html: &'static str,
    /// Reads the JSON variables into the template's struct and back into a render context.
    typed: fn(serde_json::Value) -> Result<Value, String>,
    sample: fn() -> serde_json::Value,
}

fn typed<T: EmailTemplate>(vars: serde_json::Value) -> Result<Value, String> {
    let vars: T = serde_json::from_value(vars).map_err(|err| err.to_string())?;
    Ok(Value::from_serialize(&vars))
}

const ORDER_URL: &str = "https://mercato.example/orders/0192f0c4-5b1e-7c3a-9d2e-1f2a3b4c5d6e";

/// Every template: id, parts, variable type, and the sample variables `notifications-preview` uses.
const SOURCES: &[Source] = &[
    Source {
        id: emails::VerifyEmail::TEMPLATE,
        subject: "Confirm your email address",
        text: "Hi {{ username }},\n\nConfirm your email address to start buying and selling on Mercato:\n{{ verify_url }}\n\nThe link works for {{ expires_in_hours }} hours.\n",
        html: r#"<p>Hi {{ username }},</p><p>Confirm your email address to start buying and selling on Mercato.</p><p><a href="{{ verify_url }}" style="background:#1dbf73;color:#fff;padding:10px 18px;border-radius:4px;text-decoration:none;">Confirm my email</a></p><p>The link works for {{ expires_in_hours }} hours.</p>"#,
        typed: typed::<emails::VerifyEmail>,
        sample: || json!({"username": "alice", "verify_url": "https://mercato.example/verify-email?token=abc123", "expires_in_hours": 24}),
    },
    Source {
        id: emails::SignInCode::TEMPLATE,
        subject: "Your Mercato sign-in code: {{ code }}",
        text: "Hi {{ username }},\n\nSomeone (hopefully you) is signing in from a new device. Your code is:\n\n    {{ code }}\n\nIt expires in {{ expires_in_minutes }} minutes. If this was not you, change your password.\n",
        html: r#"<p>Hi {{ username }},</p><p>Someone (hopefully you) is signing in from a new device. Your code is:</p><p style="font-size:28px;letter-spacing:6px;font-weight:bold;">{{ code }}</p><p>It expires in {{ expires_in_minutes }} minutes. If this was not you, change your password.</p>"#,
        typed: typed::<emails::SignInCode>,
        sample: || json!({"username": "alice", "code": "482913", "expires_in_minutes": 10}),
    },
    Source {
        id: emails::ForgotPassword::TEMPLATE,
        subject: "Reset your Mercato password",
        text: "Hi {{ username }},\n\nReset your password here:\n{{ reset_url }}\n\nThe link works once, for {{ expires_in_minutes }} minutes. If you did not ask for it, ignore this email.\n",
        html: r#"<p>Hi {{ username }},</p><p><a href="{{ reset_url }}">Reset your password</a>. The link works once, for {{ expires_in_minutes }} minutes.</p><p>If you did not ask for it, ignore this email.</p>"#,
        typed: typed::<emails::ForgotPassword>,
        sample: || json!({"username": "alice", "reset_url": "https://mercato.example/reset-password?token=xyz789", "expires_in_minutes": 60}),
    },
    Source {
        id: emails::PasswordChanged::TEMPLATE,
        subject: "Your Mercato password was changed",
        text: "Hi {{ username }},\n\nYour password was just changed and your other sessions were signed out.\nIf this was not you, contact us at once: {{ support_url }}\n",
        html: r#"<p>Hi {{ username }},</p><p>Your password was just changed and your other sessions were signed out.</p><p>If this was not you, <a href="{{ support_url }}">contact us at once</a>.</p>"#,
        typed: typed::<emails::PasswordChanged>,
        sample: || json!({"username": "alice", "support_url": "https://mercato.example/support"}),
    },
    Source {
        id: emails::NewMessage::TEMPLATE,
        subject: "New message from {{ sender_username }}",
        text: "Hi {{ recipient_username }},\n\n{{ sender_username }} wrote:\n\n  {{ message_preview }}\n\nReply: {{ conversation_url }}\n",
        html: r#"<p>Hi {{ recipient_username }},</p><p>{{ sender_username }} wrote:</p><blockquote style="border-left:3px solid #ddd;margin:0;padding-left:12px;color:#555;">{{ message_preview }}</blockquote><p><a href="{{ conversation_url }}">Reply</a></p>"#,
        typed: typed::<emails::NewMessage>,
        sample: || json!({"recipient_username": "bob", "sender_username": "alice", "message_preview": "Hi Bob, could you add a logo variant?", "conversation_url": "https://mercato.example/inbox/0192f0c4"}),
    },
    Source {
        id: emails::OfferReceived::TEMPLATE,
        subject: "{{ seller_username }} sent you a custom offer",
        text: "Hi {{ buyer_username }},\n\n{{ seller_username }} offers, for \"{{ gig_title }}\":\n{{ description }}\n\nPrice: {{ price | money }}, delivered in {{ delivery_days }} days.\nSee the offer: {{ offer_url }}\n",
        html: r#"<p>Hi {{ buyer_username }},</p><p>{{ seller_username }} sent you a custom offer for <strong>{{ gig_title }}</strong>:</p><p>{{ description }}</p><p>Price: <strong>{{ price | money }}</strong>, delivered in {{ delivery_days }} days.</p><p><a href="{{ offer_url }}">See the offer</a></p>"#,
        typed: typed::<emails::OfferReceived>,
        sample: || json!({"buyer_username": "bob", "seller_username": "alice", "gig_title": "A logo for your brand", "description": "Three logo concepts and two revisions.", "price": {"amount": 12000, "currency": "USD"}, "delivery_days": 5, "offer_url": "https://mercato.example/offers/0192f0c4"}),
    },
    Source {
        id: emails::OrderPlaced::TEMPLATE,
        subject: "New order from {{ buyer_username }}: {{ gig_title }}",
        text: "Hi {{ seller_username }},\n\n{{ buyer_username }} ordered \"{{ gig_title }}\" for {{ price | money }}.\nOrder {{ order_id }} is due on {{ due_date }}.\nSee the requirements: {{ order_url }}\n",
        html: r#"<p>Hi {{ seller_username }},</p><p>{{ buyer_username }} ordered <strong>{{ gig_title }}</strong> for <strong>{{ price | money }}</strong>.</p><p>Order {{ order_id }} is due on {{ due_date }}.</p><p><a href="{{ order_url }}">See the requirements</a></p>"#,
        typed: typed::<emails::OrderPlaced>,
        sample: || json!({"seller_username": "alice", "buyer_username": "bob", "gig_title": "A logo for your brand", "order_id": "0192f0c4", "price": {"amount": 12000, "currency": "USD"}, "due_date": "2026-12-04", "order_url": ORDER_URL}),
    },
    Source {
        id: emails::OrderReceipt::TEMPLATE,
        subject: "Your receipt for {{ gig_title }}",
        text: "Hi {{ buyer_username }},\n\nThank you for your order {{ order_id }} with {{ seller_username }}.\n\n  {{ gig_title }}: {{ price | money }}\n  Service fee: {{ service_fee | money }}\n  Total: {{ total | money }}\n\nFollow it here: {{ order_url }}\n",
        html: r#"<p>Hi {{ buyer_username }},</p><p>Thank you for your order {{ order_id }} with {{ seller_username }}.</p><table cellpadding="4"><tr><td>{{ gig_title }}</td><td align="right">{{ price | money }}</td></tr><tr><td>Service fee</td><td align="right">{{ service_fee | money }}</td></tr><tr><td><strong>Total</strong></td><td align="right"><strong>{{ total | money }}</strong></td></tr></table><p><a href="{{ order_url }}">Follow your order</a></p>"#,
        typed: typed::<emails::OrderReceipt>,
        sample: || json!({"buyer_username": "bob", "seller_username": "alice", "gig_title": "A logo for your brand", "order_id": "0192f0c4", "price": {"amount": 12000, "currency": "USD"}, "service_fee": {"amount": 660, "currency": "USD"}, "total": {"amount": 12660, "currency": "USD"}, "order_url": ORDER_URL}),
    },
    Source {
        id: emails::OrderDelivered::TEMPLATE,
        subject: "{{ seller_username }} delivered your order",
        text: "Hi {{ buyer_username }},\n\n{{ seller_username }} delivered \"{{ gig_title }}\". Review the delivery and accept it or ask for changes:\n{{ order_url }}\n",
        html: r#"<p>Hi {{ buyer_username }},</p><p>{{ seller_username }} delivered <strong>{{ gig_title }}</strong>.</p><p><a href="{{ order_url }}">Review the delivery</a> and accept it or ask for changes.</p>"#,
        typed: typed::<emails::OrderDelivered>,
        sample: || json!({"buyer_username": "bob", "seller_username": "alice", "gig_title": "A logo for your brand", "order_url": ORDER_URL}),
    },
    Source {
        id: emails::ExtensionRequested::TEMPLATE,
        subject: "{{ seller_username }} asks for {{ days }} more days",
        text: "Hi {{ buyer_username }},\n\n{{ seller_username }} asks for {{ days }} more days on \"{{ gig_title }}\":\n  {{ reason }}\n\nApprove or reject: {{ order_url }}\n",
        html: r#"<p>Hi {{ buyer_username }},</p><p>{{ seller_username }} asks for <strong>{{ days }} more days</strong> on <strong>{{ gig_title }}</strong>:</p><p>{{ reason }}</p><p><a href="{{ order_url }}">Approve or reject</a></p>"#,
        typed: typed::<emails::ExtensionRequested>,
        sample: || json!({"buyer_username": "bob", "seller_username": "alice", "gig_title": "A logo for your brand", "days": 2, "reason": "The extra revision takes longer.", "order_url": ORDER_URL}),
    },
    Source {
        id: emails::ExtensionResolved::TEMPLATE,
        subject: "{% if approved %}Extension approved{% else %}Extension rejected{% endif %}: {{ gig_title }}",
        text: "Hi {{ seller_username }},\n\n{{ buyer_username }} {% if approved %}approved{% else %}rejected{% endif %} your extension request on \"{{ gig_title }}\". The order is due on {{ due_date }}.\n{{ order_url }}\n",
        html: r#"<p>Hi {{ seller_username }},</p><p>{{ buyer_username }} <strong>{% if approved %}approved{% else %}rejected{% endif %}</strong> your extension request on <strong>{{ gig_title }}</strong>. The order is due on {{ due_date }}.</p><p><a href="{{ order_url }}">Open the order</a></p>"#,
        typed: typed::<emails::ExtensionResolved>,
        sample: || json!({"seller_username": "alice", "buyer_username": "bob", "gig_title": "A logo for your brand", "approved": true, "due_date": "2026-12-06", "order_url": ORDER_URL}),
    },
    Source {
        id: emails::OrderCompleted::TEMPLATE,
        subject: "Order completed: you earned {{ earnings | money }}",
        text: "Hi {{ seller_username }},\n\n{{ buyer_username }} accepted your delivery of \"{{ gig_title }}\". You earned {{ earnings | money }}.\n{{ order_url }}\n",
        html: r#"<p>Hi {{ seller_username }},</p><p>{{ buyer_username }} accepted your delivery of <strong>{{ gig_title }}</strong>. You earned <strong>{{ earnings | money }}</strong>.</p><p><a href="{{ order_url }}">Open the order</a></p>"#,
        typed: typed::<emails::OrderCompleted>,
        sample: || json!({"seller_username": "alice", "buyer_username": "bob", "gig_title": "A logo for your brand", "earnings": {"amount": 12000, "currency": "USD"}, "order_url": ORDER_URL}),
    },
    Source {
        id: emails::OrderCancelled::TEMPLATE,
        subject: "Order cancelled: {{ gig_title }}",
        text: "Hi {{ recipient_username }},\n\n{{ cancelled_by_username }} cancelled the order \"{{ gig_title }}\".{% if reason %}\nReason: {{ reason }}{% endif %}\n{{ order_url }}\n",
        html: r#"<p>Hi {{ recipient_username }},</p><p>{{ cancelled_by_username }} cancelled the order <strong>{{ gig_title }}</strong>.</p>{% if reason %}<p>Reason: {{ reason }}</p>{% endif %}<p><a href="{{ order_url }}">Open the order</a></p>"#,
        typed: typed::<emails::OrderCancelled>,
        sample: || json!({"recipient_username": "alice", "cancelled_by_username": "bob", "gig_title": "A logo for your brand", "reason": "Plans changed.", "order_url": ORDER_URL}),
    },
    Source {
        id: emails::ReviewReceived::TEMPLATE,
        subject: "{{ reviewer_username }} left you a {{ rating }}-star review",
        text: "Hi {{ recipient_username }},\n\n{{ reviewer_username }} rated \"{{ gig_title }}\" {{ rating }} out of 5.\nRead it: {{ review_url }}\n",
        html: r#"<p>Hi {{ recipient_username }},</p><p>{{ reviewer_username }} rated <strong>{{ gig_title }}</strong> {{ rating }} out of 5.</p><p><a href="{{ review_url }}">Read the review</a></p>"#,
        typed: typed::<emails::ReviewReceived>,
        sample: || json!({"recipient_username": "alice", "reviewer_username": "bob", "gig_title": "A logo for your brand", "rating": 5, "review_url": "https://mercato.example/gigs/0192f0c4/reviews"}),
    },
];

/// Every template id.
pub fn ids() -> impl Iterator<Item = &'static str> {
    SOURCES.iter().map(|s| s.id)
}

/// The sample variables of a template, for previews and tests.
pub fn sample_vars(id: &str) -> Option<serde_json::Value> {
    SOURCES.iter().find(|s| s.id == id).map(|s| (s.sample)())
}

/// Formats money as `USD 120.00` (minor units, two decimals).
fn money(value: Value) -> Result<String, minijinja::Error> {
    let invalid = || {
        minijinja::Error::new(
            minijinja::ErrorKind::InvalidOperation,
            "money needs {amount, currency}",
        )
    };
    let amount = i64::try_from(value.get_attr("amount")?).map_err(|_| invalid())?;
    let currency = value.get_attr("currency")?;
    let currency = currency.as_str().ok_or_else(invalid)?;
    let sign = if amount < 0 { "-" } else { "" };
    let amount = amount.unsigned_abs();
    Ok(format!(
        "{currency} {sign}{}.{:02}",
        amount / 100,
        amount % 100
    ))
}

/// The loaded templates.
#[derive(Debug)]
pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    /// Loads and checks every template.
    ///
    /// # Panics
    ///
    /// If a template does not parse: a bug caught by the tests.
    pub fn new() -> Self {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") {
                minijinja::AutoEscape::Html
            } else {
                minijinja::AutoEscape::None
            }
        });
        env.add_filter("money", money);
        env.add_template("layout.html", include_str!("layout.html"))
            .expect("the layout parses");
        for source in SOURCES {
            let html = format!(
                "{{% extends \"layout.html\" %}}{{% block content %}}{}{{% endblock %}}",
                source.html
            );
            env.add_template_owned(format!("{}.subject", source.id), source.subject)
                .expect("a subject parses");
            env.add_template_owned(format!("{}.txt", source.id), source.text)
                .expect("a text part parses");
            env.add_template_owned(format!("{}.html", source.id), html)
                .expect("an html part parses");
        }
        Self { env }
    }

    /// Renders template `id` with `vars` in `locale`.
    ///
    /// # Errors
    ///
    /// An unknown template, variables that do not fit it, or a template failure.
    pub fn render(
        &self,
        id: &str,
        locale: &str,
        vars: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Rendered, RenderError> {
        let source = SOURCES
            .iter()
            .find(|s| s.id == id)
            .ok_or_else(|| RenderError::UnknownTemplate(id.to_owned()))?;
        let template = source.id;
        let context = (source.typed)(serde_json::Value::Object(vars.clone()))
            .map_err(|reason| RenderError::InvalidVariables { template, reason })?;
        let render = |part: &str, context: Value| {
            self.env
                .get_template(&format!("{template}.{part}"))
                .and_then(|t| t.render(context))
                .map_err(|err| RenderError::Render {
                    template,
                    reason: format!("{err:#}"),
                })
        };
        let subject = render("subject", context.clone())?.trim().to_owned();
        let text = render("txt", context.clone())?;
        let html = render(
            "html",
            minijinja::context! { subject => subject.clone(), locale => locale, ..context },
        )?;
        Ok(Rendered {
            subject,
            text,
            html,
        })
    }
}

impl Default for Templates {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests;
