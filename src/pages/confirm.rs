//! `/konfirmasi/{code}#t=TOKEN`: the link e-mailed to a donor. Confirming is
//! a button press, not the page load: mail scanners that open links must
//! not confirm for the donor.

use kolaborasi_shared::{CommitmentView, validate};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_location, use_navigate, use_params_map};

use crate::api::{self, ApiFailure};
use crate::i18n::{lang, tr, tr_with};
use crate::route::{CONFIRM_FRAGMENT, Page};
use crate::set_title;

/// The token in a `#t=TOKEN` fragment.
fn token_in(hash: &str) -> Option<String> {
    let raw = hash.strip_prefix('#')?.strip_prefix(CONFIRM_FRAGMENT)?;
    (!raw.is_empty() && raw.bytes().all(|b| b.is_ascii_alphanumeric())).then(|| raw.to_owned())
}

#[derive(Clone)]
enum State {
    Ready,
    Sending,
    Done(Box<CommitmentView>),
    Failed(ApiFailure),
}

#[component]
pub fn ConfirmPage() -> impl IntoView {
    let params = use_params_map();
    let location = use_location();
    let navigate = use_navigate();
    let code =
        Memo::new(move |_| validate::tracking_code(&params.read().get("code").unwrap_or_default()));
    // The token leaves the address bar at once (screenshots, shared tabs).
    let token = RwSignal::new(untrack(|| token_in(&location.hash.get())));
    Effect::new(move |_| {
        if token_in(&location.hash.get()).is_some()
            && let Some(c) = code.get()
        {
            let options = crate::route::quiet_navigation();
            navigate(&Page::ConfirmContact(c).href(), options);
        }
    });
    let state = RwSignal::new(State::Ready);
    let code_text = move || code.get().unwrap_or_default();
    Effect::new(move |_| set_title(&tr_with(lang(), "confirm.title", &[("code", &code_text())])));
    let confirm = move |_| {
        let (Some(code), Some(token)) = (code.get_untracked(), token.get_untracked()) else {
            return;
        };
        state.set(State::Sending);
        leptos::task::spawn_local(async move {
            state.set(match api::confirm(&code, token).await {
                Ok(view) => State::Done(Box::new(view)),
                Err(e) => State::Failed(e),
            });
        });
    };
    let tracking = move || {
        let c = code_text();
        view! {
            <p>
                <A href=Page::Tracking(c.clone()).href() attr:data-testid="confirm-tracking">
                    {tr_with(lang(), "confirm.to_tracking", &[("code", &c)])}
                </A>
            </p>
        }
    };
    view! {
        <div class="page narrow">
            <h1>{tr("confirm.heading")}</h1>
            {move || match (code.get(), token.get()) {
                (Some(_), Some(_)) => view! {
                    <p class="lead">{move || tr_with(lang(), "confirm.intro", &[("code", &code_text())])}</p>
                    {move || match state.get() {
                        State::Ready | State::Sending => view! {
                            <button
                                type="button"
                                class="button button-cta button-large"
                                data-testid="confirm-button"
                                disabled=move || matches!(state.get(), State::Sending)
                                on:click=confirm
                            >
                                {move || if matches!(state.get(), State::Sending) {
                                    tr("confirm.sending")
                                } else {
                                    tr("confirm.button")
                                }}
                            </button>
                        }.into_any(),
                        State::Done(view) => {
                            let l = lang();
                            let until = crate::pages::tracking::local_time(l, view.expires_at);
                            view! {
                                <p class="status-box" role="status" data-testid="confirm-done">
                                    {tr_with(l, "confirm.done", &[("date", &until)])}
                                </p>
                                {tracking()}
                            }.into_any()
                        }
                        State::Failed(e) => view! {
                            <p class="status-box" role="alert" data-testid="confirm-error">
                                {move || e.message(lang())}
                            </p>
                            {tracking()}
                        }.into_any(),
                    }}
                }.into_any(),
                _ => view! {
                    <p class="status-box" role="alert" data-testid="confirm-error">{tr("confirm.no_token")}</p>
                }.into_any(),
            }}
        </div>
    }
}
