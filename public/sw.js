// Kolaborasi's service worker: keeps the app shell (HTML, wasm, JS, CSS,
// icons) of one build so the app opens with no network. `cargo xtask
// build-client` writes the build's version and file list below (the file
// names carry Trunk's content hashes); this template is never served as is.
//
// - The shell is served from the cache of the active version only, so a
//   page never mixes two builds.
// - A new build installs in the background and waits; the page shows a
//   "new version" notice and the new build runs on the next start (or at
//   once, when the user asks: the page posts 'skip-waiting').
// - API answers are not handled here: the app keeps its own copy of public
//   data (IndexedDB) and never caches private answers.
const VERSION = '__KOLABORASI_BUILD__';
const SHELL = ['__KOLABORASI_SHELL__'];
const PREFIX = 'kolaborasi-shell-';
const CACHE = PREFIX + VERSION;
const BUILT = !VERSION.startsWith('__');

self.addEventListener('install', (event) => {
  if (!BUILT) return;
  // The API never passes through this worker (where the browser supports
  // static routes): no worker start-up per request, and the page's own
  // network state applies to it.
  if (event.addRoutes) {
    event.addRoutes([{ condition: { urlPattern: '/api/*' }, source: 'network' }]).catch(() => {});
  }
  event.waitUntil(
    caches.open(CACHE).then((cache) =>
      cache.addAll(SHELL.map((path) => new Request(path, { cache: 'reload' })))),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys
        .filter((key) => key.startsWith(PREFIX) && key !== CACHE)
        .map((key) => caches.delete(key))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('message', (event) => {
  if (event.data === 'skip-waiting') self.skipWaiting();
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (!BUILT || request.method !== 'GET') return;
  const url = new URL(request.url);
  // Map tiles and other hosts, the API, evidence files: the network's.
  if (url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return;
  // The staff console is a build of its own, never stored here.
  if (url.pathname === '/konsol' || url.pathname.startsWith('/konsol/')) return;
  if (request.mode === 'navigate') {
    // Every page of the app is the same index.html: this build's.
    event.respondWith(
      caches.open(CACHE)
        .then((cache) => cache.match('/index.html'))
        .then((cached) => cached || fetch(request)),
    );
    return;
  }
  event.respondWith(
    caches.open(CACHE)
      .then((cache) => cache.match(request, { ignoreSearch: true }))
      .then((cached) => cached || fetch(request)),
  );
});
