// Tollgate UI: small progressive enhancements. Every page works without this script.
(function () {
  "use strict";
  // Forms with data-confirm ask before submitting (cancel, archive, replay…).
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!(form instanceof HTMLFormElement)) { return; }
    var text = form.getAttribute("data-confirm");
    if (text && !window.confirm(text)) { e.preventDefault(); return; }
    // One submission per form: a double click does not post twice.
    if (form.getAttribute("data-submitted") === "1") { e.preventDefault(); return; }
    form.setAttribute("data-submitted", "1");
  });
  // Selects with data-autosubmit submit their form on change (filters, currency).
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el && el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) { el.form.submit(); }
  });
  // Close the language menu when clicking elsewhere or pressing Escape.
  function closeMenus(except) {
    document.querySelectorAll("details.langs[open]").forEach(function (d) { if (d !== except) { d.removeAttribute("open"); } });
  }
  document.addEventListener("click", function (e) { closeMenus(e.target.closest ? e.target.closest("details.langs") : null); });
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") { closeMenus(null); } });
})();
// A page restored from the back/forward cache may be submitted again.
window.addEventListener("pageshow", function () {
  document.querySelectorAll("form[data-submitted]").forEach(function (f) { f.removeAttribute("data-submitted"); });
});
// A table wider than the screen scrolls inside its box: make that box reachable with the
// keyboard (arrow keys scroll it) and name it after its section's heading.
(function () {
  function tables() {
    document.querySelectorAll(".table-wrap:not([tabindex])").forEach(function (wrap) {
      if (wrap.scrollWidth <= wrap.clientWidth) { return; }
      wrap.setAttribute("tabindex", "0");
      wrap.setAttribute("role", "region");
      var section = wrap.closest("section, .card");
      var heading = section && section.querySelector("h1, h2, h3, caption");
      if (heading && heading.textContent) { wrap.setAttribute("aria-label", heading.textContent.trim()); }
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", tables); } else { tables(); }
  // A rotation or a narrower window can make a table overflow later.
  var pending = null;
  window.addEventListener("resize", function () {
    if (pending) { clearTimeout(pending); }
    pending = setTimeout(tables, 150);
  });
})();
