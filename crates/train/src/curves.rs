//! Training-curve pictures (SVG): the training loss and a validation metric per epoch, on two
//! panels, drawn from the metrics log and written next to the checkpoint.

use std::path::Path;

use plotters::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Result, TrainError};
use crate::log::{EventKind, LogEvent};

/// The usual file name of the curves picture in a run directory.
pub const CURVES_FILE: &str = "curves.svg";

/// More step losses than this are averaged in buckets before drawing.
const MAX_STEP_POINTS: usize = 1000;

const WIDTH: u32 = 960;
const HEIGHT: u32 = 420;

/// One point of the per-epoch history.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    /// Epochs done (fractional for validation in the middle of an epoch).
    pub epoch: f64,
    /// The mean training loss of the epoch, if known.
    pub train_loss: Option<f64>,
    /// The validation loss, if known.
    pub val_loss: Option<f64>,
    /// The validation metric, if known.
    pub val_metric: Option<f64>,
}

/// The history a curves picture shows.
///
/// Build it from a metrics log with [`from_events`](Self::from_events), or fill `points`
/// yourself. Non-finite values are not drawn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingCurves {
    /// The picture's title.
    pub title: String,
    /// The name of the validation metric (the right panel's axis).
    pub metric: String,
    /// Per-epoch (and mid-epoch validation) points, in epoch order.
    pub points: Vec<CurvePoint>,
    /// `(epoch, loss)` of single training steps, drawn faintly behind the epoch means.
    pub step_losses: Vec<(f64, f64)>,
}

impl TrainingCurves {
    /// The history in a metrics log: [`EventKind::Epoch`] and [`EventKind::Eval`] events give
    /// the points (the epoch's mean loss as `train_loss`, `val["loss"]` as `val_loss`,
    /// `val[metric]` as `val_metric`), [`EventKind::Step`] events the step losses.
    pub fn from_events(events: &[LogEvent], metric: &str) -> Self {
        let mut points = Vec::new();
        let mut step_losses = Vec::new();
        for e in events {
            match e.event {
                EventKind::Step => {
                    if let Some(loss) = e.loss {
                        step_losses.push((e.epoch, loss));
                    }
                }
                EventKind::Epoch | EventKind::Eval => points.push(CurvePoint {
                    epoch: e.epoch,
                    train_loss: if e.event == EventKind::Epoch {
                        e.loss
                    } else {
                        None
                    },
                    val_loss: e.val.get("loss").copied(),
                    val_metric: e.val.get(metric).copied(),
                }),
            }
        }
        points.sort_by(|a, b| a.epoch.total_cmp(&b.epoch));
        Self {
            title: format!("Training curves ({metric})"),
            metric: metric.to_owned(),
            points,
            step_losses,
        }
    }

    /// Sets the title.
    #[must_use]
    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    fn series(&self, value: impl Fn(&CurvePoint) -> Option<f64>) -> Vec<(f64, f64)> {
        self.points
            .iter()
            .filter_map(|p| value(p).map(|v| (p.epoch, v)))
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .collect()
    }

    fn steps(&self) -> Vec<(f64, f64)> {
        let finite: Vec<(f64, f64)> = self
            .step_losses
            .iter()
            .copied()
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .collect();
        if finite.len() <= MAX_STEP_POINTS {
            return finite;
        }
        let bucket = finite.len().div_ceil(MAX_STEP_POINTS);
        finite
            .chunks(bucket)
            .map(|c| {
                let n = c.len() as f64;
                (
                    c.iter().map(|p| p.0).sum::<f64>() / n,
                    c.iter().map(|p| p.1).sum::<f64>() / n,
                )
            })
            .collect()
    }

    /// Draws the picture as an SVG document.
    ///
    /// Left panel: training loss per epoch (with the validation loss when logged, and single
    /// step losses faintly); right panel: the validation metric per epoch.
    ///
    /// # Errors
    ///
    /// [`TrainError::EmptyHistory`] when there is no finite value to draw.
    pub fn to_svg(&self) -> Result<String> {
        let train = self.series(|p| p.train_loss);
        let val_loss = self.series(|p| p.val_loss);
        let metric = self.series(|p| p.val_metric);
        let steps = self.steps();
        if train.is_empty() && val_loss.is_empty() && metric.is_empty() && steps.is_empty() {
            return Err(TrainError::EmptyHistory);
        }
        let mut svg = String::new();
        draw(&mut svg, self, &train, &val_loss, &metric, &steps).map_err(|e| TrainError::Plot {
            message: e.to_string(),
        })?;
        Ok(svg)
    }

    /// Writes the picture to `path` atomically (usually `RUN_DIR/curves.svg`).
    ///
    /// # Errors
    ///
    /// [`to_svg`](Self::to_svg)'s errors, and [`TrainError::Model`] wrapping the I/O error of
    /// the atomic write.
    pub fn write_svg(&self, path: impl AsRef<Path>) -> Result<()> {
        let svg = self.to_svg()?;
        jobfit_model::write_atomic(path.as_ref(), svg.as_bytes())?;
        Ok(())
    }
}

/// Draws the curves of a metrics log to `path`: a shortcut for
/// [`TrainingCurves::from_events`] and [`TrainingCurves::write_svg`].
///
/// # Errors
///
/// As [`TrainingCurves::write_svg`].
pub fn write_curves(events: &[LogEvent], metric: &str, path: impl AsRef<Path>) -> Result<()> {
    TrainingCurves::from_events(events, metric).write_svg(path)
}

/// The x range covering every point, padded; a single epoch gets a unit-wide range.
fn x_range(series: &[&[(f64, f64)]]) -> std::ops::Range<f64> {
    let xs = series.iter().flat_map(|s| s.iter().map(|p| p.0));
    let (lo, hi) = bounds(xs).unwrap_or((0.0, 1.0));
    let lo = lo.min(0.0);
    if hi - lo < 1e-9 {
        lo..lo + 1.0
    } else {
        lo..hi + (hi - lo) * 0.02
    }
}

/// The y range covering every point with 5% padding; `unit` keeps [0, 1] when all values lie
/// there (metrics such as F1).
fn y_range(series: &[&[(f64, f64)]], unit: bool) -> std::ops::Range<f64> {
    let ys = series.iter().flat_map(|s| s.iter().map(|p| p.1));
    let Some((lo, hi)) = bounds(ys) else {
        return 0.0..1.0;
    };
    if unit && lo >= 0.0 && hi <= 1.0 {
        return 0.0..1.0;
    }
    let lo = if lo >= 0.0 { 0.0 } else { lo };
    let pad = ((hi - lo) * 0.05).max(1e-6);
    lo..hi + pad
}

fn bounds(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values.fold(None, |acc, v| match acc {
        None => Some((v, v)),
        Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
    })
}

type DrawResult = std::result::Result<(), Box<dyn std::error::Error>>;

fn draw(
    svg: &mut String,
    curves: &TrainingCurves,
    train: &[(f64, f64)],
    val_loss: &[(f64, f64)],
    metric: &[(f64, f64)],
    steps: &[(f64, f64)],
) -> DrawResult {
    let root = SVGBackend::with_string(svg, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE)?;
    let root = root.titled(&curves.title, ("sans-serif", 22))?;
    let panels = root.split_evenly((1, 2));

    let loss_series: [&[(f64, f64)]; 3] = [train, val_loss, steps];
    let mut chart = ChartBuilder::on(&panels[0])
        .caption("Loss", ("sans-serif", 16))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(x_range(&loss_series), y_range(&loss_series, false))?;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .y_desc("loss")
        .draw()?;
    if !steps.is_empty() {
        let faint = BLUE.mix(0.25);
        chart
            .draw_series(LineSeries::new(steps.iter().copied(), faint))?
            .label("step loss")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], faint));
    }
    if !train.is_empty() {
        chart
            .draw_series(LineSeries::new(train.iter().copied(), BLUE.stroke_width(2)))?
            .label("train loss (epoch mean)")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLUE.stroke_width(2)));
        chart.draw_series(train.iter().map(|&p| Circle::new(p, 3, BLUE.filled())))?;
    }
    if !val_loss.is_empty() {
        chart
            .draw_series(LineSeries::new(
                val_loss.iter().copied(),
                RED.stroke_width(2),
            ))?
            .label("validation loss")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RED.stroke_width(2)));
        chart.draw_series(val_loss.iter().map(|&p| Circle::new(p, 3, RED.filled())))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()?;

    let metric_series: [&[(f64, f64)]; 1] = [metric];
    let green = RGBColor(0, 140, 60);
    let mut chart = ChartBuilder::on(&panels[1])
        .caption(format!("Validation {}", curves.metric), ("sans-serif", 16))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(x_range(&metric_series), y_range(&metric_series, true))?;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .y_desc(curves.metric.as_str())
        .draw()?;
    if !metric.is_empty() {
        chart
            .draw_series(LineSeries::new(
                metric.iter().copied(),
                green.stroke_width(2),
            ))?
            .label(format!("validation {}", curves.metric))
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], green.stroke_width(2))
            });
        chart.draw_series(metric.iter().map(|&p| Circle::new(p, 3, green.filled())))?;
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()?;
    }
    root.present()?;
    Ok(())
}
