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

// Chart entry (issue 13): an error summary or a duplicate warning takes focus when the page
// loads, and the ARIA combobox of [data-combobox] fields (the ICD-10-CM picker): htmx fills
// its listbox; arrow keys move the active option (aria-activedescendant), Enter chooses it,
// Escape closes the list.
(function () {
  "use strict";
  function focusFirstProblem() {
    var el = document.querySelector(".error-summary, .duplicate-warning");
    if (el) el.focus();
  }
  function parts(input) {
    var box = input.closest("[data-combobox]");
    return { box: box, list: box && box.querySelector("[role=listbox]"), status: box && box.querySelector("[role=status]") };
  }
  function options(list) {
    return Array.prototype.slice.call(list.querySelectorAll("[role=option]:not([aria-disabled=true])"));
  }
  function setOpen(input, open) {
    var p = parts(input);
    p.list.hidden = !open;
    input.setAttribute("aria-expanded", open ? "true" : "false");
    if (!open) input.removeAttribute("aria-activedescendant");
  }
  function activate(input, idx) {
    var opts = options(parts(input).list);
    opts.forEach(function (o, i) {
      o.setAttribute("aria-selected", i === idx ? "true" : "false");
      o.classList.toggle("active", i === idx);
    });
    if (idx >= 0 && opts[idx]) {
      input.setAttribute("aria-activedescendant", opts[idx].id);
      opts[idx].scrollIntoView({ block: "nearest" });
    } else input.removeAttribute("aria-activedescendant");
  }
  function current(input) {
    var opts = options(parts(input).list);
    var id = input.getAttribute("aria-activedescendant");
    for (var i = 0; i < opts.length; i++) if (opts[i].id === id) return i;
    return -1;
  }
  function choose(input, opt) {
    input.value = opt.getAttribute("data-value");
    var p = parts(input);
    if (p.status) p.status.textContent = "Chosen: " + opt.textContent.trim();
    setOpen(input, false);
  }
  document.addEventListener("htmx:afterSwap", function (e) {
    var list = e.target;
    if (!list.matches || !list.matches("[data-combobox] [role=listbox]")) return;
    var input = list.closest("[data-combobox]").querySelector("[role=combobox]");
    if (document.activeElement !== input) return;
    var n = options(list).length;
    setOpen(input, list.children.length > 0);
    activate(input, -1);
    var p = parts(input);
    if (p.status) p.status.textContent = n === 1 ? "1 suggestion" : n + " suggestions";
  });
  document.addEventListener("keydown", function (e) {
    var input = e.target;
    if (!input.matches || !input.matches("[data-combobox] [role=combobox]")) return;
    var list = parts(input).list;
    var opts = options(list);
    var open = !list.hidden;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      if (!opts.length) return;
      e.preventDefault();
      if (!open) setOpen(input, true);
      var i = current(input);
      i = e.key === "ArrowDown" ? (i + 1) % opts.length : (i <= 0 ? opts.length - 1 : i - 1);
      activate(input, i);
    } else if (e.key === "Enter" && open && current(input) >= 0) {
      e.preventDefault();
      choose(input, opts[current(input)]);
    } else if (e.key === "Escape" && open) {
      e.preventDefault();
      setOpen(input, false);
    }
  });
  document.addEventListener("mousedown", function (e) {
    var opt = e.target.closest && e.target.closest("[data-combobox] [role=option]");
    if (!opt || opt.getAttribute("aria-disabled") === "true") return;
    e.preventDefault();
    choose(opt.closest("[data-combobox]").querySelector("[role=combobox]"), opt);
  });
  document.addEventListener("focusout", function (e) {
    var input = e.target;
    if (input.matches && input.matches("[data-combobox] [role=combobox]")) setOpen(input, false);
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", focusFirstProblem);
  else focusFirstProblem();
})();
