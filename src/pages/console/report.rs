//! `/konsol/laporan/{code}`: a resident's report as staff see it — what
//! the reporter wrote, their contact, the reports grouped with it — and the
//! answer: checking, resolved or declined, with a public text and,
//! optionally, the commitment it concerns.

use kolaborasi_shared::report::MAX_REPORT_ANSWER;
use kolaborasi_shared::{ReportAction, ReportStatus, StaffReport};
use leptos::prelude::*;
use leptos_router::components::A;

use super::{ConsoleFrame, StaffAuth, by_code_page, when};
use crate::api;
use crate::components::form::{
    Errors, FormAlert, Problem, TextAreaField, TextField, dom_id, focus_soon, place_field_errors,
};
use crate::i18n::{lang, tr, tr_with};
use crate::route::Page;
use crate::set_title;

const F_STATUS: &str = "status";
const F_ANSWER: &str = "answer";
const F_COMMITMENT: &str = "commitment";

#[component]
pub fn ConsoleReportPage() -> impl IntoView {
    view! {
        <ConsoleFrame>
            {by_code_page(
                |code| async move { api::staff_report(&code).await },
                "report.not_found",
                |r| view! { <StaffView data=r /> },
            )}
        </ConsoleFrame>
    }
}

#[component]
fn StaffView(data: StaffReport) -> impl IntoView {
    let data = RwSignal::new(data);
    let code = data.with_untracked(|d| d.report.code.clone());
    let title_code = code.clone();
    Effect::new(move |_| {
        set_title(&tr_with(
            lang(),
            "console.report_title",
            &[("code", &title_code)],
        ));
    });
    let facts = move || {
        let StaffReport {
            report: r,
            description,
            contact,
            grouped,
            group_of,
            place,
            photo,
        } = data.get();
        {
            let l = lang();
            let status = r.status.as_str();
            let kind = r.kind.as_str();
            view! {
                <dl class="facts">
                    <div>
                        <dt>{tr("report.state")}</dt>
                        <dd data-testid="staff-report-state" data-status=status>
                            {l.text(&format!("report.status.{status}"))}
                        </dd>
                    </div>
                    <div>
                        <dt>{tr("track.place")}</dt>
                        <dd>
                            {match r.location_id {
                                Some(id) => view! {
                                    <A href=Page::ConsoleLocation(id).href()>{r.location_name.clone()}</A>
                                }.into_any(),
                                None => view! {
                                    <span>{r.location_name.clone()}</span>
                                    " "
                                    <span class="badge">{tr("report.suggested")}</span>
                                }.into_any(),
                            }}
                        </dd>
                    </div>
                    <div>
                        <dt>{tr("report.kind")}</dt>
                        <dd>{l.text(&format!("report.kind.{kind}"))}</dd>
                    </div>
                    <div>
                        <dt>{tr("report.filed")}</dt>
                        <dd>{when(l, r.created_at)}</dd>
                    </div>
                    <div>
                        <dt>{tr("console.report_contact")}</dt>
                        <dd data-testid="staff-report-contact">
                            {contact.unwrap_or_else(|| l.text("console.report_no_contact"))}
                        </dd>
                    </div>
                    {r.commitment.map(|c| view! {
                        <div>
                            <dt>{tr("report.commitment")}</dt>
                            <dd><A href=Page::ConsoleCommitment(c.clone()).href()>{c}</A></dd>
                        </div>
                    })}
                </dl>
                {r.location_id.filter(|_| kind == "wrong_info").map(|id| view! {
                    <p class="status-box">
                        {tr("console.report_wrong_info")} " "
                        <A
                            href=format!("{}?laporan={}", Page::ConsoleLocation(id).href(), r.code)
                            attr:data-testid="report-edit-place"
                        >
                            {tr("console.report_edit_place")}
                        </A>
                    </p>
                })}
                {place.map(|p| suggested(l, &p, r.location_id.is_none() && r.status.is_open(), &r.code))}
                <h2>{tr("console.report_description")}</h2>
                <p class="answer-text" data-testid="staff-report-description">{description}</p>
                {photo.then(|| view! { <ReportPhoto code=r.code.clone() /> })}
                {group_of.map(|g| view! {
                    <p class="status-box">
                        {tr("console.report_grouped_in")} " "
                        <A href=Page::ConsoleReport(g.clone()).href()>{g}</A>
                    </p>
                })}
                {(!grouped.is_empty()).then(|| {
                    view! {
                        <h2>{tr_with(l, "console.report_grouped", &[("count", &grouped.len().to_string())])}</h2>
                        <ul class="grouped-reports" data-testid="grouped-reports">
                            {grouped.into_iter().map(|g| view! {
                                <li>
                                    <p class="meta">
                                        {format!("{} · {}", g.code, when(l, g.created_at))}
                                        {g.contact.map(|c| format!(" · {c}"))}
                                    </p>
                                    <p class="answer-text">{g.description}</p>
                                    {g.photo.then(|| view! { <ReportPhoto code=g.code.clone() /> })}
                                </li>
                            }).collect_view()}
                        </ul>
                    }
                })}
                {r.answer.map(|a| view! {
                    <h2>{tr("report.answer")}</h2>
                    <p class="answer-text" data-testid="staff-report-answer">{a}</p>
                })}
            }
        }
    };
    // Answering is for admins and operators (verifiers read).
    let auth = StaffAuth::get();
    let may_answer = move || {
        auth.role()
            .is_some_and(|r| r != kolaborasi_shared::Role::Verifier)
    };
    let open =
        move || may_answer() && data.with(|d| d.report.status.is_open() && d.group_of.is_none());
    view! {
        <h1>{tr_with(lang(), "console.report_title", &[("code", &code)])}</h1>
        {facts}
        <Show when=open>
            <AnswerForm data />
        </Show>
    }
}

#[component]
fn AnswerForm(data: RwSignal<StaffReport>) -> impl IntoView {
    let auth = StaffAuth::get();
    let status = RwSignal::new(None::<ReportStatus>);
    let answer = RwSignal::new(String::new());
    let commitment = RwSignal::new(String::new());
    let errors = Errors::new();
    let alert = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let status_error = errors.message(F_STATUS);
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        alert.set(None);
        let Some(chosen) = status.get_untracked() else {
            errors.set(F_STATUS, Some(Problem::Key("error.report.status")));
            focus_soon(dom_id(F_STATUS));
            return;
        };
        let action = ReportAction {
            status: chosen,
            answer: answer.get_untracked(),
            commitment: commitment.get_untracked(),
        };
        let code = data.with_untracked(|d| d.report.code.clone());
        let csrf = auth.csrf();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = api::act_on_report(&code, &action, &csrf).await;
            busy.set(false);
            match result {
                Ok(fresh) => {
                    answer.set(String::new());
                    status.set(None);
                    alert.set(Some(
                        crate::i18n::document_lang().text("console.report_saved"),
                    ));
                    data.set(fresh);
                }
                Err(e) => {
                    if auth.ended(&e) {
                        return;
                    }
                    let placed = place_field_errors(errors, &e, |f| {
                        matches!(f, F_STATUS | F_ANSWER | F_COMMITMENT).then(|| f.to_owned())
                    });
                    if let Some(first) = placed.first() {
                        focus_soon(dom_id(first));
                    } else {
                        alert.set(Some(e.plain_message(crate::i18n::document_lang())));
                    }
                }
            }
        });
    };
    let choices = move || {
        [
            ReportStatus::Checking,
            ReportStatus::Resolved,
            ReportStatus::Declined,
        ]
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            let id = if i == 0 {
                dom_id(F_STATUS)
            } else {
                format!("{}-{}", dom_id(F_STATUS), s.as_str())
            };
            let label_for = id.clone();
            view! {
                <label class="choice" for=label_for>
                    <input
                        type="radio"
                        name=F_STATUS
                        id=id
                        value=s.as_str()
                        data-testid=format!("answer-status-{}", s.as_str())
                        prop:checked=move || status.get() == Some(s)
                        on:change=move |_| {
                            status.set(Some(s));
                            errors.set(F_STATUS, None);
                        }
                    />
                    <span class="choice-text">
                        <span class="choice-label">
                            {move || lang().text(&format!("console.report_to.{}", s.as_str()))}
                        </span>
                    </span>
                </label>
            }
        })
        .collect_view()
    };
    view! {
        <form class="report-answer-form" novalidate on:submit=send>
            <h2>{tr("console.report_answer_heading")}</h2>
            <FormAlert message=alert.into() />
            <fieldset class="field choices" class:field-invalid=move || status_error.read().is_some()>
                <legend>{tr("console.report_new_state")}</legend>
                <div class="choice-list choice-list-single">{choices}</div>
                <crate::components::form::FieldError id=dom_id(F_STATUS) message=status_error />
            </fieldset>
            <TextAreaField
                field=F_ANSWER
                label="console.report_public_answer"
                value=answer
                errors
                hint=Signal::derive(move || lang().text("console.report_public_answer_hint"))
                maxlength=MAX_REPORT_ANSWER
                testid="answer-text"
            />
            <TextField
                field=F_COMMITMENT
                label="console.report_link_commitment"
                value=commitment
                errors
                hint=Signal::derive(move || lang().text("console.report_link_commitment_hint"))
                autocomplete="off"
            />
            <button
                type="submit"
                class="button button-cta"
                data-testid="answer-send"
                aria-disabled=move || busy.get().then_some("true")
            >
                {tr("console.report_save")}
            </button>
        </form>
    }
}

/// The place a resident suggests, and (while the suggestion is open) the
/// way to make it a location.
fn suggested(
    l: crate::i18n::Lang,
    p: &kolaborasi_shared::SuggestedPlace,
    open: bool,
    code: &str,
) -> impl IntoView + use<> {
    let position = match (p.lat, p.lon) {
        (Some(lat), Some(lon)) => format!("{lat:.6}, {lon:.6}"),
        _ => l.text("console.suggested_no_position"),
    };
    let category = l.text(&format!("category.{}", p.category.as_str()));
    let area = format!(
        "{} ({})",
        super::area_name(super::areas().as_ref(), l, &p.kelurahan_code),
        p.kelurahan_code
    );
    let href = format!("{}?laporan={code}", Page::ConsoleNewLocation.href());
    view! {
        <h2>{tr("console.suggested_heading")}</h2>
        <dl class="facts" data-testid="suggested-place">
            <div><dt>{tr("console.location_name")}</dt><dd>{p.name.clone()}</dd></div>
            <div><dt>{tr("console.category")}</dt><dd>{category}</dd></div>
            <div><dt>{tr("filter.kelurahan")}</dt><dd>{area}</dd></div>
            <div><dt>{tr("location.coordinates")}</dt><dd>{position}</dd></div>
        </dl>
        {open.then(|| view! {
            <p class="status-box">
                {tr("console.suggested_note")} " "
                <A href=href attr:data-testid="report-create-place">{tr("console.suggested_create")}</A>
            </p>
        })}
    }
}

/// A report's photo, as the server keeps it (metadata removed).
#[component]
fn ReportPhoto(code: String) -> impl IntoView {
    let src = format!(
        "{}/staff/reports/{code}/photo",
        kolaborasi_shared::API_PREFIX
    );
    let href = src.clone();
    let alt = tr_with(lang(), "console.report_photo_alt", &[("code", &code)]);
    view! {
        <figure class="report-photo">
            <a href=href target="_blank" rel="noopener">
                <img src=src alt=alt loading="lazy" />
            </a>
        </figure>
    }
}
