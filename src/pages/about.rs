//! About the platform and, as ODbL requires, where the data comes from.

use leptos::prelude::*;

use crate::i18n::{lang, tr, tr_with};
use crate::{Shared, set_title};

#[component]
pub fn AboutPage() -> impl IntoView {
    let shared = expect_context::<Shared>();
    Effect::new(move |_| set_title(&lang().text("about.heading")));
    let source = move || shared.config_text(|c| c.area_data_source);
    let log_key = move || shared.config_text(|c| c.log_key);
    view! {
        <article class="page narrow">
            <h1>{tr("about.heading")}</h1>
            <p>{tr("about.body")}</p>
            <p>{tr("about.program")}</p>
            <h2>{tr("how.summary")}</h2>
            <HowSteps testid="about-how" />
            <h2>{tr("about.data_heading")}</h2>
            <ul>
                <li data-testid="area-attribution">
                    {move || tr_with(lang(), "about.areas_source", &[("source", &source())])}
                </li>
                <li>{tr("about.positions_source")}</li>
                <li>{tr("about.demo_source")}</li>
                <li>{tr("about.tiles_source")}</li>
                <li>
                    {tr("about.log_key")} " "
                    <code class="hash" data-testid="about-log-key">{log_key}</code>
                    " (" <a href="/verifikasi">{tr("nav.verify")}</a> ")"
                </li>
            </ul>
        </article>
    }
}

/// How giving works, in three steps (here and folded on the map page).
#[component]
pub fn HowSteps(#[prop(optional)] testid: Option<&'static str>) -> impl IntoView {
    view! {
        <ol data-testid=testid>
            <li>{tr("how.choose")}</li>
            <li>{tr("how.deliver")}</li>
            <li>{tr("how.confirm")}</li>
        </ol>
    }
}
