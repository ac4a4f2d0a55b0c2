// Commitment benchmark (run by `cargo xtask bench`, not by the test suite):
// CLIENTS concurrent clients POST commitments of one unit for DURATION_MS,
// each request with its own Idempotency-Key. "spread" picks a random open
// need of the demo data per request; "hot" sends every request to the one
// need with the most remaining (worst-case contention on one row), and to
// the next when it is sold out. The rate is of commitments made (201).
//
// A crowd, not one machine: the server runs with its deployed limits, every
// commitment has a donor address of its own, and each client connects from
// a loopback address of its own (127.0.0.0/8 is all local), moving to a new
// one after PER_ADDRESS commitments (under the 30 per network and hour an
// unconfirmed donor may make).
// Prints one JSON object.
import http from 'node:http';

const BASE_URL = process.env.BASE_URL;
const CLIENTS = Number(process.env.CLIENTS ?? 32);
const DURATION_MS = Number(process.env.DURATION_MS ?? 8000);
const PER_ADDRESS = 25;
const target = new URL(BASE_URL);

// A random start: runs against one server do not reuse addresses.
let addresses = Math.floor(Math.random() * 4_000_000);
/** A fresh loopback source address: 127.c.b.a, a and c never 0 or 255. */
function nextAddress() {
  const n = addresses++;
  return `127.${1 + (Math.floor(n / (254 * 256)) % 254)}.${Math.floor(n / 254) % 256}.${1 + (n % 254)}`;
}

function post(agent, path, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: target.hostname, port: target.port, path, method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.on('data', () => {});
        res.on('end', () => resolve(res.statusCode));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const list = await (await fetch(`${BASE_URL}/api/v1/locations`)).json();
const candidates = list.locations.filter((l) => (l.remaining_percent ?? 0) > 30).slice(0, 400);
const needs = [];
for (const l of candidates) {
  const d = await (await fetch(`${BASE_URL}/api/v1/locations/${l.id}`)).json();
  for (const n of d.needs) if (n.remaining > 50) needs.push({ location: l.id, package: n.package_id, remaining: n.remaining });
}
if (needs.length === 0) throw new Error('no open needs in the demo data');
// The hot need is the one with the most remaining; when it is sold out,
// the next one (a need has a finite target, a crowd can empty it).
const hottest = [...needs].sort((a, b) => b.remaining - a.remaining);
let hotIndex = 0;
const today = new Date().toISOString().slice(0, 10);

function body(need, donor) {
  return JSON.stringify({
    location_id: need.location,
    lines: [{ package_id: need.package, quantity: 1 }],
    planned_date: today,
    collaborator: { name: 'Bench Collaborator', kind: 'company', email: `${donor}@contoh.co.id`, phone: '0812-0000-0000', show_name: false },
  });
}

async function run(mode) {
  const latencies = [];
  let created = 0, conflicts = 0, other = 0, seq = 0;
  const others = {};
  const end = performance.now() + DURATION_MS;
  const started = performance.now();
  async function worker(w) {
    let agent = null;
    let used = PER_ADDRESS;
    while (performance.now() < end) {
      if (used === PER_ADDRESS) {
        agent?.destroy();
        agent = new http.Agent({ keepAlive: true, maxSockets: 1, localAddress: nextAddress() });
        used = 0;
      }
      used++;
      const hotAt = hotIndex;
      const need = mode === 'hot' ? hottest[hotAt % hottest.length] : needs[Math.floor(Math.random() * needs.length)];
      const donor = `bench-${mode}-${w}-${seq++}-${Date.now()}`;
      const t0 = performance.now();
      const status = await post(
        agent,
        '/api/v1/commitments',
        { 'content-type': 'application/json', 'idempotency-key': donor },
        body(need, donor),
      );
      latencies.push(performance.now() - t0);
      if (status === 201) created++;
      else if (status === 409) {
        conflicts++;
        if (mode === 'hot' && hotIndex === hotAt) hotIndex++;
      }
      else {
        other++;
        others[status] = (others[status] ?? 0) + 1;
      }
    }
    agent?.destroy();
  }
  await Promise.all(Array.from({ length: CLIENTS }, (_, w) => worker(w)));
  const seconds = (performance.now() - started) / 1000;
  const s = latencies.sort((a, b) => a - b);
  const q = (p) => +s[Math.min(s.length - 1, Math.floor(p * s.length))].toFixed(1);
  return { mode, clients: CLIENTS, seconds: +seconds.toFixed(1), requests: s.length, created, conflicts, other, others,
    per_second: Math.round(created / seconds), answers_per_second: Math.round(s.length / seconds), p50_ms: q(0.5), p99_ms: q(0.99), max_ms: +s.at(-1).toFixed(1) };
}

const results = [await run('spread'), await run('hot')];
console.log(JSON.stringify({ needs: needs.length, results }));
