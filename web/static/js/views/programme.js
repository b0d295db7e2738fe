// Staff: the programme (GET /api/admin/programme: every movie's screenings from yesterday to two
// weeks ahead with seats sold, occupancy and takings) and, for one screening, who sits where
// (GET /api/admin/screenings/{id}/seats: the holder of each taken seat). A server without these
// yet (404/405) gets a clear "not available" note instead of an error; the seat page then falls
// back to the public seat map (free and taken only).

import * as api from '../api.js';
import { h, redraw } from '../dom.js';
import { errorBox } from '../errors.js';
import { money, showtime, t } from '../i18n.js';
import { poll } from '../poll.js';
import * as session from '../session.js';
import { seatOrder } from '../status.js';
import { ratingBadge, ratingOf } from './rating.js';
import { layoutSeats, seatsOf } from './seatlayout.js';
import { addDays, localToRfc3339, venueDay } from '../venue.js';

const REFRESH_MS = 10_000;
const missing = (error) => error.status === 404 || error.status === 405 || error.status === 501;
let search = '';
let period = null; // { from, to }: venue days ("2026-12-06"), both included

/** A staff page's guard: a sign-in prompt instead of the page for anyone but an admin. */
export function adminOnly(root, setTitle, title) {
  setTitle(title);
  if (session.isAdmin(session.current())) return false;
  root.append(h('section', { class: 'card narrow' },
    h('h1', {}, title),
    h('p', {}, t('staff.adminOnly')),
    h('a', { class: 'button button--primary', href: `/signin?next=${encodeURIComponent(location.pathname)}` }, t('nav.signIn'))));
  return true;
}

export const notAvailable = (text, id) => h('div', { class: 'alert alert--info', role: 'status', id }, h('p', { class: 'alert__title' }, text));

export function programme(root, { signal, setTitle }) {
  if (adminOnly(root, setTitle, t('programme.title'))) return;
  const query = h('input', { id: 'programme-search', type: 'search', value: search, autocomplete: 'off' });
  const today = venueDay(Date.now());
  period ??= { from: addDays(today, -1), to: addDays(today, 13) };
  const from = h('input', { id: 'programme-from', type: 'date', value: period.from, required: true });
  const to = h('input', { id: 'programme-to', type: 'date', value: period.to, required: true });
  const body = h('div', { class: 'programme', id: 'programme', 'aria-busy': 'true' }, h('p', { class: 'loading' }, t('common.loading')));
  root.append(h('h1', {}, t('programme.title')),
    h('p', { class: 'muted' }, t('programme.intro')),
    h('div', { class: 'programme-tools' },
      h('div', { class: 'field' }, h('label', { for: 'programme-search' }, t('programme.filter')), query),
      h('div', { class: 'field' }, h('label', { for: 'programme-from' }, t('programme.from')), from),
      h('div', { class: 'field' }, h('label', { for: 'programme-to' }, t('programme.to')), to)),
    body);
  let data = null;
  let last = null;
  const draw = () => redraw(body, () => drawProgramme(data, search));
  query.addEventListener('input', () => {
    search = query.value;
    if (data) draw();
  });
  const bounds = () => (period.from && period.to && period.from <= period.to
    ? { from: localToRfc3339(`${period.from}T00:00`), to: localToRfc3339(`${addDays(period.to, 1)}T00:00`) } : {});
  const load = async () => {
    try {
      const answer = await api.programme(signal, bounds());
      const text = JSON.stringify(answer);
      if (text !== last && !signal.aborted) {
        last = text;
        data = answer;
        draw();
      }
    } catch (error) {
      if (error.name === 'AbortError') throw error;
      body.replaceChildren(missing(error) ? notAvailable(t('programme.notAvailable'), 'programme-unavailable') : errorBox(error));
      body.removeAttribute('aria-busy');
      return missing(error); // nothing to wait for on a server without the programme
    }
    body.removeAttribute('aria-busy');
    return false;
  };
  for (const input of [from, to]) {
    input.addEventListener('change', () => {
      period = { from: from.value, to: to.value };
      load().catch(() => {});
    });
  }
  poll(load, REFRESH_MS, signal);
}

function drawProgramme(movies, filter) {
  const q = filter.trim().toLowerCase();
  const shown = movies
    .filter((m) => !q || m.title.toLowerCase().includes(q))
    .map((m) => ({ ...m, screenings: [...m.screenings].sort((a, b) => Date.parse(a.starts_at) - Date.parse(b.starts_at)) }))
    .filter((m) => m.screenings.length)
    .sort((a, b) => Date.parse(a.screenings[0].starts_at) - Date.parse(b.screenings[0].starts_at));
  if (!shown.length) return h('p', { class: 'card empty', id: 'programme-empty' }, t('programme.empty'));
  const all = shown.flatMap((m) => m.screenings);
  const sum = (list, key) => list.reduce((n, s) => n + (s[key] ?? 0), 0);
  const sumMoney = (list, key) => ({ amount: list.reduce((n, s) => n + (s[key]?.amount ?? 0), 0), currency: 'KRW' });
  return [
    h('dl', { class: 'programme-totals', id: 'programme-totals' },
      h('div', {}, h('dt', {}, t('programme.sold')), h('dd', {}, t('programme.seatsOf', { sold: sum(all, 'seats_sold'), total: sum(all, 'seats_total') }))),
      h('div', {}, h('dt', {}, t('programme.takings')), h('dd', {}, money(sumMoney(all, 'takings')))),
      h('div', {}, h('dt', {}, t('programme.refunds')), h('dd', {}, money(sumMoney(all, 'refunds')))),
      h('div', {}, h('dt', {}, t('programme.bookings')), h('dd', {}, String(sum(all, 'bookings'))))),
    ...shown.map((movie) => h('section', { class: 'card programme-movie', dataset: { movieId: movie.movie_id }, 'aria-labelledby': `pm-${movie.movie_id}` },
      h('h2', { id: `pm-${movie.movie_id}`, class: 'movie__title' }, ratingBadge(ratingOf(movie)), ' ', h('span', {}, movie.title)),
      h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-labelledby': `pm-${movie.movie_id}` },
        h('table', { class: 'programme-table' },
          h('thead', {}, h('tr', {},
            [t('programme.showtime'), t('programme.hall'), t('programme.sold'), t('programme.occupancy'), t('programme.takings'), t('programme.refunds'), t('programme.bookings'), t('programme.whoSits')]
              .map((label) => h('th', { scope: 'col' }, label)))),
          h('tbody', {}, movie.screenings.map((s) => screeningRow(movie, s))))))),
  ];
}

function screeningRow(movie, s) {
  const pct = Number.isFinite(s.occupancy_pct) ? s.occupancy_pct : (s.seats_total ? (100 * s.seats_sold) / s.seats_total : 0);
  const meter = h('span', { class: 'occupancy__bar', 'aria-hidden': 'true' }, h('span', { class: 'occupancy__fill' }));
  meter.firstChild.style.width = `${Math.min(100, Math.max(0, pct))}%`;
  return h('tr', { dataset: { screeningId: s.screening_id } },
    h('th', { scope: 'row' }, h('time', { datetime: s.starts_at }, showtime(s.starts_at))),
    h('td', {}, s.hall_name ?? ''),
    h('td', { class: 'num' }, t('programme.seatsOf', { sold: s.seats_sold ?? 0, total: s.seats_total ?? 0 }),
      s.seats_held ? h('span', { class: 'muted small held' }, ` ${t('programme.heldSeats', { held: s.seats_held })}`) : null),
    h('td', { class: 'num occupancy' }, meter, `${pct.toFixed(1)}%`),
    h('td', { class: 'num' }, money(s.takings)),
    h('td', { class: 'num' }, money(s.refunds)),
    h('td', { class: 'num' }, String(s.bookings ?? 0)),
    h('td', {}, h('a', { href: `/staff/screenings/${encodeURIComponent(s.screening_id)}` },
      t('programme.whoSits'),
      h('span', { class: 'visually-hidden' }, ` ${t('programme.whoSitsAt', { title: movie.title, when: showtime(s.starts_at) })}`))));
}

export function seatHolders(root, { params: [screeningId], signal, setTitle }) {
  if (adminOnly(root, setTitle, t('holders.title'))) return;
  const heading = h('h1', { id: 'holders-title' }, t('holders.title'));
  const meta = h('p', { class: 'muted', id: 'holders-meta' });
  const body = h('div', { class: 'holders', id: 'holders', 'aria-busy': 'true' }, h('p', { class: 'loading' }, t('common.loading')));
  root.append(h('p', { class: 'back' }, h('a', { href: '/staff/programme' }, t('holders.back'))), heading, meta, body);
  let last = null;
  let fallback = false;
  api.movies(signal).then((all) => {
    for (const movie of all) {
      const s = movie.screenings.find((x) => x.screening_id === screeningId);
      if (s) meta.replaceChildren(ratingBadge(ratingOf(movie)), ` ${movie.title} · `, h('time', { datetime: s.starts_at }, showtime(s.starts_at, movie.runtime_min)), s.hall_name ? ` · ${s.hall_name}` : '');
    }
  }).catch(() => {});
  poll(async () => {
    let map;
    try {
      map = fallback ? await api.seatMap(screeningId, signal) : await api.seatHolders(screeningId, signal);
    } catch (error) {
      if (error.name === 'AbortError') throw error;
      if (!fallback && missing(error)) {
        // A theater without the staff seat map: the public one, without holders.
        fallback = true;
        try {
          map = await api.seatMap(screeningId, signal);
        } catch (again) {
          if (again.name === 'AbortError') throw again;
          body.replaceChildren(errorBox(again));
          return false;
        }
      } else {
        body.replaceChildren(errorBox(error));
        return false;
      }
    }
    const text = JSON.stringify(map);
    if (text !== last && !signal.aborted) {
      last = text;
      redraw(body, () => drawHolders(map, fallback));
    }
    body.removeAttribute('aria-busy');
    return false;
  }, REFRESH_MS, signal);
}

function drawHolders(map, fallback) {
  const placed = map.layout?.rows ? layoutSeats(map.layout) : seatsOf(map);
  const status = new Map(map.seats.map((s) => [s.label, s]));
  const taken = map.seats.filter((s) => s.status === 'taken').sort((a, b) => seatOrder(a.label, b.label));
  const holderText = (s) => (s.holder?.booking_number || s.holder?.reservation_id
    ? t('holders.booking', { number: s.holder.booking_number ?? s.holder.reservation_id.slice(0, 8) })
    : s.holder?.hold ? t('holders.held') : t('holders.unknown'));
  const grid = h('div', { class: 'holder-grid', 'aria-hidden': 'true' });
  grid.style.gridTemplateColumns = `repeat(${placed.columns}, minmax(0, 1.6rem))`;
  for (const cell of placed.seats) {
    const s = status.get(cell.label);
    const mark = h('span', { class: 'holder-seat', dataset: { state: s?.status ?? 'free', kind: cell.kind, held: String(Boolean(s?.holder?.hold)) } }, cell.label);
    mark.style.gridRow = String(cell.gridRow + 1);
    mark.style.gridColumn = String(cell.column + 1);
    grid.append(mark);
  }
  return [
    ...(fallback ? [notAvailable(t('holders.notAvailable'), 'holders-unavailable')] : []),
    h('div', { class: 'card holder-map' }, h('div', { class: 'screen', 'aria-hidden': 'true' }, t('seats.screen')), h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': t('holders.title') }, grid)),
    h('section', { class: 'card', 'aria-labelledby': 'holders-taken' },
      h('h2', { id: 'holders-taken' }, t('holders.taken'), ` (${taken.length})`),
      taken.length === 0 ? h('p', { class: 'muted' }, t('holders.none'))
        : h('table', { class: 'programme-table holders-table', id: 'holders-table' },
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('holders.seat')), h('th', { scope: 'col' }, t('holders.holder')))),
          h('tbody', {}, taken.map((s) => h('tr', { dataset: { seat: s.label } }, h('th', { scope: 'row' }, s.label), h('td', {}, holderText(s))))))),
  ];
}
