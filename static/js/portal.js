/* Campus Logistics Portal: small progressive enhancements. No inline scripts anywhere (CSP). */
(function () {
  "use strict";

  // The page's token, or the CSRF cookie's: cached public pages (/dining/) carry no token, so
  // they are the same bytes for every visitor.
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    var token = meta ? meta.getAttribute("content") : "";
    if (token) {
      return token;
    }
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  // htmx requests that change state carry Django's CSRF token in a header.
  document.addEventListener("htmx:configRequest", function (event) {
    var token = csrfToken();
    if (token) {
      event.detail.headers["X-CSRFToken"] = token;
    }
  });

  // An open account menu closes with Escape (focus back on its button) or a click outside.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    document.querySelectorAll("details.account-menu[open]").forEach(function (menu) {
      menu.removeAttribute("open");
      var summary = menu.querySelector("summary");
      if (summary) {
        summary.focus();
      }
    });
  });
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.account-menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) {
        menu.removeAttribute("open");
      }
    });
  });
})();
