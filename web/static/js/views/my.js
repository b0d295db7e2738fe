// My bookings (the my-page read model), upcoming ones first with their cancellation deadline and
// cancel, then past and cancelled ones; and my notifications. Polls about once a second while a
// booking is still moving, every few seconds otherwise; stops when the customer leaves the page.

import * as api from '../api.js';
import { h, redraw } from '../dom.js';
import { errorBox } from '../errors.js';
import { dateTime, dayAndTime, money, showtime, statusText, t } from '../i18n.js';
import { poll } from '../poll.js';
import * as session from '../session.js';
import { bookingNumber, cancellable, settled, upcoming } from '../status.js';
import { cancelControl } from './cancel.js';
import { ticketControl } from './ticket.js';
import { ticketsRow } from './tickets.js';

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
  // The catalog knows each screening's movie runtime and hall (for "19:00~21:21"); looked up
  // again only when a booking names a screening not seen yet.
  const screenings = new Map();
  let catalogAt = 0;
  async function learnScreenings(reservations) {
    if (!reservations.some((r) => !screenings.has(r.screening_id)) || Date.now() - catalogAt < SLOW_MS) return;
    catalogAt = Date.now();
    for (const movie of await api.movies(signal)) {
      for (const s of movie.screenings) screenings.set(s.screening_id, { runtime_min: movie.runtime_min, hall_name: s.hall_name });
    }
  }
  const withCatalog = (r) => ({ ...screenings.get(r.screening_id), ...r });
  const cancelBoxes = new Map();
  // A ticket stays open (and its code fetched once) across the list's redraws.
  const tickets = new Map();
  const ticketOf = (r) => {
    if (r.status !== 'CONFIRMED' || !r.booking_number || !upcoming(r)) return null;
    if (!tickets.has(r.reservation_id)) tickets.set(r.reservation_id, ticketControl(r));
    return Object.assign(tickets.get(r.reservation_id), { booking: r });
  };
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
          : bookingSections(list, (r) => (cancellable(r) ? cancelBox(r) : null), ticketOf)));
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
      await learnScreenings(reservations).catch((error) => {
        if (error.name === 'AbortError') throw error;
      });
      state.reservations = reservations.map(withCatalog);
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

const when = (r) => Date.parse(r.starts_at ?? r.created_at ?? '') || 0;

/** Upcoming (soonest first), then past and cancelled (latest first). */
function bookingSections(list, cancelOf, ticketOf) {
  const now = Date.now();
  const ahead = list.filter((r) => upcoming(r, now)).sort((a, b) => when(a) - when(b));
  const done = list.filter((r) => !upcoming(r, now)).sort((a, b) => when(b) - when(a));
  const section = (id, title, items, empty) => h('section', { class: 'booking-group', id, 'aria-labelledby': `${id}-heading` },
    h('h3', { id: `${id}-heading` }, title, ' ', h('span', { class: 'count muted' }, `(${items.length})`)),
    items.length ? items.map((r) => bookingCard(r, cancelOf(r), ticketOf(r))) : h('p', { class: 'muted' }, empty));
  const sections = [section('my-upcoming', t('my.upcoming'), ahead, t('my.noUpcoming'))];
  if (done.length) sections.push(section('my-past', t('my.past'), done, ''));
  return sections;
}

function bookingCard(r, cancel, ticket) {
  return h('article', { class: 'card booking', dataset: { reservationId: r.reservation_id, status: r.status } },
    h('div', { class: 'booking__head' },
      h('h4', { class: 'booking__title' }, r.movie_title ?? t('my.unknownMovie')),
      h('div', { class: 'badges' },
        h('span', { class: 'badge booking__status', dataset: { status: r.status } }, statusText(r.status)),
        r.payment_status === 'REFUNDED' ? h('span', { class: 'badge booking__refund', dataset: { status: 'REFUNDED' } }, statusText('REFUNDED')) : null)),
    h('dl', { class: 'details details--compact' },
      h('dt', {}, t('booking.number')), h('dd', { class: 'mono booking__number' }, bookingNumber(r)),
      r.starts_at ? [h('dt', {}, t('booking.showtime')), h('dd', { class: 'booking__when' }, h('time', { datetime: r.starts_at }, showtime(r.starts_at, r.runtime_min)))] : null,
      r.hall_name ? [h('dt', {}, t('booking.hall')), h('dd', {}, r.hall_name)] : null,
      h('dt', {}, t('booking.seats')), h('dd', { class: 'booking__seats' }, r.seats.join(', ')),
      ticketsRow(r.tickets),
      h('dt', {}, t('booking.total')), h('dd', {}, money(r.total)),
      h('dt', {}, t('booking.payment')), h('dd', {}, r.payment_status ? statusText(r.payment_status) : '—')),
    cancel && r.starts_at ? h('p', { class: 'booking__deadline' }, t('my.cancelUntil', { when: dayAndTime(r.starts_at) })) : null,
    h('div', { class: 'actions' },
      ticket?.button,
      h('a', { class: 'button button--ghost', href: `/bookings/${encodeURIComponent(r.reservation_id)}`, dataset: { key: `details-${r.reservation_id}` } }, t('my.details')),
      cancel),
    ticket?.panel);
}

const KNOWN_CHANNELS = ['kakao', 'log'];

/** The channel as the customer knows it: the server's label, else ours. */
function channelName(n) {
  if (typeof n.channel_label === 'string' && n.channel_label) return n.channel_label;
  return KNOWN_CHANNELS.includes(n.channel) ? t(`channel.${n.channel}`) : (n.channel ?? '—');
}

function notification(n) {
  return h('li', { class: 'notification', dataset: { status: n.status, reservationId: n.reservation_id } },
    h('div', { class: 'notification__head' },
      h('span', { class: 'badge', dataset: { status: n.status } }, statusText(n.status)),
      h('time', { class: 'muted', datetime: n.created_at }, dateTime(n.created_at))),
    // The server writes the message in the customer's language (or, before it did, in English).
    h('p', { class: 'notification__message', lang: n.language ?? (n.message && /[가-힣]/.test(n.message) ? 'ko' : 'en') }, n.message),
    h('p', { class: 'muted small notification__delivery' }, t('my.delivery', { delivery: t(`delivery.${n.delivery}`), channel: channelName(n) })));
}
