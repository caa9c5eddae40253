//! Loss values against hand computation (PyTorch's definitions worked out on paper).

use burn::prelude::*;
use jobfit_train::{CrossEntropyLoss, MultipleNegativesRankingLoss};

fn device() -> Device {
    Device::flex()
}

fn logits(rows: &[[f32; 3]]) -> Tensor<2> {
    let data: Vec<f32> = rows.iter().flatten().copied().collect();
    Tensor::from_data(TensorData::new(data, [rows.len(), 3]), &device())
}

fn targets(values: &[i64]) -> Tensor<1, Int> {
    Tensor::from_data(TensorData::new(values.to_vec(), [values.len()]), &device())
}

fn matrix(rows: &[[f32; 2]]) -> Tensor<2> {
    let data: Vec<f32> = rows.iter().flatten().copied().collect();
    Tensor::from_data(TensorData::new(data, [rows.len(), 2]), &device())
}

fn value(loss: Tensor<1>) -> f64 {
    f64::from(loss.into_scalar::<f32>())
}

// -log softmax([1, 2, 3]) = ln(e + e^2 + e^3) - [1, 2, 3]
//                         = [2.40760596, 1.40760596, 0.40760596].
const NLL: [f64; 3] = [2.407_605_96, 1.407_605_96, 0.407_605_96];

#[test]
fn cross_entropy_of_one_example() {
    let loss = CrossEntropyLoss::new(3).unwrap();
    let got = value(loss.forward(logits(&[[1.0, 2.0, 3.0]]), targets(&[2])));
    assert!((got - NLL[2]).abs() < 1e-5, "{got}");
}

#[test]
fn cross_entropy_averages_over_the_batch() {
    let loss = CrossEntropyLoss::new(3).unwrap();
    let got = value(loss.forward(
        logits(&[[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]),
        targets(&[2, 0]),
    ));
    assert!((got - (NLL[2] + NLL[0]) / 2.0).abs() < 1e-5, "{got}");
}

#[test]
fn class_weights_weigh_examples_and_the_average() {
    // Weights [3, 1, 1]: (1 * 0.4076 + 3 * 2.4076) / (1 + 3) = 1.90760596.
    let loss = CrossEntropyLoss::new(3)
        .unwrap()
        .with_class_weights(vec![3.0, 1.0, 1.0])
        .unwrap();
    let got = value(loss.forward(
        logits(&[[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]),
        targets(&[2, 0]),
    ));
    assert!((got - 1.907_605_96).abs() < 1e-5, "{got}");
}

#[test]
fn label_smoothing_mixes_in_the_uniform_target() {
    // 0.9 * 0.40760596 + 0.1 / 3 * (2.40760596 + 1.40760596 + 0.40760596) = 0.50760596.
    let loss = CrossEntropyLoss::new(3)
        .unwrap()
        .with_label_smoothing(0.1)
        .unwrap();
    let got = value(loss.forward(logits(&[[1.0, 2.0, 3.0]]), targets(&[2])));
    assert!((got - 0.507_605_96).abs() < 1e-5, "{got}");
}

#[test]
fn class_weights_and_label_smoothing_combine_as_in_pytorch() {
    // Smoothing term per example: 3 * 2.4076 + 1.4076 + 0.4076 = 9.03802979, summed over two
    // examples and divided by the true-class weights (4): 4.51901490.
    // 0.9 * 1.90760596 + 0.1 / 3 * 4.51901490 = 1.86747920.
    let loss = CrossEntropyLoss::new(3)
        .unwrap()
        .with_class_weights(vec![3.0, 1.0, 1.0])
        .unwrap()
        .with_label_smoothing(0.1)
        .unwrap();
    let got = value(loss.forward(
        logits(&[[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]),
        targets(&[2, 0]),
    ));
    assert!((got - 1.867_479_20).abs() < 1e-5, "{got}");
}

#[test]
fn ranking_loss_uses_in_batch_negatives_and_cosine() {
    // Anchors e1, e2; positives e1, (1, 1). Scores (scale 20):
    // row 1: [20, 20 / sqrt 2] -> ln(1 + e^(14.1421 - 20)) = 0.00285326;
    // row 2: [0, 14.1421], target 1 -> ln(1 + e^-14.1421) = 7.2135e-7. Mean 0.00142699.
    let loss = MultipleNegativesRankingLoss::default();
    let anchors = matrix(&[[1.0, 0.0], [0.0, 1.0]]);
    let positives = matrix(&[[1.0, 0.0], [1.0, 1.0]]);
    let got = value(loss.forward(anchors.clone(), positives.clone(), None));
    assert!((got - 0.001_426_99).abs() < 1e-5, "{got}");

    // Cosine: scaling a vector changes nothing.
    let scaled = value(loss.forward(anchors.mul_scalar(3.0), positives.mul_scalar(0.5), None));
    assert!((scaled - got).abs() < 1e-5, "{scaled}");
}

#[test]
fn a_lone_pair_has_zero_ranking_loss_instead_of_a_panic() {
    // One anchor, one positive: the softmax over a single candidate is 1, so -ln 1 = 0.
    let loss = MultipleNegativesRankingLoss::default();
    let got = value(loss.forward(matrix(&[[1.0, 2.0]]), matrix(&[[0.5, -1.0]]), None));
    assert!(got.abs() < 1e-7, "{got}");
}

#[test]
fn hard_negatives_are_extra_candidates() {
    // Adding the hard negative e2 for every anchor: row 1 scores [20, 14.1421, 0] (target 0),
    // row 2 scores [0, 14.1421, 20] (target 1). Mean loss 2.93178546.
    let loss = MultipleNegativesRankingLoss::default();
    let got = value(loss.forward(
        matrix(&[[1.0, 0.0], [0.0, 1.0]]),
        matrix(&[[1.0, 0.0], [1.0, 1.0]]),
        Some(matrix(&[[0.0, 1.0]])),
    ));
    assert!((got - 2.931_785_46).abs() < 1e-4, "{got}");
}

#[test]
fn cross_entropy_gradient_is_softmax_minus_target() {
    // d/dz of the mean loss over one example: softmax(z) - onehot(y).
    let device = device().autodiff();
    let z = Tensor::<2>::from_data(TensorData::new(vec![1.0f32, 2.0, 3.0], [1, 3]), &device)
        .require_grad();
    let y = Tensor::<1, Int>::from_data(TensorData::new(vec![2i64], [1]), &device);
    let loss = CrossEntropyLoss::new(3).unwrap().forward(z.clone(), y);
    let grads = loss.backward();
    let grad: Vec<f32> = z
        .grad(&grads)
        .unwrap()
        .into_data()
        .try_to_vec::<f32>()
        .unwrap();
    let denominator = 1f64.exp() + 2f64.exp() + 3f64.exp();
    let expected = [
        1f64.exp() / denominator,
        2f64.exp() / denominator,
        3f64.exp() / denominator - 1.0,
    ];
    for (g, e) in grad.iter().zip(expected) {
        assert!((f64::from(*g) - e).abs() < 1e-5, "{grad:?} vs {expected:?}");
    }
}
