// The venue clock (static/js/venue.js) without a browser: a wall-clock time entered for the
// venue becomes the right instant and offset, in zones with summer time too.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inputValue, localToRfc3339, offsetMinutes, tomorrowAt } from '../static/js/venue.js';

test('19:00 in Seoul is 10:00Z, written with +09:00', () => {
  assert.equal(localToRfc3339('2026-12-06T19:00', 'Asia/Seoul'), '2026-12-06T19:00:00+09:00');
  assert.equal(Date.parse(localToRfc3339('2026-12-06T19:00', 'Asia/Seoul')), Date.UTC(2026, 11, 6, 10));
  assert.equal(inputValue(Date.UTC(2026, 11, 6, 10), 'Asia/Seoul'), '2026-12-06T19:00');
});

test('zones with summer time use the offset in force at that local time', () => {
  assert.equal(localToRfc3339('2026-07-01T19:00', 'America/Los_Angeles'), '2026-07-01T19:00:00-07:00');
  assert.equal(localToRfc3339('2026-12-01T19:00', 'America/Los_Angeles'), '2026-12-01T19:00:00-08:00');
  assert.equal(localToRfc3339('2026-07-01T19:00', 'Europe/Berlin'), '2026-07-01T19:00:00+02:00');
  assert.equal(localToRfc3339('2026-12-06T19:00', 'Asia/Kolkata'), '2026-12-06T19:00:00+05:30');
  assert.equal(offsetMinutes(Date.UTC(2026, 6, 1), 'America/Los_Angeles'), -420);
});

test('a time skipped in spring moves forward; a time that happens twice in autumn is the first', () => {
  // 2026-03-08 02:30 does not exist in Los Angeles (02:00 → 03:00).
  assert.equal(localToRfc3339('2026-03-08T02:30', 'America/Los_Angeles'), '2026-03-08T03:30:00-07:00');
  // 2026-11-01 01:30 happens at -07:00 and again at -08:00.
  assert.equal(localToRfc3339('2026-11-01T01:30', 'America/Los_Angeles'), '2026-11-01T01:30:00-07:00');
  assert.equal(localToRfc3339('2026-10-25T02:30', 'Europe/Berlin'), '2026-10-25T02:30:00+02:00');
});

test('tomorrow evening is on the venue calendar, not the device one', () => {
  // 16:00Z on 5 December is already 01:00 on 6 December in Seoul: "tomorrow" is 7 December there.
  const now = Date.UTC(2026, 11, 5, 16);
  assert.equal(inputValue(tomorrowAt(19, 'Asia/Seoul', now), 'Asia/Seoul'), '2026-12-07T19:00');
  assert.equal(inputValue(tomorrowAt(19, 'UTC', now), 'UTC'), '2026-12-06T19:00');
});

test('what is not a wall-clock time converts to nothing', () => {
  assert.equal(localToRfc3339('', 'Asia/Seoul'), '');
  assert.equal(localToRfc3339('tomorrow', 'Asia/Seoul'), '');
});
