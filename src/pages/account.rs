//! Optional accounts: `/masuk` (sign in), `/daftar` (register) and `/saya`
//! (my commitments). A guest can commit without one; an account keeps the
//! commitments together and fills the form in.

use kolaborasi_shared::{Account, CommitmentView, Credentials, ErrorCode, Registration, validate};
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api::{self, ApiFailure};
use crate::components::form::{
    Errors, FormAlert, KindField, Problem, TextField, dom_id, focus_soon, kind_key, rule,
};
use crate::components::status::{LoadError, Loading};
use crate::i18n::{lang, tr, tr_with};
use crate::pages::tracking::status_key;
use crate::route::{NEXT_PARAM, Page, safe_next};
use crate::{Session, Shared, set_title, storage};

/// Where to go after signing in: the `lanjut` parameter when it is a path
/// of this app, else "my commitments".
fn next_target() -> Memo<Option<String>> {
    let query = use_query_map();
    Memo::new(move |_| {
        query
            .read()
            .get(NEXT_PARAM)
            .and_then(|n| safe_next(&n).map(str::to_owned))
    })
}

/// What both account forms share: their errors, alert and busy flag, and
/// what happens around the request.
#[derive(Clone, Copy)]
struct AccountForm {
    errors: Errors,
    alert: RwSignal<Option<String>>,
    busy: RwSignal<bool>,
    next: Memo<Option<String>>,
    shared: Shared,
}

impl AccountForm {
    fn new() -> Self {
        Self {
            errors: Errors::new(),
            alert: RwSignal::new(None),
            busy: RwSignal::new(false),
            next: next_target(),
            shared: expect_context::<Shared>(),
        }
    }

    fn summary(self) {
        self.alert.set(Some(tr_with(
            lang(),
            "commit.fix_fields",
            &[("count", &self.errors.fields().len().to_string())],
        )));
    }

    /// Runs the checks; false (with the first field in error focused) when
    /// something is wrong.
    fn check(self, checks: &[(&str, Option<Problem>)]) -> bool {
        let mut first = None;
        for (field, problem) in checks {
            if problem.is_some() && first.is_none() {
                first = Some(dom_id(field));
            }
            self.errors.set(field, problem.clone());
        }
        if let Some(id) = first {
            self.summary();
            focus_soon(id);
            false
        } else {
            self.alert.set(None);
            true
        }
    }

    /// Sends the request; signed in, it goes on to `next` (or "mine").
    fn send(
        self,
        request: impl Future<Output = Result<Account, ApiFailure>> + 'static,
        fields: &'static [&'static str],
        navigate: impl Fn(&str, NavigateOptions) + 'static,
    ) {
        let shared = self.shared;
        self.busy.set(true);
        leptos::task::spawn_local(async move {
            let result = request.await;
            self.busy.set(false);
            match result {
                Ok(account) => {
                    shared.session.set(Session::SignedIn(account));
                    let target = self
                        .next
                        .get_untracked()
                        .unwrap_or_else(|| Page::Mine.href());
                    navigate(&target, NavigateOptions::default());
                }
                Err(e) => self.show_failure(&e, fields),
            }
        });
    }

    /// Per-field messages next to their fields (the first one focused);
    /// anything else in the alert, exactly as the server worded it (401, 429 …).
    fn show_failure(self, failure: &ApiFailure, fields: &[&str]) {
        if let ApiFailure::Api { error, .. } = failure
            && error.code == ErrorCode::InvalidParameter
        {
            let mut first = None;
            for field in fields {
                let message = error.field_message(field).or_else(|| {
                    (error.field.as_deref() == Some(*field)).then_some(error.message.as_str())
                });
                if let Some(m) = message {
                    self.errors.set(field, Some(Problem::Server(m.to_owned())));
                    first.get_or_insert(*field);
                }
            }
            if let Some(first) = first {
                self.summary();
                focus_soon(dom_id(first));
                return;
            }
        }
        self.alert.set(Some(failure.plain_message(lang())));
        focus_soon("account-alert".to_owned());
    }
}

/// The form's alert and its submit button.
#[component]
fn AccountAlert(form: AccountForm) -> impl IntoView {
    view! {
        <div id="account-alert" tabindex="-1">
            <FormAlert message=form.alert.into() />
        </div>
    }
}

#[component]
fn SubmitButton(form: AccountForm, label: &'static str, busy_label: &'static str) -> impl IntoView {
    view! {
        <div class="step-footer">
            <button
                type="submit"
                class="button button-cta"
                aria-disabled=move || form.busy.get().then_some("true")
            >
                {move || lang().text(if form.busy.get() { busy_label } else { label })}
            </button>
        </div>
    }
}

const SIGN_IN_FIELDS: [&str; 2] = ["email", "password"];

#[component]
pub fn SignInPage() -> impl IntoView {
    Effect::new(move |_| set_title(&lang().text("account.sign_in")));
    let form = AccountForm::new();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let navigate = use_navigate();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if form.busy.get_untracked() {
            return;
        }
        let password_problem = password
            .get_untracked()
            .is_empty()
            .then_some(Problem::Key("account.password_required"));
        let checks = [
            (
                "email",
                validate::email(&email.get_untracked())
                    .err()
                    .map(Problem::Key),
            ),
            ("password", password_problem),
        ];
        if form.check(&checks) {
            let credentials = Credentials {
                email: email.get_untracked().trim().to_owned(),
                password: password.get_untracked(),
            };
            form.send(
                async move { api::sign_in(&credentials).await },
                &SIGN_IN_FIELDS,
                navigate.clone(),
            );
        }
    };
    let register = move || {
        Page::Register {
            next: form.next.get(),
        }
        .href()
    };
    view! {
        <div class="page narrow account-page">
            <h1>{tr("account.sign_in")}</h1>
            <p class="lead">{tr("account.sign_in_intro")}</p>
            <SignedInNote />
            <form class="account-form" novalidate on:submit=submit>
                <AccountAlert form />
                <TextField
                    field="email"
                    label="commit.email"
                    value=email
                    errors=form.errors
                    input_type="email"
                    autocomplete="username"
                    inputmode="email"
                    check=rule(validate::email)
                />
                <TextField
                    field="password"
                    label="account.password"
                    value=password
                    errors=form.errors
                    input_type="password"
                    autocomplete="current-password"
                />
                <SubmitButton form label="account.sign_in" busy_label="account.signing_in" />
            </form>
            <p class="alt-action">
                {tr("account.no_account")} " " <A href=register>{tr("account.register")}</A>
            </p>
            <p class="note">{tr("account.guest_ok")}</p>
        </div>
    }
}

/// "You are already signed in as …" on the sign-in and registration pages.
#[component]
fn SignedInNote() -> impl IntoView {
    let shared = expect_context::<Shared>();
    move || {
        shared.session.get().account().map(|a| {
            let name = a.name.clone();
            view! {
                <p class="note">
                    {move || tr_with(lang(), "account.already", &[("name", &name)])} " "
                    <A href=Page::Mine.href()>{tr("account.mine")}</A>
                </p>
            }
        })
    }
}

/// The registration form's fields, in the order they are shown.
const REGISTRATION_FIELDS: [&str; 5] = ["name", "kind", "email", "phone", "password"];

#[component]
pub fn RegisterPage() -> impl IntoView {
    Effect::new(move |_| set_title(&lang().text("account.register")));
    let form = AccountForm::new();
    let name = RwSignal::new(String::new());
    let kind = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    // Where the activation link went, once the registration was accepted.
    let sent = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if form.busy.get_untracked() {
            return;
        }
        let rule = |check: fn(&str) -> Result<String, &'static str>, value: RwSignal<String>| {
            check(&value.get_untracked()).err().map(Problem::Key)
        };
        let kind_problem = kolaborasi_shared::CollaboratorKind::parse(&kind.get_untracked())
            .is_none()
            .then_some(Problem::Key("error.field.kind_invalid"));
        let checks = [
            ("name", rule(validate::name, name)),
            ("kind", kind_problem),
            ("email", rule(validate::email, email)),
            ("phone", rule(validate::phone, phone)),
            (
                "password",
                validate::password(&password.get_untracked())
                    .err()
                    .map(Problem::Key),
            ),
        ];
        if form.check(&checks) {
            let registration = Registration {
                name: name.get_untracked().trim().to_owned(),
                kind: kind.get_untracked(),
                email: email.get_untracked().trim().to_owned(),
                phone: phone.get_untracked().trim().to_owned(),
                password: password.get_untracked(),
            };
            form.busy.set(true);
            leptos::task::spawn_local(async move {
                let result = api::register(&registration).await;
                form.busy.set(false);
                match result {
                    Ok(answer) => {
                        sent.set(Some(answer.email));
                        focus_soon("register-sent".to_owned());
                    }
                    Err(e) => form.show_failure(&e, &REGISTRATION_FIELDS),
                }
            });
        }
    };
    let sign_in = move || {
        Page::SignIn {
            next: form.next.get(),
        }
        .href()
    };
    view! {
        <div class="page narrow account-page">
            <h1>{tr("account.register")}</h1>
            <p class="lead">{tr("account.register_intro")}</p>
            <SignedInNote />
            {move || match sent.get() {
                Some(address) => view! {
                    <p class="status-box" role="status" id="register-sent" tabindex="-1" data-testid="register-sent">
                        {tr_with(lang(), "account.check_email", &[("email", &address)])}
                    </p>
                }.into_any(),
                None => view! {
                    <form class="account-form" novalidate on:submit=submit>
                        <AccountAlert form />
                        <RegisterFields name kind email phone password errors=form.errors />
                        <SubmitButton form label="account.register" busy_label="account.registering" />
                    </form>
                }.into_any(),
            }}
            <p class="alt-action">
                {tr("account.have_account")} " " <A href=sign_in>{tr("account.sign_in")}</A>
            </p>
        </div>
    }
}

#[component]
fn RegisterFields(
    name: RwSignal<String>,
    kind: RwSignal<String>,
    email: RwSignal<String>,
    phone: RwSignal<String>,
    password: RwSignal<String>,
    errors: Errors,
) -> impl IntoView {
    view! {
                <TextField
                    field="name"
                    label="commit.name"
                    value=name
                    errors
                    autocomplete="name"
                    hint=Signal::derive(move || lang().text("commit.name_hint"))
                    check=rule(validate::name)
                />
                <KindField field="kind" kind errors />
                <TextField
                    field="email"
                    label="commit.email"
                    value=email
                    errors
                    input_type="email"
                    autocomplete="email"
                    inputmode="email"
                    check=rule(validate::email)
                />
                <TextField
                    field="phone"
                    label="commit.phone"
                    value=phone
                    errors
                    input_type="tel"
                    autocomplete="tel"
                    inputmode="tel"
                    hint=Signal::derive(move || lang().text("commit.phone_hint"))
                    check=rule(validate::phone)
                />
                <TextField
                    field="password"
                    label="account.password"
                    value=password
                    errors
                    input_type="password"
                    autocomplete="new-password"
                    hint=Signal::derive(move || lang().text("account.password_hint"))
                    check=rule(validate::password)
                />
    }
}

/// Signs out and goes to the map.
pub fn sign_out(shared: Shared, navigate: impl Fn(&str, NavigateOptions) + 'static) {
    leptos::task::spawn_local(async move {
        // Even if the server cannot be reached, this device forgets the
        // account; the cookie ends with its session.
        let _ = api::sign_out().await;
        shared.session.set(Session::Guest);
        navigate("/", NavigateOptions::default());
    });
}

#[component]
pub fn MinePage() -> impl IntoView {
    let shared = expect_context::<Shared>();
    Effect::new(move |_| set_title(&lang().text("account.mine")));
    let body = move || match shared.session.get() {
        Session::Unknown => view! { <Loading /> }.into_any(),
        Session::Guest => view! { <MineGuest /> }.into_any(),
        Session::SignedIn(account) => view! { <MyCommitments account /> }.into_any(),
    };
    view! { <div class="page narrow account-page">{body}</div> }
}

/// "My collaborations" without an account: how to get there.
#[component]
fn MineGuest() -> impl IntoView {
    let next = Some(Page::Mine.href());
    view! {
        <h1>{tr("account.mine")}</h1>
        <p class="lead">{tr("account.mine_guest")}</p>
        <p class="button-row">
            <A href=Page::SignIn { next: next.clone() }.href() attr:class="button">
                {tr("account.sign_in")}
            </A>
            <A href=Page::Register { next }.href() attr:class="button button-quiet">
                {tr("account.register")}
            </A>
        </p>
        <p class="note">
            {tr("account.mine_guest_track")}
            " "
            <A href=Page::TrackLookup.href()>{tr("nav.track")}</A>
        </p>
        <OnThisDevice />
    }
}

/// The most collaborations listed from this device's manage links.
const ON_DEVICE_MAX: usize = 20;

/// Collaborations made on this device without an account: the device keeps
/// their manage links, so the guest finds them again here, newest first.
#[component]
fn OnThisDevice() -> impl IntoView {
    let tokens = storage::manage_tokens(ON_DEVICE_MAX);
    if tokens.is_empty() {
        return ().into_any();
    }
    let list = LocalResource::new(move || {
        let tokens = tokens.clone();
        async move {
            let mut found = Vec::new();
            for (code, token) in tokens {
                // One that no longer answers (or a stale key) is left out.
                if let Ok(view) = api::commitment(&code).await {
                    found.push((view, token));
                }
            }
            found.sort_by_key(|(v, _)| std::cmp::Reverse(v.created_at));
            found
        }
    });
    view! {
        <section class="on-device" aria-labelledby="on-device-heading" data-testid="on-device">
            <h2 id="on-device-heading">{tr("account.on_device")}</h2>
            <p class="note">{tr("account.on_device_note")}</p>
            <Transition fallback=Loading>
                <ul class="commitment-list">
                    {move || {
                        list.get()
                            .unwrap_or_default()
                            .into_iter()
                            .map(|(v, token)| {
                                let href = Page::Manage { code: v.code.clone(), token }.href();
                                let status = status_key(v.status);
                                view! {
                                    <li class="commitment-row" data-testid="on-device-item" data-code=v.code.clone()>
                                        <div class="commitment-head">
                                            <a href=href class="code-link">{v.code.clone()}</a>
                                            <span class=format!("status-badge status-{}", v.status.as_str())>
                                                {move || lang().text(status)}
                                            </span>
                                        </div>
                                        <p class="meta">{v.location.name.clone()}</p>
                                    </li>
                                }
                            })
                            .collect_view()
                    }}
                </ul>
            </Transition>
        </section>
    }
    .into_any()
}

#[component]
fn MyCommitments(account: Account) -> impl IntoView {
    let shared = expect_context::<Shared>();
    let list = LocalResource::new(api::my_commitments);
    let retry = Callback::new(move |()| list.refetch());
    let navigate = use_navigate();
    let sign_out_click = move |_| sign_out(shared, navigate.clone());
    let kind = account.kind;
    view! {
        <h1>{tr("account.mine")}</h1>
        <div class="account-card">
            <p>
                <strong data-testid="account-name">{account.name.clone()}</strong>
                <span class="cell-note">{move || lang().text(kind_key(kind))}</span>
            </p>
            <p class="meta">{account.email.clone()} " · " {account.phone.clone()}</p>
            <button type="button" class="button button-quiet" on:click=sign_out_click>
                {tr("account.sign_out")}
            </button>
        </div>
        <h2>{tr("account.commitments")}</h2>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(l) if l.commitments.is_empty() => view! {
                        <p class="empty">
                            {tr("account.none")}
                            " "
                            <A href="/">{tr("account.find_place")}</A>
                        </p>
                    }
                    .into_any(),
                    Ok(l) => {
                        let rows = l
                            .commitments
                            .into_iter()
                            .map(|c| view! { <CommitmentRow commitment=c /> })
                            .collect_view();
                        view! { <ul class="commitment-list">{rows}</ul> }.into_any()
                    }
                    // The session ended meanwhile.
                    Err(ApiFailure::Api { status: 401, .. }) => {
                        shared.session.set(Session::Guest);
                        ().into_any()
                    }
                    Err(e) => view! { <LoadError failure=e retry /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn CommitmentRow(commitment: CommitmentView) -> impl IntoView {
    let c = commitment;
    let status = c.status;
    let planned = c.planned_date.clone();
    let total = c.total_value;
    let planned_text = move || {
        let l = lang();
        tr_with(l, "account.planned", &[("date", &l.date(&planned))])
    };
    view! {
        <li class="commitment-row" data-testid="my-commitment">
            <div class="commitment-head">
                <A href=Page::Tracking(c.code.clone()).href() attr:class="code-link">
                    {c.code.clone()}
                </A>
                <span class=format!("status-badge status-{}", status.as_str())>
                    {tr(status_key(status))}
                </span>
            </div>
            <p class="meta">
                {c.location.name.clone()}
                " · "
                {move || lang().rupiah(total)}
                " · "
                {planned_text}
            </p>
        </li>
    }
}

/// `/daftar/konfirmasi#t=TOKEN`: the e-mailed activation link. Activating
/// is a button press, not the page load (mail scanners open links).
#[component]
pub fn ActivatePage() -> impl IntoView {
    Effect::new(move |_| set_title(&lang().text("account.activate_heading")));
    let form = AccountForm::new();
    let location = leptos_router::hooks::use_location();
    let navigate = use_navigate();
    let token = RwSignal::new(untrack(|| {
        location
            .hash
            .get()
            .strip_prefix('#')
            .and_then(|h| h.strip_prefix(crate::route::CONFIRM_FRAGMENT))
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    }));
    // The token leaves the address bar at once.
    let clean = navigate.clone();
    Effect::new(move |_| {
        if !location.hash.get().is_empty() {
            let options = crate::route::quiet_navigation();
            clean(&Page::Activate.href(), options);
        }
    });
    let activate = move |_| {
        if form.busy.get_untracked() {
            return;
        }
        if let Some(token) = token.get_untracked() {
            form.send(
                async move { api::activate(token).await },
                &[],
                navigate.clone(),
            );
        }
    };
    view! {
        <div class="page narrow account-page">
            <h1>{tr("account.activate_heading")}</h1>
            {move || if token.get().is_some() {
                view! {
                    <p class="lead">{tr("account.activate_intro")}</p>
                    <AccountAlert form />
                    <button
                        type="button"
                        class="button button-cta button-large"
                        data-testid="activate-button"
                        disabled=move || form.busy.get()
                        on:click=activate.clone()
                    >
                        {move || if form.busy.get() { tr("account.activating") } else { tr("account.activate_button") }}
                    </button>
                }.into_any()
            } else {
                view! {
                    <p class="status-box" role="alert">{tr("error.account.confirm_invalid")}</p>
                }.into_any()
            }}
        </div>
    }
}
