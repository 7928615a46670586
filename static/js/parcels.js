/* Parcels: the scan-in field never loses a keystroke. A USB scanner types ~15 characters and
   Enter in under 100 ms, faster than a request comes back: Enter takes the number out of the
   field at once (the next number types into an empty field) and puts it in a queue that is
   sent one request at a time through htmx; each answer adds a row on top of the results. */
(function () {
  "use strict";

  var form = document.querySelector("[data-scan-form]");
  if (!form || !window.htmx) {
    return;
  }
  var number = form.querySelector("input[name=number]");
  var results = document.querySelector("[data-scan-results]");
  var status = form.querySelector("[data-scan-status]");
  var queue = [];
  var busy = false;

  function field(name) {
    return form.querySelector("[name=" + name + "]");
  }

  function showQueue(text) {
    status.textContent = text || (queue.length > 1 ? queue.length + " …" : "");
  }

  function sendNext() {
    if (busy || queue.length === 0) {
      showQueue();
      return;
    }
    busy = true;
    showQueue();
    window.htmx
      .ajax("POST", form.getAttribute("action"), {
        // Not the form as source: htmx would validate it, and its number field is empty now.
        source: results,
        values: queue[0],
        target: results,
        swap: "afterbegin",
      })
      .then(
        function () {
          queue.shift();
          busy = false;
          window.setTimeout(sendNext, 0);
        },
        function () {
          busy = false;
          showQueue(form.getAttribute("data-failed"));
          window.setTimeout(sendNext, 2000);
        }
      );
  }

  number.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") {
      return;
    }
    event.preventDefault();
    var value = number.value.trim();
    number.value = "";
    if (!value) {
      return;
    }
    var recipient = field("recipient");
    var carrier = field("carrier");
    queue.push({
      number: value,
      recipient: recipient ? recipient.value : "",
      size: field("size") ? field("size").value : "small",
      carrier: carrier ? carrier.value : "",
    });
    if (recipient) {
      recipient.value = "";
    }
    if (carrier) {
      carrier.value = "";
    }
    sendNext();
  });

  // The plain submit (a button, Enter in another field) goes through the same queue.
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    number.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter" }));
    number.focus();
  });

  // After picking a carrier the cursor goes back to the scan field.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target.closest && event.target.closest("[data-scan-results]")) {
      var active = document.activeElement;
      if (!active || active === document.body || active.hasAttribute("data-keep-focus")) {
        number.focus();
      }
    }
  });
})();
