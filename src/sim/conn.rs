//! Connections the simulator can reset from a handler, for the `reset` fault.
//!
//! axum hands a handler no access to its connection, and a body that errors would need a
//! `Stream` or `http-body` type from crates this one does not depend on (and could still let the
//! response head out first). So the listener wraps each TCP stream with a kill switch and hands
//! the same switch to the handler as connect info: a handler that trips it makes the stream's next write
//! fail, hyper abandons the connection, and the socket (zero linger) closes with an RST. The client
//! gets no response at all, as when a load balancer drops a connection.

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

pub struct SimListener {
    inner: TcpListener,
}

impl SimListener {
    pub fn new(inner: TcpListener) -> SimListener {
        SimListener { inner }
    }
}

/// The handler's side of a connection: its peer and its kill switch.
#[derive(Clone, Debug)]
pub struct Conn {
    pub peer: SocketAddr,
    kill: Arc<AtomicBool>,
}

impl Conn {
    /// Drops the connection instead of answering: the response being written is lost.
    pub fn reset(&self) {
        self.kill.store(true, Ordering::SeqCst);
    }
}

impl Listener for SimListener {
    type Io = KillableStream;
    type Addr = Conn;

    async fn accept(&mut self) -> (KillableStream, Conn) {
        // TcpListener's own accept retries transient errors (and backs off on EMFILE).
        let (stream, peer) = Listener::accept(&mut self.inner).await;
        let _ = stream.set_nodelay(true);
        let kill = Arc::new(AtomicBool::new(false));
        (KillableStream { inner: stream, kill: kill.clone() }, Conn { peer, kill })
    }

    fn local_addr(&self) -> io::Result<Conn> {
        Ok(Conn { peer: self.inner.local_addr()?, kill: Arc::default() })
    }
}

impl Connected<IncomingStream<'_, SimListener>> for Conn {
    fn connect_info(stream: IncomingStream<'_, SimListener>) -> Conn {
        stream.remote_addr().clone()
    }
}

pub struct KillableStream {
    inner: TcpStream,
    kill: Arc<AtomicBool>,
}

impl KillableStream {
    fn killed(&self) -> Option<io::Error> {
        if !self.kill.load(Ordering::SeqCst) {
            return None;
        }
        // An RST rather than a FIN: the client cannot mistake it for a finished response.
        let _ = self.inner.set_zero_linger();
        Some(io::Error::new(io::ErrorKind::ConnectionReset, "simulated connection reset"))
    }
}

impl AsyncRead for KillableStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if let Some(e) = self.killed() {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for KillableStream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if let Some(e) = self.killed() {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if let Some(e) = self.killed() {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(e) = self.killed() {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
