/* Progressive enhancement of #report-form: the browser encrypts, the server stores ciphertext.
 *
 * Loaded after bisik-crypto.js and bisik-api.js (the pages include every script of static/js,
 * crypto first); it does nothing unless BisikCrypto.supported() holds. On submit it verifies the
 * reviewer directory against the pinned root key, makes the receipt here (the server never
 * sees it), derives the lookup id and reply key, seals each evidence file chunk by chunk from
 * the File and uploads the ciphertext in resumable pieces, then seals the report document
 * (crypto.document shape, channel "browser") to the reviewers the reporter kept, and sends it
 * with the lookup id. Each evidence entry carries the envelope's header MAC from the sealer
 * (envelope_mac, the binding) and the SHA-256 the server computed on upload (envelope_sha256,
 * the blob's address): crypto/SPEC.md §8. The receipt is then shown in #receipt, with a
 * "show QR code" button that sends the receipt to the server only if the reporter clicks it.
 *
 * If the directory cannot be verified the form is left alone and the server seals instead.
 */
(function () {
  "use strict";
  var C = globalThis.BisikCrypto, A = globalThis.BisikApi;
  var form = document.getElementById("report-form");
  if (!form || !C || !A) return;

  function one(fd, name) { var v = fd.get(name); return typeof v === "string" ? v.trim() : ""; }
  function many(fd, name) { return fd.getAll(name).filter(function (v) { return typeof v === "string"; }).map(function (v) { return v.trim(); }); }

  /** The document fields exactly as intake/forms.py builds them on the no-JS path. */
  function reportFields(fd) {
    var year = one(fd, "incident_year"), month = one(fd, "incident_month");
    if (month && !year) throw new A.ApiError("error.missing_field");
    if (A.isFutureMonth(year, month)) throw new A.ApiError("error.future_month");
    var fields = {
      category: one(fd, "category"), election: one(fd, "election"),
      election_year: one(fd, "election_year"), province: one(fd, "province"),
      regency: one(fd, "regency"), agency_kind: one(fd, "agency_kind"),
      agency_name: one(fd, "agency_name"), incident_month: month ? year + "-" + month : year,
      reported_position: one(fd, "reported_position"), reported_name: one(fd, "reported_name"),
      description: one(fd, "description"),
    };
    ["category", "election", "election_year", "province", "regency", "agency_kind",
      "reported_position", "description"].forEach(function (k) {
      if (!fields[k]) throw new A.ApiError("error.missing_field");
    });
    return fields;
  }

  /** Each chosen file with its slot's share flag, in slot order. */
  function evidenceFiles(fd) {
    var share = many(fd, "share"), out = [];
    form.querySelectorAll('input[type="file"]').forEach(function (input) {
      var slot = input.name.replace(/^evidence_/, "");
      Array.prototype.forEach.call(input.files || [], function (f) { out.push({ file: f, share: share.indexOf(slot) >= 0 }); });
    });
    return out;
  }

  function progressBar() {
    var bar = form.querySelector("progress.upload-progress");
    if (!bar) {
      bar = document.createElement("progress");
      bar.className = "upload-progress";
      bar.max = 1;
      bar.value = 0;
      var button = form.querySelector('button[type="submit"]');
      button.parentNode.insertBefore(bar, button.nextSibling);
    }
    return bar;
  }

  function showReceipt(code) {
    var main = form.parentNode, section = document.createElement("section");
    section.className = "receipt-page";
    function add(tag, key, cls) {
      var el = document.createElement(tag);
      el.textContent = A.text(key);
      if (cls) el.className = cls;
      section.appendChild(el);
      return el;
    }
    add("h1", "receipt.title");
    add("p", "receipt.path_browser", "ok");
    add("p", "receipt.lead");
    var box = document.createElement("p"), c = document.createElement("code");
    box.className = "receipt-box";
    c.id = "receipt";
    c.textContent = code;
    box.appendChild(c);
    section.appendChild(box);
    var warn = document.createElement("div");
    warn.className = "warning";
    warn.setAttribute("role", "note");
    ["receipt.write_down", "receipt.once", "receipt.no_photo"].forEach(function (k) {
      var p = document.createElement("p"); p.textContent = A.text(k); warn.appendChild(p);
    });
    section.appendChild(warn);
    section.appendChild(qrControl(code));
    add("h2", "receipt.next_h");
    var ul = document.createElement("ul");
    ["receipt.next_return", "receipt.next_identity"].forEach(function (k) {
      var li = document.createElement("li"); li.textContent = A.text(k); ul.appendChild(li);
    });
    section.appendChild(ul);
    var kept = document.createElement("p");
    kept.textContent = A.text("retention.rule", { days: retentionDays() });
    section.appendChild(kept);
    var confirmBox = confirmControl(code);
    section.appendChild(confirmBox);
    // Nothing else on the page may still hold the report: replace everything in <main>.
    while (main.firstChild) main.removeChild(main.firstChild);
    main.appendChild(section);
    guardUntilConfirmed(confirmBox);
    c.setAttribute("tabindex", "-1");  // focus moves to the receipt for screen readers
    c.focus();
  }

  function retentionDays() {
    var meta = document.querySelector('meta[name="bisik-retention-days"]');
    return meta ? meta.getAttribute("content") : "";
  }

  /** Canonical receipt symbols of what a person typed (crypto.receipt.symbols). */
  function symbols(text) {
    var aliases = { O: "0", I: "1", L: "1" };
    return text.toUpperCase().replace(/[\s.\-]/g, "").replace(/[OIL]/g, function (ch) { return aliases[ch]; });
  }

  /**
   * "Have you written it down?": the receipt lives only in this page's memory, so the page
   * keeps the reporter here until they type the code's last group from their note. Until then
   * every link in the header (menu, language) only points them back to this box, and closing
   * or reloading the tab asks first (the browser's own dialog).
   */
  function confirmControl(code) {
    var box = document.createElement("form");
    box.id = "receipt-confirm";
    box.className = "receipt-confirm";
    box.noValidate = true;
    var h = document.createElement("h2"); h.textContent = A.text("receipt.confirm_h"); box.appendChild(h);
    var note = document.createElement("p"); note.className = "error"; note.id = "confirm-error";
    note.setAttribute("role", "alert"); note.hidden = true; box.appendChild(note);
    var label = document.createElement("label"); label.htmlFor = "last-group";
    label.textContent = A.text("receipt.confirm_label"); box.appendChild(label);
    var input = document.createElement("input");
    input.id = "last-group"; input.name = "last_group"; input.type = "text";
    input.autocomplete = "off"; input.spellcheck = false; input.maxLength = 9; input.size = 6;
    input.setAttribute("autocapitalize", "characters");
    box.appendChild(input);
    var button = document.createElement("button"); button.type = "submit";
    button.textContent = A.text("receipt.confirm_button"); box.appendChild(button);
    var last = code.split("-").pop();
    box.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (symbols(input.value) !== last) {
        note.textContent = A.text("receipt.confirm_wrong");
        note.hidden = false;
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", "confirm-error");
        input.focus();
        return;
      }
      box.dataset.confirmed = "yes";
      window.removeEventListener("beforeunload", holdPage);
      var ok = document.createElement("p"); ok.className = "ok"; ok.id = "receipt-done";
      ok.textContent = A.text("receipt.confirm_ok");
      box.replaceWith(ok);
    });
    return box;
  }

  function holdPage(ev) { ev.preventDefault(); ev.returnValue = ""; }

  function guardUntilConfirmed(box) {
    window.addEventListener("beforeunload", holdPage);
    document.querySelectorAll("header a").forEach(function (link) {
      link.addEventListener("click", function (ev) {
        if (box.dataset.confirmed === "yes") return;
        ev.preventDefault();
        var note = box.querySelector("#confirm-error");
        note.textContent = A.text("receipt.confirm_first");
        note.hidden = false;
        box.querySelector("#last-group").focus();
      });
    });
  }

  /**
   * "Show a QR code": only on the reporter's click, POST the receipt once to the same endpoint
   * the no-JS receipt page uses (/receipt/qr, which stores nothing and answers no-store) and
   * show the SVG it returns, as a data: image (the CSP allows 'self' and data: images only).
   * Until that click the receipt never leaves the browser.
   */
  function qrControl(code) {
    var box = document.createElement("div"), p = document.createElement("p");
    var button = document.createElement("button"), help = document.createElement("span");
    box.className = "receipt-qr";
    button.type = "button";
    button.className = "secondary";
    button.id = "receipt-qr-button";
    button.textContent = A.text("receipt.qr");
    help.className = "help";
    help.textContent = " " + A.text("receipt.qr_js_help");
    p.appendChild(button);
    p.appendChild(help);
    box.appendChild(p);
    button.addEventListener("click", function () {
      button.disabled = true;
      fetchQr(code).then(function (url) {
        var img = document.createElement("img");
        img.id = "receipt-qr";
        img.alt = A.text("receipt.qr_alt");
        img.width = 240;
        img.height = 240;
        img.src = url;
        box.appendChild(img);
        button.remove();
      }).catch(function (e) {
        A.say(box, e && e.key ? e.key : "error.server", "error");
        button.disabled = false;
      });
    });
    return box;
  }

  async function fetchQr(code) {
    var r;
    try {
      r = await fetch("/receipt/qr", {
        method: "POST", credentials: "same-origin", cache: "no-store",
        headers: { "X-CSRF-Token": A.meta("csrf-token") || "" },
        body: new URLSearchParams({ receipt: code }),
      });
    } catch (e) {
      throw new A.ApiError("error.server", 0);
    }
    if (!r.ok) throw new A.ApiError(r.status === 403 ? "error.csrf" : "error.server", r.status);
    var svg = await r.blob();
    if (svg.type.indexOf("image/svg+xml") !== 0) throw new A.ApiError("error.server", 0);
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () { resolve(reader.result); };
      reader.onerror = function () { reject(new A.ApiError("error.server", 0)); };
      reader.readAsDataURL(new Blob([svg], { type: "image/svg+xml" }));
    });
  }

  async function send(directory) {
    var fd = new FormData(form);
    var fields = reportFields(fd);
    var chosen = many(fd, "recipient");
    var active = directory.active().map(function (r) { return r.id; });
    var exclude = active.filter(function (id) { return chosen.indexOf(id) < 0; });
    var recipients;
    try { recipients = directory.recipients(exclude); } catch (e) { throw new A.ApiError("error.no_recipient"); }
    var files = evidenceFiles(fd);

    var code = await C.generateReceipt();
    var secrets = await C.deriveReceipt(code);
    var bar = progressBar(), status = A.say(form, "js.encrypting");
    var total = files.reduce(function (s, f) { return s + f.file.size; }, 0) || 1, done = 0;
    var evidence = [], claims = [];
    for (var i = 0; i < files.length; i++) {
      var f = files[i].file, base = done;
      A.say(form, "js.uploading", null, { n: i + 1, total: files.length });
      var stored = await A.uploadFile(f, recipients, {
        onProgress: function (n) { bar.value = (base + n) / total; },
        onResume: function () { A.say(form, "js.resuming"); },
      });
      done += f.size;
      evidence.push({ envelope_sha256: stored.sha256, envelope_mac: stored.headerMac, name: f.name.slice(0, 255) || "file",
        media_type: (f.type || "application/octet-stream").slice(0, 127), size: f.size, share: files[i].share });
      claims.push({ sha256: stored.sha256, size: stored.size, claim: stored.claim });
    }
    bar.value = 1;
    A.say(form, "js.sending");
    var doc = C.documentBytes({
      type: "report", submitted_at: C.nowSeconds(), channel: "browser", fields: fields,
      reply_key: C.b64uEncode(secrets.replyPublic), evidence: evidence,
      consent: { authorities: many(fd, "consent_authority") },
      // the receipt's follow-up key: later messages must be signed by it (crypto/SPEC.md §12)
      followup_key: C.b64uEncode(secrets.followupPublic),
    });
    var sealed = await C.seal(doc, recipients);
    await A.call("POST", "/api/reports", {
      lookup_id: C.b64uEncode(secrets.lookupId), reply_public: C.b64uEncode(secrets.replyPublic),
      followup_public: C.b64uEncode(secrets.followupPublic),
      report: C.b64uEncode(sealed), evidence: claims,
    });
    status.remove();
    showReceipt(code);
  }

  async function init() {
    // Only a browser with X25519, Ed25519 and AES-GCM takes over; any other keeps the no-JS form.
    if (form.dataset.bisikPath || !(await C.supported())) return;
    form.dataset.bisikPath = "checking";
    await A.loadMessages();
    A.watchMonth(form, form.querySelector("#incident_month"), form.querySelector("#incident_year"));
    var directory;
    try {
      directory = await A.directory();
    } catch (e) {
      form.dataset.bisikPath = "server";  // unverifiable directory: the server seals instead
      return;
    }
    form.dataset.bisikPath = "browser";
    var busy = false;
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (busy) return;
      busy = true;
      var buttons = form.querySelectorAll("button, input[type=submit]");
      buttons.forEach(function (b) { b.disabled = true; });
      send(directory).catch(function (e) {
        var key = e && e.key ? e.key : "error.server";
        A.say(form, key, "error");
        if (globalThis.console) console.error("bisik:", key);
        busy = false;
        buttons.forEach(function (b) { b.disabled = false; });
      });
    });
  }

  init();
})();
