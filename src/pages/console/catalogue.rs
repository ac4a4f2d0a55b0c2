//! `/konsol/katalog` (admin): new programs and packages.

use kolaborasi_shared::{NewPackage, NewProgram};
use leptos::prelude::*;

use super::{Action, ActionStatus, ConsoleFrame, StaffAuth};
use crate::api::{self, ApiFailure};
use crate::components::form::{
    Errors, FormAlert, Problem, SelectField, TextField, dom_id, focus_soon, place_field_errors,
};
use crate::i18n::{lang, tr};
use crate::{Shared, set_title};

#[component]
pub fn CataloguePage() -> impl IntoView {
    Effect::new(move |_| set_title(&lang().text("console.catalogue")));
    view! {
        <ConsoleFrame admin=true>
            <h1>{tr("console.catalogue")}</h1>
            <p class="lead">{tr("console.catalogue_intro")}</p>
            <div class="console-columns">
                <ProgramForm />
                <PackageForm />
            </div>
        </ConsoleFrame>
    }
}

/// After a send: success clears the form, a refusal shows per field.
fn finish<T>(
    auth: StaffAuth,
    result: Result<T, ApiFailure>,
    (errors, alert, state): (Errors, RwSignal<Option<String>>, RwSignal<Action>),
    fields: &[&str],
    alert_id: &'static str,
    id_of: fn(&str) -> String,
) -> Option<T> {
    let l = crate::i18n::document_lang();
    match result {
        Ok(v) => {
            state.set(Action::Done(l.text("console.saved")));
            Some(v)
        }
        Err(e) => {
            state.set(Action::Idle);
            if auth.ended(&e) {
                return None;
            }
            let placed =
                place_field_errors(errors, &e, |f| fields.contains(&f).then(|| f.to_owned()));
            if let Some(first) = fields.iter().find(|f| placed.iter().any(|p| p == *f)) {
                focus_soon(id_of(first));
            } else {
                alert.set(Some(e.plain_message(l)));
                focus_soon(alert_id.to_owned());
            }
            None
        }
    }
}

/// Required fields: a message on each empty one; the first is focused.
fn require(errors: Errors, fields: &[(&str, RwSignal<String>)], id_of: fn(&str) -> String) -> bool {
    let mut first = None;
    for (field, value) in fields {
        let empty = value.get_untracked().trim().is_empty();
        errors.set(field, empty.then_some(Problem::Key("console.required")));
        if empty && first.is_none() {
            first = Some(*field);
        }
    }
    if let Some(f) = first {
        focus_soon(id_of(f));
        false
    } else {
        true
    }
}

const PROGRAM_FIELDS: [&str; 5] = [
    "slug",
    "name_id",
    "name_en",
    "description_id",
    "description_en",
];

#[component]
fn ProgramForm() -> impl IntoView {
    let shared = expect_context::<Shared>();
    let auth = StaffAuth::get();
    let values: [RwSignal<String>; 5] = std::array::from_fn(|_| RwSignal::new(String::new()));
    let [slug, name_id, name_en, description_id, description_en] = values;
    let errors = Errors::new();
    let alert = RwSignal::new(None::<String>);
    let state = RwSignal::new(Action::Idle);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if state.get_untracked().busy() {
            return;
        }
        alert.set(None);
        if !require(
            errors,
            &[("slug", slug), ("name_id", name_id), ("name_en", name_en)],
            dom_id,
        ) {
            return;
        }
        let t = |s: RwSignal<String>| s.get_untracked().trim().to_owned();
        let body = NewProgram {
            slug: t(slug),
            name_id: t(name_id),
            name_en: t(name_en),
            description_id: t(description_id),
            description_en: t(description_en),
        };
        let csrf = auth.csrf();
        state.set(Action::Busy);
        leptos::task::spawn_local(async move {
            let result = api::create_program(&body, &csrf).await;
            if finish(
                auth,
                result,
                (errors, alert, state),
                &PROGRAM_FIELDS,
                "program-alert",
                dom_id,
            )
            .is_some()
            {
                for v in values {
                    v.set(String::new());
                }
                shared.programs.refetch();
            }
        });
    };
    view! {
        <section aria-labelledby="program-heading">
            <h2 id="program-heading">{tr("console.new_program")}</h2>
            <form novalidate on:submit=submit data-testid="program-form">
                <div id="program-alert" tabindex="-1">
                    <FormAlert message=alert.into() />
                </div>
                <TextField
                    field="slug"
                    label="console.slug"
                    value=slug
                    errors
                    autocomplete="off"
                    hint=Signal::derive(move || lang().text("console.slug_hint"))
                />
                <TextField field="name_id" label="console.name_id" value=name_id errors />
                <TextField field="name_en" label="console.name_en" value=name_en errors />
                <TextField field="description_id" label="console.description_id" value=description_id errors />
                <TextField field="description_en" label="console.description_en" value=description_en errors />
                <button
                    type="submit"
                    class="button"
                    data-testid="program-submit"
                    aria-disabled=move || state.get().busy().then_some("true")
                >
                    {tr("console.add_program")}
                </button>
                <ActionStatus state />
            </form>
        </section>
    }
}

const PACKAGE_FIELDS: [&str; 8] = [
    "program_id",
    "slug",
    "name_id",
    "name_en",
    "unit_id",
    "unit_en",
    "unit_value",
    "once_per_family",
];

/// Element ids of the package form's fields (the program form has some
/// of the same names).
fn package_id_of(field: &str) -> String {
    if field == "program_id" {
        dom_id(field)
    } else {
        format!("package-{field}")
    }
}

#[component]
fn PackageForm() -> impl IntoView {
    let shared = expect_context::<Shared>();
    let auth = StaffAuth::get();
    let values: [RwSignal<String>; 7] = std::array::from_fn(|_| RwSignal::new(String::new()));
    let [
        program,
        slug,
        name_id,
        name_en,
        unit_id,
        unit_en,
        unit_value,
    ] = values;
    let once = RwSignal::new(false);
    let errors = Errors::new();
    let alert = RwSignal::new(None::<String>);
    let state = RwSignal::new(Action::Idle);
    let programs = Signal::derive(move || {
        let l = lang();
        shared
            .programs
            .get()
            .and_then(Result::ok)
            .map(|c| {
                c.programs
                    .iter()
                    .map(|p| (p.id.to_string(), p.name.get(l.code()).to_owned()))
                    .collect()
            })
            .unwrap_or_default()
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if state.get_untracked().busy() {
            return;
        }
        alert.set(None);
        if !require(
            errors,
            &[
                ("program_id", program),
                ("slug", slug),
                ("name_id", name_id),
                ("name_en", name_en),
                ("unit_id", unit_id),
                ("unit_en", unit_en),
                ("unit_value", unit_value),
            ],
            package_id_of,
        ) {
            return;
        }
        let Ok(value) = unit_value.get_untracked().trim().parse::<i64>() else {
            errors.set("unit_value", Some(Problem::Key("console.number_invalid")));
            focus_soon(package_id_of("unit_value"));
            return;
        };
        let t = |s: RwSignal<String>| s.get_untracked().trim().to_owned();
        let body = NewPackage {
            program_id: t(program).parse().unwrap_or_default(),
            slug: t(slug),
            name_id: t(name_id),
            name_en: t(name_en),
            unit_id: t(unit_id),
            unit_en: t(unit_en),
            unit_value: value,
            once_per_family: once.get_untracked(),
        };
        let csrf = auth.csrf();
        state.set(Action::Busy);
        leptos::task::spawn_local(async move {
            let result = api::create_package(&body, &csrf).await;
            if finish(
                auth,
                result,
                (errors, alert, state),
                &PACKAGE_FIELDS,
                "package-alert",
                package_id_of,
            )
            .is_some()
            {
                for v in values.iter().skip(1) {
                    v.set(String::new());
                }
                once.set(false);
                shared.programs.refetch();
            }
        });
    };
    // Distinct element ids from the program form on the same page.
    view! {
        <section aria-labelledby="package-heading" class="package-form">
            <h2 id="package-heading">{tr("console.new_package")}</h2>
            <form novalidate on:submit=submit data-testid="package-form">
                <div id="package-alert" tabindex="-1">
                    <FormAlert message=alert.into() />
                </div>
                <SelectField
                    field="program_id"
                    label="console.program"
                    value=program
                    errors
                    options=programs
                    placeholder="form.choose"
                />
                <PackageText field="slug" label="console.slug" value=slug errors />
                <PackageText field="name_id" label="console.name_id" value=name_id errors />
                <PackageText field="name_en" label="console.name_en" value=name_en errors />
                <PackageText field="unit_id" label="console.unit_id" value=unit_id errors />
                <PackageText field="unit_en" label="console.unit_en" value=unit_en errors />
                <PackageText field="unit_value" label="console.unit_value" value=unit_value errors number=true />
                <div class="field check">
                    <input
                        type="checkbox"
                        id="package-once"
                        aria-describedby="package-once-hint"
                        prop:checked=move || once.get()
                        on:change:target=move |ev| once.set(ev.target().checked())
                    />
                    <label for="package-once">{tr("console.once_per_family")}</label>
                    <p class="hint" id="package-once-hint">{tr("console.once_per_family_hint")}</p>
                </div>
                <button
                    type="submit"
                    class="button"
                    data-testid="package-submit"
                    aria-disabled=move || state.get().busy().then_some("true")
                >
                    {tr("console.add_package")}
                </button>
                <ActionStatus state />
            </form>
        </section>
    }
}

/// A text field of the package form: its element id is prefixed so it
/// does not clash with the program form's fields of the same name.
#[component]
fn PackageText(
    field: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    errors: Errors,
    #[prop(optional)] number: bool,
) -> impl IntoView {
    let id = format!("package-{field}");
    let message = errors.message(field);
    let error_id = format!("{id}-error");
    view! {
        <div class="field" class:field-invalid=move || message.read().is_some()>
            <label for=id.clone()>{tr(label)}</label>
            <input
                id=id.clone()
                type=if number { "number" } else { "text" }
                inputmode=number.then_some("numeric")
                min=number.then_some("0")
                autocomplete="off"
                aria-invalid=move || message.read().is_some().then_some("true")
                aria-describedby=move || message.read().is_some().then(|| error_id.clone())
                prop:value=move || value.get()
                on:input:target=move |ev| {
                    value.set(ev.target().value());
                    errors.set(field, None);
                }
            />
            <crate::components::form::FieldError id=id.clone() message />
        </div>
    }
}
