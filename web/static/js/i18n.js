// Language, words and formats. Every user-visible string lives in one dictionary per language
// (i18n/en.js, i18n/ko.js); the choice is kept in localStorage.

import en from './i18n/en.js';
import ko from './i18n/ko.js';
import { deviceDiffers, venueZone } from './venue.js';

export const DICTIONARIES = { en, ko };
const KEY = 'cinema.lang';
const listeners = new Set();
let lang = initialLanguage();

function initialLanguage() {
  let saved = null;
  try {
    saved = localStorage.getItem(KEY);
  } catch {
    saved = null;
  }
  // Korean unless the customer chose otherwise (here, or in their account's preferences).
  return saved && saved in DICTIONARIES ? saved : 'ko';
}

export const language = () => lang;

/** Did someone choose the language in this browser (rather than it being the default)? */
export function chosenHere() {
  try {
    return localStorage.getItem(KEY) in DICTIONARIES;
  } catch {
    return false;
  }
}

/** `origin`: 'user' (the switch) or 'account' (the signed-in customer's stored preference). */
export function setLanguage(next, origin = 'user') {
  if (!(next in DICTIONARIES) || next === lang) return;
  lang = next;
  try {
    localStorage.setItem(KEY, next);
  } catch {
    // Private mode: the choice lasts for this page only.
  }
  document.documentElement.lang = next;
  listeners.forEach((f) => f(next, origin));
}

export const onLanguageChange = (f) => listeners.add(f);

/** t('seats.left', { left: 3, total: 40 }) — `{name}` placeholders are filled from `params`. */
export function t(key, params = {}) {
  const text = DICTIONARIES[lang][key] ?? DICTIONARIES.en[key];
  if (text === undefined) {
    console.warn(`missing text: ${key}`);
    return key;
  }
  return text.replace(/\{(\w+)\}/g, (match, name) => (name in params ? String(params[name]) : match));
}

/** Plural-aware: looks up `key.one`, `key.other`… by the language's plural rules. */
export function tn(key, count, params = {}) {
  const form = new Intl.PluralRules(locale()).select(count);
  const dict = DICTIONARIES[lang];
  const chosen = `${key}.${form}` in dict ? `${key}.${form}` : `${key}.other`;
  return t(chosen, { count, ...params });
}

/** The locale for numbers and dates: Korean, or the browser's own English variant. */
export function locale() {
  if (lang === 'ko') return 'ko-KR';
  const browser = navigator.language ?? 'en-US';
  return browser.toLowerCase().startsWith('en') ? browser : 'en-US';
}

/** {amount (minor units), currency} → "₩24,000". */
export function money(value) {
  if (!value || typeof value.amount !== 'number') return '—';
  const currency = value.currency || 'KRW';
  const format = new Intl.NumberFormat(locale(), { style: 'currency', currency, currencyDisplay: 'narrowSymbol' });
  const digits = format.resolvedOptions().maximumFractionDigits;
  return format.format(value.amount / 10 ** digits);
}

const formats = new Map();
function format(options) {
  const key = `${locale()}|${venueZone()}|${JSON.stringify(options)}`;
  if (!formats.has(key)) formats.set(key, new Intl.DateTimeFormat(locale(), { timeZone: venueZone(), ...options }));
  return formats.get(key);
}

const CLOCK = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
/** Zone abbreviations people know, where the locale data has only "GMT+9". */
const ABBREVIATIONS = { 'Asia/Seoul': 'KST' };

/** The venue's zone by name ("KST", "대한민국 시간"), for a reader whose device clock differs. */
export function zoneName(date) {
  if (lang === 'en' && ABBREVIATIONS[venueZone()]) return ABBREVIATIONS[venueZone()];
  const style = lang === 'ko' ? 'shortGeneric' : 'short';
  const part = format({ timeZoneName: style }).formatToParts(date).find((p) => p.type === 'timeZoneName');
  return part?.value ?? venueZone();
}

/** " (KST)" when the device's clock differs from the venue's at that instant, else "". */
function zoneSuffix(date) {
  // No line break inside the name ("대한민국 시간"): it wraps whole, after the time.
  return deviceDiffers(date.getTime()) ? t('time.zone', { zone: zoneName(date).replace(/ /g, '\u00a0') }) : '';
}

const parse = (iso) => {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : date;
};

/** "12월 6일 (일)" / "Sun, Dec 6" on the venue's calendar. */
export function day(iso) {
  const date = parse(iso);
  if (!date) return iso ?? '—';
  return format({ weekday: 'short', month: lang === 'ko' ? 'long' : 'short', day: 'numeric' }).format(date);
}

/** { weekday: "월" / "Mon", day: "7", month: "12" } of an instant (ms) on the venue's calendar. */
export function dayParts(ms) {
  const parts = format({ weekday: 'short', month: 'numeric', day: 'numeric' }).formatToParts(new Date(ms));
  const part = (type) => parts.find((p) => p.type === type)?.value ?? '';
  return { weekday: part('weekday'), day: part('day'), month: part('month') };
}

/** An RFC 3339 instant on the venue's clock, with the zone named where the device's differs. */
export function dateTime(iso) {
  const date = parse(iso);
  if (!date) return iso ?? '—';
  return `${format({ weekday: 'short', year: 'numeric', month: 'short', day: 'numeric', ...CLOCK }).format(date)}${zoneSuffix(date)}`;
}

/** "19:00~21:21" on the venue's clock (the end from the runtime, when known), zone named if needed. */
export function showtimeRange(iso, runtimeMin) {
  const date = parse(iso);
  if (!date) return iso ?? '—';
  const clock = format(CLOCK);
  const end = Number.isFinite(runtimeMin) && runtimeMin > 0 ? new Date(date.getTime() + runtimeMin * 60_000) : null;
  const range = end ? t('time.range', { start: clock.format(date), end: clock.format(end) }) : clock.format(date);
  return `${range}${zoneSuffix(date)}`;
}

/** "12월 6일 (일) 19:00~21:21": a showtime with its day. */
export function showtime(iso, runtimeMin) {
  return parse(iso) ? `${day(iso)} ${showtimeRange(iso, runtimeMin)}` : (iso ?? '—');
}

/** "12월 6일 19:00" on the venue's clock, zone named if needed (a deadline). */
export function dayAndTime(iso) {
  const date = parse(iso);
  if (!date) return iso ?? '—';
  return `${format({ month: lang === 'ko' ? 'long' : 'short', day: 'numeric' }).format(date)} ${format(CLOCK).format(date)}${zoneSuffix(date)}`;
}

const CLOCK_SECONDS = { ...CLOCK, second: '2-digit' };

/** "19:00:05" on the venue's clock (an instant in ms or RFC 3339), zone named if needed. */
export function clockTime(instant) {
  const date = instant == null ? null : parse(instant);
  if (!date) return instant ?? '—';
  return `${format(CLOCK_SECONDS).format(date)}${zoneSuffix(date)}`;
}

/** "12월 6일 19:00:05" on the venue's clock, zone named if needed (an operations timestamp). */
export function dayAndClock(instant) {
  const date = instant == null ? null : parse(instant);
  if (!date) return instant ?? '—';
  return `${format({ month: lang === 'ko' ? 'long' : 'short', day: 'numeric' }).format(date)} ${format(CLOCK_SECONDS).format(date)}${zoneSuffix(date)}`;
}

export const statusText = (status) => t(`status.${status}`);
