//! `/konsol/audit` (admin): every staff action, newest first.

use kolaborasi_shared::AuditEntry;
use leptos::prelude::*;

use super::{ConsoleFrame, StaffAuth, when};
use crate::api;
use crate::i18n::{lang, tr};
use crate::set_title;

#[component]
pub fn AuditPage() -> impl IntoView {
    Effect::new(move |_| set_title(&lang().text("console.audit")));
    view! {
        <ConsoleFrame admin=true>
            <h1>{tr("console.audit")}</h1>
            <p class="lead">{tr("console.audit_intro")}</p>
            <AuditTable />
        </ConsoleFrame>
    }
}

#[component]
fn AuditTable() -> impl IntoView {
    let auth = StaffAuth::get();
    let entries = RwSignal::new(Vec::<AuditEntry>::new());
    let next = RwSignal::new(None::<i64>);
    let loading = RwSignal::new(false);
    let loaded = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);
    let load = move |before: Option<i64>| {
        if loading.get_untracked() {
            return;
        }
        loading.set(true);
        failure.set(None);
        leptos::task::spawn_local(async move {
            let result = api::audit(before).await;
            loading.set(false);
            match result {
                Ok(page) => {
                    entries.update(|e| e.extend(page.entries));
                    next.set(page.next_before);
                    loaded.set(true);
                }
                Err(e) => {
                    if !auth.ended(&e) {
                        failure.set(Some(e.plain_message(crate::i18n::document_lang())));
                    }
                }
            }
        });
    };
    load(None);
    let rows = move || {
        let l = lang();
        entries
            .get()
            .into_iter()
            .map(|e| {
                view! {
                    <tr data-testid="audit-entry">
                        <td>{when(l, e.at)}</td>
                        <td>{e.staff_name}</td>
                        <td><code>{e.action}</code></td>
                        <td class="audit-subject">{e.subject}</td>
                    </tr>
                }
            })
            .collect_view()
    };
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label=tr("console.audit")>
            <table class="directory audit-table">
                <caption class="visually-hidden">{tr("console.audit")}</caption>
                <thead>
                    <tr>
                        <th scope="col">{tr("console.audit_time")}</th>
                        <th scope="col">{tr("console.audit_staff")}</th>
                        <th scope="col">{tr("console.audit_action")}</th>
                        <th scope="col">{tr("console.audit_subject")}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <Show when=move || loaded.get() && entries.read().is_empty()>
            <p class="empty">{tr("console.audit_empty")}</p>
        </Show>
        <p class="status" role="status">
            {move || loading.get().then(|| lang().text("status.loading"))}
        </p>
        {move || failure.get().map(|m| view! { <p class="status status-error" role="alert">{m}</p> })}
        <div class="pager">
            <Show when=move || next.get().is_some()>
                <button
                    type="button"
                    class="button button-quiet"
                    data-testid="audit-older"
                    aria-disabled=move || loading.get().then_some("true")
                    on:click=move |_| load(next.get_untracked())
                >
                    {tr("console.older")}
                </button>
            </Show>
        </div>
    }
}
