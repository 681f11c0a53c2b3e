//! The RabbitMQ topology of a component: first as a broker-neutral [`Plan`], then as Messaging
//! Topology Operator objects (`rabbitmq.com/v1beta1`) for brokers declared through that operator.
//!
//! The shape matches what the services verify at start-up (`mercato_common::events::topology`):
//! a work queue per consumer with a delivery limit and dead-lettering, one TTL retry queue per
//! delay that dead-letters back to the work queue, and a dead-letter queue bound to the
//! dead-letter exchange by the work queue's name.
//!
//! Exchanges are shared: every component that publishes to or binds from one renders the same
//! `Exchange` object (same name, no owner), and the reconciler deletes it only when no component
//! in the namespace uses it any more. Queues and bindings belong to their component; a changed
//! binding gets a new name (bindings are immutable), so the old one is pruned.

use std::collections::{BTreeMap, BTreeSet};

use kube::ResourceExt;
use mercato_topology::{ArgValue, Declaration, ExchangeKind, QueueRole, TopologySettings};
use serde_json::{Value, json};

use super::meta::{EXCHANGE_LABEL, child_meta, common_labels, hashed_name, short_hash};
use crate::api::foreign::{
    Binding, BindingSpec, Exchange, ExchangeSpec, LocalObjectReference, Queue, QueueSpec,
    RabbitmqClusterReference,
};
use crate::api::{BrokerRef, DeletionPolicy, MarketplaceService, Messaging};

/// What a component needs declared on its broker.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    /// Virtual host.
    pub vhost: String,
    /// Exchanges the component declares, with their types: the one it publishes to and its
    /// dead-letter exchange. Exchanges it only binds from are its publishers' to declare, so
    /// every component that declares an exchange declares it the same way.
    pub exchanges: BTreeMap<String, ExchangeKind>,
    /// Queues, work queue first.
    pub queues: Vec<QueueDecl>,
    /// Bindings of queues to exchanges.
    pub bindings: BTreeSet<BindingDecl>,
}

/// One queue and how it is declared.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueDecl {
    /// Queue name.
    pub name: String,
    /// `quorum` or `classic`.
    pub kind: &'static str,
    /// Declaration arguments.
    pub arguments: BTreeMap<String, Value>,
    /// Whether the queue outlives the component.
    pub retain: bool,
}

/// One binding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct BindingDecl {
    /// Source exchange.
    pub source: String,
    /// Destination queue.
    pub destination: String,
    /// Routing key.
    pub routing_key: String,
}

/// The topology settings a messaging spec gives the component `name`: what the operator
/// renders into its environment and what it declares from. The spec's CEL rules allow one
/// consumed queue whose bindings share one exchange, the one the component publishes to.
pub fn settings(name: &str, m: &Messaging) -> TopologySettings {
    let defaults = TopologySettings::default();
    let consume = m.consumes.first();
    let exchange = m
        .publishes
        .first()
        .map(|p| p.exchange.clone())
        .or_else(|| {
            consume
                .and_then(|c| c.bindings.first())
                .map(|b| b.exchange.clone())
        })
        .unwrap_or(defaults.exchange.clone());
    let Some(consume) = consume else {
        return TopologySettings {
            exchange,
            ..defaults
        };
    };
    let queue_prefix = consume
        .queue
        .strip_suffix(&format!(".{name}"))
        .map_or(defaults.queue_prefix.clone(), str::to_owned);
    TopologySettings {
        exchange,
        dead_letter_exchange: consume.dead_letter.exchange.clone(),
        queue_prefix,
        queue: Some(consume.queue.clone()),
        dead_letter_queue: consume.dead_letter.queue.clone(),
        queue_type: consume.kind.into(),
        retry_delays_ms: consume
            .retry
            .delays_ms
            .iter()
            .map(|d| u64::try_from(*d).unwrap_or_default())
            .collect(),
        max_attempts: u32::try_from(consume.retry.max_attempts).unwrap_or(1),
        delivery_limit: u32::try_from(consume.retry.delivery_limit).unwrap_or(1),
    }
}

/// The plan of the messaging spec of the component `name`, from the same declaration the
/// service derives its own topology from.
pub fn plan(name: &str, m: &Messaging) -> Plan {
    let settings = settings(name, m);
    let keys: Vec<&str> = m
        .consumes
        .iter()
        .flat_map(|c| c.bindings.iter().map(|b| b.routing_key.as_str()))
        .collect();
    let declared = Declaration::of(&settings, name, &keys);
    let retain = m
        .consumes
        .first()
        .is_none_or(|c| c.deletion_policy == DeletionPolicy::Retain);
    let mut exchanges = BTreeMap::new();
    for (exchange, kind) in declared.exchanges {
        let publishes = m.publishes.iter().any(|p| p.exchange == exchange);
        if publishes || (kind == ExchangeKind::Direct && !m.consumes.is_empty()) {
            exchanges.insert(exchange, kind);
        }
    }
    Plan {
        vhost: m.vhost.clone(),
        exchanges,
        queues: declared
            .queues
            .into_iter()
            .map(|q| QueueDecl {
                // Retry queues only hold events for a moment: deleted with the component.
                retain: retain && !matches!(q.role, QueueRole::Retry { .. }),
                name: q.name,
                kind: q.queue_type.as_str(),
                arguments: q
                    .arguments
                    .into_iter()
                    .map(|(key, value)| {
                        let value = match value {
                            ArgValue::Text(text) => json!(text),
                            ArgValue::Int32(n) => json!(n),
                            ArgValue::Int64(n) => json!(n),
                        };
                        (key.to_owned(), value)
                    })
                    .collect(),
            })
            .collect(),
        bindings: declared
            .bindings
            .into_iter()
            .map(|b| BindingDecl {
                source: b.source,
                destination: b.destination,
                routing_key: b.routing_key,
            })
            .collect(),
    }
}

/// The component's topology objects.
#[derive(Debug, Clone, Default)]
pub struct Topology {
    /// Shared exchanges.
    pub exchanges: Vec<Exchange>,
    /// Owned queues.
    pub queues: Vec<Queue>,
    /// Owned bindings.
    pub bindings: Vec<Binding>,
}

/// The Topology Operator objects of `ms`; empty without `spec.messaging`, or when the operator
/// declares the topology itself through the broker's management API.
pub fn topology(ms: &MarketplaceService) -> Topology {
    let Some(m) = &ms.spec.messaging else {
        return Topology::default();
    };
    if m.broker.management_secret.is_some() {
        return Topology::default();
    }
    let plan = plan(&ms.name_any(), m);
    let broker = cluster_reference(&m.broker, ms.namespace());
    Topology {
        exchanges: plan
            .exchanges
            .iter()
            .map(|(name, kind)| exchange(ms, &plan.vhost, &broker, name, *kind))
            .collect(),
        queues: plan
            .queues
            .iter()
            .map(|q| queue(ms, &plan.vhost, &broker, q))
            .collect(),
        bindings: plan
            .bindings
            .iter()
            .map(|b| binding(ms, &plan.vhost, &broker, b))
            .collect(),
    }
}

/// Every exchange a component's messaging spec uses: those it declares and those it binds
/// from. An exchange stays while any component of the namespace uses it.
pub fn exchanges_used(name: &str, m: &Messaging) -> BTreeSet<String> {
    let mut used: BTreeSet<String> = plan(name, m).exchanges.into_keys().collect();
    used.extend(
        m.consumes
            .iter()
            .flat_map(|c| c.bindings.iter().map(|b| b.exchange.clone())),
    );
    used
}

/// The name of the shared `Exchange` object of an exchange (the same in every component).
pub fn exchange_object_name(vhost: &str, exchange: &str) -> String {
    hashed_name("exchange", &format!("{vhost}/{exchange}"))
}

/// The broker reference, with the namespace always spelled out so that every component renders
/// a shared exchange identically.
fn cluster_reference(
    broker: &BrokerRef,
    own_namespace: Option<String>,
) -> RabbitmqClusterReference {
    RabbitmqClusterReference {
        name: broker.name.clone(),
        namespace: broker
            .name
            .as_ref()
            .and(broker.namespace.clone().or(own_namespace)),
        connection_secret: broker
            .connection_secret
            .clone()
            .map(|name| LocalObjectReference { name }),
    }
}

fn exchange(
    ms: &MarketplaceService,
    vhost: &str,
    broker: &RabbitmqClusterReference,
    name: &str,
    kind: ExchangeKind,
) -> Exchange {
    let mut exchange = Exchange::new(
        &exchange_object_name(vhost, name),
        ExchangeSpec {
            name: name.to_owned(),
            vhost: vhost.to_owned(),
            kind: kind.as_str().into(),
            durable: true,
            auto_delete: false,
            rabbitmq_cluster_reference: broker.clone(),
        },
    );
    let mut labels = common_labels();
    labels.insert(
        EXCHANGE_LABEL.to_owned(),
        short_hash(format!("{vhost}/{name}").as_bytes()),
    );
    exchange.metadata.namespace = ms.namespace();
    exchange.metadata.labels = Some(labels);
    exchange
}

fn queue(
    ms: &MarketplaceService,
    vhost: &str,
    broker: &RabbitmqClusterReference,
    decl: &QueueDecl,
) -> Queue {
    let mut q = Queue::new(
        &hashed_name(&format!("{}-q", ms.name_any()), &decl.name),
        QueueSpec {
            name: decl.name.clone(),
            vhost: vhost.to_owned(),
            kind: decl.kind.to_owned(),
            durable: true,
            auto_delete: false,
            arguments: decl.arguments.clone(),
            deletion_policy: if decl.retain { "retain" } else { "delete" }.to_owned(),
            rabbitmq_cluster_reference: broker.clone(),
        },
    );
    q.metadata = child_meta(ms, q.name_any());
    q
}

fn binding(
    ms: &MarketplaceService,
    vhost: &str,
    broker: &RabbitmqClusterReference,
    decl: &BindingDecl,
) -> Binding {
    let identity = format!(
        "{vhost}/{}/{}/{}",
        decl.source, decl.destination, decl.routing_key
    );
    let mut b = Binding::new(
        &format!("{}-b-{}", ms.name_any(), short_hash(identity.as_bytes())),
        BindingSpec {
            vhost: vhost.to_owned(),
            source: decl.source.clone(),
            destination: decl.destination.clone(),
            destination_type: "queue".into(),
            routing_key: decl.routing_key.clone(),
            rabbitmq_cluster_reference: broker.clone(),
        },
    );
    b.metadata = child_meta(ms, b.name_any());
    b
}
