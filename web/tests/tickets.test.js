// Mobile tickets and check-in at the door: the QR code in "my bookings" decodes (jsQR, from the
// page's own pixels) to the signed code the server issued; the staff page admits it once, says
// "already used" the second time, and refuses a forged code and a cancelled booking's ticket;
// the staff page's camera path reads the same QR from a (fake) camera.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { chromium } from 'playwright-core';
import * as api from './support/api.js';
import { BASE_URL, PHONE, keyScreen, launchBrowser, withPage } from './support/browser.js';
import { expectAttribute, expectText, signIn } from './support/ui.js';

let browser;
before(async () => { browser = await launchBrowser(); });
after(() => browser?.close());

const CODE = /^(\d{4}-\d{4}-\d{4})\.[A-Z2-7]{16}$/;
const refused = (...statuses) => ({ allow: statuses.map((s) => new RegExp(`status of ${s}`)) });

/** A customer with a CONFIRMED booking of `seats`: { name, customer, id }. */
async function confirmedBooking(screeningId, seats) {
  const name = api.unique('jiwoo');
  const customer = await api.token(name, ['customer']);
  const booked = await api.book(customer, screeningId, seats);
  assert.equal(booked.status, 202, JSON.stringify(booked.body));
  const id = booked.body.reservation_id;
  await api.eventually('the booking is confirmed', async () => (await api.reservation(customer, id)).body?.status === 'CONFIRMED');
  return { name, customer, id };
}

/** The QR code as drawn on the page, decoded from a screenshot of it. */
function decodeQr(png) {
  const image = PNG.sync.read(png);
  const found = jsQR(new Uint8ClampedArray(image.data), image.width, image.height);
  assert.ok(found, 'jsQR finds no QR code in the ticket');
  return found.data;
}

/** Opens the customer's ticket in "my bookings"; returns the QR's screenshot (PNG). */
async function openTicket(page, id) {
  await page.goto('/my');
  const card = page.locator(`article.booking[data-reservation-id="${id}"]`);
  const button = card.getByRole('button', { name: '모바일 티켓' });
  await button.click();
  await expectAttribute(button, 'aria-expanded', 'true');
  const qr = card.getByRole('img', { name: /입장용 QR 코드, 예매번호 \d{4}-\d{4}-\d{4}/ });
  await qr.waitFor();
  return { card, png: await qr.screenshot() };
}

test('a confirmed booking has a mobile ticket whose QR decodes to the code the server signed', async () => {
  const { screeningId } = await api.bookableScreening();
  const { name, customer, id } = await confirmedBooking(screeningId, ['C3', 'C4']);
  const issued = await api.raw('GET', `/reservations/${id}/ticket`, { token: customer });
  assert.equal(issued.status, 200, JSON.stringify(issued.body));

  await withPage(browser, 'mobile-ticket', async (page) => {
    await signIn(page, name);
    const { card, png } = await openTicket(page, id);
    const decoded = decodeQr(png);
    assert.match(decoded, CODE);
    assert.equal(decoded, issued.body.code, 'the QR holds the code the server issued');
    const number = decoded.match(CODE)[1];
    await expectText(card.locator('.booking__number'), new RegExp(`^${number}$`));
    await expectText(card.locator('.ticket__number'), new RegExp(`^${number}$`));
    // The same code in text, for a door without a scanner.
    await expectText(card.locator('.ticket__code'), new RegExp(`^${decoded.replace('.', '\\.')}$`));
    await expectText(card.locator('.ticket'), /C3, C4/);
    await keyScreen(page, '27-mobile-ticket-korean-phone');
  }, { locale: 'ko-KR', viewport: PHONE, mobile: true });
});

test('staff check a ticket in once; a second scan says when it was used; forged and cancelled tickets are refused', async () => {
  const { screeningId } = await api.bookableScreening();
  const good = await confirmedBooking(screeningId, ['B5', 'B6']);
  const code = (await api.raw('GET', `/reservations/${good.id}/ticket`, { token: good.customer })).body.code;
  const gone = await confirmedBooking(screeningId, ['E1']);
  const goneCode = (await api.raw('GET', `/reservations/${gone.id}/ticket`, { token: gone.customer })).body.code;
  assert.equal((await api.cancel(gone.customer, gone.id)).status, 200);
  // One character changed in the signature: the booking exists, the signature does not match.
  const last = code.at(-1);
  const forged = code.slice(0, -1) + (last === 'A' ? 'B' : 'A');

  await withPage(browser, 'check-in', async (page) => {
    await signIn(page, api.unique('door'), { admin: true });
    await page.getByRole('link', { name: '입장 확인' }).click();
    await expectText(page.locator('h1'), /^입장 확인$/);
    const result = page.locator('#checkin-result');
    const scan = async (typed) => {
      const answer = page.waitForResponse((r) => r.url().endsWith('/api/admin/check-ins'));
      await page.getByLabel('티켓 코드').fill(typed);
      await page.getByRole('button', { name: '입장 확인', exact: true }).click();
      return (await answer).json();
    };

    const first = await scan(code);
    assert.equal(first.first_check_in, true);
    await expectText(result, /입장 가능합니다/);
    await expectText(result, /B5, B6/);
    assert.equal(await result.locator('[data-outcome]').getAttribute('data-outcome'), 'admitted');
    // Cleared and focused for the next customer.
    assert.equal(await page.getByLabel('티켓 코드').inputValue(), '');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'checkin-code');

    // Typed in lower case this time: the page reads it as the same code.
    const second = await scan(code.toLowerCase());
    assert.equal(second.first_check_in, false);
    assert.equal(second.checked_in_at, first.checked_in_at);
    await expectText(result, /이미 입장 처리된 티켓입니다 \(처음 입장: /);
    assert.equal(await result.locator('[data-outcome]').getAttribute('data-outcome'), 'already');

    assert.equal((await scan(forged)).error, 'invalid_ticket');
    await expectText(result, /입장할 수 없습니다[\s\S]*유효하지 않은 티켓입니다/);
    assert.equal(await result.getByRole('alert').getAttribute('data-code'), 'invalid_ticket');

    assert.equal((await scan(goneCode)).error, 'ticket_not_valid');
    await expectText(result, /취소되었거나 확정되지 않은 예매의 티켓입니다/);

    const history = page.locator('#checkin-history li');
    assert.deepEqual(await history.evaluateAll((items) => items.map((li) => li.dataset.outcome)),
      ['refused', 'refused', 'already', 'admitted']);
    // Without BarcodeDetector (Chromium on Linux has none) the page says to type the code.
    await expectText(page.locator('#checkin-no-camera'), /코드를 입력/);
    await keyScreen(page, '28-check-in-korean');
  }, { locale: 'ko-KR', ...refused(409, 422) });

  // What the door recorded is what the API says.
  const admin = await api.token('admin', ['admin']);
  const again = await api.raw('POST', '/admin/check-ins', { token: admin, body: { code } });
  assert.equal(again.body.first_check_in, false);
});

/**
 * The QR screenshot as a YUV4MPEG2 file Chromium plays as its fake camera: 640×480, the code in
 * the middle on white (luma from the pixels, no colour).
 */
function cameraFile(png, dir) {
  const image = PNG.sync.read(png);
  const [width, height] = [640, 480];
  const luma = Buffer.alloc(width * height, 235);
  const [left, top] = [(width - image.width) >> 1, (height - image.height) >> 1];
  for (let y = 0; y < image.height; y += 1) {
    for (let x = 0; x < image.width; x += 1) {
      const i = (y * image.width + x) * 4;
      const gray = 0.299 * image.data[i] + 0.587 * image.data[i + 1] + 0.114 * image.data[i + 2];
      luma[(top + y) * width + left + x] = Math.round(16 + (gray * 219) / 255);
    }
  }
  const chroma = Buffer.alloc((width / 2) * (height / 2) * 2, 128);
  const file = path.join(dir, 'ticket.y4m');
  writeFileSync(file, Buffer.concat([
    Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\nFRAME\n`), luma, chroma,
  ]));
  return file;
}

// Chromium on Linux has no BarcodeDetector (it uses the platform's barcode reader, which Linux
// lacks), so this test gives the page one built on jsQR, the decoder the other tests use. The
// camera, the video, the page's scanning loop and the check-in are the page's own.
const JSQR_SOURCE = readFileSync(createRequire(import.meta.url).resolve('jsqr'), 'utf8');
function barcodeDetectorFromJsQr() {
  // Also keeps the camera streams the page opens, to see that it stops them.
  window.cameraStreams = [];
  const open = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = async (constraints) => {
    const stream = await open(constraints);
    window.cameraStreams.push(stream);
    return stream;
  };
  window.BarcodeDetector = class {
    static async getSupportedFormats() { return ['qr_code']; }

    async detect(video) {
      const [w, h] = [video.videoWidth, video.videoHeight];
      if (!w || !h) return [];
      const canvas = new OffscreenCanvas(w, h);
      const context = canvas.getContext('2d', { willReadFrequently: true });
      context.drawImage(video, 0, 0, w, h);
      const found = window.jsQR(context.getImageData(0, 0, w, h).data, w, h);
      return found ? [{ format: 'qr_code', rawValue: found.data }] : [];
    }
  };
}

test('the staff page reads a ticket with the device camera', async () => {
  const { screeningId } = await api.bookableScreening();
  const booking = await confirmedBooking(screeningId, ['D7']);
  let png;
  await withPage(browser, 'camera-ticket', async (page) => {
    await signIn(page, booking.name);
    ({ png } = await openTicket(page, booking.id));
  }, { locale: 'ko-KR', viewport: PHONE, mobile: true });

  const dir = mkdtempSync(path.join(os.tmpdir(), 'cinema-camera-'));
  const camera = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${cameraFile(png, dir)}`],
  });
  try {
    const context = await camera.newContext({ baseURL: BASE_URL, locale: 'ko-KR', timezoneId: 'Asia/Seoul' });
    context.setDefaultTimeout(15_000);
    await context.addInitScript({ content: `${JSQR_SOURCE}\n;(${barcodeDetectorFromJsQr})();` });
    const page = await context.newPage();
    await signIn(page, api.unique('door'), { admin: true });
    await page.goto('/staff/check-in');
    const answer = page.waitForResponse((r) => r.url().endsWith('/api/admin/check-ins'));
    await page.getByRole('button', { name: '카메라로 스캔' }).click();
    await page.locator('#checkin-video').waitFor({ state: 'visible' });
    const checked = await (await answer).json();
    assert.equal(checked.reservation_id, booking.id);
    assert.equal(checked.first_check_in, true);
    await expectText(page.locator('#checkin-result'), /입장 가능합니다[\s\S]*D7/);
    // Leaving the page turns the camera off.
    const live = () => page.evaluate(() => window.cameraStreams.flatMap((s) => s.getTracks()).map((t) => t.readyState));
    assert.deepEqual(await live(), ['live']);
    await page.getByRole('link', { name: '영화', exact: true }).click();
    await expectText(page.locator('h1'), /^현재 상영작$/);
    assert.deepEqual(await live(), ['ended']);
  } finally {
    await camera.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
