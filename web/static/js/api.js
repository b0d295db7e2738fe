// The only way the page talks to the server: JSON over the gateway's /api.

import * as session from './session.js';

export class ApiError extends Error {
  constructor(status, code, message, retryAfter = null, seats = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
    /** The seats an error names (409 `seats_taken`: the ones someone else has). */
    this.seats = seats;
  }
}

let onUnauthorized = () => {};
/** Called when the server refuses our token (expired, or signed with another secret). */
export const setUnauthorizedHandler = (f) => { onUnauthorized = f; };

async function send(method, path, { body, headers = {}, signal, token, keepalive = false, accept = 'application/json' } = {}) {
  const sent = { accept, ...headers };
  const auth = token ? { token } : session.current();
  if (auth) sent.authorization = `Bearer ${auth.token}`;
  if (body !== undefined) sent['content-type'] = 'application/json';
  try {
    return await fetch(`/api${path}`, {
      method,
      headers: sent,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      cache: 'no-store',
      keepalive,
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', e.message);
  }
}

function parseJson(text) {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

/** The ApiError for a refused request; a refused session token also signs the user out. */
function refused(response, data, token) {
  const error = new ApiError(
    response.status,
    data?.error ?? `http_${response.status}`,
    data?.message ?? response.statusText,
    retryAfterSeconds(response.headers.get('retry-after')),
    Array.isArray(data?.seats) ? data.seats : null,
  );
  if (response.status === 401 && !token && session.current()) onUnauthorized(error);
  return error;
}

async function call(method, path, options = {}) {
  const response = await send(method, path, options);
  const data = parseJson(await response.text());
  if (!response.ok) throw refused(response, data, options.token);
  return data;
}

/**
 * A file the API answers with (a CSV export), fetched with the session's token, which a plain
 * link could not send: `{ blob, filename }`, the name from `content-disposition` (or null).
 */
async function file(path, { signal, accept } = {}) {
  const response = await send('GET', path, { signal, accept: `${accept}, application/json;q=0.5` });
  if (!response.ok) throw refused(response, parseJson(await response.text()));
  return { blob: await response.blob(), filename: attachmentName(response.headers.get('content-disposition')) };
}

/** A plain-text answer (the metrics' Prometheus text), fetched with the session's token. */
async function text(path, { signal } = {}) {
  const response = await send('GET', path, { signal, accept: 'text/plain, application/json;q=0.5' });
  const body = await response.text();
  if (!response.ok) throw refused(response, parseJson(body));
  return body;
}

/** The file name a `content-disposition` header gives (`filename*=UTF-8''…` preferred), or null. */
export function attachmentName(header) {
  if (!header) return null;
  const extended = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(header);
  if (extended) {
    try {
      return decodeURIComponent(extended[1].trim());
    } catch {
      // a malformed escape: fall back to the plain name
    }
  }
  const plain = /filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/i.exec(header);
  if (!plain) return null;
  const name = plain[1] !== undefined ? plain[1].replace(/\\(.)/g, '$1') : plain[2];
  // Only a name, never a path.
  return name.split(/[\\/]/).pop() || null;
}

/** `Retry-After` as whole seconds (≥ 1), from seconds or an HTTP date. */
export function retryAfterSeconds(value) {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(1, Math.ceil(seconds));
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(1, Math.ceil((date - Date.now()) / 1000));
}

const id = (value) => encodeURIComponent(value);

export const devToken = (sub, roles) => call('POST', '/auth/dev-token', { body: { sub, roles } });
export const movies = (signal) => call('GET', '/movies', { signal });
export const seatMap = (screening, signal) => call('GET', `/screenings/${id(screening)}/seats`, { signal });
export const book = (body, idempotencyKey) =>
  call('POST', '/reservations', { body, headers: { 'idempotency-key': idempotencyKey } });
/** `tickets` ({adult: 1, youth: 1}) only where the screening sells several ticket types. */
export const hold = (screening, seats, tickets = null) =>
  call('POST', '/holds', { body: { screening_id: screening, seats, ...(tickets ? { tickets } : {}) } });
/** The staff programme; `from`/`to` (RFC 3339) bound the showtimes, else the server's window. */
export const programme = (signal, { from, to } = {}) => {
  const query = new URLSearchParams(Object.entries({ from, to }).filter(([, v]) => v)).toString();
  return call('GET', `/admin/programme${query ? `?${query}` : ''}`, { signal });
};
/** The seat map with who holds each taken seat (staff). */
export const seatHolders = (screening, signal) => call('GET', `/admin/screenings/${id(screening)}/seats`, { signal });
export const holdStatus = (holdId, signal) => call('GET', `/holds/${id(holdId)}`, { signal });
/**
 * Releases a hold with the token it was placed with (the customer may have signed out since);
 * `keepalive` lets the request outlive the page (pagehide: sendBeacon cannot DELETE).
 */
export const releaseHold = (holdId, token, { keepalive = false } = {}) =>
  call('DELETE', `/holds/${id(holdId)}`, { token, keepalive });
export const reservation = (reservationId, signal) => call('GET', `/reservations/${id(reservationId)}`, { signal });
export const cancel = (reservationId) => call('DELETE', `/reservations/${id(reservationId)}`);
/** The signed ticket code of a CONFIRMED booking (what its QR code holds), with what it admits. */
export const ticket = (reservationId, signal) => call('GET', `/reservations/${id(reservationId)}/ticket`, { signal });
/** Staff at the door: a scanned or typed ticket code → who it admits and whether it was used before. */
export const checkIn = (code) => call('POST', '/admin/check-ins', { body: { code } });
export const myReservations = (signal) => call('GET', '/my/reservations', { signal });
export const myNotifications = (signal) => call('GET', '/my/notifications', { signal });
/** `{language: "ko" | "en"}`; a 404 where the server has no preferences yet. */
export const preferences = (signal) => call('GET', '/my/preferences', { signal });
export const setPreferences = (body) => call('PUT', '/my/preferences', { body });
export const halls = (signal) => call('GET', '/halls', { signal });
export const createHall = (body) => call('POST', '/halls', { body });
export const registerMovie = (body) => call('POST', '/movies', { body });
export const addScreening = (movieId, body) => call('POST', `/movies/${id(movieId)}/screenings`, { body });
export const simulator = (signal) => call('GET', '/admin/payment-simulator', { signal });
export const setSimulator = (body) => call('PUT', '/admin/payment-simulator', { body });
/** Staff sales report: `from`/`to` venue days (YYYY-MM-DD, both included), `group` day | movie | screening. */
export const salesReport = ({ from, to, group }, signal) =>
  call('GET', `/admin/reports/sales?${new URLSearchParams({ from, to, group })}`, { signal });
/** The same report as a CSV file: `{ blob, filename }`. */
export const salesReportCsv = ({ from, to, group }, signal) =>
  file(`/admin/reports/sales?${new URLSearchParams({ from, to, group, format: 'csv' })}`, { signal, accept: 'text/csv' });
/** One screening's figures: seats sold/held/free, takings, ticket types, bookings by status. */
export const screeningReport = (screening, signal) => call('GET', `/admin/reports/screenings/${id(screening)}`, { signal });
/** The platform's health in the Prometheus text format (read with prometheus.js). */
export const metrics = (signal) => text('/admin/metrics', { signal });
/**
 * Every consuming context's dead letters: `{ letters, failed }`. When some contexts did not
 * answer, the gateway says 502 with the others' letters and `failed` (context → why): the page
 * shows what it got and names the rest.
 */
export async function deadLetters(signal) {
  const response = await send('GET', '/admin/events/dead-letters', { signal });
  const data = parseJson(await response.text());
  if (response.ok) return { letters: Array.isArray(data) ? data : [], failed: {} };
  if (response.status === 502 && Array.isArray(data?.dead_letters)) return { letters: data.dead_letters, failed: data.failed ?? {} };
  throw refused(response, data);
}
/** Puts a dead letter's event back on the event stream (every consumer sees it again) and removes the letter. */
export const replayDeadLetter = (context, eventId) =>
  call('POST', `/admin/events/dead-letters/${id(context)}/${id(eventId)}/retry`);
