// What the operations page reads out of the metrics (static/js/views/opsfigures.js), no browser:
// contexts in the gateway's order with their backlogs, consumer groups with unknown lag kept
// apart from 0, the breaker, totals, and every metric the page does not draw by name.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseExposition } from '../static/js/prometheus.js';
import { figures } from '../static/js/views/opsfigures.js';

const TEXT = `# HELP cinema_chat_deliveries_pending Chat messages whose delivery is not settled yet.
# TYPE cinema_chat_deliveries_pending gauge
cinema_chat_deliveries_pending{context="notification"} 2
# HELP cinema_consumer_group_lag Entries not yet delivered.
# TYPE cinema_consumer_group_lag gauge
cinema_consumer_group_lag{group="theater"} 0
cinema_consumer_group_lag{group="mypage"} 4
# HELP cinema_consumer_group_pending Delivered, not acknowledged.
# TYPE cinema_consumer_group_pending gauge
cinema_consumer_group_pending{group="catalog"} 1
cinema_consumer_group_pending{group="mypage"} 0
cinema_consumer_group_pending{group="theater"} 0
# HELP cinema_context_up Answered.
# TYPE cinema_context_up gauge
cinema_context_up{context="reservation"} 1
cinema_context_up{context="payment"} 1
cinema_context_up{context="mypage"} 0
# HELP cinema_dead_letters Parked events.
# TYPE cinema_dead_letters gauge
cinema_dead_letters{context="mypage"} 0
cinema_dead_letters{context="payment"} 0
cinema_dead_letters{context="reservation"} 3
# HELP cinema_event_stream_up Readable.
# TYPE cinema_event_stream_up gauge
cinema_event_stream_up 1
# HELP cinema_outbox_pending Outbox rows not yet relayed.
# TYPE cinema_outbox_pending gauge
cinema_outbox_pending{context="reservation"} 5
cinema_outbox_pending{context="payment"} 0
# HELP cinema_payment_breaker_failures Consecutive failures.
# TYPE cinema_payment_breaker_failures gauge
cinema_payment_breaker_failures{context="reservation"} 2
# HELP cinema_payment_breaker_state The breaker.
# TYPE cinema_payment_breaker_state gauge
cinema_payment_breaker_state{context="reservation",state="closed"} 0
# HELP cinema_reports_events_applied_total Events applied.
# TYPE cinema_reports_events_applied_total counter
cinema_reports_events_applied_total{context="reports"} 12
`;

test('the page reads contexts, consumer groups, the breaker and the backlogs from the metrics', () => {
  const f = figures(parseExposition(TEXT));
  assert.deepEqual(f.contexts, [
    { id: 'reservation', up: true, outbox: 5, deadLetters: 3 },
    { id: 'payment', up: true, outbox: 0, deadLetters: 0 },
    { id: 'mypage', up: false, outbox: null, deadLetters: 0 },
  ]);
  // catalog's lag is unknown to Redis (entries deleted): null, not 0.
  assert.deepEqual(f.groups, [
    { id: 'catalog', lag: null, pending: 1 },
    { id: 'mypage', lag: 4, pending: 0 },
    { id: 'theater', lag: 0, pending: 0 },
  ]);
  assert.equal(f.streamUp, true);
  assert.deepEqual(f.breaker, { state: 'closed', failures: 2 });
  assert.equal(f.chatPending, 2);
  assert.deepEqual(f.totals, { contexts: 3, contextsUp: 2, deadLetters: 3, outbox: 5 });
  assert.deepEqual(f.others.map((family) => family.name), ['cinema_reports_events_applied_total']);
});

test('an empty answer says nothing is known rather than all is well', () => {
  const f = figures(parseExposition(''));
  assert.deepEqual([f.contexts, f.groups, f.others], [[], [], []]);
  assert.equal(f.streamUp, null);
  assert.deepEqual(f.breaker, { state: null, failures: null });
  assert.equal(f.chatPending, null);
});
