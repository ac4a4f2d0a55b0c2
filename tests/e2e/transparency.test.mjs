// Transparency in the browser: live totals in every open tab, the dashboard
// (charts with their tables and CSV, the directory, open data links), the
// public log verified in the wasm client, the API reference, and a
// report's status history.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL, DESKTOP, PHONE, api, apiSend, commitOneUnit, countIn, sharedBrowser, openPage, screenshot, violations,
} from './support.mjs';

const browser = sharedBrowser();

/// A place with an open need, and a commitment of one unit to it.
function commitOne(name = 'Uji Transparansi', showName = true) {
  return commitOneUnit({ name, email: 'transparansi@contoh.or.id', showName });
}

async function liveCount(page) {
  const cell = page.getByTestId('total-collaborations');
  await cell.waitFor();
  return countIn(await cell.innerText());
}

/// Waits until the strip shows `expected` collaborations.
async function waitForCount(page, expected) {
  await page.waitForFunction(
    (n) => Number((document.querySelector('[data-testid=total-collaborations]')?.textContent ?? '').replace(/[^0-9]/g, '')) === n,
    expected,
    { timeout: 10_000 },
  );
}

describe('transparency', () => {
  test('a commitment reaches the live totals of every open tab, by exactly one', async () => {
    const phone = await openPage(browser(), PHONE);
    const desk = await openPage(browser(), DESKTOP);
    await phone.goto(`${BASE_URL}/`);
    await desk.goto(`${BASE_URL}/transparansi`);
    const before = await liveCount(phone);
    assert.equal(await liveCount(desk), before);
    assert.equal((await api('/stats')).totals.collaborations, before, 'the strip shows the server totals');

    await commitOne();
    await waitForCount(phone, before + 1);
    await waitForCount(desk, before + 1);
    const card = await desk.getByTestId('card-collaborations').locator('dd').innerText();
    assert.equal(countIn(card), before + 1, 'the dashboard card follows too');
    // No double counting: it stays at +1.
    await desk.waitForTimeout(1500);
    assert.equal(await liveCount(desk), before + 1);
    assert.deepEqual([...phone.errors, ...desk.errors], []);
  });

  test('while the live stream is unreachable the strip says it is reconnecting, then recovers with backoff', async () => {
    const page = await openPage(browser(), PHONE);
    let refused = 0;
    await page.route('**/api/v1/stats/stream', (route) => { refused += 1; return route.abort('connectionrefused'); });
    await page.goto(`${BASE_URL}/tentang`);
    await page.getByTestId('live-state').filter({ hasText: 'menyambung ulang' }).waitFor({ timeout: 10_000 });
    await screenshot(page, 'phone-live-reconnecting');
    // Backoff: a few attempts in 4 s, not a storm.
    await page.waitForTimeout(4000);
    assert.ok(refused >= 2 && refused <= 4, `${refused} attempts in about 4 s`);
    await page.unroute('**/api/v1/stats/stream');
    await page.getByTestId('total-collaborations').waitFor({ timeout: 20_000 });
    await page.waitForFunction(() => document.querySelector('[data-testid=live-state]')?.textContent === '');
    const before = await liveCount(page);
    await commitOne();
    await page.waitForFunction(
      (n) => Number((document.querySelector('[data-testid=total-collaborations]')?.textContent ?? '').replace(/[^0-9]/g, '')) >= n,
      before + 1,
      { timeout: 10_000 },
    );
  });

  test('when the browser is back online the strip reconnects at once instead of waiting out the backoff', async () => {
    const page = await openPage(browser(), PHONE);
    await page.route('**/api/v1/stats/stream', (route) => route.abort('internetdisconnected'));
    await page.goto(`${BASE_URL}/tentang`);
    await page.getByTestId('live-state').filter({ hasText: 'menyambung ulang' }).waitFor({ timeout: 10_000 });
    // Failures at about 0, 1, 3 and 7 s: the next attempt is 8 s after that.
    await page.waitForTimeout(7500);
    await page.unroute('**/api/v1/stats/stream');
    // What the browser fires when the network comes back.
    await page.evaluate(() => window.dispatchEvent(new Event('online')));
    await page.waitForFunction(
      () => document.querySelector('[data-testid=live-state]')?.textContent === '',
      null,
      { timeout: 4000 },
    );
    await page.getByTestId('total-collaborations').waitFor();
  });

  test('the dashboard draws each breakdown with its data table and CSV, lists collaborators and offers the downloads', async () => {
    await commitOne('Lembaga Transparan', true);
    const page = await openPage(browser(), DESKTOP);
    await page.goto(`${BASE_URL}/transparansi`);
    for (const id of ['program', 'category', 'package', 'kota', 'day']) {
      const chart = page.getByTestId(`chart-${id}`);
      await chart.locator('svg[role=img] rect').first().waitFor();
      const rows = await chart.locator(`[data-testid=chart-${id}-table] tbody tr`).count();
      assert.ok(rows > 0, `${id} has table rows`);
      const bars = await chart.locator('svg .chart-bar').count();
      assert.equal(bars, rows, `${id}: one bar per table row`);
      const href = await page.getByTestId(`chart-${id}-csv`).getAttribute('href');
      assert.match(href, /^data:text\/csv/);
      const csv = decodeURIComponent(href.split(',').slice(1).join(','));
      const lines = csv.trim().split('\r\n');
      assert.equal(lines.length, rows + 1, `${id}: header and one line per row`);
    }
    // The program table totals match the server's totals.
    const breakdowns = await api('/stats/breakdowns');
    const csv = decodeURIComponent((await page.getByTestId('chart-program-csv').getAttribute('href')).split(',').slice(1).join(','));
    assert.match(csv.split('\r\n')[0], /^Kelompok,Kolaborasi,Paket,Nilai,Tersalurkan$/);
    assert.ok(csv.includes(`KSBB Pangan,${breakdowns.by_program.find((r) => r.key === 'ksbb-pangan').collaborations}`)
      || breakdowns.by_program.length > 0);
    await page.getByTestId('chart-program').locator('summary').click();
    assert.ok(await page.getByTestId('chart-program-table').isVisible(), 'the table opens');

    // Directory: consented names, the anonymous line, the aggregator filter.
    await page.getByTestId('directory-row').first().waitFor();
    assert.ok((await page.getByTestId('directory-row').count()) >= 1);
    await page.getByTestId('directory-anonymous').waitFor();
    assert.match(await page.getByTestId('directory-anonymous').innerText(), /Anonim/);
    await page.locator('#directory-kind').selectOption('aggregator');
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-testid=directory-row]')];
      return rows.length > 0 && rows.every((r) => r.querySelector('[data-testid=aggregator-badge]'));
    });

    // Open data: the links follow the filters, and the file has its HXL row.
    await page.locator('#od-program').selectOption('ksbb-pangan');
    await page.locator('#od-hxl').check();
    const link = await page.getByTestId('download-commitments-csv').getAttribute('href');
    assert.match(link, /^\/api\/v1\/export\/commitments\.csv\?program=ksbb-pangan&hxl=1$/);
    const file = await (await fetch(`${BASE_URL}${link}`)).text();
    const [header, hxl, first] = file.split('\r\n');
    assert.match(header, /^code,status,created_date/);
    assert.match(hxl, /^#activity\+code,#status/);
    assert.match(first, /,ksbb-pangan,/);
    assert.doesNotMatch(file, /transparansi@contoh\.or\.id|081234567890/);
    await screenshot(page, 'desktop-transparency', { fullPage: true });
    assert.deepEqual(page.errors, []);
  });

  test('/verifikasi recomputes the whole chain in the browser and the totals match the counters', async () => {
    const page = await openPage(browser(), PHONE);
    await page.goto(`${BASE_URL}/verifikasi`);
    await page.getByTestId('verify-start').click();
    const result = page.locator('[data-testid=verify-result][data-ms]');
    await result.waitFor({ timeout: 60_000 });
    assert.equal(await result.getAttribute('data-ok'), 'true', await result.innerText());
    const seq = Number(await result.getAttribute('data-seq'));
    const head = await api('/log/head');
    assert.ok(seq > 0 && seq <= head.seq, `verified ${seq} of ${head.seq}`);
    assert.match(await result.innerText(), new RegExp(`Terverifikasi sampai entri ${seq.toLocaleString('id-ID')}`));
    const rows = page.locator('[data-testid=verify-totals] tbody tr');
    assert.equal(await rows.count(), 9);
    for (const row of await rows.all()) {
      assert.equal(await row.getAttribute('data-match'), 'true', await row.innerText());
    }
    await screenshot(page, 'phone-verify', { fullPage: true });
    assert.deepEqual(await violations(page), []);
  });

  test('/verifikasi names the first entry that does not match when the downloaded log was altered', async () => {
    const page = await openPage(browser(), PHONE);
    // A man in the middle changes one quantity of entry 3.
    await page.route('**/api/v1/log?*', async (route) => {
      const response = await route.fetch();
      const body = await response.json();
      for (const e of body.entries) {
        if (e.seq === 3) e.facts.total_value += 1;
      }
      await route.fulfill({ response, json: body });
    });
    await page.goto(`${BASE_URL}/verifikasi`);
    await page.getByTestId('verify-start').click();
    const result = page.locator('[data-testid=verify-result][data-ms]');
    await result.waitFor({ timeout: 60_000 });
    assert.equal(await result.getAttribute('data-ok'), 'false');
    assert.equal(await result.getAttribute('data-seq'), '2', 'verified up to the entry before');
    assert.match(await result.innerText(), /Entri 3 \(urutan ke-3\) tidak cocok: isinya tidak cocok dengan hash-nya/);
    assert.equal(await page.getByTestId('verify-totals').count(), 0, 'no totals from a broken log');
    await screenshot(page, 'phone-verify-mismatch');
  });

  test('a report shows its status history from the public log, including a cancellation', async () => {
    const receipt = await commitOne('Riwayat Uji', false);
    const code = receipt.commitment.code;
    const page = await openPage(browser(), PHONE);
    await page.goto(`${BASE_URL}/kolaborasi/${code}`);
    const items = page.getByTestId('history').locator('li');
    await items.first().waitFor();
    assert.deepEqual(await items.evaluateAll((l) => l.map((e) => e.dataset.kind)), ['commitment_made']);
    assert.match(await items.first().innerText(), /Kolaborasi dibuat/);
    const cancelled = await apiSend('POST', `/commitments/${code}/cancel`, { token: receipt.manage_token });
    assert.equal(cancelled.status, 200);
    await page.reload();
    await page.getByTestId('history').locator('li').nth(1).waitFor();
    assert.deepEqual(
      await page.getByTestId('history').locator('li').evaluateAll((l) => l.map((e) => e.dataset.kind)),
      ['commitment_made', 'commitment_cancelled'],
    );
  });

  test('the API page lists every endpoint of the OpenAPI document and marks the protected ones', async () => {
    const doc = await api('/openapi.json');
    const operations = Object.values(doc.paths).flatMap((item) => Object.keys(item)).length;
    const page = await openPage(browser(), DESKTOP);
    await page.goto(`${BASE_URL}/dokumentasi-api`);
    await page.getByTestId('api-operation').first().waitFor();
    assert.equal(await page.getByTestId('api-operation').count(), operations);
    const secured = Object.values(doc.paths).flatMap((item) => Object.values(item)).filter((op) => op.security).length;
    assert.equal(await page.getByTestId('api-secured').count(), secured);
    assert.ok(secured > 0);
    // An index first: one line per endpoint, a contents list of the topics.
    const tags = new Set(Object.values(doc.paths).flatMap((item) => Object.values(item)).flatMap((op) => op.tags));
    const toc = page.getByTestId('api-toc').locator('a');
    assert.equal(await toc.count(), tags.size);
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    assert.ok(height < 8000, `the page is ${height} px tall`);
    await toc.nth(2).click();
    const target = (await toc.nth(2).getAttribute('href')).slice(1);
    await page.waitForFunction((id) => document.activeElement?.id === id, target);
    // A line opens to its parameters; the document's `code` is code, not backticks.
    const list = page.getByTestId('api-operation').filter({ hasText: '/api/v1/locations' }).first();
    await list.locator('summary').click();
    await list.locator('table.params').waitFor();
    assert.ok(await list.locator('table.params code').count() > 0);
    const shown = await page.locator('main').innerText();
    assert.ok(!shown.includes('`'), 'a backtick is shown as text');
    assert.equal(await list.locator('.summary').getAttribute('lang'), 'en');
    assert.deepEqual(await violations(page), []);
    await screenshot(page, 'desktop-api-docs');
  });

  test('the transparency pages pass WCAG A/AA and fit a 360 px screen and 200 % zoom', async () => {
    const page = await openPage(browser(), PHONE);
    await page.goto(`${BASE_URL}/transparansi`);
    await page.getByTestId('directory-row').first().waitFor();
    await page.getByTestId('chart-day').locator('svg').waitFor();
    assert.deepEqual(await violations(page), []);
    await screenshot(page, 'phone-transparency', { fullPage: true });
    for (const viewport of [{ width: 360, height: 740 }, { width: 640, height: 400 }]) {
      const narrow = await openPage(browser(), viewport);
      for (const [path, ready] of [['/transparansi', '[data-testid=directory-row]'], ['/verifikasi', '[data-testid=verify-start]'], ['/dokumentasi-api', '[data-testid=api-operation]']]) {
        await narrow.goto(`${BASE_URL}${path}`);
        await narrow.locator(ready).first().waitFor();
        const overflow = await narrow.evaluate(
          () => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.equal(overflow, 0, `${path} at ${viewport.width} px is wider than the viewport`);
        const small = await narrow.locator('button, select, summary, .downloads a, .quick-links a, .chart-download a, .main-nav a').evaluateAll((els) => els
          .filter((e) => e.offsetParent !== null)
          .map((e) => [e.className || e.tagName, Math.round(e.getBoundingClientRect().height)])
          .filter(([, h]) => h < 44));
        assert.deepEqual(small, [], `${path}: controls under 44 px`);
      }
    }
  });
});
