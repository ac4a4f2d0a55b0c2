//! Category chips and the area picker (kota → kecamatan → kelurahan).
//! They only report changes; the page turns them into a new URL.

use kolaborasi_shared::{AreaNode, AreaTree, Category};
use leptos::prelude::*;

use crate::i18n::{lang, tr};
use crate::map::category_color;

#[component]
pub fn CategoryFilter(
    selected: Signal<Vec<Category>>,
    on_change: Callback<Vec<Category>>,
) -> impl IntoView {
    let chips = Category::ALL
        .iter()
        .map(|&c| {
            let checked = move || selected.read().contains(&c);
            let toggle = move |_| {
                let mut next = selected.get_untracked();
                if let Some(i) = next.iter().position(|x| *x == c) {
                    next.remove(i);
                } else {
                    next.push(c);
                    next.sort_unstable();
                }
                on_change.run(next);
            };
            view! {
                <label class="chip" class:chip-on=checked data-category=c.as_str()>
                    <input type="checkbox" prop:checked=checked on:change=toggle />
                    <span class="dot" style:background=category_color(c)></span>
                    <span>{move || lang().text(&format!("category.{}", c.as_str()))}</span>
                </label>
            }
        })
        .collect_view();
    view! {
        <fieldset class="chips">
            <legend>{tr("filter.category")}</legend>
            {chips}
        </fieldset>
    }
}

/// The three-level area picker. `selected` is any level's code.
#[component]
pub fn AreaPicker(
    tree: AreaTree,
    selected: Signal<Option<String>>,
    on_change: Callback<Option<String>>,
) -> impl IntoView {
    if crate::kiosk::active() {
        let tree = StoredValue::new(tree);
        return view! { <AreaTiles tree selected on_change /> }.into_any();
    }
    let root_code = StoredValue::new(tree.root.code.clone());
    let kotas = tree.root.children.clone();
    let tree = StoredValue::new(tree);
    // The selected code at a given depth (1 = kota, 2 = kecamatan, 3 = kelurahan).
    let at_depth = move |depth: usize| {
        selected.get().and_then(|code| {
            let parts: Vec<&str> = code.split('.').collect();
            (parts.len() > depth).then(|| parts[..=depth].join("."))
        })
    };
    let children_of = move |code: Option<String>| -> Vec<AreaNode> {
        code.and_then(|c| tree.with_value(|t| t.find(&c).map(|n| n.children.clone())))
            .unwrap_or_default()
    };
    // Memos: the option lists are rebuilt only when their parent changes.
    let kecamatans = Memo::new(move |_| children_of(at_depth(1))).into();
    let kelurahans = Memo::new(move |_| children_of(at_depth(2))).into();
    // Choosing "all" at one level selects the level above.
    let parent_or_none =
        move |depth: usize| at_depth(depth - 1).filter(|c| root_code.with_value(|r| c != r));
    let choose = move |depth: usize, value: String| {
        on_change.run(if value.is_empty() {
            parent_or_none(depth)
        } else {
            Some(value)
        });
    };
    // The summary names the chosen area, so the picker can stay folded on phones.
    let chosen = move || {
        selected
            .get()
            .and_then(|code| tree.with_value(|t| t.find(&code).map(|a| a.name.clone())))
            .unwrap_or_else(|| lang().text("filter.all_kota"))
    };
    // A link with an area opens the picker on a desktop; a phone keeps it
    // folded (its summary names the area) so the map stays in view.
    let wide = window()
        .match_media("(min-width: 960px)")
        .ok()
        .flatten()
        .is_some_and(|m| m.matches());
    view! {
        <details class="area-picker" open=wide && selected.get_untracked().is_some()>
            <summary>
                <span class="summary-label">{tr("filter.area")}</span>
                <span class="summary-value" data-testid="area-summary">{chosen}</span>
            </summary>
            <fieldset>
            <legend class="visually-hidden">{tr("filter.area")}</legend>
            <AreaSelect
                id="area-kota"
                label="filter.kota"
                all="filter.all_kota"
                options=Signal::stored(kotas)
                current=Signal::derive(move || at_depth(1))
                on_pick=Callback::new(move |v| choose(1, v))
            />
            <AreaSelect
                id="area-kecamatan"
                label="filter.kecamatan"
                all="filter.all_kecamatan"
                options=kecamatans
                current=Signal::derive(move || at_depth(2))
                on_pick=Callback::new(move |v| choose(2, v))
            />
            <AreaSelect
                id="area-kelurahan"
                label="filter.kelurahan"
                all="filter.all_kelurahan"
                options=kelurahans
                current=Signal::derive(move || at_depth(3))
                on_pick=Callback::new(move |v| choose(3, v))
            />
            </fieldset>
        </details>
    }
    .into_any()
}

/// The kiosk's area picker: buttons to touch, no dropdowns. The chosen
/// path leads back up; the areas one level down (beside a kelurahan: its
/// neighbours) are tiles.
#[component]
fn AreaTiles(
    tree: StoredValue<AreaTree>,
    selected: Signal<Option<String>>,
    on_change: Callback<Option<String>>,
) -> impl IntoView {
    let root = tree.with_value(|t| t.root.code.clone());
    let path = move || {
        selected
            .get()
            .map(|c| tree.with_value(|t| t.path_to(&c)))
            .unwrap_or_default()
            .into_iter()
            .filter(|a| a.code != root)
            .map(|a| {
                let code = a.code.clone();
                view! {
                    <button type="button" class="chip" on:click=move |_| on_change.run(Some(code.clone()))>
                        {a.name}
                    </button>
                }
            })
            .collect_view()
    };
    let tiles = move || {
        let chosen = selected.get();
        let areas: Vec<(String, String)> = tree.with_value(|t| {
            let node = chosen.as_deref().and_then(|c| t.find(c)).unwrap_or(&t.root);
            let node = if node.children.is_empty() {
                node.code
                    .rsplit_once('.')
                    .and_then(|(parent, _)| t.find(parent))
                    .unwrap_or(node)
            } else {
                node
            };
            node.children
                .iter()
                .map(|c| (c.code.clone(), c.name.clone()))
                .collect()
        });
        areas
            .into_iter()
            .map(|(code, name)| {
                let pressed = chosen.as_deref() == Some(code.as_str());
                view! {
                    <li>
                        <button
                            type="button"
                            class="kiosk-tile"
                            aria-pressed=if pressed { "true" } else { "false" }
                            on:click=move |_| on_change.run(Some(code.clone()))
                        >
                            {name}
                        </button>
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <fieldset class="area-tiles" data-testid="area-tiles">
            <legend>{tr("filter.area")}</legend>
            <p class="area-path">
                <button type="button" class="chip" on:click=move |_| on_change.run(None)>
                    {tr("filter.all_kota")}
                </button>
                {path}
            </p>
            <ul class="kiosk-areas">{tiles}</ul>
        </fieldset>
    }
}

#[component]
fn AreaSelect(
    id: &'static str,
    label: &'static str,
    all: &'static str,
    options: Signal<Vec<AreaNode>>,
    current: Signal<Option<String>>,
    on_pick: Callback<String>,
) -> impl IntoView {
    let disabled = move || options.read().is_empty();
    view! {
        <div class="field">
            <label for=id>{tr(label)}</label>
            <select
                id=id
                disabled=disabled
                on:change:target=move |ev| on_pick.run(ev.target().value())
            >
                // `prop:selected`: the attribute is ignored once a user has
                // touched the option, the property never is.
                <option value="" prop:selected=move || current.get().is_none()>
                    {tr(all)}
                </option>
                {move || {
                    options
                        .get()
                        .into_iter()
                        .map(|a| {
                            let code = a.code.clone();
                            let is_current = move || current.get().as_deref() == Some(code.as_str());
                            view! {
                                <option value=a.code.clone() prop:selected=is_current>
                                    {a.name}
                                </option>
                            }
                        })
                        .collect_view()
                }}
            </select>
        </div>
    }
}
