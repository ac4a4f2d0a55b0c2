//! Loading and error states, announced to screen readers.

use leptos::prelude::*;

use crate::api::ApiFailure;
use crate::i18n::{lang, tr};

#[component]
pub fn Loading() -> impl IntoView {
    view! {
        <p class="status" role="status" aria-live="polite">
            {tr("status.loading")}
        </p>
    }
}

/// An error with a retry button; `retry` refetches the failed resource.
#[component]
pub fn LoadError(failure: ApiFailure, retry: Callback<()>) -> impl IntoView {
    let message = move || failure.message(lang());
    view! {
        <div class="status status-error" role="alert">
            <p>{message}</p>
            <button type="button" class="button" on:click=move |_| retry.run(())>
                {tr("status.retry")}
            </button>
        </div>
    }
}
