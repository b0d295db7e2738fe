// Staff: the halls — a compact, searchable list with each hall's layout drawn small, and the
// form for a new hall: rows × seats, optionally a layout (aisles after given seats, a cross aisle
// before given rows, premium / wheelchair / companion seats, couple-seat rows) with a live preview.
// Without any layout field the old body ({name, rows, seats_per_row}) is sent.

import { h, field, keepDraft, forgetDrafts } from '../dom.js';
import { t, tn } from '../i18n.js';
import { layoutSeats, hallLayout, rowLetter } from './seatlayout.js';

const SVG = 'http://www.w3.org/2000/svg';
let search = ''; // the hall search survives redraws of the staff page

/** A small drawing of a hall (aria-hidden: the text next to it says the size). */
export function hallDrawing(layout, { cell = 5, className = 'hall-drawing' } = {}) {
  const { seats, columns, gridRows } = layoutSeats(layout);
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 -${cell * 1.5} ${columns * cell} ${(gridRows + 1.5) * cell}`);
  svg.setAttribute('class', className);
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.style.setProperty('--ratio', String(columns / (gridRows + 1.5)));
  const screen = document.createElementNS(SVG, 'rect');
  Object.entries({ x: columns * cell * 0.1, y: -cell * 1.4, width: columns * cell * 0.8, height: cell * 0.5, class: 'hd-screen' })
    .forEach(([k, v]) => screen.setAttribute(k, String(v)));
  svg.append(screen);
  for (const s of seats) {
    const rect = document.createElementNS(SVG, 'rect');
    Object.entries({ x: s.column * cell + 0.5, y: s.gridRow * cell + 0.5, width: cell - 1, height: cell - 1, rx: 1, class: `hd hd--${s.kind}` })
      .forEach(([k, v]) => rect.setAttribute(k, String(v)));
    svg.append(rect);
  }
  return svg;
}

/** The halls section of the staff page. `flash(section)` and `submitting(section, action)` come from it. */
export function hallsSection({ halls, flash, submitting, api }) {
  const query = h('input', { id: 'hall-search', type: 'search', value: search, autocomplete: 'off', placeholder: t('staff.searchHalls') });
  const count = h('p', { class: 'hint', id: 'hall-count', 'aria-live': 'polite' });
  const items = halls.map((hall) => h('li', { class: 'hall', dataset: { name: hall.name.toLowerCase() } },
    hallDrawing(hallLayout(hall)),
    h('span', { class: 'hall__text' },
      h('strong', { class: 'hall__name' }, hall.name),
      h('span', { class: 'muted small' }, t('staff.hallLayout', { rows: hall.rows, seats: hall.seats_per_row, total: hall.seats_total })))));
  const list = h('ul', { class: 'hall-list', id: 'hall-list', tabindex: '0', 'aria-label': t('staff.halls') }, items);
  const noMatch = h('p', { class: 'muted', id: 'hall-no-match', hidden: true });
  const filter = () => {
    search = query.value;
    const q = search.trim().toLowerCase();
    let shown = 0;
    for (const item of items) {
      item.hidden = Boolean(q) && !item.dataset.name.includes(q);
      if (!item.hidden) shown += 1;
    }
    count.textContent = t('staff.hallCount', { shown, total: items.length });
    noMatch.hidden = shown > 0;
    noMatch.textContent = t('staff.noMatch', { query: search.trim() });
  };
  query.addEventListener('input', filter);
  filter();

  const form = hallForm({ flash, submitting, api });
  return h('section', { class: 'card', id: 'staff-halls', 'aria-labelledby': 'halls-heading' },
    h('h2', { id: 'halls-heading' }, t('staff.halls')),
    halls.length === 0
      ? h('p', { class: 'muted' }, t('staff.noHalls'))
      : [field(t('staff.searchHalls'), query), count, list, noMatch],
    h('h3', {}, t('staff.newHall')),
    form);
}

function hallForm({ flash, submitting, api }) {
  const input = (id, attrs) => keepDraft(h('input', { id, autocomplete: 'off', ...attrs }));
  const name = input('hall-name', { required: true, maxlength: 100, placeholder: t('staff.hallNameExample') });
  const rows = input('hall-rows', { type: 'number', min: 1, max: 26, value: 8, required: true, inputmode: 'numeric' });
  const perRow = input('hall-seats', { type: 'number', min: 1, max: 50, value: 12, required: true, inputmode: 'numeric' });
  const aisles = input('hall-aisles', { placeholder: '2, 10', inputmode: 'numeric' });
  const cross = input('hall-cross', { placeholder: 'F' });
  const premium = input('hall-premium', { placeholder: 'E4-E9' });
  const wheelchair = input('hall-wheelchair', { placeholder: 'A1, A12' });
  const companion = input('hall-companion', { placeholder: 'A2, A11' });
  const couple = input('hall-couple', { placeholder: 'H' });
  const preview = h('div', { class: 'hall-preview', id: 'hall-preview' });
  const problem = h('p', { class: 'field-error', id: 'hall-layout-problem', role: 'status' });
  const advanced = [aisles, cross, premium, wheelchair, companion, couple];

  /** The layout typed in, or null when no layout field is used; throws a message for a bad one. */
  function layout() {
    const n = Number(rows.value);
    const seats = Number(perRow.value);
    if (!advanced.some((i) => i.value.trim())) return null;
    if (!(n >= 1 && n <= 26 && seats >= 1 && seats <= 50)) return null;
    const aisleList = numbers(aisles.value).filter((a) => a >= 1 && a < seats);
    const letters = Array.from({ length: n }, (_, r) => rowLetter(r));
    const rowsOf = (text) => text.split(/[\s,]+/).map((x) => x.trim().toUpperCase()).filter(Boolean);
    const badRows = [...rowsOf(cross.value), ...rowsOf(couple.value)].filter((l) => !letters.includes(l));
    if (badRows.length) throw new Error(t('staff.badRows', { rows: badRows.join(', ') }));
    const kinds = letters.map(() => ({}));
    const bad = [];
    for (const [kind, control] of [['premium', premium], ['wheelchair', wheelchair], ['companion', companion]]) {
      for (const label of seatLabels(control.value)) {
        const r = letters.indexOf(label.row);
        if (r < 0 || label.number < 1 || label.number > seats) bad.push(`${label.row}${label.number}`);
        else (kinds[r][kind] ??= []).push(label.number);
      }
    }
    if (bad.length) throw new Error(t('staff.badSeats', { seats: bad.join(', ') }));
    for (const letter of rowsOf(couple.value)) {
      const r = letters.indexOf(letter);
      const others = new Set(Object.values(kinds[r]).flat());
      kinds[r].couple = Array.from({ length: seats }, (_, i) => i + 1).filter((x) => !others.has(x));
    }
    const crossRows = new Set(rowsOf(cross.value));
    return {
      rows: letters.map((letter, r) => ({
        seats,
        ...(aisleList.length ? { aisles_after: [...new Set(aisleList)].sort((a, b) => a - b) } : {}),
        ...(r > 0 && crossRows.has(letter) ? { space_before: true } : {}),
        ...(Object.keys(kinds[r]).length ? { kinds: kinds[r] } : {}),
      })),
    };
  }

  function drawPreview() {
    problem.textContent = '';
    let shape = null;
    try {
      shape = layout();
    } catch (error) {
      problem.textContent = error.message;
    }
    const n = Number(rows.value);
    const seats = Number(perRow.value);
    if (!shape && n >= 1 && n <= 26 && seats >= 1 && seats <= 50) shape = hallLayout({ rows: n, seats_per_row: seats });
    const total = shape ? shape.rows.reduce((sum, row) => sum + row.seats, 0) : 0;
    preview.replaceChildren(...(shape ? [hallDrawing(shape, { cell: 8, className: 'hall-drawing hall-drawing--large' }),
      h('p', { class: 'hint' }, tn('staff.previewSeats', total))] : []));
  }
  [rows, perRow, ...advanced].forEach((control) => control.addEventListener('input', drawPreview));
  drawPreview();

  const form = h('form', { id: 'hall-form', class: 'form' },
    flash('hall'),
    field(t('staff.hallName'), name),
    h('div', { class: 'field-row' },
      field(t('staff.rows'), rows, t('staff.rowsHint')),
      field(t('staff.seatsPerRow'), perRow, t('staff.seatsPerRowHint'))),
    h('details', { class: 'hall-layout', id: 'hall-layout', open: advanced.some((i) => i.value.trim()) },
      h('summary', {}, t('staff.layoutTitle')),
      h('div', { class: 'field-row' },
        field(t('staff.aislesAfter'), aisles, t('staff.aislesHint')),
        field(t('staff.crossAisle'), cross, t('staff.crossAisleHint'))),
      h('div', { class: 'field-row' },
        field(t('staff.premiumSeats'), premium, t('staff.seatsHint')),
        field(t('staff.coupleRows'), couple, t('staff.coupleRowsHint'))),
      h('div', { class: 'field-row' },
        field(t('staff.wheelchairSeats'), wheelchair, t('staff.seatsHint')),
        field(t('staff.companionSeats'), companion, t('staff.seatsHint')))),
    h('div', { class: 'hall-preview-box' }, h('p', { class: 'hall-preview__title' }, t('staff.preview')), preview, problem),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button button--primary' }, t('staff.createHall'))));
  const refusal = (text) => Object.assign(new Error(text), {
    box: h('div', { class: 'alert alert--error', role: 'alert' }, h('p', { class: 'alert__title' }, text)),
  });
  form.addEventListener('submit', submitting('hall', async () => {
    let shape;
    try {
      shape = layout();
    } catch (error) {
      throw refusal(error.message);
    }
    const body = shape
      ? { name: name.value.trim(), layout: shape }
      : { name: name.value.trim(), rows: Number(rows.value), seats_per_row: Number(perRow.value) };
    let hall;
    try {
      hall = await api.createHall(body);
    } catch (error) {
      // A server from before layouts refuses the unknown field: say what to do.
      if (shape && error.status === 422 && /layout/i.test(error.message ?? '') && /unknown/i.test(error.message ?? '')) {
        throw refusal(t('staff.layoutNotAvailable'));
      }
      throw error;
    }
    forgetDrafts('hall-');
    return t('staff.hallCreated', { name: hall.name, seats: hall.seats_total });
  }));
  return form;
}

/** "2, 10" → [2, 10] */
const numbers = (text) => text.split(/[\s,]+/).map(Number).filter((n) => Number.isInteger(n) && n > 0);

/** "A1, A2, E3-E10" → [{row: 'A', number: 1}, …]; a range stays in its row. */
function seatLabels(text) {
  const out = [];
  for (const part of text.split(/[\s,]+/).map((x) => x.trim().toUpperCase()).filter(Boolean)) {
    const range = /^([A-Z])(\d+)(?:[-~]([A-Z])?(\d+))?$/.exec(part);
    if (!range) {
      out.push({ row: part, number: 0 });
      continue;
    }
    const [, row, from, toRow, to] = range;
    if (toRow && toRow !== row) {
      out.push({ row: part, number: 0 });
      continue;
    }
    const end = to ? Number(to) : Number(from);
    for (let n = Math.min(Number(from), end); n <= Math.max(Number(from), end); n += 1) out.push({ row, number: n });
  }
  return out;
}
