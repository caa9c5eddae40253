//! Seconds per fine-tuning step: forward, cross-entropy, backward, global-norm clipping and an
//! AdamW update of all-MiniLM-L6-v2 with a linear classification head (24 classes), dropout on,
//! as the classification loop runs it. Two shapes: 16 texts of 128 tokens (the classification
//! recipe's) and 64 of 32 (the title-matching recipe's).
//!
//! The allocator is set as training sets it (`tune_allocator_for_training`). The backend is
//! `jobfit::default_device()` (`JOBFIT_BACKEND=tch` with the `tch` feature for
//! libtorch); threads follow `RAYON_NUM_THREADS`. Needs `scripts/fetch-model.sh`.

use std::path::Path;

use burn::module::Module;
use burn::optim::GradientsParams;
use burn::prelude::*;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use jobfit::model::{
    BertInput, ClassificationHead, ClassificationHeadConfig, EncoderWithHead, HeadPooling,
    SavedHead,
};
use jobfit::text::{EncodedBatch, Encoding};
use jobfit::train::{
    CrossEntropyLoss, SeededRng, TrainConfig, TrainOptimizer, clip_grad_norm, load_encoder,
    with_stable_ids,
};

/// (texts, tokens) per step.
const SHAPES: [(usize, usize); 2] = [(16, 128), (64, 32)];
const CLASSES: usize = 24;

/// `texts` encodings of exactly `tokens` tokens: `[CLS]`, random word pieces, `[SEP]`.
fn batch(vocab: usize, texts: usize, tokens: usize) -> EncodedBatch {
    let mut rng = SeededRng::new(7);
    let encodings: Vec<Encoding> = (0..texts)
        .map(|_| {
            let mut ids = vec![101u32];
            ids.extend((0..tokens - 2).map(|_| 1000 + rng.below(vocab - 1000) as u32));
            ids.push(102);
            Encoding {
                type_ids: vec![0; ids.len()],
                ids,
            }
        })
        .collect();
    EncodedBatch::from_encodings(&encodings, 0)
}

fn bench_train_step(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/all-MiniLM-L6-v2");
    if !dir.exists() {
        eprintln!(
            "skipping: {} is missing (run scripts/fetch-model.sh)",
            dir.display()
        );
        return;
    }
    // As every training loop does (`Driver::train`).
    jobfit::train::tune_allocator_for_training();
    let device = jobfit::default_device();
    let mut group = c.benchmark_group("train_step");
    group.sample_size(10);
    for (texts, tokens) in SHAPES {
        let (encoder, config, _tokenizer, pooling) =
            load_encoder(&dir, &device).expect("model loads");
        let mut head_config = ClassificationHeadConfig::new(config.hidden_size, CLASSES);
        head_config.pooling = HeadPooling::Tokens(pooling);
        let head = ClassificationHead::init(&head_config, &device).expect("head config is valid");
        let model = with_stable_ids(EncoderWithHead::new(encoder, head)).train();
        let train_config = TrainConfig::default();
        let mut optimizer = TrainOptimizer::new(&model, &train_config).expect("valid config");
        let loss = CrossEntropyLoss::new(CLASSES).expect("classes > 0");

        let autodiff = device.clone().autodiff();
        let input = BertInput::from_batch(&batch(config.vocab_size, texts, tokens), &autodiff);
        let targets: Vec<i64> = (0..texts as i64).map(|i| i % CLASSES as i64).collect();
        let targets = Tensor::<1, Int>::from_data(TensorData::new(targets, [texts]), &autodiff);

        group.throughput(Throughput::Elements(texts as u64));
        let mut state = Some(model);
        group.bench_function(format!("minilm_b{texts}_s{tokens}"), |b| {
            b.iter(|| {
                // `state` is put back at the end of every iteration.
                let model = state.take().expect("the model is between steps");
                let value = loss.forward(model.forward(input.clone()), targets.clone());
                // Reading the loss waits for the forward pass, as the loop's check does.
                let _ = value.clone().into_scalar::<f32>();
                let grads = GradientsParams::from_grads(value.backward(), &model);
                let (grads, norm) = clip_grad_norm(&model, grads, train_config.max_grad_norm);
                assert!(norm.is_finite());
                state = Some(optimizer.step(train_config.learning_rate, model, grads));
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_train_step);
criterion_main!(benches);
