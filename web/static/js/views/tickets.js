// Ticket types (성인/청소년/경로/우대): how many of each for the chosen seats, and what the order
// costs. The counts always add up to the seats: adult is what the other types leave, so an order
// is valid at every step (all adult by default). The server's hold total is the one that counts
// once the seats are held; this one is what the customer sees while choosing.

import { h } from '../dom.js';
import { money, t } from '../i18n.js';

export const TICKET_TYPES = ['adult', 'youth', 'senior', 'disabled'];

/** The types a screening sells, in the customary order; [] without `prices`. */
export const soldTypes = (prices) => (prices ? TICKET_TYPES.filter((type) => prices[type]) : []);

/** Several types on sale: the customer chooses; one (adult) or none: nothing to choose. */
export const choosable = (prices) => soldTypes(prices).length > 1;

/** {type: count} for `seatCount` seats from the non-adult counts (trimmed to fit, last first). */
export function ticketCounts(prices, others, seatCount) {
  const types = soldTypes(prices).filter((type) => type !== 'adult');
  const counts = Object.fromEntries(types.map((type) => [type, Math.max(0, others[type] ?? 0)]));
  let over = Object.values(counts).reduce((a, b) => a + b, 0) - seatCount;
  for (const type of [...types].reverse()) {
    if (over <= 0) break;
    const cut = Math.min(over, counts[type]);
    counts[type] -= cut;
    over -= cut;
  }
  const adult = seatCount - Object.values(counts).reduce((a, b) => a + b, 0);
  return Object.fromEntries(Object.entries({ adult, ...counts }).filter(([, n]) => n > 0));
}

/**
 * Σ count × the type's price + Σ the chosen seats' surcharges; `cells` are the chosen seats
 * (kind, price). Without `prices`: `price` per seat (before ticket types).
 */
export function orderTotal({ prices, counts, cells, surcharges, price }) {
  const currency = prices?.adult?.currency ?? price?.currency ?? 'KRW';
  if (!prices?.adult) return price ? { amount: price.amount * cells.length, currency } : null;
  let amount = 0;
  for (const [type, n] of Object.entries(counts)) amount += (prices[type]?.amount ?? 0) * n;
  for (const cell of cells) amount += surchargeOf(cell, prices, surcharges);
  return { amount, currency };
}

function surchargeOf(cell, prices, surcharges) {
  const named = surcharges?.[cell.kind]?.amount;
  if (Number.isInteger(named)) return named;
  if (cell.price && prices?.adult) return Math.max(0, cell.price.amount - prices.adult.amount);
  return 0;
}

/** "성인 2 · 청소년 1" */
export const countsText = (counts) =>
  TICKET_TYPES.filter((type) => counts[type]).map((type) => `${t(`tickets.type.${type}`)} ${counts[type]}`).join(' · ');

/**
 * Steppers for the non-adult types (adult shows what is left). `onChange(others)` with the new
 * non-adult counts; `draw(prices, others, seatCount, disabled)` redraws.
 */
export function createTicketPicker({ onChange }) {
  const element = h('fieldset', { class: 'tickets', id: 'ticket-types', hidden: true });
  let last = null;

  function draw(prices, others, seatCount, disabled = false) {
    if (!choosable(prices)) {
      element.hidden = true;
      return;
    }
    element.hidden = false;
    const counts = ticketCounts(prices, others, seatCount);
    const active = document.activeElement;
    const focusKey = element.contains(active) ? active.dataset.key : null;
    const rows = soldTypes(prices).map((type) => {
      const n = counts[type] ?? 0;
      const name = t(`tickets.type.${type}`);
      const row = h('div', { class: 'ticket-row', dataset: { type } },
        h('span', { class: 'ticket-row__name', id: `ticket-${type}-name` }, name,
          h('span', { class: 'ticket-row__price' }, money(prices[type]))));
      if (type === 'adult') {
        row.append(h('output', { class: 'ticket-row__count', id: 'ticket-adult-count', 'aria-labelledby': 'ticket-adult-name' }, String(n)));
        return row;
      }
      const change = (d) => () => {
        const next = { ...others, [type]: Math.max(0, (others[type] ?? 0) + d) };
        onChange(next);
      };
      row.append(h('span', { class: 'stepper' },
        h('button', {
          type: 'button', class: 'stepper__button', dataset: { key: `${type}-less` }, disabled: disabled || n === 0,
          'aria-label': t('tickets.less', { type: name }), onclick: change(-1),
        }, '−'),
        h('output', { class: 'ticket-row__count', id: `ticket-${type}-count`, 'aria-live': 'polite' }, String(n)),
        h('button', {
          type: 'button', class: 'stepper__button', dataset: { key: `${type}-more` }, disabled: disabled || (counts.adult ?? 0) === 0,
          'aria-label': t('tickets.more', { type: name }), onclick: change(1),
        }, '+')));
      return row;
    });
    const text = JSON.stringify([counts, disabled, seatCount]);
    if (text === last && element.childElementCount) return;
    last = text;
    element.replaceChildren(
      h('legend', {}, t('tickets.title')),
      h('p', { class: 'hint' }, seatCount ? t('tickets.hint', { seats: seatCount }) : t('tickets.chooseSeats')),
      ...rows);
    if (focusKey) {
      const again = element.querySelector(`[data-key="${focusKey}"]`);
      (again && !again.disabled ? again : element.querySelector('.stepper__button:not(:disabled)'))?.focus();
    }
  }

  return { element, draw };
}

/**
 * The "Tickets: Adult 1 · Youth 1" row of a booking's details, when it has more than adult
 * tickets (`always`: whenever the tickets are known — what staff check at the door).
 */
export function ticketsRow(tickets, { always = false, className = 'booking__tickets' } = {}) {
  if (!tickets || typeof tickets !== 'object') return null;
  if (!always && !Object.keys(tickets).some((type) => type !== 'adult' && tickets[type] > 0)) return null;
  return [h('dt', {}, t('tickets.title')), h('dd', { class: className }, countsText(tickets))];
}
