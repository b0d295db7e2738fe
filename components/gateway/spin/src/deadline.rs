//! A deadline for the gateway's concurrent outbound calls (the metrics fan-out).
//!
//! spin-sdk 5.2.0's `http::send` has no timeout and sends no request options, and a
//! service-chained call (`http://<ctx>.spin.internal`) is served in-process, where wasi:http's
//! connect and first-byte timeouts would not apply anyway. So the call races a
//! `wasi:clocks/monotonic-clock` pollable registered with the executor spin-sdk itself runs
//! (`spin-executor`, the same crate and version as spin-sdk's, so one waker list); when the clock
//! wins, the call's future is dropped, which drops its `future-incoming-response` and aborts
//! the request. The blocking calls (reservation → payment, notification → chat) race the same
//! clock with `wasi::io::poll` directly.

use std::future::Future;
use std::pin::{Pin, pin};
use std::task::{Context, Poll};
use std::time::Duration;

use futures::future::{Either, select};
use spin_executor::CancelOnDropToken;
use wasi::clocks::monotonic_clock;

/// `call`'s output, or `None` when `limit` passed first (the call is then aborted).
pub async fn within<T>(limit: Duration, call: impl Future<Output = T>) -> Option<T> {
    let nanos = u64::try_from(limit.as_nanos()).unwrap_or(u64::MAX);
    let timer = Timer {
        at: monotonic_clock::now().saturating_add(nanos),
        registered: None,
    };
    match select(pin!(call), timer).await {
        Either::Left((output, _)) => Some(output),
        Either::Right(((), _)) => None,
    }
}

/// Ready at the monotonic instant `at`.
struct Timer {
    at: monotonic_clock::Instant,
    /// The pollable registered with the executor for the last poll; replacing or dropping it
    /// takes it out of the executor's list.
    registered: Option<CancelOnDropToken>,
}

impl Future for Timer {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if monotonic_clock::now() >= self.at {
            self.registered = None;
            return Poll::Ready(());
        }
        let pollable = monotonic_clock::subscribe_instant(self.at);
        self.registered =
            Some(spin_executor::push_waker_and_get_token(pollable, cx.waker().clone()).into());
        Poll::Pending
    }
}
