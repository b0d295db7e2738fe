//! The data a run books against: halls, movies and screenings created through the public API,
//! a pool of unique seats, and customer tokens.

use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::json;

use crate::http::Client;

/// Rows × seats of the booking halls (the API's maximum: 26 × 50).
const ROWS: u32 = 26;
const PER_ROW: u32 = 50;
const SCREENINGS_PER_MOVIE: usize = 10;

pub struct Fixture {
    /// Screenings of the big halls, each with `ROWS * PER_ROW` seats.
    pub screenings: Vec<String>,
    /// A screening in a typical 10 × 12 hall, for the seat-map read.
    pub small_screening: String,
    next_seat: Cell<u64>,
}

impl Fixture {
    /// Creates enough screenings for `seats` bookings of one seat (plus a typical small hall),
    /// and waits until the reservation side knows every one of them.
    pub async fn create(
        client: &Client,
        admin: &str,
        seats: u64,
        run: &str,
    ) -> anyhow::Result<Self> {
        let per_movie = u64::from(ROWS * PER_ROW) * SCREENINGS_PER_MOVIE as u64;
        let movies = seats.div_ceil(per_movie).max(1);
        let mut screenings = Vec::new();
        for m in 0..movies {
            screenings.extend(
                movie(
                    client,
                    admin,
                    &format!("{run}-{m}"),
                    ROWS,
                    PER_ROW,
                    SCREENINGS_PER_MOVIE,
                )
                .await?,
            );
        }
        let small_screening = movie(client, admin, &format!("{run}-small"), 10, 12, 1)
            .await?
            .remove(0);
        let fixture = Self {
            screenings,
            small_screening,
            next_seat: Cell::new(0),
        };
        fixture.wait_until_bookable(client, admin).await?;
        Ok(fixture)
    }

    pub fn capacity(&self) -> u64 {
        self.screenings.len() as u64 * u64::from(ROWS * PER_ROW)
    }

    /// The next never-booked seat: (screening id, label).
    pub fn take_seat(&self) -> Option<(&str, String)> {
        let n = self.next_seat.get();
        self.next_seat.set(n + 1);
        let per = u64::from(ROWS * PER_ROW);
        let screening = self.screenings.get(usize::try_from(n / per).ok()?)?;
        let i = u32::try_from(n % per).ok()?;
        let row = char::from(b'A' + u8::try_from(i / PER_ROW).ok()?);
        Some((screening, format!("{row}{}", i % PER_ROW + 1)))
    }

    /// Screenings reach the reservation side through events; a `404 unknown_screening` means
    /// "not yet". Polls the last screening with an impossible seat (422 once known).
    async fn wait_until_bookable(&self, client: &Client, admin: &str) -> anyhow::Result<()> {
        let token = client
            .dev_token(&format!("probe-{admin:.8}"), "customer")
            .await?;
        let started = Instant::now();
        for s in self.screenings.iter().chain([&self.small_screening]) {
            loop {
                let r = client
                    .post(
                        "/api/reservations",
                        Some(&token),
                        &json!({"screening_id": s, "seats": ["Z99"], "payment": {"card_token": "tok_visa"}}),
                    )
                    .await?;
                if r.status != 404 {
                    break;
                }
                if started.elapsed() > Duration::from_secs(60) {
                    bail!("screening {s} still unknown to the reservation side after 60 s");
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        Ok(())
    }
}

/// A hall and a movie with `count` screenings on consecutive days; returns the screening ids.
async fn movie(
    client: &Client,
    admin: &str,
    name: &str,
    rows: u32,
    per_row: u32,
    count: usize,
) -> anyhow::Result<Vec<String>> {
    let hall = client
        .post_ok(
            "/api/halls",
            Some(admin),
            &json!({"name": format!("bench {name}"), "rows": rows, "seats_per_row": per_row}),
            201,
        )
        .await?;
    let hall_id = hall["hall_id"].as_str().context("hall_id")?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let screenings: Vec<_> = (0..count)
        .map(|d| json!({"hall_id": hall_id, "starts_at": rfc3339(now + 86_400 * (d as u64 + 2))}))
        .collect();
    let movie = client
        .post_ok(
            "/api/movies",
            Some(admin),
            &json!({"title": format!("Bench {name}"), "runtime_min": 120,
                    "price": {"amount": 12000, "currency": "KRW"}, "screenings": screenings}),
            201,
        )
        .await?;
    movie["screenings"]
        .as_array()
        .context("screenings")?
        .iter()
        .map(|s| {
            s["screening_id"]
                .as_str()
                .map(str::to_string)
                .context("screening_id")
        })
        .collect()
}

/// Unix seconds → `YYYY-MM-DDTHH:00:00Z` (whole hour; civil-from-days, no date crate needed).
fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let hour = (secs % 86_400) / 3600;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{hour:02}:00:00Z")
}

/// `n` customer tokens named `<prefix>-<i>`, fetched 8 at a time.
pub async fn customers(client: &Client, prefix: &str, n: usize) -> anyhow::Result<Rc<Vec<String>>> {
    let mut tokens = Vec::with_capacity(n);
    for chunk in (0..n).collect::<Vec<_>>().chunks(8) {
        let batch = chunk.iter().map(|i| {
            let (client, sub) = (client.clone(), format!("{prefix}-{i}"));
            async move { client.dev_token(&sub, "customer").await }
        });
        for t in futures_join_all(batch).await {
            tokens.push(t?);
        }
    }
    Ok(Rc::new(tokens))
}

/// Awaits futures concurrently on the local task set, keeping their order.
async fn futures_join_all<F: std::future::Future + 'static>(
    futs: impl Iterator<Item = F>,
) -> Vec<F::Output>
where
    F::Output: 'static,
{
    let handles: Vec<_> = futs.map(tokio::task::spawn_local).collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        out.push(h.await.expect("task"));
    }
    out
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::collections::HashSet;

    use super::{Fixture, PER_ROW, ROWS, rfc3339};

    #[test]
    fn unix_seconds_format_as_utc_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_709_251_200 + 3600 * 5), "2024-03-01T05:00:00Z");
    }

    #[test]
    fn every_seat_is_handed_out_once_then_none() {
        // Given two screenings' worth of seats (one pool for every booking scenario of a run)
        let fixture = Fixture {
            screenings: vec!["s1".into(), "s2".into()],
            small_screening: "small".into(),
            next_seat: Cell::new(0),
        };
        // When seats are taken until the pool is empty
        let mut seen = HashSet::new();
        while let Some((screening, seat)) = fixture.take_seat() {
            assert!(
                seen.insert((screening.to_string(), seat.clone())),
                "{seat} twice"
            );
        }
        // Then every seat of both halls was handed out exactly once, A1 to Z50
        assert_eq!(seen.len() as u64, fixture.capacity());
        assert_eq!(seen.len() as u32, 2 * ROWS * PER_ROW);
        assert!(seen.contains(&("s2".to_string(), "Z50".to_string())));
        assert!(fixture.take_seat().is_none());
    }
}
