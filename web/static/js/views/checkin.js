// Staff at the door (role admin): check a ticket in by scanning its QR code with the device's
// camera (the browser's BarcodeDetector, where it has one) or by typing the code printed under
// it. Each answer is shown big enough to read at arm's length — admitted, already used (and
// when), or refused with the reason — and the field is cleared for the next customer. The last
// scans of this visit stay listed below.

import * as api from '../api.js';
import { h } from '../dom.js';
import { describe } from '../errors.js';
import { ticketsRow } from './tickets.js';
import { dateTime, showtime, t } from '../i18n.js';
import * as session from '../session.js';

const SCAN_EVERY_MS = 250;
const HISTORY = 8;

export default function checkin(root, { signal, setTitle }) {
  setTitle(t('checkin.title'));
  if (!session.isAdmin(session.current())) {
    root.append(h('section', { class: 'card narrow' },
      h('h1', {}, t('checkin.title')),
      h('p', {}, t('staff.adminOnly')),
      h('a', { class: 'button button--primary', href: '/signin?next=/staff/check-in' }, t('nav.signIn'))));
    return;
  }
  const input = h('input', {
    id: 'checkin-code', name: 'code', type: 'text', required: true, autocomplete: 'off', autocapitalize: 'characters',
    spellcheck: 'false', maxlength: 64, class: 'mono', 'aria-describedby': 'checkin-code-hint',
  });
  const submit = h('button', { type: 'submit', class: 'button button--primary', id: 'checkin-submit' }, t('checkin.submit'));
  const result = h('div', { id: 'checkin-result', class: 'checkin__result', 'aria-live': 'assertive', 'aria-atomic': 'true' });
  const history = h('ol', { class: 'checkin__history', id: 'checkin-history' });
  const camera = cameraScanner({ signal, onCode: (code) => { input.value = code; check(code); } });

  let busy = false;
  async function check(raw) {
    const code = raw.trim().toUpperCase();
    if (!code || busy) return;
    busy = true;
    submit.disabled = true;
    let outcome;
    try {
      outcome = admitted(await api.checkIn(code));
    } catch (error) {
      if (error.name === 'AbortError') return;
      outcome = refused(error, code);
    } finally {
      busy = false;
      submit.disabled = false;
    }
    if (signal.aborted) return;
    result.replaceChildren(outcome.box);
    history.prepend(outcome.line);
    while (history.children.length > HISTORY) history.lastElementChild.remove();
    input.value = '';
    input.focus();
  }

  root.append(
    h('h1', {}, t('checkin.title')),
    h('div', { class: 'checkin-layout' },
      h('section', { class: 'card', 'aria-labelledby': 'checkin-scan-heading' },
        h('h2', { id: 'checkin-scan-heading' }, t('checkin.scanHeading')),
        camera.element,
        h('form', { class: 'form', id: 'checkin-form', novalidate: true, onsubmit: (event) => { event.preventDefault(); check(input.value); } },
          h('div', { class: 'field' },
            h('label', { for: 'checkin-code' }, t('checkin.code')),
            input,
            h('p', { class: 'hint', id: 'checkin-code-hint' }, t('checkin.codeHint'))),
          h('div', { class: 'actions' }, submit))),
      h('section', { class: 'card', 'aria-labelledby': 'checkin-result-heading' },
        h('h2', { id: 'checkin-result-heading' }, t('checkin.resultHeading')),
        result,
        h('h3', {}, t('checkin.history')),
        history)));
}

/** A ticket the server accepted: first use (admit) or a repeat (already used, and when). */
function admitted(c) {
  const first = c.first_check_in === true;
  const details = h('dl', { class: 'details details--compact' },
    h('dt', {}, t('booking.number')), h('dd', { class: 'mono checkin__number' }, c.booking_number),
    c.movie_title ? [h('dt', {}, t('booking.movie')), h('dd', {}, c.movie_title)] : null,
    c.starts_at ? [h('dt', {}, t('booking.showtime')), h('dd', {}, h('time', { datetime: c.starts_at }, showtime(c.starts_at)))] : null,
    c.hall_name ? [h('dt', {}, t('booking.hall')), h('dd', {}, c.hall_name)] : null,
    h('dt', {}, t('booking.seats')), h('dd', { class: 'checkin__seats' }, c.seats.join(', ')),
    ticketsRow(c.tickets, { always: true, className: 'checkin__tickets' }),
    first ? null : [h('dt', {}, t('checkin.firstAt')), h('dd', {}, h('time', { datetime: c.checked_in_at }, dateTime(c.checked_in_at)))]);
  const title = first ? t('checkin.admit') : t('checkin.already', { when: dateTime(c.checked_in_at) });
  return {
    box: h('div', { class: `alert ${first ? 'alert--success' : 'alert--warning'} checkin__outcome`, role: 'status', dataset: { outcome: first ? 'admitted' : 'already' } },
      h('p', { class: 'alert__title' }, title), details),
    line: h('li', { dataset: { outcome: first ? 'admitted' : 'already' } },
      h('span', { class: 'mono' }, c.booking_number), ' · ', c.seats.join(', '), ' · ', first ? t('checkin.admitShort') : t('checkin.alreadyShort')),
  };
}

/** A refused code: forged or mistyped (422), a cancelled booking's ticket (409), or trouble. */
function refused(error, code) {
  const reason = {
    invalid_ticket: t('checkin.invalid'),
    ticket_not_valid: t('checkin.notValid'),
    tickets_not_configured: t('checkin.notConfigured'),
    validation_failed: t('checkin.invalid'),
  }[error.code] ?? describe(error).title;
  return {
    box: h('div', { class: 'alert alert--error checkin__outcome', role: 'alert', dataset: { outcome: 'refused', code: error.code ?? '' } },
      h('p', { class: 'alert__title' }, t('checkin.refused')),
      h('p', {}, reason)),
    line: h('li', { dataset: { outcome: 'refused' } },
      h('span', { class: 'mono' }, code.split('.')[0].slice(0, 14)), ' · ', t('checkin.refusedShort')),
  };
}

/**
 * The camera part: a start/stop button and the live picture while scanning, reading QR codes
 * with BarcodeDetector; where the browser has none, a note that codes are typed instead.
 */
function cameraScanner({ signal, onCode }) {
  const element = h('div', { class: 'checkin__camera' });
  if (!('BarcodeDetector' in window) || !navigator.mediaDevices?.getUserMedia) {
    element.append(h('p', { class: 'muted', id: 'checkin-no-camera' }, t('checkin.noDetector')));
    return { element };
  }
  const video = h('video', { class: 'checkin__video', id: 'checkin-video', muted: true, playsinline: true, hidden: true, 'aria-label': t('checkin.cameraView') });
  const status = h('p', { class: 'muted', id: 'checkin-camera-status', role: 'status' });
  const toggle = h('button', { type: 'button', class: 'button', id: 'checkin-camera' }, t('checkin.startCamera'));
  let stream = null;
  let timer = null;
  let last = { code: null, at: 0 };

  function stop() {
    clearTimeout(timer);
    stream?.getTracks().forEach((track) => track.stop());
    stream = null;
    video.hidden = true;
    video.srcObject = null;
    toggle.textContent = t('checkin.startCamera');
  }
  signal.addEventListener('abort', stop);

  async function start() {
    let detector;
    try {
      detector = new window.BarcodeDetector({ formats: ['qr_code'] });
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
    } catch (error) {
      stop();
      status.textContent = t('checkin.cameraFailed', { reason: error.name ?? '' });
      return;
    }
    if (signal.aborted) { stop(); return; }
    video.srcObject = stream;
    video.hidden = false;
    await video.play().catch(() => {});
    toggle.textContent = t('checkin.stopCamera');
    status.textContent = t('checkin.scanning');
    const tick = async () => {
      if (!stream) return;
      try {
        const [found] = await detector.detect(video);
        const code = found?.rawValue?.trim();
        // The same code stays in front of the camera for a while: send it once.
        if (code && (code !== last.code || Date.now() - last.at > 5000)) {
          last = { code, at: Date.now() };
          onCode(code);
        }
      } catch {
        // A frame that is not ready yet: try the next one.
      }
      if (stream) timer = setTimeout(tick, SCAN_EVERY_MS);
    };
    tick();
  }

  toggle.addEventListener('click', () => (stream ? stop() : start()));
  element.append(h('div', { class: 'actions' }, toggle), status, video);
  return { element };
}
