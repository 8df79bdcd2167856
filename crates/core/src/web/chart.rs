//! Small server-rendered SVG charts: lines over time ([`LineChart`]) and bars ([`BarChart`]).
//!
//! Every chart is accessible the same way: the `<svg>` is `role="img"` named by its `<title>`
//! and described by a `<desc>` (how many values, the range, the latest), and [`LineChart::render`]
//! / [`BarChart::render`] append the values as a table (`<details class="chart-data">`) that
//! screen readers and anyone who wants the numbers can read. No script and no `style=` (the CSP
//! forbids inline style): colours come from classes in `static/css/app.css` (`series-1` …
//! `series-4`), with presentation attributes as a fallback.
//!
//! ```ignore
//! let chart = LineChart::new("chart-pulse", "Pulse", "/min")
//!     .series(Series::new("Pulse", 2, points))
//!     .normal(60.0, 100.0);
//! // template: <figure class="card chart"><figcaption>{{ chart.caption() }}</figcaption>{{ chart.render()|safe }}</figure>
//! ```

use std::fmt::Write;

use time::OffsetDateTime;

const W: f64 = 640.0;
const H: f64 = 220.0;
const LEFT: f64 = 52.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 34.0;

/// The fallback colours of `series-1` … `series-4`.
const STROKES: [&str; 4] = ["#005eb8", "#c2210f", "#00703c", "#330072"];

/// One line of a [`LineChart`].
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    /// Its colour: `series-1` … `series-4`.
    pub colour: usize,
    pub points: Vec<(OffsetDateTime, f64)>,
}

impl Series {
    pub fn new(name: impl Into<String>, colour: usize, points: Vec<(OffsetDateTime, f64)>) -> Series {
        Series { name: name.into(), colour: colour.clamp(1, 4), points }
    }
}

/// Values over time, one or more lines, with an optional shaded normal range.
#[derive(Debug, Clone)]
pub struct LineChart {
    pub id: String,
    pub title: String,
    pub unit: String,
    pub series: Vec<Series>,
    /// A shaded reference (normal) range.
    pub normal: Option<(f64, f64)>,
    /// How times are written (the data table, the points' tooltips).
    pub time_label: fn(OffsetDateTime) -> String,
}

/// "YYYY-MM-DD HH:MM" (UTC).
pub fn utc_minutes(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!("{} {:02}:{:02}", t.date(), t.hour(), t.minute())
}

impl LineChart {
    pub fn new(id: impl Into<String>, title: impl Into<String>, unit: impl Into<String>) -> LineChart {
        LineChart {
            id: id.into(),
            title: title.into(),
            unit: unit.into(),
            series: Vec::new(),
            normal: None,
            time_label: utc_minutes,
        }
    }

    pub fn series(mut self, s: Series) -> LineChart {
        self.series.push(s);
        self
    }

    pub fn normal(mut self, low: f64, high: f64) -> LineChart {
        self.normal = Some((low, high));
        self
    }

    /// Writes times with `f` (e.g. in the facility's time zone).
    pub fn times(mut self, f: fn(OffsetDateTime) -> String) -> LineChart {
        self.time_label = f;
        self
    }

    /// Number of plotted values across all series.
    pub fn len(&self) -> usize {
        self.series.iter().map(|s| s.points.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// "Temperature (°C) · latest 36.6"
    pub fn caption(&self) -> String {
        let latest: Vec<String> =
            self.series.iter().filter_map(|se| se.points.last().map(|(_, v)| fmt_num(*v))).collect();
        format!("{} ({}) · latest {}", self.title, self.unit, latest.join("/"))
    }

    /// The chart (`<svg>` and its data table), or a note when there is nothing to draw.
    pub fn render(&self) -> String {
        let (id, title, unit) = (escape(&self.id), escape(&self.title), escape(&self.unit));
        let all: Vec<(OffsetDateTime, f64)> = self.series.iter().flat_map(|s| s.points.iter().copied()).collect();
        if all.is_empty() {
            return format!("<p class=\"muted\">No {} recorded yet.</p>", title.to_lowercase());
        }
        let (lo, hi, pad) = value_range(all.iter().map(|(_, v)| *v), self.normal);
        let t0 = all.iter().map(|(t, _)| *t).min().unwrap_or_else(OffsetDateTime::now_utc);
        let t1 = all.iter().map(|(t, _)| *t).max().unwrap_or(t0);
        let span = (t1 - t0).as_seconds_f64().max(1.0);
        let x = |t: OffsetDateTime| {
            if t1 == t0 {
                LEFT + (W - LEFT - RIGHT) / 2.0
            } else {
                LEFT + (t - t0).as_seconds_f64() / span * (W - LEFT - RIGHT)
            }
        };
        let y = |v: f64| TOP + (hi - v) / (hi - lo) * (H - TOP - BOTTOM);
        let latest: Vec<String> = self
            .series
            .iter()
            .filter_map(|se| se.points.last().map(|(_, v)| format!("{} {} {unit}", escape(&se.name), fmt_num(*v))))
            .collect();
        let desc =
            format!("{} readings from {} to {}; latest: {}.", all.len(), t0.date(), t1.date(), latest.join(", "));
        let mut s = open_svg(&id, &format!("{title} ({unit})"), &desc);
        if let Some((a, b)) = self.normal {
            let _ = write!(
                s,
                "<rect class=\"normal-band\" x=\"{LEFT}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#e4f3ea\"/>",
                y(b),
                W - LEFT - RIGHT,
                (y(a) - y(b)).max(0.0)
            );
        }
        value_grid(&mut s, lo, hi, pad, y);
        let _ = write!(
            s,
            "<text class=\"axis\" x=\"{LEFT}\" y=\"{:.1}\" font-size=\"11\" fill=\"#4c6272\">{}</text>\
             <text class=\"axis\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"11\" fill=\"#4c6272\">{}</text>",
            H - 10.0,
            t0.date(),
            W - RIGHT,
            H - 10.0,
            t1.date()
        );
        for se in self.series.iter().filter(|se| !se.points.is_empty()) {
            let (class, stroke) = colour(se.colour);
            let pts: Vec<String> = se.points.iter().map(|(t, v)| format!("{:.1},{:.1}", x(*t), y(*v))).collect();
            let _ = write!(
                s,
                "<polyline class=\"line {class}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"2\" points=\"{}\"/>",
                pts.join(" ")
            );
            for (t, v) in &se.points {
                let _ = write!(
                    s,
                    "<circle class=\"dot {class}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{stroke}\"><title>{} {} {unit} at {}</title></circle>",
                    x(*t),
                    y(*v),
                    escape(&se.name),
                    fmt_num(*v),
                    escape(&(self.time_label)(*t))
                );
            }
        }
        s.push_str("</svg>");
        // The text alternative: one row per time, one column per series.
        let mut times: Vec<OffsetDateTime> = all.iter().map(|(t, _)| *t).collect();
        times.sort();
        times.dedup();
        let mut head = vec!["Time".to_string()];
        head.extend(self.series.iter().map(|se| format!("{} ({unit})", escape(&se.name))));
        let rows: Vec<Vec<String>> = times
            .iter()
            .map(|t| {
                let mut row = vec![escape(&(self.time_label)(*t))];
                row.extend(self.series.iter().map(|se| {
                    se.points.iter().find(|(pt, _)| pt == t).map(|(_, v)| fmt_num(*v)).unwrap_or_else(|| "—".into())
                }));
                row
            })
            .collect();
        data_table(&mut s, &title, &head, &rows);
        s
    }
}

/// One bar of a [`BarChart`].
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub value: f64,
}

/// Values by category (counts per day, per ward …): one bar each, from zero.
#[derive(Debug, Clone)]
pub struct BarChart {
    pub id: String,
    pub title: String,
    pub unit: String,
    pub colour: usize,
    pub bars: Vec<Bar>,
}

impl BarChart {
    pub fn new(id: impl Into<String>, title: impl Into<String>, unit: impl Into<String>) -> BarChart {
        BarChart { id: id.into(), title: title.into(), unit: unit.into(), colour: 1, bars: Vec::new() }
    }

    pub fn bar(mut self, label: impl Into<String>, value: f64) -> BarChart {
        self.bars.push(Bar { label: label.into(), value });
        self
    }

    pub fn colour(mut self, colour: usize) -> BarChart {
        self.colour = colour.clamp(1, 4);
        self
    }

    pub fn is_empty(&self) -> bool {
        self.bars.is_empty()
    }

    /// "Admissions (patients) · total 42"
    pub fn caption(&self) -> String {
        format!("{} ({}) · total {}", self.title, self.unit, fmt_num(self.bars.iter().map(|b| b.value).sum()))
    }

    /// The chart (`<svg>` and its data table), or a note when there is nothing to draw.
    pub fn render(&self) -> String {
        let (id, title, unit) = (escape(&self.id), escape(&self.title), escape(&self.unit));
        if self.bars.is_empty() {
            return format!("<p class=\"muted\">No {} recorded yet.</p>", title.to_lowercase());
        }
        let top = self.bars.iter().map(|b| b.value).fold(0.0_f64, f64::max);
        let bottom = self.bars.iter().map(|b| b.value).fold(0.0_f64, f64::min);
        let (lo, hi) = (bottom, if top > bottom { top } else { bottom + 1.0 });
        let y = |v: f64| TOP + (hi - v) / (hi - lo) * (H - TOP - BOTTOM);
        let highest = self.bars.iter().max_by(|a, b| a.value.total_cmp(&b.value));
        let desc = format!(
            "{} bars; highest: {}.",
            self.bars.len(),
            highest.map(|b| format!("{} {} {unit}", escape(&b.label), fmt_num(b.value))).unwrap_or_default()
        );
        let mut s = open_svg(&id, &format!("{title} ({unit})"), &desc);
        value_grid(&mut s, lo, hi, 0.0, y);
        let slot = (W - LEFT - RIGHT) / self.bars.len() as f64;
        let width = (slot * 0.7).max(1.0);
        let (class, fill) = colour(self.colour);
        for (i, b) in self.bars.iter().enumerate() {
            let x = LEFT + slot * i as f64 + (slot - width) / 2.0;
            let (y0, y1) = (y(b.value.max(0.0)), y(b.value.min(0.0)));
            let _ = write!(
                s,
                "<rect class=\"bar {class}\" x=\"{x:.1}\" y=\"{y0:.1}\" width=\"{width:.1}\" height=\"{:.1}\" fill=\"{fill}\"><title>{} {} {unit}</title></rect>",
                (y1 - y0).max(0.5),
                escape(&b.label),
                fmt_num(b.value)
            );
            if self.bars.len() <= 16 {
                let _ = write!(
                    s,
                    "<text class=\"axis\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"11\" fill=\"#4c6272\">{}</text>",
                    x + width / 2.0,
                    H - 10.0,
                    escape(&b.label)
                );
            }
        }
        s.push_str("</svg>");
        let head = [String::from("Category"), format!("{title} ({unit})")];
        let rows: Vec<Vec<String>> = self.bars.iter().map(|b| vec![escape(&b.label), fmt_num(b.value)]).collect();
        data_table(&mut s, &title, &head, &rows);
        s
    }
}

fn open_svg(id: &str, title: &str, desc: &str) -> String {
    format!(
        "<svg class=\"chart-svg\" id=\"{id}\" viewBox=\"0 0 {W} {H}\" width=\"100%\" role=\"img\" \
         aria-labelledby=\"{id}-title {id}-desc\" xmlns=\"http://www.w3.org/2000/svg\">\
         <title id=\"{id}-title\">{title}</title><desc id=\"{id}-desc\">{desc}</desc>"
    )
}

/// The smallest and largest value drawn (with a margin), and the margin.
fn value_range(values: impl Iterator<Item = f64>, normal: Option<(f64, f64)>) -> (f64, f64, f64) {
    let (mut lo, mut hi) = values.fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if let Some((a, b)) = normal {
        lo = lo.min(a);
        hi = hi.max(b);
    }
    let pad = ((hi - lo) * 0.1).max(1.0);
    (lo - pad, hi + pad, pad)
}

/// Horizontal grid lines labelled at the bottom, the middle and the top.
fn value_grid(s: &mut String, lo: f64, hi: f64, pad: f64, y: impl Fn(f64) -> f64) {
    for v in [lo + pad, (lo + hi) / 2.0, hi - pad] {
        let _ = write!(
            s,
            "<line class=\"grid\" x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\" stroke=\"#d8dde0\"/>\
             <text class=\"axis\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"11\" fill=\"#4c6272\">{}</text>",
            W - RIGHT,
            LEFT - 6.0,
            y(v) + 4.0,
            fmt_num(v),
            yy = y(v)
        );
    }
}

/// The values as a table (cells already escaped).
fn data_table(s: &mut String, title: &str, head: &[String], rows: &[Vec<String>]) {
    let _ = write!(s, "<details class=\"chart-data\"><summary>{title}: the values</summary><table class=\"table\">");
    let _ = write!(s, "<caption class=\"visually-hidden\">{title}</caption><thead><tr>");
    for h in head {
        let _ = write!(s, "<th scope=\"col\">{h}</th>");
    }
    s.push_str("</tr></thead><tbody>");
    for row in rows {
        s.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            let _ = if i == 0 { write!(s, "<th scope=\"row\">{cell}</th>") } else { write!(s, "<td>{cell}</td>") };
        }
        s.push_str("</tr>");
    }
    s.push_str("</tbody></table></details>");
}

fn colour(n: usize) -> (String, &'static str) {
    let n = n.clamp(1, 4);
    (format!("series-{n}"), STROKES[n - 1])
}

/// HTML/XML text escaping.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn fmt_num(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn lines_are_accessible_and_escape_their_text() {
        let c = LineChart::new("temp", "Temperature <x>", "°C")
            .series(Series::new(
                "Temperature",
                1,
                vec![(datetime!(2026-01-01 08:00 UTC), 36.8), (datetime!(2026-01-02 08:00 UTC), 38.4)],
            ))
            .normal(36.1, 37.8);
        let svg = c.render();
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains("<title id=\"temp-title\">Temperature &lt;x&gt; (°C)</title>"));
        assert!(svg.contains("<polyline"));
        assert!(svg.contains("<details class=\"chart-data\">"));
        assert!(svg.contains("<th scope=\"row\">2026-01-02 08:00</th><td>38.4</td>"));
        assert!(!svg.contains("style="));
        assert!(LineChart::new("e", "Pulse", "/min").render().contains("No pulse recorded"));
    }

    #[test]
    fn bars_start_at_zero_and_list_their_values() {
        let c = BarChart::new("adm", "Admissions", "patients").bar("Mon", 3.0).bar("Tue", 5.0).colour(3);
        let svg = c.render();
        assert_eq!(svg.matches("<rect class=\"bar series-3\"").count(), 2);
        assert!(svg.contains("<desc id=\"adm-desc\">2 bars; highest: Tue 5 patients.</desc>"));
        assert!(svg.contains("<th scope=\"row\">Tue</th><td>5</td>"));
        assert_eq!(c.caption(), "Admissions (patients) · total 8");
        assert!(!svg.contains("style="));
    }
}
