// Shared set-up for the browser tests: Debian's Chromium driven by
// playwright-core, against the real server that `cargo xtask test` started
// (BASE_URL) with the release build of the client.
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

export const BASE_URL = process.env.BASE_URL ?? 'http://127.0.0.1:8080';
const ARTIFACTS = process.env.E2E_ARTIFACTS ?? 'tests/e2e/artifacts';

export const PHONE = { width: 412, height: 915 };
export const DESKTOP = { width: 1366, height: 850 };

/// Contexts bypass the app's Content-Security-Policy unless asked not to:
/// the tests' own `page.evaluate(string)` is an eval the policy forbids.
/// The first-visit test keeps the policy on, so a page the policy breaks
/// (a console error) fails there.
export async function launch(extraArgs = []) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      ...extraArgs,
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  const newContext = browser.newContext.bind(browser);
  browser.newContext = (options = {}) => newContext({ bypassCSP: true, ...options });
  return browser;
}

/// One browser for a test file: launched before its tests, closed after.
/// Returns a getter, since the browser exists only once `before` ran.
export function sharedBrowser() {
  let browser;
  before(async () => { browser = await launch(); });
  after(async () => { await browser?.close(); });
  return () => browser;
}

/// A fresh page (fresh storage) that records uncaught page errors.
export async function openPage(browser, viewport = PHONE, options = {}) {
  const context = await browser.newContext({ viewport, locale: 'id-ID', ...options });
  return watchErrors(await context.newPage());
}

/// Records the page's uncaught errors in `page.errors`; a Rust panic (which
/// surfaces only as "unreachable") with its message from the console.
export function watchErrors(page) {
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && m.text().startsWith('panicked at')) page.errors.push(m.text().split('\n\nStack')[0]);
  });
  return page;
}

/// The API as any client sees it.
/// On a phone the navigation and the account are behind "Menu": opens it
/// when the toggle is shown and the menu closed (wider screens: nothing).
export async function openMenu(page) {
  const toggle = page.getByTestId('menu-toggle');
  if (await toggle.isVisible() && (await toggle.getAttribute('aria-expanded')) !== 'true') {
    await toggle.click();
    await page.locator('#site-menu.open').waitFor();
  }
}

export async function api(path) {
  const res = await fetch(`${BASE_URL}/api/v1${path}`);
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res.json();
}

/// A request to the API with a JSON body: `{ status, body }` (no throw on
/// an error status: tests check errors too).
export async function apiSend(method, path, body, headers = {}) {
  const res = await fetch(`${BASE_URL}/api/v1${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/// How many points the map layer holds, once it has drawn `expected`.
export async function mapPointCount(page, expected) {
  const map = page.getByTestId('map');
  if (expected !== undefined) {
    await page.waitForFunction(
      (n) => document.querySelector('[data-testid=map]')?.dataset.pointCount === String(n),
      expected,
      { timeout: 20_000 },
    ).catch(() => {});
  }
  return Number(await map.getAttribute('data-point-count'));
}

/// Digits only: "1.500 lokasi" → 1500.
export function countIn(text) {
  return Number(text.replace(/[^0-9]/g, ''));
}

export async function screenshot(page, name, options = {}) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), ...options });
}

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/// WCAG 2.1 A/AA problems axe finds on the page, one line each.
export async function violations(page) {
  await page.addScriptTag({ content: AXE });
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
  assert.ok(result.passes.length > 20, `axe checked only ${result.passes.length} rules`);
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
}

// The commitment form, as the tests fill it.

export function line(page, packageId) {
  return page.locator(`[data-testid=package-line][data-package-id="${packageId}"]`);
}

export async function stepHeading(page, n) {
  await page.getByTestId('step-heading').filter({ hasText: `Langkah ${n} dari 3` }).waitFor();
}

export const DONOR = {
  name: 'PT Sumber Makmur Sejahtera',
  kind: 'Perusahaan',
  email: 'csr@sumbermakmur.co.id',
  phone: '0812-3456-7890',
};

/// `YYYY-MM-DD` plus some days. Two days ahead is inside the allowed
/// window whichever time zone the server counts "today" in.
export function addDays(iso, days) {
  const d = new Date(`${iso}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/// Fills step 2 (planned two days after the earliest allowed date) and returns the date.
export async function fillDetails(page, donor = DONOR, { showName = false } = {}) {
  const date = page.locator('#f-planned_date');
  await date.waitFor();
  const planned = addDays(await date.getAttribute('min'), 2);
  await date.fill(planned);
  await page.locator('#f-collaborator-name').fill(donor.name);
  await page.locator('label.choice', { hasText: donor.kind }).click();
  await page.locator('#f-collaborator-email').fill(donor.email);
  await page.locator('#f-collaborator-phone').fill(donor.phone);
  if (showName) await page.locator('#f-show-name').check();
  return planned;
}

const MAIL_DIR = process.env.E2E_MAIL_DIR;

/// The body of an .eml file, quoted-printable or base64 decoded.
function bodyOf(raw) {
  const text = raw.replace(/\r\n/g, '\n');
  const split = text.indexOf('\n\n');
  const head = text.slice(0, split).replace(/\n[ \t]/g, ' ');
  const body = text.slice(split + 2);
  const encoding = (head.match(/^content-transfer-encoding:\s*(\S+)/im) ?? [])[1]?.toLowerCase();
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    const bytes = body.replace(/=\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

/// The e-mail about commitment `code` (or to the address `code`) the server
/// wrote (no SMTP server is set).
export async function mailAbout(code) {
  assert.ok(MAIL_DIR, 'E2E_MAIL_DIR is not set (cargo xtask test sets it)');
  for (let i = 0; i < 100; i++) {
    let names = [];
    try {
      names = readdirSync(MAIL_DIR).filter((n) => n.endsWith('.eml'));
    } catch { /* not written yet */ }
    for (const name of names) {
      const raw = readFileSync(join(MAIL_DIR, name), 'utf8');
      const body = bodyOf(raw);
      // A tracking code in the text, or an address in the headers.
      if (body.includes(code) || raw.slice(0, raw.indexOf('\r\n\r\n')).includes(code)) return body;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no e-mail about ${code} in ${MAIL_DIR}`);
}

/// Confirms commitment `code` as its donor does: with the link in the
/// e-mail the server wrote (names are public only once confirmed).
export async function confirmByMail(code) {
  const mail = await mailAbout(code);
  const token = mail.match(new RegExp(`/konfirmasi/${code}#t=([0-9a-f]{32})`))?.[1];
  assert.ok(token, `no confirmation link in:\n${mail}`);
  const res = await apiSend('POST', `/commitments/${code}/confirm`, { token });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

/// A commitment made directly through the API (as another collaborator).
/// Without a confirmed contact one commitment takes at most a share of
/// what remains (`unconfirmed_share_percent`), so a larger single line is
/// taken in as many commitments as that needs: the last receipt, with every
/// receipt in `all`.
export async function commitViaApi(locationId, lines, plannedDate) {
  const send = async (chunk) => {
    const key = `e2e-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const res = await apiSend('POST', '/commitments', {
      location_id: locationId,
      lines: chunk,
      planned_date: plannedDate,
      collaborator: {
        name: 'Yayasan Lain', kind: 'organisation', email: 'lain@yayasan.or.id', phone: '021-555-0123', show_name: true,
      },
    }, { 'Idempotency-Key': key });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  };
  if (lines.length !== 1) {
    const receipt = await send(lines);
    return { ...receipt, all: [receipt] };
  }
  const { unconfirmed_share_percent: share } = await api('/config');
  const [{ package_id: packageId, quantity }] = lines;
  let left = quantity;
  const all = [];
  while (left > 0) {
    const detail = await api(`/locations/${locationId}`);
    const remaining = detail.needs.find((n) => n.package_id === packageId).remaining;
    const cap = Math.max(1, Math.floor((remaining * share) / 100));
    const take = Math.min(left, cap);
    all.push(await send([{ package_id: packageId, quantity: take }]));
    left -= take;
  }
  return { ...all[all.length - 1], all };
}

/// One unit committed through the API at an active place with an open need
/// (the lowest ids first, or the highest with `fromEnd`, passing over `skip`
/// places), by the collaborator named: the receipt (`commitment`, `manage_token`).
export async function commitOneUnit({ name, email, showName = true, fromEnd = false, skip = 0, minPercent = 10 }) {
  const { locations } = await api('/locations');
  const open = locations.filter((x) => x.remaining_percent > minPercent)
    .sort((a, b) => (fromEnd ? b.id - a.id : a.id - b.id));
  for (const l of open.slice(skip)) {
    const detail = await api(`/locations/${l.id}`);
    const need = detail.needs.find((n) => n.remaining > 5);
    if (!detail.active || !need) continue;
    const date = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    const res = await apiSend('POST', '/commitments', {
      location_id: detail.id,
      lines: [{ package_id: need.package_id, quantity: 1 }],
      planned_date: date,
      collaborator: { name, kind: 'organisation', email, phone: '081234567890', show_name: showName },
    }, { 'Idempotency-Key': `e2e-one-${Date.now()}-${Math.random().toString(36).slice(2)}` });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  }
  throw new Error('no open need in the demo data');
}

/// Fills the commitment form (already on step 1) with `quantity` of one
/// package and the donor's details, up to the review step.
export async function fillToReview(page, packageId, quantity) {
  await line(page, packageId).locator('input').fill(String(quantity));
  await page.getByTestId('next').click();
  await fillDetails(page);
  await page.getByTestId('next').click();
  await stepHeading(page, 3);
}
