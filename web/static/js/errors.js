// API errors as the customer reads them: an explanation in the UI's language chosen by the
// error's code (then by its HTTP status). The server's own `message` is English text for API
// users: the English UI shows it under the explanation; the Korean UI keeps it folded away in
// "details" (for support), never in the alert's text.

import { h } from './dom.js';
import { language, t } from './i18n.js';
import { seatOrder } from './status.js';

const seconds = (error) => ({ seconds: error.retryAfter ?? 1 });

/** error.code → the explanation (a dictionary key, or a function for texts with values). */
const BY_CODE = {
  network: 'error.network',
  unauthorized: 'error.unauthorized',
  forbidden: 'error.forbidden',
  not_found: 'error.notFound',
  auth_not_configured: 'error.authNotConfigured',
  invalid_json: 'error.invalidJson',
  validation_failed: 'error.invalid',
  payload_too_large: 'error.tooLarge',
  method_not_allowed: 'error.notAllowed',
  payment_declined: 'error.declined',
  payment_unavailable: (error) => t('error.busy', seconds(error)),
  // The gateway shedding load, or the booking store too busy: nothing was booked.
  overloaded: (error) => t('error.overloaded', seconds(error)),
  busy: (error) => t('error.storeBusy', seconds(error)),
  seats_taken: (error) => (error.seats?.length
    ? t('error.seatsTakenNamed', { seats: [...error.seats].sort(seatOrder).join(', ') })
    : t('error.seatsTaken')),
  hold_expired: 'error.holdExpired',
  unknown_screening: 'error.unknownScreening',
  showtime_passed: 'error.showtimePassed',
  not_cancellable: 'error.notCancellable',
  already_checked_in: 'error.alreadyCheckedIn',
  idempotency_key_reused: 'error.idempotencyKeyReused',
  request_in_progress: (error) => t('error.inProgress', seconds(error)),
  rate_limited: (error) => t('error.rateLimited', seconds(error)),
  invalid_ticket: 'error.invalidTicket',
  ticket_not_valid: 'error.ticketNotValid',
  not_confirmed: 'error.notConfirmed',
  no_ticket: 'error.noTicket',
  tickets_not_configured: 'error.ticketsNotConfigured',
  // The gateway: a context that is not deployed or not answering (503), or that failed (502).
  service_unavailable: 'error.serviceUnavailable',
  bad_gateway: 'error.serviceUnavailable',
};

/** For codes this page does not know yet: what the status says. */
function byStatus(error) {
  switch (error.status) {
    case 0: return t('error.network');
    case 400: return t('error.invalidJson');
    case 401: return t('error.unauthorized');
    case 402: return t('error.declined');
    case 403: return t('error.forbidden');
    case 404: return t('error.notFound');
    case 409: return t('error.conflict');
    case 413: return t('error.tooLarge');
    case 422: return t('error.invalid');
    case 429: return t('error.rateLimited', seconds(error));
    case 503: return t('error.busy', seconds(error));
    default: return t('error.generic', { status: error.status });
  }
}

/** { title: the explanation in the UI's language, detail: the server's text (English) or null }. */
export function describe(error) {
  const known = BY_CODE[error.code];
  const title = typeof known === 'function' ? known(error) : known ? t(known) : byStatus(error);
  const detail = error.status === 0 || !error.message || error.message === title ? null : error.message;
  return { title, detail };
}

/** A message box for an error (role=alert: read out at once). */
export function errorBox(error) {
  if (!(error instanceof Error)) return null;
  const { title, detail } = describe(error);
  return h('div', { class: 'alert alert--error', role: 'alert', dataset: { code: error.code ?? '', status: error.status ?? '' } },
    h('p', { class: 'alert__title' }, title),
    detail ? serverText(detail) : null);
}

function serverText(detail) {
  if (language() === 'en') return h('p', { class: 'alert__detail' }, detail);
  return h('details', { class: 'alert__more' },
    h('summary', {}, t('error.details')),
    h('p', { class: 'alert__detail', lang: 'en' }, detail));
}

export function noticeBox(text, kind = 'success') {
  return h('div', { class: `alert alert--${kind}`, role: 'status' }, h('p', { class: 'alert__title' }, text));
}
