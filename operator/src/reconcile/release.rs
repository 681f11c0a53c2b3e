//! A deleted component: its owned children go with it (owner references; queues keep their
//! `deletionPolicy`); the operator releases the shared exchanges nobody else uses, deletes the
//! queues it declared through a broker's management API, and then lets the object go.

use kube::runtime::controller::Action;
use kube::runtime::events::EventType;
use kube::{Api, ResourceExt};

use super::broker_api::BrokerError;
use super::{Context, Error, events, finalizer, gather, prune};
use crate::api::MarketplaceService;
use crate::render::messaging;

/// A deleted component: its owned children go with it (owner references; queues keep their
/// `deletionPolicy`); the operator only releases shared exchanges nobody else uses.
pub async fn release(
    ms: &MarketplaceService,
    ctx: &Context,
    namespace: &str,
) -> Result<Action, Error> {
    if !finalizer::present(ms) {
        return Ok(Action::await_change());
    }
    let exchanges = gather::list_exchanges(&ctx.client, namespace).await?;
    let peers = gather::peers(&ctx.client, namespace).await?;
    prune::release_unused_exchanges(ctx, namespace, &peers, &exchanges, Some(&ms.name_any())).await;
    if let Some(m) = &ms.spec.messaging
        && let Some(secret) = &m.broker.management_secret
    {
        let outcome = match gather::management_api(&ctx.client, namespace, secret).await? {
            Some(api) => {
                api.delete_unretained(&messaging::plan(&ms.name_any(), m))
                    .await
            }
            None => Err(BrokerError::Unauthorized { status: 0 }),
        };
        match outcome {
            Ok(()) => {}
            // Credentials that are gone or refused will not come back by retrying: the deletion
            // goes on, and the queues left behind are named in a Warning event.
            Err(BrokerError::Unauthorized { .. }) => {
                let queues: Vec<String> = messaging::plan(&ms.name_any(), m)
                    .queues
                    .into_iter()
                    .filter(|q| !q.retain)
                    .map(|q| q.name)
                    .collect();
                let note = format!(
                    "no usable broker credentials in Secret {secret}: queues left on the broker: {}",
                    queues.join(", ")
                );
                tracing::warn!(%note, "broker clean-up skipped");
                events::record(
                    ctx,
                    ms,
                    EventType::Warning,
                    "BrokerCleanupSkipped".into(),
                    note,
                    "Delete",
                )
                .await;
            }
            // An unreachable broker is retried with backoff; the finalizer holds until then.
            Err(error) => return Err(Error::Broker(error.to_string())),
        }
    }
    let api: Api<MarketplaceService> = Api::namespaced(ctx.client.clone(), namespace);
    finalizer::set(&api, ms, false).await?;
    Ok(Action::await_change())
}
