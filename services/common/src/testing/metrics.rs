//! Reading a running component's `/metrics`, for tests that wait on what it reports rather
//! than on time: how many deliveries its consumer has settled, how many the inbox recognised
//! as duplicates.

use std::net::SocketAddr;
use std::time::Duration;

/// The Prometheus text the component at `addr` serves at `/metrics`.
///
/// # Panics
///
/// When the component does not answer.
pub async fn scrape_metrics(addr: SocketAddr) -> String {
    let response = reqwest::get(format!("http://{addr}/metrics"))
        .await
        .unwrap_or_else(|err| panic!("GET http://{addr}/metrics failed: {err}"));
    response
        .text()
        .await
        .unwrap_or_else(|err| panic!("reading http://{addr}/metrics failed: {err}"))
}

/// The sum of every sample of the metric `name` whose labels include all of `labels`
/// (`("service", "users")`), in the Prometheus text `metrics`; 0 when there is none.
pub fn metric_sum(metrics: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    metrics
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix(name)?;
            let (label_text, value) = match rest.strip_prefix('{') {
                Some(rest) => rest.split_once("} ")?,
                None => ("", rest.strip_prefix(' ')?),
            };
            labels
                .iter()
                .all(|(k, v)| label_text.split(',').any(|l| l == format!("{k}=\"{v}\"")))
                .then(|| value.trim().parse::<f64>().ok())
                .flatten()
        })
        .sum()
}

/// What a service's event consumer has done, from its metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ConsumerCounts {
    /// Deliveries acknowledged after the handler succeeded (duplicates included).
    pub consumed: u64,
    /// Deliveries sent to a retry queue.
    pub retried: u64,
    /// Deliveries sent to the dead-letter queue.
    pub dead_lettered: u64,
    /// Deliveries the inbox recognised as already applied.
    pub duplicates: u64,
}

impl ConsumerCounts {
    /// Reads the counts of `service` from the Prometheus text `metrics`.
    pub fn parse(metrics: &str, service: &str) -> Self {
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "counters are whole, non-negative numbers"
        )]
        let count = |name| metric_sum(metrics, name, &[("service", service)]) as u64;
        Self {
            consumed: count("events_consumed_total"),
            retried: count("events_retried_total"),
            dead_lettered: count("events_dead_lettered_total"),
            duplicates: count("events_duplicates_total"),
        }
    }

    /// Deliveries that reached their end: applied (or found applied) or dead-lettered. A
    /// retried delivery comes back and ends as one of those, so it is not counted itself.
    pub fn finished(&self) -> u64 {
        self.consumed + self.dead_lettered
    }
}

/// Waits until `deliveries` deliveries to the consumer of `service` at `addr` have finished
/// (see [`ConsumerCounts::finished`]), then returns its counts. A test that published
/// `deliveries` messages itself knows then that each was handled to the end, retries
/// included, so what it reads afterwards is final.
///
/// # Panics
///
/// When that takes more than 20 seconds.
pub async fn wait_for_settled(addr: SocketAddr, service: &str, deliveries: u64) -> ConsumerCounts {
    super::eventually(
        &format!("{deliveries} deliveries settled by {service}"),
        Duration::from_secs(20),
        || async {
            let counts = ConsumerCounts::parse(&scrape_metrics(addr).await, service);
            (counts.finished() >= deliveries).then_some(counts)
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "\
# TYPE events_consumed_total counter
events_consumed_total{service=\"users\",type=\"user.registered.v1\"} 2
events_consumed_total{service=\"users\",type=\"gig.created.v1\"} 3
events_consumed_total{service=\"usersx\",type=\"gig.created.v1\"} 7
events_duplicates_total{service=\"users\",type=\"user.registered.v1\"} 1
events_retried_total_other{service=\"users\"} 9
uptime 4
";

    #[test]
    fn samples_are_summed_over_the_matching_labels_only() {
        let counts = ConsumerCounts::parse(TEXT, "users");

        assert_eq!(
            counts,
            ConsumerCounts {
                consumed: 5,
                retried: 0,
                dead_lettered: 0,
                duplicates: 1
            }
        );
        assert_eq!(counts.finished(), 5);
        assert!((metric_sum(TEXT, "uptime", &[]) - 4.0).abs() < f64::EPSILON);
        assert!(
            (metric_sum(TEXT, "events_consumed_total", &[("type", "gig.created.v1")]) - 10.0).abs()
                < f64::EPSILON
        );
    }
}
