// The Prometheus text exposition format (0.0.4), as GET /api/admin/metrics answers it, read
// strictly: a line that is not a comment, `# HELP`, `# TYPE` or a well-formed sample is an error
// naming its line, and so are a second HELP or TYPE for a metric, a TYPE after the metric's first
// sample, the samples of one metric split by another's, a repeated series, and a bad escape. The
// page shows what it could not read instead of guessing. No DOM here: unit-tested under node.

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const FLOAT = /^[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)$/;
const SPECIAL = { NaN: NaN, '+Inf': Infinity, Inf: Infinity, '-Inf': -Infinity };
/** The sample names a family of each type owns besides its own name. */
const SUFFIXES = { histogram: ['_bucket', '_sum', '_count'], summary: ['_sum', '_count'] };

export class ExpositionError extends Error {
  constructor(line, message) {
    super(`line ${line}: ${message}`);
    this.name = 'ExpositionError';
    this.line = line;
  }
}

/**
 * `text` → Map of metric name → { name, help, type, samples: [{ name, labels, value, timestamp }] },
 * in the order the metrics came. `type` is 'untyped' and `help` null when the text has none.
 * @throws {ExpositionError}
 */
export function parseExposition(text) {
  if (typeof text !== 'string') throw new ExpositionError(0, 'not text');
  if (text !== '' && !text.endsWith('\n')) throw new ExpositionError(text.split('\n').length, 'the last line has no line feed');
  const families = new Map();
  const closed = new Set(); // metrics another metric's lines came after
  const series = new Set();
  let current = null;
  const lines = text.split('\n');
  lines.pop(); // after the final line feed
  const enter = (name, n) => {
    if (current?.name === name) return current;
    if (closed.has(name)) throw new ExpositionError(n, `the lines of ${name} are not together`);
    if (current) closed.add(current.name);
    current = families.get(name) ?? { name, help: null, type: 'untyped', typed: false, samples: [] };
    families.set(name, current);
    return current;
  };
  lines.forEach((line, i) => {
    const n = i + 1;
    if (line.includes('\r')) throw new ExpositionError(n, 'a carriage return');
    if (/^[ \t]*$/.test(line)) return;
    if (line.startsWith('#')) {
      const [, keyword, rest = ''] = /^#[ \t]+(HELP|TYPE)(?:[ \t]+(.*))?$/.exec(line) ?? [];
      if (!keyword) return; // a plain comment
      const name = METRIC_NAME.exec(rest)?.[0];
      if (!name || (rest.length > name.length && !/^[ \t]/.test(rest.slice(name.length)))) {
        throw new ExpositionError(n, `${keyword} without a metric name`);
      }
      const after = rest.slice(name.length).replace(/^[ \t]/, '');
      const family = enter(name, n);
      if (keyword === 'HELP') {
        if (family.help !== null) throw new ExpositionError(n, `a second HELP for ${name}`);
        family.help = unescape(after, n, false);
      } else {
        const type = after.trim();
        if (!TYPES.has(type)) throw new ExpositionError(n, `unknown type ${JSON.stringify(type)} for ${name}`);
        if (family.typed) throw new ExpositionError(n, `a second TYPE for ${name}`);
        if (family.samples.length) throw new ExpositionError(n, `TYPE for ${name} after its samples`);
        family.type = type;
        family.typed = true;
      }
      return;
    }
    const sample = parseSample(line, n);
    const family = enter(familyName(sample.name, current), n);
    const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort(([a], [b]) => (a < b ? -1 : 1)))}`;
    if (series.has(key)) throw new ExpositionError(n, `${sample.name} with these labels again`);
    series.add(key);
    family.samples.push(sample);
  });
  for (const family of families.values()) delete family.typed;
  return families;
}

/** The metric a sample belongs to: a histogram's or summary's own `_sum`, `_count`, `_bucket`. */
function familyName(sampleName, current) {
  const suffixes = current ? SUFFIXES[current.type] ?? [] : [];
  if (suffixes.some((s) => sampleName === `${current.name}${s}`)) return current.name;
  return sampleName;
}

function parseSample(line, n) {
  const name = METRIC_NAME.exec(line)?.[0];
  if (!name) throw new ExpositionError(n, 'not a sample, HELP, TYPE or comment');
  let rest = line.slice(name.length);
  const labels = {};
  if (rest.startsWith('{')) {
    rest = rest.slice(1);
    for (;;) {
      rest = rest.replace(/^[ \t]+/, '');
      if (rest.startsWith('}')) break;
      const label = LABEL_NAME.exec(rest)?.[0];
      if (!label) throw new ExpositionError(n, `a bad label name in ${name}`);
      rest = rest.slice(label.length).replace(/^[ \t]+/, '');
      if (!rest.startsWith('="') && !/^=[ \t]*"/.test(rest)) throw new ExpositionError(n, `label ${label} without ="value"`);
      rest = rest.slice(rest.indexOf('"') + 1);
      const end = closingQuote(rest);
      if (end < 0) throw new ExpositionError(n, `label ${label}'s value has no closing quote`);
      if (label in labels) throw new ExpositionError(n, `label ${label} twice`);
      labels[label] = unescape(rest.slice(0, end), n, true);
      rest = rest.slice(end + 1).replace(/^[ \t]+/, '');
      if (rest.startsWith(',')) rest = rest.slice(1);
      else if (!rest.startsWith('}')) throw new ExpositionError(n, `a comma or } expected after label ${label}`);
    }
    rest = rest.slice(1);
  }
  const [, value, timestamp] = /^[ \t]+(\S+)(?:[ \t]+(\S+))?[ \t]*$/.exec(rest) ?? [];
  if (value === undefined) throw new ExpositionError(n, `${name}: a value and at most a timestamp expected`);
  return { name, labels, value: number(value, n), timestamp: timestamp === undefined ? null : integer(timestamp, n) };
}

/** The index of the first unescaped `"`, or -1. */
function closingQuote(s) {
  for (let i = 0; i < s.length; i += 1) {
    if (s[i] === '\\') i += 1;
    else if (s[i] === '"') return i;
  }
  return -1;
}

/** `\\` and `\n` (and in label values `\"`); any other escape is an error. */
function unescape(s, n, quotes) {
  return s.replace(/\\(.?)/g, (match, c) => {
    if (c === '\\') return '\\';
    if (c === 'n') return '\n';
    if (c === '"' && quotes) return '"';
    throw new ExpositionError(n, `a bad escape ${JSON.stringify(match)}`);
  });
}

function number(text, n) {
  if (text in SPECIAL) return SPECIAL[text];
  if (!FLOAT.test(text)) throw new ExpositionError(n, `${JSON.stringify(text)} is not a number`);
  return Number(text);
}

function integer(text, n) {
  if (!/^-?\d+$/.test(text)) throw new ExpositionError(n, `${JSON.stringify(text)} is not a timestamp`);
  return Number(text);
}

/** The samples of metric `name` whose labels include `labels` (none when the metric is missing). */
export function samplesOf(families, name, labels = {}) {
  const family = families.get(name) ?? families.get(name.replace(/_(?:bucket|sum|count)$/, ''));
  return (family?.samples ?? [])
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** The value of the first such sample, or undefined. */
export const valueOf = (families, name, labels = {}) => samplesOf(families, name, labels)[0]?.value;
