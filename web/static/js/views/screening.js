// One screening: the seat map (authoritative, from the theater) and checkout. The movie, time and
// price come from the catalog read model, which may lag a freshly registered screening by a moment.
//
// Checkout has two steps, as at a Korean cinema: choose seats, then "Hold seats and continue"
// places a hold (POST /api/holds) and the payment step shows the held seats, the total and a
// countdown (holdtimer.js). Paying books the hold ({hold_id, payment}). Changing the seats while
// they are held places a new hold (which replaces an overlapping old one on the server) and then
// releases the old one; "Release these seats", going elsewhere in the app, signing out or leaving
// the page releases the hold (pagehide: a keepalive DELETE). When the time is up the page says
// so, releases the hold and offers "Choose again". A 409 `seats_taken` marks the seats it names
// on the map as just taken.

import * as api from '../api.js';
import { h, field, keepDraft, randomKey, sleep, announce } from '../dom.js';
import { errorBox, noticeBox } from '../errors.js';
import { money, showtime, t, tn } from '../i18n.js';
import { poll } from '../poll.js';
import * as session from '../session.js';
import { seatOrder } from '../status.js';
import { createHoldTimer, deadlineOf, spoken } from './holdtimer.js';
import { createSeatMap, kindLegend } from './seatmap.js';
import { choosable, countsText, createTicketPicker, orderTotal, ticketCounts } from './tickets.js';
import { remember } from './booking.js';
import { ratingBadge, ratingOf } from './rating.js';

export const MAX_SEATS = 10;
const SEAT_REFRESH_MS = 5000;
/** The reservation side learns new screenings from events: retry `unknown_screening` this long. */
const UNKNOWN_SCREENING_GRACE_MS = 8000;
/** Seat changes while holding are gathered this long before the new hold is placed. */
const REHOLD_DEBOUNCE_MS = 700;
/** While holding, the hold's status is checked this often (released in another tab, expired). */
const HOLD_SYNC_MS = 30_000;
/** The theater shows a released hold's seats free within about a second: until then they are ours. */
const RELEASE_GRACE_MS = 10_000;

// The choice survives re-renders (language switch) and coming back to the page.
const selections = new Map();
// screening id → { hold, token, deadline, owner, released }: the active hold survives a re-render
// of the same screening (the language switch aborts the view and draws it again at once).
const holds = new Map();
// screening id → the non-adult ticket counts chosen ({youth: 1}); adult is what is left.
const ticketChoices = new Map();
// screening id → Map(seat → until): seats of a hold just released, which the theater's map may
// still show taken for a moment; to this customer they are free.
const releasedSeats = new Map();

function release(entry, options) {
  if (!entry || entry.released) return;
  entry.released = true;
  api.releaseHold(entry.hold.hold_id, entry.token, options).catch(() => {});
}

export default function screening(root, { params: [screeningId], signal, navigate, setTitle }) {
  setTitle(t('screening.title'));
  const selected = selections.get(screeningId) ?? new Set();
  selections.set(screeningId, selected);
  const recentlyMine = releasedSeats.get(screeningId) ?? new Map();
  releasedSeats.set(screeningId, recentlyMine);
  const lost = new Set(); // seats lost to someone else, marked on the map until the next hold
  let statuses = new Map();
  let info = null; // { movie, screening } from the catalog
  let seatInfo = null; // the seat map's prices, surcharges and seats left (from the theater)
  let others = ticketChoices.get(screeningId) ?? {};
  let map = null;
  let attempt = null; // { body, key }: the same body is retried with the same Idempotency-Key
  let busyUntil = 0;
  let countdown = null;
  // choose → holding → held (⇄ changing) → paying → the booking page; held → expired → choose
  let phase = 'choose';
  let current = null; // this view's hold entry (see `holds`)
  let rehold = null; // debounce timer of a seat change while holding
  let placing = false; // a hold request is out (one at a time)
  const me = {};

  const heading = h('h1', { id: 'screening-title' }, t('screening.title'));
  const meta = h('p', { class: 'muted screening-meta', id: 'screening-meta' });
  const mapSlot = h('div', { class: 'map-slot', 'aria-busy': 'true' }, h('p', { class: 'loading' }, t('common.loading')));
  const notices = h('div', { class: 'messages', id: 'seat-notices' });
  const summary = h('dl', { class: 'summary', id: 'checkout-summary' });
  const seatsLeft = h('p', { class: 'seats-left', id: 'seats-left' });
  const kindsSlot = h('div', { class: 'kinds-slot' });
  const picker = createTicketPicker({
    onChange: (next) => {
      others = next;
      ticketChoices.set(screeningId, others);
      messages.replaceChildren();
      if (phase === 'held' || phase === 'changing') seatsChangedWhileHolding();
      drawSummary();
    },
  });
  const selectedSeats = h('span', { class: 'bar__seats', id: 'selected-seats' });
  const totalText = h('span', { class: 'bar__total total', id: 'checkout-total' });
  const timer = createHoldTimer({
    onEnd: () => { if (phase === 'held' || (phase === 'changing' && !placing)) holdEnded('expired'); },
    quiet: () => phase === 'paying',
  });
  const messages = h('div', { class: 'messages', id: 'checkout-messages' });
  const who = session.current();
  const holdHint = h('p', { class: 'hint', id: 'hold-hint' }, t('checkout.holdHint'));
  const holdButton = h('button', { type: 'button', class: 'button button--primary button--wide', id: 'hold', 'aria-describedby': 'hold-hint', onclick: () => placeHold() });
  const holdStep = h('div', { class: 'hold-step', id: 'hold-step' }, holdButton);
  const card = keepDraft(h('input', { id: 'card-token', name: 'card_token', value: 'tok_visa', autocomplete: 'off', spellcheck: 'false', required: true }));
  const pay = h('button', { type: 'submit', form: 'checkout-form', class: 'button button--primary button--wide', id: 'pay' });
  const releaseButton = h('button', { type: 'button', class: 'button button--ghost button--wide', id: 'release-hold', onclick: () => releaseByChoice() }, t('checkout.releaseHold'));
  const form = h('form', { class: 'checkout-form', id: 'checkout-form', novalidate: true, hidden: true },
    h('p', { class: 'hint' }, t('checkout.heldHint')),
    field(t('checkout.card'), card, t('checkout.cardHint')), releaseButton);
  // The chosen seats, the total and the one next step, always in view on a phone (sticky).
  // On a phone the ticket types are below the map: the bar names them and leads there.
  const barTickets = h('span', { class: 'bar__tickets' });
  const toTickets = h('button', {
    type: 'button', class: 'bar__change', id: 'bar-tickets',
    onclick: () => {
      picker.element.scrollIntoView({ block: 'center' });
      picker.element.querySelector('.stepper__button:not(:disabled)')?.focus({ preventScroll: true });
    },
  }, t('tickets.change'));
  const ticketLine = h('div', { class: 'bar__ticket-line', hidden: true }, h('span', { class: 'bar__label' }, t('tickets.title')), barTickets, toTickets);
  const bar = h('div', { class: 'checkout-bar', id: 'checkout-bar' },
    h('div', { class: 'bar__line' },
      h('span', { class: 'bar__label' }, t('checkout.seats')), selectedSeats,
      h('span', { class: 'bar__label' }, t('checkout.total')), totalText),
    session.isCustomer(who) ? ticketLine : null,
    timer.element,
    session.isCustomer(who) ? [holdStep, pay] : null);

  root.append(
    h('p', { class: 'back' }, h('a', { href: '/' }, t('screening.back'))),
    heading, meta,
    h('div', { class: 'booking-layout' },
      h('section', { class: 'card seat-card', 'aria-labelledby': 'seat-heading' },
        h('h2', { id: 'seat-heading' }, t('seats.title')),
        h('p', { class: 'hint' }, t('seats.keyboardHint', { max: MAX_SEATS })),
        seatsLeft, notices, mapSlot, kindsSlot),
      h('div', { class: 'checkout-col' },
        h('aside', { class: 'card checkout', 'aria-labelledby': 'checkout-heading' },
          h('h2', { id: 'checkout-heading' }, t('checkout.title')),
          summary,
          checkoutBody()),
        bar)));

  function checkoutBody() {
    if (session.isCustomer(who)) return [picker.element, messages, holdHint, form];
    if (who) return h('p', { class: 'alert alert--info' }, t('checkout.customersOnly'));
    return h('p', {}, h('a', { class: 'button button--primary button--wide', id: 'signin-to-book', href: `/signin?next=${encodeURIComponent(location.pathname)}` }, t('checkout.signInToBook')));
  }

  const prices = () => seatInfo?.prices ?? info?.screening?.prices ?? null;
  const price = () => prices()?.adult ?? info?.screening?.price ?? null;
  const surcharges = () => seatInfo?.seat_surcharges ?? info?.screening?.seat_surcharges ?? null;
  /** The tickets to send with a hold: only when there is a choice of types. */
  const ticketsFor = (seatCount) => (choosable(prices()) ? ticketCounts(prices(), others, seatCount) : null);
  const cellOf = (label) => map?.cells.find((c) => c.label === label) ?? { label, kind: 'standard', price: null };
  const holding = () => phase === 'held' || phase === 'changing' || phase === 'paying';

  // ---- drawing

  function drawSummary() {
    const held = phase === 'held' || phase === 'paying' ? current?.hold : null;
    const seats = held ? [...held.seats].sort(seatOrder) : [...selected].sort(seatOrder);
    const each = price();
    const counts = held?.tickets ?? ticketsFor(seats.length) ?? { adult: seats.length };
    const total = held?.total ?? orderTotal({ prices: prices(), counts, cells: seats.map(cellOf), surcharges: surcharges(), price: each });
    const several = choosable(prices());
    picker.draw(prices(), others, selected.size, phase === 'holding' || phase === 'paying');
    selectedSeats.textContent = seats.length ? seats.join(', ') : t('checkout.noSeats');
    ticketLine.hidden = !several || !seats.length;
    barTickets.textContent = countsText(counts);
    toTickets.disabled = phase === 'holding' || phase === 'paying';
    totalText.textContent = total && seats.length ? money(total) : '—';
    summary.replaceChildren(...[
      several ? [] : [h('dt', {}, t('checkout.price')), h('dd', {}, each ? t('checkout.priceEach', { price: money(each) }) : '—')],
      several && seats.length ? [h('dt', {}, t('tickets.title')), h('dd', { id: 'ticket-summary' }, countsText(counts))] : [],
    ].flat());

    holdStep.hidden = phase !== 'choose' && phase !== 'holding';
    holdHint.hidden = holdStep.hidden;
    holdButton.disabled = phase !== 'choose' || selected.size === 0 || !each;
    holdButton.setAttribute('aria-busy', String(phase === 'holding'));
    holdButton.textContent = phase === 'holding' ? t('checkout.holding') : t('checkout.hold');

    form.hidden = !holding();
    pay.hidden = !holding();
    timer.element.hidden = !holding();
    form.dataset.holdId = current?.hold.hold_id ?? '';
    const waiting = busyUntil > Date.now();
    pay.disabled = phase !== 'held' || waiting;
    releaseButton.disabled = phase === 'paying';
    pay.setAttribute('aria-busy', String(phase === 'paying'));
    if (phase === 'paying') pay.textContent = t('checkout.paying');
    else if (phase === 'changing') pay.textContent = t('checkout.updating');
    else if (waiting) pay.textContent = t('checkout.retryIn', { seconds: Math.ceil((busyUntil - Date.now()) / 1000) });
    else pay.textContent = total && held ? t('checkout.pay', { total: money(total) }) : t('checkout.payNothing');
  }

  /** The hall's seat kinds with their prices (once the price is known). */
  function drawKinds() {
    if (map) kindsSlot.replaceChildren(kindLegend(map.cells, price()) ?? '');
  }

  function drawInfo() {
    if (!info) return;
    drawKinds();
    const { movie, screening: s } = info;
    heading.textContent = movie.title;
    setTitle(movie.title);
    meta.replaceChildren(
      ratingBadge(ratingOf(movie)),
      h('time', { datetime: s.starts_at, id: 'screening-when' }, showtime(s.starts_at, movie.runtime_min)),
      s.hall_name ? ` · ${s.hall_name}` : '',
      ` · ${t('movies.runtime', { minutes: movie.runtime_min })}`);
  }

  /** Seats the map shows taken only because this customer holds them (or just did). */
  function mine(label) {
    if (current && !current.released && current.hold.seats.includes(label)) return true;
    const until = recentlyMine.get(label);
    return until !== undefined && until > Date.now();
  }

  /** The status to draw: our own held seats are free to us. */
  const statusOf = (label) => (mine(label) ? 'free' : statuses.get(label));

  function drawMap() {
    if (!map) return;
    map.update(new Map([...statuses.keys()].map((label) => [label, statusOf(label)])), selected, lost);
  }

  /** Seats someone else has now: marked on the map and dropped from the choice. */
  function markLost(seats) {
    for (const label of seats) {
      lost.add(label);
      selected.delete(label);
      const pair = cellOf(label).pair; // a couple seat goes as a pair
      if (pair) selected.delete(pair);
      statuses.set(label, 'taken');
      recentlyMine.delete(label);
    }
    drawMap();
    drawSummary();
  }

  // ---- choosing

  function toggle(label) {
    if (phase === 'holding' || phase === 'paying') return;
    if (phase === 'expired') resetChoice({ focusMap: false });
    if (statusOf(label) === 'taken') return;
    // A couple seat is sold as a pair: both halves go together.
    const pair = cellOf(label).pair;
    if (pair && statusOf(pair) === 'taken' && !selected.has(label)) return;
    const labels = pair ? [label, pair] : [label];
    if (selected.has(label)) labels.forEach((l) => selected.delete(l));
    else if (selected.size + labels.length > MAX_SEATS) {
      notices.replaceChildren(h('div', { class: 'alert alert--info', role: 'status' }, h('p', { class: 'alert__title' }, t('seats.max', { max: MAX_SEATS }))));
      return;
    } else labels.forEach((l) => selected.add(l));
    notices.replaceChildren();
    messages.replaceChildren();
    drawMap();
    announce(tn('seats.selectedCount', selected.size));
    if (phase === 'held' || phase === 'changing') seatsChangedWhileHolding();
    drawSummary();
  }

  /** The customer changes the seats they hold: a new hold for the new choice, then the old one goes. */
  function seatsChangedWhileHolding() {
    clearTimeout(rehold);
    if (selected.size === 0) {
      dropHold();
      phase = 'choose';
      return;
    }
    phase = 'changing';
    rehold = setTimeout(() => {
      // A hold request still out notices the newer choice when it returns.
      if (signal.aborted || phase !== 'changing' || placing) return;
      placeHold();
    }, REHOLD_DEBOUNCE_MS);
  }

  async function loadSeats() {
    const layout = await api.seatMap(screeningId, signal);
    if (signal.aborted) return;
    statuses = new Map(layout.seats.map((s) => [s.label, s.status]));
    seatInfo = { prices: layout.prices ?? null, seat_surcharges: layout.seat_surcharges ?? null };
    const left = layout.seats_left ?? layout.seats.filter((s) => s.status === 'free').length;
    seatsLeft.textContent = tn('seats.left', left, { total: layout.seats.length });
    for (const [label, until] of recentlyMine) {
      if (statuses.get(label) === 'free' || until <= Date.now()) recentlyMine.delete(label);
    }
    for (const label of lost) if (statuses.get(label) === 'free') lost.delete(label);
    if (!map) {
      map = createSeatMap({ map: layout, onToggle: toggle });
      mapSlot.replaceChildren(map.element);
      drawKinds();
      mapSlot.removeAttribute('aria-busy');
    }
    const gone = phase === 'choose' ? [...selected].filter((label) => statusOf(label) !== 'free') : [];
    if (gone.length) {
      markLost(gone);
      notices.replaceChildren(h('div', { class: 'alert alert--info', role: 'status' },
        h('p', { class: 'alert__title' }, t('seats.nowTaken', { seats: gone.sort(seatOrder).join(', ') }))));
    }
    drawMap();
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

  // ---- the hold

  /** Places a hold on the chosen seats; an older hold of this view is released once it stands. */
  async function placeHold() {
    if (placing || selected.size === 0 || (phase !== 'choose' && phase !== 'changing')) return;
    clearTimeout(rehold);
    placing = true;
    const seats = [...selected].sort(seatOrder);
    const tickets = ticketsFor(seats.length);
    const previous = current;
    const changing = phase === 'changing';
    phase = changing ? 'changing' : 'holding';
    messages.replaceChildren();
    drawSummary();
    const token = session.current()?.token;
    try {
      const started = Date.now();
      let placed;
      let sent;
      for (;;) {
        try {
          sent = Date.now();
          placed = await api.hold(screeningId, seats, tickets);
          break;
        } catch (error) {
          if (error.code !== 'unknown_screening' || Date.now() - started > UNKNOWN_SCREENING_GRACE_MS) throw error;
          await sleep(500);
        }
      }
      const entry = { hold: placed, token, deadline: deadlineOf(placed, sent, Date.now()), owner: me, released: false };
      // Left the page, or emptied the choice while the request was out: this hold is not wanted.
      if (signal.aborted || phase === 'choose') {
        forget(entry);
        return;
      }
      // The selection may have changed while the request was out: hold again after this one.
      const stale = seats.join() !== [...selected].sort(seatOrder).join()
        || JSON.stringify(tickets) !== JSON.stringify(ticketsFor(selected.size));
      current = entry;
      holds.set(screeningId, entry);
      if (previous && previous.hold.hold_id !== placed.hold_id) forget(previous);
      lost.clear();
      timer.start(entry.deadline);
      if (stale && selected.size) {
        phase = 'changing';
        seatsChangedWhileHolding();
        drawMap();
        drawSummary();
        return;
      }
      phase = 'held';
      drawMap();
      drawSummary();
      announce(t('checkout.heldAnnounce', { seats: placed.seats.join(', '), left: spoken(timer.secondsLeft()) }));
      if (!changing) card.focus();
    } catch (error) {
      if (signal.aborted) return;
      // Nothing new is held (a refused hold changes nothing on the server).
      const taken = error.code === 'seats_taken' ? (error.seats ?? []) : [];
      if (error.code === 'seats_taken') {
        markLost(taken);
        if (!taken.length) loadSeats().catch(() => {});
      }
      if (previous && !previous.released && previous === current && taken.length
        && !previous.hold.seats.some((label) => taken.includes(label)) && timer.secondsLeft() > 0) {
        // A seat added while holding went to someone else: the seats held before stay held.
        selected.clear();
        previous.hold.seats.forEach((label) => selected.add(label));
        phase = 'held';
      } else {
        // After a failed change the old hold no longer matches the choice: let it go.
        if (previous) dropHold();
        phase = 'choose';
      }
      messages.replaceChildren(errorBox(error));
      drawMap();
      drawSummary();
      if ((error.status === 503 || error.status === 429) && error.retryAfter) waitBeforeRetry(error.retryAfter);
    } finally {
      placing = false;
    }
  }

  /** Releases `entry` on the server; its seats stay ours on the map until the theater frees them. */
  function forget(entry) {
    if (!entry) return;
    const until = Date.now() + RELEASE_GRACE_MS;
    for (const label of entry.hold.seats) recentlyMine.set(label, until);
    release(entry);
    if (holds.get(screeningId) === entry) holds.delete(screeningId);
  }

  /** Lets go of this view's hold: the countdown stops and the hold is released. */
  function dropHold() {
    clearTimeout(rehold);
    timer.stop();
    forget(current);
    current = null;
  }

  function releaseByChoice() {
    if (!current || phase === 'paying') return;
    dropHold();
    phase = 'choose';
    messages.replaceChildren(noticeBox(t('checkout.released'), 'info'));
    drawMap();
    drawSummary();
    holdButton.focus();
  }

  /** The hold is over (time up, released elsewhere, gone): say so and offer to choose again. */
  function holdEnded(why) {
    clearTimeout(rehold);
    timer.stop();
    // The server may think the hold lives a moment longer (clocks): release it so it is over there too.
    forget(current);
    current = null;
    phase = 'expired';
    selected.clear(); // the seats are gone: the map and the summary show nothing chosen
    const text = why === 'expired' ? t('checkout.expired') : t('checkout.ended');
    const again = h('button', { type: 'button', class: 'button button--primary', id: 'choose-again', onclick: () => resetChoice({ focusMap: true }) }, t('checkout.chooseAgain'));
    messages.replaceChildren(h('div', { class: 'alert alert--error', role: 'alert', id: 'hold-expired', dataset: { reason: why } },
      h('p', { class: 'alert__title' }, text), again));
    drawMap();
    drawSummary();
    again.focus();
  }

  /** "Choose again": a fresh map and an empty choice. */
  function resetChoice({ focusMap }) {
    selected.clear();
    lost.clear();
    phase = 'choose';
    messages.replaceChildren();
    notices.replaceChildren();
    drawMap();
    drawSummary();
    // At once (the button that had the focus is gone), and again if the fresh seat map took the
    // seat it was on.
    if (focusMap) map?.focus();
    loadSeats().then(() => {
      if (focusMap && !map?.element.contains(document.activeElement)) map?.focus();
    }).catch(() => {});
  }

  /** Asks the server how the hold is (another tab, a sleeping laptop, a page from the back-forward cache). */
  async function syncHold() {
    const entry = current;
    if (!entry || phase === 'paying' || phase === 'holding' || signal.aborted) return;
    if (entry.released) {
      holdEnded('ended');
      return;
    }
    try {
      const sent = Date.now();
      const now = await api.holdStatus(entry.hold.hold_id, signal);
      if (current !== entry || phase === 'paying') return;
      if (now.status === 'ACTIVE') {
        // The server's seconds left again (a laptop that slept, a clock that jumped).
        entry.hold = { ...entry.hold, expires_at: now.expires_at ?? entry.hold.expires_at };
        entry.deadline = deadlineOf(now, sent, Date.now());
        timer.start(entry.deadline);
      } else if (now.status === 'BOOKED' && now.reservation_id) {
        timer.stop();
        holds.delete(screeningId);
        navigate(`/bookings/${encodeURIComponent(now.reservation_id)}`);
      } else holdEnded(now.status === 'EXPIRED' ? 'expired' : 'ended');
    } catch (error) {
      if (error.name === 'AbortError' || current !== entry) return;
      if (error.status === 404) holdEnded('ended');
    }
  }

  // ---- paying

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (pay.disabled || phase !== 'held' || !current) return;
    const entry = current;
    const token = card.value.trim();
    messages.replaceChildren();
    if (!token) {
      messages.append(h('div', { class: 'alert alert--error', role: 'alert' }, h('p', { class: 'alert__title' }, t('checkout.cardMissing'))));
      card.focus();
      return;
    }
    const body = { hold_id: entry.hold.hold_id, payment: { card_token: token } };
    const bodyText = JSON.stringify(body);
    if (attempt?.body !== bodyText) attempt = { body: bodyText, key: randomKey() };
    phase = 'paying';
    drawSummary();
    try {
      const placed = await api.book(body, attempt.key);
      timer.stop();
      if (holds.get(screeningId) === entry) holds.delete(screeningId);
      if (current === entry) current = null;
      selections.delete(screeningId);
      remember(placed, info);
      navigate(`/bookings/${encodeURIComponent(placed.reservation_id)}`);
    } catch (error) {
      if (signal.aborted) return;
      phase = 'held';
      if (error.code === 'hold_expired' || (error.status === 404 && error.code !== 'unknown_screening')) {
        holdEnded(error.code === 'hold_expired' ? 'expired' : 'ended');
        return;
      }
      if (error.code === 'seats_taken') {
        dropHold();
        phase = 'choose';
        markLost(error.seats ?? []);
        if (!error.seats?.length) loadSeats().catch(() => {});
      }
      messages.replaceChildren(errorBox(error));
      if ((error.status === 503 || error.status === 429 || error.code === 'request_in_progress') && error.retryAfter) {
        waitBeforeRetry(error.retryAfter);
      }
      if (phase === 'held') timer.tick(); // the time may have run out while paying
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
  }

  // ---- leaving

  // A hold kept from before a re-render (language switch) of this screening.
  const kept = holds.get(screeningId);
  if (kept && !kept.released && session.isCustomer(who) && kept.token === who.token) {
    kept.owner = me;
    current = kept;
    selected.clear();
    kept.hold.seats.forEach((label) => selected.add(label));
    phase = 'held';
    timer.start(kept.deadline);
    if (timer.secondsLeft() <= 0) holdEnded('expired');
  } else if (kept) {
    forget(kept);
  }

  signal.addEventListener('abort', () => {
    clearInterval(countdown);
    clearTimeout(rehold);
    timer.stop();
    const entry = holds.get(screeningId);
    if (!entry || entry.owner !== me) return;
    // The view drawn next may be this screening again (a re-render) and keep the hold.
    setTimeout(() => {
      if (holds.get(screeningId) === entry && entry.owner === me) forget(entry);
    }, 0);
  }, { once: true });

  // Leaving the page (closing the tab, reloading, going to another site): a keepalive DELETE,
  // which outlives the page (sendBeacon cannot send DELETE or the Authorization header).
  window.addEventListener('pagehide', () => {
    if (current) release(current, { keepalive: true });
  }, { signal });
  // Back from the back-forward cache, or the tab visible again: is the hold still there?
  window.addEventListener('pageshow', (event) => { if (event.persisted) syncHold(); }, { signal });
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') syncHold();
  }, { signal });
  poll(async () => {
    if (current && phase === 'held') await syncHold();
    return false;
  }, HOLD_SYNC_MS, signal);

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
