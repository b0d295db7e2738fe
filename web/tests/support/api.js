// Direct API calls for test set-up and for "another customer" (never for what the test checks
// the page does).

import { BASE_URL } from './browser.js';

/** The calls below against another app instance (support/app.js). */
export function at(base) {
  const call = (method, path, options) => request(base, method, path, options);
  const token = (sub, roles) => tokenAt(call, sub, roles);
  return {
    call,
    token,
    holdSeats: (customer, screeningId, seats) => call('POST', '/holds', { token: customer, body: { screening_id: screeningId, seats } }),
    hold: (customer, id) => call('GET', `/holds/${id}`, { token: customer }),
    bookHold: (customer, holdId, card = 'tok_visa') =>
      call('POST', '/reservations', { token: customer, body: { hold_id: holdId, payment: { card_token: card } } }),
    bookableScreening: (options) => bookableScreeningAt(call, token, options),
  };
}

async function request(base, method, path, { token, body, headers = {} } = {}) {
  const response = await fetch(`${base}/api${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  return { status: response.status, body: json };
}

const call = (method, path, options) => request(BASE_URL, method, path, options);

async function tokenAt(call, sub, roles) {
  const r = await call('POST', '/auth/dev-token', { body: { sub, roles } });
  if (r.status !== 200) throw new Error(`dev-token ${r.status}: ${JSON.stringify(r.body)} (is dev_auth=true?)`);
  return r.body.token;
}

/** A unique, valid customer id / title suffix per run. */
export const unique = (prefix) => `${prefix}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

export function inHours(hours) {
  const date = new Date(Date.now() + hours * 3600_000);
  date.setUTCSeconds(0, 0);
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export const token = (sub, roles) => tokenAt(call, sub, roles);

/** A hall, a movie with one screening, known to the catalog and to the reservation side. */
export const bookableScreening = (options) => bookableScreeningAt(call, token, options);

/**
 * 19:00 in Seoul (10:00Z), `days` days from now: { iso, month, day } (the Seoul calendar day is
 * the UTC one at 10:00Z).
 */
export function seoulEvening(days = 2) {
  const date = new Date(Date.now() + days * 86_400_000);
  date.setUTCHours(10, 0, 0, 0);
  return { iso: date.toISOString().replace(/\.\d{3}Z$/, 'Z'), month: date.getUTCMonth() + 1, day: date.getUTCDate(), ms: date.getTime() };
}

async function bookableScreeningAt(call, token, {
  title = unique('Movie'), rows = 5, seatsPerRow = 8, price = 11000, startsAt = inHours(30), runtimeMin = 100,
  layout = null, movie: extra = {}, more = [],
} = {}) {
  const admin = await token('admin', ['admin']);
  const hallBody = layout ? { name: unique('Hall'), layout } : { name: unique('Hall'), rows, seats_per_row: seatsPerRow };
  const hall = await call('POST', '/halls', { token: admin, body: hallBody });
  if (hall.status !== 201) throw new Error(`hall: ${JSON.stringify(hall.body)}`);
  const movie = await call('POST', '/movies', {
    token: admin,
    body: {
      title, runtime_min: runtimeMin, price: { amount: price, currency: 'KRW' },
      screenings: [startsAt, ...more].map((at) => ({ hall_id: hall.body.hall_id, starts_at: at })),
      ...extra,
    },
  });
  if (movie.status !== 201) throw new Error(`movie: ${JSON.stringify(movie.body)}`);
  const screeningId = movie.body.screenings[0].screening_id;
  const probe = await token(unique('probe'), ['customer']);
  await eventually('the reservation side and the catalog to know the screening', async () => {
    const booked = await call('POST', '/reservations', {
      token: probe, body: { screening_id: screeningId, seats: ['Z99'], payment: { card_token: 'tok_visa' } },
    });
    const movies = await call('GET', '/movies');
    const listed = movies.body.some((m) => m.screenings.some((s) => s.screening_id === screeningId));
    return booked.body?.error !== 'unknown_screening' && listed;
  });
  return {
    title, screeningId, screeningIds: movie.body.screenings.map((x) => x.screening_id), movieId: movie.body.movie_id, hallId: hall.body.hall_id, admin,
  };
}

export const book = (customer, screeningId, seats, card = 'tok_visa') =>
  call('POST', '/reservations', { token: customer, body: { screening_id: screeningId, seats, payment: { card_token: card } } });

export const seatMap = (screeningId) => call('GET', `/screenings/${screeningId}/seats`);
export const myReservations = (customer) => call('GET', '/my/reservations', { token: customer });
export const reservation = (customer, id) => call('GET', `/reservations/${id}`, { token: customer });
export const setSimulator = (admin, latencyMs, failureRate) =>
  call('PUT', '/admin/payment-simulator', { token: admin, body: { latency_ms: latencyMs, failure_rate: failureRate } });
export const cancel = (customer, id) => call('DELETE', `/reservations/${id}`, { token: customer });
export const myNotifications = (customer) => call('GET', '/my/notifications', { token: customer });
export const preferences = (customer) => call('GET', '/my/preferences', { token: customer });
export const setPreferences = (customer, language) => call('PUT', '/my/preferences', { token: customer, body: { language } });
export const raw = call;
const here = at(BASE_URL);
export const { holdSeats, hold, bookHold } = here;

export async function eventually(what, check, timeoutMs = 20_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
