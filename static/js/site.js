// Progressive enhancement only: every page works without this file.
// Move keyboard and screen-reader focus to a form's error summary when a form comes back with errors.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector(".error-summary");
  if (summary) {
    summary.focus();
  }
  markScrollingTables();
  window.addEventListener("resize", markScrollingTables);
});

// On a narrow screen a wide table scrolls inside its own box (site.css). One with no link or button in it could
// not be scrolled from the keyboard: it joins the tab order while, and only while, it is wider than its box.
function markScrollingTables() {
  var tables = document.querySelectorAll("main table");
  for (var i = 0; i < tables.length; i++) {
    var table = tables[i];
    var scrolls = table.scrollWidth > table.clientWidth + 1;
    var reachable = table.querySelector("a[href], button, input, select, textarea");
    if (scrolls && !reachable) {
      table.setAttribute("tabindex", "0");
    } else if (table.getAttribute("tabindex") === "0") {
      table.removeAttribute("tabindex");
    }
  }
}
