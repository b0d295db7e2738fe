// The booking lifecycle as the UI needs it (API.md: PAID → CONFIRMED | REJECTED; CONFIRMED →
// CANCELLED; payment APPROVED → REFUNDED after REJECTED or CANCELLED).

/** Nothing more will happen without the customer: poll until this is true. */
export function settled(r) {
  if (!r) return false;
  if (r.status === 'CONFIRMED') return true;
  if (r.status === 'REJECTED' || r.status === 'CANCELLED') return r.payment_status === 'REFUNDED';
  return false;
}

export function cancellable(r) {
  const upcoming = !r.starts_at || Date.parse(r.starts_at) > Date.now();
  return (r.status === 'PAID' || r.status === 'CONFIRMED') && upcoming;
}

/** Seat labels in hall order: A2 before A10, row B after row A. */
export function seatOrder(a, b) {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** What a person reads: the booking number (`2612-0457-3921`) where the server has one, else the id's start. */
export function bookingNumber(r) {
  return r.booking_number ?? (r.reservation_id ?? '').slice(0, 8).toUpperCase();
}

/** Upcoming: the show is still ahead and the booking stands (paid or confirmed). */
export function upcoming(r, now = Date.now()) {
  const ahead = !r.starts_at || Date.parse(r.starts_at) > now;
  return ahead && (r.status === 'PAID' || r.status === 'CONFIRMED');
}
