//! Adapters for the core's system ports: wall clock, ids, the simulator's dice and think time.

use std::time::Duration;

use chrono::{DateTime, Utc};
use payment_core::ports::{Clock, FailureDraw, IdGenerator, Sleeper};

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        cinema_http::now()
    }
}

/// Time-ordered UUIDv7 ids.
pub struct UuidIds;

impl IdGenerator for UuidIds {
    fn new_id(&self) -> String {
        cinema_http::new_id()
    }
}

/// A uniform draw in `[0, 1)` from the host's random source (`wasi:random`).
pub struct RandomDraw;

impl FailureDraw for RandomDraw {
    fn draw(&self) -> f64 {
        // The low half of a v4 UUID holds 62 random bits under the 2 variant bits; 53 of them fill
        // an f64's mantissa exactly.
        let bits = (uuid::Uuid::new_v4().as_u64_pair().1 << 2) >> 11;
        bits as f64 / (1u64 << 53) as f64
    }
}

/// Blocks the instance (`wasi:clocks` poll under the hood); each request has its own instance.
pub struct ThreadSleeper;

impl Sleeper for ThreadSleeper {
    fn sleep(&self, duration: Duration) {
        if !duration.is_zero() {
            std::thread::sleep(duration);
        }
    }
}
