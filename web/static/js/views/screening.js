// One screening: the seat map (authoritative, from the theater) and checkout. The movie, time and
// price come from the catalog read model, which may lag a freshly registered screening by a moment.

import * as api from '../api.js';
import { h, field, keepDraft, randomKey, sleep, announce } from '../dom.js';
import { errorBox } from '../errors.js';
import { dateTime, money, t, tn } from '../i18n.js';
import { poll } from '../poll.js';
import * as session from '../session.js';
import { seatOrder } from '../status.js';
import { createSeatMap } from './seatmap.js';
import { remember } from './booking.js';

export const MAX_SEATS = 10;
const SEAT_REFRESH_MS = 5000;
/** The reservation side learns new screenings from events: retry `unknown_screening` this long. */
const UNKNOWN_SCREENING_GRACE_MS = 8000;

// The choice survives re-renders (language switch) and coming back to the page.
const selections = new Map();

export default function screening(root, { params: [screeningId], signal, navigate, setTitle }) {
  setTitle(t('screening.title'));
  const selected = selections.get(screeningId) ?? new Set();
  selections.set(screeningId, selected);
  let statuses = new Map();
  let info = null; // { movie, screening } from the catalog
  let map = null;
  let attempt = null; // { body, key }: the same body is retried with the same Idempotency-Key
  let busyUntil = 0;
  let countdown = null;

  const heading = h('h1', { id: 'screening-title' }, t('screening.title'));
  const meta = h('p', { class: 'muted screening-meta', id: 'screening-meta' });
  const mapSlot = h('div', { class: 'map-slot', 'aria-busy': 'true' }, h('p', { class: 'loading' }, t('common.loading')));
  const notices = h('div', { class: 'messages', id: 'seat-notices' });
  const summary = h('dl', { class: 'summary', id: 'checkout-summary' });
  const messages = h('div', { class: 'messages', id: 'checkout-messages' });
  const who = session.current();
  const card = keepDraft(h('input', { id: 'card-token', name: 'card_token', value: 'tok_visa', autocomplete: 'off', spellcheck: 'false', required: true }));
  const pay = h('button', { type: 'submit', class: 'button button--primary button--wide', id: 'pay' });
  const form = h('form', { class: 'checkout-form', id: 'checkout-form', novalidate: true },
    field(t('checkout.card'), card, t('checkout.cardHint')), messages, pay);

  root.append(
    h('p', { class: 'back' }, h('a', { href: '/' }, t('screening.back'))),
    heading, meta,
    h('div', { class: 'booking-layout' },
      h('section', { class: 'card seat-card', 'aria-labelledby': 'seat-heading' },
        h('h2', { id: 'seat-heading' }, t('seats.title')),
        h('p', { class: 'hint' }, t('seats.keyboardHint', { max: MAX_SEATS })),
        notices, mapSlot),
      h('aside', { class: 'card checkout', 'aria-labelledby': 'checkout-heading' },
        h('h2', { id: 'checkout-heading' }, t('checkout.title')),
        summary,
        checkoutBody())));

  function checkoutBody() {
    if (session.isCustomer(who)) return form;
    if (who) return h('p', { class: 'alert alert--info' }, t('checkout.customersOnly'));
    return h('p', {}, h('a', { class: 'button button--primary button--wide', id: 'signin-to-book', href: `/signin?next=${encodeURIComponent(location.pathname)}` }, t('checkout.signInToBook')));
  }

  const price = () => info?.screening?.price ?? null;

  function drawSummary() {
    const seats = [...selected].sort(seatOrder);
    const each = price();
    const total = each ? { amount: each.amount * seats.length, currency: each.currency } : null;
    summary.replaceChildren(
      h('dt', {}, t('checkout.seats')), h('dd', { id: 'selected-seats' }, seats.length ? seats.join(', ') : t('checkout.noSeats')),
      h('dt', {}, t('checkout.price')), h('dd', {}, each ? t('checkout.priceEach', { price: money(each) }) : '—'),
      h('dt', {}, t('checkout.total')), h('dd', { class: 'total', id: 'checkout-total' }, total ? money(total) : '—'));
    const waiting = busyUntil > Date.now();
    pay.disabled = seats.length === 0 || !each || waiting || pay.getAttribute('aria-busy') === 'true';
    if (pay.getAttribute('aria-busy') === 'true') pay.textContent = t('checkout.paying');
    else if (waiting) pay.textContent = t('checkout.retryIn', { seconds: Math.ceil((busyUntil - Date.now()) / 1000) });
    else pay.textContent = total && seats.length ? t('checkout.pay', { total: money(total) }) : t('checkout.payNothing');
  }

  function drawInfo() {
    if (!info) return;
    const { movie, screening: s } = info;
    heading.textContent = movie.title;
    setTitle(movie.title);
    meta.replaceChildren(
      h('time', { datetime: s.starts_at }, dateTime(s.starts_at)),
      s.hall_name ? ` · ${s.hall_name}` : '',
      ` · ${t('movies.runtime', { minutes: movie.runtime_min })}`);
  }

  function toggle(label) {
    if (statuses.get(label) === 'taken') return;
    if (selected.has(label)) selected.delete(label);
    else if (selected.size >= MAX_SEATS) {
      notices.replaceChildren(h('div', { class: 'alert alert--info', role: 'status' }, h('p', { class: 'alert__title' }, t('seats.max', { max: MAX_SEATS }))));
      return;
    } else selected.add(label);
    notices.replaceChildren();
    messages.replaceChildren();
    map.update(statuses, selected);
    drawSummary();
    announce(tn('seats.selectedCount', selected.size));
  }

  async function loadSeats() {
    const layout = await api.seatMap(screeningId, signal);
    if (signal.aborted) return;
    statuses = new Map(layout.seats.map((s) => [s.label, s.status]));
    if (!map) {
      map = createSeatMap({ rows: layout.rows, seatsPerRow: layout.seats_per_row, onToggle: toggle });
      mapSlot.replaceChildren(map.element);
      mapSlot.removeAttribute('aria-busy');
    }
    const lost = [...selected].filter((label) => statuses.get(label) !== 'free');
    lost.forEach((label) => selected.delete(label));
    if (lost.length) {
      notices.replaceChildren(h('div', { class: 'alert alert--info', role: 'status' },
        h('p', { class: 'alert__title' }, t('seats.nowTaken', { seats: lost.sort(seatOrder).join(', ') }))));
    }
    map.update(statuses, selected);
    drawSummary();
  }

  async function loadInfo() {
    const all = await api.movies(signal);
    for (const movie of all) {
      const found = movie.screenings.find((s) => s.screening_id === screeningId);
      if (found) {
        info = { movie, screening: found };
        drawInfo();
        drawSummary();
        return true;
      }
    }
    return false;
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (pay.disabled) return;
    const seats = [...selected].sort(seatOrder);
    const token = card.value.trim();
    messages.replaceChildren();
    if (!token) {
      messages.append(h('div', { class: 'alert alert--error', role: 'alert' }, h('p', { class: 'alert__title' }, t('checkout.cardMissing'))));
      card.focus();
      return;
    }
    const body = { screening_id: screeningId, seats, payment: { card_token: token } };
    const bodyText = JSON.stringify(body);
    if (attempt?.body !== bodyText) attempt = { body: bodyText, key: randomKey() };
    pay.setAttribute('aria-busy', 'true');
    drawSummary();
    try {
      const started = Date.now();
      let placed;
      for (;;) {
        try {
          placed = await api.book(body, attempt.key);
          break;
        } catch (error) {
          if (error.code !== 'unknown_screening' || Date.now() - started > UNKNOWN_SCREENING_GRACE_MS) throw error;
          await sleep(500);
        }
      }
      selections.delete(screeningId);
      remember(placed, info);
      navigate(`/bookings/${encodeURIComponent(placed.reservation_id)}`);
    } catch (error) {
      if (signal.aborted) return;
      pay.removeAttribute('aria-busy');
      messages.replaceChildren(errorBox(error));
      if (error.status === 409) loadSeats().catch(() => {});
      if ((error.status === 503 || error.status === 429) && error.retryAfter) waitBeforeRetry(error.retryAfter);
      drawSummary();
      if (error.status === 402) card.focus();
    }
  });

  function waitBeforeRetry(seconds) {
    busyUntil = Date.now() + seconds * 1000;
    clearInterval(countdown);
    countdown = setInterval(() => {
      if (signal.aborted || Date.now() >= busyUntil) clearInterval(countdown);
      drawSummary();
    }, 250);
    signal.addEventListener('abort', () => clearInterval(countdown), { once: true });
  }

  drawSummary();
  poll(async () => {
    try {
      await loadSeats();
    } catch (error) {
      if (error.name === 'AbortError') throw error;
      if (!map) mapSlot.replaceChildren(errorBox(error));
    }
    return false;
  }, SEAT_REFRESH_MS, signal);
  // The catalog may not know a screening registered a moment ago: ask again until it does.
  let lookups = 0;
  poll(async () => (await loadInfo()) || ++lookups >= 30, 1000, signal);
}
