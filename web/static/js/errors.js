// API errors as the customer reads them: a localized explanation plus the server's own message.

import { h } from './dom.js';
import { t } from './i18n.js';
import { seatOrder } from './status.js';

export function describe(error) {
  const detail = error.message;
  switch (error.status) {
    case 0:
      return { title: t('error.network'), detail: null };
    case 401:
      return { title: t('error.unauthorized'), detail };
    case 402:
      return { title: t('error.declined'), detail };
    case 403:
      return { title: t('error.forbidden'), detail };
    case 404:
      return { title: error.code === 'unknown_screening' ? t('error.unknownScreening') : t('error.notFound'), detail };
    case 409:
      return { title: conflict(error), detail };
    case 422:
      return { title: t('error.invalid'), detail };
    case 429:
      return { title: t('error.rateLimited', { seconds: error.retryAfter ?? 1 }), detail };
    case 503:
      return { title: t('error.busy', { seconds: error.retryAfter ?? 1 }), detail };
    default:
      return { title: t('error.generic', { status: error.status }), detail };
  }
}

function conflict(error) {
  switch (error.code) {
    case 'seats_taken':
      return error.seats?.length
        ? t('error.seatsTakenNamed', { seats: [...error.seats].sort(seatOrder).join(', ') })
        : t('error.seatsTaken');
    case 'hold_expired':
      return t('error.holdExpired');
    case 'request_in_progress':
      return t('error.inProgress', { seconds: error.retryAfter ?? 1 });
    default:
      return t('error.conflict');
  }
}

/** A message box for an error (role=alert: read out at once). */
export function errorBox(error) {
  if (!(error instanceof Error)) return null;
  const { title, detail } = describe(error);
  return h('div', { class: 'alert alert--error', role: 'alert', dataset: { code: error.code ?? '', status: error.status ?? '' } },
    h('p', { class: 'alert__title' }, title),
    detail ? h('p', { class: 'alert__detail' }, detail) : null);
}

export function noticeBox(text, kind = 'success') {
  return h('div', { class: `alert alert--${kind}`, role: 'status' }, h('p', { class: 'alert__title' }, text));
}
