//! Given a status change (and the screening as remembered), when the message is composed in a
//! language and a venue zone, then it reads as a customer there expects.

use cinema_events::{EventData, RejectionReason};

use super::compose;
use crate::locale::{Language, VenueZone};
use crate::model::{Amount, ScreeningInfo, StatusChange};
use crate::testing::{cancelled, confirmed, refunded, rejected};

const SEOUL: &str = "Asia/Seoul";

fn dune_at(starts_at: &str) -> ScreeningInfo {
    ScreeningInfo {
        screening_id: "s1".into(),
        movie_title: "듄: 파트 2".into(),
        hall_name: "1관".into(),
        starts_at: starts_at.into(),
        runtime_min: Some(166),
        price: Some(Amount {
            minor: 12_000,
            currency: "KRW".into(),
        }),
    }
}

/// A screening at 10:00Z on Sunday 6 December 2026: 19:00 in Seoul.
fn dune() -> ScreeningInfo {
    dune_at("2026-12-06T10:00:00Z")
}

fn change(event: &cinema_events::Envelope) -> StatusChange {
    StatusChange::from_event(event).unwrap()
}

fn zone(name: &str) -> VenueZone {
    VenueZone::parse(name).unwrap()
}

fn rejected_because(reason: RejectionReason) -> StatusChange {
    let mut event = rejected("01a2418d-0000-7000-8000-000000000000", "alice");
    if let EventData::ReservationRejected(r) = &mut event.data {
        r.reason = reason;
    }
    change(&event)
}

const ID: &str = "01a2418d-0000-7000-8000-000000000000";

// ---- Korean (the default) ----

/// The booking's own total (ticket types, seat surcharges) from the event, not price × seats.
#[test]
fn a_confirmation_or_cancellation_names_what_the_booking_cost() {
    let with_total = |mut event: cinema_events::Envelope| {
        let total = Some(cinema_events::Money {
            amount: 27_000,
            currency: "KRW".into(),
        });
        match &mut event.data {
            EventData::ReservationConfirmed(e) => e.total = total,
            EventData::ReservationCancelled(e) => e.total = total,
            other => panic!("{other:?}"),
        }
        change(&event)
    };
    for event in [confirmed(ID, "alice"), cancelled(ID, "alice")] {
        let text = compose(&with_total(event), Some(&dune()), Language::Ko, zone(SEOUL));
        assert!(text.contains("27,000원"), "{text}");
        assert!(!text.contains("24,000원"), "{text}");
    }
    let english = compose(
        &with_total(confirmed(ID, "alice")),
        Some(&dune()),
        Language::En,
        zone(SEOUL),
    );
    assert!(english.contains("₩27,000"), "{english}");
}

#[test]
fn a_korean_confirmation_reads_like_a_korean_cinema_in_venue_time() {
    let text = compose(
        &change(&confirmed(ID, "alice")),
        Some(&dune()),
        Language::Ko,
        zone(SEOUL),
    );
    assert_eq!(
        text,
        "[시네마] 예매가 확정되었습니다. 듄: 파트 2 · 1관 · 12월 6일(일) 19:00~21:46 · A1, A2 · 24,000원 · 예매번호 01a2418d. 즐거운 관람 되세요!"
    );
}

#[test]
fn a_korean_rejection_gives_each_reason_and_promises_the_refund() {
    let cases = [
        (
            RejectionReason::SeatsTaken,
            "선택하신 좌석 중 이미 판매된 좌석이 있어",
        ),
        (
            RejectionReason::UnknownScreening,
            "해당 상영 정보를 찾을 수 없어",
        ),
        (RejectionReason::ShowtimePassed, "상영 시작 시간이 지나"),
        (
            RejectionReason::UnknownSeat,
            "상영관에 없는 좌석이 포함되어",
        ),
    ];
    for (reason, why) in cases {
        let text = compose(
            &rejected_because(reason),
            Some(&dune()),
            Language::Ko,
            zone(SEOUL),
        );
        assert_eq!(
            text,
            format!(
                "[시네마] {why} 예매가 완료되지 않았습니다. 듄: 파트 2 · 1관 · 12월 6일(일) 19:00~21:46 · A1, A2 · 24,000원 · 예매번호 01a2418d. 결제하신 금액은 전액 환불됩니다."
            )
        );
    }
}

#[test]
fn a_korean_cancellation_promises_the_refund() {
    let text = compose(
        &change(&cancelled(ID, "alice")),
        Some(&dune()),
        Language::Ko,
        zone(SEOUL),
    );
    assert_eq!(
        text,
        "[시네마] 예매가 취소되었습니다. 듄: 파트 2 · 1관 · 12월 6일(일) 19:00~21:46 · A1, A2 · 24,000원 · 예매번호 01a2418d. 결제하신 금액은 환불 처리됩니다."
    );
}

#[test]
fn a_korean_refund_names_the_amount_in_won_and_the_reason() {
    let text = compose(
        &change(&refunded(ID, "alice", 24_000)),
        None,
        Language::Ko,
        zone(SEOUL),
    );
    assert_eq!(
        text,
        "[시네마] 환불이 완료되었습니다. 24,000원 · 예매번호 01a2418d · 사유: 예매 취소."
    );
}

#[test]
fn a_screening_not_yet_known_still_names_the_seats_and_the_booking() {
    let text = compose(
        &change(&confirmed(ID, "alice")),
        None,
        Language::Ko,
        zone(SEOUL),
    );
    assert_eq!(
        text,
        "[시네마] 예매가 확정되었습니다. A1, A2 · 예매번호 01a2418d. 즐거운 관람 되세요!"
    );
}

#[test]
fn a_booking_number_takes_the_place_of_the_short_id() {
    let mut with_number = change(&confirmed(ID, "alice"));
    with_number.booking_number = Some("2612-0457-3921".into());
    let ko = compose(&with_number, Some(&dune()), Language::Ko, zone(SEOUL));
    let en = compose(&with_number, Some(&dune()), Language::En, zone(SEOUL));
    assert!(ko.contains("예매번호 2612-0457-3921."), "{ko}");
    assert!(en.contains("Booking 2612-0457-3921."), "{en}");
}

// ---- English ----

#[test]
fn an_english_confirmation_names_the_venue_zone() {
    let text = compose(
        &change(&confirmed(ID, "alice")),
        Some(&dune()),
        Language::En,
        zone(SEOUL),
    );
    assert_eq!(
        text,
        "[Cinema] Booking confirmed. 듄: 파트 2 · 1관 · Sun 6 Dec 19:00–21:46 KST · Seats A1, A2 · ₩24,000 · Booking 01a2418d. Enjoy the film!"
    );
}

#[test]
fn an_english_rejection_gives_each_reason_and_promises_the_refund() {
    let cases = [
        (
            RejectionReason::SeatsTaken,
            "some of the seats were already taken",
        ),
        (
            RejectionReason::UnknownScreening,
            "the screening is no longer available",
        ),
        (
            RejectionReason::ShowtimePassed,
            "the showtime has already passed",
        ),
        (
            RejectionReason::UnknownSeat,
            "a seat does not exist in this hall",
        ),
    ];
    for (reason, why) in cases {
        let text = compose(
            &rejected_because(reason),
            Some(&dune()),
            Language::En,
            zone(SEOUL),
        );
        assert_eq!(
            text,
            format!(
                "[Cinema] We could not complete your booking because {why}. 듄: 파트 2 · 1관 · Sun 6 Dec 19:00–21:46 KST · Seats A1, A2 · ₩24,000 · Booking 01a2418d. Your payment will be refunded in full."
            )
        );
    }
}

#[test]
fn an_english_cancellation_promises_the_refund() {
    let text = compose(
        &change(&cancelled(ID, "alice")),
        Some(&dune()),
        Language::En,
        zone(SEOUL),
    );
    assert_eq!(
        text,
        "[Cinema] Booking cancelled. 듄: 파트 2 · 1관 · Sun 6 Dec 19:00–21:46 KST · Seats A1, A2 · ₩24,000 · Booking 01a2418d. Your payment will be refunded."
    );
}

#[test]
fn an_english_refund_names_the_amount_and_the_reason() {
    let text = compose(
        &change(&refunded(ID, "alice", 24_000)),
        None,
        Language::En,
        zone(SEOUL),
    );
    assert_eq!(
        text,
        "[Cinema] Refund completed. ₩24,000 · Booking 01a2418d · Reason: booking cancelled."
    );
}

// ---- the venue's zone ----

#[test]
fn a_venue_in_los_angeles_tells_local_time_across_the_end_of_daylight_saving() {
    // DST ends there on Sunday 1 November 2026: 02:00Z is 19:00 PDT the evening before,
    // 03:00Z a week later is 19:00 PST.
    let before = dune_at("2026-10-31T02:00:00Z");
    let after = dune_at("2026-11-07T03:00:00Z");
    let la = zone("America/Los_Angeles");
    let confirmation = change(&confirmed(ID, "alice"));
    let en_before = compose(&confirmation, Some(&before), Language::En, la);
    let en_after = compose(&confirmation, Some(&after), Language::En, la);
    assert!(
        en_before.contains("Fri 30 Oct 19:00–21:46 PDT"),
        "{en_before}"
    );
    assert!(en_after.contains("Fri 6 Nov 19:00–21:46 PST"), "{en_after}");
    let ko_after = compose(&confirmation, Some(&after), Language::Ko, la);
    assert!(
        ko_after.contains("11월 6일(금) 19:00~21:46 (현지 시각 PST)"),
        "{ko_after}"
    );
}

#[test]
fn a_screening_that_ends_after_midnight_ends_on_the_venue_clock() {
    let late = dune_at("2026-12-06T14:30:00Z"); // 23:30 in Seoul, 166 min
    let text = compose(
        &change(&confirmed(ID, "alice")),
        Some(&late),
        Language::Ko,
        zone(SEOUL),
    );
    assert!(text.contains("12월 6일(일) 23:30~02:16 ·"), "{text}");
}

#[test]
fn a_screening_remembered_without_runtime_or_price_shows_the_start_only() {
    let old = ScreeningInfo {
        runtime_min: None,
        price: None,
        ..dune()
    };
    let text = compose(
        &change(&confirmed(ID, "alice")),
        Some(&old),
        Language::En,
        zone(SEOUL),
    );
    assert_eq!(
        text,
        "[Cinema] Booking confirmed. 듄: 파트 2 · 1관 · Sun 6 Dec 19:00 KST · Seats A1, A2 · Booking 01a2418d. Enjoy the film!"
    );
}

#[test]
fn a_single_seat_is_singular_in_english() {
    let mut event = confirmed(ID, "alice");
    if let EventData::ReservationConfirmed(c) = &mut event.data {
        c.seats = vec!["B7".into()];
    }
    let text = compose(&change(&event), Some(&dune()), Language::En, zone(SEOUL));
    assert!(text.contains("· Seat B7 · ₩12,000 ·"), "{text}");
}
