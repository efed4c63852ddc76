// The headline ticker's pause/play button. The ticker moves by CSS alone and pauses on
// hover and focus without this file; the button is shown only once it works.
(function () {
  "use strict";
  var SPEED = 50; // CSS pixels per second

  document.querySelectorAll("[data-ticker]").forEach(function (ticker) {
    var track = ticker.querySelector(".ticker-track");
    var button = ticker.querySelector(".ticker-toggle");
    if (!track || !button) return;
    var viewport = ticker.querySelector(".ticker-viewport");
    // One speed, however many headlines there are.
    var distance = track.scrollWidth + (viewport ? viewport.clientWidth : 0);
    if (distance > 0) track.style.animationDuration = Math.round(distance / SPEED) + "s";

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
