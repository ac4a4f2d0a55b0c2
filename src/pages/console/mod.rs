//! The staff console (`/konsol/…`): the facilitator's work queues and
//! actions. Desktop first, usable on a tablet and a phone.
//!
//! The staff session is an `HttpOnly` cookie; its CSRF token is kept in
//! memory only ([`StaffAuth`]), never in storage, and sent with every
//! state-changing request.

pub mod audit;
pub mod catalogue;
pub mod commitment;
pub mod home;
pub mod location;
pub mod report;
pub mod staff;

use kolaborasi_shared::{AreaLevel, AreaTree, Role, StaffCredentials, StaffSession, validate};
use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::{self, ApiFailure};
use crate::components::form::{
    Errors, FormAlert, Problem, TextField, dom_id, focus_soon, place_field_errors, rule,
};
use crate::components::status::{LoadError, Loading};
use crate::i18n::{Lang, lang, tr};
use crate::route::Page;
use crate::{Shared, set_title};

thread_local! {
    /// The queue view last shown (its address), for "back to the queue".
    static LAST_QUEUE: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
    /// The items that queue view listed (address, title), in its order, for
    /// "next item".
    static QUEUE_ITEMS: std::cell::RefCell<Vec<(String, String)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Remembers the items of the queue view being shown.
pub fn remember_queue_items(items: Vec<(String, String)>) {
    QUEUE_ITEMS.with(|q| *q.borrow_mut() = items);
}

/// The item after the one at `path` in the last queue view shown.
fn next_in_queue(path: &str) -> Option<(String, String)> {
    QUEUE_ITEMS.with(|q| {
        let items = q.borrow();
        let at = items.iter().position(|(href, _)| href == path)?;
        items.get(at + 1).cloned()
    })
}

/// Remembers the queue view being shown.
pub fn remember_queue(href: String) {
    LAST_QUEUE.with(|q| *q.borrow_mut() = Some(href));
}

/// Where "back to the queue" leads: the last queue view, else the console.
fn last_queue() -> String {
    LAST_QUEUE
        .with(|q| q.borrow().clone())
        .unwrap_or_else(|| Page::Console.href())
}

/// Who is signed in to the console.
#[derive(Debug, Clone, PartialEq)]
pub enum StaffState {
    /// Not asked yet, or the answer is on its way.
    Unknown,
    /// Not signed in as staff.
    Out,
    /// The server could not be asked.
    Failed(ApiFailure),
    In(StaffSession),
}

/// The console's session, shared by every console page (memory only).
#[derive(Debug, Clone, Copy)]
pub struct StaffAuth {
    pub state: RwSignal<StaffState>,
    asked: StoredValue<bool>,
}

impl StaffAuth {
    pub fn provide() {
        provide_context(Self {
            state: RwSignal::new(StaffState::Unknown),
            asked: StoredValue::new(false),
        });
    }

    #[must_use]
    pub fn get() -> Self {
        expect_context::<Self>()
    }

    /// Asks the server once per app start (and again after a failure).
    pub fn ensure(self) {
        if self.asked.get_value() {
            return;
        }
        self.asked.set_value(true);
        self.refresh();
    }

    pub fn refresh(self) {
        leptos::task::spawn_local(async move {
            let next = match api::staff_session().await {
                Ok(s) => StaffState::In(s),
                Err(ApiFailure::Api {
                    status: 401 | 403, ..
                }) => StaffState::Out,
                Err(e) => StaffState::Failed(e),
            };
            self.state.set(next);
        });
    }

    /// The signed-in staff member (reactive).
    #[must_use]
    pub fn session(self) -> Option<StaffSession> {
        match self.state.get() {
            StaffState::In(s) => Some(s),
            _ => None,
        }
    }

    #[must_use]
    pub fn role(self) -> Option<Role> {
        self.state.with(|s| match s {
            StaffState::In(s) => Some(s.staff.role),
            _ => None,
        })
    }

    /// The CSRF token for a request being sent now.
    #[must_use]
    pub fn csrf(self) -> String {
        self.state.with_untracked(|s| match s {
            StaffState::In(s) => s.csrf_token.clone(),
            _ => String::new(),
        })
    }

    /// A 401 means the session ended (elsewhere, or it expired): back to
    /// the sign-in form. True when that happened.
    pub fn ended(self, failure: &ApiFailure) -> bool {
        if matches!(failure, ApiFailure::Api { status: 401, .. }) {
            self.state.set(StaffState::Out);
            true
        } else {
            false
        }
    }
}

#[must_use]
pub fn role_key(role: Role) -> &'static str {
    match role {
        Role::Admin => "console.role.admin",
        Role::Operator => "console.role.operator",
        Role::Verifier => "console.role.verifier",
    }
}

/// Kota and kecamatan of the region as (code, "name (code)") choices, for
/// operator scopes and the queue filter.
#[must_use]
pub fn scope_options(tree: &AreaTree, lang: Lang) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for kota in &tree.root.children {
        out.push((
            kota.code.clone(),
            format!(
                "{} — {} ({})",
                lang.text("level.kota"),
                kota.name,
                kota.code
            ),
        ));
        for kec in &kota.children {
            out.push((
                kec.code.clone(),
                format!(
                    "{} — {} ({})",
                    lang.text("level.kecamatan"),
                    kec.name,
                    kec.code
                ),
            ));
        }
    }
    out
}

/// An area's name by code, with its level ("Kecamatan Gambir").
#[must_use]
pub fn area_name(tree: Option<&AreaTree>, lang: Lang, code: &str) -> String {
    tree.and_then(|t| t.find(code)).map_or_else(
        || code.to_owned(),
        |a| {
            if a.level == AreaLevel::Kelurahan || a.level == AreaLevel::Province {
                a.name.clone()
            } else {
                format!(
                    "{} {}",
                    lang.text(&format!("level.{}", a.level.as_str())),
                    a.name
                )
            }
        },
    )
}

/// A console page about the tracking code in its route (`:code`): loads it
/// with `fetch`, says `not_found` for an unknown or malformed code, leaves
/// an ended sign-in to [`StaffAuth`], offers a retry for anything else, and
/// shows the rest with `show`.
pub fn by_code_page<T, Fut, V>(
    fetch: impl Fn(String) -> Fut + Copy + 'static,
    not_found: &'static str,
    show: impl Fn(T) -> V + Copy + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + 'static,
    Fut: std::future::Future<Output = Result<T, ApiFailure>> + 'static,
    V: IntoView + 'static,
{
    let auth = StaffAuth::get();
    let params = leptos_router::hooks::use_params_map();
    let code = Memo::new(move |_| {
        params
            .read()
            .get("code")
            .and_then(|c| validate::tracking_code(&c))
    });
    let data = LocalResource::new(move || {
        let code = code.get();
        async move {
            match code {
                Some(c) => fetch(c).await,
                None => Err(ApiFailure::not_found()),
            }
        }
    });
    let retry = Callback::new(move |()| data.refetch());
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(found) => show(found).into_any(),
                    Err(ApiFailure::Api { status: 400 | 404, .. }) => {
                        set_title(&lang().text(not_found));
                        view! { <h1>{tr(not_found)}</h1> }.into_any()
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

/// A Unix time as a local date and time.
#[must_use]
pub fn when(lang: Lang, unix: i64) -> String {
    crate::pages::tracking::local_time(lang, unix)
}

/// Every console page: the way back to the queues, then the page, or the
/// sign-in form when nobody is signed in as staff. `admin` pages say so
/// to other roles (the server refuses them anyway).
#[component]
pub fn ConsoleFrame(
    #[prop(optional)] admin: bool,
    #[prop(optional)] home: bool,
    children: ChildrenFn,
) -> impl IntoView {
    if crate::kiosk::active() {
        // A staff session on a public kiosk would outlive the staff member.
        return view! {
            <div class="page console-page" data-testid="console">
                <h1>{tr("console.not_on_kiosk")}</h1>
            </div>
        }
        .into_any();
    }
    let auth = StaffAuth::get();
    auth.ensure();
    let children = StoredValue::new(children);
    let body = move || match auth.state.get() {
        StaffState::Unknown => view! { <Loading /> }.into_any(),
        StaffState::Out => view! { <StaffSignIn /> }.into_any(),
        StaffState::Failed(e) => view! {
            <LoadError failure=e retry=Callback::new(move |()| auth.refresh()) />
        }
        .into_any(),
        StaffState::In(s) if admin && s.staff.role != Role::Admin => view! {
            <h1>{tr("console.admin_only")}</h1>
            <p class="lead">{tr("console.admin_only_note")}</p>
        }
        .into_any(),
        StaffState::In(_) => children.with_value(|c| c()).into_any(),
    };
    let signed_in = move || matches!(auth.state.get(), StaffState::In(_));
    let location = leptos_router::hooks::use_location();
    // Working through a queue: the item after this one, one step away.
    let next = Memo::new(move |_| next_in_queue(&location.pathname.get()));
    view! {
        <div class="page console-page" data-testid="console">
            <Show when=move || !home && signed_in()>
                <p class="back">
                    <A href=last_queue() attr:data-testid="console-back">
                        <span aria-hidden="true">"← "</span>
                        {tr("console.back")}
                    </A>
                    {move || {
                        next.get()
                            .map(|(href, title)| {
                                view! {
                                    <A href=href attr:class="queue-next" attr:data-testid="console-next">
                                        // One flex item: the text flows as one line.
                                        <span>
                                            {tr("console.next_item")}
                                            ": "
                                            <span class="queue-next-title">{title}</span>
                                            <span aria-hidden="true">" →"</span>
                                        </span>
                                    </A>
                                }
                            })
                    }}
                </p>
            </Show>
            {body}
        </div>
    }
    .into_any()
}

const SIGN_IN_FIELDS: [&str; 2] = ["email", "password"];

/// The staff sign-in form.
#[component]
fn StaffSignIn() -> impl IntoView {
    Effect::new(move |_| set_title(&lang().text("console.sign_in_heading")));
    let auth = StaffAuth::get();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let errors = Errors::new();
    let alert = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let email_problem = validate::email(&email.get_untracked())
            .err()
            .map(Problem::Key);
        let password_problem = password
            .get_untracked()
            .is_empty()
            .then_some(Problem::Key("account.password_required"));
        let first = if email_problem.is_some() {
            Some("email")
        } else if password_problem.is_some() {
            Some("password")
        } else {
            None
        };
        errors.set("email", email_problem);
        errors.set("password", password_problem);
        if let Some(first) = first {
            focus_soon(dom_id(first));
            return;
        }
        let credentials = StaffCredentials {
            email: email.get_untracked().trim().to_owned(),
            password: password.get_untracked(),
        };
        busy.set(true);
        alert.set(None);
        leptos::task::spawn_local(async move {
            let result = api::staff_sign_in(&credentials).await;
            busy.set(false);
            match result {
                Ok(session) => {
                    password.set(String::new());
                    auth.state.set(StaffState::In(session));
                }
                Err(e) => {
                    let placed = place_field_errors(errors, &e, |f| {
                        SIGN_IN_FIELDS.contains(&f).then(|| f.to_owned())
                    });
                    if let Some(first) = placed.first() {
                        focus_soon(dom_id(first));
                    } else {
                        alert.set(Some(e.plain_message(lang())));
                        focus_soon("staff-sign-in-alert".to_owned());
                    }
                }
            }
        });
    };
    view! {
        <div class="narrow-form">
            <h1>{tr("console.sign_in_heading")}</h1>
            <p class="lead">{tr("console.sign_in_intro")}</p>
            <form class="account-form" novalidate on:submit=submit data-testid="staff-sign-in">
                <div id="staff-sign-in-alert" tabindex="-1">
                    <FormAlert message=alert.into() />
                </div>
                <TextField
                    field="email"
                    label="commit.email"
                    value=email
                    errors
                    input_type="email"
                    autocomplete="username"
                    inputmode="email"
                    check=rule(validate::email)
                />
                <TextField
                    field="password"
                    label="account.password"
                    value=password
                    errors
                    input_type="password"
                    autocomplete="current-password"
                />
                <div class="step-footer">
                    <button
                        type="submit"
                        class="button button-cta"
                        data-testid="staff-sign-in-submit"
                        aria-disabled=move || busy.get().then_some("true")
                    >
                        {move || {
                            lang().text(if busy.get() { "account.signing_in" } else { "account.sign_in" })
                        }}
                    </button>
                </div>
            </form>
        </div>
    }
}

/// What an action button is doing: its outcome is announced in a status
/// line next to it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Action {
    #[default]
    Idle,
    Busy,
    Done(String),
    Failed(String),
}

impl Action {
    #[must_use]
    pub fn busy(&self) -> bool {
        *self == Self::Busy
    }
}

/// The status line of an action (a live region that is always present).
#[component]
pub fn ActionStatus(
    state: RwSignal<Action>,
    #[prop(optional)] id: Option<&'static str>,
) -> impl IntoView {
    view! {
        <p
            class="action-status"
            id=id
            tabindex="-1"
            role="status"
            class:action-failed=move || matches!(state.get(), Action::Failed(_))
        >
            {move || match state.get() {
                Action::Done(m) => Some(view! { <span aria-hidden="true">"✓ "</span> {m} }.into_any()),
                Action::Failed(m) => Some(view! { <span aria-hidden="true">"! "</span> {m} }.into_any()),
                Action::Busy => Some(view! { {tr("console.working")} }.into_any()),
                Action::Idle => None,
            }}
        </p>
    }
}

/// Runs a staff request from a button: busy state, 401 handling, the
/// server's message on failure.
pub fn run_action<T: 'static>(
    auth: StaffAuth,
    state: RwSignal<Action>,
    request: impl Future<Output = Result<T, ApiFailure>> + 'static,
    done_key: &'static str,
    on_ok: impl FnOnce(T) + 'static,
) {
    if state.get_untracked().busy() {
        return;
    }
    state.set(Action::Busy);
    leptos::task::spawn_local(async move {
        match request.await {
            Ok(value) => {
                state.set(Action::Done(crate::i18n::document_lang().text(done_key)));
                on_ok(value);
            }
            Err(e) => {
                if !auth.ended(&e) {
                    state.set(Action::Failed(
                        e.plain_message(crate::i18n::document_lang()),
                    ));
                }
            }
        }
    });
}

/// The area tree, once loaded (reactive).
#[must_use]
pub fn areas() -> Option<AreaTree> {
    expect_context::<Shared>().areas.get().and_then(Result::ok)
}
