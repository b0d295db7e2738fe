// The operations page's small charts, drawn as SVG by hand from the samples the page took while it
// was open (no history on the server): a consumer group's lag over the last minutes, and the
// payment breaker's state over the same time. Each is an image with a short label; the samples
// themselves are in the page's table of readings. A gap in the samples (the tab was hidden, a
// refresh failed) is a gap in the line, not a slope.

import { t } from '../i18n.js';
import { count, niceMax, s } from './reportcharts.js';

const WIDTH = 300;
const BREAKER_LEVELS = ['closed', 'half_open', 'open'];

/** The samples' runs without a gap longer than `maxGap` ms and without unknown values. */
function runs(points, maxGap) {
  const out = [];
  let run = [];
  let last = null;
  for (const p of points) {
    if (p.value == null || (last && p.at - last.at > maxGap)) {
      if (run.length) out.push(run);
      run = [];
    }
    if (p.value != null) run.push(p);
    last = p;
  }
  if (run.length) out.push(run);
  return out;
}

function frame(id, label, height) {
  return s('svg', {
    id, class: 'ops-chart', role: 'img', 'aria-label': label, viewBox: `0 0 ${WIDTH} ${height}`,
    preserveAspectRatio: 'xMinYMin meet', focusable: 'false',
  });
}

/** "10 min ago" … "now" under the plot. */
function timeAxis(svg, { left, right, y, minutes }) {
  svg.append(
    s('text', { x: left, y, 'text-anchor': 'start', class: 'chart__tick' }, t('ops.chart.ago', { minutes })),
    s('text', { x: WIDTH - right, y, 'text-anchor': 'end', class: 'chart__tick' }, t('ops.chart.now')));
}

/**
 * One consumer group's lag: `points` [{ at (ms), value (entries, or null when unknown) }] within
 * [now − windowMs, now]; `gapMs` the longest step still drawn as a line.
 */
export function lagChart({ id, group, points, now, windowMs, gapMs }) {
  const top = 8; const bottom = 20; const left = 40; const right = 8; const height = 92;
  const plotW = WIDTH - left - right; const plotH = height - top - bottom;
  const known = points.filter((p) => p.value != null);
  const latest = known.at(-1)?.value;
  const highest = known.length ? Math.max(...known.map((p) => p.value)) : null;
  const minutes = Math.round(windowMs / 60_000);
  const label = latest == null
    ? t('ops.lagChartUnknown', { group, minutes })
    : t('ops.lagChartLabel', { group, minutes, now: count(latest), max: count(highest) });
  const svg = frame(id, label, height);
  const max = niceMax(Math.max(1, highest ?? 0));
  const x = (at) => left + plotW * (1 - Math.min(1, Math.max(0, (now - at) / windowMs)));
  const y = (value) => top + plotH * (1 - value / max);
  for (const [value, cls] of [[0, 'chart__axis'], [max, 'chart__grid']]) {
    svg.append(s('line', { x1: left, x2: WIDTH - right, y1: y(value), y2: y(value), class: cls }),
      s('text', { x: left - 6, y: y(value) + 4, 'text-anchor': 'end', class: 'chart__tick' }, count(value)));
  }
  timeAxis(svg, { left, right, y: height - 6, minutes });
  for (const run of runs(points, gapMs)) {
    const coords = run.map((p) => `${x(p.at).toFixed(1)},${y(p.value).toFixed(1)}`);
    if (run.length > 1) {
      svg.append(s('polygon', { class: 'ops-chart__area', points: `${x(run[0].at).toFixed(1)},${y(0)} ${coords.join(' ')} ${x(run.at(-1).at).toFixed(1)},${y(0)}` }),
        s('polyline', { class: 'ops-chart__line', points: coords.join(' ') }));
    }
  }
  const last = known.at(-1);
  if (last) svg.append(s('circle', { class: 'ops-chart__dot', cx: x(last.at), cy: y(last.value), r: 3.5 }));
  return svg;
}

/** The payment breaker: `points` [{ at, value: 'closed' | 'half_open' | 'open' | null }], one lane per state. */
export function breakerChart({ id, points, now, windowMs, gapMs }) {
  const top = 10; const bottom = 22; const left = 78; const right = 8; const lane = 20;
  const height = top + lane * BREAKER_LEVELS.length + bottom;
  const plotW = WIDTH - left - right;
  const minutes = Math.round(windowMs / 60_000);
  const level = (state) => BREAKER_LEVELS.indexOf(state);
  const known = points.filter((p) => level(p.value) >= 0);
  const opened = known.filter((p) => p.value === 'open').length;
  const label = known.length
    ? t('ops.breakerChartLabel', { minutes, state: t(`ops.breaker.${known.at(-1).value}`), open: count(opened) })
    : t('ops.breakerChartUnknown', { minutes });
  const svg = frame(id, label, height);
  const x = (at) => left + plotW * (1 - Math.min(1, Math.max(0, (now - at) / windowMs)));
  const y = (state) => top + lane * (BREAKER_LEVELS.length - 1 - level(state)) + lane / 2;
  for (const state of BREAKER_LEVELS) {
    svg.append(s('line', { x1: left, x2: WIDTH - right, y1: y(state), y2: y(state), class: 'chart__grid' }),
      s('text', { x: left - 6, y: y(state) + 4, 'text-anchor': 'end', class: 'chart__tick' }, t(`ops.breaker.${state}`)));
  }
  timeAxis(svg, { left, right, y: height - 6, minutes });
  const steps = points.map((p) => ({ at: p.at, value: level(p.value) >= 0 ? p.value : null }));
  for (const run of runs(steps, gapMs)) {
    // A step line: the state holds until the next sample.
    const d = run.map((p, i) => (i === 0 ? `M${x(p.at).toFixed(1)},${y(p.value)}` : `H${x(p.at).toFixed(1)}V${y(p.value)}`)).join('');
    svg.append(s('path', { class: 'ops-chart__line', d }));
    for (const p of run.filter((q) => q.value !== 'closed')) {
      svg.append(s('circle', { class: `ops-chart__dot ops-chart__dot--${p.value}`, cx: x(p.at), cy: y(p.value), r: 3 }));
    }
  }
  const last = known.at(-1);
  if (last) svg.append(s('circle', { class: 'ops-chart__dot', cx: x(last.at), cy: y(last.value), r: 3.5 }));
  return svg;
}
