//! Kiosk mode, for touch screens in public offices. Opening `/kiosk` turns
//! it on for the browser tab (kiosk browsers start there); `?idle=N` sets
//! the idle timeout in seconds for this kiosk, otherwise the server's
//! `--kiosk-idle-secs` (default 90) applies.
//!
//! In kiosk mode:
//! - large type and touch targets, and a menu that needs no typing;
//! - an attract screen cycling the live totals and recent collaborations;
//! - after the idle timeout the app reloads into the attract screen: what
//!   was typed is gone (it only ever lived in memory);
//! - nothing personal is written to browser storage: `storage` refuses
//!   every key but the kiosk's own, commitments are never queued offline,
//!   and a commitment ends with a printable receipt whose QR code carries
//!   the manage link to the collaborator's phone instead of a saved session.

use std::cell::{Cell, RefCell};
use std::time::Duration;

use kolaborasi_shared::CommitmentView;
use leptos::prelude::*;
use leptos_router::components::A;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

use crate::api;
use crate::components::form::kind_text;
use crate::i18n::{lang, tr, tr_with};
use crate::live::use_live;
use crate::route::Page;
use crate::{Shared, set_title, storage};

/// Keys of the kiosk's own (non-personal) settings; the only keys written
/// to storage in kiosk mode.
pub const KEY_PREFIX: &str = "kolaborasi.kiosk";
const FLAG_KEY: &str = "kolaborasi.kiosk";
const IDLE_KEY: &str = "kolaborasi.kiosk.idle";
const IDLE_RANGE: std::ops::RangeInclusive<u32> = 5..=3600;

thread_local! {
    static ACTIVE: Cell<bool> = const { Cell::new(false) };
    static IDLE_SECS: Cell<u32> = const { Cell::new(90) };
    static LAST_INPUT: Cell<f64> = const { Cell::new(0.0) };
    /// The attract screen is up (no need to reset while it is).
    static ATTRACT: Cell<bool> = const { Cell::new(true) };
    /// The last commitment made here, for its receipt; in memory only.
    static RECEIPT: RefCell<Option<(CommitmentView, String)>> = const { RefCell::new(None) };
    /// Seconds until the idle reset, while the warning is up.
    static COUNTDOWN: RefCell<Option<ArcRwSignal<Option<u32>>>> = const { RefCell::new(None) };
}

/// The warning comes this long before the reset: a fifth of the timeout,
/// at least 3 and at most 20 seconds.
fn warning_secs(idle: u32) -> u32 {
    (idle / 5).clamp(3, 20)
}

fn countdown() -> ArcRwSignal<Option<u32>> {
    COUNTDOWN.with(|c| {
        c.borrow_mut()
            .get_or_insert_with(|| ArcRwSignal::new(None))
            .clone()
    })
}

/// Before the idle reset, the screen says so and counts down, with a button
/// to stay: the reset loses what is on screen, the receipt's QR code (the
/// only copy of its manage link) included. Any touch keeps the session.
#[component]
pub fn IdleWarning() -> impl IntoView {
    let left = countdown();
    let shown = left.clone();
    view! {
        <Show when=move || shown.get().is_some()>
            <div class="kiosk-idle" role="alertdialog" aria-modal="false" aria-labelledby="kiosk-idle-title" data-testid="kiosk-idle-warning">
                <p id="kiosk-idle-title" class="kiosk-idle-title">{tr("kiosk.idle_title")}</p>
                <p aria-live="polite">
                    {
                        let left = left.clone();
                        move || {
                            let n = left.get().unwrap_or(0).to_string();
                            tr_with(lang(), "kiosk.idle_body", &[("seconds", &n)])
                        }
                    }
                </p>
                // Touching anything counts; the button says so plainly.
                <button type="button" class="button kiosk-big" data-testid="kiosk-stay" on:click=|_| touched()>
                    {tr("kiosk.idle_stay")}
                </button>
            </div>
        </Show>
    }
}

#[must_use]
pub fn active() -> bool {
    ACTIVE.with(Cell::get)
}

/// Decides at start whether this tab is a kiosk, and sets it up if so.
pub fn start() {
    let location = window().location();
    let path = location.pathname().unwrap_or_default();
    if path == "/kiosk" || path.starts_with("/kiosk/") {
        storage::session_set_raw(FLAG_KEY, "1");
        let search = location.search().unwrap_or_default();
        if let Ok(params) = web_sys::UrlSearchParams::new_with_str(&search)
            && let Some(idle) = params.get("idle").and_then(|v| v.parse::<u32>().ok())
            && IDLE_RANGE.contains(&idle)
        {
            storage::session_set_raw(IDLE_KEY, &idle.to_string());
        }
    }
    let on = storage::session_get(FLAG_KEY).as_deref() == Some("1");
    ACTIVE.with(|a| a.set(on));
    if !on {
        return;
    }
    // The attract screen is up only when the kiosk starts on it; a page
    // reloaded anywhere else (pull to refresh, a new version) still resets.
    ATTRACT.with(|a| a.set(path == "/kiosk"));
    if !same_visitor(&path) {
        // An earlier visitor's page, reached with Back: not for this one.
        let _ = location.replace(&Page::Kiosk.href());
        return;
    }
    if let Some(idle) = storage::session_get(IDLE_KEY).and_then(|v| v.parse::<u32>().ok()) {
        IDLE_SECS.with(|s| s.set(idle));
    }
    if let Some(body) = document().body() {
        let _ = body.class_list().add_1("kiosk");
    }
    watch_idle();
}

const VISITOR_KEY: &str = "kolaborasi.kiosk.visitor";

thread_local! {
    /// The visitor this document was loaded for.
    static VISITOR: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Whether this history entry belongs to the current visitor. Each reset
/// starts a new visitor; every entry is marked with the visitor it was made
/// for (in `history.state`), so Back never reopens an earlier visitor's
/// page, and a page restored from the back/forward cache is left at once.
fn same_visitor(path: &str) -> bool {
    let visitor = storage::session_get(VISITOR_KEY).unwrap_or_else(|| {
        let v = storage::random_key();
        storage::session_set_raw(VISITOR_KEY, &v);
        v
    });
    VISITOR.with(|v| v.borrow_mut().clone_from(&visitor));
    let marked = window()
        .history()
        .ok()
        .and_then(|h| h.state().ok())
        .and_then(|s| js_sys::Reflect::get(&s, &"kioskVisitor".into()).ok())
        .and_then(|v| v.as_string());
    if path != "/kiosk" && marked.as_deref() != Some(visitor.as_str()) {
        return false;
    }
    mark_entry();
    let on_show = Closure::<dyn FnMut(web_sys::PageTransitionEvent)>::new(
        |e: web_sys::PageTransitionEvent| {
            let current = storage::session_get(VISITOR_KEY);
            let mine = VISITOR.with(|v| v.borrow().clone());
            if e.persisted() && current.as_deref() != Some(mine.as_str()) {
                let _ = window().location().replace(&Page::Kiosk.href());
            }
        },
    );
    let _ = window().add_event_listener_with_callback("pageshow", on_show.as_ref().unchecked_ref());
    on_show.forget();
    true
}

/// Marks the current history entry as this visitor's (keeping whatever
/// state the router put there).
pub fn mark_entry() {
    if !active() {
        return;
    }
    let Ok(history) = window().history() else {
        return;
    };
    let state = js_sys::Object::new();
    if let Ok(old) = history.state()
        && old.is_object()
    {
        let _ = js_sys::Object::assign(&state, &old.unchecked_into());
    }
    let visitor = VISITOR.with(|v| v.borrow().clone());
    let _ = js_sys::Reflect::set(&state, &"kioskVisitor".into(), &visitor.into());
    let _ = history.replace_state(&state, "");
}

/// The server's idle timeout, unless this kiosk set its own.
pub fn use_server_idle(secs: u32) {
    if storage::session_get(IDLE_KEY).is_none() && IDLE_RANGE.contains(&secs) {
        IDLE_SECS.with(|s| s.set(secs));
    }
}

fn touched() {
    LAST_INPUT.with(|t| t.set(js_sys::Date::now()));
    let left = countdown();
    if left.get_untracked().is_some() {
        left.set(None);
    }
}

fn watch_idle() {
    touched();
    let on_input = Closure::<dyn FnMut()>::new(touched);
    for event in [
        "pointerdown",
        "keydown",
        "touchstart",
        "wheel",
        "input",
        "scroll",
    ] {
        let options = web_sys::AddEventListenerOptions::new();
        options.set_capture(true);
        options.set_passive(true);
        let _ = document().add_event_listener_with_callback_and_add_event_listener_options(
            event,
            on_input.as_ref().unchecked_ref(),
            &options,
        );
    }
    on_input.forget();
    let _ = set_interval_with_handle(
        || {
            let idle = IDLE_SECS.with(Cell::get);
            let idle_ms = f64::from(idle) * 1000.0;
            let quiet = js_sys::Date::now() - LAST_INPUT.with(Cell::get);
            if ATTRACT.with(Cell::get) {
                return;
            }
            if quiet >= idle_ms {
                reset();
                return;
            }
            let warn_ms = f64::from(warning_secs(idle)) * 1000.0;
            if quiet >= idle_ms - warn_ms {
                // Whole seconds left, rounded up (never "0" before the reset).
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let secs = ((idle_ms - quiet) / 1000.0).ceil() as u32;
                countdown().set(Some(secs.max(1)));
            }
        },
        Duration::from_secs(1),
    );
}

/// Back to the attract screen, forgetting the visitor: storage is emptied
/// of anything but the kiosk's settings (nothing else should be there) and
/// the app reloads, so no typed text survives in memory either. A waiting
/// new version is taken on the way.
pub fn reset() {
    ATTRACT.with(|a| a.set(true));
    RECEIPT.with(|r| *r.borrow_mut() = None);
    storage::wipe_except(KEY_PREFIX);
    // A new visitor: no earlier page is theirs.
    storage::session_set_raw(VISITOR_KEY, &storage::random_key());
    // A collaborator session (reachable by typing an address) ends too; the
    // request outlives the page it leaves.
    api::sign_out_keepalive();
    if crate::shell::Shell::waiting() {
        crate::shell::Shell::apply_now_to(&Page::Kiosk.href());
        // Should the new version not take over, go anyway.
        set_timeout(
            || {
                let _ = window().location().replace(&Page::Kiosk.href());
            },
            Duration::from_secs(3),
        );
    } else {
        let _ = window().location().replace(&Page::Kiosk.href());
    }
}

/// Keeps a commitment made here for its receipt page (memory only).
pub fn show_receipt(commitment: CommitmentView, manage_token: String) {
    RECEIPT.with(|r| *r.borrow_mut() = Some((commitment, manage_token)));
}

/// `/kiosk`: the attract screen, then the menu.
#[component]
pub fn KioskPage() -> impl IntoView {
    let attract = RwSignal::new(ATTRACT.with(Cell::get) && active());
    let wake = move || {
        ATTRACT.with(|a| a.set(false));
        attract.set(false);
        touched();
    };
    Effect::new(move |_| set_title(&lang().text("kiosk.title")));
    view! {
        <div class="kiosk-page" data-testid="kiosk">
            {move || {
                if attract.get() {
                    view! { <Attract on_wake=Callback::new(move |()| wake()) /> }.into_any()
                } else {
                    view! { <Menu /> }.into_any()
                }
            }}
        </div>
    }
}

/// Totals and recent collaborations, one slide at a time; any touch starts.
#[component]
fn Attract(on_wake: Callback<()>) -> impl IntoView {
    let live = use_live();
    let slide = RwSignal::new(0usize);
    if let Ok(handle) = set_interval_with_handle(
        move || slide.update(|s| *s = s.wrapping_add(1)),
        Duration::from_secs(6),
    ) {
        on_cleanup(move || handle.clear());
    }
    let head = Memo::new(move |_| live.stats.with(|s| s.as_ref().map(|s| s.log_seq)));
    let recent = LocalResource::new(move || {
        let head = head.get();
        async move {
            let Some(head) = head else {
                return Vec::new();
            };
            let page = api::log_page((head - 60).max(0), 60).await;
            // Cancelled and expired ones do not stand: not shown as if they did.
            page.map(|p| kolaborasi_shared::log::standing_made(&p.entries, 6))
                .unwrap_or_default()
        }
    });
    let totals = move || {
        let l = lang();
        live.stats.with(|s| {
            s.as_ref().map(|s| {
                let t = &s.totals;
                let n = |v: i64| l.number(u64::try_from(v).unwrap_or(0));
                [
                    (n(t.collaborations), "live.collaborations"),
                    (n(t.packages_delivered), "live.packages_delivered"),
                    (n(t.locations_helped), "live.locations_helped"),
                    (n(t.people_reached), "live.people_reached"),
                ]
                .into_iter()
                .map(|(value, key)| {
                    view! {
                        <li>
                            <strong>{value}</strong>
                            <span>{l.text(key)}</span>
                        </li>
                    }
                })
                .collect_view()
            })
        })
    };
    let current = move || {
        let made = recent.get().unwrap_or_default();
        let count = made.len() + 1;
        let index = slide.get() % count;
        let l = lang();
        if index == 0 {
            view! {
                <div class="kiosk-slide" data-testid="kiosk-slide-totals">
                    <h2>{l.text("kiosk.totals")}</h2>
                    <ul class="kiosk-totals">{totals}</ul>
                </div>
            }
            .into_any()
        } else {
            let m = &made[index - 1];
            let who = m
                .collaborator
                .name
                .clone()
                .unwrap_or_else(|| l.text("track.anonymous"));
            let packages: i64 = m.lines.iter().map(|x| x.quantity).sum();
            view! {
                <div class="kiosk-slide" data-testid="kiosk-slide-recent">
                    <h2>{l.text("kiosk.recent")}</h2>
                    <p class="kiosk-recent">
                        <strong>{who}</strong>
                        " ("
                        {kind_text(l, &m.collaborator.kind)}
                        ") "
                        {tr_with(
                            l,
                            "kiosk.recent_line",
                            &[
                                ("count", &l.number(u64::try_from(packages).unwrap_or(0))),
                                ("place", &m.location.name),
                            ],
                        )}
                    </p>
                </div>
            }
            .into_any()
        }
    };
    view! {
        <button
            type="button"
            class="kiosk-attract"
            data-testid="kiosk-attract"
            on:click=move |_| on_wake.run(())
        >
            <span class="kiosk-brand">{tr("app.name")}</span>
            <span class="kiosk-tagline">{tr("app.tagline")}</span>
            // Cycling content is not announced: the button's label says what to do.
            <span class="kiosk-slides" aria-hidden="true">{current}</span>
            <span class="kiosk-start">{tr("kiosk.start")}</span>
        </button>
    }
}

/// What a visitor can do, without typing.
#[component]
fn Menu() -> impl IntoView {
    let shared = expect_context::<Shared>();
    let kota = RwSignal::new(None::<String>);
    let areas = move || {
        shared.areas.get().and_then(Result::ok).map(|tree| {
            let l = lang();
            match kota.get() {
                None => tree
                    .root
                    .children
                    .iter()
                    .map(|k| {
                        let code = k.code.clone();
                        view! {
                            <li>
                                <button
                                    type="button"
                                    class="kiosk-tile"
                                    on:click=move |_| kota.set(Some(code.clone()))
                                >
                                    {k.name.clone()}
                                </button>
                            </li>
                        }
                        .into_any()
                    })
                    .collect_view()
                    .into_any(),
                Some(code) => {
                    let node = tree.find(&code).cloned();
                    let back = view! {
                        <li>
                            <button
                                type="button"
                                class="kiosk-tile kiosk-tile-quiet"
                                on:click=move |_| kota.set(None)
                            >
                                {l.text("kiosk.all_kota")}
                            </button>
                        </li>
                    };
                    let items = node.map(|n| {
                        std::iter::once((
                            n.code.clone(),
                            tr_with(l, "kiosk.whole", &[("area", &n.name)]),
                        ))
                        .chain(n.children.iter().map(|c| (c.code.clone(), c.name.clone())))
                        .map(|(code, name)| {
                            let href = Page::Map {
                                query: kolaborasi_shared::LocationQuery {
                                    area: Some(code),
                                    ..Default::default()
                                },
                                list: true,
                                color: crate::map::ColorBy::Category,
                                open: false,
                                reported: false,
                            }
                            .href();
                            view! {
                                <li>
                                    <A href=href attr:class="kiosk-tile">
                                        {name}
                                    </A>
                                </li>
                            }
                        })
                        .collect_view()
                    });
                    view! { {back} {items} }.into_any()
                }
            }
        })
    };
    view! {
        <h1>{tr("kiosk.menu")}</h1>
        <ul class="kiosk-menu">
            <li>
                <A href="/" attr:class="kiosk-tile kiosk-tile-main">{tr("kiosk.map")}</A>
            </li>
            <li>
                <A href=Page::Nearby.href() attr:class="kiosk-tile kiosk-tile-main">
                    {tr("kiosk.nearby")}
                </A>
            </li>
            <li>
                <A href=Page::Transparency.href() attr:class="kiosk-tile kiosk-tile-main">
                    {tr("kiosk.transparency")}
                </A>
            </li>
            <li>
                <A href=Page::TrackLookup.href() attr:class="kiosk-tile kiosk-tile-main">
                    {tr("kiosk.track")}
                </A>
            </li>
        </ul>
        <h2>{tr("kiosk.by_area")}</h2>
        <ul class="kiosk-areas" data-testid="kiosk-areas">{areas}</ul>
    }
}

/// `/kiosk/tanda-terima`: the commitment just made, to print or to scan.
#[component]
pub fn KioskReceiptPage() -> impl IntoView {
    let receipt = RECEIPT.with(|r| r.borrow().clone());
    Effect::new(move |_| set_title(&lang().text("kiosk.receipt_title")));
    let Some((commitment, token)) = receipt else {
        return view! {
            <div class="page narrow">
                <h1>{tr("kiosk.receipt_title")}</h1>
                <p>{tr("kiosk.receipt_gone")}</p>
                <p><A href=Page::Kiosk.href() attr:class="button">{tr("kiosk.back")}</A></p>
            </div>
        }
        .into_any();
    };
    let manage = Page::Manage {
        code: commitment.code.clone(),
        token,
    }
    .absolute();
    let qr = qrcode::QrCode::with_error_correction_level(manage.as_bytes(), qrcode::EcLevel::M)
        .map(|code| {
            code.render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(240, 240)
                .quiet_zone(true)
                .build()
        })
        .unwrap_or_default();
    let l = lang();
    let packages: u32 = commitment.lines.iter().map(|x| x.quantity).sum();
    let print = |_| {
        let _ = window().print();
    };
    view! {
        <div class="page narrow kiosk-receipt-page">
            <section class="receipt-slip kiosk-receipt" data-testid="kiosk-receipt">
                <h1>{tr("kiosk.receipt_title")}</h1>
                <p class="slip-code">
                    {tr("kiosk.receipt_code")} " "
                    <strong data-testid="kiosk-receipt-code">{commitment.code.clone()}</strong>
                </p>
                <p>
                    {tr_with(
                        l,
                        "kiosk.receipt_line",
                        &[
                            ("count", &l.number(u64::from(packages))),
                            ("place", &commitment.location.name),
                            ("date", &l.date(&commitment.planned_date)),
                        ],
                    )}
                </p>
                <div class="slip-qr" data-testid="kiosk-receipt-qr" role="img" aria-label=tr("kiosk.receipt_qr") inner_html=qr></div>
                <p>{tr("kiosk.receipt_scan")}</p>
                <p class="hint">{tr("kiosk.receipt_private")}</p>
                <p class="no-print outbox-actions">
                    <button type="button" class="button" data-testid="kiosk-print" on:click=print>
                        {tr("kiosk.print")}
                    </button>
                    <button type="button" class="button button-quiet" data-testid="kiosk-done" on:click=move |_| reset()>
                        {tr("kiosk.done")}
                    </button>
                </p>
            </section>
        </div>
    }
    .into_any()
}
