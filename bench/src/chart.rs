//! `bench/report.png`: latency percentiles per scenario (log scale) and throughput ratios to the
//! hello-world baseline. Text is drawn with a TrueType font loaded at run time (`BENCH_FONT`, else
//! DejaVu Sans or Liberation Sans from the usual Debian paths), so no fontconfig is needed.

use std::path::Path;

use anyhow::{Context, bail};
use plotters::prelude::*;

use crate::run::{RunResult, median};
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

pub fn draw(path: &Path, r: &RunResult) -> anyhow::Result<()> {
    load_font()?;
    let root = BitMapBackend::new(path, (1400, 560)).into_drawing_area();
    root.fill(&WHITE)?;
    let (left, right) = root.split_horizontally(800);

    // Latency: p50 / p90 / p99 per scenario (medians over rounds for the closed-loop ones).
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
            "book→CONFIRMED: none"
        } else {
            "book→CONFIRMED"
        };
        rows.push((name.into(), [o.p50_ms, o.p90_ms, o.p99_ms]));
    }
    let top = rows.iter().flat_map(|r| r.1).fold(1.0, f64::max) * 2.0;
    let names: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    let mut chart = ChartBuilder::on(&left)
        .caption(
            "Latency (ms, log scale; this machine only)",
            ("sans-serif", 22),
        )
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..rows.len() as f64, (0.05..top).log_scale())?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(rows.len() * 2 + 1)
        .x_label_formatter(&|x| {
            let i = x.floor() as usize;
            if (x - x.floor() - 0.5).abs() < 0.01 {
                names.get(i).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .label_style(("sans-serif", 14))
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

    // Throughput ratios to hello-world.
    let hello = r.median_per_s("hello").unwrap_or(0.0);
    let mut bars: Vec<(String, f64)> = CLOSED[1..]
        .iter()
        .filter_map(|c| median(&r.ratios(c.key)).map(|v| (c.name.to_string(), v)))
        .collect();
    let best = r
        .sustained
        .iter()
        .filter(|s| s.absorbed)
        .map(|s| s.outcome.target_per_s.unwrap_or(0.0))
        .fold(0.0, f64::max);
    if hello > 0.0 && !r.sustained.is_empty() {
        bars.push(("sustained".into(), best / hello));
    }
    let ymax = bars.iter().map(|b| b.1).fold(0.3, f64::max) * 1.2;
    let bar_names: Vec<String> = bars.iter().map(|b| b.0.clone()).collect();
    let mut chart = ChartBuilder::on(&right)
        .caption("Throughput ÷ hello-world (same run)", ("sans-serif", 22))
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(0.0..bars.len().max(1) as f64, 0.0..ymax)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(bars.len() * 2 + 1)
        .x_label_formatter(&|x| {
            let i = x.floor() as usize;
            if (x - x.floor() - 0.5).abs() < 0.01 {
                bar_names.get(i).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .label_style(("sans-serif", 14))
        .draw()?;
    chart.draw_series(bars.iter().enumerate().map(|(j, b)| {
        Rectangle::new(
            [(j as f64 + 0.2, 0.0), (j as f64 + 0.8, b.1)],
            COLORS[0].filled(),
        )
    }))?;
    chart.draw_series(bars.iter().enumerate().map(|(j, b)| {
        Text::new(
            format!("{:.3}", b.1),
            (j as f64 + 0.35, b.1 + ymax * 0.02),
            ("sans-serif", 14),
        )
    }))?;
    chart
        .draw_series(LineSeries::new(
            [(0.0, 0.25), (bars.len().max(1) as f64, 0.25)],
            COLORS[2].stroke_width(2),
        ))?
        .label("booking goal 0.25×")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 15, y)], COLORS[2].stroke_width(2)));
    chart
        .configure_series_labels()
        .border_style(BLACK)
        .background_style(WHITE.mix(0.8))
        .label_font(("sans-serif", 14))
        .draw()?;
    root.present()?;
    Ok(())
}
