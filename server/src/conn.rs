//! Bounds on every connection (issue 16, finding 6): at most
//! `--connections-per-address` open connections from one client address
//! (an IPv6 client by its /64), and a connection on which nothing moves in
//! either direction for `--connection-idle-secs` is closed: a half-sent
//! header, a silent socket, a client that stops reading. Live streams are
//! not idle (a keep-alive comment every 15 seconds).
//!
//! A client that keeps a connection busy by trickling bytes is bounded too:
//! a request's header must be complete within `--request-read-secs`
//! (hyper's header timeout, on our own accept loop, [`serve`]), and its body
//! may take that long and then must keep arriving at [`MIN_BODY_RATE`] on
//! average ([`MinRate`]), else 408 and the connection is closed.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{Instant, Sleep};

/// Open connections per client network.
type Counts = Arc<Mutex<HashMap<String, usize>>>;

/// A listener that refuses a client's connections beyond the cap and
/// closes idle ones.
pub struct Guarded {
    listener: TcpListener,
    per_address: usize,
    idle: Duration,
    counts: Counts,
}

impl Guarded {
    #[must_use]
    pub fn new(listener: TcpListener, per_address: u64, idle: Duration) -> Self {
        Self {
            listener,
            per_address: usize::try_from(per_address).unwrap_or(usize::MAX),
            idle,
            counts: Counts::default(),
        }
    }
}

impl axum::serve::Listener for Guarded {
    type Io = Connection;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let (stream, peer) = axum::serve::Listener::accept(&mut self.listener).await;
            let key = crate::client::network_of(peer.ip());
            {
                let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
                let open = counts.entry(key.clone()).or_default();
                if *open >= self.per_address {
                    tracing::debug!(%peer, "too many connections from this address; closed");
                    continue; // dropping the stream closes it
                }
                *open += 1;
            }
            let _ = stream.set_nodelay(true);
            let connection = Connection {
                stream,
                idle: self.idle,
                deadline: Box::pin(tokio::time::sleep(self.idle)),
                slot: Slot {
                    counts: self.counts.clone(),
                    key,
                },
            };
            return (connection, peer);
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.listener.local_addr()
    }
}

/// Gives its place back when the connection ends.
struct Slot {
    counts: Counts,
    key: String,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(open) = counts.get_mut(&self.key) {
            *open -= 1;
            if *open == 0 {
                counts.remove(&self.key);
            }
        }
    }
}

/// A TCP connection that fails with `TimedOut` once nothing was read or
/// written for its idle time while the server waits on it.
pub struct Connection {
    stream: TcpStream,
    idle: Duration,
    deadline: Pin<Box<Sleep>>,
    slot: Slot,
}

impl Connection {
    fn moved(&mut self) {
        self.deadline.as_mut().reset(Instant::now() + self.idle);
    }

    /// While waiting: `Ready(Err)` once the idle time is over.
    fn expired(&mut self, cx: &mut Context<'_>) -> Poll<io::Error> {
        match self.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => {
                tracing::debug!(network = %self.slot.key, "idle connection closed");
                Poll::Ready(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "connection idle too long",
                ))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl Connection {
    /// A write's outcome: progress resets the idle time; waiting may end it.
    fn wrote(
        &mut self,
        cx: &mut Context<'_>,
        written: Poll<io::Result<usize>>,
    ) -> Poll<io::Result<usize>> {
        match written {
            Poll::Ready(Ok(n)) => {
                if n > 0 {
                    self.moved();
                }
                Poll::Ready(Ok(n))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => self.expired(cx).map(Err),
        }
    }
}

impl AsyncRead for Connection {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.stream).poll_read(cx, buf) {
            Poll::Ready(result) => {
                if buf.filled().len() > before {
                    self.moved();
                }
                Poll::Ready(result)
            }
            Poll::Pending => self.expired(cx).map(Err),
        }
    }
}

impl AsyncWrite for Connection {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let written = Pin::new(&mut self.stream).poll_write(cx, data);
        self.wrote(cx, written)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let written = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        self.wrote(cx, written)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then stops
/// accepting and waits for open requests to finish (live streams end when
/// the hub stops). Like `axum::serve`, plus hyper's header read timeout,
/// which needs a timer that `axum::serve` does not set.
pub async fn serve<S>(
    mut listener: Guarded,
    router: S,
    read_timeout: Duration,
    shutdown: impl Future<Output = ()>,
) where
    S: tower::Service<
            axum::extract::Request,
            Response = axum::response::Response,
            Error = std::convert::Infallible,
        > + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    use axum::extract::ConnectInfo;
    use hyper_util::rt::{TokioIo, TokioTimer};
    use hyper_util::service::TowerToHyperService;
    use tower::ServiceExt as _;

    // HTTP/1.1 only, as before (the server is built without HTTP/2).
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(read_timeout);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (io, peer) = tokio::select! {
            accepted = axum::serve::Listener::accept(&mut listener) => accepted,
            () = &mut shutdown => break,
        };
        let service =
            router
                .clone()
                .map_request(move |request: http::Request<hyper::body::Incoming>| {
                    let mut request = request.map(axum::body::Body::new);
                    request.extensions_mut().insert(ConnectInfo(peer));
                    request
                });
        let connection =
            builder.serve_connection(TokioIo::new(io), TowerToHyperService::new(service));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::trace!(%peer, %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// The slowest average pace a request body may keep once its first
/// `--request-read-secs` are over, in bytes per second: a phone on 2G
/// sends tens of kilobytes a second; a trickle of a byte every few seconds
/// only holds a connection.
pub const MIN_BODY_RATE: u64 = 1_024;

/// The error a body too slow for [`MinRate`] fails with.
#[derive(Debug)]
pub struct TooSlow;

impl std::fmt::Display for TooSlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("request body arrived too slowly")
    }
}

impl std::error::Error for TooSlow {}

/// Whether `error` (or what caused it) is [`TooSlow`].
#[must_use]
pub fn is_too_slow(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(e) = current {
        if e.is::<TooSlow>() {
            return true;
        }
        current = e.source();
    }
    false
}

/// A request body that fails with [`TooSlow`] when, after `grace`, less
/// than [`MIN_BODY_RATE`] bytes per second have arrived on average.
pub struct MinRate {
    inner: axum::body::Body,
    received: u64,
    started: Instant,
    grace: Duration,
    deadline: Pin<Box<Sleep>>,
}

impl MinRate {
    #[must_use]
    pub fn new(inner: axum::body::Body, grace: Duration) -> Self {
        let started = Instant::now();
        Self {
            inner,
            received: 0,
            started,
            grace,
            deadline: Box::pin(tokio::time::sleep_until(started + grace)),
        }
    }

    /// When the next byte is due: the grace, plus the time the bytes so
    /// far buy at the minimum rate.
    fn next_due(&self) -> Instant {
        self.started + self.grace + Duration::from_millis(self.received * 1_000 / MIN_BODY_RATE)
    }
}

impl http_body::Body for MinRate {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    self.received += data.len() as u64;
                    let due = self.next_due();
                    self.deadline.as_mut().reset(due);
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(other) => Poll::Ready(other),
            Poll::Pending => match self.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    tracing::debug!(received = self.received, "request body too slow");
                    Poll::Ready(Some(Err(axum::Error::new(TooSlow))))
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// Middleware: every request body is a [`MinRate`] with `grace`.
pub fn min_rate(
    grace: Duration,
) -> impl Fn(axum::extract::Request) -> axum::extract::Request + Clone + Send + Sync + 'static {
    move |request: axum::extract::Request| {
        if http_body::Body::is_end_stream(request.body()) {
            return request; // no body (a GET): nothing to time
        }
        request.map(|body| axum::body::Body::new(MinRate::new(body, grace)))
    }
}
