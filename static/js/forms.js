/* Forms that keep the user's work: error summary focus, busy state and double-submit guard,
   drafts kept when offline, photos checked and previewed before upload, photos kept from
   before an error removed with a tap.
   No inline scripts or styles (CSP); every form works without this file too. */
(function () {
  "use strict";

  var BUSY_RESET_MS = 20000; // a form whose answer never came may be sent again
  var DRAFT_PREFIX = "portal-draft:";
  var SKIPPED = ["csrfmiddlewaretoken", "submission_token", "password"];

  function texts() {
    return document.body.dataset;
  }

  function writes(form) {
    return (form.getAttribute("method") || "get").toLowerCase() === "post";
  }

  // --- Error summary: focus it on load; its links focus the field. ---------------------------

  function focusSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
    }
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-error-summary] a[data-focus]");
    if (!link) {
      return;
    }
    // The field's input, or (a custom widget without that id) the first input of its name.
    var field = document.getElementById(link.getAttribute("data-focus")) ||
      document.querySelector('[name="' + link.getAttribute("data-focus-name") + '"]');
    if (field) {
      event.preventDefault();
      var details = field.closest("details");
      if (details) {
        details.open = true;
      }
      field.scrollIntoView({ block: "center" });
      field.focus();
    }
  });

  // --- Drafts: kept on this device when there is no connection. ------------------------------

  function draftKey(form) {
    return DRAFT_PREFIX + location.pathname + "#" + (form.id || form.getAttribute("action") || "");
  }

  function draftFields(form) {
    return Array.prototype.filter.call(form.elements, function (field) {
      return field.name && SKIPPED.indexOf(field.name) < 0 && field.type !== "file" &&
        field.type !== "hidden" && field.type !== "submit" && field.type !== "button";
    });
  }

  function saveDraft(form) {
    var values = {};
    draftFields(form).forEach(function (field) {
      if (field.type === "checkbox" || field.type === "radio") {
        if (field.checked) {
          (values[field.name] = values[field.name] || []).push(field.value);
        }
      } else {
        values[field.name] = [field.value];
      }
    });
    try {
      localStorage.setItem(draftKey(form), JSON.stringify(values));
      return true;
    } catch (error) {
      return false;
    }
  }

  function restoreDraft(form) {
    var stored;
    try {
      stored = localStorage.getItem(draftKey(form));
    } catch (error) {
      return;
    }
    if (!stored || form.querySelector(".errorlist")) {
      return; // a form the server sent back already holds what was typed
    }
    var values = JSON.parse(stored);
    draftFields(form).forEach(function (field) {
      var value = values[field.name];
      if (!value) {
        return;
      }
      if (field.type === "checkbox" || field.type === "radio") {
        field.checked = value.indexOf(field.value) >= 0;
      } else {
        field.value = value[0];
      }
    });
    say(form, texts().draftRestored, "message");
  }

  function forgetDraft(form) {
    try {
      localStorage.removeItem(draftKey(form));
    } catch (error) {
      /* private mode: nothing was kept */
    }
  }

  function say(form, text, className) {
    if (!text) {
      return;
    }
    var note = form.querySelector(":scope > .form-note") || document.createElement("p");
    note.className = "form-note " + className;
    note.setAttribute("role", "alert");
    note.textContent = text;
    form.insertBefore(note, form.firstChild);
    note.scrollIntoView({ block: "nearest" });
  }

  // --- Busy state and the double-submit guard. -----------------------------------------------

  function setBusy(form, busy) {
    if (busy) {
      form.setAttribute("data-busy", "");
      form.setAttribute("aria-busy", "true");
      form.dataset.busySince = String(Date.now());
    } else {
      form.removeAttribute("data-busy");
      form.removeAttribute("aria-busy");
    }
    form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (button) {
      button.classList.toggle("is-busy", busy);
      button.setAttribute("aria-disabled", busy ? "true" : "false");
    });
  }

  function isBusy(form) {
    return form.hasAttribute("data-busy") &&
      Date.now() - Number(form.dataset.busySince || 0) < BUSY_RESET_MS;
  }

  // Capture phase: runs before htmx's own submit handler, so a second tap never reaches it.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!writes(form)) {
      return;
    }
    if (isBusy(form)) {
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    // htmx forms say it on their card (htmx:sendError); whole-page forms keep a draft.
    if (navigator.onLine === false && !form.hasAttribute("hx-post")) {
      event.preventDefault();
      event.stopImmediatePropagation();
      var kept = saveDraft(form);
      say(form, kept ? texts().offlineKept : texts().offline, "message message-error");
      return;
    }
    forgetDraft(form);
    setBusy(form, true);
  }, true);

  // A card that htmx swapped in with its form's errors: the focus goes to its summary.
  document.addEventListener("htmx:afterSettle", function (event) {
    var box = event.target;
    var summary = box && box.isConnected && box.querySelector
      ? box.querySelector("[data-error-summary]")
      : null;
    if (summary) {
      summary.focus();
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt && event.detail.elt.closest ? event.detail.elt.closest("form") : null;
    if (form) {
      setBusy(form, false);
    }
  });

  // A page shown again from the back/forward cache must not stay busy.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-busy]").forEach(function (form) {
      setBusy(form, false);
    });
  });

  // --- Photos: size and type checked before upload, and a preview. ---------------------------

  function accepted(input, file) {
    var accept = (input.getAttribute("accept") || "").split(",").map(function (t) {
      return t.trim();
    }).filter(Boolean);
    return !accept.length || accept.indexOf(file.type) >= 0;
  }

  function preview(input) {
    var box = input.parentNode.querySelector(".photo-preview");
    if (!box) {
      box = document.createElement("ul");
      box.className = "photo-preview";
      input.parentNode.appendChild(box);
    }
    box.textContent = "";
    Array.prototype.forEach.call(input.files, function (file) {
      if (file.type.indexOf("image/") !== 0) {
        return; // a PDF: its name shows in the input itself
      }
      var item = document.createElement("li");
      var image = document.createElement("img");
      image.alt = file.name;
      var reader = new FileReader();
      reader.onload = function () {
        image.src = reader.result; // a data: URL, which the CSP allows for images
      };
      reader.readAsDataURL(file);
      item.appendChild(image);
      box.appendChild(item);
    });
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type=file][data-max-bytes]")) {
      return;
    }
    var maxBytes = Number(input.getAttribute("data-max-bytes"));
    var problem = "";
    Array.prototype.forEach.call(input.files, function (file) {
      if (problem) {
        return;
      }
      if (!accepted(input, file)) {
        problem = (input.getAttribute("data-bad-type") || "").replace("%(name)s", file.name);
      } else if (maxBytes && file.size > maxBytes) {
        problem = (input.getAttribute("data-too-big") || "")
          .replace("%(name)s", file.name)
          .replace("%(size)s", (file.size / 1048576).toFixed(1));
      }
    });
    if (problem) {
      input.value = ""; // nothing too big or of the wrong kind is uploaded
      var error = input.parentNode.querySelector(".photo-problem") || document.createElement("p");
      error.className = "photo-problem errorlist";
      error.setAttribute("role", "alert");
      error.textContent = problem;
      input.parentNode.appendChild(error);
    } else {
      var old = input.parentNode.querySelector(".photo-problem");
      if (old) {
        old.remove();
      }
    }
    preview(input);
  });

  // A photo kept from before the form came back: its remove button drops it (and its token).
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-remove-kept]");
    if (!button) {
      return;
    }
    var box = button.closest("[data-kept-photos]");
    var input = box.parentNode.querySelector("input[type=file]");
    button.closest("li").remove();
    if (!box.querySelector("li")) {
      box.remove();
    }
    if (input) {
      input.focus();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    focusSummary();
    document.querySelectorAll("form").forEach(function (form) {
      if (writes(form)) {
        restoreDraft(form);
      }
    });
  });
})();
