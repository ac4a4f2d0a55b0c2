//! Deliveries on every page that shows one: the three voices (the
//! collaborator's report, staff verification, the place's answer), the
//! delivered lines, photos and corrections; the delivery report form with
//! its per-file uploads; and the place's confirmation slip.

use kolaborasi_shared::delivery::{MAX_EVIDENCE_BYTES, MAX_EVIDENCE_FILES};
use kolaborasi_shared::{
    CommitmentLine, CommitmentStatus, CommitmentView, Correction, DeliveredLine,
    DeliveredLineInput, DeliveryReport, ReceiptSlip, ReceiptStatus, Reporter as ReportedBy,
    validate,
};
use leptos::prelude::*;
use send_wrapper::SendWrapper;

use crate::api::{self, ApiFailure, Reporter};
use crate::components::form::{Errors, FieldError, FormAlert, Problem, dom_id, focus_soon};
use crate::i18n::{Lang, lang, tr, tr_with};
use crate::pages::tracking::{local_time, package_name};
use crate::{Shared, storage};

/// One voice: whether it has spoken, in words and a mark (never colour only).
#[component]
fn Voice(testid: &'static str, state: &'static str, text: String) -> impl IntoView {
    let mark = match state {
        "yes" => "✓",
        "disputed" => "!",
        _ => "○",
    };
    view! {
        <li class=format!("voice voice-{state}") data-testid=testid data-state=state>
            <span class="voice-mark" aria-hidden="true">{mark}</span>
            <span class="voice-text">{text}</span>
        </li>
    }
}

/// The three voices of a delivery, and whether staff verified the commitment.
#[component]
pub fn Voices(#[prop(into)] view: Signal<CommitmentView>) -> impl IntoView {
    let list = move || {
        let l = lang();
        view.with(|v| {
            let d = v.delivery.as_ref();
            let reported = match d {
                Some(d) => {
                    let key = match d.reported_by {
                        ReportedBy::Collaborator => "voice.reported_by_collaborator",
                        ReportedBy::Staff => "voice.reported_by_staff",
                    };
                    let text = tr_with(l, key, &[("date", &local_time(l, d.reported_at))]);
                    view! { <Voice testid="voice-reported" state="yes" text /> }
                }
                None => view! {
                    <Voice testid="voice-reported" state="no" text=l.text("voice.not_reported") />
                },
            };
            let verified = match d.and_then(|d| d.verified_at) {
                Some(at) => {
                    let text = tr_with(l, "voice.verified", &[("date", &local_time(l, at))]);
                    view! { <Voice testid="voice-verified" state="yes" text /> }
                }
                None => view! {
                    <Voice testid="voice-verified" state="no" text=l.text("voice.not_verified") />
                },
            };
            let confirmed = match d.map(|d| (d.receipt, d.receipt_at)) {
                Some((ReceiptStatus::Confirmed, at)) => {
                    let date = at.map(|at| local_time(l, at)).unwrap_or_default();
                    let text = tr_with(l, "voice.confirmed", &[("date", &date)]);
                    view! { <Voice testid="voice-confirmed" state="yes" text /> }
                }
                Some((ReceiptStatus::Disputed, _)) => view! {
                    <Voice testid="voice-confirmed" state="disputed" text=l.text("voice.disputed") />
                },
                _ => view! {
                    <Voice testid="voice-confirmed" state="no" text=l.text("voice.not_confirmed") />
                },
            };
            (reported, verified, confirmed)
        })
    };
    let commitment_verified = move || {
        let l = lang();
        view.with(|v| match v.verified_at {
            Some(at) => (
                "yes",
                tr_with(
                    l,
                    "voice.commitment_verified",
                    &[("date", &local_time(l, at))],
                ),
            ),
            None => ("no", l.text("voice.commitment_not_verified")),
        })
    };
    let delivery = move || {
        view.with(|v| {
            v.delivery.clone().map(|d| {
                let date = d.delivered_on.clone();
                let lines = d.lines.clone();
                let photos = d.photos.clone();
                view! {
                    <p class="delivered-on" data-testid="delivered-on">
                        {move || tr_with(lang(), "delivery.delivered_on_text", &[("date", &lang().date(&date))])}
                    </p>
                    <DeliveredLines lines />
                    <Photos ids=photos />
                }
            })
        })
    };
    view! {
        <section class="voices" aria-labelledby="voices-heading" data-testid="voices">
            <h2 id="voices-heading">{tr("voice.heading")}</h2>
            <p class="note">{tr("voice.intro")}</p>
            <p
                class="commitment-verified"
                data-testid="commitment-verified"
                data-state=move || commitment_verified().0
            >
                <span class="voice-mark" aria-hidden="true">
                    {move || if commitment_verified().0 == "yes" { "✓" } else { "○" }}
                </span>
                {move || commitment_verified().1}
            </p>
            <ul class="voice-list">{list}</ul>
            {delivery}
        </section>
    }
}

/// Whether a commitment has (or can get) a delivery worth showing.
#[must_use]
pub fn shows_delivery(v: &CommitmentView) -> bool {
    v.delivery.is_some()
        || matches!(
            v.status,
            CommitmentStatus::Committed | CommitmentStatus::Delivered
        )
}

/// What was handed over and, once the place answered, what arrived.
#[component]
pub fn DeliveredLines(lines: Vec<DeliveredLine>) -> impl IntoView {
    let shared = expect_context::<Shared>();
    let rows = move || {
        let l = lang();
        let catalogue = shared.programs.get().and_then(Result::ok);
        lines
            .iter()
            .map(|line| {
                let (name, unit) = package_name(catalogue.as_ref(), l, line.package_id);
                let n = |q: Option<u32>| {
                    q.map_or_else(|| l.text("delivery.unknown"), |q| l.number(u64::from(q)))
                };
                view! {
                    <tr data-testid="delivered-line" data-package-id=line.package_id.to_string()>
                        <th scope="row">{name}<span class="cell-note">{unit}</span></th>
                        <td class="num" data-testid="delivered-quantity">
                            {l.number(u64::from(line.quantity))}
                        </td>
                        <td class="num" data-testid="received-ok">{n(line.received_ok)}</td>
                        <td class="num" data-testid="received-damaged">{n(line.received_damaged)}</td>
                    </tr>
                }
            })
            .collect_view()
    };
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label=tr("delivery.lines_caption")>
            <table class="lines-table">
                <caption class="visually-hidden">{tr("delivery.lines_caption")}</caption>
                <thead>
                    <tr>
                        <th scope="col">{tr("commit.col_package")}</th>
                        <th scope="col" class="num">{tr("delivery.col_delivered")}</th>
                        <th scope="col" class="num">{tr("delivery.col_ok")}</th>
                        <th scope="col" class="num">{tr("delivery.col_damaged")}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// Photo thumbnails, each a link to the full file.
#[component]
pub fn Photos(ids: Vec<String>) -> impl IntoView {
    if ids.is_empty() {
        return ().into_any();
    }
    let items = ids
        .into_iter()
        .enumerate()
        .map(|(i, id)| {
            let href = api::evidence_href(&id);
            let src = href.clone();
            let n = (i + 1).to_string();
            view! {
                <li>
                    <a href=href target="_blank" rel="external noopener" data-testid="delivery-photo">
                        <img
                            src=src
                            loading="lazy"
                            width="160"
                            height="120"
                            alt=move || tr_with(lang(), "delivery.photo_alt", &[("n", &n)])
                        />
                    </a>
                </li>
            }
        })
        .collect_view();
    view! {
        <h3 class="photos-heading">{tr("delivery.photos_heading")}</h3>
        <ul class="photos">{items}</ul>
    }
    .into_any()
}

/// Public corrections by staff, with date and reason.
#[component]
pub fn Corrections(#[prop(into)] list: Signal<Vec<Correction>>) -> impl IntoView {
    move || {
        let items = list.get();
        (!items.is_empty()).then(|| {
            let rows = items
                .into_iter()
                .map(|c| {
                    view! {
                        <li data-testid="correction">
                            <span class="history-when">{move || local_time(lang(), c.at)}</span>
                            " — "
                            <span class="correction-reason">{c.reason.clone()}</span>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <section class="corrections" aria-labelledby="corrections-heading">
                    <h2 id="corrections-heading">{tr("delivery.corrections_heading")}</h2>
                    <p class="note">{tr("delivery.corrections_note")}</p>
                    <ol class="history">{rows}</ol>
                </section>
            }
        })
    }
}

/// The place's one-time confirmation code, link and QR, printable.
#[component]
pub fn SlipCard(slip: ReceiptSlip) -> impl IntoView {
    // The server names the path too (`confirm_path`); this app's route is the same.
    let page = crate::route::Page::Receipt(slip.confirm_code.clone());
    let path = page.href();
    let url = page.absolute();
    let expires = slip.expires_at;
    let print = move |_| {
        let _ = window().print();
    };
    view! {
        <section
            class="receipt-slip"
            data-testid="receipt-slip"
            aria-labelledby="slip-heading"
            tabindex="-1"
            id="receipt-slip"
        >
            <h2 id="slip-heading">{tr("receipt.slip_heading")}</h2>
            <p>{tr("receipt.slip_intro")}</p>
            <p class="slip-label">{tr("receipt.slip_code")}</p>
            <p class="confirm-code" data-testid="confirm-code">{slip.confirm_code.clone()}</p>
            <div
                class="confirm-qr"
                data-testid="confirm-qr"
                role="img"
                aria-label=tr("receipt.slip_qr")
                inner_html=slip.qr_svg.clone()
            ></div>
            <p class="slip-label">{tr("receipt.slip_link")}</p>
            <p class="slip-link">
                <a href=path data-testid="confirm-link">{url}</a>
            </p>
            <p class="slip-expiry">
                {move || tr_with(lang(), "receipt.slip_expires", &[("date", &local_time(lang(), expires))])}
            </p>
            <p class="note">{tr("receipt.slip_once")}</p>
            <div class="button-row no-print">
                <button type="button" class="button" on:click=print data-testid="slip-print">
                    {tr("receipt.print")}
                </button>
            </div>
        </section>
    }
}

/// Where one chosen file is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum FileState {
    Waiting,
    Uploading,
    Done(String),
    Failed(String),
}

/// A chosen file and its upload state.
#[derive(Debug, Clone)]
struct FileEntry {
    name: String,
    size: f64,
    file: SendWrapper<web_sys::File>,
    state: RwSignal<FileState>,
}

fn files_of(input: &web_sys::HtmlInputElement) -> Vec<FileEntry> {
    let Some(list) = input.files() else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.get(i))
        .map(|f| FileEntry {
            name: f.name(),
            size: f.size(),
            file: SendWrapper::new(f),
            state: RwSignal::new(FileState::Waiting),
        })
        .collect()
}

fn size_text(l: Lang, bytes: f64) -> String {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let kib = (bytes / 1024.0).ceil() as u64;
    if kib >= 1024 {
        #[allow(clippy::cast_precision_loss)]
        let mib = kib as f64 / 1024.0;
        let text = format!("{mib:.1}");
        let text = if l == Lang::Id {
            text.replace('.', ",")
        } else {
            text
        };
        format!("{text} MB")
    } else {
        format!("{} KB", l.number(kib))
    }
}

/// A file input whose files are listed with their upload state.
#[component]
fn FilePicker(
    field: &'static str,
    label: &'static str,
    hint: &'static str,
    accept: &'static str,
    testid: &'static str,
    files: RwSignal<Vec<FileEntry>>,
    errors: Errors,
) -> impl IntoView {
    let id = dom_id(field);
    let message = errors.message(field);
    let describedby = {
        let id = id.clone();
        move || {
            if message.read().is_some() {
                format!("{id}-hint {id}-error")
            } else {
                format!("{id}-hint")
            }
        }
    };
    let list = move || {
        let l = lang();
        files
            .get()
            .into_iter()
            .map(|f| {
                let state = f.state;
                let size = size_text(l, f.size);
                let status = move || {
                    let l = lang();
                    match state.get() {
                        FileState::Waiting => l.text("delivery.file_waiting"),
                        FileState::Uploading => l.text("delivery.file_uploading"),
                        FileState::Done(_) => l.text("delivery.file_done"),
                        FileState::Failed(m) => m,
                    }
                };
                let state_name = move || match state.get() {
                    FileState::Waiting => "waiting",
                    FileState::Uploading => "uploading",
                    FileState::Done(_) => "done",
                    FileState::Failed(_) => "failed",
                };
                let mark = move || match state.get() {
                    FileState::Done(_) => "✓",
                    FileState::Failed(_) => "!",
                    FileState::Uploading => "…",
                    FileState::Waiting => "○",
                };
                view! {
                    <li class="file-item" data-testid="file-item" data-state=state_name>
                        <span class="file-mark" aria-hidden="true">{mark}</span>
                        <span class="file-name">{f.name.clone()}</span>
                        <span class="file-size">{size}</span>
                        <span class="file-state" role="status">{status}</span>
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <div class="field" class:field-invalid=move || message.read().is_some()>
            <label for=id.clone()>{tr(label)}</label>
            <p class="hint" id=format!("{id}-hint")>{tr(hint)}</p>
            <input
                id=id.clone()
                name=field
                type="file"
                accept=accept
                multiple
                class="file-input"
                data-testid=testid
                aria-invalid=move || message.read().is_some().then_some("true")
                aria-describedby=describedby
                on:change:target=move |ev| {
                    files.set(files_of(&ev.target()));
                    errors.set(field, None);
                }
            />
            <ul class="file-list">{list}</ul>
            <FieldError id=id.clone() message />
        </div>
    }
}

/// One line of the report: how many of a committed package were handed over.
#[derive(Debug, Clone)]
struct ReportLine {
    package_id: i64,
    committed: u32,
    text: RwSignal<String>,
}

fn line_field(package_id: i64) -> String {
    format!("delivered.{package_id}")
}

const F_DATE: &str = "delivered_on";
const F_PHOTOS: &str = "photos";
const F_DOCUMENTS: &str = "documents";

/// Checks the chosen files before any upload: how many, and how large.
fn check_files(files: &[FileEntry], required: &'static str) -> Option<Problem> {
    if files.is_empty() {
        return Some(Problem::Key(required));
    }
    if files.len() > MAX_EVIDENCE_FILES {
        return Some(Problem::KeyWith(
            "delivery.too_many_files",
            vec![("max", MAX_EVIDENCE_FILES.to_string())],
        ));
    }
    #[allow(clippy::cast_precision_loss)]
    let max = MAX_EVIDENCE_BYTES as f64;
    let mut too_large = false;
    for f in files {
        if f.size > max {
            too_large = true;
            f.state.set(FileState::Failed(tr_with(
                crate::i18n::document_lang(),
                "delivery.file_too_large",
                &[("max", &(MAX_EVIDENCE_BYTES / (1024 * 1024)).to_string())],
            )));
        }
    }
    too_large.then_some(Problem::Key("delivery.files_failed"))
}

/// Uploads every file not yet uploaded, one after another; the ids of all
/// of them, or `None` when one failed (its message is on its row).
async fn upload_all(code: &str, files: &[FileEntry], who: &Reporter) -> Option<Vec<String>> {
    let mut ids = Vec::new();
    let mut failed = false;
    for f in files {
        if let FileState::Done(id) = f.state.get_untracked() {
            ids.push(id);
            continue;
        }
        f.state.set(FileState::Uploading);
        match api::upload_evidence(code, &f.file, who).await {
            Ok(evidence) => {
                f.state.set(FileState::Done(evidence.id.clone()));
                ids.push(evidence.id);
            }
            Err(e) => {
                failed = true;
                f.state.set(FileState::Failed(
                    e.plain_message(crate::i18n::document_lang()),
                ));
            }
        }
    }
    (!failed).then_some(ids)
}

/// "Laporkan penyaluran": date, quantities per line, photos and the
/// handover document; each file is uploaded on its own, then the report.
// The fields, their checks and the upload sequence read best together.
#[allow(clippy::too_many_lines)]
#[component]
pub fn DeliveryForm(
    code: String,
    lines: Vec<CommitmentLine>,
    who: Reporter,
    on_done: Callback<ReceiptSlip>,
) -> impl IntoView {
    let shared = expect_context::<Shared>();
    let code = StoredValue::new(code);
    let who = StoredValue::new(who);
    let today = validate::civil_from_days(storage::today());
    let date = RwSignal::new(today.clone());
    let report_lines: Vec<ReportLine> = lines
        .iter()
        .map(|l| ReportLine {
            package_id: l.package_id,
            committed: l.quantity,
            text: RwSignal::new(l.quantity.to_string()),
        })
        .collect();
    let report_lines = StoredValue::new(report_lines);
    let photos = RwSignal::new(Vec::<FileEntry>::new());
    let documents = RwSignal::new(Vec::<FileEntry>::new());
    let errors = Errors::new();
    let alert = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let date_message = errors.message(F_DATE);
    let line_inputs = move || {
        let l = lang();
        let catalogue = shared.programs.get().and_then(Result::ok);
        report_lines.with_value(|lines| {
            lines
                .iter()
                .map(|line| {
                    let field = line_field(line.package_id);
                    let id = dom_id(&field);
                    let message = errors.message(field.clone());
                    let (name, unit) = package_name(catalogue.as_ref(), l, line.package_id);
                    let hint = tr_with(
                        l,
                        "delivery.line_hint",
                        &[
                            ("max", &l.number(u64::from(line.committed))),
                            ("unit", &unit),
                        ],
                    );
                    let text = line.text;
                    let hint_id = format!("{id}-hint");
                    let error_id = format!("{id}-error");
                    view! {
                        <div class="field" class:field-invalid=move || message.read().is_some()>
                            <label for=id.clone()>{name}</label>
                            <p class="hint" id=hint_id.clone()>{hint}</p>
                            <input
                                id=id.clone()
                                type="number"
                                inputmode="numeric"
                                min="0"
                                max=line.committed.to_string()
                                step="1"
                                class="quantity-input"
                                data-testid="delivery-line"
                                data-package-id=line.package_id.to_string()
                                aria-invalid=move || message.read().is_some().then_some("true")
                                aria-describedby=move || {
                                    if message.read().is_some() {
                                        format!("{hint_id} {error_id}")
                                    } else {
                                        hint_id.clone()
                                    }
                                }
                                prop:value=move || text.get()
                                on:input:target=move |ev| {
                                    text.set(ev.target().value());
                                    errors.set(&field, None);
                                }
                            />
                            <FieldError id=id.clone() message />
                        </div>
                    }
                })
                .collect_view()
        })
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        alert.set(None);
        // Client checks, in the order the fields are shown.
        let mut first: Option<String> = None;
        let mut note = |field: String, problem: Option<Problem>| {
            if problem.is_some() && first.is_none() {
                first = Some(field.clone());
            }
            errors.set(&field, problem);
        };
        let day = date.get_untracked();
        let date_problem = match validate::date(&day) {
            Err(_) => Some(Problem::Key("delivery.date_invalid")),
            Ok(d) if d > storage::today() => Some(Problem::Key("delivery.date_future")),
            Ok(_) => None,
        };
        note(F_DATE.to_owned(), date_problem);
        let mut sent_lines = Vec::new();
        report_lines.with_value(|lines| {
            for line in lines {
                let raw = line.text.get_untracked();
                let problem = match raw.trim().parse::<u32>() {
                    Ok(q) if q <= line.committed => {
                        sent_lines.push(DeliveredLineInput {
                            package_id: line.package_id,
                            quantity: i64::from(q),
                        });
                        None
                    }
                    _ => Some(Problem::KeyWith(
                        "delivery.line_invalid",
                        vec![("max", line.committed.to_string())],
                    )),
                };
                note(line_field(line.package_id), problem);
            }
        });
        let photo_problem = photos.with_untracked(|f| check_files(f, "delivery.photo_required"));
        note(F_PHOTOS.to_owned(), photo_problem);
        let document_problem =
            documents.with_untracked(|f| check_files(f, "delivery.document_required"));
        note(F_DOCUMENTS.to_owned(), document_problem);
        if let Some(first) = first {
            alert.set(Some(tr_with(
                lang(),
                "commit.fix_fields",
                &[("count", &errors.fields().len().to_string())],
            )));
            focus_soon(dom_id(&first));
            return;
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            let code = code.get_value();
            let who = who.get_value();
            let photo_files = photos.get_untracked();
            let document_files = documents.get_untracked();
            let photo_ids = upload_all(&code, &photo_files, &who).await;
            let document_ids = upload_all(&code, &document_files, &who).await;
            let (Some(photo_ids), Some(document_ids)) = (photo_ids, document_ids) else {
                busy.set(false);
                let l = crate::i18n::document_lang();
                if photo_files
                    .iter()
                    .any(|f| matches!(f.state.get_untracked(), FileState::Failed(_)))
                {
                    errors.set(F_PHOTOS, Some(Problem::Key("delivery.files_failed")));
                }
                if document_files
                    .iter()
                    .any(|f| matches!(f.state.get_untracked(), FileState::Failed(_)))
                {
                    errors.set(F_DOCUMENTS, Some(Problem::Key("delivery.files_failed")));
                }
                alert.set(Some(l.text("delivery.upload_failed")));
                focus_soon("delivery-alert".to_owned());
                return;
            };
            let report = DeliveryReport {
                token: match &who {
                    Reporter::Token(t) => Some(t.clone()),
                    Reporter::Owner | Reporter::Staff { .. } => None,
                },
                delivered_on: day,
                lines: sent_lines.clone(),
                photos: photo_ids,
                documents: document_ids,
            };
            let result = api::report_delivery(&code, &report, &who).await;
            busy.set(false);
            match result {
                Ok(slip) => on_done.run(slip),
                Err(e) => show_report_failure(errors, alert, &e, &sent_lines),
            }
        });
    };

    view! {
        <form class="delivery-form" novalidate on:submit=submit data-testid="delivery-form">
            <div id="delivery-alert" tabindex="-1">
                <FormAlert message=alert.into() />
            </div>
            <div class="field" class:field-invalid=move || date_message.read().is_some()>
                <label for=dom_id(F_DATE)>{tr("delivery.date")}</label>
                <input
                    id=dom_id(F_DATE)
                    type="date"
                    max=today
                    data-testid="delivery-date"
                    aria-invalid=move || date_message.read().is_some().then_some("true")
                    aria-describedby=move || {
                        date_message.read().is_some().then(|| format!("{}-error", dom_id(F_DATE)))
                    }
                    prop:value=move || date.get()
                    on:input:target=move |ev| {
                        date.set(ev.target().value());
                        errors.set(F_DATE, None);
                    }
                />
                <FieldError id=dom_id(F_DATE) message=date_message />
            </div>
            <fieldset class="group">
                <legend>{tr("delivery.lines_legend")}</legend>
                {line_inputs}
            </fieldset>
            <FilePicker
                field=F_PHOTOS
                label="delivery.photos"
                hint="delivery.photos_hint"
                accept="image/jpeg,image/png"
                testid="delivery-photos"
                files=photos
                errors
            />
            <FilePicker
                field=F_DOCUMENTS
                label="delivery.documents"
                hint="delivery.documents_hint"
                accept="image/jpeg,image/png,application/pdf"
                testid="delivery-documents"
                files=documents
                errors
            />
            <div class="step-footer">
                <button
                    type="submit"
                    class="button button-cta"
                    data-testid="delivery-submit"
                    aria-disabled=move || busy.get().then_some("true")
                >
                    {move || {
                        lang().text(if busy.get() { "delivery.sending" } else { "delivery.submit" })
                    }}
                </button>
            </div>
        </form>
    }
}

/// The server's refusal of a report: per field where it names one.
fn show_report_failure(
    errors: Errors,
    alert: RwSignal<Option<String>>,
    failure: &ApiFailure,
    sent: &[DeliveredLineInput],
) {
    let placed = crate::components::form::place_field_errors(errors, failure, |f| {
        if f == F_DATE {
            return Some(F_DATE.to_owned());
        }
        if f == F_PHOTOS || f.starts_with("photos.") {
            return Some(F_PHOTOS.to_owned());
        }
        if f == F_DOCUMENTS || f.starts_with("documents.") {
            return Some(F_DOCUMENTS.to_owned());
        }
        let rest = f.strip_prefix("lines.")?;
        let index = rest.split('.').next()?.parse::<usize>().ok()?;
        sent.get(index).map(|l| line_field(l.package_id))
    });
    let l = crate::i18n::document_lang();
    if let Some(first) = placed.first() {
        alert.set(Some(tr_with(
            l,
            "commit.fix_fields",
            &[("count", &placed.len().to_string())],
        )));
        focus_soon(dom_id(first));
    } else {
        alert.set(Some(failure.plain_message(l)));
        focus_soon("delivery-alert".to_owned());
    }
}

/// A place's deliveries, for residents: when, what, and each voice in a
/// word and a mark, with the report one tap away.
#[component]
pub fn PlaceDeliveriesList(id: i64) -> impl IntoView {
    let shared = expect_context::<Shared>();
    let list = LocalResource::new(move || api::place_deliveries(id));
    let body = move || {
        let deliveries = match list.get() {
            None => return view! { <p class="muted">{tr("status.loading")}</p> }.into_any(),
            Some(Err(e)) => {
                return view! { <p class="status status-error" role="alert">{move || e.message(lang())}</p> }
                    .into_any();
            }
            Some(Ok(d)) => d.deliveries,
        };
        if deliveries.is_empty() {
            return view! { <p class="muted" data-testid="place-deliveries-empty">{tr("place_deliveries.none")}</p> }
                .into_any();
        }
        let items = deliveries
            .into_iter()
            .map(|p| {
                let d = p.delivery;
                let href = crate::route::Page::Tracking(p.code.clone()).href();
                let lines = d.lines.clone();
                let what = move || {
                    let l = lang();
                    let catalogue = shared.programs.get().and_then(Result::ok);
                    lines
                        .iter()
                        .map(|line| {
                            let (name, unit) = package_name(catalogue.as_ref(), l, line.package_id);
                            format!("{name}: {} {unit}", l.number(u64::from(line.quantity)))
                        })
                        .collect::<Vec<_>>()
                        .join(" · ")
                };
                let date = d.delivered_on.clone();
                let confirmed = match d.receipt {
                    ReceiptStatus::Confirmed => ("yes", "place_deliveries.confirmed"),
                    ReceiptStatus::Disputed => ("disputed", "place_deliveries.disputed"),
                    ReceiptStatus::Pending => ("no", "place_deliveries.not_confirmed"),
                };
                let verified = if d.verified_at.is_some() {
                    ("yes", "place_deliveries.verified")
                } else {
                    ("no", "place_deliveries.not_verified")
                };
                let mark = |state: &str| match state {
                    "yes" => "✓",
                    "disputed" => "!",
                    _ => "○",
                };
                view! {
                    <li class="place-delivery" data-testid="place-delivery" data-code=p.code.clone()>
                        <p class="place-delivery-when">
                            <strong>{move || lang().date(&date)}</strong>
                            " · "
                            <a href=href>{p.code.clone()}</a>
                        </p>
                        <p class="place-delivery-what">{what}</p>
                        <ul class="voice-marks">
                            <li class="voice-yes" data-state="yes">
                                <span aria-hidden="true">"✓ "</span>
                                {tr("place_deliveries.reported")}
                            </li>
                            <li class=format!("voice-{}", verified.0) data-testid="place-verified" data-state=verified.0>
                                <span aria-hidden="true">{mark(verified.0)} " "</span>
                                {tr(verified.1)}
                            </li>
                            <li class=format!("voice-{}", confirmed.0) data-testid="place-confirmed" data-state=confirmed.0>
                                <span aria-hidden="true">{mark(confirmed.0)} " "</span>
                                {tr(confirmed.1)}
                            </li>
                        </ul>
                    </li>
                }
            })
            .collect_view();
        view! { <ul class="place-deliveries" data-testid="place-deliveries">{items}</ul> }
            .into_any()
    };
    view! {
        <section class="place-deliveries-section" aria-labelledby="place-deliveries-heading">
            <h2 id="place-deliveries-heading">{tr("place_deliveries.heading")}</h2>
            {body}
        </section>
    }
}
