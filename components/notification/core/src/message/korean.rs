//! Korean messages, written the way a Korean cinema writes them:
//! `[시네마] 예매가 확정되었습니다. 듄: 파트 2 · 1관 · 12월 6일(토) 19:00~21:46 · A1, A2 · 24,000원 · 예매번호 …`.

use chrono::{DateTime, Datelike, Timelike, Weekday};
use chrono_tz::Tz;
use cinema_events::RejectionReason;

use super::{Facts, zone_abbreviation};
use crate::model::{Amount, Change, group_thousands};

/// The brand the web UI shows (`app.name`).
const BRAND: &str = "[시네마]";

pub(super) fn render(change: &Change, facts: &Facts<'_>) -> String {
    let details = details(facts);
    match change {
        Change::Confirmed { .. } => {
            format!("{BRAND} 예매가 확정되었습니다. {details}. 즐거운 관람 되세요!")
        }
        Change::Rejected { reason, .. } => format!(
            "{BRAND} {} 예매가 완료되지 않았습니다. {details}. 결제하신 금액은 전액 환불됩니다.",
            because(*reason)
        ),
        Change::Cancelled { .. } => {
            format!("{BRAND} 예매가 취소되었습니다. {details}. 결제하신 금액은 환불 처리됩니다.")
        }
        Change::Refunded { reason, .. } => {
            let why = match reason.as_str() {
                "reservation-cancelled" => " · 사유: 예매 취소",
                "reservation-rejected" => " · 사유: 좌석 배정 실패",
                _ => "",
            };
            format!("{BRAND} 환불이 완료되었습니다. {details}{why}.")
        }
    }
}

/// `듄: 파트 2 · 1관 · 12월 6일(토) 19:00~21:46 · A1, A2 · 24,000원 · 예매번호 01a2418d`.
fn details(facts: &Facts<'_>) -> String {
    let mut parts = Vec::new();
    if let Some(showing) = &facts.showing {
        parts.push(showing.movie.to_string());
        parts.push(showing.hall.to_string());
        if let Some((start, end)) = &showing.time {
            parts.push(showtime(start, end.as_ref()));
        }
    }
    if !facts.seats.is_empty() {
        parts.push(facts.seats.join(", "));
    }
    if let Some(amount) = &facts.amount {
        parts.push(won(amount));
    }
    parts.push(format!("예매번호 {}", facts.booking));
    parts.join(" · ")
}

/// `12월 6일(토) 19:00~21:46`; outside Korea's offset the venue's zone is named:
/// `… (현지 시각 PST)`.
fn showtime(start: &DateTime<Tz>, end: Option<&DateTime<Tz>>) -> String {
    let mut text = format!(
        "{}월 {}일({}) {:02}:{:02}",
        start.month(),
        start.day(),
        weekday(start.weekday()),
        start.hour(),
        start.minute()
    );
    if let Some(end) = end {
        text.push_str(&format!("~{:02}:{:02}", end.hour(), end.minute()));
    }
    if start.format("%z").to_string() != "+0900" {
        text.push_str(&format!(" (현지 시각 {})", zone_abbreviation(start)));
    }
    text
}

fn weekday(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "월",
        Weekday::Tue => "화",
        Weekday::Wed => "수",
        Weekday::Thu => "목",
        Weekday::Fri => "금",
        Weekday::Sat => "토",
        Weekday::Sun => "일",
    }
}

/// `24,000원` for won; other currencies as [`Amount`] writes them.
fn won(amount: &Amount) -> String {
    if amount.currency == "KRW" {
        let sign = if amount.minor < 0 { "-" } else { "" };
        format!("{sign}{}원", group_thousands(amount.minor.unsigned_abs()))
    } else {
        amount.to_string()
    }
}

/// The reason, as the start of `… 예매가 완료되지 않았습니다`.
fn because(reason: RejectionReason) -> &'static str {
    match reason {
        RejectionReason::SeatsTaken => "선택하신 좌석 중 이미 판매된 좌석이 있어",
        RejectionReason::UnknownScreening => "해당 상영 정보를 찾을 수 없어",
        RejectionReason::ShowtimePassed => "상영 시작 시간이 지나",
        RejectionReason::UnknownSeat => "상영관에 없는 좌석이 포함되어",
    }
}
