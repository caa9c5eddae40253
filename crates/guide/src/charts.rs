//! SVG charts for the market report, drawn with plotters: horizontal bars,
//! pay ranges (interquartile range and median) and lines over months.

use plotters::prelude::*;

use crate::error::{GuideError, Result};

type DrawResult = std::result::Result<(), Box<dyn std::error::Error>>;

const WIDTH: u32 = 900;
const FONT: &str = "sans-serif";

/// A rough width in pixels of a label at 12 px: CJK characters count double.
fn label_width(labels: &[String]) -> u32 {
    let widest = labels
        .iter()
        .map(|label| {
            label
                .chars()
                .map(|c| if c.is_ascii() { 7 } else { 13 })
                .sum::<u32>()
        })
        .max()
        .unwrap_or(0);
    (widest + 16).clamp(60, 360)
}

/// The row (or column) `0..n` at an axis position, when the position is a
/// whole number: labels go on whole positions only.
fn row_of(position: f64, n: usize) -> Option<usize> {
    let rounded = position.round();
    ((position - rounded).abs() < 1e-6 && rounded >= 0.0 && rounded < n as f64)
        .then_some(rounded as usize)
}

/// Cuts a label to `max` characters.
fn clip(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_string()
    } else {
        let mut out: String = label.chars().take(max - 1).collect();
        out.push('…');
        out
    }
}

fn plot_error(chart: &str, error: &dyn std::error::Error) -> GuideError {
    GuideError::Plot {
        chart: chart.to_string(),
        message: error.to_string(),
    }
}

/// Horizontal bars, largest on top, each labelled with `format(value)`.
///
/// # Errors
///
/// [`GuideError::Plot`] when plotters fails, [`GuideError::InvalidOption`]
/// without items.
pub fn bars(
    title: &str,
    x_desc: &str,
    items: &[(String, f64)],
    format: &dyn Fn(f64) -> String,
) -> Result<String> {
    if items.is_empty() {
        return Err(GuideError::option(
            "chart items",
            0,
            "draw at least one bar",
        ));
    }
    let labels: Vec<String> = items.iter().map(|(label, _)| clip(label, 40)).collect();
    let height = 90 + 24 * items.len() as u32;
    let mut svg = String::new();
    draw_bars(&mut svg, title, x_desc, items, &labels, format, height)
        .map_err(|e| plot_error(title, e.as_ref()))?;
    Ok(svg)
}

fn draw_bars(
    svg: &mut String,
    title: &str,
    x_desc: &str,
    items: &[(String, f64)],
    labels: &[String],
    format: &dyn Fn(f64) -> String,
    height: u32,
) -> DrawResult {
    let n = items.len();
    let max = items.iter().map(|(_, v)| *v).fold(0.0, f64::max);
    let x_max = if max > 0.0 { max * 1.18 } else { 1.0 };
    let root = SVGBackend::with_string(svg, (WIDTH, height)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, (FONT, 18))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(label_width(labels))
        .build_cartesian_2d(0f64..x_max, -0.5f64..n as f64 - 0.5)?;
    // Row i of the chart (from the bottom) shows item n - 1 - i (largest on top).
    let label_of = |y: &f64| row_of(*y, n).map_or_else(String::new, |i| labels[n - 1 - i].clone());
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(n)
        .y_label_formatter(&label_of)
        .x_desc(x_desc)
        .x_label_formatter(&|x| format(*x))
        .draw()?;
    let color = RGBColor(52, 101, 164);
    chart.draw_series(items.iter().enumerate().map(|(k, (_, value))| {
        let y = (n - 1 - k) as f64;
        Rectangle::new(
            [(0.0, y - 0.38), (*value, y + 0.38)],
            color.mix(0.85).filled(),
        )
    }))?;
    chart.draw_series(items.iter().enumerate().map(|(k, (_, value))| {
        Text::new(
            format!(" {}", format(*value)),
            (*value, (n - 1 - k) as f64 + 0.25),
            (FONT, 12).into_font(),
        )
    }))?;
    root.present()?;
    Ok(())
}

/// Pay ranges: for each item a bar from the 25th to the 75th percentile and
/// a dot at the median, highest median on top.
///
/// # Errors
///
/// As [`bars`].
pub fn ranges(
    title: &str,
    x_desc: &str,
    items: &[(String, f64, f64, f64)],
    format: &dyn Fn(f64) -> String,
) -> Result<String> {
    if items.is_empty() {
        return Err(GuideError::option(
            "chart items",
            0,
            "draw at least one range",
        ));
    }
    let labels: Vec<String> = items.iter().map(|(label, ..)| clip(label, 40)).collect();
    let height = 90 + 24 * items.len() as u32;
    let mut svg = String::new();
    draw_ranges(&mut svg, title, x_desc, items, &labels, format, height)
        .map_err(|e| plot_error(title, e.as_ref()))?;
    Ok(svg)
}

fn draw_ranges(
    svg: &mut String,
    title: &str,
    x_desc: &str,
    items: &[(String, f64, f64, f64)],
    labels: &[String],
    format: &dyn Fn(f64) -> String,
    height: u32,
) -> DrawResult {
    let n = items.len();
    let max = items.iter().map(|item| item.3).fold(0.0, f64::max);
    let x_max = if max > 0.0 { max * 1.1 } else { 1.0 };
    let root = SVGBackend::with_string(svg, (WIDTH, height)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, (FONT, 18))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(label_width(labels))
        .build_cartesian_2d(0f64..x_max, -0.5f64..n as f64 - 0.5)?;
    let label_of = |y: &f64| row_of(*y, n).map_or_else(String::new, |i| labels[n - 1 - i].clone());
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(n)
        .y_label_formatter(&label_of)
        .x_desc(x_desc)
        .x_label_formatter(&|x| format(*x))
        .draw()?;
    let color = RGBColor(78, 154, 6);
    chart.draw_series(items.iter().enumerate().map(|(k, (_, p25, _, p75))| {
        let y = (n - 1 - k) as f64;
        Rectangle::new([(*p25, y - 0.3), (*p75, y + 0.3)], color.mix(0.45).filled())
    }))?;
    chart.draw_series(items.iter().enumerate().map(|(k, (_, _, median, _))| {
        Circle::new((*median, (n - 1 - k) as f64), 4, color.filled())
    }))?;
    root.present()?;
    Ok(())
}

/// Lines over labelled points (months): one line per series, with a legend.
///
/// # Errors
///
/// As [`bars`].
pub fn lines(
    title: &str,
    y_desc: &str,
    x_labels: &[String],
    series: &[(String, Vec<f64>)],
    format: &dyn Fn(f64) -> String,
) -> Result<String> {
    if x_labels.is_empty() || series.is_empty() {
        return Err(GuideError::option(
            "chart points",
            0,
            "draw at least one point",
        ));
    }
    let mut svg = String::new();
    draw_lines(&mut svg, title, y_desc, x_labels, series, format)
        .map_err(|e| plot_error(title, e.as_ref()))?;
    Ok(svg)
}

fn draw_lines(
    svg: &mut String,
    title: &str,
    y_desc: &str,
    x_labels: &[String],
    series: &[(String, Vec<f64>)],
    format: &dyn Fn(f64) -> String,
) -> DrawResult {
    let m = x_labels.len();
    let max = series
        .iter()
        .flat_map(|(_, values)| values.iter().copied())
        .fold(0.0, f64::max);
    let y_max = if max > 0.0 { max * 1.15 } else { 1.0 };
    let root = SVGBackend::with_string(svg, (WIDTH, 420)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, (FONT, 18))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(64)
        .build_cartesian_2d(-0.5f64..m as f64 - 0.5, 0f64..y_max)?;
    let label_of = |x: &f64| row_of(*x, m).map_or_else(String::new, |i| x_labels[i].clone());
    chart
        .configure_mesh()
        .x_labels(m)
        .x_label_formatter(&label_of)
        .y_desc(y_desc)
        .y_label_formatter(&|y| format(*y))
        .draw()?;
    for (k, (name, values)) in series.iter().enumerate() {
        let color = Palette99::pick(k).to_rgba();
        let points: Vec<(f64, f64)> = values
            .iter()
            .enumerate()
            .take(m)
            .map(|(i, v)| (i as f64, *v))
            .collect();
        chart
            .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))?
            .label(name.as_str())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
        chart.draw_series(
            points
                .into_iter()
                .map(|p| Circle::new(p, 3, color.filled())),
        )?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_svg_with_their_labels() {
        let items = vec![("SQL".to_string(), 0.5), ("数据分析".to_string(), 0.25)];
        let svg = bars("Skills", "share", &items, &|v| format!("{:.0}%", v * 100.0)).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("SQL") && svg.contains("数据分析"));
        assert!(svg.contains("50%"));
        let svg = ranges(
            "Pay",
            "CNY per month",
            &[("上海".to_string(), 8000.0, 10000.0, 15000.0)],
            &|v| format!("{v:.0}"),
        )
        .unwrap();
        assert!(svg.contains("上海"));
        let svg = lines(
            "Demand",
            "share",
            &["2019-08".to_string(), "2019-09".to_string()],
            &[("SQL".to_string(), vec![0.2, 0.3])],
            &|v| format!("{v:.1}"),
        )
        .unwrap();
        assert!(svg.contains("2019-09") && svg.contains("SQL"));
        assert!(bars("Empty", "", &[], &|v| v.to_string()).is_err());
    }
}
