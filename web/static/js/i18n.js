// Language, words and formats. Every user-visible string lives in one dictionary per language
// (i18n/en.js, i18n/ko.js); the choice is kept in localStorage.

import en from './i18n/en.js';
import ko from './i18n/ko.js';

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
  if (saved && saved in DICTIONARIES) return saved;
  const preferred = navigator.languages?.length ? navigator.languages : [navigator.language];
  return preferred.some((l) => l?.toLowerCase().startsWith('ko')) ? 'ko' : 'en';
}

export const language = () => lang;

export function setLanguage(next) {
  if (!(next in DICTIONARIES) || next === lang) return;
  lang = next;
  try {
    localStorage.setItem(KEY, next);
  } catch {
    // Private mode: the choice lasts for this page only.
  }
  document.documentElement.lang = next;
  listeners.forEach((f) => f(next));
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

/** An RFC 3339 instant in the reader's time zone and language. */
export function dateTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso ?? '—';
  return new Intl.DateTimeFormat(locale(), {
    weekday: 'short', year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit',
  }).format(date);
}

export function time(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso ?? '—';
  return new Intl.DateTimeFormat(locale(), { hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(date);
}

export const statusText = (status) => t(`status.${status}`);
