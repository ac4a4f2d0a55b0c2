//! Residents' reports: `/lokasi/{id}/lapor` (the form), `/laporan` (find a
//! report by its code), `/laporan/{code}` (where it stands), and the
//! reports section of a place's page.
//!
//! What a resident types goes to staff only; the pages show a report's
//! kind, its state and staff's public answer.

use kolaborasi_shared::report::{MAX_REPORT_CONTACT, MAX_REPORT_TEXT, MIN_REPORT_TEXT};
use kolaborasi_shared::{
    LocationDetail, NewReport, PlaceReports, ReportKind, ReportStatus, ReportView, validate,
};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::api::{self, ApiFailure};
use crate::components::form::{
    Errors, FormAlert, Problem, TextAreaField, TextField, dom_id, focus_soon, place_field_errors,
};
use crate::components::status::{LoadError, Loading};
use crate::i18n::{lang, tr, tr_with};
use crate::pages::location::location_of_route;
use crate::pages::tracking::local_time;
use crate::route::Page;
use crate::set_title;

const F_KIND: &str = "kind";
const F_DESCRIPTION: &str = "description";
const F_CONTACT: &str = "contact";

fn kind_key(kind: ReportKind) -> String {
    format!("report.kind.{}", kind.as_str())
}

fn status_key(status: ReportStatus) -> String {
    format!("report.status.{}", status.as_str())
}

#[component]
pub fn ReportPage() -> impl IntoView {
    let detail = location_of_route(api::Read::Fresh);
    let retry = Callback::new(move |()| detail.refetch());
    view! {
        <div class="page narrow">
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match detail.await {
                        Ok(d) if d.active => view! { <ReportForm place=d /> }.into_any(),
                        Ok(_) | Err(ApiFailure::Api { status: 400 | 404, .. }) => {
                            set_title(&lang().text("location.not_found"));
                            view! { <h1>{tr("location.not_found")}</h1> }.into_any()
                        }
                        Err(e) => view! { <LoadError failure=e retry /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn ReportForm(place: LocationDetail) -> impl IntoView {
    let (id, name) = (place.id, place.name);
    let title_name = name.clone();
    let lead_name = name.clone();
    Effect::new(move |_| {
        set_title(&tr_with(
            lang(),
            "report.title",
            &[("place", title_name.as_str())],
        ));
    });
    let kind = RwSignal::new(None::<ReportKind>);
    let description = RwSignal::new(String::new());
    let contact = RwSignal::new(String::new());
    let errors = Errors::new();
    let alert = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let done = RwSignal::new(None::<ReportView>);
    let sent_key = StoredValue::new(None::<(NewReport, String)>);
    let queue_name = StoredValue::new(name.clone());
    let navigate = StoredValue::new_local(use_navigate());
    let outbox = crate::outbox::use_outbox();
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        alert.set(None);
        let mut first = None;
        let chosen = kind.get_untracked();
        errors.set(
            F_KIND,
            chosen
                .is_none()
                .then_some(Problem::Key("report.kind_required")),
        );
        if chosen.is_none() {
            first = Some(dom_id(F_KIND));
        }
        let text = description.get_untracked();
        let length = text.trim().chars().count();
        let short = !(MIN_REPORT_TEXT..=MAX_REPORT_TEXT).contains(&length);
        errors.set(
            F_DESCRIPTION,
            short.then(|| {
                Problem::KeyWith(
                    "error.report.description",
                    vec![
                        ("min", MIN_REPORT_TEXT.to_string()),
                        ("max", MAX_REPORT_TEXT.to_string()),
                    ],
                )
            }),
        );
        if short && first.is_none() {
            first = Some(dom_id(F_DESCRIPTION));
        }
        let Some(chosen) = chosen.filter(|_| first.is_none()) else {
            if let Some(first) = first {
                focus_soon(first);
            }
            return;
        };
        let report = NewReport {
            location_id: id,
            kind: chosen,
            description: text,
            contact: contact.get_untracked(),
        };
        // One key per report: a retry, here or from the queue, files it once.
        let key = sent_key
            .get_value()
            .filter(|(sent, _)| *sent == report)
            .map_or_else(crate::storage::random_key, |(_, key)| key);
        sent_key.set_value(Some((report.clone(), key.clone())));
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = api::file_report(&key, &report).await;
            busy.set(false);
            match result {
                Ok(view) => {
                    done.set(Some(view));
                    focus_soon("report-done".to_owned());
                }
                // No answer at all: kept on the device with its key and sent
                // when the network returns (never on a kiosk).
                Err(ApiFailure::Network) if !crate::kiosk::active() => {
                    outbox.enqueue(
                        key,
                        crate::outbox::Body::Report(report),
                        queue_name.get_value(),
                    );
                    navigate.with_value(|go| {
                        go(
                            &Page::Outbox.href(),
                            leptos_router::NavigateOptions::default(),
                        );
                    });
                }
                Err(e) => {
                    let placed = place_field_errors(errors, &e, |f| {
                        matches!(f, F_DESCRIPTION | F_CONTACT).then(|| f.to_owned())
                    });
                    if let Some(first) = placed.first() {
                        focus_soon(dom_id(first));
                    } else {
                        alert.set(Some(e.plain_message(crate::i18n::document_lang())));
                        focus_soon("report-alert".to_owned());
                    }
                }
            }
        });
    };
    let kind_error = errors.message(F_KIND);
    let kinds = move || {
        ReportKind::ALL
            .into_iter()
            .enumerate()
            .map(|(i, k)| {
                // The first radio carries the field's id: focus lands on the group.
                let input_id = if i == 0 {
                    dom_id(F_KIND)
                } else {
                    format!("{}-{}", dom_id(F_KIND), k.as_str())
                };
                let label_for = input_id.clone();
                view! {
                    <label class="choice" for=label_for>
                        <input
                            type="radio"
                            name=F_KIND
                            id=input_id
                            value=k.as_str()
                            data-testid=format!("report-kind-{}", k.as_str())
                            prop:checked=move || kind.get() == Some(k)
                            on:change=move |_| {
                                kind.set(Some(k));
                                errors.set(F_KIND, None);
                            }
                        />
                        <span class="choice-text">
                            <span class="choice-label">{move || lang().text(&kind_key(k))}</span>
                            <span class="choice-hint">
                                {move || lang().text(&format!("report.kind_hint.{}", k.as_str()))}
                            </span>
                        </span>
                    </label>
                }
            })
            .collect_view()
    };
    let form = move || {
        if let Some(v) = done.get() {
            return view! { <Filed report=v /> }.into_any();
        }
        view! {
            <form class="report-form" novalidate on:submit=send>
                <div id="report-alert" tabindex="-1">
                    <FormAlert message=alert.into() />
                </div>
                <fieldset
                    class="field choices"
                    class:field-invalid=move || kind_error.read().is_some()
                    aria-describedby=move || {
                        kind_error.read().is_some().then(|| format!("{}-error", dom_id(F_KIND)))
                    }
                >
                    <legend>{tr("report.kind")}</legend>
                    <div class="choice-list choice-list-single">{kinds}</div>
                    <crate::components::form::FieldError id=dom_id(F_KIND) message=kind_error />
                </fieldset>
                <TextAreaField
                    field=F_DESCRIPTION
                    label="report.description"
                    value=description
                    errors
                    hint=Signal::derive(move || lang().text("report.description_hint"))
                    maxlength=MAX_REPORT_TEXT
                    rows=5
                    testid="report-description"
                />
                <TextField
                    field=F_CONTACT
                    label="report.contact"
                    value=contact
                    errors
                    hint=Signal::derive(move || lang().text("report.contact_hint"))
                    autocomplete="email"
                    maxlength=MAX_REPORT_CONTACT
                />
                <button
                    type="submit"
                    class="button button-cta button-large"
                    data-testid="report-send"
                    aria-disabled=move || busy.get().then_some("true")
                >
                    {tr("report.send")}
                </button>
                <p class="status" role="status">
                    {move || busy.get().then(|| lang().text("report.sending"))}
                </p>
            </form>
        }
        .into_any()
    };
    view! {
        <p class="back">
            <A href=Page::Location(id).href()>
                <span aria-hidden="true">"← "</span>
                {name.clone()}
            </A>
        </p>
        <h1>{tr("report.heading")}</h1>
        <p class="lead">{move || tr_with(lang(), "report.intro", &[("place", lead_name.as_str())])}</p>
        {form}
    }
}

/// The report was filed: its code, to come back with.
#[component]
fn Filed(report: ReportView) -> impl IntoView {
    let code = report.code.clone();
    view! {
        <section class="report-done" id="report-done" tabindex="-1" data-testid="report-done">
            <h2>{tr("report.done_heading")}</h2>
            <p>{tr("report.done_code")}</p>
            <p class="big-code" data-testid="report-code">{code.clone()}</p>
            <p>{tr("report.done_note")}</p>
            <p>
                <A href=Page::ReportStatus(code).href() attr:class="button" attr:data-testid="report-status-link">
                    {tr("report.see_status")}
                </A>
            </p>
        </section>
    }
}

/// `/laporan`: a report's code, typed or pasted.
#[component]
pub fn ReportLookupPage() -> impl IntoView {
    Effect::new(move |_| set_title(&lang().text("report.lookup_title")));
    let code = RwSignal::new(String::new());
    let errors = Errors::new();
    let navigate = use_navigate();
    let go = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(c) = validate::tracking_code(&code.get_untracked()) {
            navigate(
                &Page::ReportStatus(c).href(),
                leptos_router::NavigateOptions::default(),
            );
        } else {
            errors.set("code", Some(Problem::Key("report.code_invalid")));
            focus_soon(dom_id("code"));
        }
    };
    view! {
        <div class="page narrow">
            <h1>{tr("report.lookup_title")}</h1>
            <p class="lead">{tr("report.lookup_intro")}</p>
            <form class="lookup-form" novalidate on:submit=go>
                <TextField field="code" label="report.code" value=code errors autocomplete="off" />
                <button type="submit" class="button button-cta" data-testid="report-lookup">
                    {tr("report.lookup")}
                </button>
            </form>
        </div>
    }
}

/// `/laporan/{code}`: where a report stands, and staff's answer.
#[component]
pub fn ReportStatusPage() -> impl IntoView {
    let params = use_params_map();
    let code =
        Memo::new(move |_| validate::tracking_code(&params.read().get("code").unwrap_or_default()));
    let data = LocalResource::new(move || {
        let code = code.get();
        async move {
            match code {
                Some(c) => api::report(&c).await,
                None => Err(ApiFailure::not_found()),
            }
        }
    });
    let retry = Callback::new(move |()| data.refetch());
    view! {
        <div class="page narrow">
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(r) => view! { <Standing report=r /> }.into_any(),
                        Err(ApiFailure::Api { status: 400 | 404, .. }) => {
                            set_title(&lang().text("report.not_found"));
                            view! {
                                <h1>{tr("report.not_found")}</h1>
                                <p><A href=Page::ReportLookup.href()>{tr("report.lookup_title")}</A></p>
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

#[component]
fn Standing(report: ReportView) -> impl IntoView {
    let r = StoredValue::new(report);
    Effect::new(move |_| {
        set_title(&tr_with(
            lang(),
            "report.status_title",
            &[("code", &r.with_value(|r| r.code.clone()))],
        ));
    });
    let steps = move || {
        let now = r.with_value(|r| r.status);
        let last = if now == ReportStatus::Declined {
            ReportStatus::Declined
        } else {
            ReportStatus::Resolved
        };
        [ReportStatus::Received, ReportStatus::Checking, last]
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                let reached = match now {
                    ReportStatus::Received => i == 0,
                    ReportStatus::Checking => i <= 1,
                    _ => true,
                };
                view! {
                    <li class:reached=reached aria-current=(s == now).then_some("step")>
                        {move || lang().text(&status_key(s))}
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <h1>{move || tr_with(lang(), "report.status_title", &[("code", &r.with_value(|r| r.code.clone()))])}</h1>
        <ol class="report-steps" data-testid="report-steps" aria-label=tr("report.state")>
            {steps}
        </ol>
        <dl class="facts">
            <div>
                <dt>{tr("report.state")}</dt>
                <dd data-testid="report-state" data-status=r.with_value(|r| r.status.as_str())>
                    {move || lang().text(&status_key(r.with_value(|r| r.status)))}
                </dd>
            </div>
            <div>
                <dt>{tr("track.place")}</dt>
                <dd>
                    <A href=Page::Location(r.with_value(|r| r.location_id)).href()>
                        {r.with_value(|r| r.location_name.clone())}
                    </A>
                </dd>
            </div>
            <div>
                <dt>{tr("report.kind")}</dt>
                <dd>{move || lang().text(&kind_key(r.with_value(|r| r.kind)))}</dd>
            </div>
            <div>
                <dt>{tr("report.filed")}</dt>
                <dd>{move || local_time(lang(), r.with_value(|r| r.created_at))}</dd>
            </div>
            <div>
                <dt>{tr("report.updated")}</dt>
                <dd>{move || local_time(lang(), r.with_value(|r| r.updated_at))}</dd>
            </div>
            {r.with_value(|r| r.commitment.clone()).map(|c| view! {
                <div>
                    <dt>{tr("report.commitment")}</dt>
                    <dd><A href=Page::Tracking(c.clone()).href()>{c}</A></dd>
                </div>
            })}
        </dl>
        {r.with_value(|r| r.answer.clone()).map(|a| view! {
            <section class="report-answer" aria-labelledby="report-answer-heading">
                <h2 id="report-answer-heading">{tr("report.answer")}</h2>
                <p class="answer-text" data-testid="report-answer">{a}</p>
            </section>
        })}
        <p class="note">{tr("report.private_note")}</p>
    }
}

/// The reports section of a place's page: open reports by kind, staff's
/// answers, and the way to report.
#[component]
pub fn PlaceReportsSection(id: i64, active: bool) -> impl IntoView {
    let data = LocalResource::new(move || api::place_reports(id));
    view! {
        <section class="place-reports" aria-labelledby="reports-heading" data-testid="place-reports">
            <h2 id="reports-heading">{tr("report.section")}</h2>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(p) => view! { <PlaceReportsList reports=p /> }.into_any(),
                        // The rest of the page stands without this part.
                        Err(_) => view! { <p class="note">{tr("report.unavailable")}</p> }.into_any(),
                    }
                })}
            </Transition>
            <p class="report-actions">
                <Show when=move || active>
                    <A href=Page::Report(id).href() attr:class="button" attr:data-testid="report-link">
                        {tr("report.link")}
                    </A>
                </Show>
                " "
                <A href=Page::ReportLookup.href()>{tr("report.lookup_title")}</A>
            </p>
        </section>
    }
}

#[component]
fn PlaceReportsList(reports: PlaceReports) -> impl IntoView {
    let PlaceReports { open, answered } = reports;
    let nothing = open.is_empty() && answered.is_empty();
    let (has_open, has_answered) = (!open.is_empty(), !answered.is_empty());
    view! {
        <Show when=move || nothing>
            <p class="note" data-testid="reports-none">{tr("report.none")}</p>
        </Show>
        <ul class="open-reports" data-testid="open-reports" hidden=!has_open>
            {open
                .into_iter()
                .map(|o| {
                    view! {
                        <li data-kind=o.kind.as_str()>
                            {move || {
                                let l = lang();
                                tr_with(
                                    l,
                                    "report.open_count",
                                    &[("kind", &l.text(&kind_key(o.kind))), ("count", &l.number(u64::try_from(o.count).unwrap_or(0)))],
                                )
                            }}
                        </li>
                    }
                })
                .collect_view()}
        </ul>
        <ul class="answered-reports" data-testid="answered-reports" hidden=!has_answered>
            {answered
                .into_iter()
                .map(|r| {
                    let answer = r.answer.clone().unwrap_or_default();
                    view! {
                        <li>
                            <p class="meta">
                                {move || {
                                    let l = lang();
                                    format!(
                                        "{} · {} · {}",
                                        l.text(&kind_key(r.kind)),
                                        l.text(&status_key(r.status)),
                                        local_time(l, r.updated_at),
                                    )
                                }}
                            </p>
                            <p class="answer-text">{answer}</p>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}
