//! `/verifikasi`: downloads the whole public log, recomputes every link of
//! its hash chain here in the browser (the same `Verifier` the server's
//! `verify-log` command uses), derives the public totals from it and
//! compares them with the live counters at the same log entry.

use kolaborasi_shared::log::{MAX_PAGE, Mismatch, Problem, Verifier};
use kolaborasi_shared::{LogHead, Totals};
use leptos::prelude::*;

use crate::api::{self, ApiFailure};
use crate::i18n::{Lang, lang, tr, tr_with};
use crate::pages::transparency::total_items;
use crate::set_title;
use crate::witness::{self, HeadLine, Witness, WitnessCheck};
use kolaborasi_shared::SignedHead;

#[derive(Debug, Clone, PartialEq)]
enum Progress {
    Idle,
    Running { done: i64, total: i64 },
    Done(Box<Outcome>),
    Failed(ApiFailure),
}

#[derive(Debug, Clone, PartialEq)]
struct Outcome {
    head: LogHead,
    mismatch: Option<Mismatch>,
    /// Time spent recomputing the chain (not downloading), milliseconds.
    chain_ms: f64,
    /// (from the log, live counters), when both refer to the same entry.
    totals: Option<(Totals, Totals)>,
}

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// Downloads entries after the verifier's head and verifies them.
async fn catch_up(
    verifier: &mut Verifier,
    chain_ms: &mut f64,
    progress: RwSignal<Progress>,
) -> Result<Option<Mismatch>, ApiFailure> {
    loop {
        let page = api::log_page(verifier.head().seq, MAX_PAGE).await?;
        let started = now_ms();
        for e in &page.entries {
            if let Err(m) = verifier.push(e) {
                *chain_ms += now_ms() - started;
                return Ok(Some(m));
            }
        }
        *chain_ms += now_ms() - started;
        progress.set(Progress::Running {
            done: verifier.head().seq,
            total: page.head.seq,
        });
        if page.next_after.is_none() || page.entries.is_empty() {
            return Ok(None);
        }
    }
}

async fn run(progress: RwSignal<Progress>) -> Result<Outcome, ApiFailure> {
    let mut verifier = Verifier::new();
    let mut chain_ms = 0.0;
    progress.set(Progress::Running { done: 0, total: 0 });
    if let Some(m) = catch_up(&mut verifier, &mut chain_ms, progress).await? {
        return Ok(Outcome {
            head: verifier.head(),
            mismatch: Some(m),
            chain_ms,
            totals: None,
        });
    }
    // The counters move while we read: catch up until both refer to the
    // same entry (a few rounds at most on a busy day).
    for _ in 0..5 {
        let stats = api::stats().await?;
        let head = verifier.head().seq;
        if stats.log_seq == head {
            return Ok(Outcome {
                head: verifier.head(),
                mismatch: None,
                chain_ms,
                totals: Some((verifier.totals(), stats.totals)),
            });
        }
        if stats.log_seq > head
            && let Some(m) = catch_up(&mut verifier, &mut chain_ms, progress).await?
        {
            return Ok(Outcome {
                head: verifier.head(),
                mismatch: Some(m),
                chain_ms,
                totals: None,
            });
        }
        if stats.log_seq < head {
            // The live totals lag by a moment; ask again.
            gloo_timers_sleep(300).await;
        }
    }
    Ok(Outcome {
        head: verifier.head(),
        mismatch: None,
        chain_ms,
        totals: None,
    })
}

async fn gloo_timers_sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

fn problem_text(l: Lang, p: Problem) -> String {
    l.text(match p {
        Problem::Sequence => "verify.problem_sequence",
        Problem::Chain => "verify.problem_chain",
        Problem::Hash => "verify.problem_hash",
        Problem::Facts => "verify.problem_facts",
    })
}

#[component]
pub fn VerifyPage() -> impl IntoView {
    Effect::new(move |_| set_title(&lang().text("verify.heading")));
    let progress = RwSignal::new(Progress::Idle);
    let start = move |_| {
        if matches!(progress.get_untracked(), Progress::Running { .. }) {
            return;
        }
        leptos::task::spawn_local(async move {
            let outcome = run(progress).await;
            progress.set(match outcome {
                Ok(o) => Progress::Done(Box::new(o)),
                Err(e) => Progress::Failed(e),
            });
        });
    };
    let running = move || matches!(progress.get(), Progress::Running { .. });
    let status = move || {
        let l = lang();
        match progress.get() {
            Progress::Idle => ().into_any(),
            Progress::Running { done, total } => view! {
                <p class="status" role="status" data-testid="verify-progress">
                    {tr_with(l, "verify.progress", &[
                        ("done", &l.number(u64::try_from(done).unwrap_or(0))),
                        ("total", &l.number(u64::try_from(total).unwrap_or(0))),
                    ])}
                </p>
            }
            .into_any(),
            Progress::Failed(e) => view! {
                <p class="status status-error" role="alert">{e.message(l)}</p>
            }
            .into_any(),
            Progress::Done(o) => view! { <Result outcome=*o /> }.into_any(),
        }
    };
    view! {
        <article class="page narrow verify-page">
            <h1>{tr("verify.heading")}</h1>
            <p class="lead">{tr("verify.lead")}</p>
            <p>{tr("verify.how")}</p>
            <p>
                <button
                    type="button"
                    class="button button-cta"
                    data-testid="verify-start"
                    on:click=start
                    disabled=running
                >
                    {tr("verify.start")}
                </button>
            </p>
            <div aria-live="polite">{status}</div>
            <WitnessSection />
            <h2>{tr("verify.yourself_heading")}</h2>
            <p>{tr("verify.yourself")}</p>
            <ul>
                <li>
                    <a href="/api/v1/log/head">"/api/v1/log/head"</a>
                </li>
                <li>
                    <a href="/api/v1/log/heads">"/api/v1/log/heads"</a>
                </li>
                <li>
                    <a href="/api/v1/log?after=0&limit=1000">"/api/v1/log?after=0&limit=1000"</a>
                </li>
                <li>
                    <code>"kolaborasi-server verify-log"</code>
                </li>
                <li>
                    <code>"kolaborasi-server verify-log --since SEQ:HASH"</code>
                </li>
            </ul>
        </article>
    }
}

/// What the witness section shows of a state: one shape for all of them
/// (each distinct view is code in the wasm).
struct Shown {
    state: &'static str,
    class: &'static str,
    text: String,
    kept: Option<SignedHead>,
    now: Option<SignedHead>,
    accept: bool,
}

fn shown(l: Lang, w: Witness) -> Option<Shown> {
    let count = |n: i64| l.number(u64::try_from(n).unwrap_or(0));
    let plain = |state, key: &str| Shown {
        state,
        class: "",
        text: l.text(key),
        kept: None,
        now: None,
        accept: false,
    };
    Some(match w {
        Witness::Pending => return None,
        Witness::Checking { done, total } => Shown {
            text: tr_with(
                l,
                "witness.checking",
                &[("done", &count(done)), ("total", &count(total))],
            ),
            ..plain("checking", "")
        },
        Witness::Keeps => plain("keeps", "witness.keeps"),
        Witness::Unsupported => plain("unsupported", "witness.unsupported"),
        Witness::Failed(e) => Shown {
            class: "status status-error",
            text: e.message(l),
            ..plain("failed", "")
        },
        Witness::First(head) => Shown {
            kept: Some(head),
            ..plain("first", "witness.first")
        },
        Witness::Extends { from, to } => Shown {
            class: "verify-ok",
            text: if from.seq == to.seq {
                l.text("witness.same")
            } else {
                tr_with(
                    l,
                    "witness.extends",
                    &[("count", &count(to.seq - from.seq))],
                )
            },
            kept: Some(to),
            ..plain("extends", "")
        },
        Witness::Behind { kept, now } => Shown {
            text: tr_with(
                l,
                "witness.behind",
                &[("count", &count(now.seq - kept.seq))],
            ),
            ..plain("behind", "")
        },
        Witness::BadSignature(head) => Shown {
            class: "verify-bad",
            now: Some(head),
            ..plain("bad-signature", "witness.bad_signature")
        },
        Witness::Diverged { kept, now } => Shown {
            class: "verify-bad",
            kept: Some(kept),
            now: Some(now),
            accept: true,
            ..plain("diverged", "witness.diverged_title")
        },
    })
}

/// The signing key, the head this browser keeps, and today's check of it.
#[component]
fn WitnessSection() -> impl IntoView {
    let shared = expect_context::<crate::Shared>();
    let check = expect_context::<WitnessCheck>();
    // Here the visitor asked for the work: no bound on the entries read.
    if !matches!(
        check.state.get_untracked(),
        Witness::Checking { .. } | Witness::First(_) | Witness::Extends { .. } | Witness::Keeps
    ) {
        check.start(None);
    }
    let key = move || shared.config_text(|c| c.log_key);
    let status = move || {
        let l = lang();
        let s = shown(l, check.state.get())?;
        let accept = s.accept.then(|| {
            let now = s.now.clone();
            view! {
                <p>{l.text("witness.accept_hint")}</p>
                <p>
                    <button type="button" class="button" data-testid="witness-accept"
                        on:click=move |_| if let Some(now) = &now { check.accept(now) }>
                        {l.text("witness.accept")}
                    </button>
                </p>
            }
        });
        Some(view! {
            <div class=s.class data-testid="witness-state" data-state=s.state>
                <p class=if s.class.is_empty() { "" } else { "verify-title" }>{s.text}</p>
                {s.kept.map(|head| view! { <p>{l.text("witness.kept")} " " <HeadLine head testid="witness-kept" /></p> })}
                {s.now.filter(|_| s.accept || s.state == "bad-signature").map(|head| view! {
                    <p>{l.text("witness.now")} " " <HeadLine head testid="witness-now" /></p>
                })}
                {accept}
            </div>
        })
    };
    // Read again after each check of this visit.
    let last = move || {
        check.state.track();
        witness::kept().map(|k| k.checked)
    };
    view! {
        <h2>{tr("witness.heading")}</h2>
        <p>{tr("witness.intro")}</p>
        <p>
            {tr("witness.key_label")} " " <code class="hash" data-testid="log-key">{key}</code>
        </p>
        <div aria-live="polite">{status}</div>
        {move || last().map(|at| view! {
            <p class="muted">
                {tr_with(lang(), "witness.last_checked", &[("time", &crate::pages::tracking::local_time(lang(), at))])}
            </p>
        })}
        <p>{tr("witness.meaning")}</p>
        <p>
            <button type="button" class="button" data-testid="witness-check" on:click=move |_| check.start(None)>
                {tr("witness.check_again")}
            </button>
        </p>
    }
}

#[component]
fn Result(outcome: Outcome) -> impl IntoView {
    let l = lang();
    let seconds = format!("{:.1}", outcome.chain_ms / 1000.0)
        .replace('.', if l == Lang::Id { "," } else { "." });
    let ms = format!("{:.0}", outcome.chain_ms);
    let seq = outcome.head.seq.to_string();
    let headline = match &outcome.mismatch {
        None => view! {
            <div class="verify-ok" data-testid="verify-result" data-seq=seq.clone() data-ms=ms.clone() data-ok="true">
                <p class="verify-title">
                    {tr_with(l, "verify.ok", &[("seq", &l.number(u64::try_from(outcome.head.seq).unwrap_or(0)))])}
                </p>
                <p>
                    {l.text("verify.hash")} " " <code class="hash">{outcome.head.hash.clone()}</code>
                </p>
                <p class="muted">{tr_with(l, "verify.time", &[("seconds", &seconds)])}</p>
            </div>
        }
        .into_any(),
        Some(m) => view! {
            <div class="verify-bad" data-testid="verify-result" data-seq=seq.clone() data-ms=ms.clone() data-ok="false" role="alert">
                <p class="verify-title">
                    {tr_with(l, "verify.mismatch", &[
                        ("seq", &m.seq.to_string()),
                        ("position", &m.position.to_string()),
                        ("problem", &problem_text(l, m.problem)),
                    ])}
                </p>
                <p>
                    {tr_with(l, "verify.verified_before", &[("seq", &outcome.head.seq.to_string())])}
                </p>
            </div>
        }
        .into_any(),
    };
    let totals = match &outcome.totals {
        None if outcome.mismatch.is_none() => view! {
            <p class="muted">{l.text("verify.totals_moving")}</p>
        }
        .into_any(),
        None => ().into_any(),
        Some((from_log, counters)) => {
            let logged = total_items(l, from_log);
            let live = total_items(l, counters);
            let all_match = from_log == counters;
            let rows = logged
                .into_iter()
                .zip(live)
                .map(|((id, key, a), (_, _, b))| {
                    let same = a == b;
                    view! {
                        <tr data-testid=format!("verify-row-{id}") data-match=same.to_string()>
                            <th scope="row">{l.text(key)}</th>
                            <td>{if same { l.text("verify.equal") } else { l.text("verify.differs") }}</td>
                            <td class="num">{a}</td>
                            <td class="num">{b}</td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <h2>{l.text("verify.totals_heading")}</h2>
                <p>{if all_match { l.text("verify.totals_match") } else { l.text("verify.totals_differ") }}</p>
                <div class="table-wrap" tabindex="0" role="region" aria-label=l.text("verify.totals_heading")>
                    <table data-testid="verify-totals">
                        <caption class="visually-hidden">{l.text("verify.totals_heading")}</caption>
                        <thead>
                            <tr>
                                <th scope="col">{l.text("verify.col_total")}</th>
                                // The verdict first: on a phone the amounts scroll sideways.
                                <th scope="col">{l.text("verify.col_check")}</th>
                                <th scope="col" class="num">{l.text("verify.col_log")}</th>
                                <th scope="col" class="num">{l.text("verify.col_live")}</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            }
            .into_any()
        }
    };
    view! { {headline} {totals} }
}
