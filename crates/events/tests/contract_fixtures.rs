//! The event contract's wire form, written down: one JSON file per event type in
//! `contract/events/` at the repository root, produced here from the Rust types (every field set,
//! options included). Consumers written in other languages test their parsers against these
//! files; this test fails when the Rust side's wire form and the committed files differ, so a
//! change to the contract shows up in review. After an intended change:
//! `UPDATE_CONTRACT_FIXTURES=1 cargo test -p cinema-events --test contract_fixtures`.

use std::path::PathBuf;

use cinema_events::*;

fn krw(amount: i64) -> Money {
    Money {
        amount,
        currency: "KRW".into(),
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_string()).collect()
}

fn layout() -> HallLayout {
    HallLayout {
        rows: vec![
            LayoutRow {
                label: "A".into(),
                seats: 6,
                aisles_after: vec![2],
                space_before: false,
                kinds: vec![
                    SeatsOfKind {
                        kind: SeatKind::Wheelchair,
                        numbers: vec![1],
                    },
                    SeatsOfKind {
                        kind: SeatKind::Companion,
                        numbers: vec![2],
                    },
                    SeatsOfKind {
                        kind: SeatKind::Premium,
                        numbers: vec![4, 5],
                    },
                ],
            },
            LayoutRow {
                label: "B".into(),
                seats: 4,
                aisles_after: vec![],
                space_before: true,
                kinds: vec![SeatsOfKind {
                    kind: SeatKind::Couple,
                    numbers: vec![1, 2, 3, 4],
                }],
            },
        ],
    }
}

fn prices() -> Vec<TicketPrice> {
    [
        (TicketType::Adult, 15_000),
        (TicketType::Youth, 12_000),
        (TicketType::Senior, 7_000),
        (TicketType::Disabled, 5_000),
    ]
    .into_iter()
    .map(|(ticket_type, amount)| TicketPrice {
        ticket_type,
        price: krw(amount),
    })
    .collect()
}

fn surcharges() -> Vec<SeatSurcharge> {
    vec![
        SeatSurcharge {
            kind: SeatKind::Premium,
            amount: krw(2_000),
        },
        SeatSurcharge {
            kind: SeatKind::Couple,
            amount: krw(2_000),
        },
    ]
}

/// One sample payload of every type of the contract.
fn samples() -> Vec<EventData> {
    let (r, c, s, p) = ("r-1", "alice", "s-1", "p-1");
    let number = Some("2612-0457-3921".to_string());
    vec![
        EventData::MovieRegistered(MovieRegistered {
            movie_id: "m-1".into(),
            title: "기생충".into(),
            runtime_min: 132,
            price: krw(15_000),
            age_rating: Some("15".into()),
            genre: Some("드라마".into()),
            synopsis: Some("A family of four…".into()),
            prices: Some(prices()),
            seat_surcharges: Some(surcharges()),
        }),
        EventData::ScreeningScheduled(ScreeningScheduled {
            screening_id: s.into(),
            movie_id: "m-1".into(),
            movie_title: "기생충".into(),
            runtime_min: 132,
            hall_id: "h-1".into(),
            hall_name: "1관".into(),
            starts_at: "2026-12-06T10:00:00Z".into(),
            rows: 2,
            seats_per_row: 6,
            price: krw(15_000),
            layout: Some(layout()),
            prices: Some(prices()),
            seat_surcharges: Some(surcharges()),
            age_rating: Some("15".into()),
        }),
        EventData::SeatsAllocated(SeatsAllocated {
            reservation_id: r.into(),
            screening_id: s.into(),
            seats: strings(&["A3", "A4"]),
        }),
        EventData::SeatsRejected(SeatsRejected {
            reservation_id: r.into(),
            screening_id: s.into(),
            seats: strings(&["A3", "A4"]),
            reason: RejectionReason::SeatsTaken,
            taken: strings(&["A4"]),
        }),
        EventData::SeatsReleased(SeatsReleased {
            reservation_id: r.into(),
            screening_id: s.into(),
            seats: strings(&["A3", "A4"]),
        }),
        EventData::ReservationPlaced(ReservationPlaced {
            reservation_id: r.into(),
            customer_id: c.into(),
            screening_id: s.into(),
            seats: strings(&["A3", "A4"]),
            total: krw(27_000),
            payment_id: p.into(),
            booking_number: number.clone(),
            tickets: Some(vec![
                TicketCount {
                    ticket_type: TicketType::Adult,
                    count: 1,
                },
                TicketCount {
                    ticket_type: TicketType::Youth,
                    count: 1,
                },
            ]),
        }),
        EventData::ReservationConfirmed(ReservationConfirmed {
            reservation_id: r.into(),
            customer_id: c.into(),
            screening_id: s.into(),
            seats: strings(&["A3", "A4"]),
            booking_number: number.clone(),
            total: Some(krw(27_000)),
        }),
        EventData::ReservationRejected(ReservationRejected {
            reservation_id: r.into(),
            customer_id: c.into(),
            screening_id: s.into(),
            seats: strings(&["A3", "A4"]),
            payment_id: p.into(),
            reason: RejectionReason::SeatsTaken,
            booking_number: number.clone(),
            total: Some(krw(27_000)),
        }),
        EventData::ReservationCancelled(ReservationCancelled {
            reservation_id: r.into(),
            customer_id: c.into(),
            screening_id: s.into(),
            seats: strings(&["A3", "A4"]),
            payment_id: p.into(),
            was_confirmed: true,
            booking_number: number,
            total: Some(krw(27_000)),
        }),
        EventData::ReservationAbandoned(ReservationAbandoned {
            reservation_id: r.into(),
            customer_id: c.into(),
            reason: "payment-timeout".into(),
        }),
        EventData::SeatsHeld(SeatsHeld {
            hold_id: "hold-1".into(),
            customer_id: c.into(),
            screening_id: s.into(),
            seats: strings(&["A3", "A4"]),
            expires_at: "2026-12-05T10:10:00Z".into(),
        }),
        EventData::HoldReleased(HoldReleased {
            hold_id: "hold-1".into(),
            screening_id: s.into(),
            seats: strings(&["A3", "A4"]),
            reason: "booked".into(),
        }),
        EventData::PaymentApproved(PaymentApproved {
            payment_id: p.into(),
            reservation_id: r.into(),
            customer_id: c.into(),
            amount: krw(27_000),
        }),
        EventData::PaymentRefunded(PaymentRefunded {
            payment_id: p.into(),
            reservation_id: r.into(),
            customer_id: c.into(),
            amount: krw(27_000),
            reason: "reservation-cancelled".into(),
        }),
    ]
}

fn envelope(data: EventData) -> Envelope {
    let reservation = matches!(
        data,
        EventData::ReservationPlaced(_)
            | EventData::ReservationConfirmed(_)
            | EventData::ReservationRejected(_)
            | EventData::ReservationCancelled(_)
    );
    Envelope {
        event_id: "01a2418d-0000-7000-8000-000000000001".into(),
        type_: data.type_name().into(),
        version: SCHEMA_VERSION,
        occurred_at: "2026-12-05T10:00:00Z".into(),
        correlation_id: "req-1".into(),
        causation_id: Some("01a2418d-0000-7000-8000-000000000000".into()),
        reservation_id: reservation.then(|| "r-1".into()),
        reservation_version: reservation.then_some(2),
        source: "reservation".into(),
        data,
    }
}

fn folder() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../contract/events")
}

#[test]
fn the_committed_samples_are_the_wire_form_of_every_event_type() {
    let update = std::env::var_os("UPDATE_CONTRACT_FIXTURES").is_some();
    let samples = samples();
    let mut names: Vec<&str> = samples.iter().map(EventData::type_name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), samples.len(), "one sample per type");
    for data in samples {
        let name = data.type_name();
        let envelope = envelope(data);
        let value: serde_json::Value =
            serde_json::from_str(&envelope.to_json()).expect("the wire form is JSON");
        let text = serde_json::to_string_pretty(&value).expect("pretty JSON") + "\n";
        let path = folder().join(format!("{name}.json"));
        if update {
            std::fs::create_dir_all(folder()).expect("create contract/events");
            std::fs::write(&path, &text).expect("write a sample");
            continue;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e}; run UPDATE_CONTRACT_FIXTURES=1 cargo test -p cinema-events --test contract_fixtures",
                path.display()
            )
        });
        assert_eq!(
            committed,
            text,
            "{} is not the wire form of {name} any more: a contract change? If intended, run \
             UPDATE_CONTRACT_FIXTURES=1 cargo test -p cinema-events --test contract_fixtures",
            path.display()
        );
        // And the committed form reads back as the same envelope.
        assert_eq!(Envelope::from_json(&committed).expect("parses"), envelope);
    }
    // No stale file of a type that no longer exists.
    if !update {
        let files = std::fs::read_dir(folder()).expect("contract/events exists");
        for file in files.flatten() {
            let name = file.file_name().to_string_lossy().to_string();
            let known = name
                .strip_suffix(".json")
                .is_some_and(|n| names.contains(&n));
            assert!(
                known,
                "contract/events/{name} is not an event type of the contract"
            );
        }
    }
}
