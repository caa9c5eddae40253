//! Progress bars for long training and evaluation work: loss, learning rate, texts per second
//! and ETA, drawn on standard error only when it is a terminal.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The bar's layout: label, bar, position, the values of the last update, ETA.
const TEMPLATE: &str = "{prefix} [{bar:30.cyan/blue}] {pos}/{len} {msg} ETA {eta}";

/// A progress bar over a known number of steps.
///
/// It draws on standard error when that is a terminal and stays hidden otherwise (logs, CI,
/// pipes), so loops can update it unconditionally. Cheap to clone: clones update the same bar.
///
/// ```
/// use jobfit_train::Progress;
///
/// let progress = Progress::new(100, "epoch 1/3");
/// progress.update(10, 0.6931, 2e-5, 42.0);
/// progress.finish();
/// ```
#[derive(Debug, Clone)]
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar over `total` steps, labelled `label` (e.g. `"epoch 1/3"`); hidden unless standard
    /// error is a terminal.
    pub fn new(total: u64, label: &str) -> Self {
        if std::io::stderr().is_terminal() {
            Self::with_target(total, label, ProgressDrawTarget::stderr())
        } else {
            Self::hidden(total, label)
        }
    }

    /// A bar that never draws (for tests, or when output must stay clean).
    pub fn hidden(total: u64, label: &str) -> Self {
        Self::with_target(total, label, ProgressDrawTarget::hidden())
    }

    fn with_target(total: u64, label: &str, target: ProgressDrawTarget) -> Self {
        let bar = ProgressBar::with_draw_target(Some(total), target);
        // The template is a constant checked by the tests.
        let style = ProgressStyle::with_template(TEMPLATE)
            .expect("the progress template is valid")
            .progress_chars("=> ");
        bar.set_style(style);
        bar.set_prefix(label.to_owned());
        Self { bar }
    }

    /// Whether the bar draws nothing.
    pub fn is_hidden(&self) -> bool {
        self.bar.is_hidden()
    }

    /// Moves to `step` (steps done) and shows the loss, learning rate and throughput.
    pub fn update(&self, step: u64, loss: f64, lr: f64, texts_per_s: f64) {
        self.bar.set_position(step);
        self.bar.set_message(format_values(loss, lr, texts_per_s));
    }

    /// Moves to `step` with a free-form message (for evaluation or embedding work).
    pub fn update_message(&self, step: u64, message: impl Into<String>) {
        self.bar.set_position(step);
        self.bar.set_message(message.into());
    }

    /// Changes the label (e.g. at a new epoch).
    pub fn set_label(&self, label: &str) {
        self.bar.set_prefix(label.to_owned());
    }

    /// Prints a line above the bar (or to standard error when the bar is hidden).
    pub fn println(&self, line: impl AsRef<str>) {
        if self.bar.is_hidden() {
            eprintln!("{}", line.as_ref());
        } else {
            self.bar.println(line.as_ref());
        }
    }

    /// The current position.
    pub fn position(&self) -> u64 {
        self.bar.position()
    }

    /// The message of the last update.
    pub fn message(&self) -> String {
        self.bar.message()
    }

    /// Leaves the bar drawn at its final state.
    pub fn finish(&self) {
        self.bar.finish();
    }
}

/// `loss 0.6931 lr 2.00e-5 42.0 texts/s`.
fn format_values(loss: f64, lr: f64, texts_per_s: f64) -> String {
    format!("loss {loss:.4} lr {lr:.2e} {texts_per_s:.1} texts/s")
}
