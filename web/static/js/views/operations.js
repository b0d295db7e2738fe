// Staff: the operations page (/staff/operations, issue 18). Every 5 s, while the tab is shown,
// GET /api/admin/metrics (Prometheus text, read by prometheus.js) and GET
// /api/admin/events/dead-letters: each context up or down, each consumer group's lag and pending
// entries with a chart of its lag over the last minutes, the payment breaker, the outbox and chat
// backlogs, and the dead letters with a replay button each (asked again, then
// POST …/dead-letters/{context}/{event_id}/retry). The charts are drawn from the readings this
// page took (kept for the tab's life, the last 10 minutes); the server keeps no history.

import * as api from '../api.js';
import { announce, h, redrawChanged } from '../dom.js';
import { errorBox } from '../errors.js';
import { clockTime, t } from '../i18n.js';
import { poll } from '../poll.js';
import { ExpositionError, parseExposition } from '../prometheus.js';
import { deadLetters } from './opsletters.js';
import { figures } from './opsfigures.js';
import * as sections from './opssections.js';
import { adminOnly, notAvailable } from './programme.js';

const REFRESH_MS = 5_000;
const WINDOW_MS = 10 * 60_000;
/** A longer step between two readings is a gap in the charts (the tab was hidden, a refresh failed). */
const GAP_MS = 3 * REFRESH_MS;
const missing = (error) => error?.status === 404 || error?.status === 405 || error?.status === 501;
const readings = []; // [{ at, lag: {group: n | null}, breaker }], oldest first: the tab's own history

function remember(at, f) {
  readings.push({ at, lag: Object.fromEntries(f.groups.map((g) => [g.id, g.lag])), breaker: f.breaker.state });
  while (readings.length && readings[0].at < at - WINDOW_MS) readings.shift();
}

export default function operations(root, { signal, setTitle }) {
  if (adminOnly(root, setTitle, t('ops.title'))) return;
  const stamp = h('p', { class: 'muted small', id: 'ops-updated' }, t('common.loading'));
  const refreshButton = h('button', { type: 'button', class: 'button button--ghost', id: 'ops-refresh' }, t('ops.refresh'));
  const problems = h('div', { class: 'messages', id: 'ops-problems' });
  const section = (id, title, intro) => {
    const body = h('div', { class: 'ops-section__body', id: `${id}-body` });
    const el = h('section', { class: 'card ops-section', id, 'aria-labelledby': `${id}-title` },
      h('h2', { id: `${id}-title`, tabindex: '-1' }, title), intro ? h('p', { class: 'muted' }, intro) : null, body);
    return { el, body, heading: el.querySelector('h2') };
  };
  const health = h('div', { id: 'ops-health', 'aria-busy': 'true' });
  const groupsPart = section('ops-groups', t('ops.groups'), t('ops.groupsAbout'));
  const groupsTable = h('div', { id: 'ops-groups-numbers' });
  const lagCharts = h('div', { class: 'ops-charts', id: 'ops-lag-charts' });
  groupsPart.body.append(groupsTable, lagCharts);
  const breakerPart = section('ops-breaker', t('ops.breaker'));
  const contextsPart = section('ops-contexts', t('ops.contexts'), t('ops.contextsAbout'));
  const lettersPart = section('ops-letters', t('ops.deadLetters'), t('ops.lettersAbout'));
  const readingsBox = h('div', { id: 'ops-readings-box' });
  const othersBox = h('div', { id: 'ops-others-box' });
  const layout = h('div', { class: 'ops', id: 'ops', hidden: true },
    health, h('div', { class: 'ops-grid' }, contextsPart.el, breakerPart.el), groupsPart.el, lettersPart.el, readingsBox, othersBox);
  root.append(h('h1', {}, t('ops.title')),
    h('p', { class: 'muted' }, t('ops.intro', { seconds: REFRESH_MS / 1000 })),
    h('div', { class: 'ops-toolbar' }, stamp, refreshButton),
    problems, layout);

  let last = null; // { at, figures }: the last metrics read
  let lettersAnswer = null; // { letters, failed } | { error }
  const letters = deadLetters({
    signal,
    body: lettersPart.body,
    heading: lettersPart.heading,
    refresh: () => refresh({ fresh: true }),
  });

  const draw = () => {
    const now = Date.now();
    const view = { now, windowMs: WINDOW_MS, gapMs: GAP_MS };
    if (last) {
      const f = last.figures;
      layout.hidden = false;
      redrawChanged(health, () => sections.summary(f));
      health.removeAttribute('aria-busy');
      redrawChanged(groupsTable, () => sections.groups(f, readings, view));
      redrawChanged(lagCharts, () => sections.lagCharts(f, readings, view));
      redrawChanged(breakerPart.body, () => sections.breaker(f, readings, view));
      redrawChanged(contextsPart.body, () => sections.contexts(f));
      keepOpen(readingsBox, () => sections.readingsTable(f, readings));
      keepOpen(othersBox, () => sections.others(f));
    }
    if (lettersAnswer) {
      layout.hidden = false;
      letters.draw(lettersAnswer);
    }
  };

  const load = async () => {
    const [metricsAnswer, lettersResult] = await Promise.allSettled([api.metrics(signal), api.deadLetters(signal)]);
    if (signal.aborted) return true;
    const at = Date.now();
    const shown = [];
    let read = null;
    if (metricsAnswer.status === 'fulfilled') {
      try {
        read = figures(parseExposition(metricsAnswer.value));
      } catch (error) {
        if (!(error instanceof ExpositionError)) throw error;
        shown.push(unreadable(error));
      }
    } else if (metricsAnswer.reason.name !== 'AbortError') {
      shown.push(missing(metricsAnswer.reason) ? notAvailable(t('ops.notAvailable'), 'ops-unavailable') : errorBox(metricsAnswer.reason));
    }
    if (read) {
      tell(last?.figures, read);
      last = { at, figures: read };
      remember(at, read);
    }
    lettersAnswer = lettersResult.status === 'fulfilled' ? lettersResult.value : { error: lettersResult.reason };
    redrawChanged(problems, () => shown);
    stamp.replaceChildren(last
      ? t(read ? 'ops.updated' : 'ops.updatedBefore', { time: clockTime(last.at) })
      : t('ops.notUpdated'));
    stamp.dataset.at = last ? String(last.at) : '';
    draw();
    // A server without these endpoints: nothing to wait for.
    return !read && missing(metricsAnswer.reason) && missing(lettersResult.reason);
  };

  let inflight = null;
  /** One load at a time; `fresh`: one that starts after whatever is under way (after a replay). */
  const refresh = async ({ fresh = false } = {}) => {
    if (fresh && inflight) await inflight.catch(() => {});
    inflight ??= load().finally(() => { inflight = null; });
    return inflight;
  };
  refreshButton.addEventListener('click', () => refresh().catch(() => {}));
  poll(() => refresh(), REFRESH_MS, signal, { whileVisible: true });
}

/** Says out loud what got worse since the last reading: a context stopped answering, new dead letters. */
function tell(before, now) {
  if (!before) return;
  const wasUp = new Set(before.contexts.filter((c) => c.up).map((c) => c.id));
  const down = now.contexts.filter((c) => c.up === false && wasUp.has(c.id)).map((c) => c.id);
  const news = [];
  if (down.length) news.push(t('ops.wentDown', { names: down.join(', ') }));
  if (now.totals.deadLetters > before.totals.deadLetters) news.push(t('ops.newLetters', { count: now.totals.deadLetters }));
  if (news.length) announce(news.join(' '));
}

/** Replaces `root`'s children, keeping open whichever of its disclosures were open. */
function keepOpen(root, render) {
  const open = [...root.querySelectorAll('details[open]')].map((d) => d.id);
  const next = () => {
    const nodes = [render()].flat();
    for (const node of nodes) if (open.includes(node.id)) node.setAttribute('open', '');
    return nodes;
  };
  redrawChanged(root, next);
}

function unreadable(error) {
  return h('div', { class: 'alert alert--error', role: 'alert', id: 'ops-unreadable' },
    h('p', { class: 'alert__title' }, t('ops.unreadableMetrics', { line: error.line })),
    h('details', { class: 'alert__more' }, h('summary', {}, t('error.details')), h('p', { class: 'alert__detail', lang: 'en' }, error.message)));
}
