//! How much a place still needs: level words for the map and list, and the
//! per-package progress of the location page.

use kolaborasi_shared::{Need, NeedLevel, Package, Program};
use leptos::prelude::*;

use crate::i18n::{Lang, lang, tr, tr_with};
use crate::map::{NEED_OUTLINE, need_color};

/// The level in words, with the open share when there is one:
/// "Masih membutuhkan bantuan · sisa 60%".
#[must_use]
pub fn level_text(lang: Lang, remaining_percent: Option<u8>) -> String {
    let level = NeedLevel::from_remaining_percent(remaining_percent);
    let words = lang.text(level_key(level));
    match (level, remaining_percent) {
        (NeedLevel::Open | NeedLevel::Nearly, Some(pct)) => format!(
            "{words} · {}",
            tr_with(
                lang,
                "need.remaining_percent",
                &[("percent", &pct.to_string())]
            )
        ),
        _ => words,
    }
}

#[must_use]
pub fn level_key(level: NeedLevel) -> &'static str {
    match level {
        NeedLevel::Open => "need.level.open",
        NeedLevel::Nearly => "need.level.nearly",
        NeedLevel::Covered => "need.level.covered",
        NeedLevel::Unlisted => "need.level.unlisted",
    }
}

/// The coloured dot of a need level (a hollow ring for "no needs listed").
#[component]
pub fn NeedDot(level: NeedLevel) -> impl IntoView {
    view! {
        <span
            class="dot"
            class:dot-hollow=level == NeedLevel::Unlisted
            style:background=need_color(level)
            style:border-color=NEED_OUTLINE
        ></span>
    }
}

/// One need with its package and program, for the location page.
#[derive(Debug, Clone)]
pub struct NeedRow {
    pub need: Need,
    pub package: Package,
    pub program_name: kolaborasi_shared::Localized,
}

/// Needs joined with the catalogue, in catalogue order; needs of unknown
/// packages (a catalogue older than the location) are left out.
#[must_use]
pub fn need_rows(needs: &[Need], programs: &[Program]) -> Vec<NeedRow> {
    programs
        .iter()
        .flat_map(|program| {
            program.packages.iter().filter_map(move |package| {
                needs
                    .iter()
                    .find(|n| n.package_id == package.id)
                    .map(|need| NeedRow {
                        need: *need,
                        package: package.clone(),
                        program_name: program.name.clone(),
                    })
            })
        })
        .collect()
}

/// Percent of `part` in `whole` for a bar segment's width (0–100).
fn share(part: u32, whole: u32) -> f64 {
    if whole == 0 {
        0.0
    } else {
        f64::from(part) * 100.0 / f64::from(whole)
    }
}

/// A package's progress: delivered, committed and still open, drawn as one
/// bar and written out in numbers (the bar alone would be colour only).
#[component]
pub fn NeedProgress(row: NeedRow) -> impl IntoView {
    let NeedRow {
        need,
        package,
        program_name,
    } = row;
    let package = StoredValue::new(package);
    let whole = need
        .target
        .max(need.delivered + need.committed + need.remaining)
        .max(1);
    let (delivered, committed, remaining) = (
        share(need.delivered, whole),
        share(need.committed, whole),
        share(need.remaining, whole),
    );
    let unit = move || package.with_value(|p| p.unit.get(lang().code()).to_owned());
    let name = move || package.with_value(|p| p.name.get(lang().code()).to_owned());
    let value = move || {
        let l = lang();
        tr_with(
            l,
            "need.unit_value",
            &[
                ("value", &l.rupiah(package.with_value(|p| p.unit_value))),
                ("unit", &unit()),
            ],
        )
    };
    let number = move |n: u32| lang().number(u64::from(n));
    let target = move || {
        tr_with(
            lang(),
            "need.target",
            &[("count", &number(need.target)), ("unit", &unit())],
        )
    };
    let once = package.with_value(|p| p.once_per_family);
    let package_id = package.with_value(|p| p.id);
    view! {
        <li class="need" data-testid="need-row" data-package-id=package_id.to_string()>
            <div class="need-head">
                <h3>{name}</h3>
                <span class="need-program">{move || program_name.get(lang().code()).to_owned()}</span>
            </div>
            <p class="need-value">
                {value}
                <Show when=move || once>
                    " · " {tr("need.once_per_family")}
                </Show>
            </p>
            <div class="need-bar" aria-hidden="true">
                <span class="seg seg-delivered" style:width=format!("{delivered:.2}%")></span>
                <span class="seg seg-committed" style:width=format!("{committed:.2}%")></span>
                <span class="seg seg-remaining" style:width=format!("{remaining:.2}%")></span>
            </div>
            <dl class="need-numbers">
                <div>
                    <dt><span class="key key-delivered" aria-hidden="true"></span>{tr("need.delivered")}</dt>
                    <dd data-testid="need-delivered">{move || number(need.delivered)}</dd>
                </div>
                <div>
                    <dt><span class="key key-committed" aria-hidden="true"></span>{tr("need.committed")}</dt>
                    <dd data-testid="need-committed">{move || number(need.committed)}</dd>
                </div>
                <div>
                    <dt><span class="key key-remaining" aria-hidden="true"></span>{tr("need.remaining")}</dt>
                    <dd data-testid="need-remaining">{move || number(need.remaining)}</dd>
                </div>
            </dl>
            <p class="need-target">{target}</p>
        </li>
    }
}
