//! Bar charts drawn as SVG, with presentation attributes only (no `style`), so that
//! they need nothing from outside the document and pass any Content-Security-Policy.

use std::fmt::Write;

/// One bar: a label and a count (`None` when masked).
#[derive(Debug, Clone)]
pub(crate) struct Bar {
    pub label: String,
    pub value: Option<u64>,
}

/// A panel of bars with its title.
#[derive(Debug, Clone)]
pub(crate) struct Panel {
    pub title: String,
    pub bars: Vec<Bar>,
}

const ROW: u32 = 22;
const BAR: u32 = 15;
const TITLE: u32 = 24;
const PAD: u32 = 8;
const FONT: &str = "Arial, Helvetica, sans-serif";
const COLOUR: &str = "#2b5d9c";
const MUTED: &str = "#c9d3e0";
/// Longest label drawn in full; longer ones end with "…" (the full label is in a tooltip).
const LABEL_CHARS: usize = 44;

/// Escapes text for SVG and HTML content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
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

fn short(label: &str) -> String {
    if label.chars().count() <= LABEL_CHARS {
        label.to_owned()
    } else {
        let kept: String = label.chars().take(LABEL_CHARS - 1).collect();
        format!("{}…", kept.trim_end())
    }
}

fn panel_height(panel: &Panel) -> u32 {
    TITLE + ROW * (panel.bars.len().max(1) as u32) + PAD
}

/// Draws one panel at (x, y), `width` wide.
fn draw_panel(out: &mut String, panel: &Panel, x: u32, y: u32, width: u32, masked: &str) {
    let label_width = width * 45 / 100;
    let value_room = 44;
    let bar_room = width.saturating_sub(label_width + value_room + PAD);
    let max = panel
        .bars
        .iter()
        .filter_map(|bar| bar.value)
        .max()
        .unwrap_or(0)
        .max(1);
    let _ = write!(
        out,
        r##"<g transform="translate({x},{y})"><text x="0" y="16" font-family="{FONT}" font-size="13" font-weight="bold" fill="#1e1e1e">{}</text>"##,
        escape(&panel.title)
    );
    if panel.bars.is_empty() {
        let _ = write!(
            out,
            r##"<text x="0" y="{}" font-family="{FONT}" font-size="12" fill="#555555">Aucune donnée sur la période</text>"##,
            TITLE + 15
        );
    }
    for (index, bar) in panel.bars.iter().enumerate() {
        let top = TITLE + ROW * index as u32;
        let text_y = top + 13;
        let _ = write!(
            out,
            r##"<text x="{}" y="{text_y}" font-family="{FONT}" font-size="12" fill="#1e1e1e" text-anchor="end"><title>{}</title>{}</text>"##,
            label_width - 6,
            escape(&bar.label),
            escape(&short(&bar.label))
        );
        let (length, colour, value) = match bar.value {
            Some(n) => (
                ((u64::from(bar_room) * n) / max) as u32,
                COLOUR,
                n.to_string(),
            ),
            // A masked count gets a short pale bar: its size says nothing.
            None => (4, MUTED, masked.to_owned()),
        };
        let _ = write!(
            out,
            r##"<rect x="{label_width}" y="{}" width="{}" height="{BAR}" fill="{colour}"/><text x="{}" y="{text_y}" font-family="{FONT}" font-size="12" fill="#1e1e1e">{}</text>"##,
            top + 2,
            length.max(if bar.value == Some(0) { 0 } else { 1 }),
            label_width + length + 5,
            escape(&value)
        );
    }
    out.push_str("</g>");
}

/// A figure of one or more panels, in `columns` columns; `id` names its title element.
pub(crate) fn figure(
    id: &str,
    title: &str,
    panels: &[Panel],
    columns: usize,
    masked: &str,
) -> String {
    let width: u32 = 760;
    let columns = columns.clamp(1, 4);
    let panel_width = width / columns as u32;
    let mut body = String::new();
    let mut y = 0;
    for line in panels.chunks(columns) {
        let height = line.iter().map(panel_height).max().unwrap_or(0);
        for (column, panel) in line.iter().enumerate() {
            draw_panel(
                &mut body,
                panel,
                panel_width * column as u32,
                y,
                panel_width - PAD,
                masked,
            );
        }
        y += height;
    }
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {y}" width="{width}" height="{y}" role="img" aria-labelledby="{id}"><title id="{id}">{}</title>{body}</svg>"##,
        escape(title)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_proportional_and_text_is_escaped() {
        let panel = Panel {
            title: "Thèmes <test>".to_owned(),
            bars: vec![
                Bar {
                    label: "Télétravail".to_owned(),
                    value: Some(24),
                },
                Bar {
                    label: "PCA & continuité".to_owned(),
                    value: Some(12),
                },
                Bar {
                    label: "Masqué".to_owned(),
                    value: None,
                },
            ],
        };
        let svg = figure("f", "Figure", &[panel], 1, "< 3");
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.contains("Thèmes &lt;test&gt;"));
        assert!(svg.contains("PCA &amp; continuité"));
        assert!(svg.contains("&lt; 3"));
        assert!(!svg.contains("style"));
        assert_eq!(svg.matches("<rect").count(), 3);
        // A 752-wide panel: 338 for labels, 44 for values, 8 of padding, 362 for the
        // longest bar and half of it for half the count.
        assert!(svg.contains("width=\"362\""), "{svg}");
        assert!(svg.contains("width=\"181\""), "{svg}");
    }

    #[test]
    fn long_labels_are_shortened_with_the_full_label_in_a_tooltip() {
        let long = "Établissement ou service médico-social (ESMS) de très longue dénomination";
        assert!(short(long).ends_with('…'));
        assert_eq!(short(long).chars().count(), LABEL_CHARS);
        assert_eq!(short("Télétravail"), "Télétravail");
    }
}
