//! Micro-batching: concurrent callers of one encoder share its forward passes.
//!
//! A server handles many requests at once, each with a few texts. Run one by
//! one, each request pays a forward pass of its own; batched, the encoder's
//! matrix products run on wider matrices and the passes are fewer. A
//! [`MicroBatcher`] queues the texts of concurrent calls: the first caller to
//! find the encoder idle becomes the *leader*, waits up to
//! [`BatchOptions::max_wait`] (or until [`BatchOptions::max_batch`] texts are
//! queued), takes the queued requests, runs them as one batch on its own
//! thread and hands every caller its rows. No thread is spawned; while a
//! batch runs, new requests queue up and the next leader takes them at once.
//!
//! The queue is bounded: a call that would queue more than
//! [`BatchOptions::max_queue`] texts fails at once with
//! [`ModelError::Overloaded`] (a server answers 503) instead of waiting
//! without bound.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use jobfit_text::Encoding;
use ndarray::{Array2, s};

use crate::error::{ModelError, Result};

/// Settings of a [`MicroBatcher`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchOptions {
    /// The most texts in one batch; a single call with more runs alone.
    /// Default 256 (the encoder still cuts its forward passes by its own
    /// batch size or token budget).
    pub max_batch: usize,
    /// How long the leader waits for more requests before running a batch
    /// that is not full, counted from the oldest queued request's arrival.
    /// Default 2 ms.
    pub max_wait: Duration,
    /// The most texts waiting; a call that would exceed it fails with
    /// [`ModelError::Overloaded`]. Default 16,384 (a recommendation with
    /// explanations embeds up to about 150 texts).
    pub max_queue: usize,
}

impl Default for BatchOptions {
    fn default() -> Self {
        Self {
            max_batch: 256,
            max_wait: Duration::from_millis(2),
            max_queue: 16_384,
        }
    }
}

/// Bounds of the batch-size histogram of [`BatchStats`] (texts per batch).
pub const BATCH_SIZE_BUCKETS: [usize; 9] = [1, 2, 4, 8, 16, 32, 64, 128, 256];

/// Counters of a [`MicroBatcher`], cumulative since it was made.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchStats {
    /// Calls served.
    pub requests: u64,
    /// Calls refused because the queue was full.
    pub rejected: u64,
    /// Batches run.
    pub batches: u64,
    /// Texts embedded.
    pub texts: u64,
    /// Time spent in the encoder, in nanoseconds.
    pub encode_nanos: u64,
    /// Batches with at most `BATCH_SIZE_BUCKETS[i]` texts (cumulative, as
    /// Prometheus histograms count); the last entry counts every batch.
    pub batch_size_buckets: [u64; BATCH_SIZE_BUCKETS.len() + 1],
    /// Texts queued now.
    pub queued_texts: usize,
}

#[derive(Debug)]
struct Pending {
    id: u64,
    encodings: Vec<Encoding>,
    arrived: Instant,
}

#[derive(Debug, Default)]
struct State {
    queue: VecDeque<Pending>,
    queued_texts: usize,
    leader: bool,
    next_id: u64,
    done: HashMap<u64, Result<Array2<f32>>>,
}

/// Shares an encoder's forward passes between concurrent callers (see the
/// module documentation).
#[derive(Debug)]
pub struct MicroBatcher {
    options: BatchOptions,
    state: Mutex<State>,
    changed: Condvar,
    requests: AtomicU64,
    rejected: AtomicU64,
    batches: AtomicU64,
    texts: AtomicU64,
    encode_nanos: AtomicU64,
    sizes: [AtomicU64; BATCH_SIZE_BUCKETS.len() + 1],
}

impl MicroBatcher {
    /// A batcher with these options.
    ///
    /// # Errors
    ///
    /// [`ModelError::InvalidArgument`] when `max_batch` or `max_queue` is 0.
    pub fn new(options: BatchOptions) -> Result<Self> {
        if options.max_batch == 0 || options.max_queue == 0 {
            return Err(ModelError::InvalidArgument(
                "micro-batching needs max_batch and max_queue of at least 1".into(),
            ));
        }
        Ok(Self {
            options,
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
            requests: AtomicU64::new(0),
            rejected: AtomicU64::new(0),
            batches: AtomicU64::new(0),
            texts: AtomicU64::new(0),
            encode_nanos: AtomicU64::new(0),
            sizes: Default::default(),
        })
    }

    /// The options.
    pub fn options(&self) -> &BatchOptions {
        &self.options
    }

    /// The counters so far.
    pub fn stats(&self) -> BatchStats {
        let mut buckets = [0; BATCH_SIZE_BUCKETS.len() + 1];
        for (out, count) in buckets.iter_mut().zip(&self.sizes) {
            *out = count.load(Ordering::Relaxed);
        }
        BatchStats {
            requests: self.requests.load(Ordering::Relaxed),
            rejected: self.rejected.load(Ordering::Relaxed),
            batches: self.batches.load(Ordering::Relaxed),
            texts: self.texts.load(Ordering::Relaxed),
            encode_nanos: self.encode_nanos.load(Ordering::Relaxed),
            batch_size_buckets: buckets,
            queued_texts: self.lock().queued_texts,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panicking encoder poisons nothing we rely on: the state is
        // restored by `Leading::drop`.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Embeds `encodings` with `encode`, batched with concurrent calls; one
    /// row per encoding, in order.
    ///
    /// `encode` must return one row per encoding it is given, in order.
    ///
    /// # Errors
    ///
    /// [`ModelError::Overloaded`] when the queue is full, else the errors of
    /// `encode` on this call's texts.
    pub fn run<F>(&self, encodings: &[Encoding], encode: F) -> Result<Array2<f32>>
    where
        F: Fn(&[Encoding]) -> Result<Array2<f32>>,
    {
        if encodings.is_empty() {
            return Err(ModelError::EmptyBatch);
        }
        let mut state = self.lock();
        if state.queued_texts > 0 && state.queued_texts + encodings.len() > self.options.max_queue {
            self.rejected.fetch_add(1, Ordering::Relaxed);
            return Err(ModelError::Overloaded {
                queued: state.queued_texts,
                limit: self.options.max_queue,
            });
        }
        self.requests.fetch_add(1, Ordering::Relaxed);
        let id = state.next_id;
        state.next_id += 1;
        state.queued_texts += encodings.len();
        state.queue.push_back(Pending {
            id,
            encodings: encodings.to_vec(),
            arrived: Instant::now(),
        });
        self.changed.notify_all();
        loop {
            if let Some(result) = state.done.remove(&id) {
                return result;
            }
            if state.leader {
                state = self
                    .changed
                    .wait(state)
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                continue;
            }
            state.leader = true;
            // Wait for a full batch or the oldest request's deadline.
            while let Some(oldest) = state.queue.front().map(|pending| pending.arrived) {
                if state.queued_texts >= self.options.max_batch {
                    break;
                }
                let deadline = oldest + self.options.max_wait;
                let now = Instant::now();
                if now >= deadline {
                    break;
                }
                state = self
                    .changed
                    .wait_timeout(state, deadline - now)
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .0;
            }
            let mut batch = Vec::new();
            let mut texts = 0;
            while let Some(front) = state.queue.front() {
                if !batch.is_empty() && texts + front.encodings.len() > self.options.max_batch {
                    break;
                }
                texts += front.encodings.len();
                batch.extend(state.queue.pop_front());
            }
            drop(state);
            let mut leading = Leading {
                batcher: self,
                ids: batch.iter().map(|pending| pending.id).collect(),
                texts,
                results: None,
            };
            leading.results = Some(self.encode_batch(&batch, texts, &encode));
            drop(leading);
            state = self.lock();
        }
    }

    /// Runs one batch; on an error, each request alone so that each gets
    /// its own error.
    fn encode_batch<F>(
        &self,
        batch: &[Pending],
        texts: usize,
        encode: &F,
    ) -> Vec<(u64, Result<Array2<f32>>)>
    where
        F: Fn(&[Encoding]) -> Result<Array2<f32>>,
    {
        let started = Instant::now();
        let all: Vec<Encoding> = batch
            .iter()
            .flat_map(|pending| pending.encodings.iter().cloned())
            .collect();
        let results = match encode(&all) {
            Ok(rows) if rows.nrows() == texts => {
                let mut start = 0;
                batch
                    .iter()
                    .map(|pending| {
                        let end = start + pending.encodings.len();
                        let part = rows.slice(s![start..end, ..]).to_owned();
                        start = end;
                        (pending.id, Ok(part))
                    })
                    .collect()
            }
            _ => batch
                .iter()
                .map(|pending| (pending.id, encode(&pending.encodings)))
                .collect(),
        };
        self.encode_nanos.fetch_add(
            u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
        self.batches.fetch_add(1, Ordering::Relaxed);
        self.texts.fetch_add(texts as u64, Ordering::Relaxed);
        for (bound, count) in BATCH_SIZE_BUCKETS.iter().zip(&self.sizes) {
            if texts <= *bound {
                count.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.sizes[BATCH_SIZE_BUCKETS.len()].fetch_add(1, Ordering::Relaxed);
        results
    }
}

/// The leader's duty: hand out the results (or, if the encoder panicked, an
/// error) and give up the lead, whatever happens.
struct Leading<'a> {
    batcher: &'a MicroBatcher,
    ids: Vec<u64>,
    texts: usize,
    results: Option<Vec<(u64, Result<Array2<f32>>)>>,
}

impl Drop for Leading<'_> {
    fn drop(&mut self) {
        let mut state = self.batcher.lock();
        match self.results.take() {
            Some(results) => state.done.extend(results),
            None => {
                for &id in &self.ids {
                    state.done.insert(
                        id,
                        Err(ModelError::InvalidArgument(
                            "the encoder failed on a batch holding this request".into(),
                        )),
                    );
                }
            }
        }
        state.queued_texts -= self.texts;
        state.leader = false;
        self.batcher.changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn encoding(id: u32) -> Encoding {
        Encoding {
            ids: vec![id],
            type_ids: vec![0],
        }
    }

    /// One row per encoding: [id, batch size].
    fn fake(encodings: &[Encoding]) -> Result<Array2<f32>> {
        let mut out = Array2::zeros((encodings.len(), 2));
        for (i, encoding) in encodings.iter().enumerate() {
            out[[i, 0]] = encoding.ids[0] as f32;
            out[[i, 1]] = encodings.len() as f32;
        }
        Ok(out)
    }

    #[test]
    fn concurrent_calls_share_batches_and_get_their_own_rows() {
        let batcher = Arc::new(
            MicroBatcher::new(BatchOptions {
                max_batch: 64,
                max_wait: Duration::from_millis(50),
                max_queue: 1000,
            })
            .unwrap(),
        );
        let handles: Vec<_> = (0..8u32)
            .map(|t| {
                let batcher = Arc::clone(&batcher);
                std::thread::spawn(move || {
                    let encodings = vec![encoding(t * 10), encoding(t * 10 + 1)];
                    batcher.run(&encodings, fake).unwrap()
                })
            })
            .collect();
        let mut widest = 0.0f32;
        for (t, handle) in handles.into_iter().enumerate() {
            let rows = handle.join().unwrap();
            assert_eq!(rows.nrows(), 2);
            assert_eq!(rows[[0, 0]], (t * 10) as f32);
            assert_eq!(rows[[1, 0]], (t * 10 + 1) as f32);
            widest = widest.max(rows[[0, 1]]);
        }
        let stats = batcher.stats();
        assert_eq!(stats.requests, 8);
        assert_eq!(stats.texts, 16);
        assert!(stats.batches < 8, "no batch was shared: {stats:?}");
        assert!(widest > 2.0);
        assert_eq!(stats.queued_texts, 0);
    }

    #[test]
    fn a_full_queue_refuses() {
        let batcher = Arc::new(
            MicroBatcher::new(BatchOptions {
                max_batch: 1,
                max_wait: Duration::from_millis(0),
                max_queue: 2,
            })
            .unwrap(),
        );
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let release_rx = Mutex::new(release_rx);
        let slow = {
            let batcher = Arc::clone(&batcher);
            std::thread::spawn(move || {
                batcher.run(&[encoding(1), encoding(2)], |e| {
                    started_tx.send(()).unwrap();
                    release_rx.lock().unwrap().recv().unwrap();
                    fake(e)
                })
            })
        };
        started_rx.recv().unwrap();
        // Two texts are in the running batch: one more exceeds the bound.
        let error = batcher.run(&[encoding(3)], fake).unwrap_err();
        assert!(matches!(
            error,
            ModelError::Overloaded {
                queued: 2,
                limit: 2
            }
        ));
        release_tx.send(()).unwrap();
        assert_eq!(slow.join().unwrap().unwrap().nrows(), 2);
        assert_eq!(batcher.stats().rejected, 1);
        // Once drained it accepts again.
        assert_eq!(batcher.run(&[encoding(4)], fake).unwrap()[[0, 0]], 4.0);
    }

    #[test]
    fn a_failing_batch_gives_each_caller_its_own_result() {
        let batcher = MicroBatcher::new(BatchOptions::default()).unwrap();
        let encode = |e: &[Encoding]| {
            if e.iter().any(|e| e.ids[0] == 13) {
                Err(ModelError::InvalidArgument("13".into()))
            } else {
                fake(e)
            }
        };
        assert!(batcher.run(&[encoding(13)], encode).is_err());
        assert_eq!(batcher.run(&[encoding(12)], encode).unwrap()[[0, 0]], 12.0);
    }
}
