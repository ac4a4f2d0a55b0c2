//! `/konsol/staf` (admin): staff members, a new one, and per member a
//! change of role, scope or whether they may still sign in.

use kolaborasi_shared::{NewStaff, Role, StaffChange, StaffMember, validate};
use leptos::prelude::*;

use super::{
    Action, ActionStatus, ConsoleFrame, StaffAuth, area_name, areas, role_key, run_action,
    scope_options,
};
use crate::api;
use crate::components::form::{
    Errors, FormAlert, Problem, SelectField, TextField, dom_id, focus_soon, place_field_errors,
    rule,
};
use crate::components::status::{LoadError, Loading};
use crate::i18n::{lang, tr};
use crate::set_title;

#[component]
pub fn StaffPage() -> impl IntoView {
    Effect::new(move |_| set_title(&lang().text("console.staff")));
    view! {
        <ConsoleFrame admin=true>
            <h1>{tr("console.staff")}</h1>
            <Members />
        </ConsoleFrame>
    }
}

fn role_options() -> Signal<Vec<(String, String)>> {
    Signal::derive(move || {
        let l = lang();
        Role::ALL
            .iter()
            .map(|r| (r.as_str().to_owned(), l.text(role_key(*r))))
            .collect()
    })
}

fn scope_choices() -> Signal<Vec<(String, String)>> {
    Signal::derive(move || {
        areas()
            .map(|t| scope_options(&t, lang()))
            .unwrap_or_default()
    })
}

#[component]
fn Members() -> impl IntoView {
    let auth = StaffAuth::get();
    let list = LocalResource::new(api::staff_members);
    let reload = Callback::new(move |()| list.refetch());
    view! {
        <section aria-labelledby="members-heading">
            <h2 id="members-heading">{tr("console.members")}</h2>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(l) => {
                            let rows = l
                                .staff
                                .into_iter()
                                .map(|m| view! { <MemberRow member=m /> })
                                .collect_view();
                            view! { <ul class="staff-list">{rows}</ul> }.into_any()
                        }
                        Err(e) => {
                            if auth.ended(&e) {
                                ().into_any()
                            } else {
                                view! { <LoadError failure=e retry=reload /> }.into_any()
                            }
                        }
                    }
                })}
            </Transition>
        </section>
        <NewMember on_added=reload />
    }
}

#[component]
fn MemberRow(member: StaffMember) -> impl IntoView {
    let auth = StaffAuth::get();
    let current = RwSignal::new(member.clone());
    let id = member.id;
    let role = RwSignal::new(member.role.as_str().to_owned());
    let scope = RwSignal::new(member.scope.clone().unwrap_or_default());
    let active = RwSignal::new(member.active);
    let state = RwSignal::new(Action::Idle);
    let role_id = format!("staff-{id}-role");
    let scope_id = format!("staff-{id}-scope");
    let active_id = format!("staff-{id}-active");
    let is_operator = move || role.get() == Role::Operator.as_str();
    let save = move |_| {
        let change = StaffChange {
            role: role.get_untracked(),
            scope: (role.get_untracked() == Role::Operator.as_str())
                .then(|| scope.get_untracked())
                .filter(|s| !s.is_empty()),
            active: active.get_untracked(),
        };
        let csrf = auth.csrf();
        run_action(
            auth,
            state,
            async move { api::change_staff(id, &change, &csrf).await },
            "console.saved",
            move |m| current.set(m),
        );
    };
    let summary = move || {
        let l = lang();
        current.with(|m| {
            let mut parts = vec![l.text(role_key(m.role))];
            if let Some(s) = &m.scope {
                parts.push(area_name(areas().as_ref(), l, s));
            }
            parts.push(l.text(if m.active {
                "console.active"
            } else {
                "console.inactive"
            }));
            parts.join(" · ")
        })
    };
    let role_options = role_options();
    let scope_options = scope_choices();
    view! {
        <li class="staff-row" data-testid="staff-row" data-id=id.to_string()>
            <p>
                <strong>{member.name.clone()}</strong>
                " "
                <span class="meta">{member.email.clone()}</span>
            </p>
            <p class="meta" data-testid="staff-summary">{summary}</p>
            <div class="staff-controls">
                <div class="field">
                    <label for=role_id.clone()>{tr("console.role")}</label>
                    <select id=role_id.clone() on:change:target=move |ev| role.set(ev.target().value())>
                        {move || {
                            role_options
                                .get()
                                .into_iter()
                                .map(|(v, t)| {
                                    let selected = role.get() == v;
                                    view! { <option value=v prop:selected=selected>{t}</option> }
                                })
                                .collect_view()
                        }}
                    </select>
                </div>
                <Show when=is_operator>
                    <div class="field">
                        <label for=scope_id.clone()>{tr("console.scope_label")}</label>
                        <select id=scope_id.clone() on:change:target=move |ev| scope.set(ev.target().value())>
                            <option value="" prop:selected=move || scope.read().is_empty()>
                                {tr("form.choose")}
                            </option>
                            {move || {
                                scope_options
                                    .get()
                                    .into_iter()
                                    .map(|(v, t)| {
                                        let selected = scope.get() == v;
                                        view! { <option value=v prop:selected=selected>{t}</option> }
                                    })
                                    .collect_view()
                            }}
                        </select>
                    </div>
                </Show>
                <div class="field check">
                    <input
                        type="checkbox"
                        id=active_id.clone()
                        prop:checked=move || active.get()
                        on:change:target=move |ev| active.set(ev.target().checked())
                    />
                    <label for=active_id.clone()>{tr("console.may_sign_in")}</label>
                </div>
                <button
                    type="button"
                    class="button"
                    data-testid="staff-save"
                    aria-disabled=move || state.get().busy().then_some("true")
                    on:click=save
                >
                    {tr("console.save")}
                </button>
            </div>
            <ActionStatus state />
        </li>
    }
}

const NEW_FIELDS: [&str; 5] = ["email", "name", "role", "scope", "password"];

#[component]
fn NewMember(on_added: Callback<()>) -> impl IntoView {
    let auth = StaffAuth::get();
    let email = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let role = RwSignal::new(String::new());
    let scope = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let errors = Errors::new();
    let alert = RwSignal::new(None::<String>);
    let state = RwSignal::new(Action::Idle);
    let is_operator = move || role.get() == Role::Operator.as_str();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if state.get_untracked().busy() {
            return;
        }
        alert.set(None);
        let operator = role.get_untracked() == Role::Operator.as_str();
        let checks = [
            (
                "email",
                validate::email(&email.get_untracked())
                    .err()
                    .map(Problem::Key),
            ),
            (
                "name",
                name.get_untracked()
                    .trim()
                    .is_empty()
                    .then_some(Problem::Key("console.required")),
            ),
            (
                "role",
                Role::parse(&role.get_untracked())
                    .is_none()
                    .then_some(Problem::Key("console.required")),
            ),
            (
                "scope",
                (operator && scope.get_untracked().is_empty())
                    .then_some(Problem::Key("console.scope_required")),
            ),
            (
                "password",
                validate::password(&password.get_untracked())
                    .err()
                    .map(Problem::Key),
            ),
        ];
        let mut first = None;
        for (field, problem) in checks {
            if problem.is_some() && first.is_none() {
                first = Some(field);
            }
            errors.set(field, problem);
        }
        if let Some(f) = first {
            focus_soon(dom_id(f));
            return;
        }
        let body = NewStaff {
            email: email.get_untracked().trim().to_owned(),
            name: name.get_untracked().trim().to_owned(),
            role: role.get_untracked(),
            scope: operator.then(|| scope.get_untracked()),
            password: password.get_untracked(),
        };
        let csrf = auth.csrf();
        state.set(Action::Busy);
        leptos::task::spawn_local(async move {
            let result = api::create_staff(&body, &csrf).await;
            let l = crate::i18n::document_lang();
            match result {
                Ok(_) => {
                    state.set(Action::Done(l.text("console.staff_added")));
                    for s in [email, name, role, scope, password] {
                        s.set(String::new());
                    }
                    on_added.run(());
                }
                Err(e) => {
                    state.set(Action::Idle);
                    if auth.ended(&e) {
                        return;
                    }
                    let placed = place_field_errors(errors, &e, |f| {
                        NEW_FIELDS.contains(&f).then(|| f.to_owned())
                    });
                    if let Some(first) = NEW_FIELDS.iter().find(|f| placed.iter().any(|p| p == *f))
                    {
                        focus_soon(dom_id(first));
                    } else {
                        alert.set(Some(e.plain_message(l)));
                        focus_soon("new-staff-alert".to_owned());
                    }
                }
            }
        });
    };
    view! {
        <section aria-labelledby="new-staff-heading" class="new-staff">
            <h2 id="new-staff-heading">{tr("console.new_staff")}</h2>
            <form novalidate on:submit=submit data-testid="new-staff-form">
                <div id="new-staff-alert" tabindex="-1">
                    <FormAlert message=alert.into() />
                </div>
                <TextField
                    field="email"
                    label="commit.email"
                    value=email
                    errors
                    input_type="email"
                    inputmode="email"
                    autocomplete="off"
                    check=rule(validate::email)
                />
                <TextField field="name" label="console.staff_name" value=name errors autocomplete="off" />
                <SelectField
                    field="role"
                    label="console.role"
                    value=role
                    errors
                    options=role_options()
                    placeholder="form.choose"
                />
                <Show when=is_operator>
                    <SelectField
                        field="scope"
                        label="console.scope_label"
                        value=scope
                        errors
                        options=scope_choices()
                        placeholder="form.choose"
                        hint=Signal::derive(move || lang().text("console.scope_hint"))
                    />
                </Show>
                <TextField
                    field="password"
                    label="console.initial_password"
                    value=password
                    errors
                    input_type="password"
                    autocomplete="new-password"
                    hint=Signal::derive(move || lang().text("account.password_hint"))
                    check=rule(validate::password)
                />
                <button
                    type="submit"
                    class="button"
                    data-testid="new-staff-submit"
                    aria-disabled=move || state.get().busy().then_some("true")
                >
                    {tr("console.add_staff")}
                </button>
                <ActionStatus state />
            </form>
        </section>
    }
}
