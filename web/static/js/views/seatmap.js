// The seat map, drawn like a cinema's: the screen on top over the seats, aisles as gaps (from the
// seat map's grid_row/grid_column; without them, a plain rows × seats grid), row letters on both
// sides, seat kinds drawn apart (wheelchair space ♿, companion, premium, couple seats joined as
// a pair). One button per seat: free seats toggle (aria-pressed), taken ones are disabled; a seat
// the customer had chosen and lost to someone else is `lost`. One seat is in the tab order at a
// time; the arrow keys, Home and End move between the seats that can be chosen.
//
// The map fits the width with seats of at least MIN_SEAT px; a hall too wide for that (a phone)
// is drawn at MIN_SEAT px in a sideways scroll that says so, with an overview of the whole hall
// showing which part is in view (tap it to go there).

import { h } from '../dom.js';
import { money, t } from '../i18n.js';
import { seatsOf } from './seatlayout.js';

const MIN_SEAT = 32; // px: the smallest tap target
const MAX_SEAT = 40;
const LABEL = 18; // row letters' column
const GAP = 4;
const SVG = 'http://www.w3.org/2000/svg';

/** `map`: the seat map as the theater gives it; `onToggle(label)` when a seat is clicked. */
export function createSeatMap({ map, onToggle }) {
  const layout = seatsOf(map);
  const { seats: cells, columns, gridRows } = layout;
  const grid = h('div', { class: 'seat-grid', role: 'group', id: 'seat-map', 'aria-label': t('seats.mapLabel') });
  const aisleColumns = new Set(Array.from({ length: columns }, (_, c) => c).filter((c) => !cells.some((s) => s.column === c)));
  const spaceRows = new Set(Array.from({ length: gridRows }, (_, r) => r).filter((r) => !cells.some((s) => s.gridRow === r)));
  const seatColumns = columns - aisleColumns.size;

  grid.style.gridTemplateColumns = [`${LABEL}px`, ...Array.from({ length: columns }, (_, c) => (aisleColumns.has(c) ? 'var(--aisle)' : 'var(--seat)')), `${LABEL}px`].join(' ');
  grid.style.gridTemplateRows = ['auto', ...Array.from({ length: gridRows }, (_, r) => (spaceRows.has(r) ? 'calc(var(--aisle) / 2)' : 'var(--seat)'))].join(' ');
  const firstSeatColumn = Math.min(...cells.map((s) => s.column));
  const lastSeatColumn = Math.max(...cells.map((s) => s.column));
  const screen = h('div', { class: 'screen', 'aria-hidden': 'true' }, t('seats.screen'));
  screen.style.gridColumn = `${firstSeatColumn + 2} / ${lastSeatColumn + 3}`;
  grid.append(screen);

  const buttons = new Map(); // label → button
  const rowsOfSeats = []; // [{ letter, seats: [cell…] by column }]
  for (let r = 0; r < gridRows; r += 1) {
    const inRow = cells.filter((s) => s.gridRow === r).sort((a, b) => a.column - b.column);
    if (!inRow.length) continue;
    const letter = inRow[0].row;
    for (const side of [1, columns + 2]) {
      const label = h('span', { class: 'row-label', 'aria-hidden': 'true' }, letter);
      label.style.gridRow = String(r + 2);
      label.style.gridColumn = String(side);
      grid.append(label);
    }
    rowsOfSeats.push({ letter, seats: inRow });
  }
  for (const [rowIndex, row] of rowsOfSeats.entries()) {
    for (const [index, cell] of row.seats.entries()) {
      const side = cell.pair ? (cells.find((s) => s.label === cell.pair)?.column > cell.column ? 'left' : 'right') : null;
      const button = h('button', {
        type: 'button', class: 'seat', tabindex: '-1', 'aria-pressed': 'false',
        dataset: { seat: cell.label, row: rowIndex, col: index, kind: cell.kind, ...(side ? { pairSide: side, pair: cell.pair } : {}) },
        onclick: () => onToggle(cell.label),
      }, cell.kind === 'wheelchair' ? h('span', { 'aria-hidden': 'true' }, '♿') : String(cell.number));
      button.style.gridRow = String(cell.gridRow + 2);
      button.style.gridColumn = String(cell.column + 2);
      cell.button = button;
      buttons.set(cell.label, button);
      grid.append(button);
    }
  }

  let tabStop = null;
  const setTabStop = (button) => {
    if (tabStop && tabStop !== button) tabStop.tabIndex = -1;
    tabStop = button;
    if (button) button.tabIndex = 0;
  };

  grid.addEventListener('focusin', (event) => {
    if (event.target.matches('.seat')) setTabStop(event.target);
  });

  grid.addEventListener('keydown', (event) => {
    const from = event.target.closest('.seat');
    if (!from) return;
    const r = Number(from.dataset.row);
    const c = Number(from.dataset.col);
    const moves = {
      ArrowLeft: () => along(r, c, -1),
      ArrowRight: () => along(r, c, 1),
      ArrowUp: () => across(r, c, -1),
      ArrowDown: () => across(r, c, 1),
      Home: () => along(r, -1, 1),
      End: () => along(r, rowsOfSeats[r].seats.length, -1),
    };
    const move = moves[event.key];
    if (!move) return;
    event.preventDefault();
    const to = move();
    if (to) {
      setTabStop(to);
      to.focus();
    }
  });

  /** The next choosable seat in row r from index c in direction d. */
  function along(r, c, d) {
    const row = rowsOfSeats[r].seats;
    for (let i = c + d; i >= 0 && i < row.length; i += d) if (!row[i].button.disabled) return row[i].button;
    return null;
  }

  /** The choosable seat nearest to seat c of row r in the next row (up or down) that has one. */
  function across(r, c, d) {
    const { column } = rowsOfSeats[r].seats[c];
    for (let row = r + d; row >= 0 && row < rowsOfSeats.length; row += d) {
      const near = rowsOfSeats[row].seats.filter((s) => !s.button.disabled)
        .sort((a, b) => Math.abs(a.column - column) - Math.abs(b.column - column))[0];
      if (near) return near.button;
    }
    return null;
  }

  // ---- the overview of a hall too wide for the screen, and the fitting

  const scroller = h('div', { class: 'seat-scroll' }, grid);
  const overview = createOverview(cells, columns, gridRows, scroller);
  const wideHint = h('p', { class: 'seat-zoom-hint', id: 'seat-zoom-hint', hidden: true },
    h('span', { 'aria-hidden': 'true' }, '↔ '), t('seats.zoomHint'));

  function fit() {
    const width = scroller.clientWidth;
    if (!width) return;
    const aisles = aisleColumns.size;
    const room = width - 2 * LABEL - GAP * (columns + 1);
    const size = Math.floor(room / (seatColumns + aisles * 0.5));
    const zoomed = size < MIN_SEAT;
    const seat = Math.min(MAX_SEAT, Math.max(MIN_SEAT, size));
    element.style.setProperty('--seat', `${seat}px`);
    element.style.setProperty('--aisle', `${Math.max(12, Math.round(seat / 2))}px`);
    element.dataset.zoomed = String(zoomed);
    wideHint.hidden = !zoomed;
    overview.element.hidden = !zoomed;
    if (zoomed && !scroller.dataset.centred) {
      scroller.dataset.centred = 'true';
      scroller.scrollLeft = (scroller.scrollWidth - scroller.clientWidth) / 2;
    }
    overview.update();
  }
  // Keyboard focus on a seat out of view scrolls it in (the browser does it); the overview follows.
  scroller.addEventListener('scroll', () => overview.update(), { passive: true });

  /** Draws the statuses (label → 'free' | 'taken'), the selection and the seats just lost. */
  function update(statuses, selected, lost = new Set()) {
    for (const cell of cells) {
      const button = cell.button;
      const label = cell.label;
      // Half of a couple seat whose other half is gone cannot be sold alone.
      const taken = statuses.get(label) === 'taken' || (cell.pair !== null && statuses.get(cell.pair) === 'taken');
      const state = taken ? (lost.has(label) ? 'lost' : 'taken') : selected.has(label) ? 'selected' : 'free';
      button.disabled = taken;
      button.dataset.state = state;
      button.setAttribute('aria-pressed', String(state === 'selected'));
      const kind = cell.kind === 'couple'
        ? t('seats.kindLabel.couple', { pair: cell.pair ?? '' })
        : cell.kind !== 'standard' ? t(`seats.kindLabel.${cell.kind}`) : null;
      const name = t('seats.seatLabel', { row: cell.row, number: cell.number, state: t(`seats.state.${state}`) });
      button.setAttribute('aria-label', kind ? t('seats.seatLabelKind', { seat: name, kind }) : name);
    }
    if (!tabStop || tabStop.disabled) {
      setTabStop(cells.map((c) => c.button).find((b) => !b.disabled) ?? null);
    }
    lostKey.hidden = !cells.some((c) => c.button.dataset.state === 'lost');
    overview.draw();
  }

  /** Moves the keyboard focus into the map (onto its one tab stop). */
  const focus = () => tabStop?.focus();

  const key = (state) =>
    h('li', { dataset: { legend: state } }, h('span', { class: 'seat seat--sample', dataset: { state }, 'aria-hidden': 'true' }), t(`seats.state.${state}`));
  const lostKey = key('lost');
  lostKey.hidden = true;
  const legend = h('ul', { class: 'legend', 'aria-label': t('seats.legend') },
    ['free', 'selected', 'taken'].map(key), lostKey);

  const element = h('div', { class: 'seatmap' }, wideHint, overview.element, scroller, legend);
  if (typeof ResizeObserver === 'function') new ResizeObserver(() => fit()).observe(scroller);
  requestAnimationFrame(fit);
  return { element, update, focus, cells, layout };
}

/** The kinds of seat in this hall other than standard, for the legend: [kind…]. */
export const kindsIn = (cells) => ['premium', 'couple', 'wheelchair', 'companion'].filter((k) => cells.some((c) => c.kind === k));

/** A legend of the hall's seat kinds with what one seat of each costs (adult + surcharge). */
export function kindLegend(cells, price) {
  const kinds = ['standard', ...kindsIn(cells)];
  if (kinds.length === 1 && !price) return null;
  return h('ul', { class: 'legend legend--kinds', id: 'kind-legend', 'aria-label': t('seats.kinds') },
    kinds.map((kind) => {
      const one = cells.find((c) => c.kind === kind);
      const cost = one?.price ?? price;
      return h('li', { dataset: { kind } },
        h('span', { class: 'seat seat--sample', dataset: { state: 'free', kind }, 'aria-hidden': 'true' }, kind === 'wheelchair' ? '♿' : ''),
        t(`seats.kind.${kind}`), cost ? h('span', { class: 'legend__price' }, money(cost)) : null);
    }));
}

/** A small drawing of the whole hall (aria-hidden: the buttons are the accessible map). */
function createOverview(cells, columns, gridRows, scroller) {
  const cell = 6;
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${columns * cell} ${gridRows * cell}`);
  svg.setAttribute('class', 'seat-overview__drawing');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const rects = cells.map((c) => {
    const rect = document.createElementNS(SVG, 'rect');
    rect.setAttribute('x', String(c.column * cell + 0.5));
    rect.setAttribute('y', String(c.gridRow * cell + 0.5));
    rect.setAttribute('width', String(cell - 1));
    rect.setAttribute('height', String(cell - 1));
    rect.setAttribute('rx', '1');
    svg.append(rect);
    return [c, rect];
  });
  const view = document.createElementNS(SVG, 'rect');
  view.setAttribute('class', 'seat-overview__view');
  view.setAttribute('y', '0');
  view.setAttribute('height', String(gridRows * cell));
  svg.append(view);
  const element = h('div', { class: 'seat-overview', id: 'seat-overview', 'aria-hidden': 'true', hidden: true }, svg);
  // Pointer users jump to a part of the hall; keyboard users move seat by seat.
  element.addEventListener('click', (event) => {
    const box = svg.getBoundingClientRect();
    const share = (event.clientX - box.left) / box.width;
    scroller.scrollTo({ left: share * scroller.scrollWidth - scroller.clientWidth / 2, behavior: 'smooth' });
  });
  return {
    element,
    draw() {
      for (const [c, rect] of rects) rect.setAttribute('class', `ov ov--${c.button.dataset.state ?? 'free'}`);
    },
    update() {
      const total = scroller.scrollWidth || 1;
      view.setAttribute('x', String((scroller.scrollLeft / total) * columns * cell));
      view.setAttribute('width', String((scroller.clientWidth / total) * columns * cell));
    },
  };
}
