// The age rating as Korean cinemas draw it: a round badge, green ALL, blue 12, orange 15, red 18
// (청소년관람불가), with the full name for screen readers and on hover.

import { h } from '../dom.js';
import { t } from '../i18n.js';

export const RATINGS = ['ALL', '12', '15', '18'];

/** A movie without a rating (from before ratings) is ALL, as the server defaults it. */
export const ratingOf = (movie) => (RATINGS.includes(String(movie?.age_rating)) ? String(movie.age_rating) : 'ALL');

export function ratingBadge(rating, { large = false } = {}) {
  const name = t(`rating.name.${rating}`);
  return h('span', { class: `rating${large ? ' rating--large' : ''}`, dataset: { rating }, title: name },
    h('span', { 'aria-hidden': 'true' }, t(`rating.short.${rating}`)),
    h('span', { class: 'visually-hidden' }, name));
}
