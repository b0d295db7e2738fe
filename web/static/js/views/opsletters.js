// The operations page's dead letters: events a context could not process, newest first, each
// with a replay button. Replaying asks first (in place, like cancelling a booking), then
// POST /api/admin/events/dead-letters/{context}/{event_id}/retry puts the event back on the
// event stream and removes the letter; the list is read again at once. What is being asked or
// replayed survives the page's refreshes.

import * as api from '../api.js';
import { h, redrawChanged } from '../dom.js';
import { errorBox, noticeBox } from '../errors.js';
import { dayAndClock, t } from '../i18n.js';
import { contextName } from './opssections.js';
import { notAvailable } from './programme.js';
import { count } from './reportcharts.js';

const missing = (error) => error?.status === 404 || error?.status === 405 || error?.status === 501;
/** Stream ids ("1733400000000-0") in the order they were written. */
const streamOrder = (a, b) => {
  const [am, as] = a.split('-').map(Number);
  const [bm, bs] = b.split('-').map(Number);
  return am - bm || as - bs;
};
const eventName = (letter) => `${letter.context} ${letter.type ?? ''} ${letter.event_id}`.replace(/ +/g, ' ');

/** `{ draw(answer) }` for the section's `body`; `answer` is `{ letters, failed }` or `{ error }`. */
export function deadLetters({ signal, body, heading, refresh }) {
  let answer = null;
  let asking = null; // letter_id whose replay is being confirmed
  let replaying = null; // letter_id whose replay is under way
  let outcome = null; // the last replay's notice or error

  const draw = (next = answer) => {
    answer = next;
    const n = answer?.letters?.length;
    const title = n === undefined ? t('ops.deadLetters') : t('ops.deadLettersCount', { count: count(n) });
    if (heading.textContent !== title) heading.textContent = title;
    redrawChanged(body, render);
  };

  const render = () => {
    if (answer.error) return [outcome, missing(answer.error) ? notAvailable(t('ops.lettersNotAvailable'), 'ops-letters-unavailable') : errorBox(answer.error)].filter(Boolean);
    const failed = Object.keys(answer.failed ?? {});
    const letters = [...answer.letters].sort((a, b) => streamOrder(b.letter_id, a.letter_id));
    if (asking && !letters.some((l) => l.letter_id === asking)) asking = null;
    return [
      outcome,
      failed.length ? h('div', { class: 'alert alert--warning', role: 'status', id: 'ops-letters-partial' },
        h('p', { class: 'alert__title' }, t('ops.lettersPartial', { names: failed.join(', ') }))) : null,
      letters.length ? lettersTable(letters) : h('p', { class: 'muted', id: 'ops-letters-empty' }, t('ops.noLetters')),
    ].filter(Boolean);
  };

  const lettersTable = (letters) => h('div', { class: 'table-scroll', id: 'ops-letters-region', tabindex: '0', role: 'region', 'aria-labelledby': heading.id },
    h('table', { class: 'programme-table ops-table ops-letters', id: 'ops-letters-table' },
      h('caption', { class: 'visually-hidden' }, t('ops.lettersCaption')),
      h('thead', {}, h('tr', {}, [t('ops.event'), t('ops.replay'), t('ops.error'), t('ops.attempts'), t('ops.firstFailure'), t('ops.lastFailure'), t('ops.reservation')]
        .map((label) => h('th', { scope: 'col' }, label)))),
      h('tbody', {}, letters.map((letter) => h('tr', { dataset: { letterId: letter.letter_id, context: letter.context, eventId: letter.event_id } },
        h('th', { scope: 'row' },
          h('span', { class: 'ops-letter__context' }, contextName(letter.context)),
          h('span', { class: 'ops-letter__type' }, letter.type ? h('code', {}, letter.type) : t('ops.noType')),
          h('code', { class: 'ops-letter__id' }, letter.event_id)),
        h('td', { class: 'ops-letter__replay' }, replayControl(letter)),
        h('td', { class: 'ops-letter__error', lang: 'en' }, letter.error || '—'),
        h('td', { class: 'num' }, count(letter.attempts)),
        h('td', {}, letter.first_failure ? h('time', { datetime: letter.first_failure }, dayAndClock(letter.first_failure)) : '—'),
        h('td', {}, letter.last_failure ? h('time', { datetime: letter.last_failure }, dayAndClock(letter.last_failure)) : '—'),
        h('td', {}, letter.reservation_id ? h('code', {}, letter.reservation_id) : '—'))))));

  const replayControl = (letter) => {
    const id = letter.letter_id;
    const named = h('span', { class: 'visually-hidden' }, ` ${eventName(letter)}`);
    if (replaying === id) {
      return h('button', { type: 'button', class: 'button', disabled: true, dataset: { key: `replay-${id}` } }, t('ops.replaying'), named);
    }
    if (asking !== id) {
      return h('button', { type: 'button', class: 'button', dataset: { key: `replay-${id}` }, onclick: () => ask(id) }, t('ops.replay'), named);
    }
    const question = t('ops.replayQuestion');
    return h('div', {
      class: 'confirm ops-confirm', role: 'group', 'aria-label': question,
      onkeydown: (event) => { if (event.key === 'Escape') keep(id); },
    },
    h('p', {}, question),
    h('p', { class: 'ops-confirm__note' }, t(letter.type ? 'ops.replayNote' : 'ops.replayNoteNoType')),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'button button--danger', dataset: { key: `replay-yes-${id}` }, onclick: () => replay(letter) }, t('ops.replayYes'), named.cloneNode(true)),
      h('button', { type: 'button', class: 'button button--ghost', dataset: { key: `replay-no-${id}` }, onclick: () => keep(id) }, t('ops.replayNo'))));
  };

  const focusKey = (key) => body.querySelector(`[data-key="${CSS.escape(key)}"]`)?.focus();
  function ask(id) {
    asking = id;
    draw();
    focusKey(`replay-yes-${id}`);
  }
  function keep(id) {
    asking = null;
    draw();
    focusKey(`replay-${id}`);
  }
  async function replay(letter) {
    replaying = letter.letter_id;
    asking = null;
    outcome = null;
    draw();
    focusKey(`replay-${letter.letter_id}`);
    try {
      await api.replayDeadLetter(letter.context, letter.event_id);
      outcome = h('div', { id: 'ops-letters-outcome' }, noticeBox(t('ops.replayed', { event: eventName(letter) })));
      answer = { ...answer, letters: answer.letters.filter((l) => l.letter_id !== letter.letter_id) };
    } catch (error) {
      if (error.name === 'AbortError' || signal.aborted) return;
      outcome = h('div', { id: 'ops-letters-outcome' },
        h('p', { class: 'ops-letters-failed' }, t(error.status === 404 ? 'ops.replayGone' : 'ops.replayFailed', { event: eventName(letter) })),
        errorBox(error));
    } finally {
      replaying = null;
    }
    draw();
    heading.focus();
    await refresh().catch(() => {});
  }

  return { draw };
}
