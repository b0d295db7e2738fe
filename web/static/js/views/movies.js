// Now showing: a strip of dates (today, tomorrow, then weekdays, on the venue's calendar), and
// every movie with its rating, its showtimes grouped by day and the seats left (the catalog read
// model, refreshed every 5 s). Showtimes that already started are not offered; movies are in
// order of seats sold (as cinemas list by bookings), then of their next showtime.

import * as api from '../api.js';
import { h, redraw } from '../dom.js';
import { errorBox } from '../errors.js';
import { day, dayParts, money, showtimeRange, t, tn } from '../i18n.js';
import { poll } from '../poll.js';
import * as session from '../session.js';
import { addDays, dayNoon, venueDay } from '../venue.js';
import { ratingBadge, ratingOf } from './rating.js';

const REFRESH_MS = 5000;
const STRIP_DAYS = 7; // at least a week in the strip, more when showtimes go further (up to two)
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export default function movies(root, { signal, setTitle, query }) {
  setTitle(t('movies.title'));
  const chosen = DAY.test(query.get('date') ?? '') ? query.get('date') : null;
  const strip = h('nav', { class: 'date-strip', id: 'date-strip', 'aria-label': t('movies.dates') });
  const list = h('div', { class: 'movie-list', id: 'movie-list', 'aria-busy': 'true' }, h('p', { class: 'loading' }, t('common.loading')));
  root.append(h('h1', {}, t('movies.title')), strip, list);
  let last = null;
  poll(async () => {
    try {
      const all = await api.movies(signal);
      // Drawn again when the catalog changes, and each minute (showtimes start, days turn).
      const text = JSON.stringify(all) + Math.floor(Date.now() / 60_000);
      if (text !== last && !signal.aborted) {
        last = text;
        const upcoming = upcomingOf(all);
        redraw(strip, () => drawStrip(upcoming, chosen));
        redraw(list, () => draw(all, upcoming, chosen));
      }
    } catch (error) {
      if (error.name === 'AbortError') throw error;
      redraw(list, () => errorBox(error));
      last = null;
    }
    list.removeAttribute('aria-busy');
    return false;
  }, REFRESH_MS, signal);
}

/** movie id → its showtimes that have not started, soonest first, each with its venue day. */
function upcomingOf(all) {
  const now = Date.now();
  return new Map(all.map((movie) => [movie.movie_id, movie.screenings
    .filter((s) => Date.parse(s.starts_at) > now)
    .sort((a, b) => Date.parse(a.starts_at) - Date.parse(b.starts_at))
    .map((s) => ({ ...s, day: venueDay(Date.parse(s.starts_at)) }))]));
}

function drawStrip(upcoming, chosen) {
  const today = venueDay(Date.now());
  const days = new Set([...upcoming.values()].flat().map((s) => s.day));
  const lastDay = [...days].sort().at(-1) ?? today;
  const strip = [];
  for (let i = 0, key = today; i < 14 && (i < STRIP_DAYS || key <= lastDay); i += 1, key = addDays(key, 1)) strip.push(key);
  const item = (key, label, sub, active) => {
    // The space keeps "Today 5" two words for screen readers (the grid hides it on screen).
    const content = [h('span', { class: 'date__sub' }, sub), ' ', h('span', { class: 'date__main' }, label)];
    const open = key === null || days.has(key);
    const attrs = { class: 'date', dataset: { day: key ?? 'all', key: `date-${key ?? 'all'}` } };
    if (!open) return h('li', {}, h('span', { ...attrs, class: 'date date--off' }, content));
    return h('li', {}, h('a', { ...attrs, href: key ? `/?date=${key}` : '/', 'aria-current': active ? 'date' : null }, content));
  };
  return h('ul', { class: 'date-strip__days' },
    item(null, t('movies.allDates'), '\u00a0', chosen === null),
    strip.map((key, i) => {
      const parts = dayParts(dayNoon(key));
      const label = i === 0 ? t('movies.today') : i === 1 ? t('movies.tomorrow') : parts.weekday;
      return item(key, parts.day, label, chosen === key);
    }));
}

function draw(all, upcoming, chosen) {
  if (all.length === 0) {
    return h('div', { class: 'card empty' },
      h('p', {}, t('movies.empty')),
      session.isAdmin(session.current()) ? h('a', { href: '/staff', class: 'button' }, t('movies.emptyStaff')) : null);
  }
  const shown = all
    .map((movie) => ({ movie, showtimes: upcoming.get(movie.movie_id).filter((s) => !chosen || s.day === chosen) }))
    .filter(({ showtimes }) => showtimes.length > 0)
    .sort((a, b) => sold(b.movie) - sold(a.movie)
      || Date.parse(a.showtimes[0].starts_at) - Date.parse(b.showtimes[0].starts_at)
      || a.movie.title.localeCompare(b.movie.title));
  if (shown.length === 0) {
    return h('div', { class: 'card empty', id: 'no-showtimes' },
      h('p', {}, chosen ? t('movies.noneOnDay', { day: day(new Date(dayNoon(chosen)).toISOString()) }) : t('movies.noUpcoming')));
  }
  return shown.map(({ movie, showtimes }) => card(movie, showtimes, !chosen));
}

/** Seats sold over the movie's listed showtimes: the list is in order of bookings. */
const sold = (movie) => movie.screenings.reduce((n, s) => n + Math.max(0, (s.seats_total ?? 0) - (s.seats_left ?? 0)), 0);

function card(movie, showtimes, grouped) {
  const byDay = new Map();
  for (const s of showtimes) byDay.set(s.day, [...(byDay.get(s.day) ?? []), s]);
  const list = (items) => h('ul', { class: 'showtimes', 'aria-label': t('movies.showtimesOf', { title: movie.title }) },
    items.map((s) => showtime(s, movie.runtime_min)));
  return h('article', { class: 'card movie', dataset: { movieId: movie.movie_id, rating: ratingOf(movie) } },
    h('div', { class: 'movie__head' },
      h('div', { class: 'poster', 'aria-hidden': 'true' }, initials(movie.title)),
      h('div', { class: 'movie__info' },
        h('h2', { class: 'movie__title' }, ratingBadge(ratingOf(movie)), ' ', h('span', {}, movie.title)),
        h('p', { class: 'muted' }, [t('movies.runtime', { minutes: movie.runtime_min }), movie.genre].filter(Boolean).join(' · ')))),
    movie.synopsis ? h('details', { class: 'movie__synopsis' }, h('summary', {}, t('movies.synopsis')), h('p', {}, movie.synopsis)) : null,
    grouped
      ? [...byDay].map(([key, items]) => h('section', { class: 'showtime-day', dataset: { day: key } },
        h('h3', { class: 'showtime-day__title' }, day(items[0].starts_at)), list(items)))
      : list(showtimes));
}

function showtime(s, runtimeMin) {
  const soldOut = s.seats_left <= 0;
  const body = [
    // The day is in the group's heading; screen readers hear it in the link too.
    h('span', { class: 'showtime__when' }, h('time', { datetime: s.starts_at },
      h('span', { class: 'showtime__day visually-hidden' }, day(s.starts_at)), ' ',
      h('span', { class: 'showtime__time' }, showtimeRange(s.starts_at, runtimeMin)))),
    h('span', { class: 'showtime__price' }, money(s.prices?.adult ?? s.price)),
    h('span', { class: 'showtime__hall' }, s.hall_name ?? ''),
    h('span', { class: 'showtime__left' }, soldOut ? t('movies.soldOut') : tn('movies.seatsLeft', s.seats_left, { total: s.seats_total })),
  ];
  return h('li', {}, soldOut
    ? h('span', { class: 'showtime showtime--off', dataset: { screeningId: s.screening_id } }, body)
    : h('a', { class: 'showtime', href: `/screenings/${encodeURIComponent(s.screening_id)}`, dataset: { screeningId: s.screening_id, key: s.screening_id } }, body));
}

function initials(title) {
  return [...title.trim()].slice(0, 2).join('') || '?';
}
