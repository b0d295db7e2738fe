// What the operations page shows, read from the metrics (prometheus.js families): each context's
// state, each consumer group's lag and pending entries, the payment breaker, the backlogs, and
// every other metric as it came. Pure (no DOM), so the page's drawing never guesses at names.

import { samplesOf, valueOf } from '../prometheus.js';

/** The metrics this page draws by name; any other is listed as it came ("Other metrics"). */
export const KNOWN = new Set([
  'cinema_context_up', 'cinema_outbox_pending', 'cinema_dead_letters', 'cinema_consumer_group_lag',
  'cinema_consumer_group_pending', 'cinema_event_stream_up', 'cinema_payment_breaker_state',
  'cinema_payment_breaker_failures', 'cinema_chat_deliveries_pending',
]);

const finite = (value) => (Number.isFinite(value) ? value : null);

/** label value → sample value of metric `name`, in the order the samples came. */
function byLabel(families, name, label) {
  const out = new Map();
  for (const sample of samplesOf(families, name)) {
    if (sample.labels[label] !== undefined && !out.has(sample.labels[label])) out.set(sample.labels[label], finite(sample.value));
  }
  return out;
}

const sum = (values) => values.reduce((n, v) => n + (v ?? 0), 0);

/**
 * {
 *   contexts: [{ id, up (true | false | null), outbox (null: keeps none), deadLetters }],
 *   groups: [{ id, lag (null: Redis cannot tell), pending }],
 *   streamUp, breaker: { state | null, failures | null }, chatPending,
 *   totals: { contexts, contextsUp, deadLetters, outbox }, others: [family…]
 * }
 */
export function figures(families) {
  const up = byLabel(families, 'cinema_context_up', 'context');
  const outbox = byLabel(families, 'cinema_outbox_pending', 'context');
  const dead = byLabel(families, 'cinema_dead_letters', 'context');
  const ids = [...new Set([...up.keys(), ...dead.keys(), ...outbox.keys()])];
  const contexts = ids.map((id) => ({
    id,
    up: up.has(id) ? up.get(id) === 1 : null,
    outbox: outbox.get(id) ?? null,
    deadLetters: dead.get(id) ?? null,
  }));
  const lag = byLabel(families, 'cinema_consumer_group_lag', 'group');
  const pending = byLabel(families, 'cinema_consumer_group_pending', 'group');
  const groups = [...new Set([...pending.keys(), ...lag.keys()])].sort()
    .map((id) => ({ id, lag: lag.get(id) ?? null, pending: pending.get(id) ?? null }));
  const breaker = samplesOf(families, 'cinema_payment_breaker_state')[0];
  const streamUp = valueOf(families, 'cinema_event_stream_up');
  return {
    contexts,
    groups,
    streamUp: streamUp === undefined ? null : streamUp === 1,
    breaker: { state: breaker?.labels.state ?? null, failures: finite(valueOf(families, 'cinema_payment_breaker_failures')) ?? null },
    chatPending: finite(valueOf(families, 'cinema_chat_deliveries_pending')) ?? null,
    totals: {
      contexts: contexts.filter((c) => c.up !== null).length,
      contextsUp: contexts.filter((c) => c.up).length,
      deadLetters: sum([...dead.values()]),
      outbox: sum([...outbox.values()]),
    },
    others: [...families.values()].filter((family) => !KNOWN.has(family.name)),
  };
}
