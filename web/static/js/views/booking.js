// One booking, live: polls the reservation about once a second until nothing more will happen
// without the customer (CONFIRMED, or REJECTED / CANCELLED once refunded), and stops when the
// customer leaves the page. Cancelling starts the polling again until the refund lands.

import * as api from '../api.js';
import { h, announce, redraw } from '../dom.js';
import { errorBox } from '../errors.js';
import { dayAndTime, money, showtime, statusText, t } from '../i18n.js';
import { poll } from '../poll.js';
import * as session from '../session.js';
import { bookingNumber, cancellable, settled } from '../status.js';
import { cancelControl } from './cancel.js';
import { ticketsRow } from './tickets.js';

const POLL_MS = 1000;

// What checkout already knows, so the page shows the booking at once.
const known = new Map();

export function remember(reservation, info) {
  known.set(reservation.reservation_id, {
    reservation,
    movie: info ? { title: info.movie.title, runtime_min: info.movie.runtime_min, starts_at: info.screening.starts_at, hall_name: info.screening.hall_name } : null,
  });
}

export default function booking(root, { params: [id], signal, setTitle }) {
  setTitle(t('booking.title'));
  if (!session.isCustomer(session.current())) {
    root.append(h('section', { class: 'card narrow' },
      h('h1', {}, t('booking.title')),
      h('p', {}, t('my.signInFirst')),
      h('a', { class: 'button button--primary', href: `/signin?next=${encodeURIComponent(location.pathname)}` }, t('nav.signIn'))));
    return;
  }
  const entry = known.get(id) ?? { reservation: null, movie: null };
  known.set(id, entry);
  const panel = h('div', { id: 'booking', 'aria-busy': 'true' }, h('p', { class: 'loading' }, t('common.loading')));
  const messages = h('div', { class: 'messages', id: 'booking-messages' });
  root.append(
    h('p', { class: 'back' }, h('a', { href: '/my' }, t('booking.back'))),
    h('h1', {}, t('booking.title')),
    messages, panel);

  let lastStatus = entry.reservation ? describeState(entry.reservation) : null;

  let drawn = null;
  let cancelBox = null;

  function draw() {
    const r = entry.reservation;
    if (!r) return;
    const key = JSON.stringify(entry);
    if (key === drawn) return;
    drawn = key;
    panel.removeAttribute('aria-busy');
    const movie = entry.movie;
    if (cancellable({ ...r, starts_at: movie?.starts_at })) {
      // Kept across redraws, so an open "are you sure?" is not reset by the next poll.
      cancelBox ??= cancelControl({ id: r.reservation_id, messages, onCancelled: (updated) => { update(updated); watch(); } });
    } else cancelBox = null;
    redraw(panel, () => [
      h('section', { class: 'card status-card', dataset: { status: r.status, paymentStatus: r.payment_status ?? '' } },
        h('div', { class: 'status-line' },
          h('span', { class: 'badge', id: 'booking-status', dataset: { status: r.status } }, statusText(r.status)),
          r.payment_status === 'REFUNDED' ? h('span', { class: 'badge', id: 'booking-refund', dataset: { status: 'REFUNDED' } }, statusText('REFUNDED')) : null,
          settled(r) ? null : h('span', { class: 'spinner', role: 'img', 'aria-label': t('booking.updating') })),
        h('p', { class: 'status-text', id: 'booking-explanation' }, explanation(r)),
        steps(r)),
      h('section', { class: 'card' },
        h('h2', {}, t('booking.details')),
        h('dl', { class: 'details' },
          movie ? [h('dt', {}, t('booking.movie')), h('dd', { id: 'booking-movie' }, movie.title)] : null,
          movie ? [h('dt', {}, t('booking.showtime')), h('dd', { id: 'booking-showtime' }, h('time', { datetime: movie.starts_at }, showtime(movie.starts_at, movie.runtime_min)))] : null,
          movie && cancellable({ ...r, starts_at: movie.starts_at })
            ? [h('dt', {}, t('booking.cancelUntil')), h('dd', { id: 'booking-deadline' }, dayAndTime(movie.starts_at))] : null,
          movie?.hall_name ? [h('dt', {}, t('booking.hall')), h('dd', {}, movie.hall_name)] : null,
          h('dt', {}, t('booking.seats')), h('dd', { id: 'booking-seats' }, r.seats.join(', ')),
          ticketsRow(r.tickets, { className: 'booking__tickets' }),
          h('dt', {}, t('booking.total')), h('dd', {}, money(r.total)),
          h('dt', {}, t('booking.payment')), h('dd', { id: 'booking-payment' }, r.payment_status ? statusText(r.payment_status) : '—'),
          h('dt', {}, t('booking.number')), h('dd', { class: 'mono', id: 'booking-number' }, bookingNumber(r)),
          h('dt', {}, t('booking.id')), h('dd', { class: 'mono small' }, r.reservation_id)),
        cancelBox)]);
  }

  function update(r) {
    entry.reservation = r;
    const state = describeState(r);
    if (lastStatus && state !== lastStatus) announce(`${t('booking.title')}: ${state}`);
    lastStatus = state;
    draw();
  }

  async function loadMovie() {
    if (entry.movie || !entry.reservation) return;
    const all = await api.movies(signal);
    for (const movie of all) {
      const s = movie.screenings.find((x) => x.screening_id === entry.reservation.screening_id);
      if (s) entry.movie = { title: movie.title, runtime_min: movie.runtime_min, starts_at: s.starts_at, hall_name: s.hall_name };
    }
    if (entry.movie) draw();
  }

  let watching = false;
  function watch() {
    if (watching) return;
    watching = true;
    poll(async () => {
      try {
        update(await api.reservation(id, signal));
        messages.replaceChildren();
        loadMovie().catch(() => {});
      } catch (error) {
        if (error.name === 'AbortError') throw error;
        messages.replaceChildren(errorBox(error));
        if (error.status === 404 || error.status === 401 || error.status === 403) return true;
      }
      const done = settled(entry.reservation);
      if (done) watching = false;
      return done;
    }, POLL_MS, signal);
  }

  draw();
  watch();
}

function describeState(r) {
  return r.payment_status === 'REFUNDED' ? `${statusText(r.status)}, ${statusText('REFUNDED')}` : statusText(r.status);
}

function explanation(r) {
  if (r.status === 'PAID') return t('booking.explain.PAID');
  if (r.status === 'CONFIRMED') return t('booking.explain.CONFIRMED');
  if (r.status === 'REJECTED') return r.payment_status === 'REFUNDED' ? t('booking.explain.REJECTED_REFUNDED') : t('booking.explain.REJECTED');
  if (r.status === 'CANCELLED') return r.payment_status === 'REFUNDED' ? t('booking.explain.CANCELLED_REFUNDED') : t('booking.explain.CANCELLED');
  return '';
}

/** The lifecycle as steps: done, current or still to come. */
function steps(r) {
  const path = r.status === 'REJECTED'
    ? ['PAID', 'REJECTED', 'REFUNDED']
    : r.status === 'CANCELLED'
      ? ['PAID', 'CONFIRMED', 'CANCELLED', 'REFUNDED']
      : ['PAID', 'CONFIRMED'];
  const reached = (step) => {
    if (step === 'REFUNDED') return r.payment_status === 'REFUNDED';
    if (step === 'CONFIRMED' && r.status === 'CANCELLED') return true;
    return path.indexOf(step) <= path.indexOf(r.status);
  };
  const current = [...path].reverse().find(reached);
  return h('ol', { class: 'steps', 'aria-label': t('booking.progress') },
    path.map((step) => h('li', {
      class: `step ${reached(step) ? 'step--done' : ''}`,
      'aria-current': step === current ? 'step' : null,
    }, statusText(step))));
}
