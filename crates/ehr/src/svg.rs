//! Server-rendered SVG trend charts. No script and no `style=` (the CSP forbids inline style):
//! colours come from presentation attributes and classes in static/css/ehr.css.

use std::fmt::Write;

use time::OffsetDateTime;

pub struct Series {
    pub name: &'static str,
    /// CSS class (colour) of the line, e.g. `series-1`.
    pub class: &'static str,
    /// Fallback stroke when the stylesheet is missing.
    pub stroke: &'static str,
    /// Instants at the reader's offset (`Zone::local`): dates and times are shown as they are.
    pub points: Vec<(OffsetDateTime, f64)>,
}

pub struct Chart<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub unit: &'a str,
    pub series: Vec<Series>,
    /// A shaded reference (normal) range.
    pub normal: Option<(f64, f64)>,
}

const W: f64 = 640.0;
const H: f64 = 220.0;
const LEFT: f64 = 52.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 34.0;

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

impl Chart<'_> {
    /// Number of plotted values across all series.
    pub fn len(&self) -> usize {
        self.series.iter().map(|s| s.points.len()).sum()
    }

    /// "Temperature (°C) · latest 36.6"
    pub fn caption(&self) -> String {
        let latest: Vec<String> =
            self.series.iter().filter_map(|se| se.points.last().map(|(_, v)| fmt_num(*v))).collect();
        format!("{} ({}) · latest {}", self.title, self.unit, latest.join("/"))
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The chart as an inline `<svg>` element (with a text alternative), or a note when empty.
    pub fn render(&self) -> String {
        let id = escape(self.id);
        let title = escape(self.title);
        let unit = escape(self.unit);
        let all: Vec<(OffsetDateTime, f64)> = self.series.iter().flat_map(|s| s.points.iter().copied()).collect();
        if all.is_empty() {
            return format!("<p class=\"muted\">No {} recorded yet.</p>", title.to_lowercase());
        }
        let (mut lo, mut hi) = all.iter().fold((f64::MAX, f64::MIN), |(lo, hi), (_, v)| (lo.min(*v), hi.max(*v)));
        if let Some((a, b)) = self.normal {
            lo = lo.min(a);
            hi = hi.max(b);
        }
        let pad = ((hi - lo) * 0.1).max(1.0);
        lo -= pad;
        hi += pad;
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

        let mut s = String::new();
        let _ = write!(
            s,
            "<svg class=\"trend-chart\" id=\"{id}\" viewBox=\"0 0 {W} {H}\" width=\"100%\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" xmlns=\"http://www.w3.org/2000/svg\">\
             <title id=\"{id}-title\">{title} ({unit})</title>"
        );
        let latest: Vec<String> = self
            .series
            .iter()
            .filter_map(|se| se.points.last().map(|(_, v)| format!("{} {} {unit}", escape(se.name), fmt_num(*v))))
            .collect();
        let _ = write!(
            s,
            "<desc id=\"{id}-desc\">{} readings from {} to {}; latest: {}.</desc>",
            all.len(),
            t0.date(),
            t1.date(),
            latest.join(", ")
        );
        if let Some((a, b)) = self.normal {
            let _ = write!(
                s,
                "<rect class=\"normal-band\" x=\"{LEFT}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#e4f3ea\"/>",
                y(b),
                W - LEFT - RIGHT,
                (y(a) - y(b)).max(0.0)
            );
        }
        // Horizontal grid with labels at the bottom, middle and top.
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
        for se in &self.series {
            if se.points.is_empty() {
                continue;
            }
            let pts: Vec<String> = se.points.iter().map(|(t, v)| format!("{:.1},{:.1}", x(*t), y(*v))).collect();
            let _ = write!(
                s,
                "<polyline class=\"line {}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\" points=\"{}\"/>",
                se.class,
                se.stroke,
                pts.join(" ")
            );
            for (t, v) in &se.points {
                let _ = write!(
                    s,
                    "<circle class=\"dot {}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{}\"><title>{} {} {unit} at {} {:02}:{:02}</title></circle>",
                    se.class,
                    x(*t),
                    y(*v),
                    se.stroke,
                    escape(se.name),
                    fmt_num(*v),
                    t.date(),
                    t.hour(),
                    t.minute()
                );
            }
        }
        s.push_str("</svg>");
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn renders_lines_without_inline_style() {
        let c = Chart {
            id: "temp",
            title: "Temperature <x>",
            unit: "°C",
            series: vec![Series {
                name: "Temperature",
                class: "series-1",
                stroke: "#005eb8",
                points: vec![(datetime!(2026-01-01 08:00 UTC), 36.8), (datetime!(2026-01-02 08:00 UTC), 38.4)],
            }],
            normal: Some((36.1, 37.8)),
        };
        let svg = c.render();
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("<polyline"));
        assert!(svg.contains("Temperature &lt;x&gt;"));
        assert!(svg.contains("38.4"));
        assert!(!svg.contains("style="));
        let empty = Chart { id: "e", title: "Pulse", unit: "/min", series: vec![], normal: None };
        assert!(empty.render().contains("No pulse recorded"));
    }
}
