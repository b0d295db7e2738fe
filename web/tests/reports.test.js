// The staff sales report (/staff/reports, docs/reports.md) against the real reports context: two
// screenings of a movie on venue days D and D+2 (far ahead, a range no other test uses), bookings
// by customers (one cancelled after confirmation, so refunded), then the page for D..D+2: the
// totals, the table's exact counts and amounts by day and by screening, one SVG bar per day and
// per screening with their accessible text, the CSV download (the rows match), one screening's
// figures, an empty range, a range the API refuses (422), and axe on the page in both languages.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import * as api from './support/api.js';
import { DESKTOP, launchBrowser, keyScreen, withPage } from './support/browser.js';
import { expectText, signIn } from './support/ui.js';

let browser;
before(async () => { browser = await launchBrowser(); });
after(() => browser?.close());

const won = (amount) => ({ amount, currency: 'KRW' });
const addDays = (key, n) => new Date(Date.parse(`${key}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const query = (params) => new URLSearchParams(params).toString();
const CSV_HEADER = 'key,label,screenings,capacity,tickets_sold,seats_held,occupancy_pct,takings,refunds,net,confirmed,pending,cancelled,rejected,abandoned';

/** RFC 4180 lines → arrays of fields (quotes, doubled quotes, commas and line breaks inside quotes). */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i += 1; } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i += 1;
      row.push(field); rows.push(row); row = []; field = '';
    } else field += c;
  }
  if (field || row.length) { row.push(field); rows.push(row); }
  return rows;
}

/** Places a booking (retrying while the reservation side learns the screening) and waits until CONFIRMED. */
async function confirmedBooking(screeningId, seats) {
  const customer = await api.token(api.unique('report'), ['customer']);
  const placed = await api.eventually(`a booking of ${seats} to be accepted`, async () => {
    const r = await api.book(customer, screeningId, seats);
    return r.status === 202 ? r : null;
  });
  const id = placed.body.reservation_id;
  await api.eventually(`booking ${id} to be confirmed`, async () => (await api.reservation(customer, id)).body?.status === 'CONFIRMED');
  return { customer, id };
}

test('staff read takings, refunds and occupancy of a range: table, charts, CSV and one screening', async () => {
  // Days D and D+2 (19:00 in Seoul = 10:00Z, so the venue day is the UTC date), D+1 without a show.
  const offset = 200 + Math.floor(Math.random() * 100);
  const first = api.seoulEvening(offset);
  const third = api.seoulEvening(offset + 2);
  const D = first.iso.slice(0, 10);
  const range = { from: D, to: addDays(D, 2) };
  const title = api.unique('Report');
  const { screeningIds: [a, b], admin } = await api.bookableScreening({ title, price: 11000, startsAt: first.iso, more: [third.iso] });

  // A: two seats kept, one booked and cancelled after confirmation (refunded); B: four seats.
  await confirmedBooking(a, ['A1', 'A2']);
  const dropped = await confirmedBooking(a, ['B1']);
  assert.equal((await api.cancel(dropped.customer, dropped.id)).status, 200);
  await api.eventually('the cancel', async () => (await api.reservation(dropped.customer, dropped.id)).body?.status === 'CANCELLED');
  await confirmedBooking(b, ['C1', 'C2', 'C3', 'C4']);

  // The report lags the bookings by the event pipeline: wait until it shows them.
  const sales = (group, token = admin) => api.raw('GET', `/admin/reports/sales?${query({ ...range, group })}`, { token });
  const byScreening = await api.eventually('the report to count the bookings', async () => {
    const r = await sales('screening');
    if (r.status === 404 || r.status === 405) throw new Error(`GET /api/admin/reports/sales is not served (${r.status}): the reports context is needed`);
    const rows = new Map((r.body?.rows ?? []).map((row) => [row.key, row]));
    return rows.get(a)?.tickets_sold === 2 && rows.get(a)?.refunds?.amount === 11000 && rows.get(b)?.tickets_sold === 4 ? r.body : null;
  }, 30_000);
  const [rowA, rowB] = [a, b].map((id) => byScreening.rows.find((row) => row.key === id));
  assert.deepEqual([rowA.capacity, rowA.tickets_sold, rowA.occupancy_pct, rowA.takings, rowA.refunds, rowA.net, rowA.bookings.confirmed, rowA.bookings.cancelled],
    [40, 2, 5, won(33000), won(11000), won(22000), 1, 1]);
  assert.deepEqual([rowB.capacity, rowB.tickets_sold, rowB.occupancy_pct, rowB.takings, rowB.refunds, rowB.net, rowB.bookings.confirmed],
    [40, 4, 10, won(44000), won(0), won(44000), 1]);
  assert.deepEqual([byScreening.totals.screenings, byScreening.totals.tickets_sold, byScreening.totals.occupancy_pct, byScreening.totals.takings, byScreening.totals.refunds, byScreening.totals.net],
    [2, 6, 7.5, won(77000), won(11000), won(66000)]);
  const customer = await api.token(api.unique('nosy'), ['customer']);
  assert.equal((await sales('day', customer)).status, 403, 'a customer may not read the report');

  await withPage(browser, 'staff-reports', async (page) => {
    await signIn(page, 'admin', { admin: true });
    await page.getByRole('navigation').getByRole('link', { name: 'Reports' }).click();
    await page.waitForURL(/\/staff\/reports$/);
    // `to` first: the range stays valid at every step (from ≤ to).
    await page.locator('#reports-to').fill(range.to);
    await page.locator('#reports-from').fill(range.from);

    // Totals.
    const total = (key) => page.locator(`#reports-totals [data-total="${key}"] dd`);
    await expectText(total('takings'), /^₩77,000$/);
    await expectText(total('refunds'), /^₩11,000$/);
    await expectText(total('net'), /^₩66,000$/);
    await expectText(total('tickets_sold'), /^6$/);
    await expectText(total('occupancy'), /^7\.5% \(6 of 80 seats\)$/);

    // By day (the default): every day of the range, the one without a show at zero.
    const table = page.locator('#reports-table');
    await expectText(table.locator('caption'), /^Sales by day, .+ to .+$/);
    const cell = (key, col) => table.locator(`tr[data-key="${key}"] [data-col="${col}"]`);
    assert.deepEqual(await table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.key)), [D, addDays(D, 1), addDays(D, 2)]);
    const expectRow = async (key, values) => {
      for (const [col, text] of Object.entries(values)) await expectText(cell(key, col), new RegExp(`^${text.replace(/[.$()]/g, '\\$&')}$`));
    };
    await expectRow(D, { screenings: '1', capacity: '40', tickets_sold: '2', occupancy: '5.0%', takings: '₩33,000', refunds: '₩11,000', net: '₩22,000', confirmed: '1', cancelled: '1' });
    await expectRow(addDays(D, 1), { screenings: '0', tickets_sold: '0', takings: '₩0', refunds: '₩0', net: '₩0' });
    await expectRow(addDays(D, 2), { screenings: '1', tickets_sold: '4', occupancy: '10.0%', takings: '₩44,000', refunds: '₩0', net: '₩44,000', confirmed: '1', cancelled: '0' });
    await expectRow('TOTAL', { screenings: '2', capacity: '80', tickets_sold: '6', occupancy: '7.5%', takings: '₩77,000', refunds: '₩11,000', net: '₩66,000' });

    // The charts: an image each with a short label, one bar per day and per screening.
    const takings = page.locator('svg#chart-takings');
    assert.equal(await takings.getAttribute('role'), 'img');
    assert.match(await takings.getAttribute('aria-label'), /^Takings per day, .+ to .+ \(3 days\): net and refunds stacked$/);
    assert.deepEqual(await takings.locator('.chart-bar').evaluateAll((bars) => bars.map((g) => g.dataset.day)), [D, addDays(D, 1), addDays(D, 2)]);
    const barTitle = (chart, attr, key) => chart.locator(`.chart-bar[${attr}="${key}"] > title`).textContent();
    assert.match(await barTitle(takings, 'data-day', D), /: takings ₩33,000, refunds ₩11,000, net ₩22,000$/);
    assert.match(await barTitle(takings, 'data-day', addDays(D, 1)), /: takings ₩0, refunds ₩0, net ₩0$/);
    assert.match(await barTitle(takings, 'data-day', addDays(D, 2)), /: takings ₩44,000, refunds ₩0, net ₩44,000$/);
    // Refunds are hatched, not only another colour; only day D had any.
    assert.equal(await takings.locator('.chart__bar--refunds').count(), 1);
    assert.match(await takings.locator(`.chart-bar[data-day="${D}"] .chart__bar--refunds`).getAttribute('fill'), /^url\(#/);
    const occupancy = page.locator('svg#chart-occupancy');
    assert.equal(await occupancy.getAttribute('role'), 'img');
    assert.match(await occupancy.getAttribute('aria-label'), /^Occupancy per screening, 0 to 100 % \(2 screenings\)$/);
    assert.deepEqual(await occupancy.locator('.chart-bar').evaluateAll((bars) => bars.map((g) => g.dataset.screeningId)), [a, b]);
    assert.match(await barTitle(occupancy, 'data-screening-id', a), new RegExp(`^${title}, .+: 5\\.0% occupied \\(2 of 40 seats\\)$`));
    assert.match(await barTitle(occupancy, 'data-screening-id', b), new RegExp(`^${title}, .+: 10\\.0% occupied \\(4 of 40 seats\\)$`));
    // The chart's numbers, as a table behind a disclosure.
    await page.locator('#chart-occupancy-numbers summary').click();
    await expectText(page.locator(`#chart-occupancy-table tr[data-screening-id="${b}"]`), /10\.0%/);
    await keyScreen(page, '40-staff-reports-desktop');

    // By screening: a row each; choosing one shows its figures.
    await page.locator('#reports-group').selectOption('screening');
    await expectText(table.locator('caption'), /^Sales by screening/);
    assert.deepEqual(await table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.key)), [a, b]);
    await expectRow(a, { capacity: '40', tickets_sold: '2', occupancy: '5.0%', takings: '₩33,000', refunds: '₩11,000', net: '₩22,000', confirmed: '1', cancelled: '1' });
    await expectRow(b, { tickets_sold: '4', occupancy: '10.0%', takings: '₩44,000', net: '₩44,000' });

    // CSV: fetched with the token and saved under the server's name; its rows are the report's.
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#reports-csv').click()]);
    assert.equal(download.suggestedFilename(), `sales-screening-${range.from}-${range.to}.csv`);
    const text = await readFile(await download.path(), 'utf8');
    assert.ok(text.startsWith('\ufeff'), 'the CSV starts with a byte-order mark');
    const lines = parseCsv(text.slice(1)).filter((r) => r.length > 1);
    assert.equal(lines[0].join(','), CSV_HEADER);
    const columns = lines[0];
    const records = lines.slice(1).map((r) => Object.fromEntries(columns.map((c, i) => [c, r[i]])));
    const pick = (r) => [r.label, r.capacity, r.tickets_sold, r.takings, r.refunds, r.net, r.confirmed, r.cancelled];
    assert.deepEqual(records.map((r) => r.key), [a, b, 'TOTAL']);
    assert.deepEqual(pick(records[0]), [title, '40', '2', '33000', '11000', '22000', '1', '1']);
    assert.deepEqual(pick(records[1]), [title, '40', '4', '44000', '0', '44000', '1', '0']);
    assert.deepEqual(pick(records[2]).slice(1), ['80', '6', '77000', '11000', '66000', '2', '1']);
    await expectText(page.locator('#reports-csv-outcome'), new RegExp(`Saved sales-screening-${range.from}-${range.to}\\.csv`));

    await table.locator(`tr[data-key="${a}"] th button`).click();
    const details = page.locator('#report-screening');
    await expectText(details.locator('h2'), new RegExp(`^${title}, `));
    const figure = (list, key) => details.locator(`#${list} [data-key="${key}"] dd`);
    await expectText(figure('report-screening-seats', 'seats_sold'), /^2$/);
    await expectText(figure('report-screening-seats', 'seats_held'), /^0$/);
    await expectText(figure('report-screening-seats', 'seats_free'), /^38$/);
    await expectText(figure('report-screening-seats', 'occupancy'), /^5\.0%$/);
    await expectText(figure('report-screening-seats', 'refunds'), /^₩11,000$/);
    await expectText(figure('report-screening-tickets', 'adult'), /^2$/);
    await expectText(figure('report-screening-bookings', 'confirmed'), /^1$/);
    await expectText(figure('report-screening-bookings', 'cancelled'), /^1$/);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'report-screening-title');
    await keyScreen(page, '41-staff-reports-screening-desktop');

    // A range the API refuses (from after to): explained like every other error.
    await page.locator('#reports-from').fill(addDays(D, 3));
    await expectText(page.locator('#reports [role="alert"]'), /^Please check your input\./);
    assert.equal(await page.locator('#reports [role="alert"]').getAttribute('data-code'), 'validation_failed');
  }, { allow: [/status of 422/], viewport: DESKTOP });

  // In Korean: the nav entry, the won amounts, and a range without screenings says so.
  await withPage(browser, 'staff-reports-korean', async (page) => {
    await signIn(page, 'admin', { admin: true });
    await page.getByRole('navigation').getByRole('link', { name: '매출 리포트' }).click();
    // `to` first: the range stays valid at every step (from ≤ to).
    await page.locator('#reports-to').fill(range.to);
    await page.locator('#reports-from').fill(range.from);
    await expectText(page.locator('#reports-totals [data-total="net"] dd'), /^₩66,000$/);
    await expectText(page.locator('#reports-csv'), /^CSV 다운로드$/);
    await page.locator('#reports-to').fill(addDays(D, 5));
    await page.locator('#reports-from').fill(addDays(D, 3));
    await expectText(page.locator('#reports-empty'), /^.+~.+ 기간에는 상영이 없습니다\.$/);
    assert.equal(await page.locator('svg.chart').count(), 0, 'no empty chart');
    await keyScreen(page, '42-staff-reports-empty-korean');
  }, { locale: 'ko-KR', viewport: DESKTOP });
});
