// grapevine: small keyboard helpers. Pages work without this file; nothing here builds HTML from data.
"use strict";

// Tables marked data-keyboard-rows: j/k (anywhere) or the arrow keys (inside the table) move the
// focus between the rows' main links ([data-row-link]); Enter then opens the focused one, as
// any focused link does. The focused row is highlighted by CSS (:focus-within).
function rowLinks(table) {
  return Array.prototype.slice.call(table.querySelectorAll("tbody [data-row-link]"));
}

function moveRow(table, step) {
  var links = rowLinks(table);
  if (!links.length) return false;
  var current = links.findIndex(function (link) { return link.closest("tr").contains(document.activeElement); });
  var next = current < 0 ? (step > 0 ? 0 : links.length - 1) : Math.min(Math.max(current + step, 0), links.length - 1);
  links[next].focus();
  links[next].closest("tr").scrollIntoView({ block: "nearest" });
  return true;
}

document.addEventListener("keydown", function (event) {
  var target = event.target;
  var typing = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT");
  if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === "/") {
    var search = document.querySelector("[data-shortcut='/']");
    if (search) {
      event.preventDefault();
      search.focus();
      if (typeof search.select === "function" && search.tagName === "INPUT") search.select();
    }
    return;
  }
  var table = document.querySelector("table[data-keyboard-rows]");
  if (!table) return;
  var inside = table.contains(document.activeElement);
  var step = 0;
  if (event.key === "j" || (inside && event.key === "ArrowDown")) step = 1;
  else if (event.key === "k" || (inside && event.key === "ArrowUp")) step = -1;
  if (step && moveRow(table, step)) event.preventDefault();
});

// Filters apply as soon as a select changes (the submit button stays for keyboard users).
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el && el.tagName === "SELECT" && el.form && el.form.classList.contains("filters")) el.form.submit();
});
