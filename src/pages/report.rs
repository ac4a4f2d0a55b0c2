//! Residents' reports: `/lokasi/{id}/lapor` (the form), `/laporan` (find a
//! report by its code), `/laporan/{code}` (where it stands), and the
//! reports section of a place's page.
//!
//! What a resident types goes to staff only; the pages show a report's
//! kind, its state and staff's public answer.

use kolaborasi_shared::report::{
    MAX_REPORT_CONTACT, MAX_REPORT_PHOTO_BYTES, MAX_REPORT_TEXT, MAX_SUGGESTED_NAME,
    MIN_REPORT_TEXT, MIN_SUGGESTED_NAME, PHOTO_MAX_SIDE,
};
use kolaborasi_shared::{
    Category, LocationDetail, NewReport, PlaceReports, ReportKind, ReportStatus, ReportView,
    SuggestedPlace, validate,
};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::api::{self, ApiFailure};
use crate::components::form::{
    AreaSelectFields, Errors, FormAlert, Problem, SelectField, TextAreaField, TextField,
    category_options, dom_id, focus_soon, place_field_errors,
};
use crate::components::status::{LoadError, Loading};
use crate::i18n::{lang, tr, tr_with};
use crate::pages::location::location_of_route;
use crate::pages::tracking::local_time;
use crate::route::Page;
use crate::set_title;

const F_KIND: &str = "kind";
const F_DESCRIPTION: &str = "description";
const F_CONTACT: &str = "contact";
const F_PHOTO: &str = "photo";
// A suggested place's fields, named as the server names them.
const F_PLACE_NAME: &str = "place.name";
const F_PLACE_CATEGORY: &str = "place.category";
const F_PLACE_AREA: &str = "place.kelurahan_code";
const F_PLACE_LAT: &str = "place.lat";
const F_PLACE_LON: &str = "place.lon";

fn kind_key(kind: ReportKind) -> String {
    format!("report.kind.{}", kind.as_str())
}

fn status_key(status: ReportStatus) -> String {
    format!("report.status.{}", status.as_str())
}

#[component]
pub fn ReportPage() -> impl IntoView {
    let detail = location_of_route(api::Read::Fresh);
    let retry = Callback::new(move |()| detail.refetch());
    view! {
        <div class="page narrow">
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match detail.await {
                        Ok(d) if d.active => view! { <ReportForm place=d /> }.into_any(),
                        Ok(_) | Err(ApiFailure::Api { status: 400 | 404, .. }) => {
                            set_title(&lang().text("location.not_found"));
                            view! { <h1>{tr("location.not_found")}</h1> }.into_any()
                        }
                        Err(e) => view! { <LoadError failure=e retry /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn ReportForm(place: LocationDetail) -> impl IntoView {
    let (id, name) = (place.id, place.name);
    let title_name = name.clone();
    let lead_name = name.clone();
    Effect::new(move |_| {
        set_title(&tr_with(
            lang(),
            "report.title",
            &[("place", title_name.as_str())],
        ));
    });
    // A report the server refused from the queue comes back to be adjusted.
    let draft =
        take_draft().filter(|d| d.location_id == Some(id) && d.kind != ReportKind::NewPlace);
    let kind = RwSignal::new(draft.as_ref().map(|d| d.kind));
    let description = RwSignal::new(
        draft
            .as_ref()
            .map(|d| d.description.clone())
            .unwrap_or_default(),
    );
    let contact = RwSignal::new(draft.map(|d| d.contact).unwrap_or_default());
    let photo = RwSignal::new(None::<String>);
    let errors = Errors::new();
    let sender = Sender::new(errors, "report-alert");
    let queue_name = StoredValue::new(name.clone());
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if sender.busy.get_untracked() {
            return;
        }
        sender.alert.set(None);
        let chosen = kind.get_untracked();
        errors.set(
            F_KIND,
            chosen
                .is_none()
                .then_some(Problem::Key("report.kind_required")),
        );
        let mut first = chosen.is_none().then(|| dom_id(F_KIND));
        let text = description.get_untracked();
        if let Some(problem) = description_problem(&text) {
            errors.set(F_DESCRIPTION, Some(problem));
            first.get_or_insert_with(|| dom_id(F_DESCRIPTION));
        } else {
            errors.set(F_DESCRIPTION, None);
        }
        let Some(chosen) = chosen.filter(|_| first.is_none()) else {
            if let Some(first) = first {
                focus_soon(first);
            }
            return;
        };
        sender.send(
            NewReport {
                location_id: Some(id),
                kind: chosen,
                description: text,
                contact: contact.get_untracked(),
                place: None,
                photo: photo.get_untracked(),
            },
            queue_name.get_value(),
            &[F_DESCRIPTION, F_CONTACT, F_PHOTO],
        );
    };
    let kind_error = errors.message(F_KIND);
    let kinds = move || {
        ReportKind::ABOUT_A_PLACE
            .into_iter()
            .enumerate()
            .map(|(i, k)| {
                // The first radio carries the field's id: focus lands on the group.
                let input_id = if i == 0 {
                    dom_id(F_KIND)
                } else {
                    format!("{}-{}", dom_id(F_KIND), k.as_str())
                };
                let label_for = input_id.clone();
                view! {
                    <label class="choice" for=label_for>
                        <input
                            type="radio"
                            name=F_KIND
                            id=input_id
                            value=k.as_str()
                            data-testid=format!("report-kind-{}", k.as_str())
                            prop:checked=move || kind.get() == Some(k)
                            on:change=move |_| {
                                kind.set(Some(k));
                                errors.set(F_KIND, None);
                            }
                        />
                        <span class="choice-text">
                            <span class="choice-label">{move || lang().text(&kind_key(k))}</span>
                            <span class="choice-hint">
                                {move || lang().text(&format!("report.kind_hint.{}", k.as_str()))}
                            </span>
                        </span>
                    </label>
                }
            })
            .collect_view()
    };
    let form = move || {
        if let Some(v) = sender.done.get() {
            return view! { <Filed report=v /> }.into_any();
        }
        view! {
            <form class="report-form" novalidate on:submit=send>
                <div id="report-alert" tabindex="-1">
                    <FormAlert message=sender.alert.into() />
                </div>
                <fieldset
                    class="field choices"
                    class:field-invalid=move || kind_error.read().is_some()
                    aria-describedby=move || {
                        kind_error.read().is_some().then(|| format!("{}-error", dom_id(F_KIND)))
                    }
                >
                    <legend>{tr("report.kind")}</legend>
                    <div class="choice-list choice-list-single">{kinds}</div>
                    <crate::components::form::FieldError id=dom_id(F_KIND) message=kind_error />
                </fieldset>
                <ReportEnd
                    description
                    label="report.description"
                    hint="report.description_hint"
                    photo
                    contact
                    errors
                    sender
                />
            </form>
        }
        .into_any()
    };
    view! {
        <p class="back">
            <A href=Page::Location(id).href()>
                <span aria-hidden="true">"← "</span>
                {name.clone()}
            </A>
        </p>
        <h1>{tr("report.heading")}</h1>
        <p class="lead">{move || tr_with(lang(), "report.intro", &[("place", lead_name.as_str())])}</p>
        {form}
    }
}

const DRAFT_KEY: &str = "kolaborasi.report_draft";

/// Keeps a report the server refused from the queue for its form to show
/// again (this tab only; the photo is left out: it may be why).
pub fn restore_draft(report: &NewReport) {
    let report = NewReport {
        photo: None,
        ..report.clone()
    };
    if let Ok(json) = serde_json::to_string(&report) {
        crate::storage::session_set(DRAFT_KEY, &json);
    }
}

/// The report kept by [`restore_draft`], once.
fn take_draft() -> Option<NewReport> {
    let json = crate::storage::session_get(DRAFT_KEY)?;
    crate::storage::session_remove(DRAFT_KEY);
    serde_json::from_str(&json).ok()
}

/// The description's problem, if it has one (the server says the same).
fn description_problem(text: &str) -> Option<Problem> {
    let length = text.trim().chars().count();
    (!(MIN_REPORT_TEXT..=MAX_REPORT_TEXT).contains(&length)).then(|| {
        Problem::KeyWith(
            "error.report.description",
            vec![
                ("min", MIN_REPORT_TEXT.to_string()),
                ("max", MAX_REPORT_TEXT.to_string()),
            ],
        )
    })
}

type Navigate = Box<dyn Fn(&str, leptos_router::NavigateOptions)>;

/// Sends a report (about a place or suggesting one): one key per report,
/// so a retry, here or from the queue, files it once; with no answer at
/// all it is kept on the device and sent when the network returns.
#[derive(Clone, Copy)]
struct Sender {
    busy: RwSignal<bool>,
    done: RwSignal<Option<ReportView>>,
    alert: RwSignal<Option<String>>,
    errors: Errors,
    alert_id: &'static str,
    sent_key: StoredValue<Option<(NewReport, String)>>,
    outbox: crate::outbox::Outbox,
    navigate: StoredValue<Navigate, leptos::prelude::LocalStorage>,
}

impl Sender {
    fn new(errors: Errors, alert_id: &'static str) -> Self {
        let navigate = use_navigate();
        Self {
            busy: RwSignal::new(false),
            done: RwSignal::new(None),
            alert: RwSignal::new(None),
            errors,
            alert_id,
            sent_key: StoredValue::new(None),
            outbox: crate::outbox::use_outbox(),
            navigate: StoredValue::new_local(Box::new(move |to: &str, o| navigate(to, o))),
        }
    }

    /// Sends `report`; field errors the server names among `fields` go to
    /// their field, anything else to the form's alert.
    fn send(self, report: NewReport, queue_name: String, fields: &'static [&'static str]) {
        let key = self
            .sent_key
            .get_value()
            .filter(|(sent, _)| *sent == report)
            .map_or_else(crate::storage::random_key, |(_, key)| key);
        self.sent_key.set_value(Some((report.clone(), key.clone())));
        self.busy.set(true);
        leptos::task::spawn_local(async move {
            let result = api::file_report(&key, &report).await;
            // The form may be gone by now (the user left): what must not be
            // lost (the queue) is done without it.
            let alive = !self.busy.is_disposed();
            if alive {
                self.busy.set(false);
            }
            match result {
                Ok(_) if !alive => {}
                Ok(view) => {
                    self.done.set(Some(view));
                    focus_soon("report-done".to_owned());
                }
                // Never on a kiosk: nothing stays on a public device.
                Err(ApiFailure::Network) if !crate::kiosk::active() => {
                    let with_photo = report.photo.is_some();
                    let stored =
                        self.outbox
                            .enqueue(key, crate::outbox::Body::Report(report), queue_name);
                    if !alive {
                        return;
                    }
                    if stored {
                        self.navigate.with_value(|go| {
                            go(
                                &Page::Outbox.href(),
                                leptos_router::NavigateOptions::default(),
                            );
                        });
                    } else if with_photo {
                        // The device's storage cannot hold the photo: the
                        // form stays as it is, and says what to do.
                        self.errors
                            .set(F_PHOTO, Some(Problem::Key("report.photo_not_kept")));
                        focus_soon(dom_id(F_PHOTO));
                    } else {
                        self.alert
                            .set(Some(crate::i18n::document_lang().text("report.not_kept")));
                        focus_soon(self.alert_id.to_owned());
                    }
                }
                Err(_) if !alive => {}
                Err(e) => {
                    let placed = place_field_errors(self.errors, &e, |f| {
                        fields.contains(&f).then(|| f.to_owned())
                    });
                    if let Some(first) = placed.first() {
                        focus_soon(dom_id(first));
                    } else {
                        self.alert
                            .set(Some(e.plain_message(crate::i18n::document_lang())));
                        focus_soon(self.alert_id.to_owned());
                    }
                }
            }
        });
    }
}

/// The end of every report form: what the resident saw (`label`, `hint`),
/// an optional photo and contact, and the send button with its progress.
#[component]
fn ReportEnd(
    description: RwSignal<String>,
    label: &'static str,
    hint: &'static str,
    photo: RwSignal<Option<String>>,
    contact: RwSignal<String>,
    errors: Errors,
    sender: Sender,
) -> impl IntoView {
    view! {
        <TextAreaField
            field=F_DESCRIPTION
            label
            value=description
            errors
            hint=Signal::derive(move || lang().text(hint))
            maxlength=MAX_REPORT_TEXT
            rows=5
            testid="report-description"
        />
        <PhotoField photo errors />
        <TextField
            field=F_CONTACT
            label="report.contact"
            value=contact
            errors
            hint=Signal::derive(move || lang().text("report.contact_hint"))
            autocomplete="email"
            maxlength=MAX_REPORT_CONTACT
        />
        <button
            type="submit"
            class="button button-cta button-large"
            data-testid="report-send"
            aria-disabled=move || sender.busy.get().then_some("true")
        >
            {tr("report.send")}
        </button>
        <p class="status" role="status">
            {move || sender.busy.get().then(|| lang().text("report.sending"))}
        </p>
    }
}

/// The photo, scaled on the phone to [`PHOTO_MAX_SIDE`] pixels and encoded
/// as JPEG (which leaves its metadata behind), as base64; `None` when the
/// browser cannot read it as an image.
fn scale_photo(file: &web_sys::File, done: impl FnOnce(Option<String>) + 'static) {
    use wasm_bindgen::JsCast as _;
    let (Ok(url), Ok(img)) = (
        web_sys::Url::create_object_url_with_blob(file),
        web_sys::HtmlImageElement::new(),
    ) else {
        done(None);
        return;
    };
    let done = std::rc::Rc::new(std::cell::RefCell::new(Some(done)));
    let finish = {
        let (img, url) = (img.clone(), url.clone());
        move |loaded: bool| {
            let _ = web_sys::Url::revoke_object_url(&url);
            let result = if loaded { draw_scaled(&img) } else { None };
            if let Some(done) = done.borrow_mut().take() {
                done(result);
            }
        }
    };
    let on_error = finish.clone();
    img.set_onload(Some(
        wasm_bindgen::closure::Closure::once_into_js(move || finish(true)).unchecked_ref(),
    ));
    img.set_onerror(Some(
        wasm_bindgen::closure::Closure::once_into_js(move || on_error(false)).unchecked_ref(),
    ));
    img.set_src(&url);
}

fn draw_scaled(img: &web_sys::HtmlImageElement) -> Option<String> {
    use wasm_bindgen::JsCast as _;
    let (w, h) = (img.natural_width(), img.natural_height());
    if w == 0 || h == 0 {
        return None;
    }
    let scale = (f64::from(PHOTO_MAX_SIDE) / f64::from(w.max(h))).min(1.0);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let size = |side: u32| ((f64::from(side) * scale).round() as u32).max(1);
    let (cw, ch) = (size(w), size(h));
    let canvas: web_sys::HtmlCanvasElement =
        document().create_element("canvas").ok()?.dyn_into().ok()?;
    canvas.set_width(cw);
    canvas.set_height(ch);
    let context: web_sys::CanvasRenderingContext2d =
        canvas.get_context("2d").ok()??.dyn_into().ok()?;
    context
        .draw_image_with_html_image_element_and_dw_and_dh(
            img,
            0.0,
            0.0,
            f64::from(cw),
            f64::from(ch),
        )
        .ok()?;
    let data = canvas
        .to_data_url_with_type_and_encoder_options("image/jpeg", &0.8.into())
        .ok()?;
    data.strip_prefix("data:image/jpeg;base64,")
        .map(str::to_owned)
}

/// An optional photo: taken or chosen on the phone, shown before sending,
/// removable. Only staff see it.
#[component]
fn PhotoField(photo: RwSignal<Option<String>>, errors: Errors) -> impl IntoView {
    let id = dom_id(F_PHOTO);
    let message = errors.message(F_PHOTO);
    let reading = RwSignal::new(false);
    let input = NodeRef::<leptos::html::Input>::new();
    let chosen = move |_| {
        let Some(file) = input
            .get_untracked()
            .and_then(|i| i.files())
            .and_then(|f| f.get(0))
        else {
            return;
        };
        reading.set(true);
        errors.set(F_PHOTO, None);
        scale_photo(&file, move |scaled| {
            reading.set(false);
            let fits = scaled.filter(|b| b.len() <= MAX_REPORT_PHOTO_BYTES / 3 * 4);
            if fits.is_none() {
                errors.set(F_PHOTO, Some(Problem::Key("report.photo_unreadable")));
            }
            photo.set(fits);
        });
    };
    let remove = move |_| {
        photo.set(None);
        errors.set(F_PHOTO, None);
        if let Some(i) = input.get_untracked() {
            i.set_value("");
            let _ = i.focus();
        }
    };
    let hint_id = format!("{id}-hint");
    let describedby = {
        let hint_id = hint_id.clone();
        let id = id.clone();
        move || {
            if message.read().is_some() {
                format!("{hint_id} {id}-error")
            } else {
                hint_id.clone()
            }
        }
    };
    view! {
        <div class="field photo-field" class:field-invalid=move || message.read().is_some()>
            <label for=id.clone()>{tr("report.photo")}</label>
            <p class="hint" id=hint_id>{tr("report.photo_hint")}</p>
            <input
                type="file"
                id=id.clone()
                accept="image/*"
                node_ref=input
                data-testid="report-photo"
                aria-describedby=describedby
                on:change=chosen
            />
            <crate::components::form::FieldError id=id.clone() message />
            <p class="status" role="status">
                {move || reading.get().then(|| lang().text("report.photo_reading"))}
            </p>
            {move || photo.get().map(|b| view! {
                <div class="photo-preview">
                    <img
                        src=format!("data:image/jpeg;base64,{b}")
                        alt=tr("report.photo_preview")
                        data-testid="report-photo-preview"
                    />
                    <button type="button" class="button" on:click=remove>
                        {tr("report.photo_remove")}
                    </button>
                </div>
            })}
        </div>
    }
}

/// `/usulkan`: suggesting a place in need that is not on the map yet: its
/// name, category and kelurahan, where it is (on the map or typed, not
/// required), what the resident knows, an optional photo and contact.
// One form: its fields in order, and their checks.
#[allow(clippy::too_many_lines)]
#[component]
pub fn SuggestPage() -> impl IntoView {
    Effect::new(move |_| set_title(&lang().text("suggest.title")));
    let shared = expect_context::<crate::Shared>();
    let query = leptos_router::hooks::use_query_map();
    let from_query = |name: &str| {
        query
            .with_untracked(|q| q.get(name))
            .filter(|v| v.parse::<f64>().is_ok())
            .unwrap_or_default()
    };
    let lat = RwSignal::new(from_query("lat"));
    let lon = RwSignal::new(from_query("lon"));
    let name = RwSignal::new(String::new());
    let category = RwSignal::new(String::new());
    let kota = RwSignal::new(String::new());
    let kecamatan = RwSignal::new(String::new());
    let kelurahan = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let contact = RwSignal::new(String::new());
    // A suggestion the server refused from the queue comes back to be adjusted.
    if let Some(draft) = take_draft().filter(|d| d.kind == ReportKind::NewPlace) {
        description.set(draft.description);
        contact.set(draft.contact);
        if let Some(p) = draft.place {
            name.set(p.name);
            category.set(p.category.as_str().to_owned());
            crate::components::form::choose_kelurahan(
                kota,
                kecamatan,
                kelurahan,
                &p.kelurahan_code,
            );
            if let (Some(la), Some(lo)) = (p.lat, p.lon) {
                lat.set(crate::map::picker::coordinate_text(la));
                lon.set(crate::map::picker::coordinate_text(lo));
            }
        }
    }
    let photo = RwSignal::new(None::<String>);
    let errors = Errors::new();
    let sender = Sender::new(errors, "suggest-alert");
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if sender.busy.get_untracked() {
            return;
        }
        sender.alert.set(None);
        let mut first = None::<&'static str>;
        let mut note = |field: &'static str, problem: Option<Problem>| {
            if problem.is_some() && first.is_none() {
                first = Some(field);
            }
            errors.set(field, problem);
        };
        let place_name = name.get_untracked().trim().to_owned();
        let length = place_name.chars().count();
        note(
            F_PLACE_NAME,
            (!(MIN_SUGGESTED_NAME..=MAX_SUGGESTED_NAME).contains(&length)).then(|| {
                Problem::KeyWith(
                    "error.report.place_name",
                    vec![
                        ("min", MIN_SUGGESTED_NAME.to_string()),
                        ("max", MAX_SUGGESTED_NAME.to_string()),
                    ],
                )
            }),
        );
        let chosen = Category::parse(&category.get_untracked());
        note(
            F_PLACE_CATEGORY,
            chosen
                .is_none()
                .then_some(Problem::Key("suggest.category_required")),
        );
        // The error goes to the first select still empty: the ones below
        // it are disabled, and focus cannot land there.
        let area = kelurahan.get_untracked();
        let area_field = if kota.get_untracked().is_empty() {
            "kota"
        } else if kecamatan.get_untracked().is_empty() {
            "kecamatan"
        } else {
            F_PLACE_AREA
        };
        for field in ["kota", "kecamatan", F_PLACE_AREA] {
            errors.set(field, None);
        }
        note(
            area_field,
            area.is_empty()
                .then_some(Problem::Key("error.report.place_area")),
        );
        let (la, lo) = (lat.get_untracked(), lon.get_untracked());
        let position = if la.trim().is_empty() && lo.trim().is_empty() {
            Ok(None)
        } else {
            crate::map::picker::parse_point(&la, &lo)
                .map(Some)
                .ok_or(())
        };
        note(
            F_PLACE_LAT,
            position
                .is_err()
                .then_some(Problem::Key("error.report.place_position")),
        );
        let text = description.get_untracked();
        note(F_DESCRIPTION, description_problem(&text));
        let (Some(category), Ok(position), None) = (chosen, position, first) else {
            if let Some(first) = first {
                focus_soon(dom_id(first));
            }
            return;
        };
        sender.send(
            NewReport {
                location_id: None,
                kind: ReportKind::NewPlace,
                description: text,
                contact: contact.get_untracked(),
                place: Some(SuggestedPlace {
                    name: place_name.clone(),
                    category,
                    kelurahan_code: area,
                    lat: position.map(|p| p.0),
                    lon: position.map(|p| p.1),
                }),
                photo: photo.get_untracked(),
            },
            place_name,
            &[
                F_PLACE_NAME,
                F_PLACE_AREA,
                F_PLACE_LAT,
                F_DESCRIPTION,
                F_CONTACT,
                F_PHOTO,
            ],
        );
    };
    let map = move || {
        shared
            .config
            .get()
            .and_then(Result::ok)
            .map(|config| view! { <crate::map::picker::PointPicker config lat lon /> })
    };
    let form = move || {
        if let Some(v) = sender.done.get() {
            return view! { <Filed report=v /> }.into_any();
        }
        view! {
            <form class="report-form suggest-form" novalidate on:submit=send>
                <div id="suggest-alert" tabindex="-1">
                    <FormAlert message=sender.alert.into() />
                </div>
                <fieldset class="group">
                    <legend>{tr("suggest.place")}</legend>
                    <TextField
                        field=F_PLACE_NAME
                        label="suggest.name"
                        value=name
                        errors
                        maxlength=MAX_SUGGESTED_NAME
                    />
                    <SelectField
                        field=F_PLACE_CATEGORY
                        label="suggest.category"
                        value=category
                        errors
                        options=category_options()
                        placeholder="form.choose"
                    />
                    <AreaSelectFields kota kecamatan kelurahan errors kelurahan_field=F_PLACE_AREA />
                </fieldset>
                <fieldset class="group">
                    <legend>{tr("suggest.position")}</legend>
                    <p class="hint">{tr("suggest.position_hint")}</p>
                    {map}
                    <div class="coordinate-row">
                        <TextField
                            field=F_PLACE_LAT
                            label="suggest.lat"
                            value=lat
                            errors
                            inputmode="decimal"
                            autocomplete="off"
                        />
                        <TextField
                            field=F_PLACE_LON
                            label="suggest.lon"
                            value=lon
                            errors
                            inputmode="decimal"
                            autocomplete="off"
                        />
                    </div>
                </fieldset>
                <ReportEnd
                    description
                    label="suggest.description"
                    hint="suggest.description_hint"
                    photo
                    contact
                    errors
                    sender
                />
            </form>
        }
        .into_any()
    };
    view! {
        <div class="page narrow">
            <h1>{tr("suggest.heading")}</h1>
            <p class="lead">{tr("suggest.intro")}</p>
            {form}
        </div>
    }
}

/// The report was filed: its code, to come back with.
#[component]
fn Filed(report: ReportView) -> impl IntoView {
    let code = report.code.clone();
    view! {
        <section class="report-done" id="report-done" tabindex="-1" data-testid="report-done">
            <h2>{tr("report.done_heading")}</h2>
            <p>{tr("report.done_code")}</p>
            <p class="big-code" data-testid="report-code">{code.clone()}</p>
            <p>{tr("report.done_note")}</p>
            <p>
                <A href=Page::ReportStatus(code).href() attr:class="button" attr:data-testid="report-status-link">
                    {tr("report.see_status")}
                </A>
            </p>
        </section>
    }
}

/// `/laporan`: a report's code, typed or pasted.
#[component]
pub fn ReportLookupPage() -> impl IntoView {
    Effect::new(move |_| set_title(&lang().text("report.lookup_title")));
    let code = RwSignal::new(String::new());
    let errors = Errors::new();
    let navigate = use_navigate();
    let go = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(c) = validate::tracking_code(&code.get_untracked()) {
            navigate(
                &Page::ReportStatus(c).href(),
                leptos_router::NavigateOptions::default(),
            );
        } else {
            errors.set("code", Some(Problem::Key("report.code_invalid")));
            focus_soon(dom_id("code"));
        }
    };
    view! {
        <div class="page narrow">
            <h1>{tr("report.lookup_title")}</h1>
            <p class="lead">{tr("report.lookup_intro")}</p>
            <form class="lookup-form" novalidate on:submit=go>
                <TextField field="code" label="report.code" value=code errors autocomplete="off" />
                <button type="submit" class="button button-cta" data-testid="report-lookup">
                    {tr("report.lookup")}
                </button>
            </form>
        </div>
    }
}

/// `/laporan/{code}`: where a report stands, and staff's answer.
#[component]
pub fn ReportStatusPage() -> impl IntoView {
    let params = use_params_map();
    let code =
        Memo::new(move |_| validate::tracking_code(&params.read().get("code").unwrap_or_default()));
    let data = LocalResource::new(move || {
        let code = code.get();
        async move {
            match code {
                Some(c) => api::report(&c).await,
                None => Err(ApiFailure::not_found()),
            }
        }
    });
    let retry = Callback::new(move |()| data.refetch());
    view! {
        <div class="page narrow">
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(r) => view! { <Standing report=r /> }.into_any(),
                        Err(ApiFailure::Api { status: 400 | 404, .. }) => {
                            set_title(&lang().text("report.not_found"));
                            view! {
                                <h1>{tr("report.not_found")}</h1>
                                <p><A href=Page::ReportLookup.href()>{tr("report.lookup_title")}</A></p>
                            }
                            .into_any()
                        }
                        Err(e) => view! { <LoadError failure=e retry /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn Standing(report: ReportView) -> impl IntoView {
    let r = StoredValue::new(report);
    Effect::new(move |_| {
        set_title(&tr_with(
            lang(),
            "report.status_title",
            &[("code", &r.with_value(|r| r.code.clone()))],
        ));
    });
    let steps = move || {
        let now = r.with_value(|r| r.status);
        let last = if now == ReportStatus::Declined {
            ReportStatus::Declined
        } else {
            ReportStatus::Resolved
        };
        [ReportStatus::Received, ReportStatus::Checking, last]
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                let reached = match now {
                    ReportStatus::Received => i == 0,
                    ReportStatus::Checking => i <= 1,
                    _ => true,
                };
                view! {
                    <li class:reached=reached aria-current=(s == now).then_some("step")>
                        {move || lang().text(&status_key(s))}
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <h1>{move || tr_with(lang(), "report.status_title", &[("code", &r.with_value(|r| r.code.clone()))])}</h1>
        <ol class="report-steps" data-testid="report-steps" aria-label=tr("report.state")>
            {steps}
        </ol>
        <dl class="facts">
            <div>
                <dt>{tr("report.state")}</dt>
                <dd data-testid="report-state" data-status=r.with_value(|r| r.status.as_str())>
                    {move || lang().text(&status_key(r.with_value(|r| r.status)))}
                </dd>
            </div>
            <div>
                <dt>{tr("track.place")}</dt>
                <dd>
                    {match r.with_value(|r| r.location_id) {
                        Some(id) => view! {
                            <A href=Page::Location(id).href()>{r.with_value(|r| r.location_name.clone())}</A>
                        }.into_any(),
                        None => view! {
                            <span>{r.with_value(|r| r.location_name.clone())}</span>
                            " "
                            <span class="badge">{tr("report.suggested")}</span>
                        }.into_any(),
                    }}
                </dd>
            </div>
            <div>
                <dt>{tr("report.kind")}</dt>
                <dd>{move || lang().text(&kind_key(r.with_value(|r| r.kind)))}</dd>
            </div>
            <div>
                <dt>{tr("report.filed")}</dt>
                <dd>{move || local_time(lang(), r.with_value(|r| r.created_at))}</dd>
            </div>
            <div>
                <dt>{tr("report.updated")}</dt>
                <dd>{move || local_time(lang(), r.with_value(|r| r.updated_at))}</dd>
            </div>
            {r.with_value(|r| r.commitment.clone()).map(|c| view! {
                <div>
                    <dt>{tr("report.commitment")}</dt>
                    <dd><A href=Page::Tracking(c.clone()).href()>{c}</A></dd>
                </div>
            })}
        </dl>
        {r.with_value(|r| r.answer.clone()).map(|a| view! {
            <section class="report-answer" aria-labelledby="report-answer-heading">
                <h2 id="report-answer-heading">{tr("report.answer")}</h2>
                <p class="answer-text" data-testid="report-answer">{a}</p>
            </section>
        })}
        <p class="note">{tr("report.private_note")}</p>
    }
}

/// The reports section of a place's page: open reports by kind, staff's
/// answers, and the way to report.
#[component]
pub fn PlaceReportsSection(id: i64, active: bool) -> impl IntoView {
    let data = LocalResource::new(move || api::place_reports(id));
    view! {
        <section class="place-reports" aria-labelledby="reports-heading" data-testid="place-reports">
            <h2 id="reports-heading">{tr("report.section")}</h2>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(p) => view! { <PlaceReportsList reports=p /> }.into_any(),
                        // The rest of the page stands without this part.
                        Err(_) => view! { <p class="note">{tr("report.unavailable")}</p> }.into_any(),
                    }
                })}
            </Transition>
            <p class="report-actions">
                <Show when=move || active>
                    <A href=Page::Report(id).href() attr:class="button" attr:data-testid="report-link">
                        {tr("report.link")}
                    </A>
                </Show>
                " "
                <A href=Page::ReportLookup.href()>{tr("report.lookup_title")}</A>
            </p>
        </section>
    }
}

#[component]
fn PlaceReportsList(reports: PlaceReports) -> impl IntoView {
    let PlaceReports { open, answered } = reports;
    let nothing = open.is_empty() && answered.is_empty();
    let (has_open, has_answered) = (!open.is_empty(), !answered.is_empty());
    view! {
        <Show when=move || nothing>
            <p class="note" data-testid="reports-none">{tr("report.none")}</p>
        </Show>
        <ul class="open-reports" data-testid="open-reports" hidden=!has_open>
            {open
                .into_iter()
                .map(|o| {
                    view! {
                        <li data-kind=o.kind.as_str()>
                            {move || {
                                let l = lang();
                                tr_with(
                                    l,
                                    "report.open_count",
                                    &[("kind", &l.text(&kind_key(o.kind))), ("count", &l.number(u64::try_from(o.count).unwrap_or(0)))],
                                )
                            }}
                        </li>
                    }
                })
                .collect_view()}
        </ul>
        <ul class="answered-reports" data-testid="answered-reports" hidden=!has_answered>
            {answered
                .into_iter()
                .map(|r| {
                    let answer = r.answer.clone().unwrap_or_default();
                    view! {
                        <li>
                            <p class="meta">
                                {move || {
                                    let l = lang();
                                    format!(
                                        "{} · {} · {}",
                                        l.text(&kind_key(r.kind)),
                                        l.text(&status_key(r.status)),
                                        local_time(l, r.updated_at),
                                    )
                                }}
                            </p>
                            <p class="answer-text">{answer}</p>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}
