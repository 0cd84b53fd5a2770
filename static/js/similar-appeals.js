// Progressive enhancement of the filing form (templates/appeals/new.html): the open public appeals like the one
// being written appear in the form's live region as the resident types, and following one keeps what they wrote.
// Without this file the form's "Check for similar appeals" button brings the same list in a page load.
(function () {
  "use strict";

  // Wait this long after the last keystroke before asking: one request per pause, not per key.
  var PAUSE_MS = 700;
  // The server reads at most 2,000 characters of the text; the first part says what the matter is.
  var MAX_TEXT = 1500;

  document.addEventListener("DOMContentLoaded", function () {
    var region = document.getElementById("similar-appeals");
    if (!region || !window.fetch || !window.URLSearchParams) {
      return;
    }
    var form = region.closest("form");
    var url = region.getAttribute("data-url");
    var timer = null;
    var pending = null;
    var lastQuery = null;

    function value(name) {
      var field = form.elements[name];
      return field ? field.value : "";
    }

    function currentQuery() {
      var params = new URLSearchParams();
      params.set("district_id", value("district_id"));
      params.set("category_id", value("category_id"));
      params.set("subject", value("subject"));
      params.set("text", value("text").slice(0, MAX_TEXT));
      return params.toString();
    }

    function worthAsking() {
      return value("district_id") && value("category_id") && (value("subject").trim() || value("text").trim());
    }

    // Draw the list again; the live region then reads out what changed (only when something did).
    function refresh(again, focusAppeal) {
      var query = again && lastQuery !== null ? lastQuery : currentQuery();
      if (!again && (query === lastQuery || !worthAsking())) {
        return;
      }
      lastQuery = query;
      if (pending) {
        pending.abort();
      }
      pending = new AbortController();
      fetch(url + "?" + query, {credentials: "same-origin", headers: {"Accept": "text/html"}, signal: pending.signal})
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (html !== null && html.trim() !== region.innerHTML.trim()) {
            region.innerHTML = html;
          }
          if (focusAppeal) {
            var target = region.querySelector('[data-appeal="' + focusAppeal + '"] button, [data-appeal="' + focusAppeal + '"] a');
            if (target) {
              target.focus();
            }
          }
        })
        .catch(function () { /* aborted by a newer request, or offline: the list stays as it was */ });
    }

    function later() {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { refresh(false); }, PAUSE_MS);
    }

    ["subject", "text"].forEach(function (name) {
      if (form.elements[name]) {
        form.elements[name].addEventListener("input", later);
      }
    });
    ["district_id", "category_id"].forEach(function (name) {
      if (form.elements[name]) {
        form.elements[name].addEventListener("change", function () { refresh(false); });
      }
    });

    // Following (or no longer following) from the list: posted in the background with the form's CSRF token, so
    // that what the resident wrote stays in the form; then the list is drawn again with the new state.
    region.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-similar-action]");
      if (!button) {
        return;
      }
      event.preventDefault();
      var card = button.closest("[data-appeal]");
      var body = new FormData();
      body.append("csrf_token", value("csrf_token"));
      body.append(button.name, button.value);
      button.disabled = true;
      // The redirect is followed: the page it leads to takes the confirmation message, which the list says anyway.
      fetch(button.getAttribute("formaction"), {method: "POST", body: body, credentials: "same-origin"})
        .then(function () { refresh(true, card ? card.getAttribute("data-appeal") : null); })
        .catch(function () { button.disabled = false; });
    });
  });
})();
