//! Prometheus metrics in the text exposition format: requests and latency
//! per route and status, requests in flight, the encoder's batches and time,
//! and the catalog's size.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use jobfit_model::{BATCH_SIZE_BUCKETS, BatchStats};

/// Upper bounds of the latency histogram, in seconds.
pub const LATENCY_BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

#[derive(Debug, Default, Clone)]
struct Histogram {
    buckets: [u64; LATENCY_BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// The service's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, u16), u64>>,
    latency: Mutex<BTreeMap<String, Histogram>>,
    in_flight: AtomicI64,
}

impl Metrics {
    /// Empty counters.
    pub fn new() -> Self {
        Self::default()
    }

    /// A request began.
    pub fn start(&self) {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
    }

    /// A request on `route` ended with `status` after `elapsed`.
    pub fn finish(&self, route: &str, status: u16, elapsed: Duration) {
        self.in_flight.fetch_sub(1, Ordering::Relaxed);
        *lock(&self.requests)
            .entry((route.to_string(), status))
            .or_default() += 1;
        let seconds = elapsed.as_secs_f64();
        let mut latency = lock(&self.latency);
        let histogram = latency.entry(route.to_string()).or_default();
        for (bound, count) in LATENCY_BUCKETS.iter().zip(&mut histogram.buckets) {
            if seconds <= *bound {
                *count += 1;
            }
        }
        histogram.count += 1;
        histogram.sum += seconds;
    }

    /// Requests in flight now.
    pub fn in_flight(&self) -> i64 {
        self.in_flight.load(Ordering::Relaxed)
    }

    /// The exposition text, with the encoder's counters and the catalog size.
    pub fn render(&self, batch: Option<&BatchStats>, catalog_jobs: Option<usize>) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP jobfit_http_requests_total HTTP requests by route and status.\n\
             # TYPE jobfit_http_requests_total counter\n",
        );
        for ((route, status), count) in lock(&self.requests).iter() {
            let _ = writeln!(
                out,
                "jobfit_http_requests_total{{route=\"{}\",status=\"{status}\"}} {count}",
                escape(route)
            );
        }
        out.push_str(
            "# HELP jobfit_http_request_duration_seconds Request latency by route.\n\
             # TYPE jobfit_http_request_duration_seconds histogram\n",
        );
        for (route, histogram) in lock(&self.latency).iter() {
            let route = escape(route);
            for (bound, count) in LATENCY_BUCKETS.iter().zip(&histogram.buckets) {
                let _ = writeln!(
                    out,
                    "jobfit_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "jobfit_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}\n\
                 jobfit_http_request_duration_seconds_sum{{route=\"{route}\"}} {}\n\
                 jobfit_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                histogram.count, histogram.sum, histogram.count
            );
        }
        let _ = writeln!(
            out,
            "# HELP jobfit_http_requests_in_flight Requests being served.\n\
             # TYPE jobfit_http_requests_in_flight gauge\n\
             jobfit_http_requests_in_flight {}",
            self.in_flight()
        );
        if let Some(stats) = batch {
            let _ = writeln!(
                out,
                "# HELP jobfit_embed_seconds_total Time the encoder ran.\n\
                 # TYPE jobfit_embed_seconds_total counter\n\
                 jobfit_embed_seconds_total {}\n\
                 # HELP jobfit_embed_texts_total Texts embedded.\n\
                 # TYPE jobfit_embed_texts_total counter\n\
                 jobfit_embed_texts_total {}\n\
                 # HELP jobfit_embed_rejected_total Embedding calls refused because the queue was full.\n\
                 # TYPE jobfit_embed_rejected_total counter\n\
                 jobfit_embed_rejected_total {}\n\
                 # HELP jobfit_embed_queued_texts Texts waiting for the encoder.\n\
                 # TYPE jobfit_embed_queued_texts gauge\n\
                 jobfit_embed_queued_texts {}\n\
                 # HELP jobfit_embed_batch_size Texts per encoder batch.\n\
                 # TYPE jobfit_embed_batch_size histogram",
                stats.encode_nanos as f64 / 1e9,
                stats.texts,
                stats.rejected,
                stats.queued_texts
            );
            for (bound, count) in BATCH_SIZE_BUCKETS.iter().zip(&stats.batch_size_buckets) {
                let _ = writeln!(
                    out,
                    "jobfit_embed_batch_size_bucket{{le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "jobfit_embed_batch_size_bucket{{le=\"+Inf\"}} {}\n\
                 jobfit_embed_batch_size_sum {}\n\
                 jobfit_embed_batch_size_count {}",
                stats.batches, stats.texts, stats.batches
            );
        }
        if let Some(jobs) = catalog_jobs {
            let _ = writeln!(
                out,
                "# HELP jobfit_catalog_jobs Jobs in the catalog.\n\
                 # TYPE jobfit_catalog_jobs gauge\n\
                 jobfit_catalog_jobs {jobs}"
            );
        }
        out
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_cumulative_buckets() {
        let metrics = Metrics::new();
        metrics.start();
        metrics.start();
        metrics.finish("/v1/recommend", 200, Duration::from_millis(30));
        metrics.finish("/v1/recommend", 429, Duration::from_millis(1));
        let text = metrics.render(None, Some(3));
        assert!(
            text.contains("jobfit_http_requests_total{route=\"/v1/recommend\",status=\"200\"} 1")
        );
        assert!(
            text.contains("jobfit_http_requests_total{route=\"/v1/recommend\",status=\"429\"} 1")
        );
        // 1 ms falls in every bucket, 30 ms from 0.05 on.
        assert!(text.contains("duration_seconds_bucket{route=\"/v1/recommend\",le=\"0.005\"} 1"));
        assert!(text.contains("duration_seconds_bucket{route=\"/v1/recommend\",le=\"0.05\"} 2"));
        assert!(text.contains("duration_seconds_count{route=\"/v1/recommend\"} 2"));
        assert!(text.contains("jobfit_http_requests_in_flight 0"));
        assert!(text.contains("jobfit_catalog_jobs 3"));
    }
}
