/* Hearth: small progressive enhancements. Everything here is optional; the pages work without it.
   - Ctrl+K / Cmd+K (and "/" when not typing) focuses the global search box
   - Escape closes the search suggestions; arrow keys move through them
   - #theme-toggle switches light/dark and remembers the choice
   - every htmx request carries the CSRF token as the X-CSRF-Token header */
(function () {
  "use strict";

  var THEME_KEY = "hearth-theme";

  function $(id) {
    return document.getElementById(id);
  }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") || "" : "";
  }

  // --- CSRF header on htmx requests -------------------------------------------------------
  document.addEventListener("htmx:configRequest", function (evt) {
    var token = csrfToken();
    if (token && evt.detail && evt.detail.headers) {
      evt.detail.headers["X-CSRF-Token"] = token;
    }
  });

  // --- Theme toggle -----------------------------------------------------------------------
  function currentTheme() {
    return document.documentElement.getAttribute("data-theme") === "dark" ? "dark" : "light";
  }

  function syncToggle() {
    var btn = $("theme-toggle");
    if (!btn) return;
    var dark = currentTheme() === "dark";
    btn.setAttribute("aria-pressed", dark ? "true" : "false");
    btn.setAttribute("title", dark ? "Dark theme is on (switch to light)" : "Light theme is on (switch to dark)");
  }

  function toggleTheme() {
    var next = currentTheme() === "dark" ? "light" : "dark";
    document.documentElement.setAttribute("data-theme", next);
    try {
      window.localStorage.setItem(THEME_KEY, next);
    } catch (e) {
      /* storage disabled: the choice lasts for this page only */
    }
    syncToggle();
  }

  // --- Global search and its suggestions --------------------------------------------------
  function searchInput() {
    return $("global-search");
  }

  function suggestBox() {
    return $("search-suggest");
  }

  function suggestLinks() {
    var box = suggestBox();
    return box ? Array.prototype.slice.call(box.querySelectorAll("a[href]")) : [];
  }

  function suggestOpen() {
    var box = suggestBox();
    return !!box && box.children.length > 0;
  }

  function closeSuggest() {
    var box = suggestBox();
    if (box) box.innerHTML = "";
  }

  function focusSearch() {
    var input = searchInput();
    if (!input) return false;
    input.focus();
    input.select();
    return true;
  }

  function isTypingTarget(el) {
    if (!el) return false;
    if (el.isContentEditable) return true;
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  document.addEventListener("keydown", function (e) {
    var key = e.key;

    // Ctrl+K / Cmd+K from anywhere.
    if ((e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && (key === "k" || key === "K")) {
      if (focusSearch()) e.preventDefault();
      return;
    }

    // "/" when not typing in a field.
    if (key === "/" && !e.ctrlKey && !e.metaKey && !e.altKey && !isTypingTarget(e.target)) {
      if (focusSearch()) e.preventDefault();
      return;
    }

    var input = searchInput();
    var box = suggestBox();
    if (!input || !box) return;
    var inSearch = e.target === input || box.contains(e.target);
    if (!inSearch) return;

    if (key === "Escape") {
      if (suggestOpen()) {
        e.preventDefault();
        var wasInList = box.contains(e.target);
        closeSuggest();
        if (wasInList) input.focus();
      }
      return;
    }

    if (key !== "ArrowDown" && key !== "ArrowUp" && key !== "Home" && key !== "End") return;
    var links = suggestLinks();
    if (!links.length) return;
    var i = links.indexOf(e.target);

    if (e.target === input) {
      if (key === "ArrowDown") {
        e.preventDefault();
        links[0].focus();
      } else if (key === "ArrowUp") {
        e.preventDefault();
        links[links.length - 1].focus();
      }
      return;
    }
    if (i < 0) return;
    e.preventDefault();
    if (key === "ArrowDown") {
      links[(i + 1) % links.length].focus();
    } else if (key === "ArrowUp") {
      if (i === 0) input.focus();
      else links[i - 1].focus();
    } else if (key === "Home") {
      links[0].focus();
    } else if (key === "End") {
      links[links.length - 1].focus();
    }
  });

  // Clicking elsewhere closes the suggestions.
  document.addEventListener("click", function (e) {
    var form = document.querySelector(".global-search");
    if (form && !form.contains(e.target) && suggestOpen()) closeSuggest();
  });

  // Focus leaving the search area closes them too (keyboard users tabbing on).
  document.addEventListener("focusout", function (e) {
    var form = document.querySelector(".global-search");
    if (!form || !form.contains(e.target)) return;
    var next = e.relatedTarget;
    if (next && !form.contains(next)) closeSuggest();
  });

  function init() {
    var btn = $("theme-toggle");
    if (btn) btn.addEventListener("click", toggleTheme);
    syncToggle();
    var input = searchInput();
    // (aria-expanded is not allowed on a plain searchbox; aria-controls is.)
    if (input) input.setAttribute("aria-controls", "search-suggest");
    // theme.js may switch the theme when the OS preference changes.
    new MutationObserver(syncToggle).observe(document.documentElement, {
      attributes: true,
      attributeFilter: ["data-theme"],
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();

// The patient banner (templates/patients/_banner.html) stays under the top bar and turns
// compact once its place scrolls by; a sentinel before it tells (no scroll handler).
(function () {
  "use strict";
  function initBanner() {
    var banner = document.querySelector("[data-sticky-banner]");
    if (!banner || !("IntersectionObserver" in window)) return;
    var topbar = document.querySelector(".topbar");
    var h = topbar ? Math.ceil(topbar.getBoundingClientRect().height) : 0;
    document.documentElement.style.setProperty("--topbar-h", h + "px");
    var sentinel = document.createElement("div");
    sentinel.setAttribute("aria-hidden", "true");
    sentinel.style.height = "1px";
    banner.parentNode.insertBefore(sentinel, banner);
    new IntersectionObserver(
      function (entries) {
        var e = entries[0];
        banner.classList.toggle("is-compact", !e.isIntersecting && e.boundingClientRect.top < h + 1);
      },
      { rootMargin: "-" + h + "px 0px 0px 0px", threshold: 0 }
    ).observe(sentinel);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", initBanner);
  else initBanner();
})();
