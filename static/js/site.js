// Progressive enhancement only: every page works without this file.
// Move keyboard and screen-reader focus to a form's error summary when a form comes back with errors.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector(".error-summary");
  if (summary) {
    summary.focus();
  }
});
