use super::*;

fn row(seats: i64) -> RowSpec {
    RowSpec {
        seats,
        ..RowSpec::default()
    }
}

fn with_aisles(mut spec: RowSpec, aisles: &[i64]) -> RowSpec {
    spec.aisles_after = aisles.to_vec();
    spec
}

fn with_kind(mut spec: RowSpec, kind: SeatKind, numbers: &[i64]) -> RowSpec {
    spec.kinds.push((kind, numbers.to_vec()));
    spec
}

fn spaced(mut spec: RowSpec) -> RowSpec {
    spec.space_before = true;
    spec
}

fn error_of(rows: &[RowSpec]) -> String {
    Layout::from_rows(rows).unwrap_err().message().to_string()
}

/// The doc's example: wheelchair and companion in A, premium in B, couples in C behind a cross
/// aisle.
fn example() -> Layout {
    Layout::from_rows(&[
        with_kind(
            with_kind(with_aisles(row(12), &[10, 2]), SeatKind::Wheelchair, &[1]),
            SeatKind::Companion,
            &[2],
        ),
        with_kind(
            with_aisles(row(12), &[2, 10]),
            SeatKind::Premium,
            &[8, 5, 6, 7],
        ),
        with_kind(
            spaced(row(10)),
            SeatKind::Couple,
            &[1, 2, 3, 4, 7, 8, 9, 10],
        ),
    ])
    .unwrap()
}

#[test]
fn a_rectangular_layout_has_1_to_26_rows_and_1_to_50_seats_per_row() {
    assert!(Layout::rectangular(1, 1).is_ok());
    assert!(Layout::rectangular(26, 50).is_ok());
    assert!(Layout::rectangular(0, 10).is_err());
    assert!(Layout::rectangular(27, 10).is_err());
    assert!(Layout::rectangular(10, 0).is_err());
    assert!(Layout::rectangular(10, 51).is_err());
    assert!(Layout::rectangular(-1, 10).is_err());
    assert!(Layout::rectangular(i64::MAX, 10).is_err());
}

#[test]
fn a_rectangular_layout_is_all_standard_seats_without_aisles() {
    let layout = Layout::rectangular(2, 3).unwrap();
    let labels: Vec<String> = layout.seats().map(|s| s.to_string()).collect();
    assert_eq!(labels, ["A1", "A2", "A3", "B1", "B2", "B3"]);
    assert_eq!(layout.seats_total(), 6);
    assert_eq!(layout.last_row_letter(), 'B');
    assert!(layout.cells().iter().all(|c| c.kind == SeatKind::Standard));
    assert_eq!(
        layout.grid(),
        Grid {
            rows: 2,
            columns: 3
        }
    );
}

#[test]
fn rows_may_differ_in_length_and_keep_their_labels() {
    let layout = example();
    assert_eq!(layout.rows(), 3);
    assert_eq!(layout.seats_per_row(), 12);
    assert_eq!(layout.seats_total(), 34);
    let labels: Vec<String> = layout.seats().map(|s| s.to_string()).collect();
    assert_eq!(labels[24], "C1");
    assert_eq!(labels.last().unwrap(), "C10");
}

#[test]
fn aisles_and_kinds_are_normalised_ascending() {
    let layout = example();
    let (_, b) = layout.each_row().nth(1).unwrap();
    assert_eq!(b.aisles_after(), [2, 10]);
    assert_eq!(b.numbers_of(SeatKind::Premium), [5, 6, 7, 8]);
    let event = layout.to_event();
    assert_eq!(event.rows[0].aisles_after, [2, 10]);
    assert_eq!(event.rows[0].kinds.len(), 2);
    assert_eq!(event.rows[2].label, "C");
    assert!(event.rows[2].space_before);
    assert_eq!(event.seat_count(), 34);
    assert_eq!(event.couple_partner("C8").as_deref(), Some("C7"));
}

#[test]
fn standard_may_be_named_and_changes_nothing() {
    let layout = Layout::from_rows(&[with_kind(row(4), SeatKind::Standard, &[1, 2])]).unwrap();
    assert_eq!(layout, Layout::rectangular(1, 4).unwrap());
    assert!(layout.to_event().rows[0].kinds.is_empty());
}

#[test]
fn a_layout_has_1_to_26_rows_of_1_to_50_seats() {
    assert!(error_of(&[]).contains("1 to 26 rows"));
    assert!(error_of(&vec![row(5); 27]).contains("1 to 26 rows"));
    assert!(Layout::from_rows(&vec![row(50); 26]).is_ok());
    assert_eq!(
        error_of(&[row(5), row(51)]),
        "row B: seats must be between 1 and 50 (got 51)"
    );
    assert!(error_of(&[row(0)]).starts_with("row A: seats"));
    assert!(error_of(&[row(-3)]).starts_with("row A: seats"));
}

#[test]
fn an_aisle_goes_between_two_seats_of_the_row_and_is_listed_once() {
    for bad in [0, 10, 11, -1] {
        let message = error_of(&[with_aisles(row(10), &[bad])]);
        assert!(message.contains("between 1 and 9"), "{bad}: {message}");
    }
    assert!(error_of(&[with_aisles(row(10), &[3, 3])]).contains("listed twice"));
    assert!(Layout::from_rows(&[with_aisles(row(10), &[9, 1])]).is_ok());
}

#[test]
fn the_first_row_cannot_have_a_space_before_it() {
    let message = error_of(&[spaced(row(10))]);
    assert!(message.starts_with("row A: space_before"), "{message}");
    assert!(Layout::from_rows(&[row(10), spaced(row(10))]).is_ok());
}

#[test]
fn a_seat_outside_its_row_cannot_have_a_kind() {
    let message = error_of(&[row(10), with_kind(row(8), SeatKind::Premium, &[9])]);
    assert_eq!(
        message,
        "row B: premium seat B9 is not in the row (seats B1-B8)"
    );
    assert!(error_of(&[with_kind(row(8), SeatKind::Wheelchair, &[0])]).contains("A0"));
}

#[test]
fn a_seat_named_twice_is_refused() {
    let twice_in_one_kind = error_of(&[with_kind(row(8), SeatKind::Premium, &[3, 3])]);
    assert_eq!(
        twice_in_one_kind,
        "row A: seat A3 is listed twice as premium"
    );
    let in_two_kinds = error_of(&[with_kind(
        with_kind(row(8), SeatKind::Premium, &[3]),
        SeatKind::Wheelchair,
        &[3],
    )]);
    assert_eq!(
        in_two_kinds,
        "row A: seat A3 is named twice in kinds (premium and wheelchair)"
    );
}

#[test]
fn couple_seats_pair_up_in_number_order() {
    let layout = Layout::from_rows(&[with_kind(row(8), SeatKind::Couple, &[6, 5, 2, 1])]).unwrap();
    let seat = |n| crate::seat::SeatLabel::at(1, n);
    assert_eq!(layout.couple_partner(seat(1)), Some(seat(2)));
    assert_eq!(layout.couple_partner(seat(6)), Some(seat(5)));
    assert_eq!(layout.couple_partner(seat(3)), None);
}

#[test]
fn an_odd_number_of_couple_seats_names_the_seat_without_a_partner() {
    let message = error_of(&[row(4), with_kind(row(8), SeatKind::Couple, &[1, 2, 3])]);
    assert!(message.starts_with("row B:"), "{message}");
    assert!(message.contains("B3 has no partner"), "{message}");
}

#[test]
fn couple_seats_must_be_next_to_each_other() {
    let message = error_of(&[with_kind(row(8), SeatKind::Couple, &[1, 3])]);
    assert!(
        message.contains("A1 and A3 are not next to each other"),
        "{message}"
    );
    // 2–3 would be adjacent, but pairing is by number order: 1–2 then 3–5.
    let message = error_of(&[with_kind(row(8), SeatKind::Couple, &[1, 2, 3, 5])]);
    assert!(message.contains("A3 and A5"), "{message}");
}

#[test]
fn couple_seats_split_by_an_aisle_are_refused() {
    let message = error_of(&[with_kind(
        with_aisles(row(8), &[4]),
        SeatKind::Couple,
        &[4, 5],
    )]);
    assert_eq!(
        message,
        "row A: couple seats A4 and A5 are split by an aisle"
    );
    assert!(
        Layout::from_rows(&[with_kind(
            with_aisles(row(8), &[4]),
            SeatKind::Couple,
            &[3, 4]
        )])
        .is_ok()
    );
}

#[test]
fn aisles_are_empty_columns_and_a_space_before_is_an_empty_grid_row() {
    let layout = example();
    // A and B: 12 seats + 2 aisles = 14 columns; C: 10 seats, centred: 2 columns either side.
    assert_eq!(
        layout.grid(),
        Grid {
            rows: 4,
            columns: 14
        }
    );
    let cells = layout.cells();
    let at = |label: &str| {
        let cell = cells.iter().find(|c| c.seat.to_string() == label).unwrap();
        (cell.grid_row, cell.grid_column)
    };
    assert_eq!(at("A1"), (0, 0));
    assert_eq!(at("A2"), (0, 1));
    assert_eq!(at("A3"), (0, 3)); // column 2 is the aisle after A2
    assert_eq!(at("A10"), (0, 10));
    assert_eq!(at("A11"), (0, 12)); // column 11 is the aisle after A10
    assert_eq!(at("A12"), (0, 13));
    assert_eq!(at("B1"), (1, 0));
    // Grid row 2 is the cross aisle in front of C.
    assert_eq!(at("C1"), (3, 2));
    assert_eq!(at("C10"), (3, 11));
}

#[test]
fn an_odd_difference_leaves_the_extra_column_on_the_right() {
    let layout = Layout::from_rows(&[row(5), row(2)]).unwrap();
    let b1 = layout.cells()[5];
    assert_eq!(
        (b1.seat.to_string(), b1.grid_row, b1.grid_column),
        ("B1".into(), 1, 1)
    );
}

#[test]
fn cells_carry_kinds_and_couple_partners() {
    let cells = example().cells();
    let cell = |label: &str| *cells.iter().find(|c| c.seat.to_string() == label).unwrap();
    assert_eq!(cell("A1").kind, SeatKind::Wheelchair);
    assert_eq!(cell("A2").kind, SeatKind::Companion);
    assert_eq!(cell("B5").kind, SeatKind::Premium);
    assert_eq!(cell("B4").kind, SeatKind::Standard);
    assert_eq!(
        cell("C3").pair.map(|p| p.to_string()).as_deref(),
        Some("C4")
    );
    assert_eq!(cell("C5").kind, SeatKind::Standard);
    assert_eq!(cell("C5").pair, None);
}

#[test]
fn a_hall_name_is_trimmed_and_must_not_be_empty_or_too_long() {
    assert_eq!(HallName::parse("  Hall 1 ").unwrap().as_str(), "Hall 1");
    assert!(HallName::parse("   ").is_err());
    assert!(HallName::parse(&"x".repeat(101)).is_err());
    assert!(HallName::parse(&"x".repeat(100)).is_ok());
    assert!(HallName::parse("a\nb").is_err());
}
