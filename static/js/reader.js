/* The reader's device settings. Loaded in <head> without defer, so that the text size
   chosen earlier is on <html> before the first paint (no jump as the page draws); then
   the article page's text size buttons, and the service worker that keeps recently read
   pages for offline reading (static/js/sw.js, served at the address in data-worker).
   The size lives in localStorage only: no cookie, nothing sent to the server. */
(() => {
  "use strict";

  const KEY = "newsroom-text-size";
  const SIZES = 4; // site.css: 87.5%, 100% (the default: no attribute), 112.5%, 125%
  const DEFAULT = 1;
  const root = document.documentElement;
  const script = document.currentScript;

  function storedSize() {
    try {
      const value = Number.parseInt(localStorage.getItem(KEY) ?? "", 10);
      return value >= 0 && value < SIZES ? value : DEFAULT;
    } catch (blocked) {
      return DEFAULT; // storage turned off: the default size, as without JavaScript
    }
  }

  function apply(size) {
    if (size === DEFAULT) root.removeAttribute("data-text-size");
    else root.setAttribute("data-text-size", String(size));
    for (const button of document.querySelectorAll("[data-text-size-step]")) {
      const next = size + Number(button.dataset.textSizeStep);
      button.setAttribute("aria-disabled", String(next < 0 || next >= SIZES));
    }
  }

  function choose(size) {
    try {
      if (size === DEFAULT) localStorage.removeItem(KEY);
      else localStorage.setItem(KEY, String(size));
    } catch (blocked) {
      // Not remembered, but still applied to this page.
    }
    apply(size);
  }

  function wireControl() {
    const control = document.querySelector("[data-text-size-control]");
    if (!control) return;
    control.addEventListener("click", (event) => {
      const button = event.target.closest("[data-text-size-step]");
      if (!button) return;
      const next = storedSizeOrCurrent() + Number(button.dataset.textSizeStep);
      if (next >= 0 && next < SIZES) choose(next);
    });
    apply(storedSizeOrCurrent());
    control.hidden = false; // shown only where it works
  }

  function storedSizeOrCurrent() {
    const current = root.getAttribute("data-text-size");
    return current === null ? DEFAULT : Number(current);
  }

  function registerWorker() {
    const address = script && script.dataset.worker;
    if (!address || !("serviceWorker" in navigator) || !window.isSecureContext) return;
    const first = !navigator.serviceWorker.controller;
    navigator.serviceWorker.register(address, { scope: "/" }).catch(() => {
      // No offline copies then; the site works as before.
    });
    // This page loaded before the worker ran: have it kept once the worker takes over.
    if (first) navigator.serviceWorker.addEventListener("controllerchange", keepThisPage, { once: true });
  }

  function keepThisPage() {
    const pictures = [...document.images].map((image) => image.currentSrc).filter(Boolean);
    navigator.serviceWorker.controller?.postMessage({ keep: location.href, pictures });
  }

  apply(storedSize());
  // Another tab changed the size: follow it.
  window.addEventListener("storage", (event) => {
    if (event.key === KEY || event.key === null) apply(storedSize());
  });
  document.addEventListener("DOMContentLoaded", wireControl);
  window.addEventListener("load", registerWorker);
})();
