//! Accepting connections: the HTTP server under the router, with the timeouts that keep slow or
//! idle clients from holding the server, and the shutdown that finishes what is in flight.

use crate::server::web::guard::BodyTimedOut;
use crate::server::web::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tower::ServiceExt as _;

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: the address is already in use. Stop the other program or choose another port with MARQUEE_SITE_ADDR=127.0.0.1:3001")]
    InUse { addr: String },
    #[error("cannot listen on {addr}: {reason}")]
    Bind { addr: String, reason: String },
    #[error("the server stopped: {0}")]
    Io(#[from] std::io::Error),
}

pub async fn bind(addr: &str) -> Result<tokio::net::TcpListener, ServeError> {
    tokio::net::TcpListener::bind(addr).await.map_err(|e| match e.kind() {
        std::io::ErrorKind::AddrInUse => ServeError::InUse { addr: addr.to_string() },
        _ => ServeError::Bind { addr: addr.to_string(), reason: e.to_string() },
    })
}

/// A request body with a deadline for all of it, counted from its request's headers: a client that
/// trickles a byte now and then cannot keep a request open.
struct DeadlineBody {
    inner: hyper::body::Incoming,
    deadline: Pin<Box<tokio::time::Sleep>>,
}

impl http_body::Body for DeadlineBody {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::BoxError>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        match self.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(BodyTimedOut.into()))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// Serves until SIGINT or SIGTERM, then shuts down as `serve_until` does.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> Result<(), ServeError> {
    serve_until(listener, state, shutdown_signal()).await
}

/// Serves until `stop` completes. Then: no new connections; open event streams end with a hint to
/// reconnect soon (to another server, behind a load balancer); requests in flight get
/// `limits.shutdown_grace_secs` to finish; and this server's job leases are given up, so another
/// server takes the jobs over at once.
pub async fn serve_until(
    listener: tokio::net::TcpListener,
    state: AppState,
    stop: impl Future<Output = ()>,
) -> Result<(), ServeError> {
    let limits = state.config.limits.clone();
    let body_timeout = Duration::from_secs(limits.body_timeout_secs);
    let app = crate::server::web::http::router(state.clone());
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // The header timeout also closes keep-alive connections that stay idle that long.
    builder.http1().timer(TokioTimer::new()).header_read_timeout(Duration::from_secs(limits.header_timeout_secs));
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Duration::from_secs(limits.header_timeout_secs))
        .keep_alive_timeout(Duration::from_secs(limits.header_timeout_secs));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut stop = std::pin::pin!(stop);
    loop {
        let (tcp, addr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors, or a connection reset before it was taken: wait a
                    // moment rather than spin.
                    tracing::warn!(%err, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        // Without TCP_NODELAY, a response written in several pieces waits on the client's delayed
        // ACK (about 40 ms per request on a keep-alive connection).
        if let Err(err) = tcp.set_nodelay(true) {
            tracing::debug!(%err, "could not set TCP_NODELAY");
        }
        let service = app.clone().map_request(move |req: axum::http::Request<hyper::body::Incoming>| {
            let (mut parts, inner) = req.into_parts();
            parts.extensions.insert(ConnectInfo(addr));
            let body = DeadlineBody { inner, deadline: Box::pin(tokio::time::sleep(body_timeout)) };
            axum::http::Request::from_parts(parts, Body::new(body))
        });
        let conn = builder
            .serve_connection_with_upgrades(TokioIo::new(tcp), hyper_util::service::TowerToHyperService::new(service))
            .into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(err) = conn.await {
                tracing::debug!(%err, "connection ended with an error");
            }
        });
    }
    drop(listener);
    tracing::info!(connections = graceful.count(), "shutting down: finishing requests in flight");
    state.coherence.live().close_streams();
    let grace = Duration::from_secs(limits.shutdown_grace_secs);
    if tokio::time::timeout(grace, graceful.shutdown()).await.is_err() {
        tracing::warn!(?grace, "requests still in flight after the grace period: stopping anyway");
    }
    state.release_leases().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
