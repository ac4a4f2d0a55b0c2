//! `GET /api/v1/openapi.json`: an OpenAPI 3.1 description of the API. The
//! operation table is here; every request and response schema is generated
//! by schemars from the wire types the client and server actually use, so
//! the document cannot drift from the code's types.

use std::sync::LazyLock;

use axum::Router;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use kolaborasi_shared::{
    API_PREFIX, Account, AreaTree, Breakdowns, CancelRequest, ClientConfig, CollaboratorDirectory,
    CommitmentList, CommitmentPrivate, CommitmentReceipt, CommitmentView, ConfirmRequest,
    Credentials, ErrorBody, IDEMPOTENCY_HEADER, LocationDetail, LocationList, LocationPoints,
    LogPage, MANAGE_TOKEN_HEADER, NewCommitment, ProgramList, Registration, RegistrationSent,
    SignedHead, Stats,
};
use kolaborasi_shared::{
    AuditPage, CSRF_HEADER, DeliveryReport, Evidence, LocationInput, NewCorrection, NewPackage,
    NewProgram, NewStaff, Package, PlaceDeliveries, Program, QueueCounts, QueuePage, ReceiptAnswer,
    ReceiptRequest, ReceiptSlip, StaffChange, StaffCommitment, StaffCredentials, StaffList,
    StaffLocation, StaffMember, StaffSession,
};
use kolaborasi_shared::{NewReport, PlaceReports, ReportAction, ReportView, StaffReport};
use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, SchemaGenerator};
use serde_json::{Map, Value, json};

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/openapi.json", get(document))
}

async fn document() -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        DOCUMENT.as_str(),
    )
        .into_response()
}

static DOCUMENT: LazyLock<String> =
    LazyLock::new(|| serde_json::to_string(&build()).unwrap_or_default());

/// Who may call an operation.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Access {
    Public,
    /// The collaborator's session cookie.
    Session,
    /// The manage token header, or the owner's session cookie.
    TokenOrSession,
    /// A staff session; state-changing methods also need the CSRF header.
    Staff,
    /// The manage token, the owner's session, or a staff session (with CSRF).
    TokenSessionOrStaff,
}

struct Op {
    method: &'static str,
    path: &'static str,
    tag: &'static str,
    summary: &'static str,
    description: &'static str,
    params: Vec<Value>,
    body: Option<Value>,
    /// (status, description, media type, schema)
    responses: Vec<(u16, &'static str, &'static str, Option<Value>)>,
    access: Access,
}

fn query(name: &str, description: &str, schema: Value) -> Value {
    json!({ "name": name, "in": "query", "required": false, "description": description, "schema": schema })
}

fn path_param(name: &str, description: &str, schema: Value) -> Value {
    json!({ "name": name, "in": "path", "required": true, "description": description, "schema": schema })
}

const JSON: &str = "application/json";

/// The error envelope, for the usual failures.
fn errors(
    g: &mut SchemaGenerator,
    codes: &[(u16, &'static str)],
) -> Vec<(u16, &'static str, &'static str, Option<Value>)> {
    let envelope = schema::<ErrorBody>(g);
    codes
        .iter()
        .map(|(c, d)| (*c, *d, JSON, Some(envelope.clone())))
        .collect()
}

fn schema<T: JsonSchema>(g: &mut SchemaGenerator) -> Value {
    g.subschema_for::<T>().to_value()
}

#[allow(clippy::too_many_lines)]
fn operations(g: &mut SchemaGenerator) -> Vec<Op> {
    let text = json!({ "type": "string" });
    let code = path_param(
        "code",
        "Tracking code, `XXXX-XXXX` (case, dashes and O/0, I/L/1 are forgiven).",
        text.clone(),
    );
    let date = json!({ "type": "string", "format": "date" });
    let export_filters = |commitments: bool, csv: bool| {
        let mut p = vec![
            query("program", "Program slug, e.g. `ksbb-pangan`.", text.clone()),
            query(
                "area",
                "Area code of any level, e.g. `31.71` (kota) or `31.71.01.1001` (kelurahan).",
                text.clone(),
            ),
        ];
        if commitments {
            p.push(query(
                "from",
                "First creation date (UTC), inclusive.",
                date.clone(),
            ));
            p.push(query(
                "to",
                "Last creation date (UTC), inclusive.",
                date.clone(),
            ));
        }
        if csv {
            p.push(query(
                "hxl",
                "`1`: add a row of HXL hashtags under the header.",
                json!({ "type": "string", "enum": ["0", "1"] }),
            ));
        }
        p
    };
    let bad = errors(g, &[(400, "A parameter is invalid; `field` names it.")]);
    // The list's filters, which its points share.
    let location_filters = vec![
        query(
            "category",
            "One or more categories, comma-separated or repeated.",
            text.clone(),
        ),
        query("area", "Area code of any level.", text.clone()),
        query(
            "bbox",
            "`minLon,minLat,maxLon,maxLat` in degrees.",
            text.clone(),
        ),
    ];
    let not_found = errors(g, &[(404, "No such resource.")]);
    let mut ops = vec![
        Op {
            method: "get", path: "/config", tag: "meta", summary: "Deployment settings for the client",
            description: "Map tiles and view, region, data sources and licences, commitment expiry.",
            params: vec![], body: None, access: Access::Public,
            responses: vec![(200, "Settings.", JSON, Some(schema::<ClientConfig>(g)))],
        },
        Op {
            method: "get", path: "/openapi.json", tag: "meta", summary: "This document",
            description: "OpenAPI 3.1; schemas are generated from the shared wire types.",
            params: vec![], body: None, access: Access::Public,
            responses: vec![(200, "The document.", JSON, None)],
        },
        Op {
            method: "get", path: "/areas", tag: "places", summary: "Administrative areas",
            description: "Province → kota → kecamatan → kelurahan, with official codes. Supports `If-None-Match`.",
            params: vec![], body: None, access: Access::Public,
            responses: vec![(200, "The area tree.", JSON, Some(schema::<AreaTree>(g)))],
        },
        Op {
            method: "get", path: "/programs", tag: "places", summary: "Programs and standard packages",
            description: "The aid catalogue with reference values in whole Rupiah.",
            params: vec![], body: None, access: Access::Public,
            responses: vec![(200, "The catalogue.", JSON, Some(schema::<ProgramList>(g)))],
        },
        Op {
            method: "get", path: "/locations", tag: "places", summary: "Places that can receive help",
            description: "Active locations with what they still need, what they received and the day of their latest delivery. Supports `If-None-Match`.",
            params: location_filters.clone(),
            body: None, access: Access::Public,
            responses: [vec![(200, "Matching locations.", JSON, Some(schema::<LocationList>(g)))], bad.clone()].concat(),
        },
        Op {
            method: "get", path: "/locations/points", tag: "places", summary: "The same places as the map draws them",
            description: "What `/locations` answers for the same filters, reduced to what a map draws (position, category, share still open, open reports) and written in columns: about a tenth of the bytes. Ids and coordinates are differences to the entry before; coordinates are whole units of `1/scale` degree. Supports `If-None-Match`.",
            params: location_filters.clone(),
            body: None, access: Access::Public,
            responses: [vec![(200, "Matching locations, in columns.", JSON, Some(schema::<LocationPoints>(g)))], bad.clone()].concat(),
        },
        Op {
            method: "get", path: "/locations/{id}", tag: "places", summary: "One location and its needs",
            description: "Public facts only; the contact person is never included.",
            params: vec![path_param("id", "Location id.", json!({ "type": "integer" }))],
            body: None, access: Access::Public,
            responses: [vec![(200, "The location.", JSON, Some(schema::<LocationDetail>(g)))], not_found.clone()].concat(),
        },
        Op {
            method: "post", path: "/commitments", tag: "commitments", summary: "Commit packages to a location",
            description: "Reserves the quantities in one transaction or reserves nothing. Requires an `Idempotency-Key` header: a retry with the same key and body returns the original commitment (200, `Idempotent-Replayed: true`).",
            params: vec![json!({ "name": IDEMPOTENCY_HEADER, "in": "header", "required": true, "description": "A unique key per intended commitment (16–100 characters).", "schema": text.clone() })],
            body: Some(schema::<NewCommitment>(g)), access: Access::Public,
            responses: [
                vec![
                    (201, "Committed; keep the manage token.", JSON, Some(schema::<CommitmentReceipt>(g))),
                    (200, "A replay of an earlier request with the same key.", JSON, Some(schema::<CommitmentReceipt>(g))),
                ],
                errors(g, &[
                    (400, "Invalid fields; `fields` lists each."),
                    (409, "Not enough remains (`remaining` says how much), or the location is inactive."),
                    (413, "The body is too large."),
                    (415, "The body is not JSON."),
                    (422, "The idempotency key was used for another request."),
                ]),
            ].concat(),
        },
        Op {
            method: "get", path: "/commitments/{code}", tag: "commitments", summary: "A commitment's public report",
            description: "Who (only with consent, otherwise anonymous), where, what, when, status and its history in the public log. Never contact data.",
            params: vec![code.clone()], body: None, access: Access::Public,
            responses: [vec![(200, "The report.", JSON, Some(schema::<CommitmentView>(g)))], not_found.clone()].concat(),
        },
        Op {
            method: "get", path: "/commitments/{code}/private", tag: "commitments", summary: "A commitment with its contact details",
            description: "For the holder of the manage token (header) or the signed-in owner.",
            params: vec![code.clone(), json!({ "name": MANAGE_TOKEN_HEADER, "in": "header", "required": false, "schema": text.clone() })],
            body: None, access: Access::TokenOrSession,
            responses: [vec![(200, "The private view.", JSON, Some(schema::<CommitmentPrivate>(g)))], errors(g, &[(403, "Wrong or missing token."), (404, "No such commitment.")])].concat(),
        },
        Op {
            method: "post", path: "/commitments/{code}/cancel", tag: "commitments", summary: "Cancel an open commitment",
            description: "Returns the reserved quantities at once; logged publicly.",
            params: vec![code.clone()], body: Some(schema::<CancelRequest>(g)), access: Access::TokenOrSession,
            responses: [vec![(200, "Cancelled.", JSON, Some(schema::<CommitmentView>(g)))], errors(g, &[(403, "Wrong or missing token."), (409, "Not open any more.")])].concat(),
        },
        Op {
            method: "post", path: "/commitments/{code}/confirm", tag: "commitments", summary: "Confirm a commitment's contact",
            description: "With the token of the link e-mailed to the contact. Until then a commitment holds its quantities for a few hours only (`unconfirmed_hold_hours` in `/config`); confirmed, for the full period. Works once.",
            params: vec![code.clone()], body: Some(schema::<ConfirmRequest>(g)), access: Access::Public,
            responses: [vec![(200, "Confirmed.", JSON, Some(schema::<CommitmentView>(g)))], errors(g, &[(403, "Not this commitment's token."), (404, "No such commitment."), (409, "Confirmed already, or not open any more.")])].concat(),
        },
        Op {
            method: "post", path: "/account", tag: "accounts", summary: "Register a collaborator account",
            description: "Optional: commitments work without one. Answers the same whether or not the address has an account: an activation link goes to a new address, a note to the owner of a taken one.",
            params: vec![], body: Some(schema::<Registration>(g)), access: Access::Public,
            responses: [vec![(202, "A message went to the address.", JSON, Some(schema::<RegistrationSent>(g)))], errors(g, &[(400, "Invalid fields.")])].concat(),
        },
        Op {
            method: "post", path: "/account/confirm", tag: "accounts", summary: "Activate an account",
            description: "With the token of the e-mailed activation link: confirms the address and signs in (sets the session cookie). Works once.",
            params: vec![], body: Some(schema::<ConfirmRequest>(g)), access: Access::Public,
            responses: [vec![(200, "Confirmed and signed in.", JSON, Some(schema::<Account>(g)))], errors(g, &[(403, "Not a valid link."), (409, "Confirmed already.")])].concat(),
        },
        Op {
            method: "get", path: "/session", tag: "accounts", summary: "The signed-in account",
            description: "", params: vec![], body: None, access: Access::Session,
            responses: vec![(200, "The account.", JSON, Some(schema::<Account>(g))), (204, "Nobody is signed in.", JSON, None)],
        },
        Op {
            method: "post", path: "/session", tag: "accounts", summary: "Sign in",
            description: "Sets an HttpOnly, SameSite=Strict session cookie. Five wrong passwords for an address from one client (fifty for any address) in 15 minutes answer 429 with `Retry-After`; an address failing from everywhere waits a growing delay, at most a minute. An account not activated yet answers 403.",
            params: vec![], body: Some(schema::<Credentials>(g)), access: Access::Public,
            responses: [vec![(200, "Signed in.", JSON, Some(schema::<Account>(g)))], errors(g, &[(401, "Wrong address or password."), (429, "Too many failures.")])].concat(),
        },
        Op {
            method: "delete", path: "/session", tag: "accounts", summary: "Sign out",
            description: "Ends the session on the server.", params: vec![], body: None, access: Access::Session,
            responses: vec![(204, "Signed out.", JSON, None)],
        },
        Op {
            method: "get", path: "/account/commitments", tag: "accounts", summary: "My commitments",
            description: "", params: vec![], body: None, access: Access::Session,
            responses: [vec![(200, "Newest first.", JSON, Some(schema::<CommitmentList>(g)))], errors(g, &[(401, "Not signed in.")])].concat(),
        },
        Op {
            method: "get", path: "/stats", tag: "transparency", summary: "Public totals",
            description: "Counting commitments are open or delivered ones; `log_seq` is the last log entry included.",
            params: vec![], body: None, access: Access::Public,
            responses: vec![(200, "The totals.", JSON, Some(schema::<Stats>(g)))],
        },
        Op {
            method: "get", path: "/stats/stream", tag: "transparency", summary: "Public totals, live",
            description: "Server-sent events: `event: stats`, `id: <log_seq>`, `data: <Stats>` at once and after every change. Each event replaces the previous totals.",
            params: vec![], body: None, access: Access::Public,
            responses: vec![(200, "An endless event stream; each `data` is a Stats object.", "text/event-stream", Some(schema::<Stats>(g)))],
        },
        Op {
            method: "get", path: "/stats/breakdowns", tag: "transparency", summary: "Totals by program, package, category, kota and day",
            description: "Supports `If-None-Match`.", params: vec![], body: None, access: Access::Public,
            responses: vec![(200, "The breakdowns.", JSON, Some(schema::<Breakdowns>(g)))],
        },
        Op {
            method: "get", path: "/collaborators", tag: "transparency", summary: "Collaborator directory",
            description: "Names only of collaborators who consented; everyone else is summed as anonymous.",
            params: vec![
                query("page", "From 1.", json!({ "type": "integer", "minimum": 1 })),
                query("per_page", "1–200, default 50.", json!({ "type": "integer", "minimum": 1, "maximum": 200 })),
                query("kind", "`company`, `organisation`, `individual` or `aggregator`.", text.clone()),
            ],
            body: None, access: Access::Public,
            responses: [vec![(200, "One page.", JSON, Some(schema::<CollaboratorDirectory>(g)))], bad.clone()].concat(),
        },
        Op {
            method: "get", path: "/log", tag: "transparency", summary: "The public log, paged",
            description: "Entries with `seq > after`, in order. Each entry's `hash` is the SHA-256 of its canonical form and `prev` the previous entry's hash; see /verifikasi.",
            params: vec![
                query("after", "Sequence number to start after (0 for the beginning).", json!({ "type": "integer", "minimum": 0 })),
                query("limit", "1–5000, default 1000.", json!({ "type": "integer", "minimum": 1, "maximum": 5000 })),
            ],
            body: None, access: Access::Public,
            responses: [vec![(200, "One page.", JSON, Some(schema::<LogPage>(g)))], bad.clone()].concat(),
        },
        Op {
            method: "get", path: "/log/head", tag: "transparency", summary: "The newest log entry, signed",
            description: "Sequence number, hash, signing time, the deployment's Ed25519 public key (as in `/config`) and its signature (hex) of the text `kolaborasi-log-head/v1\\n{seq}\\n{hash}\\n{at}\\n`. Keep it: later, the entries after `seq` must chain to `hash` (`kolaborasi-server verify-log --since SEQ:HASH`); a log that does not was rewritten.",
            params: vec![], body: None, access: Access::Public,
            responses: vec![(200, "The signed head.", JSON, Some(schema::<SignedHead>(g)))],
        },
        Op {
            method: "get", path: "/log/heads", tag: "transparency", summary: "Daily signed heads",
            description: "One signed head per day (UTC), oldest first, one JSON object per line; the file only grows. Mirror it to witness the log.",
            params: vec![], body: None, access: Access::Public,
            responses: vec![(200, "JSON Lines of signed heads.", "application/x-ndjson", Some(schema::<SignedHead>(g)))],
        },
    ];
    ops.extend(delivery_operations(g, &code));
    ops.extend(staff_operations(g, &code));
    ops.extend(report_operations(g, &code));
    for (path, summary, media, commitments, csv) in [
        (
            "/export/commitments.csv",
            "Commitments as CSV (one row per package line)",
            "text/csv",
            true,
            true,
        ),
        (
            "/export/commitments.json",
            "Commitments as JSON",
            JSON,
            true,
            false,
        ),
        (
            "/export/locations.csv",
            "Locations with needs as CSV (one row per need)",
            "text/csv",
            false,
            true,
        ),
        (
            "/export/locations.geojson",
            "Locations with needs as GeoJSON",
            "application/geo+json",
            false,
            false,
        ),
    ] {
        ops.push(Op {
            method: "get",
            path,
            tag: "open data",
            summary,
            description: "Streamed; public facts only (a collaborator's name only with consent). The `Kolaborasi-Log-Head` response header carries the log's signed head (JSON, as `/log/head`) when the download began.",
            params: export_filters(commitments, csv),
            body: None,
            access: Access::Public,
            responses: [vec![(200, "The file.", media, None)], bad.clone()].concat(),
        });
    }
    ops
}

#[allow(clippy::too_many_lines)]
fn delivery_operations(g: &mut SchemaGenerator, code: &Value) -> Vec<Op> {
    let text = json!({ "type": "string" });
    let confirm = path_param(
        "code",
        "The place's one-time confirmation code, `XXXX-XXXX`.",
        text.clone(),
    );
    let token = json!({ "name": MANAGE_TOKEN_HEADER, "in": "header", "required": false, "schema": text.clone() });
    vec![
        Op {
            method: "post",
            path: "/commitments/{code}/evidence",
            tag: "deliveries",
            summary: "Upload a delivery photo or handover document",
            description: "The raw file as the body (JPEG, PNG or PDF, at most 8 MiB). The type is judged by content, never by name; location metadata (EXIF, PNG text) is removed; the file is stored under the SHA-256 of what remains. Pass the returned id in the delivery report.",
            params: vec![code.clone(), token],
            body: None,
            access: Access::TokenSessionOrStaff,
            responses: [
                vec![(201, "Stored.", JSON, Some(schema::<Evidence>(g)))],
                errors(
                    g,
                    &[
                        (400, "The file is cut short or damaged."),
                        (403, "Wrong token, or staff outside their area."),
                        (
                            409,
                            "The commitment is not open, or too many files were uploaded.",
                        ),
                        (413, "Larger than 8 MiB."),
                        (415, "Not a JPEG, PNG or PDF."),
                    ],
                ),
            ]
            .concat(),
        },
        Op {
            method: "post",
            path: "/commitments/{code}/delivery",
            tag: "deliveries",
            summary: "Report a delivery",
            description: "Date, quantity handed over per committed line (what was not delivered returns to the pool), at least one photo and one handover document. Answers with the place's one-time confirmation code and its QR code; shown once. Logged publicly.",
            params: vec![code.clone()],
            body: Some(schema::<DeliveryReport>(g)),
            access: Access::TokenSessionOrStaff,
            responses: [
                vec![(201, "Reported.", JSON, Some(schema::<ReceiptSlip>(g)))],
                errors(
                    g,
                    &[
                        (400, "Invalid fields; `fields` lists each."),
                        (403, "Wrong token, or staff outside their area."),
                        (409, "The commitment is not open."),
                    ],
                ),
            ]
            .concat(),
        },
        Op {
            method: "get",
            path: "/locations/{id}/deliveries",
            tag: "deliveries",
            summary: "What was delivered at a place",
            description: "The latest 50 deliveries, newest first, each with who reported it, whether the place confirmed or disputed it and whether staff verified it. Public facts only.",
            params: vec![path_param(
                "id",
                "Location id.",
                json!({ "type": "integer" }),
            )],
            body: None,
            access: Access::Public,
            responses: [
                vec![(
                    200,
                    "The deliveries.",
                    JSON,
                    Some(schema::<PlaceDeliveries>(g)),
                )],
                errors(g, &[(404, "No such location.")]),
            ]
            .concat(),
        },
        Op {
            method: "get",
            path: "/evidence/{id}",
            tag: "deliveries",
            summary: "A delivery photo or document",
            description: "Photos attached to a delivery are public; documents and unattached uploads only for staff. Served with `Content-Security-Policy: sandbox` and `nosniff`.",
            params: vec![path_param(
                "id",
                "SHA-256 of the stored file (64 hex digits).",
                text.clone(),
            )],
            body: None,
            access: Access::Public,
            responses: [
                vec![(200, "The file.", "image/jpeg", None)],
                errors(g, &[(404, "No such file, or not public.")]),
            ]
            .concat(),
        },
        Op {
            method: "get",
            path: "/receipts/{code}",
            tag: "deliveries",
            summary: "What the place is asked to confirm",
            description: "No account needed: the code is the key. Unknown, used or expired codes answer 404; ten wrong codes from one address in 15 minutes answer 429 (on a `--kiosk-network`, ten per kiosk device cookie and a hundred per address).",
            params: vec![confirm.clone()],
            body: None,
            access: Access::Public,
            responses: [
                vec![(
                    200,
                    "The delivery to confirm.",
                    JSON,
                    Some(schema::<ReceiptRequest>(g)),
                )],
                errors(
                    g,
                    &[
                        (404, "Unknown, used or expired code."),
                        (429, "Too many wrong codes."),
                    ],
                ),
            ]
            .concat(),
        },
        Op {
            method: "post",
            path: "/receipts/{code}",
            tag: "deliveries",
            summary: "Confirm or dispute a delivery",
            description: "Per line: received in good order and damaged. A dispute needs a comment (seen by staff only). Single use; logged publicly without the comment.",
            params: vec![confirm],
            body: Some(schema::<ReceiptAnswer>(g)),
            access: Access::Public,
            responses: [
                vec![(
                    200,
                    "Recorded; the public report.",
                    JSON,
                    Some(schema::<CommitmentView>(g)),
                )],
                errors(
                    g,
                    &[
                        (400, "Invalid fields."),
                        (404, "Unknown, used or expired code."),
                        (429, "Too many wrong codes."),
                    ],
                ),
            ]
            .concat(),
        },
    ]
}

#[allow(clippy::too_many_lines)]
fn report_operations(g: &mut SchemaGenerator, code: &Value) -> Vec<Op> {
    vec![
        Op {
            method: "post",
            path: "/reports",
            tag: "reports",
            summary: "Report a problem at a place",
            description: "No account needed. Kinds: aid promised here has not arrived, the place's information is wrong, something else, or `new_place`: a place in need that is not on the map (no `location_id`; `place` with its name, category, kelurahan code and, optionally, position). An optional photo (JPEG or PNG, base64, at most 2 MiB) is checked by its bytes, stripped of metadata that can carry a location, and shown to staff only. The description (10–2,000 characters) and the optional contact (an e-mail address or an Indonesian phone number) are read only by staff; the answer is the report's public view with its tracking code. A report about a place and kind that already has an open report joins it. Ten reports per client network and hour, thirty per place and hour. Logged publicly (kind and place only). With an `Idempotency-Key`, sending the same report again answers 200 with the first report (a different report with the same key: 422).",
            params: vec![
                json!({ "name": IDEMPOTENCY_HEADER, "in": "header", "required": false, "description": "8–128 characters of `A–Z a–z 0–9 - _ . :`; makes a retry safe.", "schema": { "type": "string", "minLength": 8, "maxLength": 128, "pattern": "^[A-Za-z0-9._:-]{8,128}$" } }),
            ],
            body: Some(schema::<NewReport>(g)),
            access: Access::Public,
            responses: [
                vec![
                    (
                        201,
                        "Filed; keep the code.",
                        JSON,
                        Some(schema::<ReportView>(g)),
                    ),
                    (
                        200,
                        "Sent again with its key: the first report.",
                        JSON,
                        Some(schema::<ReportView>(g)),
                    ),
                ],
                errors(
                    g,
                    &[
                        (
                            400,
                            "Invalid fields (`fields` lists each: a photo that is no JPEG or PNG, cut short, too large, or without room in the upload quota), or an unknown place.",
                        ),
                        (413, "Larger than a report with a 2 MiB photo."),
                        (415, "Not JSON."),
                        (422, "The key was used for another report."),
                        (
                            429,
                            "Too many reports from this network, or about this place; or too many photos arriving at once (come back after `Retry-After`).",
                        ),
                    ],
                ),
            ]
            .concat(),
        },
        Op {
            method: "get",
            path: "/reports/{code}",
            tag: "reports",
            summary: "Where a report stands",
            description: "Its kind, place and state (received, checking, resolved, declined) and staff's public answer. Never what the reporter typed.",
            params: vec![code.clone()],
            body: None,
            access: Access::Public,
            responses: [
                vec![(200, "The report.", JSON, Some(schema::<ReportView>(g)))],
                errors(
                    g,
                    &[(400, "Not a tracking code."), (404, "No such report.")],
                ),
            ]
            .concat(),
        },
        Op {
            method: "get",
            path: "/locations/{id}/reports",
            tag: "reports",
            summary: "Residents' reports about a place",
            description: "Open reports counted by kind (a group of duplicates counts once) and the latest 20 answered ones with staff's public answers.",
            params: vec![path_param(
                "id",
                "Location id.",
                json!({ "type": "integer" }),
            )],
            body: None,
            access: Access::Public,
            responses: [
                vec![(200, "The reports.", JSON, Some(schema::<PlaceReports>(g)))],
                errors(g, &[(400, "Not an id."), (404, "No such location.")]),
            ]
            .concat(),
        },
        Op {
            method: "get",
            path: "/staff/reports/{code}",
            tag: "staff",
            summary: "A report with what its reporter wrote",
            description: "With the description and contact of the report and of every report grouped with it. Staff whose area covers the place.",
            params: vec![code.clone()],
            body: None,
            access: Access::Staff,
            responses: [
                vec![(200, "The report.", JSON, Some(schema::<StaffReport>(g)))],
                errors(
                    g,
                    &[
                        (400, "Not a tracking code."),
                        (401, "Not signed in as staff."),
                        (403, "Outside the operator's area."),
                        (404, "No such report."),
                    ],
                ),
            ]
            .concat(),
        },
        Op {
            method: "post",
            path: "/staff/reports/{code}",
            tag: "staff",
            summary: "Answer a report",
            description: "Checking, resolved or declined; the last two with a public answer (at most 1,000 characters), optionally linking a commitment at the same place. The whole group follows. Resolving an \"aid has not arrived\" report linked to a commitment marks that commitment's delivery as disputed (logged as `delivery_disputed`). Admins and operators in their area; audited and logged publicly.",
            params: vec![code.clone()],
            body: Some(schema::<ReportAction>(g)),
            access: Access::Staff,
            responses: [
                vec![(
                    200,
                    "The report as it now is.",
                    JSON,
                    Some(schema::<StaffReport>(g)),
                )],
                errors(
                    g,
                    &[
                        (400, "Invalid fields."),
                        (401, "Not signed in as staff."),
                        (403, "Not an operator of the area, or no CSRF token."),
                        (404, "No such report."),
                        (409, "Already answered, or part of another report's group."),
                    ],
                ),
            ]
            .concat(),
        },
        Op {
            method: "get",
            path: "/staff/reports/{code}/photo",
            tag: "staff",
            summary: "A report's photo",
            description: "The photo sent with the report, without its metadata (JPEG or PNG). Staff whose area covers the report; never cached.",
            params: vec![code.clone()],
            body: None,
            access: Access::Staff,
            responses: [
                vec![(200, "The photo.", "image/jpeg", None)],
                errors(
                    g,
                    &[
                        (400, "Not a tracking code."),
                        (401, "Not signed in as staff."),
                        (403, "Outside the operator's area."),
                        (404, "No such report, or it came without a photo."),
                    ],
                ),
            ]
            .concat(),
        },
    ]
}

#[allow(clippy::too_many_lines)]
fn staff_operations(g: &mut SchemaGenerator, code: &Value) -> Vec<Op> {
    let id = path_param("id", "Numeric id.", json!({ "type": "integer" }));
    let denied = errors(
        g,
        &[
            (401, "No staff session."),
            (
                403,
                "Missing CSRF header, the role does not allow it, or the place is outside the operator's area.",
            ),
        ],
    );
    let with = |mut v: Vec<(u16, &'static str, &'static str, Option<Value>)>,
                extra: &[(u16, &'static str, &'static str, Option<Value>)]| {
        v.extend_from_slice(extra);
        v
    };
    let not_found = errors(g, &[(404, "No such resource.")]);
    let conflict = errors(
        g,
        &[(
            409,
            "Not in a state that allows it (e.g. already verified).",
        )],
    );
    let bad = errors(g, &[(400, "Invalid fields; `fields` lists each.")]);
    let view = schema::<CommitmentView>(g);
    let loc = schema::<StaffLocation>(g);
    vec![
        Op {
            method: "post",
            path: "/staff/session",
            tag: "staff",
            summary: "Staff sign-in",
            description: "Sets the HttpOnly, SameSite=Strict staff cookie and returns the CSRF token to send in the `Kolaborasi-Csrf` header on every state-changing staff request. Five failures per address in 15 minutes answer 429.",
            params: vec![],
            body: Some(schema::<StaffCredentials>(g)),
            access: Access::Public,
            responses: [
                vec![(200, "Signed in.", JSON, Some(schema::<StaffSession>(g)))],
                errors(
                    g,
                    &[
                        (401, "Wrong address or password."),
                        (429, "Too many failures."),
                    ],
                ),
            ]
            .concat(),
        },
        Op {
            method: "get",
            path: "/staff/session",
            tag: "staff",
            summary: "The signed-in staff member and CSRF token",
            description: "",
            params: vec![],
            body: None,
            access: Access::Staff,
            responses: with(
                vec![(200, "The session.", JSON, Some(schema::<StaffSession>(g)))],
                &denied,
            ),
        },
        Op {
            method: "delete",
            path: "/staff/session",
            tag: "staff",
            summary: "Staff sign-out",
            description: "",
            params: vec![],
            body: None,
            access: Access::Staff,
            responses: with(vec![(204, "Signed out.", JSON, None)], &denied),
        },
        Op {
            method: "post",
            path: "/staff/session/everywhere",
            tag: "staff",
            summary: "Sign out on every device",
            description: "Ends all of this staff member's sessions.",
            params: vec![],
            body: None,
            access: Access::Staff,
            responses: with(vec![(204, "Signed out everywhere.", JSON, None)], &denied),
        },
        Op {
            method: "get",
            path: "/staff/queues",
            tag: "staff",
            summary: "Queue counts",
            description: "Within the operator's area; the collaborator queue is for admins and verifiers.",
            params: vec![],
            body: None,
            access: Access::Staff,
            responses: with(
                vec![(200, "Counts.", JSON, Some(schema::<QueueCounts>(g)))],
                &denied,
            ),
        },
        Op {
            method: "get",
            path: "/staff/queues/{queue}",
            tag: "staff",
            summary: "One queue, paged",
            description: "`commitments`, `deliveries` (disputes first), `overdue`, `reports` (unread first), `locations` or `collaborators`.",
            params: vec![
                path_param("queue", "Queue name.", json!({ "type": "string" })),
                query(
                    "area",
                    "Area code of any level.",
                    json!({ "type": "string" }),
                ),
                query(
                    "page",
                    "From 1.",
                    json!({ "type": "integer", "minimum": 1 }),
                ),
                query(
                    "per_page",
                    "1–100, default 20.",
                    json!({ "type": "integer", "minimum": 1, "maximum": 100 }),
                ),
            ],
            body: None,
            access: Access::Staff,
            responses: with(
                [
                    vec![(200, "One page.", JSON, Some(schema::<QueuePage>(g)))],
                    bad.clone(),
                ]
                .concat(),
                &denied,
            ),
        },
        Op {
            method: "get",
            path: "/staff/commitments/{code}",
            tag: "staff",
            summary: "A commitment with contact data and the dispute comment",
            description: "",
            params: vec![code.clone()],
            body: None,
            access: Access::Staff,
            responses: with(
                [
                    vec![(
                        200,
                        "The commitment.",
                        JSON,
                        Some(schema::<StaffCommitment>(g)),
                    )],
                    not_found.clone(),
                ]
                .concat(),
                &denied,
            ),
        },
        Op {
            method: "post",
            path: "/staff/commitments/{code}/verify",
            tag: "staff",
            summary: "Verify a commitment",
            description: "Admins, verifiers, operators in their area. Logged publicly.",
            params: vec![code.clone()],
            body: Some(json!({ "type": "object" })),
            access: Access::Staff,
            responses: with(
                [
                    vec![(200, "Verified.", JSON, Some(view.clone()))],
                    not_found.clone(),
                    conflict.clone(),
                ]
                .concat(),
                &denied,
            ),
        },
        Op {
            method: "post",
            path: "/staff/commitments/{code}/confirm-contact",
            tag: "staff",
            summary: "Confirm a commitment's contact",
            description: "For a donor without e-mail whom staff reached (a kiosk, a phone call): the commitment keeps its quantities for the full period. Admins, verifiers, operators in their area. Audited.",
            params: vec![code.clone()],
            body: Some(json!({ "type": "object" })),
            access: Access::Staff,
            responses: with(
                [
                    vec![(200, "Confirmed.", JSON, Some(view.clone()))],
                    not_found.clone(),
                    conflict.clone(),
                ]
                .concat(),
                &denied,
            ),
        },
        Op {
            method: "post",
            path: "/staff/commitments/{code}/delivery/verify",
            tag: "staff",
            summary: "Verify a delivery report",
            description: "Admins, verifiers, operators in their area. Logged publicly.",
            params: vec![code.clone()],
            body: Some(json!({ "type": "object" })),
            access: Access::Staff,
            responses: with(
                [
                    vec![(200, "Verified.", JSON, Some(view.clone()))],
                    not_found.clone(),
                    conflict.clone(),
                ]
                .concat(),
                &denied,
            ),
        },
        Op {
            method: "post",
            path: "/staff/commitments/{code}/slip",
            tag: "staff",
            summary: "Issue a new confirmation code",
            description: "For a delivery the place has not answered; the old code stops working. Admins and operators in their area.",
            params: vec![code.clone()],
            body: Some(json!({ "type": "object" })),
            access: Access::Staff,
            responses: with(
                [
                    vec![(200, "The new slip.", JSON, Some(schema::<ReceiptSlip>(g)))],
                    not_found.clone(),
                    conflict.clone(),
                ]
                .concat(),
                &denied,
            ),
        },
        Op {
            method: "post",
            path: "/staff/corrections",
            tag: "staff",
            summary: "Publish a correction",
            description: "A new, attributed, public record with a reason; nothing is rewritten. Admins and operators in their area.",
            params: vec![],
            body: Some(schema::<NewCorrection>(g)),
            access: Access::Staff,
            responses: with(
                [
                    vec![(
                        200,
                        "Recorded; the public report.",
                        JSON,
                        Some(view.clone()),
                    )],
                    bad.clone(),
                    not_found.clone(),
                ]
                .concat(),
                &denied,
            ),
        },
        Op {
            method: "post",
            path: "/staff/accounts/{id}/verify",
            tag: "staff",
            summary: "Verify a collaborator account",
            description: "Admins and verifiers.",
            params: vec![id.clone()],
            body: Some(json!({ "type": "object" })),
            access: Access::Staff,
            responses: with(
                [
                    vec![(204, "Verified.", JSON, None)],
                    not_found.clone(),
                    conflict.clone(),
                ]
                .concat(),
                &denied,
            ),
        },
        Op {
            method: "post",
            path: "/staff/locations",
            tag: "staff",
            summary: "Create a location",
            description: "Admins and operators (inside their area). Public facts are logged. With `report` (a resident's open suggestion of a place, `new_place`) and `report_answer`, the suggestion is resolved with that public answer in the same transaction and points at the new, unverified place.",
            params: vec![],
            body: Some(schema::<LocationInput>(g)),
            access: Access::Staff,
            responses: with(
                [
                    vec![(201, "Created.", JSON, Some(loc.clone()))],
                    bad.clone(),
                ]
                .concat(),
                &denied,
            ),
        },
        Op {
            method: "get",
            path: "/staff/locations/{id}",
            tag: "staff",
            summary: "A location with its private contact",
            description: "",
            params: vec![id.clone()],
            body: None,
            access: Access::Staff,
            responses: with(
                [
                    vec![(200, "The location.", JSON, Some(loc.clone()))],
                    not_found.clone(),
                ]
                .concat(),
                &denied,
            ),
        },
        Op {
            method: "put",
            path: "/staff/locations/{id}",
            tag: "staff",
            summary: "Edit a location and its needs",
            description: "A target below what is committed and delivered is refused. Public facts are logged.",
            params: vec![id.clone()],
            body: Some(schema::<LocationInput>(g)),
            access: Access::Staff,
            responses: with(
                [
                    vec![(200, "Saved.", JSON, Some(loc.clone()))],
                    bad.clone(),
                    not_found.clone(),
                ]
                .concat(),
                &denied,
            ),
        },
        Op {
            method: "post",
            path: "/staff/locations/{id}/verify",
            tag: "staff",
            summary: "Verify a location",
            description: "",
            params: vec![id.clone()],
            body: Some(json!({ "type": "object" })),
            access: Access::Staff,
            responses: with(
                [
                    vec![(200, "Verified.", JSON, Some(loc.clone()))],
                    not_found.clone(),
                    conflict.clone(),
                ]
                .concat(),
                &denied,
            ),
        },
        Op {
            method: "post",
            path: "/staff/locations/{id}/deactivate",
            tag: "staff",
            summary: "Deactivate a location",
            description: "It leaves the map and takes no new commitments; its history stays.",
            params: vec![id.clone()],
            body: Some(json!({ "type": "object" })),
            access: Access::Staff,
            responses: with(
                [
                    vec![(200, "Deactivated.", JSON, Some(loc))],
                    not_found.clone(),
                    conflict.clone(),
                ]
                .concat(),
                &denied,
            ),
        },
        Op {
            method: "post",
            path: "/staff/programs",
            tag: "staff",
            summary: "Add a program",
            description: "Admins.",
            params: vec![],
            body: Some(schema::<NewProgram>(g)),
            access: Access::Staff,
            responses: with(
                [
                    vec![(201, "Added.", JSON, Some(schema::<Program>(g)))],
                    bad.clone(),
                ]
                .concat(),
                &denied,
            ),
        },
        Op {
            method: "post",
            path: "/staff/packages",
            tag: "staff",
            summary: "Add a package",
            description: "Admins.",
            params: vec![],
            body: Some(schema::<NewPackage>(g)),
            access: Access::Staff,
            responses: with(
                [
                    vec![(201, "Added.", JSON, Some(schema::<Package>(g)))],
                    bad.clone(),
                ]
                .concat(),
                &denied,
            ),
        },
        Op {
            method: "get",
            path: "/staff/members",
            tag: "staff",
            summary: "Staff list",
            description: "Admins.",
            params: vec![],
            body: None,
            access: Access::Staff,
            responses: with(
                vec![(200, "All staff.", JSON, Some(schema::<StaffList>(g)))],
                &denied,
            ),
        },
        Op {
            method: "post",
            path: "/staff/members",
            tag: "staff",
            summary: "Create a staff member",
            description: "Admins. Operators need a kota or kecamatan.",
            params: vec![],
            body: Some(schema::<NewStaff>(g)),
            access: Access::Staff,
            responses: with(
                [
                    vec![(201, "Created.", JSON, Some(schema::<StaffMember>(g)))],
                    bad.clone(),
                ]
                .concat(),
                &denied,
            ),
        },
        Op {
            method: "post",
            path: "/staff/members/{id}",
            tag: "staff",
            summary: "Change a staff member's role, area or status",
            description: "Admins. Deactivating ends their sessions.",
            params: vec![id],
            body: Some(schema::<StaffChange>(g)),
            access: Access::Staff,
            responses: with(
                [
                    vec![(200, "Changed.", JSON, Some(schema::<StaffMember>(g)))],
                    bad.clone(),
                    not_found,
                    conflict,
                ]
                .concat(),
                &denied,
            ),
        },
        Op {
            method: "get",
            path: "/staff/audit",
            tag: "staff",
            summary: "The audit trail",
            description: "Admins. Newest first, 100 per page.",
            params: vec![query(
                "before",
                "Entry id to continue before.",
                json!({ "type": "integer" }),
            )],
            body: None,
            access: Access::Staff,
            responses: with(
                [
                    vec![(200, "One page.", JSON, Some(schema::<AuditPage>(g)))],
                    bad,
                ]
                .concat(),
                &denied,
            ),
        },
    ]
}

fn build() -> Value {
    let mut g = SchemaSettings::draft2020_12()
        .with(|s| s.definitions_path = "/components/schemas".into())
        .into_generator();
    let ops = operations(&mut g);
    let mut paths = Map::new();
    for op in &ops {
        let mut o = Map::new();
        o.insert("tags".into(), json!([op.tag]));
        o.insert("summary".into(), json!(op.summary));
        if !op.description.is_empty() {
            o.insert("description".into(), json!(op.description));
        }
        o.insert(
            "operationId".into(),
            json!(format!("{} {}", op.method, op.path)),
        );
        if !op.params.is_empty() {
            o.insert("parameters".into(), Value::Array(op.params.clone()));
        }
        if let Some(body) = &op.body {
            o.insert(
                "requestBody".into(),
                json!({ "required": true, "content": { JSON: { "schema": body } } }),
            );
        }
        let mut responses = Map::new();
        for (status, description, media, schema) in &op.responses {
            let mut r = json!({ "description": description });
            if let Some(schema) = schema {
                r["content"] = json!({ *media: { "schema": schema } });
            } else if *status != 204 {
                r["content"] = json!({ *media: {} });
            }
            responses.insert(status.to_string(), r);
        }
        o.insert("responses".into(), Value::Object(responses));
        match op.access {
            Access::Public => {}
            Access::Session => {
                o.insert("security".into(), json!([{ "cookieSession": [] }]));
            }
            Access::TokenOrSession => {
                o.insert(
                    "security".into(),
                    json!([{ "manageToken": [] }, { "cookieSession": [] }]),
                );
            }
            Access::Staff if op.method == "get" => {
                o.insert("security".into(), json!([{ "staffSession": [] }]));
            }
            Access::Staff => {
                o.insert(
                    "security".into(),
                    json!([{ "staffSession": [], "staffCsrf": [] }]),
                );
            }
            Access::TokenSessionOrStaff => {
                o.insert(
                    "security".into(),
                    json!([{ "manageToken": [] }, { "cookieSession": [] }, { "staffSession": [], "staffCsrf": [] }]),
                );
            }
        }
        if op.path == "/commitments/{code}/evidence" {
            o.insert(
                "requestBody".into(),
                json!({ "required": true, "content": {
                    "image/jpeg": { "schema": { "type": "string", "contentMediaType": "image/jpeg" } },
                    "image/png": { "schema": { "type": "string", "contentMediaType": "image/png" } },
                    "application/pdf": { "schema": { "type": "string", "contentMediaType": "application/pdf" } }
                } }),
            );
        }
        let entry = paths
            .entry(format!("{API_PREFIX}{}", op.path))
            .or_insert_with(|| Value::Object(Map::new()));
        entry[op.method] = Value::Object(o);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Kolaborasi API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Open API of Kolaborasi: places that need help, aid commitments, and everything public about them. Responses are in the language of `Accept-Language` (Indonesian or English) where they contain text.",
            "license": { "name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later" }
        },
        "servers": [{ "url": "/" }],
        "paths": paths,
        "components": {
            "schemas": g.take_definitions(true),
            "securitySchemes": {
                "cookieSession": { "type": "apiKey", "in": "cookie", "name": crate::accounts::SESSION_COOKIE, "description": "Session cookie set by POST /api/v1/session (HttpOnly, SameSite=Strict)." },
                "manageToken": { "type": "apiKey", "in": "header", "name": MANAGE_TOKEN_HEADER, "description": "The manage token returned when the commitment was made." },
                "staffSession": { "type": "apiKey", "in": "cookie", "name": crate::staff::STAFF_COOKIE, "description": "Staff session cookie set by POST /api/v1/staff/session (HttpOnly, SameSite=Strict, 12 hours)." },
                "staffCsrf": { "type": "apiKey", "in": "header", "name": CSRF_HEADER, "description": "The session's CSRF token (from the staff session); required on every state-changing staff request." }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reference_resolves_to_a_generated_schema() {
        let doc = build();
        let text = doc.to_string();
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        assert!(
            schemas.contains_key("CommitmentView"),
            "{:?}",
            schemas.keys()
        );
        for (i, _) in text.match_indices("#/components/schemas/") {
            let name: String = text[i + 21..].chars().take_while(|c| *c != '"').collect();
            assert!(schemas.contains_key(&name), "dangling reference {name}");
        }
    }
}
