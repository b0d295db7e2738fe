// Now showing: every movie with its showtimes and the seats left (the catalog read model).

import * as api from '../api.js';
import { h, redraw } from '../dom.js';
import { errorBox } from '../errors.js';
import { day, money, showtimeRange, t, tn } from '../i18n.js';
import { poll } from '../poll.js';
import * as session from '../session.js';

const REFRESH_MS = 5000;

export default function movies(root, { signal, setTitle }) {
  setTitle(t('movies.title'));
  const list = h('div', { class: 'movie-list', id: 'movie-list', 'aria-busy': 'true' }, h('p', { class: 'loading' }, t('common.loading')));
  root.append(h('h1', {}, t('movies.title')), list);
  let last = null;
  poll(async () => {
    try {
      const all = await api.movies(signal);
      const text = JSON.stringify(all);
      if (text !== last && !signal.aborted) {
        last = text;
        redraw(list, () => draw(all));
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

function draw(all) {
  if (all.length === 0) {
    return h('div', { class: 'card empty' },
      h('p', {}, t('movies.empty')),
      session.isAdmin(session.current()) ? h('a', { href: '/staff', class: 'button' }, t('movies.emptyStaff')) : null);
  }
  return [...all]
    .sort((a, b) => a.title.localeCompare(b.title))
    .map((movie) => h('article', { class: 'card movie', dataset: { movieId: movie.movie_id } },
      h('div', { class: 'movie__head' },
        h('div', { class: 'poster', 'aria-hidden': 'true' }, initials(movie.title)),
        h('div', {},
          h('h2', { class: 'movie__title' }, movie.title),
          h('p', { class: 'muted' }, t('movies.runtime', { minutes: movie.runtime_min })))),
      movie.screenings.length === 0
        ? h('p', { class: 'muted' }, t('movies.noShowtimes'))
        : h('ul', { class: 'showtimes', 'aria-label': t('movies.showtimesOf', { title: movie.title }) },
          [...movie.screenings].sort((a, b) => Date.parse(a.starts_at) - Date.parse(b.starts_at)).map((s) => showtime(s, movie.runtime_min)))));
}

function showtime(s, runtimeMin) {
  const started = Date.parse(s.starts_at) <= Date.now();
  const soldOut = s.seats_left <= 0;
  const body = [
    h('span', { class: 'showtime__when' }, h('time', { datetime: s.starts_at },
      h('span', { class: 'showtime__day' }, day(s.starts_at)), ' ',
      h('span', { class: 'showtime__time' }, showtimeRange(s.starts_at, runtimeMin)))),
    h('span', { class: 'showtime__price' }, money(s.price)),
    h('span', { class: 'showtime__hall' }, s.hall_name ?? ''),
    h('span', { class: 'showtime__left' }, started ? t('movies.started') : soldOut ? t('movies.soldOut') : tn('movies.seatsLeft', s.seats_left, { total: s.seats_total })),
  ];
  return h('li', {}, started || soldOut
    ? h('span', { class: 'showtime showtime--off', dataset: { screeningId: s.screening_id } }, body)
    : h('a', { class: 'showtime', href: `/screenings/${encodeURIComponent(s.screening_id)}`, dataset: { screeningId: s.screening_id, key: s.screening_id } }, body));
}

function initials(title) {
  return [...title.trim()].slice(0, 2).join('') || '?';
}
