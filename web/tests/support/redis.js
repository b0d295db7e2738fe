// The app's Redis, for tests that put something on the event stream themselves (an entry that is
// not an event, a consumer group of their own), as the end-to-end suite's TestApp::redis_cli does:
// `redis-cli` against `CINEMA_REDIS_URL`, which scripts/browser-test sets to the Redis it started
// (against an app started elsewhere, set it yourself; without it those tests skip).

import { spawnSync } from 'node:child_process';

export const REDIS_URL = process.env.CINEMA_REDIS_URL ?? '';
/** The names the contexts share (crates/eventing: STREAM, DEAD_LETTERS, BELLS). */
export const STREAM = 'cinema:events';
export const DEAD_LETTERS = 'cinema:events:dead';
/** The saga's doorbell and the read models' (each wakes its own consumers). */
export const DOORBELLS = ['cinema.saga', 'cinema.events'];

/** Why this run cannot reach the app's Redis, or null when it can. */
export function cannotReachRedis() {
  if (!REDIS_URL) return 'CINEMA_REDIS_URL is not set (scripts/browser-test sets it)';
  const pong = spawnSync('redis-cli', ['-u', REDIS_URL, 'PING'], { encoding: 'utf8' });
  if (pong.error) return `no redis-cli: ${pong.error.message}`;
  return pong.stdout.trim() === 'PONG' ? null : `${REDIS_URL} does not answer PING: ${pong.stderr || pong.stdout}`;
}

/** One command; its reply as JSON (redis-cli --json). Throws on a Redis error. */
export function redis(...args) {
  const out = spawnSync('redis-cli', ['-u', REDIS_URL, '--json', ...args.map(String)], { encoding: 'utf8' });
  if (out.error) throw out.error;
  const text = out.stdout.trim();
  if (out.status !== 0 || /^\(?error\)?/i.test(text) || /^"?ERR /.test(text)) throw new Error(`redis ${args[0]}: ${text || out.stderr}`);
  return JSON.parse(text);
}

/** Appends an entry that is not an envelope of the contract (every consumer group parks it) and rings the doorbell; its stream id. */
export function addNotAnEvent(text) {
  const id = redis('XADD', STREAM, '*', 'e', text);
  for (const bell of DOORBELLS) redis('PUBLISH', bell, 'wake');
  return id;
}

/**
 * A consumer group nobody reads for, starting at the end of the stream: its lag counts what is
 * appended from now on. It starts with the stream's `entries-added` as read, atomically, so
 * that Redis can tell its lag (a group created at `$` alone has an unknown lag).
 */
export function createIdleGroup(group) {
  return redis('EVAL', `
    local added = 0
    if redis.call('EXISTS', KEYS[1]) == 1 then
      local info = redis.call('XINFO', 'STREAM', KEYS[1])
      for i = 1, #info, 2 do if info[i] == 'entries-added' then added = info[i + 1] end end
    end
    redis.call('XGROUP', 'CREATE', KEYS[1], ARGV[1], '$', 'MKSTREAM', 'ENTRIESREAD', added)
    return added`, 1, STREAM, group);
}

export const destroyGroup = (group) => redis('XGROUP', 'DESTROY', STREAM, group);

/** Removes every dead letter whose entry is `text` (a test's own garbage, in every group). */
export function removeLettersOf(text) {
  return redis('EVAL', `
    local removed = 0
    for _, entry in ipairs(redis.call('XRANGE', KEYS[1], '-', '+')) do
      for i = 1, #entry[2], 2 do
        if entry[2][i] == 'e' and entry[2][i + 1] == ARGV[1] then
          redis.call('XDEL', KEYS[1], entry[1])
          removed = removed + 1
        end
      end
    end
    return removed`, 1, DEAD_LETTERS, text);
}

/** The ids of the stream's entries that are `text`, oldest first (among the last 500). */
export function entriesOf(text) {
  const entries = redis('XREVRANGE', STREAM, '+', '-', 'COUNT', 500);
  return entries.filter(([, fields]) => fields[0] === 'e' && fields[1] === text).map(([id]) => id).reverse();
}
