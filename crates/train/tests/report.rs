//! What a user sees: the metrics log, the curves picture and the progress bar.

use jobfit_train::{
    CURVES_FILE, EventKind, LogEvent, MetricsLog, Progress, TrainError, TrainingCurves,
    read_metrics_log, write_curves,
};

fn history() -> Vec<LogEvent> {
    let mut events = Vec::new();
    for epoch in 1..=3 {
        for s in 0..4 {
            let step = (epoch - 1) * 4 + s + 1;
            let loss = 2.0 / step as f64;
            events.push(LogEvent::step(step, step as f64 / 4.0, loss, 2e-5, 40.0));
        }
        events.push(
            LogEvent::epoch(epoch * 4, epoch as f64, 1.5 / epoch as f64)
                .with_val("macro_f1", 0.3 + 0.1 * epoch as f64)
                .with_val("loss", 1.6 / epoch as f64)
                .with_elapsed_s(10.0 * epoch as f64),
        );
    }
    events
}

#[test]
fn log_lines_round_trip_and_flush_per_write() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run/metrics.jsonl");
    let events = history();
    let mut log = MetricsLog::create(&path).unwrap();
    log.write(&events[0]).unwrap();
    // Visible before the writer is dropped.
    assert_eq!(read_metrics_log(&path).unwrap(), events[..1]);
    for e in &events[1..] {
        log.write(e).unwrap();
    }
    drop(log);
    assert_eq!(read_metrics_log(&path).unwrap(), events);

    let text = std::fs::read_to_string(&path).unwrap();
    let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(first["event"], "step");
    assert_eq!(first["step"], 1);
    assert_eq!(first["loss"], 2.0);
    assert_eq!(first["texts_per_s"], 40.0);
    // Absent values are left out.
    assert!(first.get("val").is_none() && first.get("elapsed_s").is_none());
    let epoch: serde_json::Value = serde_json::from_str(text.lines().nth(4).unwrap()).unwrap();
    assert_eq!(epoch["event"], "epoch");
    assert_eq!(epoch["val"]["macro_f1"], 0.4);

    // Appending (a resumed run) keeps the earlier lines.
    let mut log = MetricsLog::append(&path).unwrap();
    log.write(&LogEvent::new(EventKind::Eval, 13, 3.25).with_val("macro_f1", 0.5))
        .unwrap();
    assert_eq!(read_metrics_log(&path).unwrap().len(), events.len() + 1);
}

#[test]
fn log_reader_ignores_a_cut_last_line_but_not_a_bad_middle_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("metrics.jsonl");
    let good = serde_json::to_string(&LogEvent::step(1, 0.1, 0.5, 1e-5, 3.0)).unwrap();
    std::fs::write(&path, format!("{good}\n{{\"event\":\"st")).unwrap();
    assert_eq!(read_metrics_log(&path).unwrap().len(), 1);
    std::fs::write(&path, format!("not json\n{good}\n")).unwrap();
    let err = read_metrics_log(&path).unwrap_err();
    assert!(err.to_string().contains(":1:"), "{err}");
    assert!(matches!(
        read_metrics_log(dir.path().join("absent.jsonl")),
        Err(TrainError::Io { .. })
    ));
}

#[test]
fn non_finite_loss_is_logged_as_null() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("metrics.jsonl");
    let mut log = MetricsLog::create(&path).unwrap();
    log.write(&LogEvent::step(7, 0.5, f64::NAN, 1e-5, 3.0))
        .unwrap();
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .contains("\"loss\":null")
    );
    assert_eq!(read_metrics_log(&path).unwrap()[0].loss, None);
}

#[test]
fn curves_from_events_pick_epoch_points() {
    let curves = TrainingCurves::from_events(&history(), "macro_f1");
    assert_eq!(curves.points.len(), 3);
    assert_eq!(curves.step_losses.len(), 12);
    let p = curves.points[1];
    assert_eq!(p.epoch, 2.0);
    assert_eq!(p.train_loss, Some(0.75));
    assert_eq!(p.val_loss, Some(0.8));
    assert!((p.val_metric.unwrap() - 0.5).abs() < 1e-12);
}

/// Checks the document is SVG and returns how many polylines or paths it has.
fn svg_shapes(svg: &str) -> usize {
    let body = svg.trim_start();
    let body = body
        .strip_prefix("<?xml")
        .map_or(body, |rest| &rest[rest.find("?>").unwrap() + 2..])
        .trim_start();
    assert!(
        body.starts_with("<svg"),
        "not an SVG document: {}",
        &svg[..80.min(svg.len())]
    );
    assert!(svg.trim_end().ends_with("</svg>"));
    svg.matches("<polyline").count() + svg.matches("<path").count()
}

#[test]
fn curves_svg_holds_both_panels_and_their_series() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(CURVES_FILE);
    write_curves(&history(), "macro_f1", &path).unwrap();
    let svg = std::fs::read_to_string(&path).unwrap();
    // Step losses, train loss, validation loss and the metric: four line series, plus legend
    // samples.
    assert!(svg_shapes(&svg) >= 4);
    for text in [
        "Training curves (macro_f1)",
        "Loss",
        "Validation macro_f1",
        "epoch",
        "train loss (epoch mean)",
        "validation loss",
    ] {
        assert!(svg.contains(text), "missing {text:?}");
    }
    // No temporary file is left next to it.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn a_single_epoch_still_draws() {
    let events = [LogEvent::epoch(10, 1.0, 0.9).with_val("accuracy", 0.7)];
    let svg = TrainingCurves::from_events(&events, "accuracy")
        .with_title("one epoch")
        .to_svg()
        .unwrap();
    assert!(svg_shapes(&svg) >= 2);
    assert!(svg.contains("one epoch"));
}

#[test]
fn empty_history_is_a_typed_error() {
    let empty = TrainingCurves::from_events(&[], "macro_f1");
    assert!(matches!(empty.to_svg(), Err(TrainError::EmptyHistory)));
    // Only non-finite values: nothing to draw either.
    let nan = [LogEvent::epoch(1, 1.0, f64::NAN)];
    assert!(matches!(
        TrainingCurves::from_events(&nan, "macro_f1").to_svg(),
        Err(TrainError::EmptyHistory)
    ));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(CURVES_FILE);
    assert!(write_curves(&[], "macro_f1", &path).is_err());
    assert!(!path.exists());
}

#[test]
fn progress_updates_a_hidden_bar() {
    let progress = Progress::hidden(10, "epoch 1/2");
    assert!(progress.is_hidden());
    progress.update(3, 0.812_34, 2e-5, 41.25);
    assert_eq!(progress.position(), 3);
    assert_eq!(progress.message(), "loss 0.8123 lr 2.00e-5 41.2 texts/s");
    progress.update_message(4, "embedding");
    assert_eq!(progress.message(), "embedding");
    progress.set_label("epoch 2/2");
    progress.finish();
    // Under the test harness standard error is captured, not a terminal.
    let auto = Progress::new(5, "x");
    auto.update(1, 1.0, 1e-3, 1.0);
    auto.finish();
}
