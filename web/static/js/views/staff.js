// Theater staff (role admin): halls, registering a movie with its screenings (a hall is
// mandatory), another showtime for a movie, and the payment simulator's switch that makes the
// reservation side's circuit breaker open.

import * as api from '../api.js';
import { h, field, keepDraft, forgetDrafts, redraw } from '../dom.js';
import { errorBox, noticeBox } from '../errors.js';
import { dateTime, t, zoneName } from '../i18n.js';
import * as session from '../session.js';
import { hallsSection } from './halls.js';
import { RATINGS } from './rating.js';
import { inputValue, localToRfc3339, tomorrowAt, venueZone } from '../venue.js';

const flashes = new Map(); // section → element shown above its form after a redraw
let screeningRows = 1;

export default function staff(root, { signal, setTitle }) {
  setTitle(t('staff.title'));
  if (!session.isAdmin(session.current())) {
    root.append(h('section', { class: 'card narrow' },
      h('h1', {}, t('staff.title')),
      h('p', {}, t('staff.adminOnly')),
      h('a', { class: 'button button--primary', href: '/signin?next=/staff' }, t('nav.signIn'))));
    return;
  }
  flashes.clear();
  const body = h('div', { class: 'staff-grid', 'aria-busy': 'true' }, h('p', { class: 'loading' }, t('common.loading')));
  root.append(h('h1', {}, t('staff.title')), body);
  const state = { halls: [], movies: [], simulator: null };

  async function load() {
    try {
      const [halls, movies, simulator] = await Promise.all([api.halls(signal), api.movies(signal), api.simulator(signal)]);
      if (signal.aborted) return;
      Object.assign(state, { halls, movies, simulator });
      body.removeAttribute('aria-busy');
      redraw(body, draw);
    } catch (error) {
      if (error.name !== 'AbortError') body.replaceChildren(errorBox(error));
    }
  }

  /** Runs a change, then shows its outcome above the section's form and reloads. */
  const submitting = (section, action) => async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      const message = await action(form);
      flashes.set(section, noticeBox(message));
    } catch (error) {
      flashes.set(section, error.box ?? errorBox(error));
    }
    button.disabled = false;
    await load();
    document.getElementById(`flash-${section}`)?.focus();
    // Read models learn a new movie from events: look again a little later.
    if (section === 'movie' || section === 'showtime') setTimeout(() => signal.aborted || load(), 1500);
  };

  function draw() {
    return [hallsSection({ halls: state.halls, flash, submitting, api }), movieSection(), showtimeSection(), simulatorSection()];
  }

  function flash(section) {
    return h('div', { class: 'messages', id: `flash-${section}`, tabindex: '-1' }, flashes.get(section));
  }

  function hallSelect(id) {
    return keepDraft(h('select', { id, required: true },
      h('option', { value: '' }, t('staff.chooseHall')),
      state.halls.map((hall) => h('option', { value: hall.hall_id }, `${hall.name} (${hall.seats_total})`))));
  }

  function startsAtInput(id) {
    // The venue's wall clock, whatever zone this device is set to.
    return keepDraft(h('input', { id, type: 'datetime-local', required: true, min: inputValue(Date.now()), value: inputValue(tomorrowAt(19)) }));
  }

  /** "Starts at (KST, Asia/Seoul)": the field says which clock it reads. */
  const startsAtLabel = () => t('staff.startsAt', { zone: zoneName(new Date()), id: venueZone() });

  function movieSection() {
    const title = keepDraft(h('input', { id: 'movie-title', required: true, maxlength: 200, placeholder: t('staff.movieTitleExample') }));
    const runtime = keepDraft(h('input', { id: 'movie-runtime', type: 'number', min: 1, max: 600, value: 120, required: true, inputmode: 'numeric' }));
    const price = keepDraft(h('input', { id: 'movie-price', type: 'number', min: 0, step: 100, value: 12000, required: true, inputmode: 'numeric' }));
    const rows = Array.from({ length: screeningRows }, (_, i) => ({ hall: hallSelect(`screening-hall-${i}`), startsAt: startsAtInput(`screening-start-${i}`) }));
    const rating = keepDraft(h('select', { id: 'movie-rating' }, RATINGS.map((r) => h('option', { value: r }, t(`rating.name.${r}`)))));
    const genre = keepDraft(h('input', { id: 'movie-genre', maxlength: 50 }));
    const synopsis = keepDraft(h('textarea', { id: 'movie-synopsis', maxlength: 2000, rows: 3 }));
    const won = (id, min) => keepDraft(h('input', { id, type: 'number', min, step: 100, inputmode: 'numeric' }));
    const typePrices = { youth: won('movie-price-youth', 100), senior: won('movie-price-senior', 100), disabled: won('movie-price-disabled', 100) };
    const surcharges = { premium: won('movie-surcharge-premium', 0), couple: won('movie-surcharge-couple', 0) };
    const noHalls = state.halls.length === 0;
    const form = h('form', { id: 'movie-form', class: 'form' },
      flash('movie'),
      noHalls ? h('div', { class: 'alert alert--info', role: 'status' }, h('p', { class: 'alert__title' }, t('staff.needHall'))) : null,
      field(t('staff.movieTitle'), title),
      h('div', { class: 'field-row' },
        field(t('staff.runtime'), runtime),
        field(t('staff.price'), price, t('staff.priceHint'))),
      h('div', { class: 'field-row' }, field(t('staff.ageRating'), rating), field(t('staff.genre'), genre)),
      field(t('staff.synopsis'), synopsis),
      h('details', { class: 'movie-prices', id: 'movie-prices', open: [...Object.values(typePrices), ...Object.values(surcharges)].some((i) => i.value) },
        h('summary', {}, t('staff.pricesTitle')),
        h('p', { class: 'hint' }, t('staff.pricesHint')),
        h('div', { class: 'field-row' }, Object.entries(typePrices).map(([type, input]) => field(`${t(`tickets.type.${type}`)} (₩)`, input))),
        h('div', { class: 'field-row' },
          field(t('staff.surchargePremium'), surcharges.premium),
          field(t('staff.surchargeCouple'), surcharges.couple))),
      h('fieldset', { class: 'screenings' },
        h('legend', {}, t('staff.screenings')),
        rows.map((row, i) => h('div', { class: 'field-row screening-row' },
          field(t('staff.hall'), row.hall),
          field(startsAtLabel(), row.startsAt),
          screeningRows > 1 ? h('button', { type: 'button', class: 'button button--ghost remove', 'aria-label': t('staff.removeShowtime', { n: i + 1 }), onclick: () => removeRow(i) }, '×') : null)),
        h('button', { type: 'button', class: 'button button--ghost', id: 'add-showtime-row', onclick: addRow, disabled: noHalls }, t('staff.anotherShowtime'))),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button button--primary', disabled: noHalls }, t('staff.registerMovie'))));
    form.addEventListener('submit', submitting('movie', async () => {
      const krw = (input) => ({ amount: Number(input.value), currency: 'KRW' });
      const adult = krw(price);
      const sold = Object.entries(typePrices).filter(([, input]) => input.value);
      const extra = Object.entries(surcharges).filter(([, input]) => input.value);
      // Only what was filled in: an older server knows none of these fields.
      const movie = await api.registerMovie({
        title: title.value.trim(),
        runtime_min: Number(runtime.value),
        price: adult,
        screenings: rows.map((row) => ({ hall_id: row.hall.value, starts_at: localToRfc3339(row.startsAt.value) })),
        ...(sold.length ? { prices: { adult, ...Object.fromEntries(sold.map(([type, input]) => [type, krw(input)])) } } : {}),
        ...(extra.length ? { seat_surcharges: Object.fromEntries(extra.map(([kind, input]) => [kind, krw(input)])) } : {}),
        ...(rating.value !== 'ALL' ? { age_rating: rating.value } : {}),
        ...(genre.value.trim() ? { genre: genre.value.trim() } : {}),
        ...(synopsis.value.trim() ? { synopsis: synopsis.value.trim() } : {}),
      });
      forgetDrafts('movie-');
      forgetDrafts('screening-');
      screeningRows = 1;
      return t('staff.movieRegistered', { title: movie.title, count: movie.screenings.length });
    }));
    return h('section', { class: 'card', id: 'staff-movie', 'aria-labelledby': 'movie-heading' },
      h('h2', { id: 'movie-heading' }, t('staff.newMovie')), form);
  }

  function addRow() {
    screeningRows += 1;
    redraw(body, draw);
    document.getElementById(`screening-hall-${screeningRows - 1}`)?.focus();
  }

  function removeRow(index) {
    // Shift the drafts of the rows below up by one, then drop the last row.
    for (let i = index; i < screeningRows - 1; i += 1) {
      for (const prefix of ['screening-hall-', 'screening-start-']) {
        const below = document.getElementById(`${prefix}${i + 1}`);
        const here = document.getElementById(`${prefix}${i}`);
        here.value = below.value;
        here.dispatchEvent(new Event('change'));
      }
    }
    forgetDrafts(`screening-hall-${screeningRows - 1}`);
    forgetDrafts(`screening-start-${screeningRows - 1}`);
    screeningRows -= 1;
    redraw(body, draw);
    document.getElementById('add-showtime-row')?.focus();
  }

  function showtimeSection() {
    const movie = keepDraft(h('select', { id: 'showtime-movie', required: true },
      h('option', { value: '' }, t('staff.chooseMovie')),
      state.movies.map((m) => h('option', { value: m.movie_id }, m.title))));
    const hall = hallSelect('showtime-hall');
    const startsAt = startsAtInput('showtime-start');
    const disabled = state.movies.length === 0 || state.halls.length === 0;
    const form = h('form', { id: 'showtime-form', class: 'form' },
      flash('showtime'),
      field(t('staff.movie'), movie),
      h('div', { class: 'field-row field-row--when' }, field(t('staff.hall'), hall), field(startsAtLabel(), startsAt)),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button button--primary', disabled }, t('staff.addShowtime'))));
    form.addEventListener('submit', submitting('showtime', async () => {
      const startsAtValue = localToRfc3339(startsAt.value);
      await api.addScreening(movie.value, { hall_id: hall.value, starts_at: startsAtValue });
      const chosen = state.movies.find((m) => m.movie_id === movie.value);
      forgetDrafts('showtime-');
      return t('staff.showtimeAdded', { title: chosen?.title ?? '', when: dateTime(startsAtValue) });
    }));
    return h('section', { class: 'card', id: 'staff-showtime', 'aria-labelledby': 'showtime-heading' },
      h('h2', { id: 'showtime-heading' }, t('staff.showtimeTitle')),
      state.movies.length === 0 ? h('p', { class: 'muted' }, t('staff.noMovies')) : null,
      form);
  }

  function simulatorSection() {
    const current = state.simulator ?? { latency_ms: 0, failure_rate: 0 };
    const latency = h('input', { id: 'sim-latency', type: 'number', min: 0, max: 60000, step: 100, value: current.latency_ms, required: true, inputmode: 'numeric' });
    const rate = h('input', { id: 'sim-failure', type: 'range', min: 0, max: 100, step: 5, value: Math.round(current.failure_rate * 100) });
    const shown = h('output', { for: 'sim-failure', id: 'sim-failure-value' }, `${rate.value} %`);
    rate.addEventListener('input', () => { shown.textContent = `${rate.value} %`; });
    const preset = (ms, percent) => () => {
      latency.value = ms;
      rate.value = percent;
      shown.textContent = `${percent} %`;
    };
    const form = h('form', { id: 'simulator-form', class: 'form' },
      flash('simulator'),
      h('p', { class: 'current', id: 'sim-current' }, t('staff.simCurrent', { latency: current.latency_ms, rate: Math.round(current.failure_rate * 100) })),
      field(t('staff.latency'), latency, t('staff.latencyHint')),
      h('div', { class: 'field' }, h('label', { for: 'sim-failure' }, t('staff.failureRate')), h('div', { class: 'range' }, rate, shown)),
      h('div', { class: 'chips', role: 'group', 'aria-label': t('staff.presets') },
        h('button', { type: 'button', class: 'chip', id: 'sim-healthy', onclick: preset(0, 0) }, t('staff.presetHealthy')),
        h('button', { type: 'button', class: 'chip', id: 'sim-slow', onclick: preset(2500, 0) }, t('staff.presetSlow')),
        h('button', { type: 'button', class: 'chip', id: 'sim-down', onclick: preset(0, 100) }, t('staff.presetDown'))),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button button--primary', id: 'sim-save' }, t('staff.saveSimulator'))));
    form.addEventListener('submit', submitting('simulator', async () => {
      const saved = await api.setSimulator({ latency_ms: Number(latency.value), failure_rate: Number(rate.value) / 100 });
      return t('staff.simSaved', { latency: saved.latency_ms, rate: Math.round(saved.failure_rate * 100) });
    }));
    return h('section', { class: 'card', id: 'staff-simulator', 'aria-labelledby': 'sim-heading' },
      h('h2', { id: 'sim-heading' }, t('staff.simulator')),
      h('p', { class: 'muted' }, t('staff.simExplain')),
      form);
  }

  load();
}
