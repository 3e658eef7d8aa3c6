//! Small SVG charts drawn on the server: a bar per day of a usage window, MRR per plan.
//! The markup is built here with every text escaped, and embedded in pages as is.

use std::fmt::Write as _;

/// One bar: its label under the axis (may be empty), its value, and the tooltip text.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub value: i64,
    pub title: String,
}

/// A vertical bar chart, `width`×`height` in SVG units, scaled to its largest value; an
/// optional horizontal line marks a limit (`limit_label` beside it).
#[derive(Debug, Clone)]
pub struct BarChart {
    pub bars: Vec<Bar>,
    /// The accessible name of the chart (`aria-label`).
    pub label: String,
    pub limit: Option<(i64, String)>,
    pub width: u32,
    pub height: u32,
}

/// Escapes text for HTML and SVG element content and attribute values.
pub fn esc(s: &str) -> String {
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

impl BarChart {
    /// The `<svg>` element. Bars with no room for every label show every n-th one.
    pub fn svg(&self) -> String {
        let (w, h) = (f64::from(self.width), f64::from(self.height));
        let (top, bottom, left) = (10.0, 22.0, 4.0);
        let plot_h = h - top - bottom;
        let n = self.bars.len().max(1);
        let slot = (w - left * 2.0) / n as f64;
        let bar_w = (slot * 0.7).max(1.0);
        let max_bar = self.bars.iter().map(|b| b.value).max().unwrap_or(0);
        let scale_max = self
            .limit
            .as_ref()
            .map_or(max_bar, |(l, _)| (*l).max(max_bar))
            .max(1) as f64;
        let every = (n as f64 / (w / 46.0)).ceil().max(1.0) as usize;
        let mut s = String::new();
        let _ = write!(
            s,
            r#"<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-label="{}" preserveAspectRatio="none">"#,
            esc(&self.label)
        );
        let _ = write!(
            s,
            r#"<line class="axis" x1="{left}" y1="{y}" x2="{x2}" y2="{y}"/>"#,
            y = top + plot_h,
            x2 = w - left
        );
        for (i, b) in self.bars.iter().enumerate() {
            let bh = (b.value.max(0) as f64 / scale_max * plot_h).max(if b.value > 0 {
                1.5
            } else {
                0.0
            });
            let x = left + slot * i as f64 + (slot - bar_w) / 2.0;
            let y = top + plot_h - bh;
            let _ = write!(
                s,
                r#"<rect class="bar" x="{x:.1}" y="{y:.1}" width="{bar_w:.1}" height="{bh:.1}" rx="2" data-value="{}"><title>{}</title></rect>"#,
                b.value,
                esc(&b.title)
            );
            if i % every == 0 && !b.label.is_empty() {
                let _ = write!(
                    s,
                    r#"<text class="tick" x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                    x + bar_w / 2.0,
                    h - 6.0,
                    esc(&b.label)
                );
            }
        }
        if let Some((limit, text)) = &self.limit {
            let y = top + plot_h - (*limit as f64 / scale_max * plot_h);
            let _ = write!(
                s,
                r#"<line class="limit" x1="{left}" y1="{y:.1}" x2="{x2}" y2="{y:.1}"/><text class="limit-label" x="{x2}" y="{ty:.1}" text-anchor="end">{}</text>"#,
                esc(text),
                x2 = w - left,
                ty = (y - 3.0).max(9.0)
            );
        }
        s.push_str("</svg>");
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_value_and_text_is_escaped() {
        let chart = BarChart {
            bars: vec![
                Bar {
                    label: "a".into(),
                    value: 10,
                    title: "<b>10</b>".into(),
                },
                Bar {
                    label: "b".into(),
                    value: 5,
                    title: "5".into(),
                },
                Bar {
                    label: "c".into(),
                    value: 0,
                    title: "0".into(),
                },
            ],
            label: "Usage & more".into(),
            limit: None,
            width: 300,
            height: 100,
        };
        let svg = chart.svg();
        assert!(svg.contains(r#"aria-label="Usage &amp; more""#));
        assert!(svg.contains("&lt;b&gt;10&lt;/b&gt;"));
        // The plot is 100 - 10 - 22 = 68 high: the largest bar fills it, half is half.
        assert!(
            svg.contains(r#"height="68.0" rx="2" data-value="10""#),
            "{svg}"
        );
        assert!(
            svg.contains(r#"height="34.0" rx="2" data-value="5""#),
            "{svg}"
        );
        assert!(
            svg.contains(r#"height="0.0" rx="2" data-value="0""#),
            "{svg}"
        );
    }
}
