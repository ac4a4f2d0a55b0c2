//! `/konsol`: the staff member, the work queues with their counts, an area
//! filter and paging; collaborators are verified inline.

use kolaborasi_shared::{Queue, QueueItem, QueuePage, ReceiptStatus, Role};
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

use super::{
    Action, ActionStatus, ConsoleFrame, StaffAuth, StaffState, area_name, areas, role_key,
    run_action, when,
};
use crate::api;
use crate::components::status::{LoadError, Loading};
use crate::i18n::{lang, tr, tr_with};
use crate::pages::tracking::TrackForm;
use crate::route::{AREA_PARAM, PAGE_PARAM, Page, QUEUE_PARAM, console_queue_href};
use crate::set_title;

const PER_PAGE: u32 = 20;

#[must_use]
pub fn queue_key(queue: Queue) -> &'static str {
    match queue {
        Queue::Commitments => "console.queue.commitments",
        Queue::Deliveries => "console.queue.deliveries",
        Queue::Overdue => "console.queue.overdue",
        Queue::Reports => "console.queue.reports",
        Queue::Locations => "console.queue.locations",
        Queue::Collaborators => "console.queue.collaborators",
    }
}

fn queue_hint_key(queue: Queue) -> &'static str {
    match queue {
        Queue::Commitments => "console.queue.commitments_hint",
        Queue::Deliveries => "console.queue.deliveries_hint",
        Queue::Overdue => "console.queue.overdue_hint",
        Queue::Reports => "console.queue.reports_hint",
        Queue::Locations => "console.queue.locations_hint",
        Queue::Collaborators => "console.queue.collaborators_hint",
    }
}

#[component]
pub fn ConsoleHome() -> impl IntoView {
    Effect::new(move |_| set_title(&lang().text("console.title")));
    view! {
        <ConsoleFrame home=true>
            <Home />
        </ConsoleFrame>
    }
}

#[component]
fn Home() -> impl IntoView {
    let auth = StaffAuth::get();
    view! {
        <h1>{tr("console.title")}</h1>
        <StaffCard />
        <FindByCode />
        <Tools />
        {move || auth.session().map(|_| view! { <Queues /> })}
    }
}

/// Who is signed in, and signing out (here or everywhere).
#[component]
fn StaffCard() -> impl IntoView {
    let auth = StaffAuth::get();
    let state = RwSignal::new(Action::Idle);
    let sign_out = move |everywhere: bool| {
        let csrf = auth.csrf();
        run_action(
            auth,
            state,
            async move {
                if everywhere {
                    api::staff_sign_out_everywhere(&csrf).await
                } else {
                    api::staff_sign_out(&csrf).await
                }
            },
            "console.signed_out",
            move |()| auth.state.set(StaffState::Out),
        );
    };
    let card = move || {
        auth.session().map(|s| {
            let staff = s.staff;
            let role = staff.role;
            let scope = staff.scope.clone();
            let scope_text = move || {
                scope.as_ref().map(|code| {
                    let l = lang();
                    tr_with(
                        l,
                        "console.scope",
                        &[("area", &area_name(areas().as_ref(), l, code))],
                    )
                })
            };
            view! {
                <p>
                    <strong data-testid="staff-name">{staff.name.clone()}</strong>
                    " "
                    <span class="role-badge" data-testid="staff-role" data-role=role.as_str()>
                        {tr(role_key(role))}
                    </span>
                </p>
                <p class="meta">
                    {staff.email.clone()}
                    <span data-testid="staff-scope">{scope_text}</span>
                </p>
            }
        })
    };
    view! {
        <section class="account-card staff-card" aria-label=tr("console.signed_in_as")>
            {card}
            <div class="button-row">
                <button
                    type="button"
                    class="button button-quiet"
                    data-testid="staff-sign-out"
                    on:click=move |_| sign_out(false)
                >
                    {tr("account.sign_out")}
                </button>
                <button
                    type="button"
                    class="button button-quiet"
                    data-testid="staff-sign-out-everywhere"
                    on:click=move |_| sign_out(true)
                >
                    {tr("console.sign_out_everywhere")}
                </button>
            </div>
            <ActionStatus state />
        </section>
    }
}

/// Links to the other console pages the role may use.
#[component]
fn Tools() -> impl IntoView {
    let auth = StaffAuth::get();
    move || {
        let role = auth.role()?;
        let admin = role == Role::Admin;
        let edits = matches!(role, Role::Admin | Role::Operator);
        (edits || admin).then(|| {
            view! {
                <nav class="quick-links console-tools" aria-label=tr("console.tools")>
                    <Show when=move || edits>
                        <A href=Page::ConsoleNewLocation.href() attr:data-testid="new-location">
                            {tr("console.new_location")}
                        </A>
                    </Show>
                    <Show when=move || admin>
                        <A href=Page::ConsoleCatalogue.href()>{tr("console.catalogue")}</A>
                        <A href=Page::ConsoleStaff.href()>{tr("console.staff")}</A>
                        <A href=Page::ConsoleAudit.href()>{tr("console.audit")}</A>
                    </Show>
                </nav>
            }
        })
    }
}

/// A collaboration by its tracking code (as a collaborator reads it out on
/// the phone): the public lookup form, opening the console's page.
#[component]
fn FindByCode() -> impl IntoView {
    view! {
        <div class="console-find" data-testid="console-find">
            <TrackForm to=Page::ConsoleCommitment label="console.find_label" />
        </div>
    }
}

/// The queue view's state, from the address.
#[derive(Debug, Clone, PartialEq)]
struct View {
    queue: Queue,
    area: Option<String>,
    page: u32,
}

#[component]
fn Queues() -> impl IntoView {
    let auth = StaffAuth::get();
    let query = use_query_map();
    let navigate = use_navigate();
    let current = Memo::new(move |_| {
        let q = query.read();
        View {
            queue: q
                .get(QUEUE_PARAM)
                .and_then(|s| Queue::parse(&s))
                .unwrap_or(Queue::ALL[0]),
            area: q.get(AREA_PARAM).filter(|a| !a.is_empty()),
            page: q
                .get(PAGE_PARAM)
                .and_then(|p| p.parse::<u32>().ok())
                .filter(|p| *p >= 1)
                .unwrap_or(1),
        }
    });
    // "Back to the queue" from an item returns to this queue, area and page.
    Effect::new(move |_| {
        let v = current.get();
        super::remember_queue(console_queue_href(
            v.queue.as_str(),
            v.area.as_deref(),
            v.page,
        ));
    });
    let counts = LocalResource::new(api::queue_counts);
    let page = LocalResource::new(move || {
        let v = current.get();
        async move { api::queue_page(v.queue, v.area, v.page, PER_PAGE).await }
    });
    let reload = move || {
        counts.refetch();
        page.refetch();
    };
    // A session that ended meanwhile sends the sign-in form.
    Effect::new(move |_| {
        if let Some(Err(e)) = counts.get() {
            auth.ended(&e);
        }
    });
    let count_of = move |queue: Queue| -> Option<i64> {
        counts
            .get()
            .and_then(Result::ok)
            .and_then(|c| c.counts.iter().find(|c| c.queue == queue).map(|c| c.count))
    };
    let tabs = Queue::ALL
        .iter()
        .map(|&queue| {
            let href =
                move || console_queue_href(queue.as_str(), current.read().area.as_deref(), 1);
            let selected = move || current.read().queue == queue;
            // A plain link (the router still handles it): `<A>` would mark
            // every tab current, since they all share the path `/konsol`.
            view! {
                <a
                    href=href
                    class="queue-tab"
                    data-testid=format!("queue-{}", queue.as_str())
                    data-count=move || count_of(queue).map(|c| c.to_string())
                    aria-current=move || selected().then_some("page")
                >
                    <span class="queue-name">{tr(queue_key(queue))}</span>
                    <span class="queue-count">
                        {move || {
                            count_of(queue).map_or_else(
                                || "…".to_owned(),
                                |c| lang().number(u64::try_from(c).unwrap_or(0)),
                            )
                        }}
                    </span>
                </a>
            }
        })
        .collect_view();
    let go = {
        let navigate = navigate.clone();
        move |area: Option<String>| {
            let queue = current.get_untracked().queue;
            navigate(
                &console_queue_href(queue.as_str(), area.as_deref(), 1),
                NavigateOptions::default(),
            );
        }
    };
    let go_page = Callback::new(move |p: u32| {
        let v = current.get_untracked();
        navigate(
            &console_queue_href(v.queue.as_str(), v.area.as_deref(), p),
            NavigateOptions::default(),
        );
    });
    view! {
        <section class="queues" aria-labelledby="queues-heading">
            <h2 id="queues-heading">{tr("console.queues")}</h2>
            <nav class="queue-tabs" aria-label=tr("console.queues")>{tabs}</nav>
            <p class="note">{move || lang().text(queue_hint_key(current.read().queue))}</p>
            <AreaFilter current=Signal::derive(move || current.read().area.clone()) on_change=Callback::new(go) />
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(p) => {
                            view! {
                                <QueueList
                                    page=p
                                    on_change=Callback::new(move |()| reload())
                                    go_page
                                />
                            }
                            .into_any()
                        }
                        Err(e) => {
                            if auth.ended(&e) {
                                ().into_any()
                            } else {
                                view! { <LoadError failure=e retry=Callback::new(move |()| page.refetch()) /> }
                                    .into_any()
                            }
                        }
                    }
                })}
            </Transition>
        </section>
    }
}

/// Kota and kecamatan of the queue filter.
#[component]
fn AreaFilter(
    current: Signal<Option<String>>,
    on_change: Callback<Option<String>>,
) -> impl IntoView {
    let kota = move || {
        current
            .get()
            .map(|c| c.split('.').take(2).collect::<Vec<_>>().join("."))
    };
    let kecamatan = move || {
        current
            .get()
            .filter(|c| c.split('.').count() >= 3)
            .map(|c| c.split('.').take(3).collect::<Vec<_>>().join("."))
    };
    let kotas = move || {
        areas()
            .map(|t| {
                t.root
                    .children
                    .iter()
                    .map(|k| (k.code.clone(), k.name.clone()))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    let kecamatans = move || {
        let k = kota();
        areas()
            .and_then(|t| k.and_then(|k| t.find(&k).map(|n| n.children.clone())))
            .unwrap_or_default()
            .into_iter()
            .map(|n| (n.code, n.name))
            .collect::<Vec<_>>()
    };
    let option_list = move |options: Vec<(String, String)>, selected: Option<String>| {
        options
            .into_iter()
            .map(|(code, name)| {
                let is = selected.as_deref() == Some(code.as_str());
                view! { <option value=code prop:selected=is>{name}</option> }
            })
            .collect_view()
    };
    view! {
        <fieldset class="filter-grid queue-filter">
            <legend>{tr("console.filter_area")}</legend>
            <div class="field">
                <label for="queue-kota">{tr("filter.kota")}</label>
                <select
                    id="queue-kota"
                    data-testid="queue-kota"
                    on:change:target=move |ev| {
                        let v = ev.target().value();
                        on_change.run((!v.is_empty()).then_some(v));
                    }
                >
                    <option value="" prop:selected=move || kota().is_none()>{tr("filter.all_kota")}</option>
                    {move || option_list(kotas(), kota())}
                </select>
            </div>
            <div class="field">
                <label for="queue-kecamatan">{tr("filter.kecamatan")}</label>
                <select
                    id="queue-kecamatan"
                    data-testid="queue-kecamatan"
                    disabled=move || kota().is_none()
                    on:change:target=move |ev| {
                        let v = ev.target().value();
                        on_change.run(if v.is_empty() { kota() } else { Some(v) });
                    }
                >
                    <option value="" prop:selected=move || kecamatan().is_none()>
                        {tr("filter.all_kecamatan")}
                    </option>
                    {move || option_list(kecamatans(), kecamatan())}
                </select>
            </div>
        </fieldset>
    }
}

#[component]
fn QueueList(page: QueuePage, on_change: Callback<()>, go_page: Callback<u32>) -> impl IntoView {
    let QueuePage {
        queue,
        items,
        total,
        page: number,
        per_page,
    } = page;
    let pages =
        u32::try_from((total + i64::from(per_page.max(1)) - 1) / i64::from(per_page.max(1)))
            .unwrap_or(1)
            .max(1);
    if items.is_empty() {
        return view! { <p class="empty" data-testid="queue-empty">{tr("console.queue_empty")}</p> }
            .into_any();
    }
    // "Next item" on an item's page follows this page's order.
    super::remember_queue_items(
        items
            .iter()
            .filter_map(|item| Some((item_href(queue, item)?, item_title(queue, item))))
            .collect(),
    );
    let rows = items
        .into_iter()
        .map(|item| view! { <QueueRow queue item on_change /> })
        .collect_view();
    view! {
        <p class="list-count">
            {move || {
                tr_with(
                    lang(),
                    "console.queue_total",
                    &[("count", &lang().number(u64::try_from(total).unwrap_or(0)))],
                )
            }}
        </p>
        <ul class="queue-list" data-testid="queue-list" data-queue=queue.as_str()>{rows}</ul>
        <nav class="pager" aria-label=tr("console.pages")>
            <Show when=move || { number > 1 }>
                <button type="button" class="button button-quiet" on:click=move |_| go_page.run(number - 1)>
                    {tr("console.previous")}
                </button>
            </Show>
            <span>
                {move || {
                    tr_with(
                        lang(),
                        "console.page_of",
                        &[("page", &number.to_string()), ("pages", &pages.to_string())],
                    )
                }}
            </span>
            <Show when=move || { number < pages }>
                <button type="button" class="button button-quiet" on:click=move |_| go_page.run(number + 1)>
                    {tr("console.next")}
                </button>
            </Show>
        </nav>
    }
    .into_any()
}

/// An item's own page in the console (collaborators have none).
fn item_href(queue: Queue, item: &QueueItem) -> Option<String> {
    match queue {
        Queue::Commitments | Queue::Deliveries | Queue::Overdue => {
            item.code.clone().map(|c| Page::ConsoleCommitment(c).href())
        }
        Queue::Locations => Some(Page::ConsoleLocation(item.id).href()),
        Queue::Reports => item.code.clone().map(|c| Page::ConsoleReport(c).href()),
        Queue::Collaborators => None,
    }
}

/// What a queue row is called: a commitment by its code and title.
fn item_title(queue: Queue, item: &QueueItem) -> String {
    match (&item.code, queue) {
        (Some(code), Queue::Commitments | Queue::Deliveries | Queue::Overdue | Queue::Reports) => {
            format!("{code} · {}", item.title)
        }
        _ => item.title.clone(),
    }
}

#[component]
fn QueueRow(queue: Queue, item: QueueItem, on_change: Callback<()>) -> impl IntoView {
    let auth = StaffAuth::get();
    let state = RwSignal::new(Action::Idle);
    let href = item_href(queue, &item);
    let title = item_title(queue, &item);
    let title_view = match href {
        Some(href) => view! { <A href=href attr:class="queue-title">{title}</A> }.into_any(),
        None => view! { <span class="queue-title">{title}</span> }.into_any(),
    };
    let area = item.area.clone();
    let since = item.since;
    let receipt = item.receipt;
    let id = item.id;
    let verify = move |_| {
        let csrf = auth.csrf();
        run_action(
            auth,
            state,
            async move { api::verify_account(id, &csrf).await },
            "console.verified",
            move |()| on_change.run(()),
        );
    };
    view! {
        <li class="queue-item" data-testid="queue-item" data-id=item.id.to_string() data-code=item.code.clone()>
            <div class="queue-main">
                {title_view}
                <p class="meta">
                    {
                        let detail = item.detail.clone();
                        let value = item.value;
                        move || match value {
                            // A report's detail is its kind.
                            None if queue == Queue::Reports => {
                                lang().text(&format!("report.kind.{detail}"))
                            }
                            Some(v) => format!("{detail} · {}", lang().rupiah(v)),
                            None => detail.clone(),
                        }
                    }
                </p>
                <p class="meta">
                    {move || {
                        let l = lang();
                        let mut parts = vec![tr_with(l, "console.since", &[("date", &when(l, since))])];
                        if let Some(a) = &area {
                            parts.push(area_name(areas().as_ref(), l, a));
                        }
                        parts.join(" · ")
                    }}
                </p>
                {receipt
                    .map(|r| {
                        let key = match r {
                            ReceiptStatus::Pending => "console.receipt.pending",
                            ReceiptStatus::Confirmed => "console.receipt.confirmed",
                            ReceiptStatus::Disputed => "console.receipt.disputed",
                        };
                        view! {
                            <span class=format!("receipt-badge receipt-{}", r.as_str()) data-receipt=r.as_str()>
                                {tr(key)}
                            </span>
                        }
                    })}
            </div>
            <Show when=move || queue == Queue::Collaborators>
                <div class="queue-actions">
                    <button
                        type="button"
                        class="button"
                        data-testid="verify-collaborator"
                        aria-disabled=move || state.get().busy().then_some("true")
                        on:click=verify
                    >
                        {tr("console.verify")}
                    </button>
                    <ActionStatus state />
                </div>
            </Show>
        </li>
    }
}
