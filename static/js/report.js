// "Report this image" in place: the image's report link opens its form in a <dialog>,
// the form posts with fetch and the thanks replaces it. Without this file (or without
// fetch/<dialog>) the link leads to the same form on its own page, which works alone.
(function () {
  "use strict";
  var template = document.getElementById("report-dialog");
  if (!template || !window.fetch || !window.HTMLDialogElement || !window.FormData) return;

  var HEADERS = { "X-Requested-With": "report-dialog" };
  var dialog = null;
  var opener = null;

  function part(name) {
    return dialog.querySelector("[data-report-" + name + "]");
  }

  function failed() {
    part("error").hidden = false;
  }

  function show(html) {
    var body = part("body");
    body.innerHTML = html; // our own server-rendered form, nothing from the page
    var form = body.querySelector("form");
    if (!form) return;
    form.addEventListener("submit", submit);
    var cancel = form.querySelector("[data-report-cancel]");
    if (cancel) {
      cancel.addEventListener("click", function (event) {
        event.preventDefault();
        dialog.close();
      });
    }
    var first = form.querySelector("[aria-invalid=true], input[type=radio]:checked, input[type=radio]");
    if (first) first.focus();
  }

  function thank(message) {
    // The live region was in the dialog from the start: filling it is announced.
    part("body").hidden = true;
    var status = part("status");
    status.hidden = false;
    status.textContent = message;
    part("close").focus();
  }

  function submit(event) {
    event.preventDefault();
    var form = event.target;
    var button = form.querySelector("button[type=submit]");
    if (button && button.getAttribute("aria-disabled") === "true") return;
    // aria-disabled, not disabled: the button keeps the focus it has.
    if (button) button.setAttribute("aria-disabled", "true");
    part("error").hidden = true;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: Object.assign({ Accept: "application/json" }, HEADERS),
    })
      .then(function (response) {
        if (response.ok) {
          return response.json().then(function (data) { thank(data.message); });
        }
        if (response.status === 400) {
          return response.text().then(show);
        }
        throw new Error(String(response.status));
      })
      .catch(function () {
        if (button) button.removeAttribute("aria-disabled");
        failed();
      });
  }

  function open(link) {
    if (!dialog) {
      dialog = template.content.firstElementChild.cloneNode(true);
      document.body.appendChild(dialog);
      part("close").addEventListener("click", function () { dialog.close(); });
      dialog.addEventListener("close", function () {
        if (opener) opener.focus();
      });
    }
    opener = link;
    part("error").hidden = true;
    part("status").hidden = true;
    part("status").textContent = "";
    part("body").hidden = false;
    part("body").innerHTML = template.content.querySelector("[data-report-body]").innerHTML;
    dialog.showModal();
    fetch(link.href, { credentials: "same-origin", headers: HEADERS })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(show)
      .catch(failed);
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-report-image]");
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    open(link);
  });
})();
