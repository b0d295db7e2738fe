// The checkout's countdown to the end of a seat hold. On screen: mm:ss in a role=timer element,
// which screen readers do not read out by itself. Spoken, through the page's live region, only
// at a few moments: 5 minutes, 1 minute and 30 seconds left (the screening view announces the
// start, and the end comes as an alert). The time is the server's `expires_in_s` counted on this
// device, so a device clock that is off does not shorten or lengthen the hold.

import { announce, h } from '../dom.js';
import { t, tn } from '../i18n.js';

const REMINDERS_S = [300, 60, 30];
/** The last minute is drawn as urgent. */
const URGENT_S = 60;

/** mm:ss */
export function clock(seconds) {
  const s = Math.max(0, seconds);
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/** "4 minutes 30 seconds", for screen readers. */
export function spoken(seconds) {
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return [m ? tn('time.minutes', m) : null, s || !m ? tn('time.seconds', s) : null].filter(Boolean).join(' ');
}

/**
 * When a hold ends, on this device's clock (ms): the server's `expires_in_s` (seconds left as of
 * its now, rounded up) counted from the middle of the request. Without `expires_in_s`,
 * `expires_at` against `created_at` (both server times) counted the same way.
 */
export function deadlineOf(hold, sent, received) {
  const middle = (sent + received) / 2;
  if (Number.isFinite(hold.expires_in_s)) return middle + hold.expires_in_s * 1000 - 500;
  const expires = Date.parse(hold.expires_at);
  const created = Date.parse(hold.created_at);
  return Number.isFinite(expires) && Number.isFinite(created) ? middle + (expires - created) : middle;
}

/**
 * `onEnd()` is called on every tick once no time is left (until `stop()`); `quiet()` says when
 * the reminders would only interrupt (while paying).
 */
export function createHoldTimer({ onEnd, quiet = () => false }) {
  const label = h('span', { id: 'hold-timer-label' }, t('checkout.timeLeft'));
  const face = h('span', { class: 'hold-timer__clock', id: 'hold-countdown', role: 'timer', 'aria-labelledby': 'hold-timer-label' });
  const element = h('div', { class: 'hold-timer', id: 'hold-timer', hidden: true }, label, face);
  let deadline = null;
  let ticker = null;
  let last = null; // the seconds left at the previous tick

  const secondsLeft = () => (deadline === null ? 0 : Math.max(0, Math.ceil((deadline - Date.now()) / 1000)));

  function draw(left) {
    const text = clock(left);
    if (face.textContent !== text) face.textContent = text;
    element.dataset.urgent = String(left <= URGENT_S);
  }

  function tick() {
    if (deadline === null) return;
    const left = secondsLeft();
    draw(left);
    if (last !== null && left > 0 && !quiet()) {
      if (REMINDERS_S.some((mark) => left <= mark && last > mark)) {
        announce(t('checkout.timeWarning', { left: spoken(left) }));
      }
    }
    last = left;
    if (left <= 0) onEnd();
  }

  return {
    element,
    secondsLeft,
    /** Counts down to `at` (ms, see deadlineOf); a running countdown just moves its end. */
    start(at) {
      deadline = at;
      if (ticker === null) {
        last = secondsLeft();
        draw(last);
        ticker = setInterval(tick, 250);
      } else tick();
    },
    stop() {
      clearInterval(ticker);
      ticker = null;
      deadline = null;
      last = null;
    },
    tick,
  };
}
