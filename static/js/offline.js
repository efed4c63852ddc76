/* The offline page (templates/articles/offline.html): lists the reading pages the
   service worker kept (static/js/sw.js, cache "newsroom-pages"), newest first, each
   by its own headline, read from the kept copy itself. */
(() => {
  "use strict";

  const PAGES = "newsroom-pages";
  const READING = /^\/(?:fr\/)?[\w-]+\/\d+\/$/;

  async function savedPages() {
    if (!("caches" in window) || !(await caches.has(PAGES))) return [];
    const cache = await caches.open(PAGES);
    const keys = (await cache.keys()).filter((r) => READING.test(new URL(r.url).pathname));
    const found = [];
    for (const request of keys.reverse()) {
      const response = await cache.match(request);
      if (response) found.push(describe(request.url, await response.text()));
    }
    return found;
  }

  function describe(address, html) {
    const doc = new DOMParser().parseFromString(html, "text/html");
    const heading = doc.querySelector("main h1");
    return {
      href: new URL(address).pathname,
      title: (heading ? heading.textContent : doc.title).trim(),
      lang: (heading && heading.getAttribute("lang")) || doc.documentElement.lang,
    };
  }

  function item(page) {
    const link = document.createElement("a");
    link.href = page.href;
    link.textContent = page.title;
    link.dir = "auto";
    if (page.lang) link.lang = page.lang;
    const li = document.createElement("li");
    li.append(link);
    return li;
  }

  async function show() {
    const block = document.querySelector("[data-saved]");
    if (!block) return;
    const pages = await savedPages();
    const list = block.querySelector("[data-saved-list]");
    list.replaceChildren(...pages.map(item));
    list.hidden = pages.length === 0;
    block.querySelector("[data-saved-empty]").hidden = pages.length > 0;
    block.hidden = false;
  }

  show();
})();
