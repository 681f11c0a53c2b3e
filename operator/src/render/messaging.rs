//! The RabbitMQ topology as Messaging Topology Operator objects (`rabbitmq.com/v1beta1`).
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
use serde_json::json;

use super::meta::{EXCHANGE_LABEL, child_meta, common_labels, hashed_name, short_hash};
use crate::api::foreign::{
    Binding, BindingSpec, Exchange, ExchangeSpec, LocalObjectReference, Queue, QueueSpec,
    RabbitmqClusterReference,
};
use crate::api::{
    BrokerRef, Consume, DeletionPolicy, ExchangeType, MarketplaceService, Messaging, QueueType,
};

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

/// The topology of `ms`, empty without `spec.messaging`.
pub fn topology(ms: &MarketplaceService) -> Topology {
    let Some(m) = &ms.spec.messaging else {
        return Topology::default();
    };
    let mut topology = Topology::default();
    let broker = cluster_reference(&m.broker);
    for (name, kind) in exchanges_used(m) {
        topology
            .exchanges
            .push(exchange(ms, m, &broker, &name, kind));
    }
    for consume in &m.consumes {
        queues(ms, m, &broker, consume, &mut topology);
    }
    topology
}

/// Every exchange a component's messaging spec uses, with its type: those it publishes to, the
/// sources of its bindings (topic unless published here with another type) and its dead-letter
/// exchanges (direct).
pub fn exchanges_used(m: &Messaging) -> BTreeMap<String, ExchangeType> {
    let mut used: BTreeMap<String, ExchangeType> = m
        .publishes
        .iter()
        .map(|p| (p.exchange.clone(), p.kind))
        .collect();
    for c in &m.consumes {
        for b in &c.bindings {
            used.entry(b.exchange.clone())
                .or_insert(ExchangeType::Topic);
        }
        used.entry(c.dead_letter.exchange.clone())
            .or_insert(ExchangeType::Direct);
    }
    used
}

/// The name of the shared `Exchange` object of an exchange (the same in every component).
pub fn exchange_object_name(vhost: &str, exchange: &str) -> String {
    hashed_name("exchange", &format!("{vhost}/{exchange}"))
}

fn cluster_reference(broker: &BrokerRef) -> RabbitmqClusterReference {
    RabbitmqClusterReference {
        name: broker.name.clone(),
        namespace: broker.name.as_ref().and(broker.namespace.clone()),
        connection_secret: broker
            .connection_secret
            .clone()
            .map(|name| LocalObjectReference { name }),
    }
}

fn exchange(
    ms: &MarketplaceService,
    m: &Messaging,
    broker: &RabbitmqClusterReference,
    name: &str,
    kind: ExchangeType,
) -> Exchange {
    let object_name = exchange_object_name(&m.vhost, name);
    let mut exchange = Exchange::new(
        &object_name,
        ExchangeSpec {
            name: name.to_owned(),
            vhost: m.vhost.clone(),
            kind: match kind {
                ExchangeType::Topic => "topic",
                ExchangeType::Direct => "direct",
                ExchangeType::Fanout => "fanout",
            }
            .into(),
            durable: true,
            auto_delete: false,
            rabbitmq_cluster_reference: broker.clone(),
        },
    );
    let mut labels = common_labels();
    labels.insert(
        EXCHANGE_LABEL.to_owned(),
        short_hash(format!("{}/{name}", m.vhost).as_bytes()),
    );
    exchange.metadata.namespace = ms.namespace();
    exchange.metadata.labels = Some(labels);
    exchange
}

fn queues(
    ms: &MarketplaceService,
    m: &Messaging,
    broker: &RabbitmqClusterReference,
    consume: &Consume,
    topology: &mut Topology,
) {
    let work = &consume.queue;
    let dead = consume
        .dead_letter
        .queue
        .clone()
        .unwrap_or_else(|| format!("{work}.dlq"));
    let kind = match consume.kind {
        QueueType::Quorum => "quorum",
        QueueType::Classic => "classic",
    };
    let mut work_args = BTreeMap::from([
        ("x-queue-type".to_owned(), json!(kind)),
        (
            "x-dead-letter-exchange".to_owned(),
            json!(consume.dead_letter.exchange),
        ),
        ("x-dead-letter-routing-key".to_owned(), json!(work)),
    ]);
    if consume.kind == QueueType::Quorum {
        work_args.insert(
            "x-delivery-limit".to_owned(),
            json!(consume.retry.delivery_limit),
        );
    }
    let retention = match consume.deletion_policy {
        DeletionPolicy::Retain => "retain",
        DeletionPolicy::Delete => "delete",
    };
    let queue = |name: &str, kind: &str, arguments, deletion: &str| {
        let mut q = Queue::new(
            &hashed_name(&format!("{}-q", ms.name_any()), name),
            QueueSpec {
                name: name.to_owned(),
                vhost: m.vhost.clone(),
                kind: kind.to_owned(),
                durable: true,
                auto_delete: false,
                arguments,
                deletion_policy: deletion.to_owned(),
                rabbitmq_cluster_reference: broker.clone(),
            },
        );
        q.metadata = child_meta(ms, q.name_any());
        q
    };
    topology
        .queues
        .push(queue(work, kind, work_args, retention));
    topology.queues.push(queue(
        &dead,
        kind,
        BTreeMap::from([("x-queue-type".to_owned(), json!(kind))]),
        retention,
    ));
    for (i, delay) in consume.retry.delays_ms.iter().enumerate() {
        // Retry queues only hold events for a moment: classic, and deleted with the component.
        let args = BTreeMap::from([
            ("x-message-ttl".to_owned(), json!(delay)),
            ("x-dead-letter-exchange".to_owned(), json!("")),
            ("x-dead-letter-routing-key".to_owned(), json!(work)),
        ]);
        let name = format!("{work}.retry.{}", i + 1);
        topology
            .queues
            .push(queue(&name, "classic", args, "delete"));
    }

    let mut keys: BTreeSet<(&str, &str, &str)> = consume
        .bindings
        .iter()
        .map(|b| (b.exchange.as_str(), work.as_str(), b.routing_key.as_str()))
        .collect();
    keys.insert((
        consume.dead_letter.exchange.as_str(),
        dead.as_str(),
        work.as_str(),
    ));
    for (source, destination, key) in keys {
        let identity = format!("{}/{source}/{destination}/{key}", m.vhost);
        let mut b = Binding::new(
            &format!("{}-b-{}", ms.name_any(), short_hash(identity.as_bytes())),
            BindingSpec {
                vhost: m.vhost.clone(),
                source: source.to_owned(),
                destination: destination.to_owned(),
                destination_type: "queue".into(),
                routing_key: key.to_owned(),
                rabbitmq_cluster_reference: broker.clone(),
            },
        );
        b.metadata = child_meta(ms, b.name_any());
        topology.bindings.push(b);
    }
}
