// The hall screen (templates/queue/screen.html): every few seconds, ask screen.json for the numbers being called
// and the last ones called, and redraw the two tables. A failed request keeps what is shown and tries again.
(function () {
  "use strict";
  var screen = document.querySelector(".queue-screen[data-source]");
  if (!screen) { return; }
  var source = screen.getAttribute("data-source");
  var every = parseInt(screen.getAttribute("data-poll"), 10) || 2500;

  function fill(id, rows) {
    var body = document.getElementById(id);
    if (!body) { return; }
    var fresh = document.createDocumentFragment();
    rows.forEach(function (row) {
      var tr = document.createElement("tr");
      [row.code, row.desk === null ? "" : String(row.desk)].forEach(function (text) {
        var td = document.createElement("td");
        td.textContent = text;
        tr.appendChild(td);
      });
      fresh.appendChild(tr);
    });
    var shown = Array.prototype.map.call(body.rows, function (r) { return r.textContent; }).join("|");
    var next = Array.prototype.map.call(fresh.childNodes, function (r) { return r.textContent; }).join("|");
    if (shown !== next) {  // redraw only on a change, so a screen reader announces new calls only
      body.replaceChildren(fresh);
    }
  }

  function poll() {
    fetch(source, {headers: {"Accept": "application/json"}, credentials: "omit"})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data) {
          fill("screen-calling", data.calling || []);
          fill("screen-recent", data.recent || []);
        }
      })
      .catch(function () { /* the network may come back: keep the numbers shown */ })
      .then(function () { window.setTimeout(poll, every); });
  }
  window.setTimeout(poll, every);
}());
