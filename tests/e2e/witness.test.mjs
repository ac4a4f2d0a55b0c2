// Every browser a witness (issue 20). This file runs its own server on its
// own small database — it restarts it, rotates its key and rewrites its log
// as whoever runs the database could — so the shared server's log stays whole.
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { DESKTOP, PHONE, screenshot, sharedBrowser, violations, watchErrors } from './support.mjs';

const BIN = process.env.E2E_SERVER_BIN ?? resolve('target/debug/kolaborasi-server');
const REWRITE = process.env.E2E_REWRITE_BIN ?? resolve('target/debug/examples/rewrite_log');
const DIST = process.env.E2E_DIST ?? resolve('dist');

const browser = sharedBrowser();
const dir = mkdtempSync(join(tmpdir(), 'kolaborasi-witness-'));
const database = `sqlite://${join(dir, 'witness.db')}`;
const common = ['--database-url', database, '--signing-key', join(dir, 'log-signing.key')];
let server;
let base;

/// Starts the server (on the same port as before after the first start,
/// so the browser's storage, which is per origin, carries over).
async function start() {
  const bind = base ? new URL(base).host : '127.0.0.1:0';
  server = spawn(BIN, [
    ...common,
    '--bind', bind,
    '--static-dir', DIST,
    '--upload-dir', join(dir, 'uploads'),
    '--mail-dir', join(dir, 'mail'),
    '--tile-url', 'http://127.0.0.1:9/{z}/{x}/{y}.png',
    '--demo-scale', '40',
  ], { env: { ...process.env, RUST_LOG: 'warn' }, stdio: ['ignore', 'pipe', 'inherit'] });
  base = await new Promise((done, fail) => {
    let out = '';
    server.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/running at (http:\/\/[^/\s]+)\//);
      if (m) done(m[1]);
    });
    server.on('exit', (code) => fail(new Error(`the server exited (${code}): ${out}`)));
  });
}

async function stop() {
  const exited = new Promise((done) => server.on('exit', done));
  server.kill('SIGTERM');
  await exited;
}

function cli(...args) {
  return execFileSync(BIN, [...common, ...args], { encoding: 'utf8', env: { ...process.env, RUST_LOG: 'warn' } });
}

async function json(path) {
  const response = await fetch(`${base}${path}`);
  assert.equal(response.status, 200, path);
  return response.json();
}

before(start);
after(async () => {
  if (server?.exitCode === null) await stop();
  rmSync(dir, { recursive: true, force: true });
});

/// The head the page shows as kept by this browser.
async function shownHead(page, testid) {
  const el = page.getByTestId(testid).first();
  return { seq: Number(await el.getAttribute('data-seq')), hash: await el.getAttribute('data-hash') };
}

/// The head this browser keeps: one line, `seq hash at key signature checked`.
async function keptInStorage(page) {
  const line = await page.evaluate(() => localStorage.getItem('kolaborasi_witness'));
  if (line === null) return null;
  const [seq, hash, at, key, signature, checked] = line.split(' ');
  return { head: { seq: Number(seq), hash, at: Number(at), key, signature }, checked: Number(checked) };
}

test('a browser keeps the signed head it saw, follows a key rotation, flags a key swapped without one, and warns with both heads after a rewrite', async () => {
  const context = await browser().newContext({ viewport: PHONE, locale: 'id-ID' });
  const page = watchErrors(await context.newPage());

  // First visit to the verification page: the head is kept, its signature
  // checked against the published key.
  await page.goto(`${base}/verifikasi`);
  const state = page.getByTestId('witness-state');
  await state.and(page.locator('[data-state=first]')).waitFor({ timeout: 15_000 });
  const config = await json('/api/v1/config');
  assert.match(config.log_key, /^[0-9a-f]{64}$/);
  assert.equal(await page.getByTestId('log-key').textContent(), config.log_key);
  const first = await shownHead(page, 'witness-kept');
  const head = await json('/api/v1/log/head');
  assert.deepEqual(first, { seq: head.seq, hash: head.hash });
  assert.ok(first.seq > 0, 'the demo data is in the log');
  const stored = await keptInStorage(page);
  assert.deepEqual(stored.head, head, 'the signed head, as the server signed it');
  assert.ok(Math.abs(stored.checked - Date.now() / 1000) < 60);

  // An honest append: the operator rotates the key (itself a log entry,
  // signed by the old key). The browser checks the new entry chains to
  // what it kept, and that the new head carries the new published key.
  await stop();
  const rotated = cli('rotate-signing-key');
  assert.match(rotated, /new key +[0-9a-f]{64}/);
  await start();
  const newKey = (await json('/api/v1/config')).log_key;
  assert.notEqual(newKey, config.log_key);
  await page.reload();
  await state.and(page.locator('[data-state=extends]')).waitFor({ timeout: 15_000 });
  assert.match(await state.textContent(), /1 entri baru/);
  const second = await shownHead(page, 'witness-kept');
  assert.equal(second.seq, first.seq + 1);
  assert.equal((await keptInStorage(page)).head.key, newKey);
  assert.equal(await page.getByTestId('witness-warning').count(), 0);

  // A later visit to any page: nothing changed, so the check is one small
  // request, made after the first screen.
  const logRequests = [];
  page.on('request', (r) => {
    if (new URL(r.url()).pathname.startsWith('/api/v1/log')) logRequests.push({ url: r.url(), at: Date.now() });
  });
  await page.goto(`${base}/tentang`);
  await page.getByRole('heading', { level: 1 }).waitFor();
  const shown = Date.now();
  await page.waitForTimeout(6_000);
  assert.deepEqual(logRequests.map((r) => new URL(r.url).pathname), ['/api/v1/log/head']);
  assert.ok(logRequests[0].at >= shown, 'the check waits for the first screen');
  assert.equal(await page.getByTestId('witness-warning').count(), 0);
  assert.equal(await page.getByTestId('about-log-key').textContent(), newKey);

  // Restarted with nothing new: the head is signed again (another time),
  // and the page says nothing changed.
  await stop();
  await start();
  await page.goto(`${base}/verifikasi`);
  await state.and(page.locator('[data-state=extends]')).waitFor({ timeout: 15_000 });
  assert.match(await state.textContent(), /Tidak ada entri baru/);

  // A key swapped without a rotation entry (a lost or replaced key file):
  // today's head does not trace back to the key this browser knows.
  await stop();
  rmSync(join(dir, 'log-signing.key'));
  await start();
  await page.reload();
  await state.and(page.locator('[data-state=bad-signature]')).waitFor({ timeout: 15_000 });
  assert.equal((await keptInStorage(page)).head.key, newKey, 'the kept head stays');

  // Whoever runs the database rewrites the log from an entry this browser
  // saw, head included, and restarts the server. The chain is whole again
  // (verify-log alone passes); the browser's kept head is not in it.
  await stop();
  const rewritten = execFileSync(REWRITE, [database, String(second.seq - 2)], { encoding: 'utf8' }).trim();
  assert.match(cli('verify-log'), /verified\n$/);
  assert.throws(() => cli('verify-log', '--since', `${second.seq}:${second.hash}`), (e) => e.status === 1 && /NOT extended/.test(e.stdout));
  await start();
  await page.goto(`${base}/tentang`);
  const warning = page.getByTestId('witness-warning');
  await warning.waitFor({ timeout: 15_000 });
  assert.deepEqual(await shownHead(warning, 'witness-kept'), second);
  const now = await shownHead(warning, 'witness-now');
  assert.equal(`${now.seq}:${now.hash}`, rewritten);
  assert.notEqual(now.hash, second.hash);
  assert.match(await warning.textContent(), /ditulis ulang/);
  assert.deepEqual(await violations(page), []);
  await screenshot(page, 'witness-warning-phone');
  await page.setViewportSize(DESKTOP);
  await screenshot(page, 'witness-warning-desktop');

  // The verification page explains, shows both heads, and lets the visitor
  // take the current log as the new reference once they have the evidence.
  await page.goto(`${base}/verifikasi`);
  await state.and(page.locator('[data-state=diverged]')).waitFor({ timeout: 15_000 });
  assert.deepEqual(await shownHead(state, 'witness-kept'), second);
  assert.equal((await keptInStorage(page)).head.hash, second.hash, 'the evidence is kept until the visitor lets go');
  await screenshot(page, 'witness-verify-diverged-desktop', { fullPage: true });
  await page.getByTestId('witness-accept').click();
  await state.and(page.locator('[data-state=extends]')).waitFor();
  assert.equal((await keptInStorage(page)).head.hash, now.hash);
  assert.equal(await page.getByTestId('witness-warning').count(), 0);
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('a kiosk keeps no head', async () => {
  const context = await browser().newContext({ viewport: DESKTOP, locale: 'id-ID' });
  const page = watchErrors(await context.newPage());
  const requests = [];
  page.on('request', (r) => { if (new URL(r.url()).pathname === '/api/v1/log/head') requests.push(r.url()); });
  await page.goto(`${base}/kiosk`);
  await page.waitForTimeout(6_000);
  assert.deepEqual(requests, [], 'a kiosk does not even ask');
  assert.equal(await keptInStorage(page), null);
  // Well after the check would have run on any other browser.
  assert.deepEqual(await page.evaluate(() => Object.keys(localStorage).filter((k) => !k.startsWith('kolaborasi.kiosk'))), []);
  assert.deepEqual(page.errors, []);
  await context.close();
});
