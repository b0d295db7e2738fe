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
