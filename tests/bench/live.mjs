// Transparency benchmarks (run by `cargo xtask bench`, not by the test suite).
// MODE=sse: SUBSCRIBERS open GET /api/v1/stats/stream; one commitment is
//   made ROUNDS times; reports how long until every subscriber has the new
//   totals, and the server's memory with them connected.
// MODE=export: downloads each export once while sampling the server's RSS.
// MODE=verify: /verifikasi in headless Chromium verifies the whole log.
// Prints one JSON object. SERVER_PID is the server's process id.
import http from 'node:http';
import { readFileSync } from 'node:fs';

const BASE_URL = process.env.BASE_URL;
const MODE = process.env.MODE;
const PID = process.env.SERVER_PID;

function rssKiB() {
  const status = readFileSync(`/proc/${PID}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]);
}

const q = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};
const ms = (x) => +x.toFixed(1);

/// One SSE subscriber; `onStats(seq)` for each event.
function subscribe(onStats) {
  return new Promise((resolve, reject) => {
    const req = http.get(`${BASE_URL}/api/v1/stats/stream`, { agent: false }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`status ${res.statusCode}`));
      res.setEncoding('utf8');
      let buf = '';
      res.on('data', (chunk) => {
        buf += chunk;
        let end;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const event = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const data = event.split('\n').find((l) => l.startsWith('data: '));
          if (data) onStats(JSON.parse(data.slice(6)).log_seq);
        }
      });
      resolve(req);
    });
    req.on('error', reject);
  });
}

async function openNeed() {
  const list = await (await fetch(`${BASE_URL}/api/v1/locations`)).json();
  for (const l of list.locations.filter((l) => (l.remaining_percent ?? 0) > 30)) {
    const d = await (await fetch(`${BASE_URL}/api/v1/locations/${l.id}`)).json();
    const n = d.needs.find((n) => n.remaining > 20);
    if (n) return { location: l.id, package: n.package_id };
  }
  throw new Error('no open need');
}

async function commit(need, i) {
  const r = await fetch(`${BASE_URL}/api/v1/commitments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': `bench-live-${i}-${Date.now()}` },
    body: JSON.stringify({
      location_id: need.location,
      lines: [{ package_id: need.package, quantity: 1 }],
      planned_date: new Date().toISOString().slice(0, 10),
      collaborator: { name: 'Bench', kind: 'company', email: 'bench@contoh.co.id', phone: '0812-0000-0000', show_name: false },
    }),
  });
  if (r.status !== 201) throw new Error(`commit: ${r.status} ${await r.text()}`);
}

async function sse() {
  const sizes = (process.env.SUBSCRIBERS ?? '100,1000,5000,10000').split(',').map(Number);
  const rounds = Number(process.env.ROUNDS ?? 5);
  const need = await openNeed();
  const rssIdle = rssKiB();
  const rows = [];
  let made = 0;
  for (const n of sizes) {
    const latest = new Array(n).fill(0);
    let waiting = null;
    const reqs = [];
    const opened = performance.now();
    for (let i = 0; i < n; i += 200) {
      const batch = [];
      for (let j = i; j < Math.min(n, i + 200); j++) {
        batch.push(subscribe((seq) => { latest[j] = seq; waiting?.(j, seq); }));
      }
      reqs.push(...(await Promise.all(batch)));
    }
    while (latest.some((s) => s === 0)) await new Promise((r) => setTimeout(r, 20));
    const connectMs = performance.now() - opened;
    const rss = rssKiB();
    const all = [];
    const each = [];
    for (let round = 0; round < rounds; round++) {
      // Apart from the previous round: the server batches changes that come
      // within 200 ms of each other; this measures one isolated change.
      await new Promise((r) => setTimeout(r, 500));
      const before = Math.max(...latest);
      const arrivals = [];
      let arrived = 0;
      const done = new Promise((resolve) => {
        waiting = (j, seq) => {
          if (seq > before && arrivals[j] === undefined) {
            arrivals[j] = performance.now();
            if (++arrived === n) resolve();
          }
        };
      });
      const t0 = performance.now();
      await commit(need, made++);
      await done;
      const times = arrivals.map((a) => a - t0);
      all.push(Math.max(...times));
      each.push(...times);
    }
    for (const r of reqs) r.destroy();
    rows.push({
      subscribers: n,
      connect_all_ms: ms(connectMs),
      rss_kib: rss,
      rss_per_subscriber_kib: +((rss - rssIdle) / n).toFixed(1),
      delivery_p50_ms: ms(q(each, 0.5)),
      delivery_p99_ms: ms(q(each, 0.99)),
      all_received_median_ms: ms(q(all, 0.5)),
      all_received_max_ms: ms(Math.max(...all)),
    });
    await new Promise((r) => setTimeout(r, 500));
  }
  return { rss_idle_kib: rssIdle, rows };
}

async function exportRss() {
  const rows = [];
  const idle = rssKiB();
  for (const path of ['commitments.csv', 'commitments.json', 'locations.csv', 'locations.geojson']) {
    let peak = rssKiB();
    const sampler = setInterval(() => { peak = Math.max(peak, rssKiB()); }, 20);
    const t0 = performance.now();
    const r = await fetch(`${BASE_URL}/api/v1/export/${path}`, { headers: { 'accept-encoding': 'identity' } });
    let bytes = 0;
    let newlines = 0;
    for await (const chunk of r.body) {
      bytes += chunk.length;
      for (const b of chunk) if (b === 10) newlines++;
    }
    clearInterval(sampler);
    rows.push({ path, bytes, lines: newlines, seconds: +((performance.now() - t0) / 1000).toFixed(2), rss_peak_kib: peak });
  }
  return { rss_idle_kib: idle, rows };
}

async function verify() {
  const { launch } = await import('../e2e/support.mjs');
  const head = await (await fetch(`${BASE_URL}/api/v1/log/head`)).json();
  const browser = await launch();
  const out = { entries: head.seq, rows: [] };
  for (const [label, throttle] of [['desktop', 1], ['phone (CPU 4× slower)', 4]]) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: throttle });
    await page.goto(`${BASE_URL}/verifikasi`);
    const t0 = Date.now();
    await page.getByTestId('verify-start').click();
    const result = page.locator('[data-testid=verify-result][data-ms]');
    await result.waitFor({ timeout: 600_000 });
    const total = Date.now() - t0;
    const chain = Number(await result.getAttribute('data-ms'));
    const seq = Number(await result.getAttribute('data-seq'));
    out.rows.push({ device: label, verified_entries: seq, chain_ms: chain, total_ms: total });
    await context.close();
  }
  // A witness that kept the head of entry 1 comes back: the verification
  // page checks that every later entry chains to it, up to today's signed
  // head (src/witness.rs), and keeps that head.
  const first = (await (await fetch(`${BASE_URL}/api/v1/log?after=0&limit=1`)).json()).entries[0];
  const kept = [first.seq, first.hash, head.at, head.key, head.signature, 0].join(' ');
  out.witness = [];
  for (const [label, throttle] of [['desktop', 1], ['phone (CPU 4× slower)', 4]]) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript((k) => { if (!localStorage.getItem('kolaborasi_witness')) localStorage.setItem('kolaborasi_witness', k); }, kept);
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: throttle });
    const t0 = Date.now();
    await page.goto(`${BASE_URL}/verifikasi`);
    const loaded = Date.now();
    await page.locator('[data-testid=witness-state][data-state=extends]').waitFor({ timeout: 600_000 });
    const done = Date.now();
    const stored = await page.evaluate(() => Number(localStorage.getItem('kolaborasi_witness').split(' ')[0]));
    out.witness.push({ device: label, entries: stored - first.seq, load_ms: loaded - t0, check_ms: done - loaded });
    await context.close();
  }
  await browser.close();
  return out;
}

const result = MODE === 'sse' ? await sse() : MODE === 'export' ? await exportRss() : await verify();
console.log(JSON.stringify(result));
process.exit(0);
