// The mobile ticket of a CONFIRMED booking: a button in "my bookings" that opens the ticket, a QR
// code of the signed code staff scan at the door (drawn as SVG from the vendored
// qrcode-generator, MIT), the same code in text for typing, and what the ticket admits. The code
// is fetched when the ticket is opened, never stored by the page.

import * as api from '../api.js';
import { h } from '../dom.js';
import { errorBox } from '../errors.js';
import { ticketsRow } from './tickets.js';
import { showtime, t } from '../i18n.js';
import qrcode from '../vendor/qrcode-generator.js';

const SVG = 'http://www.w3.org/2000/svg';
const QUIET_ZONE = 4; // modules of white around the code, as the QR standard asks

/**
 * `text` as a QR code (error correction M), one SVG path of dark modules on white. Ticket codes
 * are upper-case letters, digits, '-' and '.', which QR's alphanumeric mode holds compactly.
 */
export function qrSvg(text, { label, size = 232 } = {}) {
  const qr = qrcode(0, 'M');
  qr.addData(text, /^[0-9A-Z $%*+\-./:]*$/.test(text) ? 'Alphanumeric' : 'Byte');
  qr.make();
  const count = qr.getModuleCount();
  const side = count + 2 * QUIET_ZONE;
  let d = '';
  for (let row = 0; row < count; row += 1) {
    for (let col = 0; col < count; col += 1) {
      if (qr.isDark(row, col)) d += `M${col + QUIET_ZONE} ${row + QUIET_ZONE}h1v1h-1z`;
    }
  }
  const svg = document.createElementNS(SVG, 'svg');
  for (const [name, value] of Object.entries({
    viewBox: `0 0 ${side} ${side}`, width: size, height: size, role: 'img', 'aria-label': label ?? text,
    'shape-rendering': 'crispEdges', class: 'qr',
  })) svg.setAttribute(name, String(value));
  const background = document.createElementNS(SVG, 'rect');
  for (const [name, value] of Object.entries({ width: side, height: side, fill: '#fff' })) background.setAttribute(name, String(value));
  const modules = document.createElementNS(SVG, 'path');
  modules.setAttribute('d', d);
  modules.setAttribute('fill', '#000');
  svg.append(background, modules);
  return svg;
}

/**
 * "Mobile ticket" for booking `r`: a disclosure button and the ticket it opens. Set `booking`
 * to the latest copy of the booking (the list learns runtimes later).
 */
export function ticketControl(r) {
  const panelId = `ticket-${r.reservation_id}`;
  const panel = h('div', { class: 'ticket', id: panelId, hidden: true });
  const button = h('button', {
    type: 'button', class: 'button', 'aria-expanded': 'false', 'aria-controls': panelId,
    dataset: { key: `ticket-${r.reservation_id}` },
  }, t('ticket.show'));
  let loaded = false;
  const control = { button, panel, booking: r };
  button.addEventListener('click', async () => {
    const open = button.getAttribute('aria-expanded') !== 'true';
    button.setAttribute('aria-expanded', String(open));
    panel.hidden = !open;
    if (!open || loaded) return;
    panel.setAttribute('aria-busy', 'true');
    panel.replaceChildren(h('p', { class: 'loading' }, t('common.loading')));
    try {
      const ticket = await api.ticket(r.reservation_id);
      loaded = true;
      panel.replaceChildren(...ticketCard({ runtime_min: control.booking.runtime_min, ...ticket }));
    } catch (error) {
      panel.replaceChildren(errorBox(error));
    }
    panel.removeAttribute('aria-busy');
  });
  return control;
}

function ticketCard(ticket) {
  return [
    h('div', { class: 'ticket__qr' }, qrSvg(ticket.code, { label: t('ticket.qrLabel', { number: ticket.booking_number }) })),
    h('p', { class: 'ticket__hint' }, t('ticket.hint')),
    h('dl', { class: 'details details--compact' },
      h('dt', {}, t('booking.number')), h('dd', { class: 'mono ticket__number' }, ticket.booking_number),
      ticket.movie_title ? [h('dt', {}, t('booking.movie')), h('dd', {}, ticket.movie_title)] : null,
      ticket.starts_at ? [h('dt', {}, t('booking.showtime')), h('dd', {}, h('time', { datetime: ticket.starts_at }, showtime(ticket.starts_at, ticket.runtime_min)))] : null,
      ticket.hall_name ? [h('dt', {}, t('booking.hall')), h('dd', {}, ticket.hall_name)] : null,
      h('dt', {}, t('booking.seats')), h('dd', {}, ticket.seats.join(', ')),
      ticketsRow(ticket.tickets, { className: 'ticket__tickets' }),
      h('dt', {}, t('ticket.code')), h('dd', { class: 'mono ticket__code' }, ticket.code)),
  ];
}
