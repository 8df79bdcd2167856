/* Hearth: the session's idle warning and form drafts (issue 13, item 2). Optional: pages work
   without it.
   - A dialog warns WARN_SECONDS before the idle timeout (meta hearth-session: its seconds and
     the user); "Stay signed in" posts /session/keepalive. Any page load or htmx request counts
     as activity and restarts the countdown.
   - Forms marked data-draft keep what is typed in this browser's localStorage, keyed by user and
     page. A draft becomes "orphaned" when its session ends without a sign-out (the sign-in page
     or the ended-session dialog is reached); only orphaned drafts are put back, on their page,
     after signing in again. Drafts go after a successful submit, on sign-out, when another user
     signs in, when their form is opened afresh, and after DRAFT_MAX_HOURS. */
(function () {
  "use strict";

  var WARN_SECONDS = 120;
  var DRAFT_PREFIX = "hearth-draft:";
  var PENDING_KEY = "hearth-draft-pending";
  var DRAFT_MAX_HOURS = 12;

  var meta = document.querySelector('meta[name="hearth-session"]');
  var idle = meta ? parseInt(meta.getAttribute("content"), 10) || 0 : 0;
  var user = meta ? meta.getAttribute("data-user") || "" : "";
  var lastUser = "";
  try {
    lastUser = localStorage.getItem("hearth-last-user") || "";
    if (user) {
      localStorage.setItem("hearth-last-user", user);
    }
  } catch (e) { /* storage unavailable: no drafts */ }

  function csrfToken() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute("content") || "" : "";
  }

  // --- Drafts -----------------------------------------------------------------------------
  function forms() {
    return Array.prototype.slice.call(document.querySelectorAll("form[data-draft]"));
  }

  function draftKey(form, who) {
    var all = forms();
    var name = form.id || form.getAttribute("action") || String(all.indexOf(form));
    return DRAFT_PREFIX + who + ":" + location.pathname + ":" + name;
  }

  function fields(form) {
    return Array.prototype.slice.call(form.elements).filter(function (el) {
      if (!el.name || el.disabled || el.name === "csrf_token") return false;
      var t = (el.type || "").toLowerCase();
      return ["hidden", "password", "file", "submit", "button", "reset"].indexOf(t) < 0;
    });
  }

  function snapshot(form) {
    var data = {};
    var typed = false;
    fields(form).forEach(function (el) {
      var t = (el.type || "").toLowerCase();
      var key = el.name + (t === "radio" || t === "checkbox" ? "=" + el.value : "");
      if (t === "radio" || t === "checkbox") {
        data[key] = el.checked;
      } else {
        data[key] = el.value;
        if (el.value && el.value !== el.defaultValue) typed = true;
      }
    });
    return typed ? data : null;
  }

  function save(form) {
    if (!user) return;
    try {
      var data = snapshot(form);
      var key = draftKey(form, user);
      if (data) {
        localStorage.setItem(key, JSON.stringify({ at: Date.now(), data: data, orphan: false }));
      } else {
        localStorage.removeItem(key);
      }
    } catch (e) { /* full or unavailable */ }
  }

  function restore(form) {
    if (!user) return false;
    var raw = null;
    var key = draftKey(form, user);
    try { raw = localStorage.getItem(key); } catch (e) { return false; }
    if (!raw) return false;
    var draft;
    try { draft = JSON.parse(raw); } catch (e) { return false; }
    if (!draft || !draft.data || !draft.orphan || Date.now() - draft.at > DRAFT_MAX_HOURS * 3600 * 1000) {
      // Not left behind by an ended session: this form starts afresh.
      try { localStorage.removeItem(key); } catch (e) { /* ignore */ }
      return false;
    }
    try {
      draft.orphan = false;
      localStorage.setItem(key, JSON.stringify(draft));
    } catch (e) { /* ignore */ }
    var changed = false;
    fields(form).forEach(function (el) {
      var t = (el.type || "").toLowerCase();
      if (t === "radio" || t === "checkbox") {
        var k = el.name + "=" + el.value;
        if (k in draft.data && el.checked !== draft.data[k]) { el.checked = draft.data[k]; changed = true; }
      } else if (el.name in draft.data && draft.data[el.name] && el.value !== draft.data[el.name]) {
        el.value = draft.data[el.name];
        changed = true;
      }
    });
    if (changed) {
      var note = document.createElement("div");
      note.className = "flash flash-info draft-restored";
      note.setAttribute("role", "status");
      note.textContent = "What you typed here before your session ended was put back. Check it, then save.";
      var discard = document.createElement("button");
      discard.type = "button";
      discard.className = "btn btn-ghost";
      discard.textContent = "Discard the draft";
      discard.addEventListener("click", function () {
        try { localStorage.removeItem(key); } catch (e) { /* ignore */ }
        form.reset();
        note.remove();
      });
      note.appendChild(document.createTextNode(" "));
      note.appendChild(discard);
      form.parentNode.insertBefore(note, form);
    }
    return changed;
  }

  // The session of `who` ended without a sign-out: their drafts wait for the next sign-in.
  function orphanDrafts(who) {
    try {
      for (var i = 0; i < localStorage.length; i++) {
        var k = localStorage.key(i);
        if (k && k.indexOf(DRAFT_PREFIX + who + ":") === 0) {
          var d = JSON.parse(localStorage.getItem(k));
          if (d && !d.orphan) {
            d.orphan = true;
            localStorage.setItem(k, JSON.stringify(d));
          }
        }
      }
    } catch (e) { /* ignore */ }
  }

  function clearUserDrafts(who) {
    try {
      for (var i = localStorage.length - 1; i >= 0; i--) {
        var k = localStorage.key(i);
        if (k && k.indexOf(DRAFT_PREFIX + who + ":") === 0) localStorage.removeItem(k);
      }
    } catch (e) { /* ignore */ }
  }

  // A form sent last page: if this page shows no error and no ended session, it was saved.
  (function settlePending() {
    var pending = null;
    try { pending = sessionStorage.getItem(PENDING_KEY); sessionStorage.removeItem(PENDING_KEY); } catch (e) { return; }
    if (!pending) return;
    var failed = document.querySelector(".error-summary, .flash-error, [data-session-ended], .has-error");
    if (!failed && document.querySelector("meta[name='hearth-session']")) {
      try { localStorage.removeItem(pending); } catch (e) { /* ignore */ }
    }
  })();

  // Signed out pages (the sign-in page, the ended-session page): the last user's session ended.
  if (!user && lastUser) {
    orphanDrafts(lastUser);
  }
  // A different user signed in on this browser: the previous one's drafts are not theirs.
  if (user && lastUser && lastUser !== user) {
    clearUserDrafts(lastUser);
  }

  forms().forEach(function (form) {
    restore(form);
    var timer = null;
    form.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { save(form); }, 400);
    });
    form.addEventListener("change", function () { save(form); });
    form.addEventListener("submit", function () {
      save(form);
      try { sessionStorage.setItem(PENDING_KEY, draftKey(form, user)); } catch (e) { /* ignore */ }
    });
  });

  // Signing out drops this user's drafts.
  document.addEventListener("submit", function (evt) {
    var f = evt.target;
    if (f && f.getAttribute && f.getAttribute("action") === "/logout" && user) {
      clearUserDrafts(user);
    }
  });

  // --- Idle warning -----------------------------------------------------------------------
  if (!user || idle <= 0) return;
  var warnAfter = Math.max(idle - WARN_SECONDS, Math.floor(idle * 0.8)) * 1000;
  var warnTimer = null;
  var endTimer = null;
  var dialog = null;

  function buildDialog() {
    var d = document.createElement("dialog");
    d.className = "session-dialog";
    d.setAttribute("aria-labelledby", "session-dialog-title");
    d.setAttribute("aria-describedby", "session-dialog-text");
    d.innerHTML =
      '<h2 id="session-dialog-title">Still there?</h2>' +
      '<p id="session-dialog-text"></p>' +
      '<div class="actions">' +
      '<button type="button" class="btn btn-primary" data-stay>Stay signed in</button> ' +
      '<a class="btn btn-ghost" data-signin hidden>Sign in again</a>' +
      '<button type="button" class="btn btn-ghost" data-close>Close</button>' +
      "</div>";
    d.querySelector("[data-stay]").addEventListener("click", stay);
    d.querySelector("[data-close]").addEventListener("click", function () { d.close(); });
    document.body.appendChild(d);
    return d;
  }

  function minutes(s) {
    var m = Math.round(s / 60);
    return m <= 1 ? "about a minute" : m + " minutes";
  }

  function showWarning() {
    dialog = dialog || buildDialog();
    dialog.querySelector("#session-dialog-title").textContent = "Still there?";
    dialog.querySelector("#session-dialog-text").textContent =
      "Your session ends in " + minutes(idle - warnAfter / 1000) + " without activity. " +
      "What you type in forms is kept in this browser either way.";
    dialog.querySelector("[data-stay]").hidden = false;
    dialog.querySelector("[data-signin]").hidden = true;
    if (!dialog.open) {
      if (dialog.showModal) dialog.showModal(); else dialog.setAttribute("open", "");
    }
    dialog.querySelector("[data-stay]").focus();
  }

  function showEnded() {
    orphanDrafts(user);
    dialog = dialog || buildDialog();
    dialog.querySelector("#session-dialog-title").textContent = "Your session has ended";
    dialog.querySelector("#session-dialog-text").textContent =
      "Your session ended after " + minutes(idle) + " without activity; sign in again — your draft is kept.";
    dialog.querySelector("[data-stay]").hidden = true;
    var link = dialog.querySelector("[data-signin]");
    link.href = "/login?next=" + encodeURIComponent(location.pathname + location.search);
    link.hidden = false;
    if (!dialog.open) {
      if (dialog.showModal) dialog.showModal(); else dialog.setAttribute("open", "");
    }
    link.focus();
  }

  // Activity in another tab of this browser kept the same session alive: follow it.
  function shareActivity() {
    try { localStorage.setItem("hearth-activity", String(Date.now())); } catch (e) { /* ignore */ }
  }

  function restart(fromOtherTab) {
    if (fromOtherTab !== true) shareActivity();
    if (fromOtherTab === true && dialog && dialog.open && dialog.querySelector("[data-stay]").hidden === false) {
      dialog.close();
    }
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    warnTimer = setTimeout(showWarning, warnAfter);
    endTimer = setTimeout(showEnded, idle * 1000 + 1000);
  }

  function stay() {
    fetch("/session/keepalive", {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrfToken(), "Accept": "application/json" }
    }).then(function (res) {
      if (res.ok) {
        if (dialog && dialog.open) dialog.close();
        restart();
      } else {
        showEnded();
      }
    }).catch(function () { /* offline: keep the dialog */ });
  }

  document.addEventListener("htmx:afterRequest", restart);
  window.addEventListener("storage", function (evt) {
    if (evt.key === "hearth-activity") restart(true);
  });
  restart();
})();

/* The menu button of the collapsed side navigation (tablet width): html.js-nav turns the
   collapse on only when this runs, so without JavaScript the navigation stays visible. */
(function () {
  "use strict";
  var button = document.getElementById("nav-toggle");
  var nav = document.getElementById("sidenav");
  if (!button || !nav) return;
  document.documentElement.classList.add("js-nav");
  var shell = nav.parentNode;
  function set(open) {
    shell.classList.toggle("nav-open", open);
    button.setAttribute("aria-expanded", open ? "true" : "false");
  }
  button.addEventListener("click", function () {
    var open = !shell.classList.contains("nav-open");
    set(open);
    if (open) {
      var first = nav.querySelector("a");
      if (first) first.focus();
    }
  });
  document.addEventListener("keydown", function (evt) {
    if (evt.key === "Escape" && shell.classList.contains("nav-open")) {
      set(false);
      button.focus();
    }
  });
})();
