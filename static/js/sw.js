/* Newsroom's service worker: the pages a reader opened recently, readable offline.
   Served at /sw.js by articles/site/offline.py (a worker's scope is the folder it is
   served from, so /static/ would cover only /static/), which writes VERSION, SHELL (the
   offline pages and the files they need, at their current static addresses),
   STATIC_URL and MEDIA_URL above this text. The policy is docs/offline.md's. */
"use strict";

const SHELL_CACHE = `newsroom-shell-${VERSION}`;
const PAGES = "newsroom-pages";
const PICTURES = "newsroom-pictures";
const FILES = "newsroom-static";
const META = "newsroom-meta";
const SWEPT = new URL("/__newsroom/swept", self.location.origin).href;
const MAX_READING_PAGES = 30;
const MAX_FILES = 60;
const SWEEP_EVERY_MS = 10 * 60 * 1000;
// The home page of each edition, and reading pages: an article, a story.
const HOME = /^\/(?:fr\/)?$/;
const READING = /^\/(?:fr\/)?[\w-]+\/\d+\/$/;
// ManifestStaticFilesStorage's names (site.3f2a1b4c5d6e.css) never change content.
const HASHED = /\.[0-9a-f]{12}\.\w+$/;
const NEVER = /^\/(?:admin|api)(?:\/|$)/;
const GONE = new Set([404, 410]);
const ANY = { ignoreVary: true };

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(SHELL_CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(dropOldShells().then(() => self.clients.claim()));
});

// The page open when the worker first took control came before it: reader.js sends its
// address and the pictures it shows, to be kept as if read under the worker.
self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (typeof data.keep === "string") event.waitUntil(keepOpenPage(data.keep, data.pictures));
});

async function keepOpenPage(address, pictures) {
  const url = new URL(address);
  if (url.origin !== self.location.origin || NEVER.test(url.pathname)) return;
  await keepPage(url, await fetch(url.href));
  for (const source of Array.isArray(pictures) ? pictures : []) {
    const shown = new URL(source, url);
    if (shown.origin !== url.origin || !shown.pathname.startsWith(MEDIA_URL)) continue;
    await picture(new Request(shown.href)).catch(() => null);
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  // Only our own GETs: never a POST, never the admin or the API.
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (NEVER.test(url.pathname)) return;
  if (request.mode === "navigate") event.respondWith(page(event, url));
  else if (url.pathname.startsWith(MEDIA_URL)) event.respondWith(picture(request));
  else if (url.pathname.startsWith(STATIC_URL)) event.respondWith(staticFile(request, url));
});

async function dropOldShells() {
  for (const name of await caches.keys()) {
    if (name.startsWith("newsroom-shell-") && name !== SHELL_CACHE) await caches.delete(name);
  }
}

// Pages: network first, so an online reader never gets a stale copy; not even from the
// browser's HTTP cache (pages may be kept there a minute): asked again, a 304 if unchanged.
async function page(event, url) {
  let response;
  try {
    response = await fetch(new Request(event.request, { cache: "no-cache" }));
  } catch (offline) {
    return (await caches.match(url.href, { ...ANY, cacheName: PAGES })) || offlinePage(url);
  }
  event.waitUntil(keepPage(url, response.clone()).then(maybeSweep));
  return response;
}

async function offlinePage(url) {
  const address = url.pathname.startsWith("/fr/") ? SHELL[1] : SHELL[0];
  return (await caches.match(address, { ...ANY, cacheName: SHELL_CACHE })) || Response.error();
}

// Kept: the home pages and reading pages the same for every reader (our page cache marks
// them `public`); a page that sets a cookie or is private is not (a worker cannot read
// Set-Cookie, so the server's Cache-Control is what tells).
function isKept(url, response) {
  const control = response.headers.get("Cache-Control") || "";
  const type = response.headers.get("Content-Type") || "";
  return response.status === 200 && response.type === "basic" && !url.search
    && (HOME.test(url.pathname) || READING.test(url.pathname))
    && /\bpublic\b/.test(control) && !/\b(?:private|no-store)\b/.test(control)
    && type.startsWith("text/html");
}

async function keepPage(url, response) {
  const cache = await caches.open(PAGES);
  if (GONE.has(response.status)) {
    await cache.delete(url.href, ANY); // hidden or deleted: out of the offline copies
  } else if (isKept(url, response)) {
    const before = await cache.match(url.href, ANY);
    const shownBefore = before ? picturesIn(await before.text(), url.href) : new Set();
    const shownNow = picturesIn(await response.clone().text(), url.href);
    await cache.delete(url.href, ANY); // so that keys() lists it last, as the newest
    await cache.put(url.href, response);
    await trimPages(cache);
    // A picture this page no longer shows may have been hidden: if so it goes now, even
    // while older kept pages still name it.
    await dropGone(PICTURES, [...shownBefore].filter((address) => !shownNow.has(address)));
  } else {
    return;
  }
  await dropUnusedPictures();
}

function picturesIn(html, base) {
  const address = new RegExp(`${MEDIA_URL.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}[^"'\\s,)]+`, "g");
  return new Set([...html.matchAll(address)].map((found) => new URL(found[0], base).href));
}

// Deletes from `name` those of `addresses` the server says are gone (404/410).
async function dropGone(name, addresses) {
  const cache = await caches.open(name);
  let dropped = false;
  for (const address of addresses) {
    const answer = await fetch(address, { method: "HEAD", cache: "no-store" }).catch(() => null);
    if (answer && GONE.has(answer.status)) dropped = (await cache.delete(address, ANY)) || dropped;
  }
  return dropped;
}

async function trimPages(cache) {
  const reading = (await cache.keys()).filter((r) => READING.test(new URL(r.url).pathname));
  for (const old of reading.slice(0, Math.max(0, reading.length - MAX_READING_PAGES))) {
    await cache.delete(old);
  }
}

// A picture stays only while a kept page shows it: a hidden one is replaced by a
// placeholder in the page's next copy, and goes.
async function dropUnusedPictures() {
  const pages = await caches.open(PAGES);
  const shown = new Set();
  for (const key of await pages.keys()) {
    const text = await (await pages.match(key)).text();
    for (const address of picturesIn(text, key.url)) shown.add(address);
  }
  const pictures = await caches.open(PICTURES);
  for (const key of await pictures.keys()) {
    if (!shown.has(key.url)) await pictures.delete(key);
  }
}

// Our image copies: cache first (their names are their contents' hashes).
async function picture(request) {
  const kept = await caches.match(request, { ...ANY, cacheName: PICTURES });
  if (kept) return kept;
  const response = await fetch(request);
  if (response.ok && response.type === "basic") {
    const cache = await caches.open(PICTURES);
    await cache.put(request.url, response.clone());
  }
  return response;
}

// Hashed static files: cache first. Unhashed ones (DEBUG): network first, the copy offline.
async function staticFile(request, url) {
  if (HASHED.test(url.pathname)) {
    const kept = await caches.match(request, ANY);
    return kept || fetchAndKeep(request);
  }
  try {
    return await fetchAndKeep(request);
  } catch (offline) {
    const kept = await caches.match(request, ANY);
    if (kept) return kept;
    throw offline;
  }
}

async function fetchAndKeep(request) {
  const response = await fetch(request);
  if (response.status === 200 && response.type === "basic") {
    const cache = await caches.open(FILES);
    await cache.delete(request.url, ANY);
    await cache.put(request.url, response.clone());
    const keys = await cache.keys();
    for (const old of keys.slice(0, Math.max(0, keys.length - MAX_FILES))) await cache.delete(old);
  }
  return response;
}

// Now and then, online: ask again for every kept reading page and picture, so that
// what was hidden since (404/410) leaves the offline copies even if not opened again.
async function maybeSweep() {
  const meta = await caches.open(META);
  const last = await meta.match(SWEPT);
  if (last && Date.now() - Number(await last.text()) < SWEEP_EVERY_MS) return;
  await meta.put(SWEPT, new Response(String(Date.now())));
  const pages = (await (await caches.open(PAGES)).keys()).map((r) => r.url);
  const pictures = (await (await caches.open(PICTURES)).keys()).map((r) => r.url);
  const droppedPages = await dropGone(PAGES, pages);
  await dropGone(PICTURES, pictures);
  if (droppedPages) await dropUnusedPictures();
}
