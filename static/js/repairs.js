/* Repairs pages: printing the QR sheet, answers to refused htmx actions, photo count check.
   No inline scripts anywhere (CSP); everything works without this file too. */
(function () {
  "use strict";

  // Next to what was tapped: on its card when it has one, else in the page's message region.
  function announce(text, element) {
    var card = element && element.closest ? element.closest(".card") : null;
    var region = card || document.querySelector(".messages");
    if (!region || !text) {
      return;
    }
    var message = region.querySelector(":scope > .card-message") || document.createElement("p");
    message.className = "message message-error card-message";
    message.setAttribute("role", "alert");
    message.textContent = text;
    if (card) {
      card.insertBefore(message, card.firstChild);
    } else {
      region.appendChild(message);
    }
  }

  // The texts come translated from the page (templates/repairs/layout.html).
  function text(key) {
    var holder = document.querySelector("[data-repairs-messages]");
    return holder ? holder.getAttribute("data-" + key) || "" : "";
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-print]");
    if (button) {
      window.print();
    }
  });

  // htmx does not swap 4xx/5xx answers: say so instead of leaving the card silently unchanged.
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    var key = status === 403 ? "forbidden" : status === 404 ? "gone" : "failed";
    announce(text(key), event.detail.elt);
  });
  document.addEventListener("htmx:sendError", function (event) {
    announce(text("offline"), event.detail.elt);
  });

  // More photos than allowed: tell the user at once instead of after uploading them all.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type=file][data-max-files]")) {
      return;
    }
    var max = parseInt(input.getAttribute("data-max-files"), 10);
    var text = input.getAttribute("data-too-many") || "";
    input.setCustomValidity(input.files.length > max ? text : "");
    if (input.files.length > max) {
      input.reportValidity();
    }
  });
})();
