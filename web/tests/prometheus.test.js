// The operations page's reader of the Prometheus text format (static/js/prometheus.js), no
// browser: what the gateway writes (gateway_core::metrics: HELP and TYPE once per metric, escaped
// label values, NaN/±Inf) reads back exactly; anything the format does not allow is refused with
// its line number.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExpositionError, parseExposition, samplesOf, valueOf } from '../static/js/prometheus.js';

// As the gateway renders it (components/gateway/core/src/metrics.rs tests).
const GATEWAY = [
  '# HELP cinema_consumer_group_lag Entries of the event stream not yet delivered to the consumer group.',
  '# TYPE cinema_consumer_group_lag gauge',
  'cinema_consumer_group_lag{group="mypage"} 3',
  'cinema_consumer_group_lag{group="theater"} 0',
  '# HELP cinema_context_up Answered.',
  '# TYPE cinema_context_up gauge',
  'cinema_context_up{context="payment"} 1',
  'cinema_context_up{context="mypage"} 0',
  '# HELP cinema_event_stream_up Whether the gateway could read the stream.',
  '# TYPE cinema_event_stream_up gauge',
  'cinema_event_stream_up 1',
  '# HELP cinema_payment_breaker_state The payment circuit breaker: 0 closed, 1 half-open (one probe under way), 2 open.',
  '# TYPE cinema_payment_breaker_state gauge',
  'cinema_payment_breaker_state{context="reservation",state="open"} 2',
  '# HELP cinema_x A \\\\ help\\nover two lines with "quotes".',
  '# TYPE cinema_x counter',
  'cinema_x{group="a\\\\b \\"c\\"\\nd"} 1.5',
  '# HELP cinema_y Y.',
  '# TYPE cinema_y gauge',
  'cinema_y{n="nan"} NaN',
  'cinema_y{n="inf"} +Inf',
  'cinema_y{n="-inf"} -Inf',
  'cinema_y{n="big"} 12345678',
  '',
].join('\n');

test('what the gateway writes reads back: families in order, help, type, labels and values', () => {
  const families = parseExposition(GATEWAY);
  assert.deepEqual([...families.keys()], [
    'cinema_consumer_group_lag', 'cinema_context_up', 'cinema_event_stream_up', 'cinema_payment_breaker_state', 'cinema_x', 'cinema_y',
  ]);
  const lag = families.get('cinema_consumer_group_lag');
  assert.equal(lag.type, 'gauge');
  assert.equal(lag.help, 'Entries of the event stream not yet delivered to the consumer group.');
  assert.deepEqual(lag.samples.map((s) => [s.labels.group, s.value]), [['mypage', 3], ['theater', 0]]);
  assert.equal(valueOf(families, 'cinema_context_up', { context: 'mypage' }), 0);
  assert.equal(valueOf(families, 'cinema_event_stream_up'), 1);
  assert.deepEqual(samplesOf(families, 'cinema_payment_breaker_state')[0].labels, { context: 'reservation', state: 'open' });
  assert.equal(valueOf(families, 'cinema_missing'), undefined);
  assert.deepEqual(samplesOf(families, 'cinema_missing'), []);

  const x = families.get('cinema_x');
  assert.equal(x.type, 'counter');
  assert.equal(x.help, 'A \\ help\nover two lines with "quotes".');
  assert.equal(x.samples[0].labels.group, 'a\\b "c"\nd');
  assert.equal(x.samples[0].value, 1.5);
  const y = Object.fromEntries(families.get('cinema_y').samples.map((s) => [s.labels.n, s.value]));
  assert.ok(Number.isNaN(y.nan));
  assert.equal(y.inf, Infinity);
  assert.equal(y['-inf'], -Infinity);
  assert.equal(y.big, 12345678);
});

test('what the format allows besides: comments, blank lines, no HELP or TYPE, timestamps, a trailing comma, histograms', () => {
  const families = parseExposition([
    '# a comment',
    '',
    'plain 1 1733400000000',
    '# TYPE spaced gauge',
    'spaced{ a = "1" , b="2", } -2.5e3',
    '# HELP h Latency.',
    '# TYPE h histogram',
    'h_bucket{le="0.1"} 1',
    'h_bucket{le="+Inf"} 2',
    'h_sum 0.3',
    'h_count 2',
    'empty{} .5',
    '',
  ].join('\n'));
  assert.deepEqual([...families.keys()], ['plain', 'spaced', 'h', 'empty']);
  const plain = families.get('plain');
  assert.deepEqual([plain.type, plain.help, plain.samples[0].value, plain.samples[0].timestamp], ['untyped', null, 1, 1733400000000]);
  assert.deepEqual(families.get('spaced').samples[0].labels, { a: '1', b: '2' });
  assert.equal(valueOf(families, 'spaced'), -2500);
  assert.deepEqual(families.get('h').samples.map((s) => s.name), ['h_bucket', 'h_bucket', 'h_sum', 'h_count']);
  assert.equal(valueOf(families, 'h_count'), 2);
  assert.equal(valueOf(families, 'empty'), 0.5);
  assert.equal(parseExposition('').size, 0);
});

test('anything else is refused with its line', () => {
  const refused = [
    ['no final line feed', 'a 1', 1],
    ['a second HELP', '# HELP a A\n# HELP a A\na 1\n', 2],
    ['a second TYPE', '# TYPE a gauge\n# TYPE a gauge\n', 2],
    ['TYPE after the samples', 'a 1\n# TYPE a gauge\n', 2],
    ['an unknown type', '# TYPE a meter\n', 1],
    ['TYPE without a type', '# TYPE a\n', 1],
    ['HELP without a name', '# HELP\n', 1],
    ['a metric split by another', 'a 1\nb 1\na{x="1"} 2\n', 3],
    ['HELP of a metric already left', 'a 1\nb 1\n# HELP a A\n', 3],
    ['the same series twice', 'a{x="1",y="2"} 1\na{y="2",x="1"} 2\n', 2],
    ['a value that is not a number', 'a one\n', 1],
    ['a hexadecimal value', 'a 0x10\n', 1],
    ['no value', 'a{x="1"}\n', 1],
    ['no space before the value', 'a{x="1"}1\n', 1],
    ['a timestamp that is not an integer', 'a 1 1.5\n', 1],
    ['more after the timestamp', 'a 1 2 3\n', 1],
    ['a bad escape in a label value', 'a{x="\\q"} 1\n', 1],
    ['a bad escape in HELP', '# HELP a \\t\n', 1],
    ['an unclosed label value', 'a{x="1} 1\n', 1],
    ['an unclosed label set', 'a{x="1" 1\n', 1],
    ['a label name starting with a digit', 'a{1x="1"} 1\n', 1],
    ['a label without quotes', 'a{x=1} 1\n', 1],
    ['a label twice', 'a{x="1",x="2"} 1\n', 1],
    ['a bad metric name', '1a 1\n', 1],
    ['a name with a dash', 'cinema-a 1\n', 1],
    ['a carriage return', 'a 1\r\n', 1],
    ['garbage on a later line', '# HELP a A\n# TYPE a gauge\na 1\n<html>\n', 4],
  ];
  for (const [what, text, line] of refused) {
    assert.throws(() => parseExposition(text), (error) => {
      assert.ok(error instanceof ExpositionError, what);
      assert.equal(error.line, line, `${what}: ${error.message}`);
      return true;
    }, what);
  }
  assert.throws(() => parseExposition(null), ExpositionError);
});
