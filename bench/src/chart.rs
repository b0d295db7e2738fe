//! `bench/report.png`: per host, latency percentiles per scenario (log scale) and throughput
//! ratios to the hello-world and floor baselines. Text is drawn with a TrueType font loaded at run time (`BENCH_FONT`, else
//! DejaVu Sans or Liberation Sans from the usual Debian paths), so no fontconfig is needed.

use std::path::Path;

use anyhow::{Context, bail};
use plotters::prelude::*;

use crate::run::{Run, RunResult, median};
use crate::scenarios::{CLOSED, Closed};

const FONTS: [&str; 3] = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
];

fn load_font() -> anyhow::Result<()> {
    let path = std::env::var("BENCH_FONT")
        .ok()
        .or_else(|| {
            FONTS
                .iter()
                .find(|p| Path::new(p).is_file())
                .map(|p| p.to_string())
        })
        .context("no TrueType font found: set BENCH_FONT to a .ttf file")?;
    let bytes: &'static [u8] = Box::leak(std::fs::read(&path)?.into_boxed_slice());
    if plotters::style::register_font("sans-serif", FontStyle::Normal, bytes).is_err() {
        bail!("{path} is not a usable font");
    }
    Ok(())
}

const COLORS: [RGBColor; 3] = [
    RGBColor(70, 130, 180),
    RGBColor(240, 160, 40),
    RGBColor(200, 60, 60),
];

/// One row per host: latency percentiles (left) and throughput ratios to both baselines (right).
pub fn draw(path: &Path, run: &Run) -> anyhow::Result<()> {
    load_font()?;
    let rows = run.hosts.len().max(1) as u32;
    let root = BitMapBackend::new(path, (1400, 560 * rows)).into_drawing_area();
    root.fill(&WHITE)?;
    for (area, r) in root
        .split_evenly((run.hosts.len().max(1), 1))
        .iter()
        .zip(&run.hosts)
    {
        let (left, right) = area.split_horizontally(760);
        latency(&left, r)?;
        ratios(&right, r)?;
    }
    root.present()?;
    Ok(())
}

type Area<'a> = DrawingArea<BitMapBackend<'a>, plotters::coord::Shift>;

/// p50 / p90 / p99 per scenario (medians over rounds for the closed-loop ones), log scale.
fn latency(area: &Area<'_>, r: &RunResult) -> anyhow::Result<()> {
    let mut rows: Vec<(String, [f64; 3])> = Vec::new();
    for &Closed { key, name, .. } in &CLOSED {
        if let Some(v) = r.closed.get(key) {
            let m = |f: fn(&crate::load::Outcome) -> f64| {
                median(&v.iter().map(f).collect::<Vec<_>>()).unwrap_or(0.0)
            };
            rows.push((
                name.into(),
                [m(|o| o.p50_ms), m(|o| o.p90_ms), m(|o| o.p99_ms)],
            ));
        }
    }
    if let Some(e) = &r.e2e {
        let o = &e.outcome;
        let name = if o.ok == 0 {
            "→CONFIRMED: none"
        } else {
            "→CONFIRMED"
        };
        rows.push((name.into(), [o.p50_ms, o.p90_ms, o.p99_ms]));
    }
    let top = rows.iter().flat_map(|r| r.1).fold(1.0, f64::max) * 2.0;
    let names: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    let mut chart = ChartBuilder::on(area)
        .caption(
            format!(
                "{}: latency (ms, log scale; this machine only)",
                r.kind.name()
            ),
            ("sans-serif", 22),
        )
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..rows.len().max(1) as f64, (0.05..top).log_scale())?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(rows.len() * 2 + 1)
        .x_label_formatter(&|x| label_at(&names, *x))
        .label_style(("sans-serif", 12))
        .draw()?;
    for (k, label) in ["p50", "p90", "p99"].iter().enumerate() {
        let color = COLORS[k];
        chart
            .draw_series(rows.iter().enumerate().map(|(j, row)| {
                let x0 = j as f64 + 0.1 + k as f64 * 0.27;
                Rectangle::new(
                    [(x0, 0.05), (x0 + 0.25, row.1[k].max(0.06))],
                    color.filled(),
                )
            }))?
            .label(*label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled()));
    }
    chart
        .configure_series_labels()
        .border_style(BLACK)
        .background_style(WHITE.mix(0.8))
        .label_font(("sans-serif", 14))
        .position(SeriesLabelPosition::UpperLeft)
        .draw()?;
    Ok(())
}

/// Each scenario's throughput ÷ hello-world and ÷ the floor app (same host, same rounds), log
/// scale, with issue 17's booking goal (0.5× the floor) as a line.
fn ratios(area: &Area<'_>, r: &RunResult) -> anyhow::Result<()> {
    let lowest = 0.001;
    let mut bars: Vec<(String, [Option<f64>; 2])> = CLOSED[2..]
        .iter()
        .map(|c| {
            (
                c.name.to_string(),
                [
                    median(&r.ratios_to(c.key, "hello")),
                    median(&r.ratios_to(c.key, "floor")),
                ],
            )
        })
        .filter(|b| b.1.iter().any(Option::is_some))
        .collect();
    let hello = r.median_per_s("hello").unwrap_or(0.0);
    let floor = r.median_per_s("floor").unwrap_or(0.0);
    if !r.sustained.is_empty() {
        let best = r.best_absorbed();
        let of = |b: f64| (b > 0.0).then(|| best / b);
        bars.push(("sustained".into(), [of(hello), of(floor)]));
    }
    let ymax = bars
        .iter()
        .flat_map(|b| b.1.iter().flatten().copied())
        .fold(1.0, f64::max)
        * 2.0;
    let bar_names: Vec<String> = bars.iter().map(|b| b.0.clone()).collect();
    let mut chart = ChartBuilder::on(area)
        .caption(
            format!("{}: throughput ÷ baselines (same run)", r.kind.name()),
            ("sans-serif", 22),
        )
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(0.0..bars.len().max(1) as f64, (lowest..ymax).log_scale())?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(bars.len() * 2 + 1)
        .x_label_formatter(&|x| label_at(&bar_names, *x))
        .label_style(("sans-serif", 12))
        .draw()?;
    for (k, label) in ["÷ hello", "÷ floor"].iter().enumerate() {
        let color = COLORS[k];
        let x = |j: usize| j as f64 + 0.1 + k as f64 * 0.4;
        chart
            .draw_series(bars.iter().enumerate().filter_map(|(j, b)| {
                let v = b.1[k]?;
                Some(Rectangle::new(
                    [(x(j), lowest), (x(j) + 0.38, v.max(lowest))],
                    color.filled(),
                ))
            }))?
            .label(*label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled()));
        chart.draw_series(bars.iter().enumerate().filter_map(|(j, b)| {
            let v = b.1[k]?;
            Some(Text::new(
                format!("{v:.3}"),
                (x(j), v.max(lowest) * 1.15),
                ("sans-serif", 11),
            ))
        }))?;
    }
    chart
        .draw_series(LineSeries::new(
            [(0.0, 0.5), (bars.len().max(1) as f64, 0.5)],
            COLORS[2].stroke_width(2),
        ))?
        .label("booking goal: 0.5× floor")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 15, y)], COLORS[2].stroke_width(2)));
    chart
        .configure_series_labels()
        .border_style(BLACK)
        .background_style(WHITE.mix(0.8))
        .label_font(("sans-serif", 14))
        .position(SeriesLabelPosition::UpperRight)
        .draw()?;
    Ok(())
}

/// The name of the bar group whose centre is at `x` (the axis has a tick every half unit).
fn label_at(names: &[String], x: f64) -> String {
    let i = x.floor() as usize;
    if (x - x.floor() - 0.5).abs() < 0.01 {
        names.get(i).cloned().unwrap_or_default()
    } else {
        String::new()
    }
}
