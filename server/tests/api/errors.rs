//! Every error is the JSON envelope, names the bad parameter, and speaks the
//! request's language.

use std::collections::HashMap;

use kolaborasi_shared::ErrorCode;
use reqwest::{Method, StatusCode, header};

use crate::support::{Engine, TestApp, error_envelope, send};

pub async fn every_bad_parameter_is_refused_with_400_naming_it(engine: Engine) {
    let app = TestApp::with_fixtures(engine).await;
    let cases = [
        // Unknown parameters are named as given (keys are case-sensitive).
        ("colour=red", "colour"),
        ("Category=umkm", "Category"),
        ("category=umkm&page=2", "page"),
        // Categories.
        ("category=hospital", "category"),
        ("category=", "category"),
        ("category=umkm,", "category"),
        ("category=UMKM", "category"),
        ("category=umkm&category=hospital", "category"),
        // Area codes of the wrong shape.
        ("area=", "area"),
        ("area=jakarta", "area"),
        ("area=31.7", "area"),
        ("area=31.71.1", "area"),
        ("area=31.71.01.101", "area"),
        ("area=31.71.01.1001.1", "area"),
        ("area=31..01", "area"),
        ("area", "area"),
        // Area given twice, even with the same value.
        ("area=31.71&area=31.74", "area"),
        ("area=31.71&area=31.71", "area"),
        // Bounding boxes.
        ("bbox=", "bbox"),
        ("bbox=106.8,-6.2,106.9", "bbox"),
        ("bbox=106.8,-6.2,106.9,-6.1,0", "bbox"),
        ("bbox=a,b,c,d", "bbox"),
        ("bbox=106.8,-6.2,106.9,north", "bbox"),
        ("bbox=106.9,-6.2,106.8,-6.1", "bbox"), // min lon > max lon
        ("bbox=106.8,-6.1,106.9,-6.2", "bbox"), // min lat > max lat
        ("bbox=106.8,-91,106.9,-6.1", "bbox"),
        ("bbox=106.8,-6.2,106.9,90.5", "bbox"),
        ("bbox=-181,-6.2,106.9,-6.1", "bbox"),
        ("bbox=106.8,-6.2,180.1,-6.1", "bbox"),
        ("bbox=NaN,-6.2,106.9,-6.1", "bbox"),
        ("bbox=106.8,-6.2,inf,-6.1", "bbox"),
        (
            "bbox=106.8,-6.2,106.9,-6.1&bbox=106.8,-6.2,106.9,-6.1",
            "bbox",
        ),
    ];
    for (query, field) in cases {
        app.expect_invalid(&format!("/api/v1/locations?{query}"), field)
            .await;
    }
}

pub async fn malformed_percent_encoding_gets_an_error_envelope_not_a_crash(engine: Engine) {
    let app = TestApp::with_fixtures(engine).await;
    for path in [
        "/api/v1/locations?category=%ZZ",
        "/api/v1/locations?category=%",
        "/api/v1/locations?category=%E0%A4%A",
        "/api/v1/locations?area=%FF%FE",
        "/api/v1/locations?%FF=1",
        "/api/v1/locations?bbox=%2",
        "/api/v1/locations/%ZZ",
        "/api/v1/locations/%",
    ] {
        let response = app.get(path).await;
        let status = response.status();
        assert_eq!(status, StatusCode::BAD_REQUEST, "GET {path}");
        let error = error_envelope(response, status).await;
        assert!(!error.message.is_empty(), "GET {path}");
        assert!(error.field.is_some(), "GET {path} names the parameter");
    }
    // And the server is still answering.
    assert_eq!(
        app.list("").await.locations.len(),
        crate::support::FIXTURES.len()
    );
}

/// A path segment that percent-decodes to invalid UTF-8 is rejected by
/// axum's `Path` extractor before the handler runs; it must still be the
/// envelope naming `id`, like any other malformed id.
pub async fn an_id_that_is_not_utf8_is_400_naming_it_in_the_envelope(engine: Engine) {
    let app = TestApp::start(engine).await;
    for id in ["%FF", "%E0%A4%A", "%C3%28"] {
        app.expect_invalid(&format!("/api/v1/locations/{id}"), "id")
            .await;
    }
}

fn catalog(json: &str) -> HashMap<String, String> {
    serde_json::from_str(json).expect("locales/*.json is a flat string map")
}

pub async fn error_messages_follow_accept_language_and_default_to_indonesian(engine: Engine) {
    let app = TestApp::with_fixtures(engine).await;
    let en = catalog(include_str!("../../../locales/en.json"));
    let id = catalog(include_str!("../../../locales/id.json"));
    let unknown = |c: &HashMap<String, String>| {
        c["error.query.unknown_parameter"].replace("{field}", "colour")
    };
    assert_eq!(unknown(&en), "Unknown parameter 'colour'.");

    let message = |path: &'static str, language: Option<&'static str>, status| {
        let mut request = app.request(path);
        if let Some(language) = language {
            request = request.header(header::ACCEPT_LANGUAGE, language);
        }
        async move { error_envelope(send(request).await, status).await.message }
    };
    let bad = "/api/v1/locations?colour=red";
    let bad_request = StatusCode::BAD_REQUEST;
    assert_eq!(message(bad, Some("en"), bad_request).await, unknown(&en));
    assert_eq!(
        message(bad, Some("en-US,en;q=0.9"), bad_request).await,
        unknown(&en)
    );
    assert_eq!(message(bad, None, bad_request).await, unknown(&id));
    assert_eq!(message(bad, Some("id"), bad_request).await, unknown(&id));
    assert_eq!(message(bad, Some("fr"), bad_request).await, unknown(&id));
    assert_eq!(
        message(bad, Some("en;q=0.5, id;q=0.8"), bad_request).await,
        unknown(&id)
    );

    let bbox = "/api/v1/locations?bbox=1,2,3";
    assert_eq!(
        message(bbox, Some("en"), bad_request).await,
        en["error.query.invalid_bbox"]
    );
    assert_eq!(
        message(bbox, None, bad_request).await,
        id["error.query.invalid_bbox"]
    );

    let missing = "/api/v1/locations/999999";
    let not_found = StatusCode::NOT_FOUND;
    assert_eq!(
        message(missing, Some("en"), not_found).await,
        en["error.location_not_found"]
    );
    assert_eq!(
        message(missing, None, not_found).await,
        id["error.location_not_found"]
    );

    let route = "/api/v1/nope";
    assert_eq!(
        message(route, Some("en"), not_found).await,
        en["error.route_not_found"]
    );
    assert_eq!(
        message(route, None, not_found).await,
        id["error.route_not_found"]
    );
}

pub async fn unknown_api_routes_are_404_json_and_wrong_methods_are_405_json(engine: Engine) {
    let app = TestApp::with_fixtures(engine).await;
    for path in [
        "/api/v1/nope",
        "/api/nope",
        "/api/v2/locations",
        "/api/v1/locations/1/extra",
        "/api/v1/areas/31",
    ] {
        let error = error_envelope(app.get(path).await, StatusCode::NOT_FOUND).await;
        assert_eq!(error.code, ErrorCode::NotFound, "GET {path}");
        assert_eq!(error.field, None, "GET {path}");
    }

    let id = app.id_of("RW 03 Cideng").await;
    let detail = format!("/api/v1/locations/{id}");
    for (method, path) in [
        (Method::POST, "/api/v1/locations"),
        (Method::PUT, "/api/v1/locations"),
        (Method::DELETE, detail.as_str()),
        (Method::PATCH, detail.as_str()),
        (Method::POST, "/api/v1/areas"),
        (Method::DELETE, "/api/v1/config"),
    ] {
        let response = send(app.client.request(method.clone(), app.url(path))).await;
        let allow = crate::support::header_text(&response, header::ALLOW);
        assert!(
            allow.contains("GET"),
            "{method} {path}: 405 must say what is allowed: {allow:?}"
        );
        let error = error_envelope(response, StatusCode::METHOD_NOT_ALLOWED).await;
        assert_eq!(error.code, ErrorCode::MethodNotAllowed, "{method} {path}");
    }
    // Nothing was changed by those requests.
    assert_eq!(
        app.list("").await.locations.len(),
        crate::support::FIXTURES.len()
    );
}
