/* Hearth: apply the colour theme before first paint (loaded synchronously in <head>).
   A saved choice (localStorage "hearth-theme" = "light" | "dark") wins; otherwise the
   operating system preference (prefers-color-scheme) is followed, live. */
(function () {
  "use strict";
  var KEY = "hearth-theme";
  var root = document.documentElement;
  var media = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

  function saved() {
    try {
      var v = window.localStorage.getItem(KEY);
      return v === "light" || v === "dark" ? v : null;
    } catch (e) {
      return null; // storage disabled (privacy mode, sandboxed frame)
    }
  }

  function system() {
    return media && media.matches ? "dark" : "light";
  }

  function apply() {
    root.setAttribute("data-theme", saved() || system());
  }

  apply();

  if (media) {
    var onChange = function () {
      if (!saved()) apply();
    };
    if (media.addEventListener) media.addEventListener("change", onChange);
    else if (media.addListener) media.addListener(onChange);
  }

  // Another tab changed the theme.
  window.addEventListener("storage", function (e) {
    if (e.key === KEY) apply();
  });
})();
