// The venue's time zone. Every showtime is shown in it and staff enter showtimes in it, whatever
// zone the device is set to: a 19:00 show reads 19:00 on a phone set to UTC too. The zone comes
// from the web component's /config.json (Spin variable `venue_timezone`); Asia/Seoul without it.

export const DEFAULT_ZONE = 'Asia/Seoul';
let zone = DEFAULT_ZONE;

export const venueZone = () => zone;

/** Reads /config.json once at start-up; any trouble keeps the default. */
export async function loadVenueZone() {
  try {
    const response = await fetch('/config.json', { headers: { accept: 'application/json' }, cache: 'no-store' });
    if (!response.ok) return zone;
    const configured = (await response.json())?.venue_timezone;
    if (typeof configured === 'string' && isZone(configured)) zone = configured;
  } catch {
    // Offline or an older component: the default zone.
  }
  return zone;
}

export function setVenueZone(next) {
  if (isZone(next)) zone = next;
}

function isZone(name) {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name }).format(0);
    return true;
  } catch {
    return false;
  }
}

const clocks = new Map();
function clock(timeZone) {
  if (!clocks.has(timeZone)) {
    clocks.set(timeZone, new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    }));
  }
  return clocks.get(timeZone);
}

/** The wall clock in `timeZone` at an instant (ms): { year, month, day, hour, minute, second }. */
export function wallClock(ms, timeZone = zone) {
  const parts = Object.fromEntries(clock(timeZone).formatToParts(new Date(ms))
    .filter((p) => p.type !== 'literal').map((p) => [p.type, Number(p.value)]));
  return { year: parts.year, month: parts.month, day: parts.day, hour: parts.hour % 24, minute: parts.minute, second: parts.second };
}

/** The zone's offset from UTC in minutes at an instant (+540 for Seoul). */
export function offsetMinutes(ms, timeZone = zone) {
  const w = wallClock(ms, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60_000);
}

/** Would a reader on this device see a different clock than the venue's at that instant? */
export function deviceDiffers(ms, timeZone = zone) {
  return offsetMinutes(ms, timeZone) !== -new Date(ms).getTimezoneOffset();
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/**
 * A wall-clock time in `timeZone` ("2026-12-06T19:00", a `datetime-local` value) → the instant
 * (ms), or NaN. The offset is the one in force at that local time, so summer and winter times
 * both come out right. A time skipped by a spring-forward gap moves forward by the gap; a time
 * that happens twice (autumn) is the first one (as Temporal's "compatible").
 */
export function localToInstant(local, timeZone = zone) {
  const m = LOCAL.exec(local ?? '');
  if (!m) return NaN;
  const [year, month, day, hour, minute, second = 0] = m.slice(1).map((x) => Number(x ?? 0));
  const asUtc = Date.UTC(year, month - 1, day, hour, minute, second);
  const same = (ms) => {
    const w = wallClock(ms, timeZone);
    return w.year === year && w.month === month && w.day === day && w.hour === hour && w.minute === minute;
  };
  const before = offsetMinutes(asUtc - 12 * 3600_000, timeZone);
  const after = offsetMinutes(asUtc + 12 * 3600_000, timeZone);
  const candidates = [...new Set([before, after, offsetMinutes(asUtc, timeZone)])]
    .map((offset) => asUtc - offset * 60_000)
    .filter(same)
    .sort((a, b) => a - b);
  if (candidates.length) return candidates[0];
  return asUtc - before * 60_000;
}

const pad = (n, width = 2) => String(n).padStart(width, '0');

/** "+09:00" for +540. */
export function offsetText(minutes) {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** An instant as RFC 3339 with the venue's offset: "2026-12-06T19:00:00+09:00". */
export function rfc3339(ms, timeZone = zone) {
  const w = wallClock(ms, timeZone);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}${offsetText(offsetMinutes(ms, timeZone))}`;
}

/** A venue wall-clock `datetime-local` value → RFC 3339 with the offset; '' when it is not a time. */
export function localToRfc3339(local, timeZone = zone) {
  const ms = localToInstant(local, timeZone);
  return Number.isNaN(ms) ? '' : rfc3339(ms, timeZone);
}

/** An instant as a `datetime-local` value on the venue's clock ("2026-12-06T19:00"). */
export function inputValue(ms, timeZone = zone) {
  const w = wallClock(ms, timeZone);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}`;
}

/** Tomorrow at `hour`:00 on the venue's clock. */
export function tomorrowAt(hour, timeZone = zone, now = Date.now()) {
  const today = wallClock(now, timeZone);
  const next = new Date(Date.UTC(today.year, today.month - 1, today.day + 1));
  const local = `${next.getUTCFullYear()}-${pad(next.getUTCMonth() + 1)}-${pad(next.getUTCDate())}T${pad(hour)}:00`;
  return localToInstant(local, timeZone);
}

/** The venue's calendar day of an instant: "2026-12-06". */
export function venueDay(ms, timeZone = zone) {
  const w = wallClock(ms, timeZone);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}`;
}

/** The calendar day `n` days after "2026-12-06" (plain date arithmetic, no zone involved). */
export function addDays(dayKey, n) {
  const [year, month, day] = dayKey.split('-').map(Number);
  const next = new Date(Date.UTC(year, month - 1, day + n));
  return `${next.getUTCFullYear()}-${pad(next.getUTCMonth() + 1)}-${pad(next.getUTCDate())}`;
}

/** Noon of a venue day as an instant (a safe moment to name its weekday). */
export const dayNoon = (dayKey, timeZone = zone) => localToInstant(`${dayKey}T12:00`, timeZone);
