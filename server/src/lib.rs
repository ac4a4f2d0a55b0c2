//! Kolaborasi server: the JSON API, and the built web client.
//!
//! `main.rs` only parses configuration and calls [`start`]; tests call the
//! same function with port 0 and a fresh database.

pub mod accounts;
pub mod api;
pub mod area_data;
pub mod assets;
pub mod body;
pub mod catalogue;
pub mod client;
pub mod clock;
pub mod collaborator;
pub mod commitments;
pub mod config;
pub mod conn;
pub mod db;
pub mod deliveries;
pub mod demo;
pub mod error;
pub mod export;
pub mod first_paint;
pub mod front;
pub mod http_cache;
pub mod i18n;
pub mod locations;
pub mod log;
pub mod mail;
pub mod openapi;
pub mod query;
pub mod rate;
pub mod read_model;
pub mod reports;
pub mod secrets;
pub mod seed;
pub mod seo;
pub mod signing;
pub mod spa;
pub mod staff;
pub mod state;
pub mod stats;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use http::{HeaderValue, header};
use kolaborasi_shared::ClientConfig;
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::area_data::AreaFile;
use crate::config::Config;
use crate::db::Db;
use crate::state::AppState;

pub type StartError = Box<dyn std::error::Error + Send + Sync>;

/// Connects, migrates and seeds the database, and computes what handlers share.
pub async fn prepare(config: &Config) -> Result<AppState, StartError> {
    let db = Db::connect(&config.database_url).await?;
    db.migrate().await?;
    let file = AreaFile::embedded();
    seed::areas(&db, file).await.map_err(|e| format!("{e:?}"))?;
    catalogue::seed(&db).await.map_err(|e| format!("{e:?}"))?;
    let seeded = seed::demo_locations(&db, file, config.demo_scale, config.demo_seed)
        .await
        .map_err(|e| format!("{e:?}"))?;
    if seeded > 0 {
        tracing::info!(seeded, "generated demo locations into the empty database");
    }
    let needs = seed::demo_needs(&db, config.demo_seed, config.commitment_expiry_days)
        .await
        .map_err(|e| format!("{e:?}"))?;
    if needs > 0 {
        tracing::info!(needs, "generated needs and commitments for demo locations");
    }
    let reports = seed::demo_deliveries(&db)
        .await
        .map_err(|e| format!("{e:?}"))?;
    if reports > 0 {
        tracing::info!(
            reports,
            "gave delivered demo commitments their delivery reports"
        );
    }
    let secret = secrets::InstanceSecret::load_or_create(&db, "manage_tokens")
        .await
        .map_err(|e| format!("{e:?}"))?;
    let logged = log::backfill(&db, &secret)
        .await
        .map_err(|e| format!("{e:?}"))?;
    if logged > 0 {
        tracing::info!(logged, "logged commitments that had no log entries yet");
    }
    let signer = signing::LogSigner::load_or_create(&config.signing_key)?;
    let hub = stats::Hub::start(
        db.clone(),
        std::time::Duration::from_secs(config.live_poll_secs),
    )
    .await
    .map_err(|e| format!("{e:?}"))?;
    let tree = file.tree();
    let demo_data = locations::store::has_demo(&db)
        .await
        .map_err(|e| format!("{e:?}"))?;
    let client_config = ClientConfig {
        tile_url: config.tile_url.clone(),
        tile_attribution: config.tile_attribution.clone(),
        // The region's default view; Jakarta's centre at city zoom.
        map_center: [-6.2, 106.83],
        map_zoom: 11,
        region_name: tree.root.name.clone(),
        demo_data,
        area_data_source: file.credit(),
        area_data_licence: file.licence.clone(),
        commitment_expiry_days: config.commitment_expiry_days,
        kiosk_idle_secs: config.kiosk_idle_secs,
        unconfirmed_hold_hours: config.unconfirmed_hold_hours,
        unconfirmed_share_percent: config.unconfirmed_share_percent,
        log_key: signer.public_key().to_owned(),
    };
    let expiry = commitments::expiry::Schedule::new();
    let mailer = Arc::new(mail::Mailer::new(config, secret.clone())?);
    Ok(AppState::new(state::Shared {
        mailer,
        committer: commitments::group::Committer::start(db.clone()),
        reads: Arc::new(read_model::ReadModel::new(
            usize::try_from(config.read_model_mib.saturating_mul(1024 * 1024))
                .unwrap_or(usize::MAX),
            expiry.clone(),
        )),
        expiry,
        db,
        areas_json: read_model::Answer::fixed(&tree).map_err(|e| format!("{e:?}"))?,
        areas: Arc::new(tree),
        client_config: Arc::new(client_config),
        secret,
        signer: Arc::new(signer),
        commitment_expiry_days: config.commitment_expiry_days,
        unconfirmed_hold_hours: config.unconfirmed_hold_hours,
        unconfirmed_share_percent: config.unconfirmed_share_percent,
        unconfirmed_per_contact: i64::from(config.unconfirmed_per_contact),
        unconfirmed_limit: rate::unconfirmed_commitments(config.unconfirmed_per_network_hour),
        cookie_secure: config.cookie_secure,
        hub,
        upload_dir: Arc::new(config.upload_dir.clone()),
        upload_quota: i64::try_from(config.upload_quota_mib.saturating_mul(1 << 20))
            .unwrap_or(i64::MAX),
        receipt_code_days: config.receipt_code_days,
        overdue_days: config.overdue_days,
        public_url: config
            .public_url
            .as_deref()
            .map(|u| Arc::from(u.trim_end_matches('/'))),
        trust_proxy: config.trust_proxy,
        kiosk_networks: config.kiosk_network.clone().into(),
    }))
}

/// The whole application: API under `/api`, the web client everywhere else.
///
/// The layers every answer passes through are one stack around the whole
/// router (`ServiceBuilder`), not `Router::layer`, which wraps every route
/// in each layer and boxes each of them anew per request: a dozen boxed
/// services and futures for the smallest public answer (issue 14).
pub fn app(
    state: AppState,
    config: &Config,
) -> impl tower::Service<
    axum::extract::Request,
    Response = axum::response::Response,
    Error = std::convert::Infallible,
    Future: Send + 'static,
> + Clone
+ Send
+ Sync
+ 'static {
    let api = ServiceBuilder::new()
        .map_response(|r: http::Response<_>| r.map(axum::body::Body::new))
        // Private unless an answer says otherwise: sessions, a donor's own
        // commitments, staff pages and slips must never sit in a shared or
        // back-button cache. Public answers set their own (`no-cache` with
        // an ETag).
        .layer(always(header::CACHE_CONTROL, "no-store"))
        .layer(CompressionLayer::new())
        .layer(client::KioskCookie::layer(state.clone()))
        .service(
            Router::new()
                .nest("/api", api::router())
                // `/api` and `/api/` themselves.
                .fallback(api::route_not_found)
                .with_state(state.clone()),
        );
    let inner = ApiOrWeb {
        api,
        web: spa::router(state.clone(), &config.static_dir),
    };
    let secure = config.cookie_secure;
    let outer = ServiceBuilder::new()
        .map_response(|r: http::Response<_>| r.map(axum::body::Body::new))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        // A trickled body is refused (conn.rs, issue 16 finding 6).
        .layer(tower::util::MapRequestLayer::new(conn::min_rate(
            std::time::Duration::from_secs(config.request_read_secs),
        )))
        .layer(axum::extract::DefaultBodyLimit::max(body::BODY_LIMIT))
        .map_response(move |mut response: axum::response::Response| {
            protect(response.headers_mut(), secure);
            response
        })
        .layer(tower::layer::layer_fn(i18n::LanguageScope))
        .service(inner);
    front::Front::new(outer, state)
}

/// The headers every response carries unless its handler set them (the
/// front adds them to the answers it gives itself).
pub fn protect(headers: &mut http::HeaderMap, secure: bool) {
    let mut set = |name: header::HeaderName, value: &'static str| {
        headers
            .entry(name)
            .or_insert_with(|| HeaderValue::from_static(value));
    };
    // Behind HTTPS (`--cookie-secure`), browsers are told to use nothing else.
    if secure {
        set(
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        );
    }
    // Only the app itself may ask for the position (the "near me" page);
    // no camera, microphone, payment or USB for anyone.
    set(
        header::HeaderName::from_static("permissions-policy"),
        "geolocation=(self), camera=(), microphone=(), payment=(), usb=()",
    );
    // No MIME sniffing, no framing by other sites (clickjacking), no full
    // URLs leaked to other origins.
    set(header::REFERRER_POLICY, "strict-origin-when-cross-origin");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
}

/// `/api` and everything under it to the API (routed by its full path:
/// no prefix to strip per request, as `nest_service` does), anything else
/// to the web client.
#[derive(Clone)]
struct ApiOrWeb<A, W> {
    api: A,
    web: W,
}

impl<A, W> tower::Service<axum::extract::Request> for ApiOrWeb<A, W>
where
    A: tower::Service<axum::extract::Request, Response = axum::response::Response>,
    W: tower::Service<
            axum::extract::Request,
            Response = axum::response::Response,
            Error = A::Error,
        >,
{
    type Response = axum::response::Response;
    type Error = A::Error;
    type Future = futures_util::future::Either<A::Future, W::Future>;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        match self.api.poll_ready(cx) {
            std::task::Poll::Ready(Ok(())) => self.web.poll_ready(cx),
            other => other,
        }
    }

    fn call(&mut self, request: axum::extract::Request) -> Self::Future {
        let path = request.uri().path();
        if path
            .strip_prefix("/api")
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        {
            futures_util::future::Either::Left(self.api.call(request))
        } else {
            futures_util::future::Either::Right(self.web.call(request))
        }
    }
}

/// A request's span (method and path, for the lines logged while it is
/// handled) only when debug logging is on (`RUST_LOG=debug`): formatting
/// one per request was a twentieth of a public read's cost.
fn request_span<B>(request: &http::Request<B>) -> tracing::Span {
    if tracing::enabled!(tracing::Level::DEBUG) {
        tracing::debug_span!("request", method = %request.method(), path = %request.uri().path())
    } else {
        tracing::Span::none()
    }
}

/// A header every response carries unless a handler set it.
fn always(name: header::HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

/// A running server: where it listens and how to wait for it.
pub struct Running {
    pub addr: SocketAddr,
    pub state: AppState,
    pub task: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Prepares everything, binds `config.bind` and serves until `shutdown` resolves.
pub async fn start(
    config: &Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<Running, StartError> {
    let state = prepare(config).await?;
    let listener = TcpListener::bind(config.bind).await?;
    let addr = listener.local_addr()?;
    let router = app(state.clone(), config);
    let sweeper = commitments::expiry::spawn_sweeper(
        state.db.clone(),
        state.expiry.clone(),
        std::time::Duration::from_secs(config.expiry_sweep_secs),
    );
    let mailer = mail::spawn(state.db.clone(), state.mailer.clone());
    let uploads =
        deliveries::spawn_upload_sweeper(state.db.clone(), state.upload_dir.as_ref().clone());
    let forgetter = rate::spawn_forgetter(state.db.clone());
    // Today's signed head before the first request (later ones hourly).
    if let Err(e) = log::publish_daily_head(&state.db, &state.signer).await {
        tracing::warn!("could not publish the daily signed head: {e:?}");
    }
    let heads = log::spawn_daily_heads(state.db.clone(), state.signer.clone(), state.reads.clone());
    let hub = state.hub.clone();
    // Bounded connections and request read times (`conn.rs`).
    let listener = conn::Guarded::new(
        listener,
        config.connections_per_address,
        std::time::Duration::from_secs(config.connection_idle_secs),
    );
    let read_timeout = std::time::Duration::from_secs(config.request_read_secs);
    let task = tokio::spawn(async move {
        conn::serve(listener, router, read_timeout, async move {
            shutdown.await;
            // Ends the live streams, which would keep the shutdown waiting.
            hub.stop();
        })
        .await;
        sweeper.abort();
        mailer.abort();
        uploads.abort();
        forgetter.abort();
        heads.abort();
        Ok(())
    });
    Ok(Running { addr, state, task })
}
