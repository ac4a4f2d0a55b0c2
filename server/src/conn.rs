//! Bounds on every connection (issue 16, finding 6): at most
//! `--connections-per-address` open connections from one client address
//! (an IPv6 client by its /64), and a connection on which nothing moves in
//! either direction for `--connection-idle-secs` is closed: a half-sent
//! header, a silent socket, a client that stops reading. Live streams are
//! not idle (a keep-alive comment every 15 seconds).

use std::collections::HashMap;
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
