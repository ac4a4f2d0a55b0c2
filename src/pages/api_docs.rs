//! `/api`: the OpenAPI document the server generates, rendered readably —
//! every endpoint by topic, its parameters, answers and who may call it.

use leptos::prelude::*;
use serde_json::Value;

use crate::api;
use crate::components::status::{LoadError, Loading};
use crate::i18n::{lang, tr};
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
                view! {
                    <tr>
                        <th scope="row"><code>{text(&p["name"])}</code></th>
                        <td>{text(&p["in"])} {required.then(|| view! { " · " {tr("apidocs.required")} })}</td>
                        <td>{text(&p["description"])}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <div class="table-wrap" tabindex="0" role="region" aria-label=move || lang().text("apidocs.parameters")>
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
            </div>
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
                    {text(&r["description"])}
                    {schema.map(|s| view! { " → " <code>{s}</code> })}
                </li>
            }
        })
        .collect_view();
    let method = op.method.to_uppercase();
    view! {
        <section class="operation" data-testid="api-operation">
            <h3>
                <span class=format!("method method-{}", op.method)>{method}</span>
                " "
                <code class="path">{op.path.clone()}</code>
                {secured.then(|| view! { " " <span class="badge badge-lock" data-testid="api-secured">{tr("apidocs.secured")}</span> })}
            </h3>
            <p class="summary">{text(&op.doc["summary"])}</p>
            {(!text(&op.doc["description"]).is_empty()).then(|| view! { <p class="muted">{text(&op.doc["description"])}</p> })}
            {params_view}
            {body_view}
            <ul class="responses">{responses}</ul>
        </section>
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
            Ok(doc) => tags_of(&doc)
                .into_iter()
                .map(|tag| {
                    let ops = operations(&doc, &tag);
                    let key = format!("apidocs.tag_{}", tag.replace(' ', "_"));
                    let title = move || {
                        let text = lang().text(&key);
                        if text == key { tag.clone() } else { text }
                    };
                    view! {
                        <section class="api-tag">
                            <h2>{title}</h2>
                            {ops.into_iter().map(|op| view! { <OperationView op /> }).collect_view()}
                        </section>
                    }
                })
                .collect_view()
                .into_any(),
        })
    };
    view! {
        <article class="page narrow api-page">
            <h1>{tr("apidocs.heading")}</h1>
            <p class="lead">{tr("apidocs.lead")}</p>
            <p>
                <a href="/api/v1/openapi.json" data-testid="openapi-link">{tr("apidocs.raw")}</a>
            </p>
            <Transition fallback=Loading>{body}</Transition>
        </article>
    }
}
