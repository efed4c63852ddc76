// The headline ticker's pause/play button. The ticker moves by CSS alone and pauses on
// hover and focus without this file; the button is shown only once it works.
(function () {
  "use strict";
  // Nothing here reads the layout: the page's first layout stays the browser's own.
  document.querySelectorAll("[data-ticker]").forEach(function (ticker) {
    var button = ticker.querySelector(".ticker-toggle");
    if (!button) return;

    function setPaused(paused) {
      ticker.classList.toggle("is-paused", paused);
      button.textContent = paused ? button.dataset.labelPlay : button.dataset.labelPause;
    }
    button.addEventListener("click", function () {
      setPaused(!ticker.classList.contains("is-paused"));
    });
    button.hidden = false;
  });
})();
