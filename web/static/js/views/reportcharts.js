// The sales report's two charts, drawn as SVG by hand (no chart library): takings per day (one
// stacked bar per day, net below and refunds above, so a bar's height is the day's takings) and
// occupancy per screening (one horizontal bar per screening on a 0–100 % scale). Refunds are
// hatched, net solid, so the two differ by more than colour. Each chart is an image with a short
// label for screen readers; its numbers are in a real table under it ("Show the numbers").

import { h } from '../dom.js';
import { dayAndTime, dayParts, locale, money, t } from '../i18n.js';
import { dayNoon } from '../venue.js';

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 720;

/** An SVG element: s('rect', { x: 1 }, child, 'text'). */
export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) if (value != null) el.setAttribute(name, String(value));
  for (const child of children.flat()) if (child != null) el.append(child instanceof Node ? child : String(child));
  return el;
}

export const percent = (pct) => `${(Number.isFinite(pct) ? pct : 0).toFixed(1)}%`;
export const count = (n) => new Intl.NumberFormat(locale()).format(n ?? 0);
const amount = (value) => value?.amount ?? 0;

/** "12월 5일 (토)" for the venue day "2026-12-05". */
export function dayLabel(key) {
  const { weekday, month, day } = dayParts(dayNoon(key));
  return t('reports.dayName', { month, day, weekday });
}

/** A round top for the scale: 1, 2 or 5 × 10^k at or above `max`. */
export function niceMax(max) {
  if (max <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 5, 10].map((f) => f * power).find((v) => v >= max);
}

/** Roughly how wide a label is at `size` px (Hangul and other wide letters count double). */
const textWidth = (text, size) => [...text].reduce((w, c) => w + (c.codePointAt(0) > 0x10ff ? 1 : 0.56) * size, 0);

function fitText(text, width, size) {
  if (textWidth(text, size) <= width) return text;
  let cut = [...text];
  while (cut.length && textWidth(`${cut.join('')}…`, size) > width) cut = cut.slice(0, -1);
  return `${cut.join('')}…`;
}

function image(label, height, id) {
  return s('svg', {
    id, class: 'chart', role: 'img', 'aria-label': label, viewBox: `0 0 ${WIDTH} ${height}`,
    preserveAspectRatio: 'xMinYMin meet', focusable: 'false',
  });
}

const HATCH_ID = 'chart-hatch-refunds';
const hatch = () => s('defs', {}, s('pattern', { id: HATCH_ID, width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' },
  s('rect', { width: 6, height: 6, class: 'chart__refunds-bg' }),
  s('line', { x1: 0, y1: 0, x2: 0, y2: 6, class: 'chart__refunds-line' })));

/** A legend swatch: solid (net) or hatched (refunds); its own tiny SVG beside the text. */
function swatch(kind) {
  const svg = s('svg', { class: 'chart-legend__swatch', viewBox: '0 0 14 14', 'aria-hidden': 'true', focusable: 'false' },
    s('rect', { x: 0.5, y: 0.5, width: 13, height: 13, class: `chart__bar chart__bar--${kind}`, fill: kind === 'refunds' ? `url(#${HATCH_ID})` : null }));
  return svg;
}

/** Takings per day from the day-grouped report (every day of the range is a row). */
export function takingsChart(report, { from, to }) {
  const rows = report.rows;
  const top = 14; const bottom = 34; const left = 88; const right = 8; const height = 250;
  const plotH = height - top - bottom;
  const plotW = WIDTH - left - right;
  const max = niceMax(Math.max(0, ...rows.map((r) => amount(r.takings))));
  const svg = image(t('reports.takingsChartLabel', { from: dayLabel(from), to: dayLabel(to), count: rows.length }), height, 'chart-takings');
  svg.append(hatch());
  const currency = rows[0]?.takings?.currency ?? 'KRW';
  for (const fraction of [0, 0.5, 1]) {
    const y = top + plotH * (1 - fraction);
    svg.append(s('line', { x1: left, x2: WIDTH - right, y1: y, y2: y, class: fraction ? 'chart__grid' : 'chart__axis' }),
      s('text', { x: left - 6, y: y + 4, 'text-anchor': 'end', class: 'chart__tick' }, money({ amount: max * fraction, currency })));
  }
  const step = plotW / Math.max(1, rows.length);
  const barW = Math.max(2, Math.min(48, step * 0.64));
  const labelEvery = Math.ceil(rows.length / 14);
  rows.forEach((row, i) => {
    const x = left + step * i + (step - barW) / 2;
    const netH = (plotH * amount(row.net)) / max;
    const refundH = (plotH * amount(row.refunds)) / max;
    const base = top + plotH;
    const bar = s('g', { class: 'chart-bar', 'data-day': row.key },
      s('title', {}, t('reports.dayBar', { day: dayLabel(row.key), takings: money(row.takings), refunds: money(row.refunds), net: money(row.net) })),
      s('rect', { x, y: base - netH, width: barW, height: netH, class: 'chart__bar chart__bar--net' }),
      refundH > 0 ? s('rect', { x, y: base - netH - refundH, width: barW, height: refundH, class: 'chart__bar chart__bar--refunds', fill: `url(#${HATCH_ID})` }) : null);
    if (i % labelEvery === 0) {
      const { month, day } = dayParts(dayNoon(row.key));
      bar.append(s('text', { x: x + barW / 2, y: base + 18, 'text-anchor': 'middle', class: 'chart__tick' }, t('reports.dayShort', { month, day })));
    }
    svg.append(bar);
  });
  return h('figure', { class: 'card chart-figure', 'aria-labelledby': 'chart-takings-title' },
    h('figcaption', {}, h('h3', { id: 'chart-takings-title' }, t('reports.takingsChart'))),
    h('ul', { class: 'chart-legend' },
      h('li', {}, swatch('net'), t('reports.net')),
      h('li', {}, swatch('refunds'), t('reports.refunds'))),
    h('div', { class: 'chart-frame' }, svg),
    numbers('takings', h('table', { class: 'programme-table', id: 'chart-takings-table' },
      h('caption', { class: 'visually-hidden' }, t('reports.takingsChart')),
      h('thead', {}, h('tr', {}, [t('reports.date'), t('reports.takings'), t('reports.refunds'), t('reports.net')].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, rows.map((row) => h('tr', { dataset: { day: row.key } },
        h('th', { scope: 'row' }, h('time', { datetime: row.key }, dayLabel(row.key))),
        h('td', { class: 'num' }, money(row.takings)),
        h('td', { class: 'num' }, money(row.refunds)),
        h('td', { class: 'num' }, money(row.net))))))));
}

/** Occupancy per screening from the screening-grouped report. */
export function occupancyChart(report) {
  const rows = report.rows;
  const rowH = 30; const top = 24; const left = 270; const right = 64;
  const height = top + rowH * rows.length + 8;
  const plotW = WIDTH - left - right;
  const svg = image(t('reports.occupancyChartLabel', { count: rows.length }), height, 'chart-occupancy');
  for (const pct of [0, 25, 50, 75, 100]) {
    const x = left + (plotW * pct) / 100;
    svg.append(s('line', { x1: x, x2: x, y1: top - 6, y2: height - 8, class: pct ? 'chart__grid' : 'chart__axis' }),
      s('text', { x, y: top - 10, 'text-anchor': 'middle', class: 'chart__tick' }, `${pct}%`));
  }
  rows.forEach((row, i) => {
    const y = top + rowH * i + 6;
    const pct = Math.min(100, Math.max(0, row.occupancy_pct ?? 0));
    const when = dayAndTime(row.starts_at);
    svg.append(s('g', { class: 'chart-bar', 'data-screening-id': row.key },
      s('title', {}, t('reports.screeningBar', { title: row.label, when, pct: percent(row.occupancy_pct), sold: count(row.tickets_sold), capacity: count(row.capacity) })),
      s('text', { x: left - 8, y: y + 13, 'text-anchor': 'end', class: 'chart__label' }, fitText(`${when} ${row.label}`, left - 16, 13)),
      s('rect', { x: left, y, width: plotW, height: rowH - 12, class: 'chart__track' }),
      s('rect', { x: left, y, width: (plotW * pct) / 100, height: rowH - 12, class: 'chart__bar chart__bar--occupancy' }),
      s('text', { x: left + (plotW * pct) / 100 + 6, y: y + 13, class: 'chart__value' }, percent(row.occupancy_pct))));
  });
  return h('figure', { class: 'card chart-figure', 'aria-labelledby': 'chart-occupancy-title' },
    h('figcaption', {}, h('h3', { id: 'chart-occupancy-title' }, t('reports.occupancyChart'))),
    h('div', { class: 'chart-frame' }, svg),
    numbers('occupancy', h('table', { class: 'programme-table', id: 'chart-occupancy-table' },
      h('caption', { class: 'visually-hidden' }, t('reports.occupancyChart')),
      h('thead', {}, h('tr', {}, [t('reports.showtime'), t('reports.movie'), t('reports.hall'), t('reports.ticketsSold'), t('reports.capacity'), t('reports.occupancy')].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, rows.map((row) => h('tr', { dataset: { screeningId: row.key } },
        h('th', { scope: 'row' }, h('time', { datetime: row.starts_at }, dayAndTime(row.starts_at))),
        h('td', {}, row.label),
        h('td', {}, row.hall_name ?? ''),
        h('td', { class: 'num' }, count(row.tickets_sold)),
        h('td', { class: 'num' }, count(row.capacity)),
        h('td', { class: 'num' }, percent(row.occupancy_pct))))))));
}

/** The chart's numbers as a table behind a disclosure (kept open across refreshes by its id). */
function numbers(name, table) {
  return h('details', { class: 'chart-numbers', id: `chart-${name}-numbers` },
    h('summary', {}, t('reports.showNumbers')),
    h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-labelledby': `chart-${name}-title` }, table));
}
