//! `/konsol/kolaborasi/{code}`: one commitment as staff see it — public
//! facts, private contact, delivery and the place's answer — with the
//! verifications, a new confirmation code and public corrections.

use kolaborasi_shared::{
    CommitmentStatus, CommitmentView, NewCorrection, ReceiptSlip, StaffCommitment,
};
use leptos::prelude::*;
use leptos_router::components::A;

use super::{
    Action, ActionStatus, ConsoleFrame, StaffAuth, area_name, areas, by_code_page, run_action, when,
};
use crate::api::{self, Reporter};
use crate::components::delivery::{Corrections, DeliveryForm, SlipCard, Voices};
use crate::components::form::{
    Errors, FormAlert, Problem, TextAreaField, dom_id, focus_soon, kind_text, place_field_errors,
};
use crate::i18n::{lang, tr, tr_with};
use crate::pages::tracking::{package_name, status_key};
use crate::route::Page;
use crate::{Shared, set_title};

#[component]
pub fn ConsoleCommitmentPage() -> impl IntoView {
    view! {
        <ConsoleFrame>
            {by_code_page(
                |code| async move { api::staff_commitment(&code).await },
                "track.not_found",
                |c| view! { <StaffView data=c /> },
            )}
        </ConsoleFrame>
    }
}

#[component]
fn StaffView(data: StaffCommitment) -> impl IntoView {
    let shared = expect_context::<Shared>();
    let StaffCommitment {
        commitment,
        contact_name,
        contact_email,
        contact_phone,
        dispute_comment,
        documents,
    } = data;
    let code = StoredValue::new(commitment.code.clone());
    let v = RwSignal::new(commitment);
    let dispute_comment = RwSignal::new(dispute_comment);
    let documents = RwSignal::new(documents);
    Effect::new(move |_| {
        set_title(&tr_with(
            lang(),
            "console.commitment_title",
            &[("code", &code.get_value())],
        ));
    });
    // After an action the answer is the new public view; the staff-only
    // parts (documents, comment) are read again.
    let refresh_private = move || {
        leptos::task::spawn_local(async move {
            if let Ok(fresh) = api::staff_commitment(&code.get_value()).await {
                dispute_comment.set(fresh.dispute_comment);
                documents.set(fresh.documents);
                v.set(fresh.commitment);
            }
        });
    };
    let status = move || v.with(|v| v.status);
    let place = move || {
        v.with(|v| {
            let l = lang();
            let area = area_name(areas().as_ref(), l, &v.location.area);
            let category = l.text(&format!("category.{}", v.location.category.as_str()));
            let href = Page::ConsoleLocation(v.location.id).href();
            let name = v.location.name.clone();
            view! {
                <A href=href>{name}</A>
                <span class="cell-note">{format!("{category} · {area}")}</span>
            }
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
    let lines = move || {
        let l = lang();
        let catalogue = shared.programs.get().and_then(Result::ok);
        v.with(|v| {
            v.lines
                .iter()
                .map(|line| {
                    let (name, unit) = package_name(catalogue.as_ref(), l, line.package_id);
                    view! {
                        <tr>
                            <th scope="row">{name}</th>
                            <td class="num">{format!("{} {unit}", l.number(u64::from(line.quantity)))}</td>
                            <td class="num">{l.rupiah(i64::from(line.quantity) * line.unit_value)}</td>
                        </tr>
                    }
                })
                .collect_view()
        })
    };
    view! {
        <article class="staff-commitment" data-testid="staff-commitment">
            <p class="eyebrow">{tr("console.commitment_eyebrow")}</p>
            <h1 class="tracking-code" data-testid="tracking-code">{code.get_value()}</h1>
            <p class="status-line">
                <span
                    class=move || format!("status-badge status-{}", status().as_str())
                    data-testid="tracking-status"
                    data-status=move || status().as_str()
                >
                    {move || lang().text(status_key(status()))}
                </span>
                <A href=move || Page::Tracking(code.get_value()).href()>{tr("console.public_report")}</A>
            </p>
            <div class="console-columns">
                <section aria-labelledby="facts-heading">
                    <h2 id="facts-heading">{tr("console.facts")}</h2>
                    <dl class="facts">
                        <div>
                            <dt>{tr("track.place")}</dt>
                            <dd>{place}</dd>
                        </div>
                        <div>
                            <dt>{tr("track.collaborator")}</dt>
                            <dd>{collaborator}</dd>
                        </div>
                        <div>
                            <dt>{tr("track.planned_date")}</dt>
                            <dd>{move || v.with(|v| lang().date(&v.planned_date))}</dd>
                        </div>
                        <div>
                            <dt>{tr("track.created")}</dt>
                            <dd>{move || v.with(|v| when(lang(), v.created_at))}</dd>
                        </div>
                        <div>
                            <dt>{tr("console.expires")}</dt>
                            <dd>{move || v.with(|v| when(lang(), v.expires_at))}</dd>
                        </div>
                    </dl>
                </section>
                <section aria-labelledby="contact-heading" class="private-box">
                    <h2 id="contact-heading">{tr("console.contact")}</h2>
                    <p class="note">{tr("console.contact_note")}</p>
                    <dl class="facts">
                        <div>
                            <dt>{tr("track.contact_name")}</dt>
                            <dd>{contact_name}</dd>
                        </div>
                        <div>
                            <dt>{tr("commit.email")}</dt>
                            <dd data-testid="contact-email">
                                <a href=format!("mailto:{contact_email}")>{contact_email.clone()}</a>
                            </dd>
                        </div>
                        <div>
                            <dt>{tr("commit.phone")}</dt>
                            <dd data-testid="contact-phone">
                                <a href=format!("tel:{contact_phone}")>{contact_phone.clone()}</a>
                            </dd>
                        </div>
                    </dl>
                </section>
            </div>
            <h2>{tr("track.packages")}</h2>
            <crate::components::lines_table::LinesTable
                total=Signal::derive(move || lang().rupiah(v.with(|v| v.total_value)))
                total_id="tracking-total"
            >
                {lines}
            </crate::components::lines_table::LinesTable>
            <Voices view=v />
            <Documents documents />
            <Show when=move || dispute_comment.read().is_some()>
                <section class="dispute-box" aria-labelledby="dispute-heading" data-testid="dispute-comment">
                    <h2 id="dispute-heading">{tr("console.dispute_comment")}</h2>
                    <p class="dispute-text">{move || dispute_comment.get().unwrap_or_default()}</p>
                </section>
            </Show>
            <Actions view=v code refresh=Callback::new(move |()| refresh_private()) />
            <Corrections list=Signal::derive(move || v.with(|v| v.corrections.clone())) />
            <CorrectionForm code view=v />
        </article>
    }
}

/// The handover documents (staff only), as links.
#[component]
fn Documents(documents: RwSignal<Vec<String>>) -> impl IntoView {
    move || {
        let docs = documents.get();
        (!docs.is_empty()).then(|| {
            let items = docs
                .into_iter()
                .enumerate()
                .map(|(i, id)| {
                    let n = (i + 1).to_string();
                    view! {
                        <li>
                            <a
                                href=api::evidence_href(&id)
                                target="_blank"
                                rel="external noopener"
                                data-testid="delivery-document"
                            >
                                {move || tr_with(lang(), "delivery.document_link", &[("n", &n)])}
                            </a>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <section aria-labelledby="documents-heading">
                    <h2 id="documents-heading">{tr("delivery.documents_heading")}</h2>
                    <ul class="downloads">{items}</ul>
                </section>
            }
        })
    }
}

/// Verify the commitment, verify the delivery, a new confirmation code,
/// and (while still committed) a delivery report by staff.
#[component]
fn Actions(
    view: RwSignal<CommitmentView>,
    code: StoredValue<String>,
    refresh: Callback<()>,
) -> impl IntoView {
    let auth = StaffAuth::get();
    let state = RwSignal::new(Action::Idle);
    let slip = RwSignal::new(None::<ReceiptSlip>);
    let can_verify = move || {
        view.with(|v| {
            v.verified_at.is_none()
                && matches!(
                    v.status,
                    CommitmentStatus::Committed | CommitmentStatus::Delivered
                )
        })
    };
    let can_confirm =
        move || view.with(|v| v.status == CommitmentStatus::Committed && v.confirmed_at.is_none());
    let confirm_contact = move |_| {
        let csrf = auth.csrf();
        run_action(
            auth,
            state,
            async move { api::confirm_contact(&code.get_value(), &csrf).await },
            "console.contact_confirmed",
            move |fresh| view.set(fresh),
        );
    };
    let can_verify_delivery =
        move || view.with(|v| v.delivery.as_ref().is_some_and(|d| d.verified_at.is_none()));
    let has_delivery = move || view.with(|v| v.delivery.is_some());
    let reportable =
        move || view.with(|v| v.status == CommitmentStatus::Committed && v.delivery.is_none());
    let verify = move |_| {
        let csrf = auth.csrf();
        run_action(
            auth,
            state,
            async move { api::verify_commitment(&code.get_value(), &csrf).await },
            "console.commitment_verified",
            move |fresh| view.set(fresh),
        );
    };
    let verify_delivery = move |_| {
        let csrf = auth.csrf();
        run_action(
            auth,
            state,
            async move { api::verify_delivery(&code.get_value(), &csrf).await },
            "console.delivery_verified",
            move |fresh| view.set(fresh),
        );
    };
    let new_slip = move |_| {
        let csrf = auth.csrf();
        run_action(
            auth,
            state,
            async move { api::new_slip(&code.get_value(), &csrf).await },
            "console.slip_made",
            move |s| {
                slip.set(Some(s));
                focus_soon("receipt-slip".to_owned());
            },
        );
    };
    let on_reported = Callback::new(move |s: ReceiptSlip| {
        slip.set(Some(s));
        focus_soon("receipt-slip".to_owned());
        refresh.run(());
    });
    view! {
        <section class="console-actions" aria-labelledby="actions-heading">
            <h2 id="actions-heading">{tr("console.actions")}</h2>
            // What each verification vouches for, before the button that does it.
            <Show when=move || can_verify() || can_verify_delivery()>
                <details class="verify-guide" data-testid="verify-guide" open>
                    <summary>{tr("console.guide_summary")}</summary>
                    <Show when=can_verify>
                        <p class="hint">{tr("console.guide_commitment")}</p>
                    </Show>
                    <Show when=can_verify_delivery>
                        <p class="hint">{tr("console.guide_delivery")}</p>
                    </Show>
                </details>
            </Show>
            <div class="button-row">
                <Show when=can_verify>
                    <button
                        type="button"
                        class="button"
                        data-testid="verify-commitment"
                        aria-disabled=move || state.get().busy().then_some("true")
                        on:click=verify
                    >
                        {tr("console.verify_commitment")}
                    </button>
                </Show>
                <Show when=can_confirm>
                    <button
                        type="button"
                        class="button"
                        data-testid="confirm-contact"
                        aria-describedby="confirm-contact-hint"
                        aria-disabled=move || state.get().busy().then_some("true")
                        on:click=confirm_contact
                    >
                        {tr("console.confirm_contact")}
                    </button>
                    <p class="hint" id="confirm-contact-hint">{tr("console.confirm_contact_hint")}</p>
                </Show>
                <Show when=can_verify_delivery>
                    <button
                        type="button"
                        class="button"
                        data-testid="verify-delivery"
                        aria-disabled=move || state.get().busy().then_some("true")
                        on:click=verify_delivery
                    >
                        {tr("console.verify_delivery")}
                    </button>
                </Show>
                <Show when=has_delivery>
                    <button
                        type="button"
                        class="button button-quiet"
                        data-testid="new-slip"
                        aria-disabled=move || state.get().busy().then_some("true")
                        on:click=new_slip
                    >
                        {tr("console.new_slip")}
                    </button>
                </Show>
            </div>
            <ActionStatus state />
            {move || slip.get().map(|s| view! { <SlipCard slip=s /> })}
            {move || {
                (reportable() && slip.read().is_none())
                    .then(|| {
                        let lines = view.with_untracked(|v| v.lines.clone());
                        view! {
                            <details class="staff-report">
                                <summary>{tr("console.report_delivery")}</summary>
                                <p class="note">{tr("console.report_delivery_note")}</p>
                                <DeliveryForm
                                    code=code.get_value()
                                    lines
                                    who=Reporter::Staff { csrf: auth.csrf() }
                                    on_done=on_reported
                                />
                            </details>
                        }
                    })
            }}
        </section>
    }
}

const F_REASON: &str = "reason";

/// A public correction: a new, attributed record with a reason.
#[component]
fn CorrectionForm(code: StoredValue<String>, view: RwSignal<CommitmentView>) -> impl IntoView {
    let auth = StaffAuth::get();
    let reason = RwSignal::new(String::new());
    let errors = Errors::new();
    let alert = RwSignal::new(None::<String>);
    let state = RwSignal::new(Action::Idle);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if state.get_untracked().busy() {
            return;
        }
        alert.set(None);
        if reason.get_untracked().trim().is_empty() {
            errors.set(F_REASON, Some(Problem::Key("console.reason_required")));
            focus_soon(dom_id(F_REASON));
            return;
        }
        let body = NewCorrection {
            code: code.get_value(),
            reason: reason.get_untracked().trim().to_owned(),
        };
        let csrf = auth.csrf();
        state.set(Action::Busy);
        leptos::task::spawn_local(async move {
            match api::add_correction(&body, &csrf).await {
                Ok(fresh) => {
                    view.set(fresh);
                    reason.set(String::new());
                    state.set(Action::Done(
                        crate::i18n::document_lang().text("console.correction_added"),
                    ));
                }
                Err(e) => {
                    state.set(Action::Idle);
                    if auth.ended(&e) {
                        return;
                    }
                    let placed = place_field_errors(errors, &e, |f| {
                        (f == F_REASON).then(|| F_REASON.to_owned())
                    });
                    if placed.is_empty() {
                        alert.set(Some(e.plain_message(crate::i18n::document_lang())));
                    } else {
                        focus_soon(dom_id(F_REASON));
                    }
                }
            }
        });
    };
    view! {
        <section class="correction-form" aria-labelledby="correction-heading">
            <h2 id="correction-heading">{tr("console.correction_heading")}</h2>
            <p class="note">{tr("console.correction_note")}</p>
            <form novalidate on:submit=submit>
                <FormAlert message=alert.into() />
                <TextAreaField
                    field=F_REASON
                    label="console.reason"
                    value=reason
                    errors
                    hint=Signal::derive(move || lang().text("console.reason_hint"))
                    testid="correction-reason"
                />
                <button
                    type="submit"
                    class="button"
                    data-testid="correction-submit"
                    aria-disabled=move || state.get().busy().then_some("true")
                >
                    {tr("console.correction_submit")}
                </button>
                <ActionStatus state />
            </form>
        </section>
    }
}
