//! Form building blocks: labelled fields whose error is linked with
//! `aria-describedby`, the collaborator-kind radio group, and the error map
//! that holds both client hints and the server's per-field messages.

use std::collections::BTreeMap;

use kolaborasi_shared::CollaboratorKind;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::i18n::{Lang, lang, tr, tr_with};

/// What is wrong with one field: a translation key of ours (shown in the
/// current language) or a message the server already wrote in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    Key(&'static str),
    KeyWith(&'static str, Vec<(&'static str, String)>),
    /// A message with one count, written as the language writes numbers
    /// when it is shown (`1.678` or `1,678`).
    KeyCount(&'static str, &'static str, u64),
    Server(String),
}

impl Problem {
    #[must_use]
    pub fn text(&self, lang: Lang) -> String {
        match self {
            Self::Key(key) => lang.text(key),
            Self::KeyWith(key, args) => {
                let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
                tr_with(lang, key, &args)
            }
            Self::KeyCount(key, name, count) => tr_with(lang, key, &[(name, &lang.number(*count))]),
            Self::Server(message) => message.clone(),
        }
    }
}

/// Problems by field path (the request's dotted path, e.g. `collaborator.email`).
#[derive(Debug, Clone, Copy)]
pub struct Errors(pub RwSignal<BTreeMap<String, Problem>>);

impl Errors {
    #[must_use]
    pub fn new() -> Self {
        Self(RwSignal::new(BTreeMap::new()))
    }

    pub fn set(self, field: &str, problem: Option<Problem>) {
        self.0.update(|m| {
            match problem {
                Some(p) => m.insert(field.to_owned(), p),
                None => m.remove(field),
            };
        });
    }

    #[must_use]
    pub fn has(self, field: &str) -> bool {
        self.0.with_untracked(|m| m.contains_key(field))
    }

    /// The message of a field in the current language (reactive).
    #[must_use]
    pub fn message(self, field: impl Into<String>) -> Signal<Option<String>> {
        let field = field.into();
        Signal::derive(move || {
            let l = lang();
            self.0.with(|m| m.get(&field).map(|p| p.text(l)))
        })
    }

    /// The fields in error, in path order.
    #[must_use]
    pub fn fields(self) -> Vec<String> {
        self.0.with_untracked(|m| m.keys().cloned().collect())
    }

    pub fn clear(self) {
        self.0.update(BTreeMap::clear);
    }
}

impl Default for Errors {
    fn default() -> Self {
        Self::new()
    }
}

/// The element id of a field path: `collaborator.email` → `f-collaborator-email`.
#[must_use]
pub fn dom_id(field: &str) -> String {
    format!("f-{}", field.replace('.', "-"))
}

/// Moves keyboard focus to an element once the browser has drawn the
/// current changes (the element may only just have been rendered).
pub fn focus_soon(id: String) {
    request_animation_frame(move || {
        if let Some(el) = document()
            .get_element_by_id(&id)
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
        }
    });
}

/// `aria-describedby` of a field: its hint and, when shown, its error.
fn described_by(id: &str, has_hint: bool, has_error: bool) -> Option<String> {
    let mut ids = Vec::new();
    if has_hint {
        ids.push(format!("{id}-hint"));
    }
    if has_error {
        ids.push(format!("{id}-error"));
    }
    (!ids.is_empty()).then(|| ids.join(" "))
}

/// The error text under a field. It is not a live region itself: the form
/// announces a summary, and focus lands on the first field in error, whose
/// description is then read out.
#[component]
pub fn FieldError(id: String, message: Signal<Option<String>>) -> impl IntoView {
    view! {
        <Show when=move || message.read().is_some()>
            <p class="field-error" id=format!("{}-error", id)>
                <span aria-hidden="true" class="field-error-icon">"!"</span>
                {move || message.get()}
            </p>
        </Show>
    }
}

/// A labelled text input (`text`, `email`, `tel`, `date`, `password`).
#[component]
pub fn TextField(
    /// The request's path of this field (also gives the element id).
    field: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    errors: Errors,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(optional)] hint: Option<Signal<String>>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] inputmode: Option<&'static str>,
    #[prop(optional, into)] min: Option<Signal<String>>,
    #[prop(optional, into)] max: Option<Signal<String>>,
    /// Most characters the box takes (the browser stops typing there).
    #[prop(optional)]
    maxlength: Option<usize>,
    /// Checks the value; runs on leaving the field (once something was
    /// typed) and while typing once the field shows an error.
    #[prop(optional)]
    check: Option<Callback<String, Option<Problem>>>,
) -> impl IntoView {
    let id = dom_id(field);
    let message = errors.message(field);
    let has_hint = hint.is_some();
    let run_check = move |while_typing: bool| {
        if let Some(check) = check {
            let v = value.get_untracked();
            if while_typing && !errors.has(field) {
                return;
            }
            if !while_typing && v.trim().is_empty() && !errors.has(field) {
                return;
            }
            errors.set(field, check.run(v));
        } else if errors.has(field) && while_typing {
            // A server message no check can confirm: typing something new clears it.
            errors.set(field, None);
        }
    };
    let describedby = {
        let id = id.clone();
        move || described_by(&id, has_hint, message.read().is_some())
    };
    view! {
        <div class="field" class:field-invalid=move || message.read().is_some()>
            <label for=id.clone()>{tr(label)}</label>
            {hint.map(|h| view! { <p class="hint" id=format!("{id}-hint")>{h}</p> })}
            <input
                id=id.clone()
                name=field
                type=input_type
                autocomplete=autocomplete
                inputmode=inputmode
                min=move || min.map(|m| m.get())
                max=move || max.map(|m| m.get())
                maxlength=maxlength
                aria-invalid=move || message.read().is_some().then_some("true")
                aria-describedby=describedby
                prop:value=move || value.get()
                on:input:target=move |ev| {
                    value.set(ev.target().value());
                    run_check(true);
                }
                on:change=move |_| run_check(false)
            />
            <FieldError id=id.clone() message />
        </div>
    }
}

/// The collaborator kind as a radio group (`kind` holds the wire spelling).
#[component]
pub fn KindField(field: &'static str, kind: RwSignal<String>, errors: Errors) -> impl IntoView {
    let id = dom_id(field);
    let message = errors.message(field);
    let options = CollaboratorKind::ALL
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let value = k.as_str();
            // The first radio carries the field's id: focus lands on the group.
            let option_id = if i == 0 {
                id.clone()
            } else {
                format!("{id}-{value}")
            };
            let label_key = kind_key(*k);
            let hint_key = kind_hint_key(*k);
            let group = id.clone();
            view! {
                <label class="choice" for=option_id.clone()>
                    <input
                        type="radio"
                        id=option_id.clone()
                        name=group
                        value=value
                        prop:checked=move || kind.get() == value
                        on:change=move |_| {
                            kind.set(value.to_owned());
                            errors.set(field, None);
                        }
                    />
                    <span class="choice-text">
                        <span class="choice-label">{tr(label_key)}</span>
                        <span class="choice-hint">{tr(hint_key)}</span>
                    </span>
                </label>
            }
        })
        .collect_view();
    let describedby = {
        let id = id.clone();
        move || described_by(&id, false, message.read().is_some())
    };
    view! {
        <fieldset
            class="field choices"
            class:field-invalid=move || message.read().is_some()
            aria-describedby=describedby
        >
            <legend>{tr("kind.legend")}</legend>
            <div class="choice-list">{options}</div>
            <FieldError id=id.clone() message />
        </fieldset>
    }
}

#[must_use]
pub fn kind_key(kind: CollaboratorKind) -> &'static str {
    match kind {
        CollaboratorKind::Company => "kind.company",
        CollaboratorKind::Organisation => "kind.organisation",
        CollaboratorKind::Individual => "kind.individual",
        CollaboratorKind::Aggregator => "kind.aggregator",
    }
}

fn kind_hint_key(kind: CollaboratorKind) -> &'static str {
    match kind {
        CollaboratorKind::Company => "kind.company_hint",
        CollaboratorKind::Organisation => "kind.organisation_hint",
        CollaboratorKind::Individual => "kind.individual_hint",
        CollaboratorKind::Aggregator => "kind.aggregator_hint",
    }
}

/// The wire spelling of a kind, as text in the current language.
#[must_use]
pub fn kind_text(lang: Lang, kind: &str) -> String {
    CollaboratorKind::parse(kind).map_or_else(String::new, |k| lang.text(kind_key(k)))
}

/// The rule of a field as a check for [`TextField`].
#[must_use]
pub fn rule<T: 'static>(
    check: fn(&str) -> Result<T, &'static str>,
) -> Callback<String, Option<Problem>> {
    Callback::new(move |v: String| check(&v).err().map(Problem::Key))
}

/// A form-level alert: what went wrong, announced when it appears (the
/// live region is always in the document, only its content changes).
#[component]
pub fn FormAlert(message: Signal<Option<String>>) -> impl IntoView {
    view! {
        <div class="form-alert-slot" role="alert">
            {move || {
                message
                    .get()
                    .map(|m| view! { <p class="form-alert" data-testid="form-alert">{m}</p> })
            }}
        </div>
    }
}

/// A labelled multi-line text field.
#[component]
pub fn TextAreaField(
    field: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    errors: Errors,
    #[prop(optional)] hint: Option<Signal<String>>,
    #[prop(default = 4)] rows: u32,
    #[prop(optional)] maxlength: Option<usize>,
    #[prop(optional)] testid: Option<&'static str>,
) -> impl IntoView {
    let id = dom_id(field);
    let message = errors.message(field);
    let has_hint = hint.is_some();
    let describedby = {
        let id = id.clone();
        move || described_by(&id, has_hint, message.read().is_some())
    };
    view! {
        <div class="field" class:field-invalid=move || message.read().is_some()>
            <label for=id.clone()>{tr(label)}</label>
            {hint.map(|h| view! { <p class="hint" id=format!("{id}-hint")>{h}</p> })}
            <textarea
                id=id.clone()
                name=field
                rows=rows
                maxlength=maxlength
                data-testid=testid
                aria-invalid=move || message.read().is_some().then_some("true")
                aria-describedby=describedby
                prop:value=move || value.get()
                on:input:target=move |ev| {
                    value.set(ev.target().value());
                    if errors.has(field) {
                        errors.set(field, None);
                    }
                }
            ></textarea>
            <FieldError id=id.clone() message />
        </div>
    }
}

/// A labelled `<select>`; `options` are (value, text) pairs. With a
/// `placeholder` an empty first option asks for a choice. (Only the
/// console's forms have one.)
#[component]
pub fn SelectField(
    field: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    errors: Errors,
    #[prop(into)] options: Signal<Vec<(String, String)>>,
    #[prop(optional)] placeholder: Option<&'static str>,
    #[prop(optional)] hint: Option<Signal<String>>,
    #[prop(optional, into)] disabled: Option<Signal<bool>>,
) -> impl IntoView {
    let id = dom_id(field);
    let message = errors.message(field);
    let has_hint = hint.is_some();
    let describedby = {
        let id = id.clone();
        move || described_by(&id, has_hint, message.read().is_some())
    };
    view! {
        <div class="field" class:field-invalid=move || message.read().is_some()>
            <label for=id.clone()>{tr(label)}</label>
            {hint.map(|h| view! { <p class="hint" id=format!("{id}-hint")>{h}</p> })}
            <select
                id=id.clone()
                name=field
                disabled=move || disabled.is_some_and(|d| d.get())
                aria-invalid=move || message.read().is_some().then_some("true")
                aria-describedby=describedby
                on:change:target=move |ev| {
                    value.set(ev.target().value());
                    errors.set(field, None);
                }
            >
                {placeholder
                    .map(|p| {
                        view! {
                            <option value="" prop:selected=move || value.read().is_empty()>
                                {tr(p)}
                            </option>
                        }
                    })}
                {move || {
                    options
                        .get()
                        .into_iter()
                        .map(|(v, text)| {
                            let current = v.clone();
                            view! {
                                <option value=v prop:selected=move || *value.read() == current>
                                    {text}
                                </option>
                            }
                        })
                        .collect_view()
                }}
            </select>
            <FieldError id=id.clone() message />
        </div>
    }
}

/// Puts the server's per-field messages next to their fields. `map` turns
/// a server path into the form's field name (`None`: not shown by this
/// form). Returns the fields placed, in the server's order.
pub fn place_field_errors(
    errors: Errors,
    failure: &crate::api::ApiFailure,
    map: impl Fn(&str) -> Option<String>,
) -> Vec<String> {
    let crate::api::ApiFailure::Api { error, .. } = failure else {
        return Vec::new();
    };
    if error.code != kolaborasi_shared::ErrorCode::InvalidParameter {
        return Vec::new();
    }
    let mut problems: Vec<(String, String)> = error
        .fields
        .iter()
        .map(|f| (f.field.clone(), f.message.clone()))
        .collect();
    if problems.is_empty()
        && let Some(field) = &error.field
    {
        problems.push((field.clone(), error.message.clone()));
    }
    let mut placed = Vec::new();
    for (field, message) in problems {
        if let Some(name) = map(&field) {
            errors.set(&name, Some(Problem::Server(message)));
            placed.push(name);
        }
    }
    placed
}

/// The place categories as select options, in the reader's language.
#[must_use]
pub fn category_options() -> Signal<Vec<(String, String)>> {
    Signal::derive(move || {
        let l = lang();
        kolaborasi_shared::Category::ALL
            .iter()
            .map(|c| {
                (
                    c.as_str().to_owned(),
                    l.text(&format!("category.{}", c.as_str())),
                )
            })
            .collect()
    })
}

/// Sets the three selects of [`AreaSelectFields`] to a kelurahan by its
/// official code, which names its kota and kecamatan (`31.71.01.1002`);
/// nothing when `code` is not a kelurahan's.
pub fn choose_kelurahan(
    kota: RwSignal<String>,
    kecamatan: RwSignal<String>,
    kelurahan: RwSignal<String>,
    code: &str,
) {
    let parts: Vec<&str> = code.split('.').collect();
    if parts.len() == 4 {
        kota.set(parts[..2].join("."));
        kecamatan.set(parts[..3].join("."));
        kelurahan.set(code.to_owned());
    }
}

/// Kota, kecamatan and kelurahan as three selects: each lists what lies in
/// the choice above it, and a choice outside it is cleared. The kelurahan's
/// field is named as the server names it (`kelurahan_field`).
#[component]
pub fn AreaSelectFields(
    kota: RwSignal<String>,
    kecamatan: RwSignal<String>,
    kelurahan: RwSignal<String>,
    errors: Errors,
    #[prop(default = "kelurahan")] kelurahan_field: &'static str,
) -> impl IntoView {
    let shared = expect_context::<crate::Shared>();
    Effect::new(move |_| {
        let above = kota.get();
        if !kecamatan.get_untracked().starts_with(&format!("{above}.")) {
            kecamatan.set(String::new());
        }
    });
    Effect::new(move |_| {
        let above = kecamatan.get();
        if !kelurahan.get_untracked().starts_with(&format!("{above}.")) {
            kelurahan.set(String::new());
        }
    });
    let tree = move || shared.areas.get().and_then(Result::ok);
    let children = move |code: Option<String>| -> Vec<(String, String)> {
        tree()
            .and_then(|t| {
                let node = match &code {
                    None => Some(&t.root),
                    Some(c) if c.is_empty() => None,
                    Some(c) => t.find(c),
                };
                node.map(|n| {
                    n.children
                        .iter()
                        .map(|c| (c.code.clone(), c.name.clone()))
                        .collect()
                })
            })
            .unwrap_or_default()
    };
    let kotas = Signal::derive(move || children(None));
    let kecamatans = Signal::derive(move || children(Some(kota.get())));
    let kelurahans = Signal::derive(move || children(Some(kecamatan.get())));
    view! {
        <SelectField
            field="kota"
            label="filter.kota"
            value=kota
            errors
            options=kotas
            placeholder="form.choose"
        />
        <SelectField
            field="kecamatan"
            label="filter.kecamatan"
            value=kecamatan
            errors
            options=kecamatans
            placeholder="form.choose"
            disabled=Signal::derive(move || kota.read().is_empty())
        />
        <SelectField
            field=kelurahan_field
            label="filter.kelurahan"
            value=kelurahan
            errors
            options=kelurahans
            placeholder="form.choose"
            disabled=Signal::derive(move || kecamatan.read().is_empty())
        />
    }
}
