//! `/terima/{code}`: the place's representative confirms what arrived,
//! with the one-time code from the delivery slip. Phone first, no account.

use kolaborasi_shared::{
    CommitmentView, DeliveredLine, ReceiptAnswer, ReceiptRequest, ReceiptStatus, ReceivedLineInput,
    validate,
};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::api::{self, ApiFailure};
use crate::components::form::{
    Errors, FieldError, FormAlert, Problem, TextAreaField, dom_id, focus_soon, kind_text,
    place_field_errors,
};
use crate::components::status::{LoadError, Loading};
use crate::i18n::{lang, tr, tr_with};
use crate::pages::tracking::{local_time, package_name};
use crate::route::Page;
use crate::{Shared, set_title};

#[component]
pub fn ReceiptPage() -> impl IntoView {
    let params = use_params_map();
    let code = Memo::new(move |_| {
        params
            .read()
            .get("code")
            .and_then(|c| validate::tracking_code(&c))
    });
    let request = LocalResource::new(move || {
        let code = code.get();
        async move {
            match code {
                Some(code) => api::receipt(&code).await,
                None => Err(ApiFailure::not_found()),
            }
        }
    });
    let retry = Callback::new(move |()| request.refetch());
    Effect::new(move |_| set_title(&lang().text("receipt.title")));
    view! {
        <div class="page narrow receipt-page" data-testid="receipt-page">
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match request.await {
                        Ok(r) => {
                            view! { <ReceiptForm request=r confirm=code.get_untracked().unwrap_or_default() /> }
                                .into_any()
                        }
                        Err(ApiFailure::Api { status: 400 | 404, .. }) => view! {
                            <h1>{tr("receipt.title")}</h1>
                            <p class="status-box" role="alert" data-testid="receipt-unknown">
                                {tr("receipt.unknown")}
                            </p>
                            <p class="note">{tr("receipt.unknown_help")}</p>
                        }
                        .into_any(),
                        Err(e @ ApiFailure::Api { status: 429, .. }) => {
                            let message = e.plain_message(lang());
                            view! {
                                <h1>{tr("receipt.title")}</h1>
                                <p class="status-box" role="alert" data-testid="receipt-limited">
                                    {message}
                                </p>
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

/// One delivered line with the two answers as typed.
#[derive(Debug, Clone)]
struct AnswerLine {
    line: DeliveredLine,
    ok: RwSignal<String>,
    damaged: RwSignal<String>,
}

fn ok_field(package_id: i64) -> String {
    format!("ok.{package_id}")
}

fn damaged_field(package_id: i64) -> String {
    format!("damaged.{package_id}")
}

const F_COMMENT: &str = "comment";

/// A labelled whole-number input for one line.
#[component]
fn CountInput(
    field: String,
    label: String,
    value: RwSignal<String>,
    max: u32,
    errors: Errors,
    testid: &'static str,
    package_id: i64,
) -> impl IntoView {
    let id = dom_id(&field);
    let message = errors.message(field.clone());
    let error_id = format!("{id}-error");
    view! {
        <div class="field count-field" class:field-invalid=move || message.read().is_some()>
            <label for=id.clone()>{label}</label>
            <input
                id=id.clone()
                type="number"
                inputmode="numeric"
                min="0"
                max=max.to_string()
                step="1"
                class="quantity-input"
                data-testid=testid
                data-package-id=package_id.to_string()
                aria-invalid=move || message.read().is_some().then_some("true")
                aria-describedby=move || message.read().is_some().then(|| error_id.clone())
                prop:value=move || value.get()
                on:input:target=move |ev| {
                    value.set(ev.target().value());
                    errors.set(&field, None);
                }
            />
            <FieldError id=id.clone() message />
        </div>
    }
}

#[component]
fn ReceiptForm(request: ReceiptRequest, confirm: String) -> impl IntoView {
    let shared = expect_context::<Shared>();
    let ReceiptRequest {
        commitment,
        expires_at,
    } = request;
    let confirm = StoredValue::new(confirm);
    let tracking = commitment.code.clone();
    let delivered_on = commitment
        .delivery
        .as_ref()
        .map(|d| d.delivered_on.clone())
        .unwrap_or_default();
    let lines: Vec<AnswerLine> = commitment
        .delivery
        .as_ref()
        .map(|d| d.lines.clone())
        .unwrap_or_default()
        .into_iter()
        .map(|line| AnswerLine {
            line,
            ok: RwSignal::new(line.quantity.to_string()),
            damaged: RwSignal::new("0".to_owned()),
        })
        .collect();
    let lines = StoredValue::new(lines);
    let errors = Errors::new();
    let alert = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let disputing = RwSignal::new(false);
    let comment = RwSignal::new(String::new());
    let done = RwSignal::new(None::<CommitmentView>);

    let place = commitment.location.name.clone();
    let category = format!("category.{}", commitment.location.category.as_str());
    let collaborator_name = commitment.collaborator_name.clone();
    let collaborator_kind = commitment.collaborator_kind;
    let collaborator = move || {
        let l = lang();
        let name = collaborator_name
            .clone()
            .unwrap_or_else(|| l.text("track.anonymous"));
        format!("{name} ({})", kind_text(l, collaborator_kind.as_str()))
    };

    let line_views = move || {
        let l = lang();
        let catalogue = shared.programs.get().and_then(Result::ok);
        lines.with_value(|lines| {
            lines
                .iter()
                .map(|a| {
                    let id = a.line.package_id;
                    let (name, unit) = package_name(catalogue.as_ref(), l, id);
                    let delivered = tr_with(
                        l,
                        "receipt.line_delivered",
                        &[("count", &l.number(u64::from(a.line.quantity))), ("unit", &unit)],
                    );
                    view! {
                        <fieldset class="receipt-line" data-testid="receipt-line" data-package-id=id.to_string()>
                            <legend>
                                {name}
                                <span class="cell-note">{delivered}</span>
                            </legend>
                            <div class="count-pair">
                                <CountInput
                                    field=ok_field(id)
                                    label=l.text("receipt.ok")
                                    value=a.ok
                                    max=a.line.quantity
                                    errors
                                    testid="receipt-ok"
                                    package_id=id
                                />
                                <CountInput
                                    field=damaged_field(id)
                                    label=l.text("receipt.damaged")
                                    value=a.damaged
                                    max=a.line.quantity
                                    errors
                                    testid="receipt-damaged"
                                    package_id=id
                                />
                            </div>
                        </fieldset>
                    }
                })
                .collect_view()
        })
    };

    let send = move |outcome: ReceiptStatus| {
        if busy.get_untracked() {
            return;
        }
        alert.set(None);
        let mut first: Option<String> = None;
        let mut sent = Vec::new();
        lines.with_value(|lines| {
            for a in lines {
                let id = a.line.package_id;
                let parse = |s: RwSignal<String>| s.get_untracked().trim().parse::<u32>().ok();
                let (ok, damaged) = (parse(a.ok), parse(a.damaged));
                for (field, value) in [(ok_field(id), ok), (damaged_field(id), damaged)] {
                    let problem = match value {
                        Some(v) if v <= a.line.quantity => None,
                        _ => Some(Problem::KeyWith(
                            "receipt.count_invalid",
                            vec![("max", a.line.quantity.to_string())],
                        )),
                    };
                    if problem.is_some() && first.is_none() {
                        first = Some(field.clone());
                    }
                    errors.set(&field, problem);
                }
                sent.push(ReceivedLineInput {
                    package_id: id,
                    ok: i64::from(ok.unwrap_or(0)),
                    damaged: i64::from(damaged.unwrap_or(0)),
                });
            }
        });
        if outcome == ReceiptStatus::Disputed {
            let problem = comment
                .get_untracked()
                .trim()
                .is_empty()
                .then_some(Problem::Key("receipt.comment_required"));
            if problem.is_some() && first.is_none() {
                first = Some(F_COMMENT.to_owned());
            }
            errors.set(F_COMMENT, problem);
        } else {
            errors.set(F_COMMENT, None);
        }
        if let Some(first) = first {
            focus_soon(dom_id(&first));
            return;
        }
        let answer = ReceiptAnswer {
            outcome,
            lines: sent.clone(),
            comment: if outcome == ReceiptStatus::Disputed {
                comment.get_untracked().trim().to_owned()
            } else {
                String::new()
            },
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = api::answer_receipt(&confirm.get_value(), &answer).await;
            busy.set(false);
            match result {
                Ok(view) => {
                    done.set(Some(view));
                    focus_soon("receipt-done".to_owned());
                }
                Err(e) => {
                    let placed = place_field_errors(errors, &e, |f| {
                        if f == F_COMMENT {
                            return Some(F_COMMENT.to_owned());
                        }
                        let rest = f.strip_prefix("lines.")?;
                        let (index, which) = rest.split_once('.').unwrap_or((rest, "ok"));
                        let line = sent.get(index.parse::<usize>().ok()?)?;
                        Some(if which == "damaged" {
                            damaged_field(line.package_id)
                        } else {
                            ok_field(line.package_id)
                        })
                    });
                    if let Some(first) = placed.first() {
                        focus_soon(dom_id(first));
                    } else {
                        alert.set(Some(e.plain_message(crate::i18n::document_lang())));
                        focus_soon("receipt-alert".to_owned());
                    }
                }
            }
        });
    };
    let confirm_click = move |_| send(ReceiptStatus::Confirmed);
    let dispute_click = move |_| {
        if disputing.get_untracked() {
            send(ReceiptStatus::Disputed);
        } else {
            disputing.set(true);
            focus_soon(dom_id(F_COMMENT));
        }
    };
    let tracking_href = Page::Tracking(tracking.clone()).href();
    let form = move || {
        if let Some(v) = done.get() {
            let disputed = v
                .delivery
                .as_ref()
                .is_some_and(|d| d.receipt == ReceiptStatus::Disputed);
            let href = tracking_href.clone();
            return view! {
                <section class="receipt-done" id="receipt-done" tabindex="-1" data-testid="receipt-done">
                    <h2>{tr("receipt.done_heading")}</h2>
                    <p class="lead">
                        {move || {
                            lang().text(if disputed { "receipt.done_disputed" } else { "receipt.done_confirmed" })
                        }}
                    </p>
                    <p>
                        <A href=href attr:class="button" attr:data-testid="receipt-report-link">
                            {tr("receipt.see_report")}
                        </A>
                    </p>
                </section>
            }
            .into_any();
        }
        view! {
            <form class="receipt-form" novalidate on:submit=|ev| ev.prevent_default()>
                <div id="receipt-alert" tabindex="-1">
                    <FormAlert message=alert.into() />
                </div>
                <h2>{tr("receipt.lines_heading")}</h2>
                <p class="note">{tr("receipt.lines_intro")}</p>
                {line_views}
                <Show when=move || disputing.get()>
                    <TextAreaField
                        field=F_COMMENT
                        label="receipt.comment"
                        value=comment
                        errors
                        hint=Signal::derive(move || lang().text("receipt.comment_hint"))
                        maxlength=kolaborasi_shared::delivery::MAX_COMMENT
                        testid="receipt-comment"
                    />
                </Show>
                <div class="receipt-actions">
                    <button
                        type="button"
                        class="button button-cta button-large"
                        data-testid="receipt-confirm"
                        aria-disabled=move || busy.get().then_some("true")
                        on:click=confirm_click
                    >
                        {tr("receipt.confirm")}
                    </button>
                    <button
                        type="button"
                        class="button button-quiet button-large"
                        data-testid="receipt-dispute"
                        aria-disabled=move || busy.get().then_some("true")
                        aria-expanded=move || if disputing.get() { "true" } else { "false" }
                        on:click=dispute_click
                    >
                        {move || {
                            lang().text(if disputing.get() { "receipt.dispute_send" } else { "receipt.dispute" })
                        }}
                    </button>
                </div>
                <p class="status" role="status">
                    {move || busy.get().then(|| lang().text("receipt.sending"))}
                </p>
            </form>
        }
        .into_any()
    };
    view! {
        <h1>{tr("receipt.title")}</h1>
        <p class="lead">{tr("receipt.intro")}</p>
        <dl class="facts">
            <div>
                <dt>{tr("track.place")}</dt>
                <dd data-testid="receipt-place">
                    {place}
                    <span class="cell-note">{move || lang().text(&category)}</span>
                </dd>
            </div>
            <div>
                <dt>{tr("track.collaborator")}</dt>
                <dd data-testid="receipt-collaborator">{collaborator}</dd>
            </div>
            <div>
                <dt>{tr("delivery.date")}</dt>
                <dd>{move || lang().date(&delivered_on)}</dd>
            </div>
            <div>
                <dt>{tr("receipt.code_valid")}</dt>
                <dd>{move || local_time(lang(), expires_at)}</dd>
            </div>
        </dl>
        {form}
    }
}
