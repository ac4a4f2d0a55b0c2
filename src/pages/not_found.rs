use leptos::prelude::*;
use leptos_router::components::A;

use crate::i18n::tr;

#[component]
pub fn NotFound() -> impl IntoView {
    Effect::new(move |_| crate::set_title(&crate::i18n::lang().text("notfound.heading")));
    view! {
        <div class="page narrow" data-testid="not-found">
            <h1>{tr("notfound.heading")}</h1>
            <p>{tr("notfound.body")}</p>
            <p>
                <A href="/">{tr("location.back")}</A>
            </p>
        </div>
    }
}
