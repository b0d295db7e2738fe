// The seat map: one button per seat, laid out from the hall's rows × seats per row. Free seats
// toggle (aria-pressed), taken seats are disabled; a seat the customer had chosen and lost to
// someone else (a 409, or seen taken on a refresh) is `lost`: disabled, drawn differently, and
// named so in its label and the legend. One seat is in the tab order at a time; the
// arrow keys, Home and End move between the seats that can be chosen.

import { h } from '../dom.js';
import { t } from '../i18n.js';

export const rowLetter = (index) => String.fromCharCode(65 + index);

export function createSeatMap({ rows, seatsPerRow, onToggle }) {
  const grid = h('div', { class: 'seat-grid', role: 'group', id: 'seat-map', 'aria-label': t('seats.mapLabel') });
  grid.style.setProperty('--cols', String(seatsPerRow));
  const seats = []; // seats[row][column] → button
  for (let r = 0; r < rows; r += 1) {
    grid.append(h('span', { class: 'row-label', 'aria-hidden': 'true' }, rowLetter(r)));
    seats.push([]);
    for (let c = 0; c < seatsPerRow; c += 1) {
      const label = `${rowLetter(r)}${c + 1}`;
      const button = h('button', {
        type: 'button', class: 'seat', tabindex: '-1', 'aria-pressed': 'false',
        dataset: { seat: label, row: r, col: c }, onclick: () => onToggle(label),
      }, String(c + 1));
      seats[r].push(button);
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
      ArrowLeft: () => scan(r, c, 0, -1),
      ArrowRight: () => scan(r, c, 0, 1),
      ArrowUp: () => scan(r, c, -1, 0),
      ArrowDown: () => scan(r, c, 1, 0),
      Home: () => scan(r, -1, 0, 1),
      End: () => scan(r, seatsPerRow, 0, -1),
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

  /** The next choosable seat from (r, c) in direction (dr, dc), skipping taken ones. */
  function scan(r, c, dr, dc) {
    for (let row = r + dr, col = c + dc; row >= 0 && row < rows && col >= 0 && col < seatsPerRow; row += dr, col += dc) {
      if (!seats[row][col].disabled) return seats[row][col];
    }
    return null;
  }

  /** Draws the statuses (label → 'free' | 'taken'), the selection and the seats just lost. */
  function update(statuses, selected, lost = new Set()) {
    for (const [r, row] of seats.entries()) {
      for (const [c, button] of row.entries()) {
        const label = button.dataset.seat;
        const taken = statuses.get(label) === 'taken';
        const state = taken ? (lost.has(label) ? 'lost' : 'taken') : selected.has(label) ? 'selected' : 'free';
        button.disabled = taken;
        button.dataset.state = state;
        button.setAttribute('aria-pressed', String(state === 'selected'));
        button.setAttribute('aria-label', t('seats.seatLabel', { row: rowLetter(r), number: c + 1, state: t(`seats.state.${state}`) }));
      }
    }
    if (!tabStop || tabStop.disabled) {
      setTabStop(seats.flat().find((b) => !b.disabled) ?? null);
    }
    lostKey.hidden = !seats.flat().some((b) => b.dataset.state === 'lost');
  }

  /** Moves the keyboard focus into the map (onto its one tab stop). */
  const focus = () => tabStop?.focus();

  const key = (state) =>
    h('li', { dataset: { legend: state } }, h('span', { class: 'seat seat--sample', dataset: { state }, 'aria-hidden': 'true' }), t(`seats.state.${state}`));
  const lostKey = key('lost');
  lostKey.hidden = true;
  const legend = h('ul', { class: 'legend', 'aria-label': t('seats.legend') },
    ['free', 'selected', 'taken'].map(key), lostKey);

  const element = h('div', { class: 'seatmap' },
    h('div', { class: 'screen', 'aria-hidden': 'true' }, t('seats.screen')),
    h('div', { class: 'seat-scroll' }, grid),
    legend);
  return { element, update, focus };
}
