//! `/antrean`: commitments and reports made without a connection, with
//! their state.
//! Each says plainly where it is: waiting for the network, sending, sent
//! (with its code), or refused (with the server's reason, to adjust and
//! send again).

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

use crate::components::offline::age_text;
use crate::i18n::{lang, tr, tr_with};
use crate::outbox::{Body, Item, State, use_outbox};
use crate::route::Page;
use crate::{set_title, storage};

#[component]
pub fn OutboxPage() -> impl IntoView {
    let outbox = use_outbox();
    Effect::new(move |_| set_title(&lang().text("outbox.title")));
    let empty = move || outbox.items.with(Vec::is_empty);
    let waiting = move || {
        outbox
            .items
            .with(|items| items.iter().any(|i| i.state == State::Waiting))
    };
    view! {
        <div class="page narrow outbox-page">
            <h1>{tr("outbox.title")}</h1>
            <p class="lead">{tr("outbox.intro")}</p>
            <Show when=empty>
                <p data-testid="outbox-empty">{tr("outbox.empty")}</p>
            </Show>
            <Show when=waiting>
                <button
                    type="button"
                    class="button"
                    data-testid="outbox-send-now"
                    on:click=move |_| outbox.flush()
                >
                    {tr("outbox.send_now")}
                </button>
            </Show>
            <ol class="outbox-list" data-testid="outbox-list">
                <For
                    each=move || outbox.items.get()
                    key=|item| (item.key.clone(), format!("{:?}", item.state))
                    children=move |item| view! { <OutboxItem item /> }
                />
            </ol>
        </div>
    }
}

/// "Tersisa: 1 Paket Sembako, 3 Paket Gizi Anak" from the server's refusal.
fn remaining_text(
    l: crate::i18n::Lang,
    remaining: &[kolaborasi_shared::PackageRemaining],
) -> Option<String> {
    if remaining.is_empty() {
        return None;
    }
    let shared = expect_context::<crate::Shared>();
    let programs = shared.programs.get_untracked().and_then(Result::ok);
    let parts: Vec<String> = remaining
        .iter()
        .map(|r| {
            let (name, _) =
                crate::pages::tracking::package_name(programs.as_ref(), l, r.package_id);
            format!("{} {name}", l.number(u64::from(r.remaining)))
        })
        .collect();
    Some(tr_with(l, "outbox.left", &[("list", &parts.join(", "))]))
}

/// Takes an entry off the queue (sent: dismissed; refused: discarded).
#[component]
fn RemoveButton(key: String, label: &'static str) -> impl IntoView {
    let outbox = use_outbox();
    view! {
        <button type="button" class="button button-quiet" on:click=move |_| outbox.remove(&key)>
            {tr(label)}
        </button>
    }
}

#[component]
fn OutboxItem(item: Item) -> impl IntoView {
    let outbox = use_outbox();
    let navigate = use_navigate();
    let l = lang();
    let summary = match &item.body {
        Body::Commitment(body) => {
            let packages: i64 = body.lines.iter().map(|l| l.quantity).sum();
            tr_with(
                l,
                "outbox.summary",
                &[
                    ("count", &l.number(u64::try_from(packages).unwrap_or(0))),
                    ("date", &l.date(&body.planned_date)),
                ],
            )
        }
        Body::Report(report) => tr_with(
            l,
            "outbox.report",
            &[(
                "kind",
                &l.text(&format!("report.kind.{}", report.kind.as_str())),
            )],
        ),
    };
    let is_report = matches!(item.body, Body::Report(_));
    let queued = tr_with(
        l,
        "outbox.queued",
        &[("age", &age_text(l, item.queued_at, js_sys::Date::now()))],
    );
    let key = item.key.clone();
    let (state_name, state_view) = match item.state.clone() {
        State::Waiting => (
            "waiting",
            view! { <p class="outbox-state">{tr("outbox.waiting")}</p> }.into_any(),
        ),
        State::Sending => (
            "sending",
            view! { <p class="outbox-state">{tr("outbox.sending")}</p> }.into_any(),
        ),
        State::Sent { code } => {
            let token = storage::local_get(&storage::manage_token_key(&code));
            let href = match token {
                _ if is_report => Page::ReportStatus(code.clone()).href(),
                Some(token) => Page::Manage {
                    code: code.clone(),
                    token,
                }
                .href(),
                None => Page::Tracking(code.clone()).href(),
            };
            let remove_key = key.clone();
            (
                "sent",
                view! {
                    <p class="outbox-state">
                        {tr_with(l, "outbox.sent", &[("code", &code)])}
                    </p>
                    <p class="outbox-actions">
                        <A href=href attr:class="button" attr:data-testid="outbox-open">
                            {tr("outbox.open")}
                        </A>
                        <RemoveButton key=remove_key label="outbox.dismiss" />
                    </p>
                }
                .into_any(),
            )
        }
        State::Refused {
            message,
            remaining,
            maybe_received,
        } => {
            let left = remaining_text(l, &remaining);
            let body = item.body.clone();
            let adjust_key = key.clone();
            let discard_key = key.clone();
            let adjust = move |_| {
                outbox.remove(&adjust_key);
                let href = match &body {
                    Body::Commitment(body) => {
                        crate::pages::commit::restore_draft(body);
                        Page::Commit(body.location_id).href()
                    }
                    Body::Report(report) => {
                        crate::pages::report::restore_draft(report);
                        match report.location_id {
                            Some(id) => Page::Report(id).href(),
                            None => Page::Suggest(None).href(),
                        }
                    }
                };
                navigate(&href, leptos_router::NavigateOptions::default());
            };
            (
                "refused",
                view! {
                    <p class="outbox-state">
                        {tr("outbox.refused")} " " <strong data-testid="outbox-reason">{message}</strong>
                    </p>
                    {left.map(|t| view! { <p data-testid="outbox-left">{t}</p> })}
                    <Show when=move || maybe_received>
                        <p data-testid="outbox-maybe">{tr("outbox.maybe_received")}</p>
                    </Show>
                    <p class="outbox-actions">
                        <Show when=move || !maybe_received>
                            <button type="button" class="button" data-testid="outbox-adjust" on:click=adjust.clone()>
                                {tr("outbox.adjust")}
                            </button>
                        </Show>
                        <RemoveButton key=discard_key label="outbox.discard" />
                    </p>
                }
                .into_any(),
            )
        }
    };
    view! {
        <li
            class="outbox-item"
            data-testid="outbox-item"
            data-state=state_name
            data-kind=if is_report { "report" } else { "commitment" }
        >
            <h2>{item.place.clone()}</h2>
            <p>{summary} " · " {queued}</p>
            <div role="status">{state_view}</div>
        </li>
    }
}
