//! Charts drawn as inline SVG, each with its data table (behind a
//! "show table" toggle, a native `<details>` that screen readers and
//! keyboards open like any button) and a CSV download of that table. Text is laid out in CSS pixels and bar lengths
//! in percentages, so labels stay readable at any width and zoom.

use leptos::prelude::*;

use crate::i18n::tr;

/// One row of a chart: a label, the value drawn, and the table's cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub label: String,
    pub value: i64,
    /// The value as shown beside the bar.
    pub shown: String,
    /// Table cells after the label (formatted), in `columns` order.
    pub cells: Vec<String>,
    /// The same cells unformatted, for the CSV.
    pub raw: Vec<String>,
}

/// A `data:` URI of the table as CSV (quoted where needed).
fn csv_href(columns: &[String], rows: &[Row]) -> String {
    fn cell(out: &mut String, s: &str) {
        if s.contains([',', '"', '\n']) {
            out.push('"');
            out.push_str(&s.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(s);
        }
    }
    let mut csv = String::new();
    for (i, c) in columns.iter().enumerate() {
        if i > 0 {
            csv.push(',');
        }
        cell(&mut csv, c);
    }
    csv.push_str("\r\n");
    for r in rows {
        cell(&mut csv, &r.label);
        for v in &r.raw {
            csv.push(',');
            cell(&mut csv, v);
        }
        csv.push_str("\r\n");
    }
    format!(
        "data:text/csv;charset=utf-8,{}",
        crate::route::encode_component(&csv)
    )
}

/// Horizontal bars, largest first as given; `columns` heads the table
/// (the label column first).
#[component]
pub fn BarChart(
    /// Distinguishes this chart's ids and test ids.
    id: &'static str,
    title: Signal<String>,
    columns: Signal<Vec<String>>,
    rows: Signal<Vec<Row>>,
) -> impl IntoView {
    // Per row: the label on its own line, then the bar with its value at
    // the bar's end (inside it when long, beside it when short), so a long
    // label never runs into the value on a narrow screen.
    const ROW: i64 = 46;
    let caption_id = format!("chart-{id}-caption");
    let max = move || rows.with(|r| r.iter().map(|r| r.value).max().unwrap_or(0).max(1));
    let height = move || {
        rows.with(|r| ROW * i64::try_from(r.len()).unwrap_or(0))
            .max(ROW)
    };
    let bars = move || {
        let max = max();
        rows.get()
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                let y = ROW * i64::try_from(i).unwrap_or(0);
                #[allow(clippy::cast_precision_loss)]
                let pct = (r.value as f64 / max as f64 * 100.0).max(0.5);
                let inside = pct >= 55.0;
                let bar_end = format!("{pct:.2}%");
                view! {
                    <text x="0" y=(y + 15).to_string() class="chart-label">{r.label.clone()}</text>
                    <rect x="0" y=(y + 21).to_string() width="100%" height="18" rx="3" class="chart-track" />
                    <rect
                        x="0"
                        y=(y + 21).to_string()
                        width=bar_end.clone()
                        height="18"
                        rx="3"
                        class="chart-bar"
                    />
                    <text
                        x=bar_end
                        dx=if inside { "-6" } else { "6" }
                        y=(y + 34).to_string()
                        text-anchor=if inside { "end" } else { "start" }
                        class=if inside { "chart-value chart-value-in" } else { "chart-value" }
                    >
                        {r.shown.clone()}
                    </text>
                }
            })
            .collect_view()
    };
    view! {
        <figure class="chart" data-testid=format!("chart-{id}")>
            <figcaption id=caption_id.clone()>{title}</figcaption>
            <Show
                when=move || rows.with(|r| !r.is_empty())
                fallback=|| view! { <p class="muted">{tr("chart.empty")}</p> }
            >
                <svg
                    role="img"
                    aria-labelledby=caption_id.clone()
                    width="100%"
                    height=move || height().to_string()
                    class="chart-svg"
                >
                    {bars}
                </svg>
                <DataTable id title columns rows />
            </Show>
        </figure>
    }
}

/// Columns over time (one per day), with the first and last date below.
#[component]
pub fn ColumnChart(
    id: &'static str,
    title: Signal<String>,
    columns: Signal<Vec<String>>,
    rows: Signal<Vec<Row>>,
) -> impl IntoView {
    const HEIGHT: i64 = 160;
    let caption_id = format!("chart-{id}-caption");
    let cols = move || {
        let rows = rows.get();
        let n = rows.len().max(1);
        let max = rows.iter().map(|r| r.value).max().unwrap_or(0).max(1);
        #[allow(clippy::cast_precision_loss)]
        let width = 100.0 / n as f64;
        rows.into_iter()
            .enumerate()
            .map(|(i, r)| {
                let h = (r.value * (HEIGHT - 24) / max).max(1);
                #[allow(clippy::cast_precision_loss)]
                let x = i as f64 * width;
                view! {
                    <rect
                        x=format!("{:.3}%", x + width * 0.1)
                        y=(HEIGHT - 20 - h).to_string()
                        width=format!("{:.3}%", width * 0.8)
                        height=h.to_string()
                        class="chart-bar"
                    >
                        <title>{format!("{}: {}", r.label, r.shown)}</title>
                    </rect>
                }
            })
            .collect_view()
    };
    let first = move || rows.with(|r| r.first().map(|r| r.label.clone()).unwrap_or_default());
    let last = move || rows.with(|r| r.last().map(|r| r.label.clone()).unwrap_or_default());
    let top = move || {
        rows.with(|r| {
            r.iter()
                .max_by_key(|r| r.value)
                .map(|r| r.shown.clone())
                .unwrap_or_default()
        })
    };
    view! {
        <figure class="chart" data-testid=format!("chart-{id}")>
            <figcaption id=caption_id.clone()>{title}</figcaption>
            <Show
                when=move || rows.with(|r| !r.is_empty())
                fallback=|| view! { <p class="muted">{tr("chart.empty")}</p> }
            >
                <svg
                    role="img"
                    aria-labelledby=caption_id.clone()
                    width="100%"
                    height=HEIGHT.to_string()
                    class="chart-svg"
                >
                    <text x="0" y="12" class="chart-value">{top}</text>
                    <line x1="0" x2="100%" y1=(HEIGHT - 20).to_string() y2=(HEIGHT - 20).to_string() class="chart-axis" />
                    {cols}
                    <text x="0" y=(HEIGHT - 4).to_string() class="chart-label">{first}</text>
                    <text x="100%" y=(HEIGHT - 4).to_string() text-anchor="end" class="chart-label">{last}</text>
                </svg>
                <DataTable id title columns rows />
            </Show>
        </figure>
    }
}

#[component]
fn DataTable(
    id: &'static str,
    title: Signal<String>,
    columns: Signal<Vec<String>>,
    rows: Signal<Vec<Row>>,
) -> impl IntoView {
    let href = move || columns.with(|c| rows.with(|r| csv_href(c, r)));
    view! {
        <details class="chart-details">
            <summary>{tr("chart.show_table")}</summary>
        <div class="table-wrap chart-table" tabindex="0" role="region" aria-label=title>
            <table data-testid=format!("chart-{id}-table")>
                <caption class="visually-hidden">{title}</caption>
                <thead>
                    <tr>
                        {move || {
                            columns
                                .get()
                                .into_iter()
                                .enumerate()
                                .map(|(i, c)| {
                                    let class = if i == 0 { "" } else { "num" };
                                    view! { <th scope="col" class=class>{c}</th> }
                                })
                                .collect_view()
                        }}
                    </tr>
                </thead>
                <tbody>
                    {move || {
                        rows.get()
                            .into_iter()
                            .map(|r| {
                                view! {
                                    <tr>
                                        <th scope="row">{r.label}</th>
                                        {r
                                            .cells
                                            .into_iter()
                                            .map(|c| view! { <td class="num">{c}</td> })
                                            .collect_view()}
                                    </tr>
                                }
                            })
                            .collect_view()
                    }}
                </tbody>
            </table>
        </div>
        </details>
        <p class="chart-download">
            <a href=href download=format!("kolaborasi-{id}.csv") data-testid=format!("chart-{id}-csv")>
                {tr("chart.download_csv")}
                <span class="visually-hidden">": " {title}</span>
            </a>
        </p>
    }
}
