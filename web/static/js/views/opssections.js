// The operations page's sections, drawn from `figures` (opsfigures.js) and the readings the page
// took while open: the health at a glance, the contexts, the consumer groups with their lag
// charts, the payment breaker, every other metric, and the table of readings behind the charts.
// Every state is said in words (never by colour alone); numbers are in tables.

import { h } from '../dom.js';
import { clockTime, t } from '../i18n.js';
import { breakerChart, lagChart } from './opscharts.js';
import { count } from './reportcharts.js';

const CONTEXTS = new Set(['reservation', 'payment', 'theater', 'catalog', 'mypage', 'notification', 'reports']);

/** A context (or its consumer group) as staff call it, with the id the logs use. */
export function contextName(id) {
  return CONTEXTS.has(id)
    ? [h('span', {}, t(`ops.context.${id}`)), ' ', h('code', { class: 'ops-id' }, id)]
    : h('code', { class: 'ops-id' }, id);
}

/** "—" that screen readers read as "none". */
const none = () => [h('span', { 'aria-hidden': 'true' }, '—'), h('span', { class: 'visually-hidden' }, t('ops.none'))];
const number = (value) => (value == null ? none() : count(value));
const breakerState = (state) => (['closed', 'half_open', 'open'].includes(state) ? state : null);
const breakerText = (state) => t(`ops.breaker.${breakerState(state) ?? 'unknown'}`);

export function summary(f) {
  const tile = (key, label, value, state, note) => h('div', { class: 'ops-tile', dataset: { figure: key, state } },
    h('dt', {}, label), h('dd', {}, value, note ? h('span', { class: 'ops-tile__note' }, note) : null));
  const down = f.contexts.filter((c) => c.up === false).map((c) => c.id);
  const worst = f.groups.filter((g) => g.lag != null).sort((a, b) => b.lag - a.lag)[0];
  const breaker = breakerState(f.breaker.state);
  return h('dl', { class: 'programme-totals ops-tiles', id: 'ops-summary' },
    tile('contexts', t('ops.contexts'), t('ops.upOf', { up: f.totals.contextsUp, total: f.totals.contexts }),
      down.length ? 'bad' : 'ok', down.length ? t('ops.notAnswering', { names: down.join(', ') }) : null),
    tile('stream', t('ops.stream'), t(f.streamUp == null ? 'ops.unknown' : f.streamUp ? 'ops.readable' : 'ops.notReadable'), f.streamUp === false ? 'bad' : 'ok'),
    tile('breaker', t('ops.breaker'), breakerText(breaker), breaker === 'open' ? 'bad' : breaker === 'closed' ? 'ok' : 'warn'),
    tile('lag', t('ops.maxLag'), worst ? count(worst.lag) : t(f.groups.length ? 'ops.unknown' : 'ops.noGroupsShort'), worst?.lag > 0 ? 'warn' : 'ok', worst?.lag > 0 ? worst.id : null),
    tile('dead-letters', t('ops.deadLetters'), count(f.totals.deadLetters), f.totals.deadLetters > 0 ? 'bad' : 'ok'),
    tile('outbox', t('ops.outbox'), count(f.totals.outbox), f.totals.outbox > 0 ? 'warn' : 'ok'),
    tile('chat', t('ops.chatPending'), f.chatPending == null ? t('ops.unknown') : count(f.chatPending), f.chatPending > 0 ? 'warn' : 'ok'));
}

function table(id, caption, columns, rows) {
  return h('div', { class: 'table-scroll', id: `${id}-region`, tabindex: '0', role: 'region', 'aria-label': caption },
    h('table', { class: 'programme-table ops-table', id },
      h('caption', { class: 'visually-hidden' }, caption),
      h('thead', {}, h('tr', {}, columns.map(([label, num]) => h('th', { scope: 'col', class: num ? 'num' : null }, label)))),
      h('tbody', {}, rows)));
}

export function contexts(f) {
  const state = (up) => h('span', { class: 'ops-state', dataset: { state: up === false ? 'bad' : up ? 'ok' : 'unknown' } },
    t(up === false ? 'ops.down' : up ? 'ops.up' : 'ops.unknown'));
  return table('ops-contexts-table', t('ops.contextsCaption'),
    [[t('ops.context')], [t('ops.state')], [t('ops.outbox'), true], [t('ops.deadLetters'), true]],
    f.contexts.map((c) => h('tr', { dataset: { context: c.id } },
      h('th', { scope: 'row' }, contextName(c.id)),
      h('td', { dataset: { col: 'state' } }, state(c.up)),
      h('td', { class: 'num', dataset: { col: 'outbox' } }, number(c.outbox)),
      h('td', { class: 'num', dataset: { col: 'dead-letters' } }, number(c.deadLetters)))));
}

/** A group's lag in each reading: [{ at, value (null: unknown) }]. */
const lagPoints = (readings, group) => readings.map((r) => ({ at: r.at, value: r.lag[group] ?? null }));

/** `readings`: [{ at, lag: {group: n | null}, breaker }], oldest first; `view`: { now, windowMs, gapMs }. */
export function groups(f, readings, view) {
  if (!f.groups.length) return h('p', { class: 'muted', id: 'ops-groups-empty' }, t('ops.noGroups'));
  const highest = (group) => {
    const known = lagPoints(readings, group).filter((p) => p.value != null).map((p) => p.value);
    return known.length ? Math.max(...known) : null;
  };
  const minutes = Math.round(view.windowMs / 60_000);
  return table('ops-groups-table', t('ops.groupsCaption'),
    [[t('ops.group')], [t('ops.lag'), true], [t('ops.pending'), true], [t('ops.maxLagWindow', { minutes }), true]],
    f.groups.map((g) => h('tr', { dataset: { group: g.id } },
      h('th', { scope: 'row' }, contextName(g.id)),
      h('td', { class: 'num', dataset: { col: 'lag' } }, g.lag == null ? t('ops.unknown') : count(g.lag)),
      h('td', { class: 'num', dataset: { col: 'pending' } }, number(g.pending)),
      h('td', { class: 'num', dataset: { col: 'max-lag' } }, number(highest(g.id))))));
}

/** One small lag chart per consumer group. */
export function lagCharts(f, readings, view) {
  return f.groups.map((g) => h('figure', { class: 'ops-chart-figure', dataset: { group: g.id } },
    h('figcaption', {}, contextName(g.id)),
    lagChart({ id: `ops-lag-${g.id}`, group: g.id, points: lagPoints(readings, g.id), ...view })));
}

export function breaker(f, readings, view) {
  const state = breakerState(f.breaker.state);
  return [
    h('p', { class: 'ops-breaker' },
      h('span', { class: 'ops-state', id: 'ops-breaker-state', dataset: { state: state === 'open' ? 'bad' : state === 'closed' ? 'ok' : 'unknown', breaker: state ?? 'unknown' } }, breakerText(state)),
      ' ', t(`ops.breakerAbout.${state ?? 'unknown'}`),
      state === 'closed' && f.breaker.failures ? h('span', { id: 'ops-breaker-failures' }, ` ${t('ops.breakerFailures', { count: count(f.breaker.failures) })}`) : null),
    h('figure', { class: 'ops-chart-figure' },
      h('figcaption', {}, t('ops.breakerChart', { minutes: Math.round(view.windowMs / 60_000) })),
      breakerChart({ id: 'ops-breaker-chart', points: readings.map((r) => ({ at: r.at, value: r.breaker })), ...view })),
  ];
}

/** The readings behind the charts, newest first. */
export function readingsTable(f, readings) {
  const columns = [[t('ops.readAt')], [t('ops.breaker')], ...f.groups.map((g) => [t('ops.lagOf', { group: g.id }), true])];
  return h('details', { class: 'chart-numbers', id: 'ops-readings' },
    h('summary', { dataset: { key: 'ops-readings' } }, t('ops.showReadings', { count: readings.length })),
    table('ops-readings-table', t('ops.readingsCaption'), columns, [...readings].reverse().map((r) => h('tr', {},
      h('th', { scope: 'row' }, h('time', { datetime: new Date(r.at).toISOString() }, clockTime(r.at))),
      h('td', {}, breakerText(r.breaker)),
      f.groups.map((g) => h('td', { class: 'num' }, r.lag[g.id] == null ? none() : count(r.lag[g.id])))))));
}

/** Metrics this page does not draw by name (new counters, a context's own), as they came. */
export function others(f) {
  const rows = f.others.flatMap((family) => family.samples.map((sample) => h('tr', {},
    h('th', { scope: 'row' }, h('code', {}, sample.name)),
    h('td', {}, Object.entries(sample.labels).map(([k, v]) => `${k}="${v}"`).join(', ') || none()),
    h('td', { class: 'num' }, Number.isFinite(sample.value) ? count(sample.value) : String(sample.value)),
    h('td', { lang: 'en', class: 'ops-help' }, family.help ?? ''))));
  return h('details', { class: 'chart-numbers', id: 'ops-others' },
    h('summary', { dataset: { key: 'ops-others' } }, t('ops.others', { count: rows.length })),
    rows.length
      ? table('ops-others-table', t('ops.othersCaption'), [[t('ops.metric')], [t('ops.labels')], [t('ops.value'), true], [t('ops.help')]], rows)
      : h('p', { class: 'muted' }, t('ops.noOthers')));
}
