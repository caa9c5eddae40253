//! AdamW groups, the schedule, clipping, accumulation and optimizer state, checked against
//! values worked out by hand.

use std::collections::HashMap;

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::nn::{Linear, LinearConfig};
use burn::optim::GradientsParams;
use burn::prelude::*;
use jobfit_model::{
    BertConfig, BertModel, ClassificationHead, ClassificationHeadConfig, EncoderWithHead, SavedHead,
};
use jobfit_train::{
    GradAccumulator, LinearSchedule, TrainConfig, TrainOptimizer, clip_grad_norm, param_groups,
    with_stable_ids,
};

fn device() -> Device {
    Device::flex().autodiff()
}

fn tiny_model() -> EncoderWithHead<ClassificationHead> {
    let config = BertConfig::tiny(30);
    EncoderWithHead::new(
        BertModel::init(&config, &device()).unwrap(),
        ClassificationHead::init(&ClassificationHeadConfig::new(16, 3), &device()).unwrap(),
    )
}

/// Gradients equal to `value` for every parameter.
fn constant_grads<M: Module>(module: &M, value: f32) -> GradientsParams {
    struct Fill<'a> {
        grads: &'a mut GradientsParams,
        value: f32,
    }
    impl ModuleVisitor for Fill<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let grad = param.val().inner().ones_like().mul_scalar(self.value);
            self.grads.register(param.id, grad);
        }
    }
    let mut grads = GradientsParams::new();
    module.visit(&mut Fill {
        grads: &mut grads,
        value,
    });
    grads
}

/// Every parameter's values by path.
fn values<M: Module>(module: &M) -> HashMap<String, Vec<f32>> {
    struct Collect {
        path: Vec<String>,
        out: HashMap<String, Vec<f32>>,
    }
    impl ModuleVisitor for Collect {
        fn enter_module(&mut self, name: &str, _: &str) {
            self.path.push(name.to_string());
        }
        fn exit_module(&mut self, _: &str, _: &str) {
            self.path.pop();
        }
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let data = param
                .val()
                .into_data()
                .convert::<f32>()
                .try_to_vec::<f32>()
                .unwrap();
            self.out.insert(self.path.join("."), data);
        }
    }
    let mut visitor = Collect {
        path: Vec::new(),
        out: HashMap::new(),
    };
    module.visit(&mut visitor);
    visitor.out
}

fn assert_close(a: f32, b: f32, tolerance: f32, what: &str) {
    assert!((a - b).abs() <= tolerance, "{what}: {a} vs {b}");
}

#[test]
fn schedule_warms_up_then_decays_linearly() {
    // Peak 1, 2 warmup steps, 10 steps: 0, 1/2, then (10 - s) / 8.
    let schedule = LinearSchedule::new(1.0, 2, 10);
    let expected = [
        0.0,
        0.5,
        1.0,
        7.0 / 8.0,
        6.0 / 8.0,
        5.0 / 8.0,
        0.5,
        3.0 / 8.0,
        0.25,
        1.0 / 8.0,
        0.0,
    ];
    for (step, want) in expected.iter().enumerate() {
        assert!((schedule.lr(step) - want).abs() < 1e-12, "step {step}");
    }
    assert_eq!(schedule.lr(25), 0.0);
    // Without warmup the first step runs at the peak.
    assert_eq!(LinearSchedule::new(2e-5, 0, 4).lr(0), 2e-5);
    // Warmup steps are ceil(ratio * total).
    assert_eq!(
        LinearSchedule::with_warmup_ratio(1.0, 0.1, 25).warmup_steps,
        3
    );
    assert_eq!(
        LinearSchedule::with_warmup_ratio(1.0, 1.0, 25).warmup_steps,
        25
    );
}

#[test]
fn total_steps_count_a_short_last_accumulation() {
    let config = TrainConfig::default()
        .with_epochs(3)
        .with_gradient_accumulation_steps(4);
    // 10 batches per epoch -> ceil(10 / 4) = 3 steps per epoch.
    assert_eq!(config.total_steps(10), 9);
    assert_eq!(TrainConfig::default().with_epochs(2).total_steps(7), 14);
}

#[test]
fn biases_and_layer_norms_are_exempt_from_decay() {
    let model = tiny_model();
    let groups = param_groups(&model);
    assert_eq!(
        groups.iter().map(|p| p.numel).sum::<usize>(),
        model.num_params()
    );
    for param in &groups {
        let exempt = param.path.ends_with(".bias")
            || param.path.ends_with(".gamma")
            || param.path.ends_with(".beta");
        assert_eq!(param.decay, !exempt, "{}", param.path);
        assert_eq!(
            param.head,
            param.path.starts_with("head."),
            "{}",
            param.path
        );
    }
    let find = |path: &str| groups.iter().find(|p| p.path == path).unwrap();
    assert!(find("encoder.embeddings.word_embeddings.weight").decay);
    assert!(!find("encoder.embeddings.layer_norm.gamma").decay);
    assert!(!find("encoder.layers.0.attention.layer_norm.beta").decay);
    assert!(!find("encoder.layers.1.intermediate.bias").decay);
    assert!(find("head.classifier.weight").head);

    // Behaviour: with zero gradients Adam's update is 0 and only decay moves a weight, by the
    // factor 1 - lr * weight_decay = 1 - 0.1 * 0.5.
    let model = with_stable_ids(model);
    let config = TrainConfig::default()
        .with_weight_decay(0.5)
        .with_learning_rate(0.1)
        .build()
        .unwrap();
    let mut optimizer = TrainOptimizer::new(&model, &config).unwrap();
    let before = values(&model);
    let grads = constant_grads(&model, 0.0);
    let after = values(&optimizer.step(0.1, model, grads));
    for param in &groups {
        let factor = if param.decay { 0.95 } else { 1.0 };
        for (a, b) in before[&param.path].iter().zip(&after[&param.path]) {
            assert_close(*b, a * factor, 1e-6, &param.path);
        }
    }
}

#[test]
fn the_head_can_learn_faster() {
    // With gradient 1 everywhere, Adam's first update is lr * 1 / (1 + eps): every encoder value
    // moves by -0.01 and every head value by -0.1 (no decay here).
    let model = with_stable_ids(tiny_model());
    let config = TrainConfig::default()
        .with_learning_rate(0.01)
        .with_head_learning_rate(Some(0.1))
        .with_weight_decay(0.0)
        .build()
        .unwrap();
    let mut optimizer = TrainOptimizer::new(&model, &config).unwrap();
    assert!((optimizer.head_scale() - 10.0).abs() < 1e-12);
    let before = values(&model);
    let grads = constant_grads(&model, 1.0);
    let after = values(&optimizer.step(0.01, model, grads));
    for (path, old) in &before {
        let step = if path.starts_with("head.") { 0.1 } else { 0.01 };
        for (a, b) in old.iter().zip(&after[path]) {
            assert_close(*b, a - step, 1e-5, path);
        }
    }
}

/// A linear layer 1 -> 1 whose weight gradient is 3 and bias gradient 4 (norm 5).
fn three_four() -> (Linear, GradientsParams) {
    let layer = LinearConfig::new(1, 1).init(&device());
    let mut grads = GradientsParams::new();
    grads.register(
        layer.weight.id,
        Tensor::<2>::from_data(TensorData::new(vec![3.0f32], [1, 1]), &Device::flex()),
    );
    let bias = layer.bias.as_ref().unwrap();
    grads.register(
        bias.id,
        Tensor::<1>::from_data(TensorData::new(vec![4.0f32], [1]), &Device::flex()),
    );
    (layer, grads)
}

fn grad_values(layer: &Linear, grads: &GradientsParams) -> (f32, f32) {
    let w: Tensor<2> = grads.get(layer.weight.id).unwrap();
    let b: Tensor<1> = grads.get(layer.bias.as_ref().unwrap().id).unwrap();
    (w.into_scalar::<f32>(), b.into_scalar::<f32>())
}

#[test]
fn clipping_scales_all_gradients_by_the_global_norm() {
    let (layer, grads) = three_four();
    let (clipped, norm) = clip_grad_norm(&layer, grads, 1.0);
    assert_close(norm as f32, 5.0, 1e-6, "norm");
    let (w, b) = grad_values(&layer, &clipped);
    // Each gradient times 1 / (5 + 1e-6): the direction is kept, the norm becomes 1.
    assert_close(w, 0.6, 1e-6, "weight");
    assert_close(b, 0.8, 1e-6, "bias");

    for limit in [10.0, 0.0] {
        let (layer, grads) = three_four();
        let (kept, norm) = clip_grad_norm(&layer, grads, limit);
        assert_close(norm as f32, 5.0, 1e-6, "norm");
        assert_eq!(grad_values(&layer, &kept), (3.0, 4.0), "limit {limit}");
    }
}

fn mse_grads(layer: &Linear, x: &[[f32; 3]], y: &[[f32; 2]]) -> GradientsParams {
    let n = x.len();
    let xs = Tensor::<2>::from_data(
        TensorData::new(x.iter().flatten().copied().collect::<Vec<_>>(), [n, 3]),
        &device(),
    );
    let ys = Tensor::<2>::from_data(
        TensorData::new(y.iter().flatten().copied().collect::<Vec<_>>(), [n, 2]),
        &device(),
    );
    let loss = (layer.forward(xs) - ys).square().mean();
    GradientsParams::from_grads(loss.backward(), layer)
}

#[test]
fn accumulation_averages_to_the_big_batch_gradient() {
    let layer = LinearConfig::new(3, 2).init(&device());
    let x = [
        [1.0, 2.0, -1.0],
        [0.5, -0.3, 2.0],
        [-1.5, 0.2, 0.7],
        [3.0, 1.0, 0.0],
    ];
    let y = [[1.0, 0.0], [0.0, 1.0], [2.0, -1.0], [0.5, 0.5]];
    let big = mse_grads(&layer, &x, &y);

    // Two unequal passes: 3 examples, then 1.
    let mut accumulator = GradAccumulator::new();
    accumulator.add(&layer, mse_grads(&layer, &x[..3], &y[..3]), 3);
    accumulator.add(&layer, mse_grads(&layer, &x[3..], &y[3..]), 1);
    assert_eq!(accumulator.passes(), 2);
    let averaged = accumulator.finish(&layer).unwrap();
    assert!(accumulator.is_empty());

    let flat = |grads: &GradientsParams| {
        let w: Tensor<2> = grads.get(layer.weight.id).unwrap();
        let b: Tensor<1> = grads.get(layer.bias.as_ref().unwrap().id).unwrap();
        let mut v = w.into_data().try_to_vec::<f32>().unwrap();
        v.extend(b.into_data().try_to_vec::<f32>().unwrap());
        v
    };
    let (want, got) = (flat(&big), flat(&averaged));
    for (a, b) in want.iter().zip(&got) {
        assert_close(*b, *a, 1e-5, "gradient");
    }
    // Summing (what Burn's accumulator does) would be off by a factor.
    let summed: Vec<f32> = {
        let mut first = flat(&mse_grads(&layer, &x[..2], &y[..2]));
        for (s, v) in first
            .iter_mut()
            .zip(flat(&mse_grads(&layer, &x[2..], &y[2..])))
        {
            *s += v;
        }
        first
    };
    assert!(summed.iter().zip(&want).any(|(s, w)| (s - w).abs() > 1e-3));
}

/// Gives every parameter a fresh random id, as loading a model from disk does.
struct FreshIds;

impl ModuleMapper for FreshIds {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let (_, tensor, mapper) = param.consume();
        Param::from_mapped_value(ParamId::new(), tensor, mapper)
    }
}

#[test]
fn optimizer_state_survives_a_reload_with_stable_ids() {
    let config = TrainConfig::default()
        .with_learning_rate(0.01)
        .build()
        .unwrap();
    let x = [[1.0, 2.0, -1.0], [0.5, -0.3, 2.0]];
    let y = [[1.0, 0.0], [0.0, 1.0]];
    let mut model = with_stable_ids(LinearConfig::new(3, 2).init(&device()));
    let mut optimizer = TrainOptimizer::new(&model, &config).unwrap();
    for _ in 0..3 {
        let grads = mse_grads(&model, &x, &y);
        model = optimizer.step(0.01, model, grads);
    }
    let state = optimizer.state_bytes().unwrap();

    // A copy "loaded from disk": same weights, new ids, then stable ids again.
    let reloaded = with_stable_ids(model.clone().map(&mut FreshIds));
    let restored = TrainOptimizer::new(&reloaded, &config)
        .unwrap()
        .load_state_bytes(state, std::path::Path::new("state"))
        .unwrap();
    let fresh = TrainOptimizer::new(&reloaded, &config).unwrap();

    let step = |mut optimizer: TrainOptimizer, model: Linear| {
        let grads = mse_grads(&model, &x, &y);
        let model = optimizer.step(0.01, model, grads);
        model.weight.val().into_data().try_to_vec::<f32>().unwrap()
    };
    let continued = step(optimizer, model);
    let resumed = step(restored, reloaded.clone());
    let restarted = step(fresh, reloaded);
    for (a, b) in continued.iter().zip(&resumed) {
        assert_close(*b, *a, 1e-6, "resumed weight");
    }
    assert!(
        continued
            .iter()
            .zip(&restarted)
            .any(|(a, b)| (a - b).abs() > 1e-5),
        "without its state, Adam's fourth step differs"
    );
}

#[test]
fn bad_hyperparameters_are_refused_before_training() {
    let bad = [
        TrainConfig::default().with_learning_rate(0.0),
        TrainConfig::default().with_learning_rate(-1e-5),
        TrainConfig::default().with_learning_rate(f64::NAN),
        TrainConfig::default().with_learning_rate(f64::INFINITY),
        TrainConfig::default().with_head_learning_rate(Some(f64::NAN)),
        TrainConfig::default().with_batch_size(0),
        TrainConfig::default().with_epochs(0),
        TrainConfig::default().with_gradient_accumulation_steps(0),
        TrainConfig::default().with_warmup_ratio(1.5),
        TrainConfig::default().with_warmup_ratio(f64::NAN),
        TrainConfig::default().with_dropout(1.0),
        TrainConfig::default().with_label_smoothing(-0.1),
        TrainConfig::default().with_weight_decay(f64::INFINITY),
        TrainConfig::default().with_max_grad_norm(-1.0),
        TrainConfig::default().with_max_length(2),
        TrainConfig::default().with_eval_every_steps(Some(0)),
        TrainConfig::default().with_early_stopping_patience(Some(0)),
    ];
    for config in bad {
        let error = config.clone().build().unwrap_err();
        assert!(
            matches!(error, jobfit_train::TrainError::InvalidConfig { .. }),
            "{config:?}: {error}"
        );
    }
    let message = TrainConfig::default()
        .with_learning_rate(0.0)
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("learning_rate") && message.contains("> 0"),
        "{message}"
    );
}
