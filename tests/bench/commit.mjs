// Commitment benchmark (run by `cargo xtask bench`, not by the test suite):
// CLIENTS concurrent clients POST commitments of one unit for DURATION_MS,
// each request with its own Idempotency-Key. "spread" picks a random open
// need of the demo data per request; "hot" sends every request to the one
// need with the most remaining (worst-case contention on one row).
// Prints one JSON object.
const BASE_URL = process.env.BASE_URL;
const CLIENTS = Number(process.env.CLIENTS ?? 32);
const DURATION_MS = Number(process.env.DURATION_MS ?? 8000);

const list = await (await fetch(`${BASE_URL}/api/v1/locations`)).json();
const candidates = list.locations.filter((l) => (l.remaining_percent ?? 0) > 30).slice(0, 400);
const needs = [];
for (const l of candidates) {
  const d = await (await fetch(`${BASE_URL}/api/v1/locations/${l.id}`)).json();
  for (const n of d.needs) if (n.remaining > 50) needs.push({ location: l.id, package: n.package_id, remaining: n.remaining });
}
if (needs.length === 0) throw new Error('no open needs in the demo data');
const hot = needs.reduce((a, b) => (b.remaining > a.remaining ? b : a));
const today = new Date().toISOString().slice(0, 10);

function body(need) {
  return JSON.stringify({
    location_id: need.location,
    lines: [{ package_id: need.package, quantity: 1 }],
    planned_date: today,
    collaborator: { name: 'Bench Collaborator', kind: 'company', email: 'bench@contoh.co.id', phone: '0812-0000-0000', show_name: false },
  });
}

async function run(mode) {
  const latencies = [];
  let created = 0, conflicts = 0, other = 0, seq = 0;
  const end = performance.now() + DURATION_MS;
  const started = performance.now();
  async function worker(w) {
    while (performance.now() < end) {
      const need = mode === 'hot' ? hot : needs[Math.floor(Math.random() * needs.length)];
      const t0 = performance.now();
      const r = await fetch(`${BASE_URL}/api/v1/commitments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': `bench-${mode}-${w}-${seq++}-${Date.now()}` },
        body: body(need),
      });
      await r.arrayBuffer();
      latencies.push(performance.now() - t0);
      if (r.status === 201) created++;
      else if (r.status === 409) conflicts++;
      else other++;
    }
  }
  await Promise.all(Array.from({ length: CLIENTS }, (_, w) => worker(w)));
  const seconds = (performance.now() - started) / 1000;
  const s = latencies.sort((a, b) => a - b);
  const q = (p) => +s[Math.min(s.length - 1, Math.floor(p * s.length))].toFixed(1);
  return { mode, clients: CLIENTS, seconds: +seconds.toFixed(1), requests: s.length, created, conflicts, other,
    per_second: Math.round(s.length / seconds), p50_ms: q(0.5), p99_ms: q(0.99), max_ms: +s.at(-1).toFixed(1) };
}

const results = [await run('spread'), await run('hot')];
console.log(JSON.stringify({ needs: needs.length, results }));
