// Staff: the sales report (/staff/reports, docs/reports.md). A range of venue days (the last 7
// unless changed) and a grouping (day, movie, screening) → GET /api/admin/reports/sales: totals,
// two hand-drawn charts (takings per day from group=day, occupancy per screening from
// group=screening, whatever the table is grouped by), the table of the chosen grouping, its CSV
// (fetched with the token, saved through a Blob link), and one screening's figures
// (GET /api/admin/reports/screenings/{id}) when its row is chosen. Refreshed every 15 s.

import * as api from '../api.js';
import { h, redraw } from '../dom.js';
import { errorBox, noticeBox } from '../errors.js';
import { dateTime, money, showtime, t } from '../i18n.js';
import { poll } from '../poll.js';
import { addDays, venueDay } from '../venue.js';
import { adminOnly, notAvailable } from './programme.js';
import { count, dayLabel, occupancyChart, percent, takingsChart } from './reportcharts.js';

const REFRESH_MS = 15_000;
const GROUPS = ['day', 'movie', 'screening'];
const missing = (error) => error.status === 404 || error.status === 405 || error.status === 501;
let range = null; // { from, to, group }: kept while the tab lives (a language switch redraws the page)

export default function reports(root, { signal, setTitle }) {
  if (adminOnly(root, setTitle, t('reports.title'))) return;
  const today = venueDay(Date.now());
  range ??= { from: addDays(today, -6), to: today, group: 'day' };
  const from = h('input', { id: 'reports-from', type: 'date', value: range.from, required: true });
  const to = h('input', { id: 'reports-to', type: 'date', value: range.to, required: true });
  const group = h('select', { id: 'reports-group' },
    GROUPS.map((g) => h('option', { value: g, selected: g === range.group }, t(`reports.group.${g}`))));
  const csv = h('button', { type: 'button', class: 'button', id: 'reports-csv' }, t('reports.csv'));
  const csvOutcome = h('div', { class: 'messages', id: 'reports-csv-outcome' });
  const body = h('div', { class: 'reports', id: 'reports', 'aria-busy': 'true' }, h('p', { class: 'loading' }, t('common.loading')));
  const panel = h('section', { class: 'card report-screening', id: 'report-screening', hidden: true, 'aria-labelledby': 'report-screening-title' });
  root.append(h('h1', {}, t('reports.title')),
    h('p', { class: 'muted' }, t('reports.intro')),
    h('form', { class: 'programme-tools reports-tools', id: 'reports-form', onsubmit: (e) => e.preventDefault() },
      h('div', { class: 'field' }, h('label', { for: 'reports-from' }, t('reports.from')), from),
      h('div', { class: 'field' }, h('label', { for: 'reports-to' }, t('reports.to')), to),
      h('div', { class: 'field' }, h('label', { for: 'reports-group' }, t('reports.group')), group),
      h('div', { class: 'field reports-tools__csv' }, csv)),
    csvOutcome, body, panel);

  let last = null;
  let seq = 0;
  const load = async () => {
    const asked = { ...range };
    const mine = ++seq;
    let outcome;
    try {
      // The charts need day and screening rows whatever the table is grouped by.
      const groups = [...new Set([asked.group, 'day', 'screening'])];
      const answers = await Promise.all(groups.map((g) => api.salesReport({ ...asked, group: g }, signal)));
      outcome = { asked, data: Object.fromEntries(groups.map((g, i) => [g, answers[i]])) };
    } catch (error) {
      if (error.name === 'AbortError') throw error;
      outcome = { asked, error };
    }
    if (mine !== seq || signal.aborted) return false; // a newer range was asked for meanwhile
    const key = JSON.stringify(outcome.error ? { asked, status: outcome.error.status, code: outcome.error.code } : outcome);
    if (key !== last) {
      last = key;
      const open = [...body.querySelectorAll('details[open]')].map((d) => d.id);
      redraw(body, () => (outcome.error ? failure(outcome.error) : drawReport(outcome.data, asked, showScreening)));
      for (const id of open) document.getElementById(id)?.setAttribute('open', '');
    }
    body.removeAttribute('aria-busy');
    return Boolean(outcome.error && missing(outcome.error)); // nothing to wait for on a server without reports
  };
  const changed = () => {
    range = { from: from.value, to: to.value, group: group.value };
    body.setAttribute('aria-busy', 'true');
    load().catch(() => {});
  };
  for (const control of [from, to, group]) control.addEventListener('change', changed);

  csv.addEventListener('click', async () => {
    csv.disabled = true;
    csvOutcome.replaceChildren();
    try {
      const { blob, filename } = await api.salesReportCsv(range, signal);
      const name = filename ?? `sales-${range.group}-${range.from}-${range.to}.csv`;
      saveFile(blob, name);
      csvOutcome.replaceChildren(noticeBox(t('reports.csvSaved', { file: name })));
    } catch (error) {
      if (error.name === 'AbortError') return;
      csvOutcome.replaceChildren(errorBox(error));
    } finally {
      csv.disabled = false;
    }
  });

  async function showScreening(screeningId) {
    panel.hidden = false;
    panel.setAttribute('aria-busy', 'true');
    panel.dataset.screeningId = screeningId;
    panel.replaceChildren(h('h2', { id: 'report-screening-title', tabindex: '-1' }, t('reports.screeningDetails')),
      h('p', { class: 'loading' }, t('common.loading')));
    panel.querySelector('h2').focus();
    let content;
    try {
      content = drawScreening(await api.screeningReport(screeningId, signal), closePanel);
    } catch (error) {
      if (error.name === 'AbortError') return;
      content = [h('h2', { id: 'report-screening-title', tabindex: '-1' }, t('reports.screeningDetails')), errorBox(error), closeButton(closePanel)];
    }
    if (panel.dataset.screeningId !== screeningId) return; // another row was chosen meanwhile
    panel.replaceChildren(...content);
    panel.removeAttribute('aria-busy');
    panel.querySelector('h2').focus();
    panel.scrollIntoView?.({ block: 'nearest' });
  }

  function closePanel() {
    const id = panel.dataset.screeningId;
    panel.hidden = true;
    panel.replaceChildren();
    delete panel.dataset.screeningId;
    body.querySelector(`button[data-key="screening-${CSS.escape(id ?? '')}"]`)?.focus();
  }

  poll(load, REFRESH_MS, signal);
}

function failure(error) {
  return missing(error) ? notAvailable(t('reports.notAvailable'), 'reports-unavailable') : errorBox(error);
}

/** Saves `blob` as a download named `name` (a temporary Blob link; the router leaves `download` links alone). */
function saveFile(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = h('a', { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

function drawReport(data, asked, onScreening) {
  const report = data[asked.group];
  const period = { from: dayLabel(report.from ?? asked.from), to: dayLabel(report.to ?? asked.to) };
  if (!report.totals?.screenings && !data.screening.rows.length) {
    return h('p', { class: 'card empty', id: 'reports-empty' }, t('reports.empty', period));
  }
  const totals = report.totals;
  const figure = (key, label, value, extra) => h('div', { dataset: { total: key } }, h('dt', {}, label), h('dd', {}, value, extra ? h('span', { class: 'muted small' }, ` ${extra}`) : null));
  return [
    h('section', { 'aria-labelledby': 'reports-totals-title' },
      h('h2', { id: 'reports-totals-title', class: 'visually-hidden' }, t('reports.totals')),
      h('dl', { class: 'programme-totals', id: 'reports-totals' },
        figure('takings', t('reports.takings'), money(totals.takings)),
        figure('refunds', t('reports.refunds'), money(totals.refunds)),
        figure('net', t('reports.net'), money(totals.net)),
        figure('tickets_sold', t('reports.ticketsSold'), count(totals.tickets_sold)),
        figure('occupancy', t('reports.occupancy'), percent(totals.occupancy_pct), t('reports.seatsOf', { sold: count(totals.tickets_sold), capacity: count(totals.capacity) })))),
    h('section', { class: 'reports-charts', 'aria-labelledby': 'reports-charts-title' },
      h('h2', { id: 'reports-charts-title' }, t('reports.charts')),
      takingsChart(data.day, asked),
      occupancyChart(data.screening)),
    h('section', { class: 'card', 'aria-labelledby': 'reports-table-title' },
      h('h2', { id: 'reports-table-title' }, t(`reports.group.${asked.group}`)),
      reportTable(report, asked.group, period, onScreening)),
    report.as_of ? h('p', { class: 'muted small', id: 'reports-as-of' }, t('reports.asOf', { time: dateTime(report.as_of) })) : null,
  ];
}

const NUMBERS = [
  ['capacity', 'reports.capacity', (r) => count(r.capacity)],
  ['tickets_sold', 'reports.ticketsSold', (r) => count(r.tickets_sold)],
  ['seats_held', 'reports.held', (r) => count(r.seats_held)],
  ['occupancy', 'reports.occupancy', (r) => percent(r.occupancy_pct)],
  ['takings', 'reports.takings', (r) => money(r.takings)],
  ['refunds', 'reports.refunds', (r) => money(r.refunds)],
  ['net', 'reports.net', (r) => money(r.net)],
  ['confirmed', 'reports.confirmed', (r) => count(r.bookings?.confirmed)],
  ['cancelled', 'reports.cancelled', (r) => count(r.bookings?.cancelled)],
];

function reportTable(report, group, period, onScreening) {
  const byScreening = group === 'screening';
  const head = [
    h('th', { scope: 'col' }, t(group === 'day' ? 'reports.date' : 'reports.movie')),
    byScreening ? [h('th', { scope: 'col' }, t('reports.showtime')), h('th', { scope: 'col' }, t('reports.hall'))] : h('th', { scope: 'col', class: 'num' }, t('reports.screenings')),
    NUMBERS.map(([, label]) => h('th', { scope: 'col', class: 'num' }, t(label))),
  ];
  const cells = (row) => NUMBERS.map(([key, , value]) => h('td', { class: 'num', dataset: { col: key } }, value(row)));
  const label = (row) => {
    if (group === 'day') return h('time', { datetime: row.key }, dayLabel(row.key));
    if (!byScreening) return row.label;
    return h('button', {
      type: 'button', class: 'link-button', dataset: { key: `screening-${row.key}` }, 'aria-controls': 'report-screening', onclick: () => onScreening(row.key),
    }, row.label, h('span', { class: 'visually-hidden' }, ` ${t('reports.detailsOf', { when: showtime(row.starts_at) })}`));
  };
  const rows = report.rows.map((row) => h('tr', {
    dataset: { key: row.key },
    class: byScreening ? 'clickable' : null,
    // The whole row answers a click (a mouse convenience); keyboards use the button in it.
    onclick: byScreening ? (event) => { if (!event.target.closest('button, a')) onScreening(row.key); } : null,
  },
  h('th', { scope: 'row' }, label(row)),
  byScreening
    ? [h('td', {}, h('time', { datetime: row.starts_at }, showtime(row.starts_at))), h('td', {}, row.hall_name ?? '')]
    : h('td', { class: 'num', dataset: { col: 'screenings' } }, count(row.screenings)),
  cells(row)));
  return h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-labelledby': 'reports-table-title' },
    h('table', { class: 'programme-table reports-table', id: 'reports-table' },
      h('caption', {}, t(`reports.table.${group}`, period)),
      h('thead', {}, h('tr', {}, head)),
      h('tbody', {}, rows),
      h('tfoot', {}, h('tr', { dataset: { key: 'TOTAL' } },
        h('th', { scope: 'row', colspan: byScreening ? 3 : 1 }, t('reports.total')),
        byScreening ? null : h('td', { class: 'num', dataset: { col: 'screenings' } }, count(report.totals.screenings)),
        cells(report.totals)))));
}

const closeButton = (close) => h('button', { type: 'button', class: 'button button--ghost', id: 'report-screening-close', onclick: close }, t('reports.close'));

function drawScreening(r, close) {
  const list = (id, entries) => h('dl', { class: 'details details--compact', id },
    entries.map(([key, label, value]) => h('div', { class: 'details__pair', dataset: { key } }, h('dt', {}, label), h('dd', {}, value))));
  return [
    h('h2', { id: 'report-screening-title', tabindex: '-1' }, t('reports.screeningTitle', { title: r.movie_title ?? '', when: showtime(r.starts_at) })),
    h('p', { class: 'muted' }, r.hall_name ?? ''),
    list('report-screening-seats', [
      ['capacity', t('reports.capacity'), count(r.capacity)],
      ['seats_sold', t('reports.seatsSold'), count(r.seats_sold)],
      ['seats_held', t('reports.held'), count(r.seats_held)],
      ['seats_free', t('reports.seatsFree'), count(r.seats_free)],
      ['occupancy', t('reports.occupancy'), percent(r.occupancy_pct)],
      ['takings', t('reports.takings'), money(r.takings)],
      ['refunds', t('reports.refunds'), money(r.refunds)],
      ['net', t('reports.net'), money(r.net)],
    ]),
    h('h3', {}, t('reports.ticketTypes')),
    list('report-screening-tickets', ['adult', 'youth', 'senior', 'disabled'].map((type) => [type, t(`tickets.type.${type}`), count(r.tickets?.[type])])),
    h('h3', {}, t('reports.bookingsByStatus')),
    list('report-screening-bookings', ['confirmed', 'pending', 'cancelled', 'rejected', 'abandoned'].map((status) => [status, t(`reports.${status}`), count(r.bookings?.[status])])),
    h('div', { class: 'actions' },
      h('a', { class: 'button', href: `/staff/screenings/${encodeURIComponent(r.screening_id)}` }, t('reports.whoSits')),
      closeButton(close)),
  ];
}
