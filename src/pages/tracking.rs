//! `/kolaborasi/{code}`: one commitment, public to everyone. The holder of
//! its manage token (the `#kelola=…` link, remembered on this device) or
//! its signed-in owner also sees the contact details and may cancel.
//! `/kolaborasi`: look a code up.

use kolaborasi_shared::{
    CommitmentPrivate, CommitmentStatus, CommitmentView, ErrorCode, ProgramList, ReceiptSlip,
    validate,
};
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::components::A;
use leptos_router::hooks::{use_location, use_navigate, use_params_map};

use crate::api::Reporter;
use crate::api::{self, ApiFailure};
use crate::components::delivery::{Corrections, DeliveryForm, SlipCard, Voices, shows_delivery};
use crate::components::form::{focus_soon, kind_text};
use crate::components::lines_table::LinesTable;
use crate::components::share::{CopyButton, ShareButtons};
use crate::components::status::{LoadError, Loading};
use crate::i18n::{Lang, lang, tr, tr_with};
use crate::route::{MANAGE_FRAGMENT, Page};
use crate::{Shared, set_title, storage};

/// The token in a `#kelola=TOKEN` fragment.
fn token_in(hash: &str) -> Option<String> {
    let raw = hash.strip_prefix('#')?.strip_prefix(MANAGE_FRAGMENT)?;
    let decoded = js_sys::decode_uri_component(raw)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| raw.to_owned());
    (!decoded.is_empty()).then_some(decoded)
}

#[component]
pub fn TrackLookupPage() -> impl IntoView {
    Effect::new(move |_| set_title(&lang().text("track.lookup_heading")));
    view! {
        <div class="page narrow">
            <h1>{tr("track.lookup_heading")}</h1>
            <p class="lead">{tr("track.lookup_intro")}</p>
            <TrackForm />
        </div>
    }
}

/// A code to look up; typed codes are forgiven case, dashes and lookalikes.
#[component]
pub fn TrackForm(
    /// What the box starts with (a code that was not found, to correct).
    #[prop(optional)]
    initial: Option<String>,
    /// The page a valid code opens (the public tracking page unless given).
    #[prop(optional)]
    to: Option<fn(String) -> Page>,
    /// The box's label (`track.code_label` unless given).
    #[prop(optional)]
    label: Option<&'static str>,
) -> impl IntoView {
    let to = to.unwrap_or(Page::Tracking);
    let code = RwSignal::new(initial.unwrap_or_default());
    let error = RwSignal::new(false);
    let navigate = use_navigate();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(c) = validate::tracking_code(&code.get_untracked()) {
            error.set(false);
            code.set(String::new());
            navigate(&to(c).href(), NavigateOptions::default());
        } else {
            error.set(true);
            focus_soon("track-code".to_owned());
        }
    };
    view! {
        <form class="track-form" role="search" on:submit=submit novalidate>
            <div class="field" class:field-invalid=move || error.get()>
                <label for="track-code">{tr(label.unwrap_or("track.code_label"))}</label>
                <p class="hint" id="track-code-hint">{tr("track.code_hint")}</p>
                <div class="inline-row">
                    <input
                        id="track-code"
                        name="code"
                        type="text"
                        autocomplete="off"
                        autocapitalize="characters"
                        spellcheck="false"
                        aria-invalid=move || error.get().then_some("true")
                        aria-describedby=move || {
                            if error.get() { "track-code-hint track-code-error" } else { "track-code-hint" }
                        }
                        prop:value=move || code.get()
                        on:input:target=move |ev| {
                            code.set(ev.target().value());
                            error.set(false);
                        }
                    />
                    <button type="submit" class="button">{tr("track.lookup")}</button>
                </div>
                <Show when=move || error.get()>
                    <p class="field-error" id="track-code-error" role="alert">
                        <span aria-hidden="true" class="field-error-icon">"!"</span>
                        {tr("error.path.invalid_code")}
                    </p>
                </Show>
            </div>
        </form>
    }
}

#[component]
pub fn TrackingPage() -> impl IntoView {
    let params = use_params_map();
    let location = use_location();
    let navigate = use_navigate();
    let raw = Memo::new(move |_| params.read().get("code").unwrap_or_default());
    let code = Memo::new(move |_| validate::tracking_code(&raw.get()));

    // The manage token: from the link's fragment (then remembered on this
    // device and taken out of the address bar, so a screenshot or a shared
    // address does not give it away), else from this device's memory.
    let token_now = move || {
        let code = code.get()?;
        let key = storage::manage_token_key(&code);
        match token_in(&location.hash.get()) {
            Some(t) => {
                storage::local_set(&key, &t);
                Some(t)
            }
            None => storage::local_get(&key),
        }
    };
    let token = RwSignal::new(untrack(token_now));
    Effect::new(move |_| {
        let next = token_now();
        if token.get_untracked() != next {
            token.set(next);
        }
        // A canonical address without the fragment (`k7q2m9xd` → `K7Q2-M9XD`).
        if let Some(c) = code.get() {
            let has_token = token_in(&location.hash.get()).is_some();
            // `/lacak/{code}` (the navigation's word) becomes the address.
            let alias = location.pathname.get_untracked().starts_with("/lacak/");
            if has_token || alias || raw.get() != c {
                let options = crate::route::quiet_navigation();
                navigate(&Page::Tracking(c).href(), options);
            }
        }
    });

    let public = LocalResource::new(move || {
        let code = code.get();
        async move {
            match code {
                Some(code) => api::commitment(&code).await,
                None => Err(ApiFailure::not_found()),
            }
        }
    });
    let retry = Callback::new(move |()| public.refetch());
    let invalid_title = move || {
        set_title(&lang().text("track.not_found"));
    };
    view! {
        <div class="page narrow tracking-page">
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match public.await {
                        // "Another code" comes with the answer, below it: shown
                        // earlier, it would be pushed down the screen.
                        Ok(view) => view! { <Commitment initial=view token /> <TrackAgain /> }.into_any(),
                        Err(ApiFailure::Api { status: 400 | 404, error }) => {
                            invalid_title();
                            let message = if error.message.is_empty() {
                                None
                            } else {
                                Some(error.message)
                            };
                            // The code as it was typed, shown back and kept in
                            // the box to correct.
                            let typed = raw.get_untracked();
                            let shown = typed.clone();
                            view! {
                                <h1>{tr("track.not_found")}</h1>
                                <p class="lead">
                                    {move || message.clone().unwrap_or_else(|| lang().text("error.path.invalid_code"))}
                                </p>
                                <p data-testid="looked-up">
                                    {move || tr_with(lang(), "track.looked_up", &[("code", &shown)])}
                                </p>
                                <TrackAgain initial=typed />
                            }
                            .into_any()
                        }
                        Err(e) => view! { <LoadError failure=e retry /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

/// Looking up another code, below a commitment.
#[component]
fn TrackAgain(#[prop(optional)] initial: Option<String>) -> impl IntoView {
    view! {
        <section class="track-again" aria-labelledby="track-again-heading">
            <h2 id="track-again-heading">{tr("track.another")}</h2>
            <TrackForm initial=initial.unwrap_or_default() />
        </section>
    }
}

/// A package's name in `lang`, from the catalogue when it has loaded.
pub fn package_name(programs: Option<&ProgramList>, lang: Lang, id: i64) -> (String, String) {
    programs.and_then(|p| p.package(id)).map_or_else(
        || {
            (
                tr_with(lang, "track.package_fallback", &[("id", &id.to_string())]),
                String::new(),
            )
        },
        |p| {
            (
                p.name.get(lang.code()).to_owned(),
                p.unit.get(lang.code()).to_owned(),
            )
        },
    )
}

/// The status as a badge word ("Berkomitmen").
#[must_use]
pub fn status_key(status: CommitmentStatus) -> &'static str {
    match status {
        CommitmentStatus::Committed => "track.status.committed",
        CommitmentStatus::Delivered => "track.status.delivered",
        CommitmentStatus::Cancelled => "track.status.cancelled",
        CommitmentStatus::Expired => "track.status.expired",
    }
}

/// What the status means for the collaborator, with its date.
fn status_note(lang: Lang, v: &CommitmentView) -> String {
    let day = |unix: i64| lang.date(&validate::civil_from_days(storage::local_day_of(unix)));
    match v.status {
        CommitmentStatus::Committed if v.confirmed_at.is_none() => tr_with(
            lang,
            "track.note.awaiting",
            &[("time", &local_time(lang, v.expires_at))],
        ),
        CommitmentStatus::Committed => tr_with(
            lang,
            "track.note.committed",
            &[("date", &day(v.expires_at))],
        ),
        CommitmentStatus::Delivered => tr_with(
            lang,
            "track.note.delivered",
            &[("date", &day(v.closed_at.unwrap_or(v.expires_at)))],
        ),
        CommitmentStatus::Cancelled => tr_with(
            lang,
            "track.note.cancelled",
            &[("date", &day(v.closed_at.unwrap_or(v.created_at)))],
        ),
        CommitmentStatus::Expired => tr_with(
            lang,
            "track.note.expired",
            &[("date", &day(v.closed_at.unwrap_or(v.expires_at)))],
        ),
    }
}

#[component]
fn Commitment(initial: CommitmentView, token: RwSignal<Option<String>>) -> impl IntoView {
    let shared = expect_context::<Shared>();
    let v = RwSignal::new(initial);
    let code = v.with_untracked(|v| v.code.clone());
    Effect::new(move |_| {
        v.with(|v| set_title(&tr_with(lang(), "track.title", &[("code", &v.code)])));
    });
    let programs = move || shared.programs.get().and_then(Result::ok);
    let status = move || v.with(|v| v.status);
    let lines = move || {
        let l = lang();
        let catalogue = programs();
        v.with(|v| {
            v.lines
                .iter()
                .map(|line| {
                    let (name, unit) = package_name(catalogue.as_ref(), l, line.package_id);
                    // The unit's value as everywhere else: "Rp … per keluarga/minggu".
                    let each = tr_with(
                        l,
                        "need.unit_value",
                        &[("value", &l.rupiah(line.unit_value)), ("unit", &unit)],
                    );
                    // "keluarga/minggu" may break after the slash on a phone.
                    let unit = unit.replace('/', "/\u{200b}");
                    let quantity = tr_with(
                        l,
                        "track.quantity",
                        &[("count", &l.number(u64::from(line.quantity))), ("unit", &unit)],
                    );
                    let value = l.rupiah(i64::from(line.quantity) * line.unit_value);
                    view! {
                        <tr data-testid="tracking-line" data-package-id=line.package_id.to_string()>
                            <th scope="row">{name}<span class="cell-note">{each}</span></th>
                            <td class="num" data-testid="tracking-quantity">{quantity.trim().to_owned()}</td>
                            <td class="num">{value}</td>
                        </tr>
                    }
                })
                .collect_view()
        })
    };
    let collaborator = move || {
        let l = lang();
        v.with(|v| {
            let name = v
                .collaborator_name
                .clone()
                .unwrap_or_else(|| l.text("track.anonymous"));
            format!("{name} ({})", kind_text(l, v.collaborator_kind.as_str()))
        })
    };
    let place = move || {
        v.with(|v| {
            let href = Page::Location(v.location.id).href();
            let name = v.location.name.clone();
            let category = format!("category.{}", v.location.category.as_str());
            view! {
                <A href=href>{name}</A>
                <span class="cell-note">{move || lang().text(&category)}</span>
            }
        })
    };
    view! {
        <article class="tracking" data-testid="tracking">
            <p class="eyebrow">{tr("track.code")}</p>
            <div class="code-row">
                <h1 class="tracking-code" data-testid="tracking-code">{code.clone()}</h1>
                <CopyButton text=code.clone() label="track.copy_code" done="track.copied" />
            </div>
            <ShareButtons
                page=Page::Tracking(code.clone())
                title=code.clone()
                text=Signal::derive({
                    let code = code.clone();
                    move || {
                        let place = v.with(|v| v.location.name.clone());
                        tr_with(lang(), "share.collaboration_text", &[("code", &code), ("place", &place)])
                    }
                })
            />
            // The collaborator's own view (the manage link), before the goods
            // have been handed over: thanks, and what happens next.
            <Show when=move || token.get().is_some() && v.with(awaits_delivery)>
                <NextSteps view=v />
            </Show>
            <p class="status-line">
                <span
                    class=move || format!("status-badge status-{}", status().as_str())
                    data-testid="tracking-status"
                    data-status=move || status().as_str()
                >
                    {move || {
                        let awaiting = v.with(|v| v.confirmed_at.is_none())
                            && status() == CommitmentStatus::Committed;
                        lang().text(if awaiting { "track.awaiting" } else { status_key(status()) })
                    }}
                </span>
                <span class="status-note">{move || v.with(|v| status_note(lang(), v))}</span>
            </p>
            <dl class="facts">
                <div>
                    <dt>{tr("track.place")}</dt>
                    <dd>{place}</dd>
                </div>
                <div>
                    <dt>{tr("track.collaborator")}</dt>
                    <dd data-testid="tracking-collaborator">{collaborator}</dd>
                </div>
                <div>
                    <dt>{tr("track.planned_date")}</dt>
                    <dd>{move || v.with(|v| lang().date(&v.planned_date))}</dd>
                </div>
                <div>
                    <dt>{tr("track.created")}</dt>
                    <dd>
                        {move || {
                            v.with(|v| {
                                lang().date(&validate::civil_from_days(storage::local_day_of(v.created_at)))
                            })
                        }}
                    </dd>
                </div>
            </dl>
            <h2>{tr("track.packages")}</h2>
            <LinesTable
                total=Signal::derive(move || lang().rupiah(v.with(|v| v.total_value)))
                total_id="tracking-total"
            >
                {lines}
            </LinesTable>
            <Show when=move || v.with(shows_delivery)>
                <Voices view=v />
            </Show>
            <Corrections list=Signal::derive(move || v.with(|v| v.corrections.clone())) />
            <h2>{tr("history.heading")}</h2>
            <ol class="history" data-testid="history">
                {move || {
                    let l = lang();
                    v.with(|v| {
                        v.history
                            .iter()
                            .map(|h| {
                                let key = format!("history.{}", h.kind);
                                let text = l.text(&key);
                                // An unknown kind shows its name rather than a key.
                                let text = if text == key { h.kind.clone() } else { text };
                                view! {
                                    <li data-kind=h.kind.clone()>
                                        <span class="history-what">{text}</span>
                                        " "
                                        <span class="history-when">{local_time(l, h.at)}</span>
                                        " "
                                        <span class="history-seq">
                                            {tr_with(l, "history.entry", &[("seq", &h.seq.to_string())])}
                                        </span>
                                    </li>
                                }
                            })
                            .collect_view()
                    })
                }}
            </ol>
            <p class="muted">
                {tr("history.note")} " " <A href=Page::Verify.href()>{tr("nav.verify")}</A>
            </p>
            <ManagePanel code token view=v />
        </article>
    }
}

/// A Unix time as a local date and time ("5 Desember 2026, 14.05").
pub fn local_time(l: Lang, unix: i64) -> String {
    #[allow(clippy::cast_precision_loss)]
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(unix as f64 * 1000.0));
    let date = l.date(&validate::civil_from_days(storage::local_day_of(unix)));
    let sep = if l == Lang::Id { '.' } else { ':' };
    format!("{date}, {:02}{sep}{:02}", d.get_hours(), d.get_minutes())
}

/// What cancelling is doing.
#[derive(Debug, Clone, PartialEq)]
enum Cancel {
    Idle,
    Confirming,
    Sending,
    Done,
    Failed(String),
}

/// Still open, with nothing handed over yet: the time for the next steps
/// and for reporting the delivery.
fn awaits_delivery(v: &CommitmentView) -> bool {
    v.status == CommitmentStatus::Committed && v.delivery.is_none()
}

/// What the collaborator does now, in order, with the dates that matter:
/// confirm the contact (while it is only a hold), buy and hand over the
/// goods by the planned date (the area's facilitator verifies and can be
/// asked), have the place confirm with its code, report the delivery here.
#[component]
fn NextSteps(view: RwSignal<CommitmentView>) -> impl IntoView {
    let steps = move || {
        let l = lang();
        view.with(|v| {
            let mut steps = Vec::new();
            if v.confirmed_at.is_none() {
                steps.push(tr_with(
                    l,
                    "track.next.confirm",
                    &[("time", &local_time(l, v.expires_at))],
                ));
            }
            steps.push(tr_with(
                l,
                "track.next.deliver",
                &[
                    ("place", &v.location.name),
                    ("date", &l.date(&v.planned_date)),
                ],
            ));
            steps.push(l.text("track.next.handover"));
            steps.push(l.text("track.next.report"));
            steps
                .into_iter()
                .map(|s| view! { <li>{s}</li> })
                .collect_view()
        })
    };
    view! {
        <div class="next-steps" data-testid="next-steps">
            <p class="next-steps-thanks">{tr("track.next.thanks")}</p>
            <ol>{steps}</ol>
        </div>
    }
}

/// The private part: the manage link, contact details and cancelling.
#[component]
fn ManagePanel(
    code: String,
    token: RwSignal<Option<String>>,
    view: RwSignal<CommitmentView>,
) -> impl IntoView {
    let shared = expect_context::<Shared>();
    let code = StoredValue::new(code);
    // Only a change of who is signed in matters, not "unknown" → "guest".
    let signed_in = Memo::new(move |_| shared.session.with(|s| s.account().is_some()));
    let private = LocalResource::new(move || {
        let token = token.get();
        let signed_in = signed_in.get();
        let code = code.get_value();
        async move {
            if token.is_none() && !signed_in {
                return None;
            }
            Some(api::commitment_private(&code, token.as_deref()).await)
        }
    });
    let body = move || {
        let result = private.get()??;
        Some(match result {
            Ok(p) => {
                view! { <PrivateDetails private=p code=code.get_value() token view /> }.into_any()
            }
            Err(ApiFailure::Api {
                status: 403 | 401,
                error,
            }) => {
                // Not ours after all: an owner's session without a token
                // just shows the public page; a wrong token says so.
                if token.get_untracked().is_some() {
                    storage::local_remove(&storage::manage_token_key(&code.get_value()));
                    view! {
                        <p class="status status-error" role="alert" data-testid="manage-invalid">
                            {error.message}
                        </p>
                    }
                    .into_any()
                } else {
                    ().into_any()
                }
            }
            Err(e) => {
                view! { <LoadError failure=e retry=Callback::new(move |()| private.refetch()) /> }
                    .into_any()
            }
        })
    };
    view! { {body} }
}

#[component]
fn PrivateDetails(
    private: CommitmentPrivate,
    code: String,
    token: RwSignal<Option<String>>,
    view: RwSignal<CommitmentView>,
) -> impl IntoView {
    let CommitmentPrivate {
        contact_name,
        contact_email,
        contact_phone,
        show_name,
        ..
    } = private;
    let code = StoredValue::new(code);
    let link = move || {
        token.get().map(|t| {
            Page::Manage {
                code: code.get_value(),
                token: t,
            }
            .absolute()
        })
    };
    let copied = RwSignal::new(false);
    let copy_link = move |_| {
        if let Some(l) = link() {
            storage::copy_to_clipboard(&l, move |ok| {
                copied.set(ok);
                if !ok {
                    // No clipboard (plain HTTP): select it for a manual copy.
                    if let Some(input) = document().get_element_by_id("manage-link").and_then(|e| {
                        wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlInputElement>(e).ok()
                    }) {
                        input.select();
                        let _ = input.focus();
                    }
                }
            });
        }
    };
    let state = RwSignal::new(Cancel::Idle);
    let cancel = move |_| {
        state.set(Cancel::Sending);
        let token = token.get_untracked();
        leptos::task::spawn_local(async move {
            match api::cancel(&code.get_value(), token).await {
                Ok(updated) => {
                    view.set(updated);
                    state.set(Cancel::Done);
                    focus_soon("cancel-result".to_owned());
                }
                Err(e) => {
                    let message = e.plain_message(lang());
                    if e.code() == Some(ErrorCode::Conflict)
                        && let Ok(fresh) = api::commitment(&code.get_value()).await
                    {
                        view.set(fresh);
                    }
                    state.set(Cancel::Failed(message));
                    focus_soon("cancel-result".to_owned());
                }
            }
        });
    };
    let open = move || view.with(|v| v.status == CommitmentStatus::Committed);
    // The delivery report: only with the manage token, while committed;
    // afterwards the place's confirmation slip (shown once).
    let slip = RwSignal::new(None::<ReceiptSlip>);
    let on_done = Callback::new(move |s: ReceiptSlip| {
        slip.set(Some(s));
        focus_soon("receipt-slip".to_owned());
        leptos::task::spawn_local(async move {
            if let Ok(fresh) = api::commitment(&code.get_value()).await {
                view.set(fresh);
            }
        });
    });
    let reportable = Memo::new(move |_| view.with(awaits_delivery));
    let report_area = move || {
        if let Some(s) = slip.get() {
            return view! { <SlipCard slip=s /> }.into_any();
        }
        // This panel shows only to the token holder or the signed-in owner.
        let who = token.get().map_or(Reporter::Owner, Reporter::Token);
        match who {
            who if reportable.get() => {
                let lines = view.with_untracked(|v| v.lines.clone());
                // Folded until the goods have been handed over: right after
                // committing, the next steps come first, not a form.
                view! {
                    <details class="delivery-panel" data-testid="delivery-panel">
                        <summary>
                            <h3 id="delivery-heading">{tr("delivery.heading")}</h3>
                        </summary>
                        <p class="note">{tr("delivery.intro")}</p>
                        <DeliveryForm
                            code=code.get_value()
                            lines
                            who
                            on_done
                        />
                    </details>
                }
                .into_any()
            }
            _ => ().into_any(),
        }
    };
    let cancel_area = move || match state.get() {
        Cancel::Idle | Cancel::Failed(_) if open() => view! {
            <button
                type="button"
                class="button button-quiet"
                data-testid="cancel"
                on:click=move |_| {
                    state.set(Cancel::Confirming);
                    focus_soon("cancel-confirm".to_owned());
                }
            >
                {tr("track.cancel")}
            </button>
        }
        .into_any(),
        Cancel::Confirming | Cancel::Sending => view! {
            <div class="confirm" role="group" aria-labelledby="cancel-question">
                <p id="cancel-question" class="confirm-question">{tr("track.cancel_question")}</p>
                <div class="button-row">
                    <button
                        type="button"
                        id="cancel-confirm"
                        class="button button-danger"
                        data-testid="cancel-confirm"
                        aria-disabled=move || (state.get() == Cancel::Sending).then_some("true")
                        on:click=move |ev| {
                            if state.get_untracked() == Cancel::Confirming {
                                cancel(ev);
                            }
                        }
                    >
                        {move || {
                            if state.get() == Cancel::Sending {
                                lang().text("track.cancelling")
                            } else {
                                lang().text("track.cancel_yes")
                            }
                        }}
                    </button>
                    <button
                        type="button"
                        class="button button-quiet"
                        on:click=move |_| {
                            state.set(Cancel::Idle);
                            focus_soon("manage-heading".to_owned());
                        }
                    >
                        {tr("track.cancel_no")}
                    </button>
                </div>
            </div>
        }
        .into_any(),
        _ => ().into_any(),
    };
    let result = move || match state.get() {
        Cancel::Done => Some(lang().text("track.cancelled_done")),
        Cancel::Failed(m) => Some(m),
        _ => None,
    };
    view! {
        <section class="manage-panel" aria-labelledby="manage-heading" data-testid="manage-panel">
            <h2 id="manage-heading" tabindex="-1">{tr("track.manage_heading")}</h2>
            <p class="note">{tr("track.manage_note")}</p>
            {move || {
                link().map(|l| {
                    view! {
                        <div class="field">
                            <label for="manage-link">{tr("track.manage_link")}</label>
                            // The warning is about cancelling: moot once it is closed.
                            <p class="hint" id="manage-link-hint">
                                {move || open().then(|| lang().text("track.manage_link_hint"))}
                            </p>
                            <div class="inline-row">
                                <input
                                    id="manage-link"
                                    type="text"
                                    readonly
                                    aria-describedby="manage-link-hint"
                                    prop:value=l
                                    data-testid="manage-link"
                                />
                                <button type="button" class="button button-quiet" on:click=copy_link>
                                    {tr("track.copy_link")}
                                </button>
                            </div>
                            <p class="copy-status" role="status">
                                {move || copied.get().then(|| lang().text("track.copied"))}
                            </p>
                        </div>
                    }
                })
            }}
            <dl class="facts">
                <div>
                    <dt>{tr("track.contact_name")}</dt>
                    <dd>{contact_name}</dd>
                </div>
                <div>
                    <dt>{tr("commit.email")}</dt>
                    <dd data-testid="contact-email">{contact_email}</dd>
                </div>
                <div>
                    <dt>{tr("commit.phone")}</dt>
                    <dd data-testid="contact-phone">{contact_phone}</dd>
                </div>
                <div>
                    <dt>{tr("commit.public_report")}</dt>
                    <dd>
                        {move || {
                            if show_name { lang().text("track.name_shown") } else { lang().text("commit.public_anonymous") }
                        }}
                    </dd>
                </div>
            </dl>
            {report_area}
            <div class="cancel-area">{cancel_area}</div>
            <div id="cancel-result" tabindex="-1" class="cancel-result" role="status" data-testid="cancel-result">
                {result}
            </div>
        </section>
    }
}
