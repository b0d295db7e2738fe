// A second, private app instance for tests that need their own Spin variables (a short
// `hold_ttl_s`): its own redis-server and devhost on free ports with a fresh state directory, as
// scripts/browser-test starts the main one. It uses what that script built (target/debug/devhost
// and the wasm components). `CINEMA_SHORT_HOLD_BASE_URL` points the hold-expiry test at an app
// that is already running with a short `hold_ttl_s` instead.

import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ARTIFACTS } from './browser.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, '../../..');
const DEVHOST = process.env.DEVHOST_BIN ?? path.join(ROOT, 'target/debug/devhost');

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function tail(file, lines = 40) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

async function redisAnswers(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setTimeout(1000);
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => { socket.destroy(); resolve(data.toString().startsWith('+PONG')); });
    socket.on('error', () => resolve(false));
    socket.on('timeout', () => { socket.destroy(); resolve(false); });
  });
}

function exited(child) {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Why a private app cannot be started here, or null when it can. */
export function cannotStartApp() {
  if (!existsSync(DEVHOST)) return `no devhost build at ${DEVHOST} (scripts/browser-test builds it)`;
  if (spawnSync('redis-server', ['--version']).status !== 0) return 'no redis-server on PATH';
  if (!existsSync(path.join(ROOT, 'spin.toml'))) return `no spin.toml in ${ROOT}`;
  return null;
}

/**
 * Starts the whole app with `variables` (plus dev_auth=true and a random jwt_secret). Returns
 * `{ baseUrl, stop }`; `stop()` ends both processes and keeps the devhost log in the artifacts.
 */
export async function startApp({ name, variables = {} }) {
  const workdir = mkdtempSync(path.join(os.tmpdir(), 'cinema-browser-app-'));
  const state = path.join(workdir, 'state');
  mkdirSync(state);
  const children = [];
  const stop = async () => {
    for (const child of children) if (!exited(child)) child.kill('SIGTERM');
    for (const child of children) {
      for (let i = 0; i < 50 && !exited(child); i += 1) await sleep(100);
      if (!exited(child)) child.kill('SIGKILL');
    }
    try {
      mkdirSync(ARTIFACTS, { recursive: true });
      copyFileSync(path.join(workdir, 'devhost.log'), path.join(ARTIFACTS, `devhost-${name}.log`));
    } catch {
      // no log yet
    }
    rmSync(workdir, { recursive: true, force: true });
  };
  try {
    const redisPort = await freePort();
    const redisLog = openSync(path.join(workdir, 'redis.log'), 'w');
    const redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', workdir],
      { stdio: ['ignore', redisLog, redisLog] });
    closeSync(redisLog);
    children.push(redis);
    for (let i = 0; !(await redisAnswers(redisPort)); i += 1) {
      if (exited(redis) || i > 100) throw new Error(`redis-server did not start:\n${tail(path.join(workdir, 'redis.log'))}`);
      await sleep(100);
    }
    const redisUrl = `redis://127.0.0.1:${redisPort}`;

    // The repository's runtime config, pointed at this Redis and the fresh state dir (as scripts/browser-test).
    const config = path.join(workdir, 'runtime-config.toml');
    writeFileSync(config, readFileSync(path.join(ROOT, 'runtime-config.toml'), 'utf8')
      .replaceAll('redis://127.0.0.1:6379', redisUrl)
      .replaceAll('path = ".spin/', `path = "${state}/`));
    spawnSync(DEVHOST, ['wal', '--runtime-config-file', config], { stdio: 'ignore' });

    const httpPort = await freePort();
    const args = ['up', '-f', path.join(ROOT, 'spin.toml'), '--runtime-config-file', config, '--state-dir', state,
      '--variable', `redis_address=${redisUrl}`, '--variable', 'dev_auth=true',
      '--variable', `jwt_secret=${randomBytes(32).toString('hex')}`,
      ...Object.entries(variables).flatMap(([k, v]) => ['--variable', `${k}=${v}`]),
      '--listen', `127.0.0.1:${httpPort}`, '--quiet'];
    const log = path.join(workdir, 'devhost.log');
    const logFd = openSync(log, 'w');
    const devhost = spawn(DEVHOST, args, { cwd: workdir, stdio: ['ignore', logFd, logFd] });
    closeSync(logFd);
    children.push(devhost);
    const baseUrl = `http://127.0.0.1:${httpPort}`;
    const end = Date.now() + 120_000;
    for (;;) {
      const healthy = await fetch(`${baseUrl}/.well-known/spin/health`, { signal: AbortSignal.timeout(2000) })
        .then((r) => r.ok, () => false);
      if (healthy) break;
      if (exited(devhost)) throw new Error(`devhost exited:\n${tail(log)}`);
      if (Date.now() > end) throw new Error(`devhost did not become healthy:\n${tail(log)}`);
      await sleep(200);
    }
    return { baseUrl, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
