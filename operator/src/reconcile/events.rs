//! Kubernetes events on a `MarketplaceService`: one when its Ready condition changes, and the
//! warnings a deletion leaves behind.

use kube::Resource;
use kube::runtime::events::{Event, EventType};

use super::Context;
use crate::api::{ConditionStatus, MarketplaceService, MarketplaceServiceStatus, types};

/// Records an event when Ready changes between `ms`'s status and `new`: a Warning when it
/// turns False, Normal otherwise.
pub async fn ready_changed(ms: &MarketplaceService, ctx: &Context, new: &MarketplaceServiceStatus) {
    let ready = |s: Option<&MarketplaceServiceStatus>| {
        s.and_then(|s| s.condition(types::READY))
            .map(|c| (c.status, c.reason.clone()))
    };
    let (before, after) = (ready(ms.status.as_ref()), ready(Some(new)));
    if before == after {
        return;
    }
    let Some((status, reason)) = after else {
        return;
    };
    let message = new
        .condition(types::READY)
        .map(|c| c.message.clone())
        .unwrap_or_default();
    let type_ = if status == ConditionStatus::False {
        EventType::Warning
    } else {
        EventType::Normal
    };
    record(ctx, ms, type_, reason, message, "Reconcile").await;
}

/// Records a Kubernetes event on `ms`; a failure to record is logged, never fatal.
pub async fn record(
    ctx: &Context,
    ms: &MarketplaceService,
    type_: EventType,
    reason: String,
    note: String,
    action: &str,
) {
    let event = Event {
        type_,
        reason,
        note: Some(note),
        action: action.into(),
        secondary: None,
    };
    if let Err(error) = ctx.recorder.publish(&event, &ms.object_ref(&())).await {
        tracing::warn!(%error, "could not record an event");
    }
}
