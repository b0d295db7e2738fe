// The single-page app: header, client-side routes (History API; the server answers every app
// route with index.html), and one view per route. A view gets an AbortSignal that fires when the
// user leaves it, which stops its polling and drops late answers.

import { setUnauthorizedHandler } from './api.js';
import { h } from './dom.js';
import { language, onLanguageChange, setLanguage, t } from './i18n.js';
import { saveAccountLanguage } from './preferences.js';
import * as session from './session.js';
import { loadVenueZone } from './venue.js';
import booking from './views/booking.js';
import checkin from './views/checkin.js';
import movies from './views/movies.js';
import my from './views/my.js';
import screening from './views/screening.js';
import signin from './views/signin.js';
import staff from './views/staff.js';
import { programme, seatHolders } from './views/programme.js';
import reports from './views/reports.js';
import operations from './views/operations.js';

const ROUTES = [
  [/^\/$/, movies],
  [/^\/signin$/, signin],
  [/^\/screenings\/([^/]+)$/, screening],
  [/^\/bookings\/([^/]+)$/, booking],
  [/^\/my$/, my],
  [/^\/staff$/, staff],
  [/^\/staff\/check-in$/, checkin],
  [/^\/staff\/programme$/, programme],
  [/^\/staff\/screenings\/([^/]+)$/, seatHolders],
  [/^\/staff\/reports$/, reports],
  [/^\/staff\/operations$/, operations],
];

let leave = null;

export function navigate(url, { replace = false } = {}) {
  history[replace ? 'replaceState' : 'pushState'](null, '', url);
  render({ moveFocus: true });
}

function render({ moveFocus = false } = {}) {
  leave?.abort();
  leave = new AbortController();
  document.documentElement.lang = language();
  drawHeader();
  const main = document.getElementById('main');
  main.replaceChildren();
  const { pathname, search } = location;
  const match = ROUTES.map(([pattern, view]) => [pathname.match(pattern), view]).find(([m]) => m);
  const context = {
    params: match ? match[0].slice(1).map(decodeURIComponent) : [],
    query: new URLSearchParams(search),
    signal: leave.signal,
    navigate,
    setTitle: (title) => { document.title = `${title} · ${t('app.name')}`; },
  };
  if (match) match[1](main, context);
  else notFound(main, context);
  if (moveFocus) {
    window.scrollTo(0, 0);
    main.focus({ preventScroll: true });
  }
}

function notFound(main, { setTitle }) {
  setTitle(t('notFound.title'));
  main.append(h('section', { class: 'card narrow' },
    h('h1', {}, t('notFound.title')),
    h('p', {}, t('notFound.text')),
    h('a', { href: '/', class: 'button' }, t('notFound.home'))));
}

function drawHeader() {
  const who = session.current();
  const here = location.pathname;
  const link = (href, label, active) =>
    h('li', {}, h('a', { href, 'aria-current': active ? 'page' : null }, label));
  const other = language() === 'ko' ? 'en' : 'ko';
  document.getElementById('skip-link').textContent = t('nav.skip');
  document.getElementById('site-header').replaceChildren(h('div', { class: 'bar' },
    h('a', { href: '/', class: 'brand' }, h('span', { class: 'brand__mark', 'aria-hidden': 'true' }), t('app.name')),
    h('nav', { class: 'nav', 'aria-label': t('nav.label') }, h('ul', {},
      link('/', t('nav.movies'), here === '/' || here.startsWith('/screenings/')),
      session.isCustomer(who) ? link('/my', t('nav.my'), here === '/my' || here.startsWith('/bookings/')) : null,
      session.isAdmin(who) ? link('/staff', t('nav.staff'), here === '/staff') : null,
      session.isAdmin(who) ? link('/staff/programme', t('staff.nav.programme'), here === '/staff/programme' || here.startsWith('/staff/screenings/')) : null,
      session.isAdmin(who) ? link('/staff/reports', t('staff.nav.reports'), here === '/staff/reports') : null,
      session.isAdmin(who) ? link('/staff/operations', t('staff.nav.operations'), here === '/staff/operations') : null,
      session.isAdmin(who) ? link('/staff/check-in', t('nav.checkIn'), here === '/staff/check-in') : null)),
    h('div', { class: 'tools' },
      // The visible name comes first in the accessible name (WCAG 2.5.3, label in name).
      h('button', {
        type: 'button', class: 'button button--ghost lang-switch', id: 'lang-switch', onclick: () => setLanguage(other),
      }, h('span', { lang: other }, t('lang.other')), h('span', { class: 'visually-hidden' }, ` ${t('lang.switchTo')}`)),
      who
        ? h('span', { class: 'who', id: 'who' },
          h('span', { class: 'who__name' }, who.sub),
          h('span', { class: 'who__role' }, session.isAdmin(who) ? t('role.admin') : t('role.customer')))
        : null,
      who
        ? h('button', { type: 'button', class: 'button button--ghost', id: 'sign-out', onclick: signOut }, t('nav.signOut'))
        : h('a', { href: `/signin?next=${encodeURIComponent(here)}`, class: 'button button--ghost', id: 'sign-in-link' }, t('nav.signIn')))));
}

function signOut() {
  session.clear();
  navigate('/');
}

// Same-origin links go through the router instead of reloading the page.
document.addEventListener('click', (event) => {
  const a = event.target.closest?.('a[href]');
  if (!a || event.defaultPrevented || event.button !== 0 || a.target || a.hasAttribute('download')) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith('/api/')) return;
  if (url.pathname === location.pathname && url.hash) return;
  event.preventDefault();
  navigate(url.pathname + url.search);
});

window.addEventListener('popstate', () => render({ moveFocus: true }));
onLanguageChange((next, origin) => {
  render();
  if (origin !== 'user') return;
  document.getElementById('lang-switch')?.focus();
  saveAccountLanguage(next);
});
setUnauthorizedHandler(() => {
  session.clear();
  navigate(`/signin?expired=1&next=${encodeURIComponent(location.pathname)}`, { replace: true });
});

// Showtimes are drawn in the venue's zone: learn it first (a small same-origin file).
loadVenueZone().finally(() => render());
