// Progressive enhancement only: every feature works without this file.

// The list page's filters apply on "应用筛选" (or Enter in the search box), never on a choice
// alone (WCAG 3.2.2 On Input). Applying fetches the same page and swaps in its form and results:
// the link holds only what was chosen, focus stays on the control the user was on, the scroll
// position stays, and the new count is read out. At phone width the options fold behind one
// button, "筛选 (n)". Without this script the form is submitted and the server cleans the link.
(function () {
  "use strict";
  var PHONE = window.matchMedia("(max-width: 40rem)");
  var folded = true; // at phone width the options start folded, and stay as the user left them

  function chosenParams(form) {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string" && value.trim() !== "") params.append(name, value);
    });
    return params;
  }

  function urlFor(form) {
    var query = chosenParams(form).toString();
    return new URL(form.getAttribute("action") + (query ? "?" + query : ""), location.href).href;
  }

  // How to find the same control in the form that replaces this one.
  function locator(element, form) {
    if (!element || !form.contains(element)) return null;
    if (element.id) return "#" + CSS.escape(element.id);
    if (element.matches("input[name]")) {
      return 'input[name="' + CSS.escape(element.name) + '"][value="' + CSS.escape(element.value) + '"]';
    }
    if (element.matches("button[type=submit]")) return "form.filter-form button[type=submit]";
    return null;
  }

  function applyFold() {
    var aside = document.querySelector("aside.filters.foldable");
    var toggle = aside && aside.querySelector(".filter-toggle");
    if (!toggle) return;
    var open = !PHONE.matches || !folded;
    aside.classList.toggle("open", open);
    toggle.setAttribute("aria-expanded", String(open));
  }

  function enhance() {
    var aside = document.querySelector("aside.filters");
    var toggle = aside && aside.querySelector(".filter-toggle");
    if (!toggle) return;
    toggle.hidden = false;
    aside.classList.add("foldable");
    toggle.addEventListener("click", function () {
      folded = !folded;
      applyFold();
    });
    applyFold();
  }

  function announce(text) {
    var status = document.querySelector(".filter-status");
    if (!status) return;
    status.textContent = "";
    // A change to a live region already on the page is read out; set after a pause, so that
    // the same count twice is read out too.
    window.setTimeout(function () { status.textContent = text; }, 150);
  }

  function swap(html, url, push, focusAt) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var form = document.querySelector("form.filter-form"), results = document.querySelector("section.results");
    var newForm = doc.querySelector("form.filter-form"), newResults = doc.querySelector("section.results");
    if (!form || !results || !newForm || !newResults) return false;
    var x = window.scrollX, y = window.scrollY;
    form.replaceWith(document.adoptNode(newForm));
    results.replaceWith(document.adoptNode(newResults));
    document.title = doc.title;
    if (push) history.pushState({ filters: true }, "", url);
    enhance();
    var target = (focusAt && document.querySelector(focusAt)) ||
      document.querySelector("form.filter-form button[type=submit]");
    if (target) target.focus({ preventScroll: true });
    window.scrollTo(x, y);
    var said = document.querySelector("section.results .result-count, section.results .alert, section.results .empty");
    announce(said ? said.textContent.replace(/\s+/g, " ").trim() : "");
    return true;
  }

  function load(url, push, focusAt) {
    var form = document.querySelector("form.filter-form");
    if (form) form.setAttribute("aria-busy", "true");
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        return response.text().then(function (html) { return swap(html, response.url || url, push, focusAt); });
      })
      .then(function (swapped) { if (!swapped) location.assign(url); })
      .catch(function () { location.assign(url); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!document.querySelector("form.filter-form")) return;
    enhance();
    PHONE.addEventListener("change", applyFold);
    if (!window.fetch || !window.DOMParser || !window.CSS || !CSS.escape) return; // plain submits
    history.replaceState({ filters: true }, "");
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (!form.matches("form.filter-form")) return;
      event.preventDefault();
      var active = form.contains(document.activeElement) ? document.activeElement : event.submitter;
      load(urlFor(form), true, locator(active, form));
    });
    window.addEventListener("popstate", function (event) {
      if (event.state && event.state.filters) load(location.href, false, null);
    });
  });
})();
