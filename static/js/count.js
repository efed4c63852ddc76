/* Counts a read of this article for "most read" (docs/privacy.md): one small POST to
   our own /read/ once the page is shown, with no cookie (credentials: "omit"). A page
   rendered ahead of time (prerender) is counted only if the reader opens it. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.dataset.countUrl || !script.dataset.article) return;
  var url = script.dataset.countUrl;
  var body = new URLSearchParams({ article: script.dataset.article });

  function send() {
    if (window.fetch) {
      fetch(url, { method: "POST", body: body, keepalive: true, credentials: "omit", mode: "same-origin" })
        .catch(function () { /* a lost count is harmless */ });
    } else if (navigator.sendBeacon) {
      navigator.sendBeacon(url, body);
    }
  }

  if (document.prerendering) {
    document.addEventListener("prerenderingchange", send, { once: true });
  } else {
    send();
  }
})();
