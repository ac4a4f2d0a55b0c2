// Lighthouse 12, mobile preset (simulated slow 4G, 4× CPU), against Debian's
// Chromium: each page 3 times, the median run's figures. Run by `cargo xtask
// bench`, which installs Lighthouse into target/bench-tools when missing.
// Prints one JSON object.
//
//   LIGHTHOUSE=target/bench-tools/node_modules/.bin/lighthouse BASE_URL=… node tests/bench/lighthouse.mjs / /transparansi
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BASE_URL = process.env.BASE_URL ?? 'http://127.0.0.1:8080';
const LIGHTHOUSE = process.env.LIGHTHOUSE ?? 'lighthouse';
const RUNS = Number(process.env.RUNS ?? 3);
const paths = process.argv.slice(2);

function once(path) {
  const dir = mkdtempSync(join(tmpdir(), 'kolaborasi-lh-'));
  const out = join(dir, 'report.json');
  try {
    execFileSync(LIGHTHOUSE, [
      `${BASE_URL}${path}`,
      '--quiet',
      '--output=json',
      `--output-path=${out}`,
      '--only-categories=performance,best-practices,seo,accessibility',
      `--chrome-flags=--headless=new --no-sandbox --disable-gpu --user-data-dir=${join(dir, 'profile')}`,
    ], { env: { ...process.env, CHROME_PATH: process.env.CHROME_PATH ?? '/usr/bin/chromium' }, stdio: ['ignore', 'ignore', 'inherit'] });
    const r = JSON.parse(readFileSync(out, 'utf8'));
    const a = (id) => r.audits[id]?.numericValue;
    return {
      performance: r.categories.performance.score,
      accessibility: r.categories.accessibility.score,
      best_practices: r.categories['best-practices'].score,
      seo: r.categories.seo.score,
      fcp_ms: Math.round(a('first-contentful-paint')),
      lcp_ms: Math.round(a('largest-contentful-paint')),
      tbt_ms: Math.round(a('total-blocking-time')),
      cls: +a('cumulative-layout-shift').toFixed(3),
      bytes: a('total-byte-weight'),
      failed: Object.values(r.audits)
        .filter((x) => x.score !== null && x.score < 0.9 && ['binary', 'numeric'].includes(x.scoreDisplayMode))
        .map((x) => x.id),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const pages = {};
for (const path of paths) {
  const runs = [];
  for (let i = 0; i < RUNS; i += 1) runs.push(once(path));
  runs.sort((x, y) => x.performance - y.performance || y.lcp_ms - x.lcp_ms);
  pages[path] = { ...runs[Math.floor(runs.length / 2)], performance_runs: runs.map((r) => r.performance) };
}
console.log(JSON.stringify({ runs: RUNS, pages }));
