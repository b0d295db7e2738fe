// What checkout shows when the booking is refused: a declined card (402), seats someone else took
// (shown taken before, and a 409 when they go while the customer decides), and payment being busy
// (503 with Retry-After).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as api from './support/api.js';
import { launchBrowser, keyScreen, withPage } from './support/browser.js';
import { expectAttribute, expectText, freezeSeatMap, holdSeats, seat, signIn } from './support/ui.js';

let browser;
before(async () => { browser = await launchBrowser(); });
after(() => browser?.close());

// The page logs the refused request itself as a console error; that is expected here.
const refused = (status) => ({ allow: [new RegExp(`status of ${status}`)] });

test('a declined card shows the decline, books nothing, and another card then works', async () => {
  const { screeningId } = await api.bookableScreening();
  const customer = api.unique('declined');
  await withPage(browser, 'declined-card', async (page) => {
    await signIn(page, customer);
    await page.goto(`/screenings/${screeningId}`);
    await page.getByRole('button', { name: 'Row A seat 1, free' }).click();
    await holdSeats(page);
    await page.locator('#card-token').fill('tok_declined');
    await page.locator('#pay').click();

    const alert = page.getByRole('alert');
    await expectText(alert, /Your card was declined/);
    await expectText(alert, /declined by its issuer/); // the API's own message
    assert.match(new URL(page.url()).pathname, new RegExp(`/screenings/${screeningId}$`));
    await expectAttribute(seat(page, 'A1'), 'aria-pressed', 'true'); // the choice is kept
    await expectText(page.locator('#hold-countdown'), /^\d\d:\d\d$/); // and still held
    await keyScreen(page, '09-declined-card-desktop');

    const token = await api.token(customer, ['customer']);
    const mine = await api.myReservations(token);
    assert.deepEqual(mine.body, [], 'a declined payment stores no booking');

    await page.locator('#card-token').fill('tok_visa');
    await page.locator('#pay').click();
    await expectText(page.locator('#booking-status'), /^Confirmed$/);
  }, refused(402));
});

test('a malformed card token gets the 422 explained with the API message', async () => {
  const { screeningId } = await api.bookableScreening();
  await withPage(browser, 'invalid-card', async (page) => {
    await signIn(page, api.unique('typo'));
    await page.goto(`/screenings/${screeningId}`);
    await page.getByRole('button', { name: 'Row E seat 8, free' }).click();
    await holdSeats(page);
    await page.locator('#card-token').fill('visa');
    await page.locator('#pay').click();
    const alert = page.getByRole('alert');
    await expectText(alert, /Please check your input/);
    await expectText(alert, /card token starting with "tok_"/);
    assert.match(new URL(page.url()).pathname, /^\/screenings\//);
  }, refused(422));
});

test('a seat another customer took is shown taken and cannot be chosen', async () => {
  const { screeningId } = await api.bookableScreening();
  const other = await api.token(api.unique('other'), ['customer']);
  const placed = await api.book(other, screeningId, ['B3', 'B4']);
  assert.equal(placed.status, 202, JSON.stringify(placed.body));
  await api.eventually('B3 and B4 to be allocated', async () => {
    const map = await api.seatMap(screeningId);
    return map.body.seats.filter((s) => s.status === 'taken').length === 2;
  });

  await withPage(browser, 'taken-seat', async (page) => {
    await signIn(page, api.unique('minho'));
    await page.goto(`/screenings/${screeningId}`);
    const b3 = seat(page, 'B3');
    await expectAttribute(b3, 'aria-label', 'Row B seat 3, taken');
    assert.equal(await b3.isDisabled(), true, 'a taken seat is disabled');
    await expectAttribute(seat(page, 'B4'), 'aria-label', 'Row B seat 4, taken');
    await b3.click({ force: true });
    await expectAttribute(b3, 'aria-pressed', 'false');
    await expectText(page.locator('#selected-seats'), /None selected/);

    // The keyboard skips taken seats: B2 → (B3, B4 taken) → B5.
    await seat(page, 'B2').focus();
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.seat), 'B5');
    await keyScreen(page, '10-taken-seats-desktop');
  });
});

test('a seat taken while the customer decides gets a clear 409 and is shown taken', async () => {
  const { screeningId } = await api.bookableScreening();
  const other = await api.token(api.unique('faster'), ['customer']);
  await withPage(browser, 'seat-conflict', async (page) => {
    await signIn(page, api.unique('slower'));
    await page.goto(`/screenings/${screeningId}`);
    await page.getByRole('button', { name: 'Row C seat 2, free' }).click();
    await page.getByRole('button', { name: 'Row C seat 3, free' }).click();

    // Booked a moment ago: the reservation side refuses C3 at once. The page's map refreshes
    // keep showing the map of before, so the page learns it from the 409 (which names C3).
    const thaw = await freezeSeatMap(page, screeningId);
    const placed = await api.book(other, screeningId, ['C3']);
    assert.equal(placed.status, 202, JSON.stringify(placed.body));

    await page.locator('#hold').click();
    await expectText(page.getByRole('alert'), /Some of these seats were just taken: C3\./);
    await expectAttribute(seat(page, 'C3'), 'aria-label', 'Row C seat 3, just taken');
    await expectText(page.locator('#selected-seats'), /^C2$/);
    await keyScreen(page, '11-seat-conflict-desktop');
    await thaw();
    await api.eventually('C3 to be allocated', async () =>
      (await api.seatMap(screeningId)).body.seats.some((s) => s.label === 'C3' && s.status === 'taken'));
    await page.waitForTimeout(5500); // a seat-map refresh keeps it marked
    await expectAttribute(seat(page, 'C3'), 'aria-label', 'Row C seat 3, just taken');
  }, refused(409));
});

test('payment being busy says when to retry, and the retry goes through', async () => {
  const { screeningId, admin } = await api.bookableScreening();
  try {
    await withPage(browser, 'payment-busy', async (page) => {
      // Staff switch the simulator to failing on the staff page.
      await signIn(page, 'admin', { admin: true });
      await page.locator('#sim-down').click();
      await page.locator('#sim-save').click();
      await expectText(page.locator('#flash-simulator'), /0 ms latency, 100 % failures/);
      await keyScreen(page, '12-simulator-desktop');
      await page.locator('#sign-out').click();

      await signIn(page, api.unique('patient'));
      await page.goto(`/screenings/${screeningId}`);
      await page.getByRole('button', { name: 'Row D seat 1, free' }).click();
      await holdSeats(page);
      await page.locator('#pay').click();
      await expectText(page.getByRole('alert'), /Payment is busy, please retry in \d+ s\./);
      await expectText(page.locator('#pay'), /Retry in \d+ s/);
      assert.equal(await page.locator('#pay').isDisabled(), true, 'pay waits for Retry-After');
      await keyScreen(page, '13-payment-busy-desktop');

      const healed = await api.setSimulator(admin, 0, 0);
      assert.equal(healed.status, 200);
      await expectText(page.locator('#pay'), /^Pay ₩11,000$/, 15_000);
      await page.locator('#pay').click();
      await expectText(page.locator('#booking-status'), /^Confirmed$/);
    }, refused(503));
  } finally {
    await api.setSimulator(admin, 0, 0);
  }
});
