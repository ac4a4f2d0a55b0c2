//! `/api`: the OpenAPI document the server generates, rendered readably —
//! a table of contents, then every endpoint by topic on one line that opens
//! to its parameters, answers and who may call it.

use leptos::prelude::*;
use serde_json::Value;
use wasm_bindgen::JsCast;

use crate::api;
use crate::components::status::{LoadError, Loading};
use crate::i18n::{lang, tr, tr_with};
use crate::set_title;

/// Topics in reading order (the document's `tags`).
const TAGS: [&str; 8] = [
    "places",
    "commitments",
    "deliveries",
    "transparency",
    "open data",
    "accounts",
    "staff",
    "meta",
];

/// The document's tags: the known ones in reading order, then any other
/// (a newer server's), so no operation is ever left out.
fn tags_of(doc: &Value) -> Vec<String> {
    let mut tags: Vec<String> = TAGS.iter().map(|t| (*t).to_owned()).collect();
    let ops = doc["paths"]
        .as_object()
        .into_iter()
        .flat_map(|paths| paths.values())
        .filter_map(Value::as_object)
        .flat_map(|item| item.values());
    for op in ops {
        for tag in op["tags"].as_array().into_iter().flatten() {
            if let Some(tag) = tag.as_str()
                && !tags.iter().any(|t| t == tag)
            {
                tags.push(tag.to_owned());
            }
        }
    }
    tags
}

/// `#/components/schemas/X` → `X`.
fn schema_name(schema: &Value) -> Option<String> {
    schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.rsplit('/').next())
        .map(str::to_owned)
}

struct Operation {
    method: String,
    path: String,
    doc: Value,
}

fn operations(doc: &Value, tag: &str) -> Vec<Operation> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            let tagged = op["tags"]
                .as_array()
                .is_some_and(|t| t.iter().any(|t| t.as_str() == Some(tag)));
            if tagged {
                out.push(Operation {
                    method: method.clone(),
                    path: path.clone(),
                    doc: op.clone(),
                });
            }
        }
    }
    out
}

/// Text with `code` spans (the document's descriptions use backticks).
fn rich(text: &str) -> impl IntoView + use<> {
    text.split('`')
        .enumerate()
        .filter(|(_, part)| !part.is_empty())
        .map(|(i, part)| {
            if i % 2 == 1 {
                view! { <code>{part.to_owned()}</code> }.into_any()
            } else {
                part.to_owned().into_any()
            }
        })
        .collect_view()
}

/// The document's texts are English: marked so, a screen reader pronounces
/// them as such on an Indonesian page.
const DOC_LANG: &str = "en";

#[component]
fn OperationView(op: Operation) -> impl IntoView {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let params = op.doc["parameters"].as_array().cloned().unwrap_or_default();
    let secured = op.doc.get("security").is_some();
    let params_view = (!params.is_empty()).then(|| {
        let rows = params
            .iter()
            .map(|p| {
                let required = p["required"].as_bool().unwrap_or(false);
                let place = format!("apidocs.in_{}", text(&p["in"]));
                view! {
                    <tr>
                        <th scope="row"><code>{text(&p["name"])}</code></th>
                        <td data-label=move || lang().text("apidocs.where")>
                            {move || lang().text(&place)}
                            {required.then(|| view! { " · " {tr("apidocs.required")} })}
                        </td>
                        <td data-label=move || lang().text("apidocs.meaning") lang=DOC_LANG>
                            {rich(&text(&p["description"]))}
                        </td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table class="params">
                <caption class="visually-hidden">{tr("apidocs.parameters")}</caption>
                <thead>
                    <tr>
                        <th scope="col">{tr("apidocs.parameter")}</th>
                        <th scope="col">{tr("apidocs.where")}</th>
                        <th scope="col">{tr("apidocs.meaning")}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        }
    });
    let body = op.doc["requestBody"]["content"]["application/json"]["schema"].clone();
    let body_view = schema_name(&body).map(|name| {
        view! {
            <p>{tr("apidocs.body")} " " <code>{name}</code></p>
        }
    });
    let responses = op.doc["responses"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(status, r)| {
            let schema = r["content"]
                .as_object()
                .and_then(|c| c.values().next())
                .and_then(|m| schema_name(&m["schema"]));
            view! {
                <li>
                    <code class="status-code">{status.clone()}</code>
                    " "
                    <span lang=DOC_LANG>{rich(&text(&r["description"]))}</span>
                    {schema.map(|s| view! { " → " <code>{s}</code> })}
                </li>
            }
        })
        .collect_view();
    let method = op.method.to_uppercase();
    let description = text(&op.doc["description"]);
    // Folded to one line each (method, path, summary): the page is an index
    // first; a line opens to the parameters and answers.
    view! {
        <details class="operation" data-testid="api-operation">
            <summary>
                <span class=format!("method method-{}", op.method)>{method}</span>
                <code class="path">{op.path.clone()}</code>
                {secured.then(|| view! { <span class="badge badge-lock" data-testid="api-secured">{tr("apidocs.secured")}</span> })}
                <span class="summary" lang=DOC_LANG>{rich(&text(&op.doc["summary"]))}</span>
            </summary>
            <div class="operation-body">
                {(!description.is_empty()).then(|| view! { <p class="muted" lang=DOC_LANG>{rich(&description)}</p> })}
                {params_view}
                {body_view}
                <h4>{tr("apidocs.responses")}</h4>
                <ul class="responses">{responses}</ul>
            </div>
        </details>
    }
}

/// A topic's anchor on the page.
fn tag_id(tag: &str) -> String {
    format!("api-{}", tag.replace(' ', "-"))
}

/// A topic's title: translated when known, else as the document names it.
fn tag_title(tag: &str) -> impl Fn() -> String + use<> {
    let key = format!("apidocs.tag_{}", tag.replace(' ', "_"));
    let tag = tag.to_owned();
    move || {
        let text = lang().text(&key);
        if text == key { tag.clone() } else { text }
    }
}

#[component]
pub fn ApiDocsPage() -> impl IntoView {
    Effect::new(move |_| set_title(&lang().text("apidocs.heading")));
    let doc = LocalResource::new(api::openapi);
    let retry = Callback::new(move |()| doc.refetch());
    let body = move || {
        doc.get().map(|r| match r {
            Err(e) => view! { <LoadError failure=e retry /> }.into_any(),
            Ok(doc) => {
                let topics: Vec<(String, Vec<Operation>)> = tags_of(&doc)
                    .into_iter()
                    .map(|tag| {
                        let ops = operations(&doc, &tag);
                        (tag, ops)
                    })
                    .filter(|(_, ops)| !ops.is_empty())
                    .collect();
                let contents = topics
                    .iter()
                    .map(|(tag, ops)| {
                        let count = ops.len();
                        let id = tag_id(tag);
                        view! {
                            <li>
                                <a href=format!("#{id}") on:click=move |ev| jump(&ev, &id)>
                                    {tag_title(tag)}
                                </a>
                                " "
                                <span class="muted">{move || tr_with(lang(), "apidocs.count", &[("count", &count.to_string())])}</span>
                            </li>
                        }
                    })
                    .collect_view();
                let sections = topics
                    .into_iter()
                    .map(|(tag, ops)| {
                        view! {
                            <section class="api-tag" id=tag_id(&tag)>
                                <h2>{tag_title(&tag)}</h2>
                                {ops.into_iter().map(|op| view! { <OperationView op /> }).collect_view()}
                            </section>
                        }
                    })
                    .collect_view();
                view! {
                    <nav class="api-toc" aria-labelledby="api-toc-heading" data-testid="api-toc">
                        <h2 id="api-toc-heading">{tr("apidocs.contents")}</h2>
                        <ol>{contents}</ol>
                    </nav>
                    {sections}
                }
                .into_any()
            }
        })
    };
    view! {
        <article class="page narrow api-page">
            <h1>{tr("apidocs.heading")}</h1>
            <p class="lead">{tr("apidocs.lead")}</p>
            <p>
                <a href="/api/v1/openapi.json" data-testid="openapi-link">{tr("apidocs.raw")}</a>
            </p>
            <p class="hint">{tr("apidocs.language_note")}</p>
            <Transition fallback=Loading>{body}</Transition>
        </article>
    }
}

/// A contents link: to its topic, without the router (a fragment on this
/// page), the keyboard following.
fn jump(ev: &web_sys::MouseEvent, id: &str) {
    let Some(target) = document().get_element_by_id(id) else {
        return;
    };
    ev.prevent_default();
    target.scroll_into_view();
    if let Ok(el) = target.dyn_into::<web_sys::HtmlElement>() {
        let _ = el.set_attribute("tabindex", "-1");
        let _ = el.focus();
    }
}
