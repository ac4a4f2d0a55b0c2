//! `/konsol/lokasi/baru` and `/konsol/lokasi/{id}`: a location's public
//! fields, private contact and needs per package; the point is typed or
//! picked on the map. Existing locations can be verified or deactivated.

use std::collections::BTreeMap;

use kolaborasi_shared::{AreaLevel, LocationInput, NeedInput, ProgramList, Role, StaffLocation};
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

use super::{Action, ActionStatus, ConsoleFrame, StaffAuth, run_action};
use crate::api::{self, ApiFailure};
use crate::components::form::{
    AreaSelectFields, Errors, FieldError, FormAlert, Problem, SelectField, TextAreaField,
    TextField, dom_id, focus_soon, place_field_errors,
};
use crate::components::status::{LoadError, Loading};
use crate::i18n::{lang, tr, tr_with};
use crate::map::picker::{PointPicker, coordinate_text, parse_point};
use crate::route::Page;
use crate::{Shared, set_title};

#[component]
pub fn NewLocationPage() -> impl IntoView {
    Effect::new(move |_| set_title(&lang().text("console.new_location")));
    view! {
        <ConsoleFrame>
            <Editor existing=None />
        </ConsoleFrame>
    }
}

#[component]
pub fn EditLocationPage() -> impl IntoView {
    view! {
        <ConsoleFrame>
            <LoadLocation />
        </ConsoleFrame>
    }
}

#[component]
fn LoadLocation() -> impl IntoView {
    let auth = StaffAuth::get();
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|s| s.parse::<i64>().ok());
    let data = LocalResource::new(move || {
        let id = id();
        async move {
            match id {
                Some(id) => api::staff_location(id).await,
                None => Err(ApiFailure::not_found()),
            }
        }
    });
    let retry = Callback::new(move |()| data.refetch());
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(l) => view! { <Editor existing=Some(l) /> }.into_any(),
                    Err(ApiFailure::Api { status: 400 | 404, .. }) => {
                        set_title(&lang().text("location.not_found"));
                        view! { <h1>{tr("location.not_found")}</h1> }.into_any()
                    }
                    Err(e) => {
                        if auth.ended(&e) {
                            ().into_any()
                        } else {
                            view! { <LoadError failure=e retry /> }.into_any()
                        }
                    }
                }
            })}
        </Transition>
    }
}

/// The form's fields, in the order they are shown (request paths).
const FIELDS: [&str; 10] = [
    "name",
    "category",
    "kelurahan",
    "lat",
    "lon",
    "headcount",
    "address",
    "description",
    "contact_name",
    "contact_phone",
];

fn need_field(package_id: i64) -> String {
    format!("need.{package_id}")
}

/// Everything the form holds, as typed.
#[derive(Clone, Copy)]
struct Form {
    name: RwSignal<String>,
    category: RwSignal<String>,
    kota: RwSignal<String>,
    kecamatan: RwSignal<String>,
    kelurahan: RwSignal<String>,
    lat: RwSignal<String>,
    lon: RwSignal<String>,
    headcount: RwSignal<String>,
    address: RwSignal<String>,
    description: RwSignal<String>,
    contact_name: RwSignal<String>,
    contact_phone: RwSignal<String>,
    /// Target per package as typed.
    needs: RwSignal<BTreeMap<i64, String>>,
    errors: Errors,
}

impl Form {
    fn new(existing: Option<&StaffLocation>) -> Self {
        let s = |v: &str| RwSignal::new(v.to_owned());
        let code_at = |level: AreaLevel| {
            existing
                .and_then(|e| {
                    e.location
                        .area_path
                        .iter()
                        .find(|a| a.level == level)
                        .map(|a| a.code.clone())
                })
                .unwrap_or_default()
        };
        match existing {
            Some(e) => {
                let l = &e.location;
                Self {
                    name: s(&l.name),
                    category: s(l.category.as_str()),
                    kota: RwSignal::new(code_at(AreaLevel::Kota)),
                    kecamatan: RwSignal::new(code_at(AreaLevel::Kecamatan)),
                    kelurahan: RwSignal::new(code_at(AreaLevel::Kelurahan)),
                    lat: s(&l.lat.to_string()),
                    lon: s(&l.lon.to_string()),
                    headcount: s(&l.headcount.to_string()),
                    address: s(&l.address),
                    description: s(&l.description),
                    contact_name: s(&e.contact_name),
                    contact_phone: s(&e.contact_phone),
                    needs: RwSignal::new(
                        l.needs
                            .iter()
                            .map(|n| (n.package_id, n.target.to_string()))
                            .collect(),
                    ),
                    errors: Errors::new(),
                }
            }
            None => Self {
                name: s(""),
                category: s(""),
                kota: s(""),
                kecamatan: s(""),
                kelurahan: s(""),
                lat: s(""),
                lon: s(""),
                headcount: s(""),
                address: s(""),
                description: s(""),
                contact_name: s(""),
                contact_phone: s(""),
                needs: RwSignal::new(BTreeMap::new()),
                errors: Errors::new(),
            },
        }
    }

    /// A resident's suggested place, in the fields still empty.
    fn prefill(self, p: &kolaborasi_shared::SuggestedPlace) {
        // The page may have been left while the suggestion loaded.
        if self.name.is_disposed() {
            return;
        }
        let fill = |s: RwSignal<String>, v: String| {
            if s.get_untracked().is_empty() {
                s.set(v);
            }
        };
        fill(self.name, p.name.clone());
        fill(self.category, p.category.as_str().to_owned());
        if self.kelurahan.get_untracked().is_empty() {
            crate::components::form::choose_kelurahan(
                self.kota,
                self.kecamatan,
                self.kelurahan,
                &p.kelurahan_code,
            );
        }
        if let (Some(lat), Some(lon)) = (p.lat, p.lon) {
            fill(self.lat, coordinate_text(lat));
            fill(self.lon, coordinate_text(lon));
        }
    }

    /// The request, or the first field in error (messages set).
    fn input(self, original: &BTreeMap<i64, String>) -> Result<LocationInput, String> {
        let mut first: Option<String> = None;
        let mut note = |field: &str, problem: Option<Problem>| {
            if problem.is_some() && first.is_none() {
                first = Some(field.to_owned());
            }
            self.errors.set(field, problem);
        };
        let text = |s: RwSignal<String>| s.get_untracked().trim().to_owned();
        let required = |s: RwSignal<String>| {
            text(s)
                .is_empty()
                .then_some(Problem::Key("console.required"))
        };
        note("name", required(self.name));
        note("category", required(self.category));
        note("kelurahan", required(self.kelurahan));
        let point = parse_point(&self.lat.get_untracked(), &self.lon.get_untracked());
        let bad_point = point
            .is_none()
            .then_some(Problem::Key("console.coordinate_invalid"));
        note("lat", bad_point.clone());
        note("lon", bad_point);
        let headcount = text(self.headcount).parse::<i64>().ok();
        note(
            "headcount",
            headcount
                .is_none()
                .then_some(Problem::Key("console.number_invalid")),
        );
        let mut needs = Vec::new();
        for (package_id, value) in self.needs.get_untracked() {
            let trimmed = value.trim();
            let before = original.get(&package_id).map(|s| s.trim());
            if trimmed.is_empty() || before == Some(trimmed) {
                continue;
            }
            match trimmed.parse::<i64>() {
                Ok(target) if target >= 0 => {
                    if before.is_some() || target > 0 {
                        needs.push(NeedInput { package_id, target });
                    }
                    note(&need_field(package_id), None);
                }
                _ => note(
                    &need_field(package_id),
                    Some(Problem::Key("console.number_invalid")),
                ),
            }
        }
        if let Some(first) = first {
            return Err(first);
        }
        let (lat, lon) = point.unwrap_or_default();
        Ok(LocationInput {
            name: text(self.name),
            category: text(self.category),
            kelurahan: text(self.kelurahan),
            lat,
            lon,
            headcount: headcount.unwrap_or_default(),
            address: text(self.address),
            description: text(self.description),
            contact_name: text(self.contact_name),
            contact_phone: text(self.contact_phone),
            needs,
            report: String::new(),
            report_answer: String::new(),
        })
    }
}

#[allow(clippy::too_many_lines)] // one form: its fields in order
#[component]
fn Editor(existing: Option<StaffLocation>) -> impl IntoView {
    let shared = expect_context::<Shared>();
    let auth = StaffAuth::get();
    let navigate = use_navigate();
    let form = Form::new(existing.as_ref());
    let original = StoredValue::new(form.needs.get_untracked());
    let current = RwSignal::new(existing);
    let id = move || current.with(|c| c.as_ref().map(|c| c.location.id));
    let alert = RwSignal::new(None::<String>);
    let state = RwSignal::new(Action::Idle);
    let errors = form.errors;
    // `?laporan=CODE`: this edit answers a "wrong information" report, or
    // this new place a resident's suggestion, resolved with it (the
    // console's report page links here).
    let query = use_query_map();
    let answering = Memo::new(move |_| {
        query
            .read()
            .get("laporan")
            .and_then(|c| kolaborasi_shared::validate::tracking_code(&c))
    });
    let report_answer = RwSignal::new(String::new());
    // A new place from a suggestion starts with what the resident gave.
    if current.with_untracked(Option::is_none)
        && let Some(code) = answering.get_untracked()
    {
        leptos::task::spawn_local(async move {
            if let Ok(kolaborasi_shared::StaffReport { place: Some(p), .. }) =
                api::staff_report(&code).await
            {
                form.prefill(&p);
            }
        });
    }
    Effect::new(move |_| {
        if let Some(name) = current.with(|c| c.as_ref().map(|c| c.location.name.clone())) {
            set_title(&tr_with(
                lang(),
                "console.edit_location_title",
                &[("name", &name)],
            ));
        }
    });
    let categories = crate::components::form::category_options();

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if state.get_untracked().busy() {
            return;
        }
        alert.set(None);
        let input = match form.input(&original.get_value()) {
            Ok(mut i) => {
                if let Some(code) = answering.get_untracked() {
                    i.report = code;
                    i.report_answer = report_answer.get_untracked();
                }
                i
            }
            Err(first) => {
                alert.set(Some(tr_with(
                    lang(),
                    "commit.fix_fields",
                    &[("count", &errors.fields().len().to_string())],
                )));
                focus_soon(dom_id(&first));
                return;
            }
        };
        let csrf = auth.csrf();
        let existing_id = id();
        let navigate = navigate.clone();
        state.set(Action::Busy);
        leptos::task::spawn_local(async move {
            let result = match existing_id {
                Some(id) => api::update_location(id, &input, &csrf).await,
                None => api::create_location(&input, &csrf).await,
            };
            let l = crate::i18n::document_lang();
            match result {
                Ok(saved) => {
                    state.set(Action::Done(l.text("console.saved")));
                    let new_id = saved.location.id;
                    original.set_value(
                        saved
                            .location
                            .needs
                            .iter()
                            .map(|n| (n.package_id, n.target.to_string()))
                            .collect(),
                    );
                    current.set(Some(saved));
                    if !input.report.is_empty() {
                        navigate(
                            &Page::ConsoleReport(input.report.clone()).href(),
                            NavigateOptions::default(),
                        );
                    } else if existing_id.is_none() {
                        let options = NavigateOptions {
                            replace: true,
                            ..NavigateOptions::default()
                        };
                        navigate(&Page::ConsoleLocation(new_id).href(), options);
                    }
                }
                Err(e) => {
                    state.set(Action::Idle);
                    if auth.ended(&e) {
                        return;
                    }
                    let placed = place_field_errors(errors, &e, |f| {
                        if FIELDS.contains(&f) || f == "report_answer" {
                            return Some(f.to_owned());
                        }
                        let rest = f.strip_prefix("needs.")?;
                        let index = rest.split('.').next()?.parse::<usize>().ok()?;
                        input.needs.get(index).map(|n| need_field(n.package_id))
                    });
                    if let Some(first) = FIELDS
                        .iter()
                        .map(|f| (*f).to_owned())
                        .find(|f| placed.contains(f))
                        .or_else(|| placed.first().cloned())
                    {
                        alert.set(Some(tr_with(
                            l,
                            "commit.fix_fields",
                            &[("count", &placed.len().to_string())],
                        )));
                        focus_soon(dom_id(&first));
                    } else {
                        alert.set(Some(e.plain_message(l)));
                        focus_soon("location-alert".to_owned());
                    }
                }
            }
        });
    };
    let heading = move || {
        current.with(|c| match c {
            Some(c) => c.location.name.clone(),
            None => lang().text("console.new_location"),
        })
    };
    let map = move || {
        shared
            .config
            .get()
            .and_then(Result::ok)
            .map(|config| view! { <PointPicker config lat=form.lat lon=form.lon /> })
    };
    view! {
        <h1>{heading}</h1>
        {move || current.get().map(|c| view! { <LocationState location=c current /> })}
        <form class="location-form" novalidate on:submit=submit data-testid="location-form">
            <div id="location-alert" tabindex="-1">
                <FormAlert message=alert.into() />
            </div>
            <fieldset class="group">
                <legend>{tr("console.location_public")}</legend>
                <TextField field="name" label="console.location_name" value=form.name errors />
                <SelectField
                    field="category"
                    label="console.category"
                    value=form.category
                    errors
                    options=categories
                    placeholder="form.choose"
                />
                <TextField
                    field="headcount"
                    label="location.headcount"
                    value=form.headcount
                    errors
                    input_type="number"
                    inputmode="numeric"
                    min="0"
                    hint=Signal::derive(move || lang().text("console.headcount_hint"))
                />
                <TextField field="address" label="location.address" value=form.address errors />
                <TextAreaField field="description" label="location.about" value=form.description errors />
            </fieldset>
            <fieldset class="group">
                <legend>{tr("location.area")}</legend>
                <AreaSelectFields kota=form.kota kecamatan=form.kecamatan kelurahan=form.kelurahan errors />
            </fieldset>
            <fieldset class="group">
                <legend>{tr("location.coordinates")}</legend>
                <p class="hint">{tr("console.coordinates_hint")}</p>
                <div class="coordinate-row">
                    <TextField
                        field="lat"
                        label="console.lat"
                        value=form.lat
                        errors
                        inputmode="decimal"
                        autocomplete="off"
                    />
                    <TextField
                        field="lon"
                        label="console.lon"
                        value=form.lon
                        errors
                        inputmode="decimal"
                        autocomplete="off"
                    />
                </div>
                {map}
            </fieldset>
            <fieldset class="group">
                <legend>{tr("console.location_private")}</legend>
                <p class="hint">{tr("console.contact_note")}</p>
                <TextField
                    field="contact_name"
                    label="track.contact_name"
                    value=form.contact_name
                    errors
                    autocomplete="off"
                />
                <TextField
                    field="contact_phone"
                    label="commit.phone"
                    value=form.contact_phone
                    errors
                    input_type="tel"
                    inputmode="tel"
                    autocomplete="off"
                />
            </fieldset>
            <NeedsFields form current />
            {move || answering.get().map(|code| view! {
                <fieldset class="group report-answering" data-testid="report-answering">
                    <legend>{tr_with(lang(), "console.report_answering", &[("code", &code)])}</legend>
                    <TextAreaField
                        field="report_answer"
                        label="console.report_public_answer"
                        value=report_answer
                        errors
                        hint=Signal::derive(move || lang().text("console.report_public_answer_hint"))
                        maxlength=kolaborasi_shared::report::MAX_REPORT_ANSWER
                        testid="report-answer-text"
                    />
                </fieldset>
            })}
            <div class="step-footer">
                <button
                    type="submit"
                    class="button button-cta"
                    data-testid="location-save"
                    aria-disabled=move || state.get().busy().then_some("true")
                >
                    {tr("console.save")}
                </button>
                <ActionStatus state />
            </div>
        </form>
        {move || current.get().map(|c| view! { <LocationDanger location=c current /> })}
    }
}

/// A target per package of the catalogue.
#[component]
fn NeedsFields(form: Form, current: RwSignal<Option<StaffLocation>>) -> impl IntoView {
    let shared = expect_context::<Shared>();
    let body = move || {
        let catalogue: Option<ProgramList> = shared.programs.get().and_then(Result::ok);
        let l = lang();
        catalogue.map(|c| {
            c.programs
                .into_iter()
                .filter(|p| !p.packages.is_empty())
                .map(|p| {
                    let packages = p
                        .packages
                        .into_iter()
                        .map(|k| {
                            let field = need_field(k.id);
                            let id = dom_id(&field);
                            let message = form.errors.message(field.clone());
                            let taken = current.with(|c| {
                                c.as_ref().and_then(|c| {
                                    c.location.needs.iter().find(|n| n.package_id == k.id).map(
                                        |n| {
                                            tr_with(
                                                l,
                                                "console.need_taken",
                                                &[
                                                    ("committed", &l.number(u64::from(n.committed))),
                                                    ("delivered", &l.number(u64::from(n.delivered))),
                                                ],
                                            )
                                        },
                                    )
                                })
                            });
                            let hint = format!(
                                "{}{}",
                                tr_with(l, "console.need_unit", &[("unit", k.unit.get(l.code()))]),
                                taken.map(|t| format!(" · {t}")).unwrap_or_default()
                            );
                            let hint_id = format!("{id}-hint");
                            let error_id = format!("{id}-error");
                            let package_id = k.id;
                            view! {
                                <div class="field" class:field-invalid=move || message.read().is_some()>
                                    <label for=id.clone()>{k.name.get(l.code()).to_owned()}</label>
                                    <p class="hint" id=hint_id.clone()>{hint}</p>
                                    <input
                                        id=id.clone()
                                        type="number"
                                        inputmode="numeric"
                                        min="0"
                                        step="1"
                                        class="quantity-input"
                                        data-testid="need-target"
                                        data-package-id=package_id.to_string()
                                        aria-invalid=move || message.read().is_some().then_some("true")
                                        aria-describedby=move || {
                                            if message.read().is_some() {
                                                format!("{hint_id} {error_id}")
                                            } else {
                                                hint_id.clone()
                                            }
                                        }
                                        prop:value=move || {
                                            form.needs.with(|n| n.get(&package_id).cloned().unwrap_or_default())
                                        }
                                        on:input:target=move |ev| {
                                            let v = ev.target().value();
                                            form.needs.update(|n| {
                                                n.insert(package_id, v);
                                            });
                                            form.errors.set(&need_field(package_id), None);
                                        }
                                    />
                                    <FieldError id=id.clone() message />
                                </div>
                            }
                        })
                        .collect_view();
                    view! {
                        <fieldset class="need-group">
                            <legend>{p.name.get(l.code()).to_owned()}</legend>
                            {packages}
                        </fieldset>
                    }
                })
                .collect_view()
        })
    };
    view! {
        <fieldset class="group">
            <legend>{tr("console.needs")}</legend>
            <p class="hint">{tr("console.needs_hint")}</p>
            {body}
        </fieldset>
    }
}

/// Verified and active, with the actions that change them.
#[component]
fn LocationState(
    location: StaffLocation,
    current: RwSignal<Option<StaffLocation>>,
) -> impl IntoView {
    let auth = StaffAuth::get();
    let state = RwSignal::new(Action::Idle);
    let id = location.location.id;
    let verified = location.location.verified;
    let active = location.location.active;
    let verify = move |_| {
        let csrf = auth.csrf();
        run_action(
            auth,
            state,
            async move { api::verify_location(id, &csrf).await },
            "console.location_verified",
            move |l| current.set(Some(l)),
        );
    };
    view! {
        <div class="location-state">
            <p class="badges">
                <span class="badge" class:badge-ok=verified data-testid="location-verified" data-state=if verified { "yes" } else { "no" }>
                    {if verified { tr("location.verified") } else { tr("location.unverified") }}
                </span>
                <span class="badge" data-testid="location-active" data-state=if active { "yes" } else { "no" }>
                    {if active { tr("console.active") } else { tr("console.inactive") }}
                </span>
                <A href=Page::Location(id).href()>{tr("console.public_page")}</A>
            </p>
            <Show when=move || !verified && active>
                <div class="button-row">
                    <button
                        type="button"
                        class="button"
                        data-testid="verify-location"
                        aria-disabled=move || state.get().busy().then_some("true")
                        on:click=verify
                    >
                        {tr("console.verify")}
                    </button>
                </div>
            </Show>
            <ActionStatus state />
        </div>
    }
}

/// Deactivating, below the form and its "Save": the rare, destructive
/// action is not the first thing on the page.
#[component]
fn LocationDanger(
    location: StaffLocation,
    current: RwSignal<Option<StaffLocation>>,
) -> impl IntoView {
    let auth = StaffAuth::get();
    let state = RwSignal::new(Action::Idle);
    let confirming = RwSignal::new(false);
    let id = location.location.id;
    let active = location.location.active;
    let may_deactivate = move || matches!(auth.role(), Some(Role::Admin | Role::Operator));
    let deactivate = move |_| {
        let csrf = auth.csrf();
        confirming.set(false);
        run_action(
            auth,
            state,
            async move { api::deactivate_location(id, &csrf).await },
            "console.location_deactivated",
            move |l| current.set(Some(l)),
        );
    };
    view! {
        <Show when=move || active && may_deactivate()>
            <section class="danger-zone" aria-labelledby="deactivate-heading">
                <h2 id="deactivate-heading">{tr("console.deactivate_heading")}</h2>
                <p class="hint">{tr("console.deactivate_question")}</p>
                <Show when=move || !confirming.get()>
                    <button
                        type="button"
                        class="button button-danger"
                        data-testid="deactivate-location"
                        on:click=move |_| {
                            confirming.set(true);
                            focus_soon("deactivate-confirm".to_owned());
                        }
                    >
                        {tr("console.deactivate")}
                    </button>
                </Show>
                <Show when=move || confirming.get()>
                    <div class="confirm" role="group" aria-labelledby="deactivate-heading">
                        <div class="button-row">
                            <button
                                type="button"
                                id="deactivate-confirm"
                                class="button button-danger"
                                data-testid="deactivate-confirm"
                                on:click=deactivate
                            >
                                {tr("console.deactivate_yes")}
                            </button>
                            <button type="button" class="button button-quiet" on:click=move |_| confirming.set(false)>
                                {tr("track.cancel_no")}
                            </button>
                        </div>
                    </div>
                </Show>
            </section>
        </Show>
        <ActionStatus state />
    }
}
