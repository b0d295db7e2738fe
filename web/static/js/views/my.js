// My bookings (the my-page read model) with cancel, and my notifications. Polls about once a
// second while a booking is still moving, every few seconds otherwise; stops when the customer
// leaves the page.

import * as api from '../api.js';
import { h, redraw } from '../dom.js';
import { errorBox } from '../errors.js';
import { dateTime, money, statusText, t } from '../i18n.js';
import { poll } from '../poll.js';
import * as session from '../session.js';
import { cancellable, settled } from '../status.js';
import { cancelControl } from './cancel.js';

const FAST_MS = 1000;
const SLOW_MS = 5000;

export default function my(root, { signal, setTitle }) {
  setTitle(t('my.title'));
  if (!session.isCustomer(session.current())) {
    root.append(h('section', { class: 'card narrow' },
      h('h1', {}, t('my.title')),
      h('p', {}, t('my.signInFirst')),
      h('a', { class: 'button button--primary', href: '/signin?next=/my' }, t('nav.signIn'))));
    return;
  }
  const messages = h('div', { class: 'messages', id: 'my-messages' });
  const bookings = h('div', { class: 'booking-list', id: 'my-bookings', 'aria-busy': 'true' }, h('p', { class: 'loading' }, t('common.loading')));
  const notifications = h('div', { id: 'my-notifications', 'aria-busy': 'true' }, h('p', { class: 'loading' }, t('common.loading')));
  root.append(
    h('h1', {}, t('my.title')),
    messages,
    h('div', { class: 'my-layout' },
      h('section', { 'aria-labelledby': 'bookings-heading' }, h('h2', { id: 'bookings-heading' }, t('my.bookings')), bookings),
      h('section', { 'aria-labelledby': 'notifications-heading' }, h('h2', { id: 'notifications-heading' }, t('my.notifications')), notifications)));

  const state = { reservations: null, notifications: null, pending: new Set() };
  const cancelBoxes = new Map();
  let drawn = { bookings: null, notifications: null };

  function cancelBox(r) {
    if (!cancelBoxes.has(r.reservation_id)) {
      cancelBoxes.set(r.reservation_id, cancelControl({
        id: r.reservation_id,
        messages,
        onCancelled: (updated) => {
          // The read model catches up in a moment; show the command's answer meanwhile.
          state.pending.add(updated.reservation_id);
          const mine = state.reservations?.find((x) => x.reservation_id === updated.reservation_id);
          if (mine) Object.assign(mine, { status: updated.status, payment_status: updated.payment_status });
          draw();
        },
      }));
    }
    return cancelBoxes.get(r.reservation_id);
  }

  function draw() {
    const list = state.reservations;
    if (list) {
      const key = JSON.stringify(list);
      if (key !== drawn.bookings) {
        drawn.bookings = key;
        bookings.removeAttribute('aria-busy');
        redraw(bookings, () => (list.length === 0
          ? h('div', { class: 'card empty' }, h('p', {}, t('my.noBookings')), h('a', { class: 'button', href: '/' }, t('my.browse')))
          : [...list].sort((a, b) => (b.created_at ?? '').localeCompare(a.created_at ?? '')).map((r) => bookingCard(r, cancellable(r) ? cancelBox(r) : null))));
      }
    }
    const notes = state.notifications;
    if (notes) {
      const key = JSON.stringify(notes);
      if (key !== drawn.notifications) {
        drawn.notifications = key;
        notifications.removeAttribute('aria-busy');
        redraw(notifications, () => (notes.length === 0
          ? h('p', { class: 'muted' }, t('my.noNotifications'))
          : h('ol', { class: 'notifications' }, [...notes]
            .sort((a, b) => (b.created_at ?? '').localeCompare(a.created_at ?? ''))
            .map(notification))));
      }
    }
  }

  poll(async () => {
    try {
      const [reservations, notes] = await Promise.all([api.myReservations(signal), api.myNotifications(signal)]);
      if (signal.aborted) return true;
      for (const r of reservations) {
        const ahead = state.reservations?.find((x) => x.reservation_id === r.reservation_id);
        // Keep the cancel we already know about until the read model has it too.
        if (state.pending.has(r.reservation_id)) {
          if (r.status === 'CANCELLED') state.pending.delete(r.reservation_id);
          else if (ahead) Object.assign(r, { status: ahead.status, payment_status: ahead.payment_status });
        }
      }
      state.reservations = reservations;
      state.notifications = notes;
      messages.replaceChildren();
      draw();
    } catch (error) {
      if (error.name === 'AbortError') throw error;
      messages.replaceChildren(errorBox(error));
    }
    return false;
  }, () => (state.reservations?.every(settled) && state.pending.size === 0 ? SLOW_MS : FAST_MS), signal);
}

function bookingCard(r, cancel) {
  return h('article', { class: 'card booking', dataset: { reservationId: r.reservation_id, status: r.status } },
    h('div', { class: 'booking__head' },
      h('h3', { class: 'booking__title' }, r.movie_title ?? t('my.unknownMovie')),
      h('div', { class: 'badges' },
        h('span', { class: 'badge booking__status', dataset: { status: r.status } }, statusText(r.status)),
        r.payment_status === 'REFUNDED' ? h('span', { class: 'badge booking__refund', dataset: { status: 'REFUNDED' } }, statusText('REFUNDED')) : null)),
    h('dl', { class: 'details details--compact' },
      r.starts_at ? [h('dt', {}, t('booking.showtime')), h('dd', {}, h('time', { datetime: r.starts_at }, dateTime(r.starts_at)))] : null,
      r.hall_name ? [h('dt', {}, t('booking.hall')), h('dd', {}, r.hall_name)] : null,
      h('dt', {}, t('booking.seats')), h('dd', { class: 'booking__seats' }, r.seats.join(', ')),
      h('dt', {}, t('booking.total')), h('dd', {}, money(r.total)),
      h('dt', {}, t('booking.payment')), h('dd', {}, r.payment_status ? statusText(r.payment_status) : '—')),
    h('div', { class: 'actions' },
      h('a', { class: 'button button--ghost', href: `/bookings/${encodeURIComponent(r.reservation_id)}`, dataset: { key: `details-${r.reservation_id}` } }, t('my.details')),
      cancel));
}

function notification(n) {
  return h('li', { class: 'notification', dataset: { status: n.status, reservationId: n.reservation_id } },
    h('div', { class: 'notification__head' },
      h('span', { class: 'badge', dataset: { status: n.status } }, statusText(n.status)),
      h('time', { class: 'muted', datetime: n.created_at }, dateTime(n.created_at))),
    h('p', { class: 'notification__message' }, n.message),
    h('p', { class: 'muted small' }, t('my.delivery', { delivery: t(`delivery.${n.delivery}`), channel: n.channel })));
}
