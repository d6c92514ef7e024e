// grapevine: small keyboard helpers. Pages work without this file; nothing here builds HTML from data.
"use strict";
document.addEventListener("keydown", function (event) {
  var target = event.target;
  var typing = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT");
  if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === "/") {
    var search = document.querySelector("[data-shortcut='/']");
    if (search) { event.preventDefault(); search.focus(); search.select(); }
  }
});
// Filters apply as soon as a select changes (the submit button stays for keyboard users).
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el && el.tagName === "SELECT" && el.form && el.form.classList.contains("filters")) el.form.submit();
});
