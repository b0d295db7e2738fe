// The whole journey of the issue, through the page only: staff create a hall and a movie with a
// screening; a customer picks seats on the map, pays, sees the booking confirmed, cancels it and
// sees it cancelled and refunded, with the notifications.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as api from './support/api.js';
import { PHONE, launchBrowser, keyScreen, withPage } from './support/browser.js';
import { expectAttribute, expectText, holdSeats, requestsDuring, seat, signIn, signOut } from './support/ui.js';

let browser;
before(async () => { browser = await launchBrowser(); });
after(() => browser?.close());

test('staff register a movie, and a customer books, confirms, cancels and is refunded', async () => {
  const hallName = api.unique('Hall');
  const title = api.unique('Journey');
  const customer = api.unique('minji');

  await withPage(browser, 'journey', async (page) => {
    await page.goto('/signin');
    await expectText(page.locator('#signin-form'), /pick a customer name, or sign in as theater staff/);
    await keyScreen(page, '00-signin-desktop');

    // ---- staff: a hall, then a movie with one screening in it
    await signIn(page, 'admin', { admin: true });
    assert.match(new URL(page.url()).pathname, /^\/staff$/);
    await page.locator('#hall-name').fill(hallName);
    await page.locator('#hall-rows').fill('6');
    await page.locator('#hall-seats').fill('10');
    await page.getByRole('button', { name: 'Create hall' }).click();
    await expectText(page.locator('#flash-hall'), new RegExp(`Hall “${hallName}” created with 60 seats`));
    await expectText(page.locator('#hall-list'), new RegExp(hallName));

    await page.locator('#movie-title').fill(title);
    await page.locator('#movie-runtime').fill('110');
    await page.locator('#movie-price').fill('13000');
    await page.locator('#screening-hall-0').selectOption({ label: `${hallName} (60)` });
    await page.getByRole('button', { name: 'Register movie' }).click();
    await expectText(page.locator('#flash-movie'), new RegExp(`“${title}” registered with 1 showtime`));
    await keyScreen(page, '01-staff-desktop');
    await signOut(page);

    // ---- customer: find the movie, open its seat map
    await signIn(page, customer);
    const card = page.locator('article.movie', { hasText: title });
    await expectText(card, /13,000/); // the catalog learns the movie from events
    await expectText(card, /60 of 60 seats left/);
    await keyScreen(page, '02-movies-desktop');
    await card.locator('a.showtime').first().click();
    await expectText(page.locator('#screening-title'), new RegExp(title));

    // Mouse: C5. Keyboard: from C5 one to the right, Space → C6.
    await expectAttribute(seat(page, 'C5'), 'aria-label', 'Row C seat 5, free');
    await page.getByRole('button', { name: 'Row C seat 5, free' }).click();
    await expectAttribute(seat(page, 'C5'), 'aria-pressed', 'true');
    await expectAttribute(seat(page, 'C5'), 'aria-label', 'Row C seat 5, selected');
    await seat(page, 'C5').focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Space');
    await expectAttribute(seat(page, 'C6'), 'aria-pressed', 'true');
    await expectText(page.locator('#selected-seats'), /^C5, C6$/);
    await expectText(page.locator('#checkout-total'), /^₩26,000$/);
    await keyScreen(page, '03-seat-map-desktop');
    await holdSeats(page); // "Hold seats and continue": the payment step
    await expectText(page.locator('#pay'), /Pay ₩26,000/);
    assert.match(await page.locator('#card-token').inputValue(), /^tok_visa$/);
    await expectText(page.locator('#checkout-form'), /tok_declined is always declined/);

    // ---- pay: the booking page follows the status live, PAID → CONFIRMED, no reload
    await page.evaluate(() => {
      window.stillTheSamePage = true;
      window.statusesSeen = [];
      new MutationObserver(() => {
        const text = document.getElementById('booking-status')?.textContent;
        if (text && text !== window.statusesSeen.at(-1)) window.statusesSeen.push(text);
      }).observe(document.body, { childList: true, subtree: true, characterData: true });
    });
    await page.locator('#pay').click();
    await page.waitForURL(/\/bookings\//);
    await expectText(page.locator('#booking-status'), /^Confirmed$/);
    assert.equal(await page.evaluate(() => window.stillTheSamePage), true, 'no page reload');
    assert.deepEqual(await page.evaluate(() => window.statusesSeen), ['Paid', 'Confirmed']);
    await expectText(page.locator('#booking-explanation'), /Your seats are confirmed/);
    await expectText(page.locator('#booking-seats'), /C5, C6/);
    await expectText(page.locator('#booking-movie'), new RegExp(title));
    await keyScreen(page, '04-booking-confirmed-desktop');

    // ---- my bookings: the read model shows it; cancel there. The booking page stopped polling.
    await page.getByRole('navigation').getByRole('link', { name: 'My bookings' }).click();
    assert.equal(await requestsDuring(page, /^\/api\/reservations\//, 2500), 0, 'the left page still polls');
    const booking = page.locator('article.booking', { hasText: title });
    await expectText(booking.locator('.booking__status'), /^Confirmed$/);
    await expectText(page.locator('#my-notifications'), /Confirmed/);
    await booking.getByRole('button', { name: 'Cancel booking' }).click();
    await booking.getByRole('button', { name: 'Yes, cancel' }).click();
    await expectText(booking.locator('.booking__status'), /^Cancelled$/);
    await expectText(booking.locator('.booking__refund'), /^Refunded$/);
    const notes = page.locator('#my-notifications');
    await expectText(notes.locator('li[data-status="CANCELLED"]'), /Cancelled/);
    await expectText(notes.locator('li[data-status="REFUNDED"]'), /Refunded/);
    await expectText(notes.locator('li[data-status="CONFIRMED"]'), /confirmed/i);
    await keyScreen(page, '05-my-bookings-cancelled-desktop');

    // The booking page tells the same story; the my-page polling has stopped.
    await booking.getByRole('link', { name: 'Details' }).click();
    assert.equal(await requestsDuring(page, /^\/api\/my\//, 2500), 0, 'my bookings still polls');
    await expectText(page.locator('#booking-status'), /^Cancelled$/);
    await expectText(page.locator('#booking-refund'), /^Refunded$/);
    await expectText(page.locator('#booking-payment'), /^Refunded$/);

    // And the seats are free again on the map.
    await page.getByRole('navigation').getByRole('link', { name: 'Movies' }).click();
    await page.locator('article.movie', { hasText: title }).locator('a.showtime').first().click();
    await expectAttribute(seat(page, 'C5'), 'aria-label', 'Row C seat 5, free');
  });
});

test('the pages fit a phone screen', async () => {
  const { title, screeningId } = await api.bookableScreening({ title: api.unique('Phone') });
  await withPage(browser, 'phone', async (page) => {
    await signIn(page, api.unique('jisoo'));
    await page.goto('/');
    await expectText(page.locator('article.movie', { hasText: title }), new RegExp(title));
    await keyScreen(page, '06-movies-phone');
    await page.goto(`/screenings/${screeningId}`);
    await page.getByRole('button', { name: 'Row B seat 4, free' }).click();
    await expectText(page.locator('#checkout-total'), /₩11,000/);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone screen`);
    await keyScreen(page, '07-seat-map-phone');
    await holdSeats(page);
    await page.locator('#pay').click();
    await expectText(page.locator('#booking-status'), /^Confirmed$/);
    await page.goto('/my');
    await expectText(page.locator('article.booking .booking__status'), /Confirmed/);
    await keyScreen(page, '08-my-bookings-phone');
  }, { viewport: PHONE, mobile: true });
});
