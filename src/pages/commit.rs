//! `/lokasi/{id}/bantu` ("Beri Bantuan"): commit packages to a location in
//! three steps on one route — packages, date and details, review.
//!
//! Nothing typed is ever lost: the draft (with the `Idempotency-Key` it was
//! last sent with) lives in `sessionStorage`, so a reload, a detour to sign
//! in or a failed request keep it. A retry of the same content sends the
//! same key, so a request whose answer was lost is never committed twice.

use kolaborasi_shared::{
    ClientConfig, CollaboratorInput, CollaboratorKind, CommitmentReceipt, ErrorCode, FieldProblem,
    LineInput, Localized, LocationDetail, NewCommitment, Package, ProgramList, validate,
};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use serde::{Deserialize, Serialize};

use crate::api::{self, ApiFailure};
use crate::components::form::{
    Errors, FieldError, KindField, Problem, TextField, dom_id, focus_soon, kind_text, rule,
};
use crate::components::lines_table::LinesTable;
use crate::components::status::{LoadError, Loading};
use crate::i18n::{Lang, lang, tr, tr_with};
use crate::route::Page;
use crate::{Session, Shared, set_title, storage};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
enum Step {
    Packages,
    Details,
    Review,
}

impl Step {
    const ALL: [Step; 3] = [Self::Packages, Self::Details, Self::Review];

    fn number(self) -> usize {
        match self {
            Self::Packages => 1,
            Self::Details => 2,
            Self::Review => 3,
        }
    }

    fn title_key(self) -> &'static str {
        match self {
            Self::Packages => "commit.step_packages",
            Self::Details => "commit.step_details",
            Self::Review => "commit.step_review",
        }
    }
}

/// Field paths of the request, as the server names them in `fields`.
const F_LINES: &str = "lines";
const F_DATE: &str = "planned_date";
const F_NAME: &str = "collaborator.name";
const F_KIND: &str = "collaborator.kind";
const F_EMAIL: &str = "collaborator.email";
const F_PHONE: &str = "collaborator.phone";
/// The details step's fields in the order they are shown.
const DETAIL_FIELDS: [&str; 5] = [F_DATE, F_NAME, F_KIND, F_EMAIL, F_PHONE];
const HEADING_ID: &str = "commit-step-heading";

/// One package's quantity field (path `line.{package_id}`, our own naming:
/// the server's `lines.{i}` is translated on arrival).
fn line_field(package_id: i64) -> String {
    format!("line.{package_id}")
}

/// The body last sent and the key it was sent with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Sent {
    key: String,
    body: String,
}

/// What is kept in `sessionStorage` between visits of the form in one tab.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
struct Draft {
    step: Option<Step>,
    quantities: Vec<(i64, String)>,
    planned_date: String,
    name: String,
    kind: String,
    email: String,
    phone: String,
    show_name: bool,
    sent: Option<Sent>,
}

fn draft_key(location_id: i64) -> String {
    format!("kolaborasi.draft.{location_id}")
}

/// Puts a refused queued commitment back into the form of its place, to be
/// adjusted and sent again (as a new commitment, with a new key).
pub fn restore_draft(body: &NewCommitment) {
    let draft = Draft {
        step: Some(Step::Packages),
        quantities: body
            .lines
            .iter()
            .map(|l| (l.package_id, l.quantity.to_string()))
            .collect(),
        planned_date: body.planned_date.clone(),
        name: body.collaborator.name.clone(),
        kind: body.collaborator.kind.clone(),
        email: body.collaborator.email.clone(),
        phone: body.collaborator.phone.clone(),
        show_name: body.collaborator.show_name,
        sent: None,
    };
    if let Ok(json) = serde_json::to_string(&draft) {
        storage::session_set(&draft_key(body.location_id), &json);
    }
}

/// One package the place still needs, with its quantity as typed.
#[derive(Debug, Clone)]
struct Line {
    package: Package,
    program_name: Localized,
    /// The quantity as typed (kept as text: an empty box is not a "0").
    text: RwSignal<String>,
    /// What remains to be committed; lowered when someone else was faster.
    max: RwSignal<u32>,
}

/// A quantity box's text read strictly: a count of whole packages no larger
/// than `max`, or why not. Nothing is rounded, clamped, stripped of its sign
/// or of a separator: "2.5" or "2,5" must never become 25 or 52.
fn read_quantity(text: &str, max: u32) -> Result<u32, Problem> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(0);
    }
    if text.starts_with(['-', '\u{2212}']) {
        return Err(Problem::Key("commit.quantity_negative"));
    }
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        let separated = text
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | ' '));
        return Err(Problem::Key(if separated {
            "commit.quantity_whole"
        } else {
            "commit.quantity_number"
        }));
    }
    match text.parse::<u32>() {
        Ok(n) if n <= max => Ok(n),
        // All digits, so the only other failure is a number too large.
        _ => Err(Problem::KeyCount(
            "commit.quantity_too_many",
            "max",
            u64::from(max),
        )),
    }
}

impl Line {
    /// What the line counts for: nothing while its box is in error.
    fn quantity(&self) -> u32 {
        read_quantity(&self.text.get(), self.max.get()).unwrap_or(0)
    }

    fn quantity_untracked(&self) -> u32 {
        self.problem_untracked().unwrap_or(0)
    }

    fn problem_untracked(&self) -> Result<u32, Problem> {
        read_quantity(&self.text.get_untracked(), self.max.get_untracked())
    }
}

/// Why the form could not go on, shown above the step.
#[derive(Debug, Clone, PartialEq)]
enum Alert {
    /// Fields in error (client hints or the server's `fields`).
    Invalid(usize),
    /// `insufficient_need`: (package, asked for, still open).
    Taken(Vec<(i64, u32, u32)>),
    /// No answer: everything is kept; the retry sends the same key.
    Offline,
    /// The server's message; `retry` when trying again may help.
    Server { message: String, retry: bool },
}

#[derive(Clone, Copy)]
struct Form {
    location_id: i64,
    lines: StoredValue<Vec<Line>>,
    step: RwSignal<Step>,
    date: RwSignal<String>,
    name: RwSignal<String>,
    kind: RwSignal<String>,
    email: RwSignal<String>,
    phone: RwSignal<String>,
    show_name: RwSignal<bool>,
    sent: RwSignal<Option<Sent>>,
    errors: Errors,
    alert: RwSignal<Option<Alert>>,
    submitting: RwSignal<bool>,
    /// Said to screen readers after a stepper button changed a quantity.
    announce: RwSignal<String>,
    /// Set once the commitment exists: the draft is no longer saved.
    done: StoredValue<bool>,
    today: i64,
    expiry_days: u32,
    /// Hours an unconfirmed contact's commitment holds its packages.
    hold_hours: u32,
}

impl Form {
    fn total_untracked(self) -> i64 {
        self.lines.with_value(|lines| {
            lines
                .iter()
                .map(|l| i64::from(l.quantity_untracked()) * l.package.unit_value)
                .sum()
        })
    }

    fn total(self) -> i64 {
        self.lines.with_value(|lines| {
            lines
                .iter()
                .map(|l| i64::from(l.quantity()) * l.package.unit_value)
                .sum()
        })
    }

    fn last_day(self) -> i64 {
        self.today + i64::from(self.expiry_days)
    }

    fn check_date(self, raw: &str) -> Option<Problem> {
        if raw.trim().is_empty() {
            return Some(Problem::Key("commit.date_required"));
        }
        match validate::date(raw) {
            Err(key) => Some(Problem::Key(key)),
            Ok(day) if day < self.today => Some(Problem::Key("error.field.date_past")),
            Ok(day) if day > self.last_day() => Some(Problem::KeyWith(
                "error.field.date_too_late",
                vec![("days", self.expiry_days.to_string())],
            )),
            Ok(_) => None,
        }
    }

    fn check_kind(raw: &str) -> Option<Problem> {
        CollaboratorKind::parse(raw)
            .is_none()
            .then_some(Problem::Key("error.field.kind_invalid"))
    }

    /// Checks one step; the first field in error, if any.
    fn check(self, step: Step) -> Option<String> {
        match step {
            Step::Packages => {
                // A box in error is named first: its text must not count as 0.
                let wrong = self.check_lines();
                if wrong.is_some() {
                    self.errors.set(F_LINES, None);
                    return wrong;
                }
                let any = self
                    .lines
                    .with_value(|lines| lines.iter().any(|l| l.quantity_untracked() > 0));
                if any {
                    self.errors.set(F_LINES, None);
                    None
                } else {
                    self.errors
                        .set(F_LINES, Some(Problem::Key("commit.choose_one")));
                    Some(F_LINES.to_owned())
                }
            }
            Step::Details => {
                let checks: [(&str, Option<Problem>); 5] = [
                    (F_DATE, self.check_date(&self.date.get_untracked())),
                    (
                        F_NAME,
                        validate::name(&self.name.get_untracked())
                            .err()
                            .map(Problem::Key),
                    ),
                    (F_KIND, Self::check_kind(&self.kind.get_untracked())),
                    (
                        F_EMAIL,
                        validate::email(&self.email.get_untracked())
                            .err()
                            .map(Problem::Key),
                    ),
                    (
                        F_PHONE,
                        validate::phone(&self.phone.get_untracked())
                            .err()
                            .map(Problem::Key),
                    ),
                ];
                let mut first = None;
                for (field, problem) in checks {
                    if problem.is_some() && first.is_none() {
                        first = Some(field.to_owned());
                    }
                    self.errors.set(field, problem);
                }
                first
            }
            Step::Review => None,
        }
    }

    /// Puts each quantity box's problem (or none) next to it; the first box
    /// in error, if any.
    fn check_lines(self) -> Option<String> {
        self.lines.with_value(|lines| {
            let mut first = None;
            for l in lines {
                let field = line_field(l.package.id);
                let problem = l.problem_untracked().err();
                if problem.is_some() && first.is_none() {
                    first = Some(field.clone());
                }
                self.errors.set(&field, problem);
            }
            first
        })
    }

    /// Shows a step and moves focus to its heading (or to `field`).
    fn go(self, step: Step, field: Option<&str>) {
        self.step.set(step);
        focus_soon(field.map_or_else(|| HEADING_ID.to_owned(), |f| self.focus_id(f)));
    }

    /// The element to focus for a field: the first quantity box stands for
    /// "choose at least one package".
    fn focus_id(self, field: &str) -> String {
        if field == F_LINES {
            let first = self.lines.with_value(|lines| {
                lines
                    .iter()
                    .find(|l| l.max.get_untracked() > 0)
                    .map(|l| l.package.id)
            });
            if let Some(id) = first {
                return dom_id(&line_field(id));
            }
        }
        dom_id(field)
    }

    /// Shows what is wrong: the details step also gets a summary (several
    /// fields); the packages step has one message, read out with its field.
    fn invalid(self, step: Step, first: &str) {
        self.alert.set(match step {
            Step::Details => Some(Alert::Invalid(self.errors.fields().len())),
            _ => None,
        });
        self.go(step, Some(first));
    }

    /// "Next": check this step, then show the next one.
    fn next(self) {
        let step = self.step.get_untracked();
        if let Some(first) = self.check(step) {
            self.invalid(step, &first);
            return;
        }
        self.alert.set(None);
        let next = match step {
            Step::Packages => Step::Details,
            Step::Details | Step::Review => Step::Review,
        };
        self.go(next, None);
    }

    fn back(self) {
        let previous = match self.step.get_untracked() {
            Step::Packages | Step::Details => Step::Packages,
            Step::Review => Step::Details,
        };
        self.alert.set(None);
        self.go(previous, None);
    }

    fn body(self) -> NewCommitment {
        NewCommitment {
            location_id: self.location_id,
            lines: self.sent_lines(),
            planned_date: self.date.get_untracked().trim().to_owned(),
            collaborator: CollaboratorInput {
                name: self.name.get_untracked().trim().to_owned(),
                kind: self.kind.get_untracked(),
                email: self.email.get_untracked().trim().to_owned(),
                phone: self.phone.get_untracked().trim().to_owned(),
                show_name: self.show_name.get_untracked(),
            },
        }
    }

    fn sent_lines(self) -> Vec<LineInput> {
        self.lines.with_value(|lines| {
            lines
                .iter()
                .filter_map(|l| {
                    let q = l.quantity_untracked();
                    (q > 0).then(|| LineInput {
                        package_id: l.package.id,
                        quantity: i64::from(q),
                    })
                })
                .collect()
        })
    }

    fn save_draft(self) {
        if self.done.get_value() {
            return;
        }
        let draft = Draft {
            step: Some(self.step.get()),
            quantities: self
                .lines
                .with_value(|lines| lines.iter().map(|l| (l.package.id, l.text.get())).collect()),
            planned_date: self.date.get(),
            name: self.name.get(),
            kind: self.kind.get(),
            email: self.email.get(),
            phone: self.phone.get(),
            show_name: self.show_name.get(),
            sent: self.sent.get(),
        };
        if let Ok(json) = serde_json::to_string(&draft) {
            storage::session_set(&draft_key(self.location_id), &json);
        }
    }

    /// Fills empty details from the signed-in account.
    fn prefill(self, account: &kolaborasi_shared::Account) {
        let fill = |field: RwSignal<String>, value: &str| {
            if field.get_untracked().trim().is_empty() {
                field.set(value.to_owned());
            }
        };
        fill(self.name, &account.name);
        fill(self.kind, account.kind.as_str());
        fill(self.email, &account.email);
        fill(self.phone, &account.phone);
    }

    /// The server's field problems, shown next to their fields; the step
    /// that holds the first one is shown. False when none could be placed.
    fn place_server_problems(self, problems: &[FieldProblem], sent: &[LineInput]) -> bool {
        let mut placed: Vec<(Step, String)> = Vec::new();
        for p in problems {
            let field = if p.field == "location_id" || p.field == F_LINES {
                F_LINES.to_owned()
            } else if let Some(rest) = p.field.strip_prefix("lines.") {
                let index = rest.split('.').next().and_then(|i| i.parse::<usize>().ok());
                match index.and_then(|i| sent.get(i)) {
                    Some(line) => line_field(line.package_id),
                    None => F_LINES.to_owned(),
                }
            } else if DETAIL_FIELDS.contains(&p.field.as_str()) {
                p.field.clone()
            } else {
                continue;
            };
            let step = if field == F_LINES || field.starts_with("line.") {
                Step::Packages
            } else {
                Step::Details
            };
            self.errors
                .set(&field, Some(Problem::Server(p.message.clone())));
            placed.push((step, field));
        }
        let Some(step) = placed.iter().map(|(s, _)| *s).min() else {
            return false;
        };
        // The first field of that step, in the order the fields are shown.
        let first = if step == Step::Packages {
            let ids: Vec<String> = self
                .lines
                .with_value(|lines| lines.iter().map(|l| line_field(l.package.id)).collect());
            std::iter::once(F_LINES.to_owned())
                .chain(ids)
                .find(|f| placed.iter().any(|(_, p)| p == f))
        } else {
            DETAIL_FIELDS
                .iter()
                .map(|f| (*f).to_owned())
                .find(|f| placed.iter().any(|(_, p)| p == f))
        };
        self.alert.set(Some(Alert::Invalid(placed.len())));
        self.go(step, first.as_deref());
        true
    }

    /// Someone else was faster: lower the maxima, clamp the quantities and
    /// show the packages again.
    fn need_taken(self, remaining: &[kolaborasi_shared::PackageRemaining]) {
        let mut changes = Vec::new();
        self.lines.with_value(|lines| {
            for line in lines {
                let Some(r) = remaining.iter().find(|r| r.package_id == line.package.id) else {
                    continue;
                };
                let asked = read_quantity(&line.text.get_untracked(), u32::MAX).unwrap_or(0);
                line.max.set(r.remaining);
                if asked > r.remaining {
                    line.text.set(r.remaining.to_string());
                    changes.push((line.package.id, asked, r.remaining));
                }
            }
        });
        self.alert.set(Some(Alert::Taken(changes)));
        self.go(Step::Packages, None);
    }
}

#[component]
pub fn CommitPage() -> impl IntoView {
    let detail = super::location::location_of_route(api::Read::Fresh);
    // Read here, not from the app-wide copies: a newer catalogue arriving
    // in the background must not redraw (and so reset) the form.
    let catalogue = LocalResource::new(|| {
        let programs = api::programs(api::Read::Fresh);
        let config = api::config(api::Read::Once);
        async move { Ok::<_, ApiFailure>((programs.await?, config.await?)) }
    });
    let retry = Callback::new(move |()| {
        detail.refetch();
        catalogue.refetch();
    });
    view! {
        <div class="page narrow commit-page">
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    let loaded = match detail.await {
                        Ok(d) => catalogue.await.map(|(p, c)| (d, p, c)),
                        Err(e) => Err(e),
                    };
                    match loaded {
                        Ok((detail, programs, config)) => {
                            view! { <CommitForm detail programs config /> }.into_any()
                        }
                        Err(ApiFailure::Api { status: 400 | 404, .. }) => {
                            set_title(&lang().text("location.not_found"));
                            view! {
                                <h1>{tr("location.not_found")}</h1>
                                <p><A href="/">{tr("location.back")}</A></p>
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
fn CommitForm(
    detail: LocationDetail,
    programs: ProgramList,
    config: ClientConfig,
) -> impl IntoView {
    let shared = expect_context::<Shared>();
    let location_id = detail.id;
    let place = StoredValue::new(detail.name.clone());
    Effect::new(move |_| {
        place.with_value(|name| set_title(&tr_with(lang(), "commit.title", &[("place", name)])));
    });
    let back_link = move || {
        view! {
            <p class="back">
                <A href=Page::Location(location_id).href()>
                    <span aria-hidden="true">"← "</span>
                    {move || place.with_value(|p| tr_with(lang(), "commit.back_to", &[("place", p)]))}
                </A>
            </p>
        }
    };
    let open_needs: Vec<(i64, u32)> = detail
        .needs
        .iter()
        .filter(|n| n.remaining > 0)
        .map(|n| (n.package_id, n.remaining))
        .collect();
    if !detail.active || open_needs.is_empty() {
        let reason = if detail.active {
            "commit.nothing_open"
        } else {
            "need.inactive"
        };
        return view! {
            {back_link()}
            <h1>{tr("commit.heading")}</h1>
            <p class="lead">{move || place.get_value()}</p>
            <p class="need-closed" data-testid="need-closed">{tr(reason)}</p>
        }
        .into_any();
    }

    let draft: Draft = storage::session_get(&draft_key(location_id))
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default();
    let mut lowered = Vec::new();
    // Packages in catalogue order, each once.
    let lines: Vec<Line> = programs
        .programs
        .iter()
        .flat_map(|program| program.packages.iter().map(move |p| (program, p)))
        .filter_map(|(program, package)| {
            let &(_, remaining) = open_needs.iter().find(|(id, _)| *id == package.id)?;
            let mut typed = draft
                .quantities
                .iter()
                .find(|(id, _)| *id == package.id)
                .map(|(_, t)| t.clone())
                .unwrap_or_default();
            // Others were faster since the draft was saved: lowered to what
            // remains, and said so above the form (as after a 409).
            if let Ok(asked) = read_quantity(&typed, u32::MAX)
                && asked > remaining
            {
                lowered.push((package.id, asked, remaining));
                typed = remaining.to_string();
            }
            Some(Line {
                package: package.clone(),
                program_name: program.name.clone(),
                text: RwSignal::new(typed),
                max: RwSignal::new(remaining),
            })
        })
        .collect();

    let form = Form {
        location_id,
        lines: StoredValue::new(lines),
        step: RwSignal::new(Step::Packages),
        date: RwSignal::new(draft.planned_date),
        name: RwSignal::new(draft.name),
        kind: RwSignal::new(draft.kind),
        email: RwSignal::new(draft.email),
        phone: RwSignal::new(draft.phone),
        show_name: RwSignal::new(draft.show_name),
        sent: RwSignal::new(draft.sent),
        errors: Errors::new(),
        alert: RwSignal::new(None),
        submitting: RwSignal::new(false),
        announce: RwSignal::new(String::new()),
        done: StoredValue::new(false),
        today: storage::today(),
        expiry_days: config.commitment_expiry_days,
        hold_hours: config.unconfirmed_hold_hours,
    };
    // Back where the draft was left, as far as its earlier steps still hold.
    let mut resume = Step::Packages;
    for step in [Step::Packages, Step::Details] {
        if draft.step.is_some_and(|s| s > step) && form.check(step).is_none() {
            resume = Step::ALL[step.number()];
        } else {
            break;
        }
    }
    form.errors.clear();
    // A saved quantity that cannot be sent is named at once.
    form.check_lines();
    if !lowered.is_empty() {
        form.alert.set(Some(Alert::Taken(lowered)));
        resume = Step::Packages;
    }
    form.step.set(resume);

    Effect::new(move |_| form.save_draft());
    Effect::new(move |_| {
        if let Session::SignedIn(account) = shared.session.get() {
            form.prefill(&account);
        }
    });

    let navigate = use_navigate();
    let outbox = crate::outbox::use_outbox();
    let submit = move || {
        if form.submitting.get_untracked() {
            return;
        }
        for step in [Step::Packages, Step::Details] {
            if let Some(first) = form.check(step) {
                form.invalid(step, &first);
                return;
            }
        }
        let body = form.body();
        let json = serde_json::to_string(&body).unwrap_or_default();
        // Same content: same key (a retry). Changed content: a new key.
        let key = match form.sent.get_untracked() {
            Some(sent) if sent.body == json => sent.key,
            _ => storage::random_key(),
        };
        form.sent.set(Some(Sent {
            key: key.clone(),
            body: json,
        }));
        form.submitting.set(true);
        form.alert.set(None);
        let navigate = navigate.clone();
        let location_id = form.location_id;
        let place_name = place.get_value();
        leptos::task::spawn_local(async move {
            let result = api::commit(&key, &body).await;
            // The form may be gone by now (the user left, or newer data
            // redrew the page): what must not be lost is done without it.
            let alive = !form.submitting.is_disposed();
            if alive {
                form.submitting.set(false);
            }
            match result {
                Ok(CommitmentReceipt {
                    commitment,
                    manage_token,
                }) => {
                    if alive {
                        form.done.set_value(true);
                    }
                    storage::session_remove(&draft_key(location_id));
                    if crate::kiosk::active() {
                        // A kiosk keeps nothing: the receipt (with its QR code)
                        // goes home with the collaborator, on paper or a phone.
                        crate::kiosk::show_receipt(commitment, manage_token);
                        navigate(
                            &Page::KioskReceipt.href(),
                            leptos_router::NavigateOptions::default(),
                        );
                        return;
                    }
                    storage::local_set(&storage::manage_token_key(&commitment.code), &manage_token);
                    let href = Page::Manage {
                        code: commitment.code,
                        token: manage_token,
                    }
                    .href();
                    navigate(&href, leptos_router::NavigateOptions::default());
                }
                // No answer at all: kept on the device with its key and sent
                // when the network returns (never on a kiosk).
                Err(ApiFailure::Network) if !crate::kiosk::active() => {
                    let lines = body.lines.clone();
                    if outbox.enqueue(key, crate::outbox::Body::Commitment(body), place_name) {
                        if alive {
                            form.done.set_value(true);
                        }
                        storage::session_remove(&draft_key(location_id));
                        navigate(
                            &Page::Outbox.href(),
                            leptos_router::NavigateOptions::default(),
                        );
                    } else if alive {
                        // The device would not keep it: the form and its
                        // draft stay, and it says the network is out.
                        handle_failure(form, &ApiFailure::Network, &lines);
                    }
                }
                Err(failure) if alive => handle_failure(form, &failure, &body.lines),
                // Refused after the form was gone: its draft is still in this tab.
                Err(_) => {}
            }
        });
    };
    let submit = StoredValue::new(submit);

    view! {
        {back_link()}
        <h1 class="commit-title">
            {tr("commit.heading")}
            <span class="commit-place">{move || place.get_value()}</span>
        </h1>
        <StepList step=form.step />
        <form
            class="commit-form"
            novalidate
            on:submit=move |ev| {
                ev.prevent_default();
                if form.step.get_untracked() == Step::Review {
                    submit.with_value(|s| s());
                } else {
                    form.next();
                }
            }
        >
            <h2 id=HEADING_ID tabindex="-1" class="step-heading" data-testid="step-heading">
                {move || {
                    let l = lang();
                    let step = form.step.get();
                    tr_with(
                        l,
                        "commit.step_of",
                        &[
                            ("n", &step.number().to_string()),
                            ("total", "3"),
                            ("title", &l.text(step.title_key())),
                        ],
                    )
                }}
            </h2>
            <AlertBox form retry=Callback::new(move |()| submit.with_value(|s| s())) />
            {move || match form.step.get() {
                Step::Packages => view! { <PackagesStep form /> }.into_any(),
                Step::Details => view! { <DetailsStep form /> }.into_any(),
                Step::Review => view! { <ReviewStep form place=place.get_value() /> }.into_any(),
            }}
        </form>
    }
    .into_any()
}

/// Turns a failed submission into what the form shows.
fn handle_failure(form: Form, failure: &ApiFailure, sent: &[LineInput]) {
    // A refusal (4xx) certainly committed nothing: the next try is a new
    // request with a new key. Only when the outcome is unknown (no answer,
    // an unreadable one, a server failure) is the key kept for the retry.
    if let ApiFailure::Api { status, .. } = failure
        && *status < 500
    {
        form.sent.set(None);
    }
    match failure {
        ApiFailure::Network | ApiFailure::Decode => form.alert.set(Some(Alert::Offline)),
        ApiFailure::Api { error, .. } => match error.code {
            ErrorCode::InvalidParameter => {
                let mut problems = error.fields.clone();
                if problems.is_empty()
                    && let Some(field) = &error.field
                {
                    problems.push(FieldProblem {
                        field: field.clone(),
                        message: error.message.clone(),
                    });
                }
                if !form.place_server_problems(&problems, sent) {
                    form.alert.set(Some(Alert::Server {
                        message: error.message.clone(),
                        retry: false,
                    }));
                }
            }
            ErrorCode::InsufficientNeed => form.need_taken(&error.remaining),
            ErrorCode::IdempotencyKeyReused => {
                // The key belonged to other content; the next try has a new one.
                form.alert.set(Some(Alert::Server {
                    message: error.message.clone(),
                    retry: true,
                }));
            }
            ErrorCode::Conflict | ErrorCode::NotFound => form.alert.set(Some(Alert::Server {
                message: error.message.clone(),
                retry: false,
            })),
            _ => form.alert.set(Some(Alert::Server {
                message: error.message.clone(),
                retry: true,
            })),
        },
    }
    if !matches!(
        form.alert.get_untracked(),
        Some(Alert::Invalid(_) | Alert::Taken(_))
    ) {
        focus_soon("commit-alert".to_owned());
    }
}

/// Where the collaborator is: three steps, the current one marked.
#[component]
fn StepList(step: RwSignal<Step>) -> impl IntoView {
    let items = Step::ALL
        .iter()
        .map(|&s| {
            view! {
                <li
                    class:step-done=move || { step.get() > s }
                    class:step-current=move || step.get() == s
                    aria-current=move || (step.get() == s).then_some("step")
                >
                    <span class="step-number" aria-hidden="true">{s.number()}</span>
                    <span class="step-name">{tr(s.title_key())}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <ol class="steps" aria-label=tr("commit.steps")>
            {items}
        </ol>
    }
}

/// The form's alert: invalid fields, a taken need, no connection, or the
/// server's word; with a retry where one can help.
#[component]
fn AlertBox(form: Form, retry: Callback<()>) -> impl IntoView {
    let body = move || {
        let l = lang();
        form.alert.get().map(|alert| match alert {
            Alert::Invalid(n) => view! {
                <p>{tr_with(l, "commit.fix_fields", &[("count", &n.to_string())])}</p>
            }
            .into_any(),
            Alert::Taken(changes) => {
                let items = changes
                    .into_iter()
                    .map(|(id, asked, left)| {
                        let name = form.lines.with_value(|lines| {
                            lines
                                .iter()
                                .find(|line| line.package.id == id)
                                .map(|line| line.package.name.get(l.code()).to_owned())
                                .unwrap_or_default()
                        });
                        view! {
                            <li>
                                {tr_with(
                                    l,
                                    "commit.taken_line",
                                    &[
                                        ("package", &name),
                                        ("asked", &l.number(u64::from(asked))),
                                        ("left", &l.number(u64::from(left))),
                                    ],
                                )}
                            </li>
                        }
                    })
                    .collect_view();
                view! {
                    <p class="alert-title">{l.text("commit.taken")}</p>
                    <ul>{items}</ul>
                    <p>{l.text("commit.taken_check")}</p>
                }
                .into_any()
            }
            Alert::Offline => view! {
                <p>{l.text("commit.offline")}</p>
                <button type="button" class="button" on:click=move |_| retry.run(()) data-testid="retry">
                    {l.text("commit.retry")}
                </button>
            }
            .into_any(),
            Alert::Server { message, retry: can_retry } => view! {
                <p>{message}</p>
                <Show when=move || can_retry>
                    <button type="button" class="button" on:click=move |_| retry.run(()) data-testid="retry">
                        {tr("commit.retry")}
                    </button>
                </Show>
            }
            .into_any(),
        })
    };
    view! {
        <div class="form-alert-slot" role="alert">
            <Show when=move || form.alert.read().is_some()>
                <div class="form-alert" id="commit-alert" tabindex="-1" data-testid="commit-alert">
                    {body}
                </div>
            </Show>
        </div>
    }
}

/// Step 1: how many of each package.
#[component]
fn PackagesStep(form: Form) -> impl IntoView {
    let lines = form.lines.get_value();
    let lines_error = form.errors.message(F_LINES);
    let total = move || {
        let l = lang();
        l.rupiah(form.total())
    };
    view! {
        <p class="step-intro" id="packages-intro">{tr("commit.packages_intro")}</p>
        <div class="field" class:field-invalid=move || lines_error.read().is_some()>
            <FieldError id=dom_id(F_LINES) message=lines_error />
            <ul class="package-list">
                {lines.into_iter().map(|line| view! { <PackageLine line form /> }).collect_view()}
            </ul>
        </div>
        <div class="step-footer">
            <p class="total" data-testid="running-total">
                <span>{tr("commit.total")}</span>
                " "
                <strong>{total}</strong>
            </p>
            <p class="visually-hidden" aria-live="polite">{move || form.announce.get()}</p>
            <button type="submit" class="button button-cta" data-testid="next">
                {tr("commit.next")}
            </button>
        </div>
    }
}

/// One package with its stepper (−, number, +), bounded by what remains.
#[component]
fn PackageLine(line: Line, form: Form) -> impl IntoView {
    let Line {
        package,
        program_name,
        text,
        max,
    } = line;
    let package = StoredValue::new(package);
    let id = package.with_value(|p| p.id);
    let field = line_field(id);
    let input_id = dom_id(&field);
    let name_id = format!("{input_id}-name");
    let hint_id = format!("{input_id}-hint");
    let error = form.errors.message(field.clone());
    let quantity = move || read_quantity(&text.get(), max.get()).unwrap_or(0);
    let name = move || package.with_value(|p| p.name.get(lang().code()).to_owned());
    let unit = move || package.with_value(|p| p.unit.get(lang().code()).to_owned());
    let set = {
        let field = field.clone();
        move |n: u32| {
            text.set(n.min(max.get_untracked()).to_string());
            form.errors.set(&field, None);
            form.errors.set(F_LINES, None);
        }
    };
    let set = StoredValue::new(set);
    // What a stepper button did, for screen readers (focus stays on it).
    let announce = move || {
        let l = lang();
        let count = l.number(u64::from(
            read_quantity(&text.get_untracked(), max.get_untracked()).unwrap_or(0),
        ));
        let (name, unit) = package.with_value(|p| {
            (
                p.name.get(l.code()).to_owned(),
                p.unit.get(l.code()).to_owned(),
            )
        });
        form.announce.set(tr_with(
            l,
            "commit.announce",
            &[
                ("package", &name),
                ("count", &count),
                ("unit", &unit),
                ("total", &l.rupiah(form.total_untracked())),
            ],
        ));
    };
    let value_text = move || {
        let l = lang();
        tr_with(
            l,
            "need.unit_value",
            &[
                ("value", &l.rupiah(package.with_value(|p| p.unit_value))),
                ("unit", &unit()),
            ],
        )
    };
    let remaining_text = move || {
        let l = lang();
        if max.get() == 0 {
            l.text("commit.package_taken")
        } else {
            tr_with(
                l,
                "commit.remaining",
                &[
                    ("count", &l.number(u64::from(max.get()))),
                    ("unit", &unit()),
                ],
            )
        }
    };
    let subtotal = move || {
        let l = lang();
        l.rupiah(i64::from(quantity()) * package.with_value(|p| p.unit_value))
    };
    let described = {
        let hint_id = hint_id.clone();
        let input_id = input_id.clone();
        move || {
            if error.read().is_some() {
                format!("{hint_id} {input_id}-error")
            } else {
                hint_id.clone()
            }
        }
    };
    let minus_label = move || tr_with(lang(), "commit.decrease", &[("package", &name())]);
    let plus_label = move || tr_with(lang(), "commit.increase", &[("package", &name())]);
    let at_min = move || quantity() == 0;
    let at_max = move || quantity() >= max.get();
    view! {
        <li class="package" class:package-chosen=move || { quantity() > 0 } data-testid="package-line" data-package-id=id.to_string()>
            <div class="package-info">
                <h3 id=name_id.clone()>{name}</h3>
                <p class="package-meta">
                    {move || program_name.get(lang().code()).to_owned()} " · " {value_text}
                </p>
                // What the package holds: what the donor buys and hands over.
                <p class="package-contents" data-testid="package-contents">
                    {move || package.with_value(|p| p.description.get(lang().code()).to_owned())}
                </p>
                <p class="package-remaining" id=hint_id.clone() data-testid="package-remaining">
                    {remaining_text}
                </p>
            </div>
            <div class="package-controls">
                <div class="stepper" role="group" aria-labelledby=name_id.clone()>
                    <button
                        type="button"
                        class="stepper-button"
                        aria-label=minus_label
                        aria-controls=input_id.clone()
                        aria-disabled=move || at_min().then_some("true")
                        on:click=move |_| {
                            if !at_min() {
                                set.with_value(|s| s(quantity() - 1));
                                announce();
                            }
                        }
                    >
                        <span aria-hidden="true">"−"</span>
                    </button>
                    <label class="visually-hidden" for=input_id.clone()>
                        {move || tr_with(lang(), "commit.quantity_of", &[("package", &name()), ("unit", &unit())])}
                    </label>
                    // A text box (digits keypad on phones): a number box hides
                    // what was typed ("2.5", "2,5") from the page, so it could
                    // neither be shown back nor refused.
                    <input
                        id=input_id.clone()
                        class="stepper-input"
                        type="text"
                        inputmode="numeric"
                        pattern="[0-9]*"
                        autocomplete="off"
                        placeholder="0"
                        disabled=move || max.get() == 0
                        aria-describedby=described
                        aria-invalid=move || error.read().is_some().then_some("true")
                        prop:value=move || text.get()
                        on:input:target={
                            let field = field.clone();
                            move |ev| {
                                let raw = ev.target().value();
                                // Kept exactly as typed; what is wrong is said at once.
                                let problem = read_quantity(&raw, max.get_untracked()).err();
                                text.set(raw);
                                form.errors.set(&field, problem);
                                form.errors.set(F_LINES, None);
                            }
                        }
                        // Leaving the box: a valid count in its plain spelling ("007" is 7).
                        on:change=move |_| {
                            let raw = text.get_untracked();
                            if let Ok(n) = read_quantity(&raw, max.get_untracked())
                                && !raw.trim().is_empty()
                                && n.to_string() != raw
                            {
                                text.set(n.to_string());
                            }
                        }
                    />
                    <button
                        type="button"
                        class="stepper-button"
                        aria-label=plus_label
                        aria-controls=input_id.clone()
                        aria-disabled=move || at_max().then_some("true")
                        on:click=move |_| {
                            if !at_max() {
                                set.with_value(|s| s(quantity() + 1));
                                announce();
                            }
                        }
                    >
                        <span aria-hidden="true">"+"</span>
                    </button>
                </div>
                <p class="package-subtotal">
                    <span class="visually-hidden">{tr("commit.subtotal")} " "</span>
                    {subtotal}
                </p>
            </div>
            <FieldError id=input_id.clone() message=error />
        </li>
    }
}

/// The first days of the window as buttons (at most a week): a date picked
/// with one touch, on a kiosk or a phone, instead of typed or found in a
/// calendar. The date field above stays for any other day.
#[component]
fn DatePicks(form: Form) -> impl IntoView {
    let last = form.last_day().min(form.today + 6);
    let picks = (form.today..=last)
        .map(|day| {
            let iso = validate::civil_from_days(day);
            let label = {
                let iso = iso.clone();
                move || short_day(lang(), day - form.today, day, &iso)
            };
            let pressed = {
                let iso = iso.clone();
                move || form.date.with(|d| d.trim() == iso)
            };
            let pick = iso.clone();
            view! {
                <button
                    type="button"
                    class="chip"
                    data-date=iso
                    aria-pressed=move || if pressed() { "true" } else { "false" }
                    on:click=move |_| {
                        form.date.set(pick.clone());
                        form.errors.set(F_DATE, form.check_date(&pick));
                    }
                >
                    {label}
                </button>
            }
        })
        .collect_view();
    view! {
        <div class="date-picks" role="group" aria-label=tr("commit.date_picks") data-testid="date-picks">
            {picks}
        </div>
    }
}

/// "Hari ini, 7 Des", "Besok, 8 Des", "Rab, 9 Des".
fn short_day(l: Lang, ahead: i64, day: i64, iso: &str) -> String {
    let name = match ahead {
        0 => l.text("commit.today"),
        1 => l.text("commit.tomorrow"),
        _ => {
            let weekdays = l.text("date.weekdays_short");
            // 1970-01-01, day 0, was a Thursday (Sunday first).
            let index = usize::try_from((day + 4).rem_euclid(7)).unwrap_or(0);
            weekdays
                .split(',')
                .nth(index)
                .unwrap_or_default()
                .trim()
                .to_owned()
        }
    };
    let months = l.text("date.months");
    let month = iso
        .get(5..7)
        .and_then(|m| m.parse::<usize>().ok())
        .and_then(|m| months.split(',').nth(m.wrapping_sub(1)))
        .map(|m| m.trim().chars().take(3).collect::<String>())
        .unwrap_or_default();
    let date = iso.get(8..10).map_or("", |d| d.trim_start_matches('0'));
    format!("{name}, {date} {month}")
}

/// Step 2: planned date and the collaborator's details.
#[component]
fn DetailsStep(form: Form) -> impl IntoView {
    let shared = expect_context::<Shared>();
    let min = validate::civil_from_days(form.today);
    let max = validate::civil_from_days(form.last_day());
    let date_hint = {
        let max = max.clone();
        Signal::derive(move || {
            let l = lang();
            tr_with(
                l,
                "commit.date_hint",
                &[
                    ("last", &l.date(&max)),
                    ("days", &form.expiry_days.to_string()),
                ],
            )
        })
    };
    let check_date = Callback::new(move |v: String| form.check_date(&v));
    let sign_in = Page::SignIn {
        next: Some(Page::Commit(form.location_id).href()),
    }
    .href();
    let account_note = move || match shared.session.get() {
        Session::SignedIn(a) => Some(
            view! {
                <p class="note" data-testid="signed-in-note">
                    {move || tr_with(lang(), "commit.signed_in_as", &[("name", &a.name)])}
                </p>
            }
            .into_any(),
        ),
        // A kiosk signs nobody in: a session would outlive the visitor.
        Session::Guest if crate::kiosk::active() => None,
        Session::Guest => Some(
            view! {
                <p class="note">
                    {tr("commit.guest_note")} " "
                    <A href=sign_in.clone()>{tr("commit.sign_in_to_fill")}</A>
                </p>
            }
            .into_any(),
        ),
        Session::Unknown => None,
    };
    view! {
        <TextField
            field=F_DATE
            label="commit.date"
            value=form.date
            errors=form.errors
            input_type="date"
            hint=date_hint
            min=min
            max=max
            check=check_date
        />
        <DatePicks form />
        <fieldset class="group">
            <legend>{tr("commit.collaborator")}</legend>
            {account_note}
            <TextField
                field=F_NAME
                label="commit.name"
                value=form.name
                errors=form.errors
                autocomplete="name"
                maxlength=validate::NAME_MAX
                hint=Signal::derive(move || lang().text("commit.name_hint"))
                check=rule(validate::name)
            />
            <KindField field=F_KIND kind=form.kind errors=form.errors />
            <TextField
                field=F_EMAIL
                label="commit.email"
                value=form.email
                errors=form.errors
                input_type="email"
                autocomplete="email"
                inputmode="email"
                hint=Signal::derive(move || {
                    let l = lang();
                    match shared.session.get() {
                        Session::SignedIn(a) if a.email_confirmed => String::new(),
                        _ => tr_with(l, "commit.hold_note", &[("hours", &form.hold_hours.to_string())]),
                    }
                })
                check=rule(validate::email)
            />
            <TextField
                field=F_PHONE
                label="commit.phone"
                value=form.phone
                errors=form.errors
                input_type="tel"
                autocomplete="tel"
                inputmode="tel"
                hint=Signal::derive(move || lang().text("commit.phone_hint"))
                check=rule(validate::phone)
            />
            <div class="field check">
                <input
                    type="checkbox"
                    id="f-show-name"
                    aria-describedby="f-show-name-hint"
                    prop:checked=move || form.show_name.get()
                    on:change:target=move |ev| form.show_name.set(ev.target().checked())
                />
                <label for="f-show-name">{tr("commit.show_name")}</label>
                <p class="hint" id="f-show-name-hint">{tr("commit.show_name_hint")}</p>
            </div>
        </fieldset>
        <div class="step-footer">
            <button type="button" class="button button-quiet" on:click=move |_| form.back()>
                {tr("commit.back")}
            </button>
            <button type="submit" class="button button-cta" data-testid="next">
                {tr("commit.to_review")}
            </button>
        </div>
    }
}

/// Step 3: everything once more, then send.
#[component]
fn ReviewStep(form: Form, place: String) -> impl IntoView {
    let chosen: Vec<Line> = form.lines.with_value(|lines| {
        lines
            .iter()
            .filter(|l| l.quantity_untracked() > 0)
            .cloned()
            .collect()
    });
    let rows = chosen
        .into_iter()
        .map(|line| {
            let q = line.quantity_untracked();
            let package = StoredValue::new(line.package);
            let program = line.program_name;
            view! {
                <tr data-testid="review-line">
                    <th scope="row">
                        {move || package.with_value(|p| p.name.get(lang().code()).to_owned())}
                        <span class="cell-note">{move || program.get(lang().code()).to_owned()}</span>
                    </th>
                    <td class="num">
                        {move || {
                            let l = lang();
                            let unit = package.with_value(|p| p.unit.get(l.code()).to_owned());
                            tr_with(l, "track.quantity", &[("count", &l.number(u64::from(q))), ("unit", &unit)])
                        }}
                    </td>
                    <td class="num">{move || lang().rupiah(i64::from(q) * package.with_value(|p| p.unit_value))}</td>
                </tr>
            }
        })
        .collect_view();
    let date = move || lang().date(&form.date.get());
    let public_name = move || {
        if form.show_name.get() {
            tr_with(
                lang(),
                "commit.public_named",
                &[("name", form.name.get().trim())],
            )
        } else {
            lang().text("commit.public_anonymous")
        }
    };
    let promise = move || {
        let l = lang();
        tr_with(
            l,
            "commit.promise",
            &[
                ("place", &place),
                ("date", &date()),
                ("days", &form.expiry_days.to_string()),
            ],
        )
    };
    let edit = move |step: Step| {
        move |_| {
            form.alert.set(None);
            form.go(step, None);
        }
    };
    view! {
        <section class="review" aria-labelledby="review-packages">
            <div class="review-head">
                <h3 id="review-packages">{tr("commit.review_packages")}</h3>
                <button type="button" class="button button-quiet button-small" on:click=edit(Step::Packages)>
                    {tr("commit.edit_packages")}
                </button>
            </div>
            <LinesTable total=Signal::derive(move || lang().rupiah(form.total())) total_id="review-total">
                {rows}
            </LinesTable>
        </section>
        <section class="review" aria-labelledby="review-details">
            <div class="review-head">
                <h3 id="review-details">{tr("commit.review_details")}</h3>
                <button type="button" class="button button-quiet button-small" on:click=edit(Step::Details)>
                    {tr("commit.edit_details")}
                </button>
            </div>
            <dl class="facts review-facts">
                <div>
                    <dt>{tr("commit.date")}</dt>
                    <dd data-testid="review-date">{date}</dd>
                </div>
                <div>
                    <dt>{tr("commit.name")}</dt>
                    <dd>{move || form.name.get().trim().to_owned()} " (" {move || kind_text(lang(), &form.kind.get())} ")"</dd>
                </div>
                <div>
                    <dt>{tr("commit.email")}</dt>
                    <dd>{move || form.email.get().trim().to_owned()}</dd>
                </div>
                <div>
                    <dt>{tr("commit.phone")}</dt>
                    <dd>{move || form.phone.get().trim().to_owned()}</dd>
                </div>
                <div>
                    <dt>{tr("commit.public_report")}</dt>
                    <dd>{public_name}</dd>
                </div>
            </dl>
        </section>
        <p class="note">{promise}</p>
        <div class="step-footer">
            <button type="button" class="button button-quiet" on:click=move |_| form.back()>
                {tr("commit.back")}
            </button>
            <button
                type="submit"
                class="button button-cta"
                data-testid="submit"
                aria-disabled=move || form.submitting.get().then_some("true")
            >
                {move || {
                    if form.submitting.get() { lang().text("commit.sending") } else { lang().text("commit.submit") }
                }}
            </button>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::{Problem, read_quantity};

    fn key(r: Result<u32, Problem>) -> &'static str {
        match r {
            Err(Problem::Key(k) | Problem::KeyWith(k, _) | Problem::KeyCount(k, ..)) => k,
            other => panic!("expected a problem, got {other:?}"),
        }
    }

    #[test]
    fn whole_counts_within_the_need_are_taken_as_typed() {
        assert_eq!(read_quantity("", 10).ok(), Some(0));
        assert_eq!(read_quantity(" 2 ", 10).ok(), Some(2));
        assert_eq!(read_quantity("007", 10).ok(), Some(7));
        assert_eq!(read_quantity("10", 10).ok(), Some(10));
    }

    #[test]
    fn decimals_signs_and_excess_are_refused_never_converted() {
        let cases: [(&[&str], u32, &str); 4] = [
            (
                &["2.5", "2,5", "1.5", "2.", ",5", "1.000", "1 000"],
                100,
                "commit.quantity_whole",
            ),
            (&["-3", "-", "\u{2212}3"], 100, "commit.quantity_negative"),
            (&["2e1", "dua", "3+"], 100, "commit.quantity_number"),
            (
                &["11", "999999", "99999999999999999999"],
                10,
                "commit.quantity_too_many",
            ),
        ];
        for (typed, max, want) in cases {
            for t in typed {
                assert_eq!(key(read_quantity(t, max)), want, "{t}");
            }
        }
    }
}
