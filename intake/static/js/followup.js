/* Progressive enhancement of #followup-form: the receipt never leaves the browser.
 *
 * Loaded after bisik-crypto.js and bisik-api.js (the pages include every script of static/js,
 * crypto first); it does nothing unless BisikCrypto.supported() holds. The browser derives the lookup id
 * and reply key from the receipt, asks /api/case for the case's signed records and reply
 * envelopes, verifies every record against the directory (signed by the pinned root), checks
 * each reply envelope's SHA-256 against its signed record (WebCrypto's one-shot digest: a reply
 * is a small envelope held whole), and decrypts replies with the reply key. A record that fails
 * any check is not shown (it is counted). New messages and evidence are sealed here, chunk by
 * chunk, like the report; each evidence entry carries the sealer's header MAC (envelope_mac)
 * and the SHA-256 the server computed on upload (crypto/SPEC.md §8); each message is signed
 * with the receipt's follow-up key, so the server cannot add one in the reporter's name (§12).
 *
 * The receipt and its secrets live only in this closure; nothing is written to storage.
 */
(function () {
  "use strict";
  var C = globalThis.BisikCrypto, A = globalThis.BisikApi;
  var form = document.getElementById("followup-form");
  if (!form || !C || !A) return;
  var main = form.closest("main") || form.parentNode;
  var RETALIATION_KINDS = ["threat", "transfer", "demotion", "non_job", "pppk_rejected",
    "promotion_delayed", "allowance_cut", "skp_lowered", "isolation", "other"];  // crypto/report_schema.py
  var SLOTS = 5;

  var el = A.el;  // bisik-api.js: text only, never HTML
  function t(key, values) { return A.text(key, values); }

  /** Verify, check and decrypt what the server returned; never trust an unverified byte. */
  async function verifyCase(data, directory, secrets) {
    var statuses = [], replies = [], rejected = 0, i;
    for (i = 0; i < data.statuses.length; i++) {
      try {
        var s = await C.verifyRecord(data.statuses[i], directory, "status");
        if (s.body.case !== data.case) throw new C.SignatureError("other case");
        statuses.push({ state: s.body.state, authority: s.body.authority, day: C.parseIsoTime(s.body.at).date, reviewer: s.reviewer.name,
          key: C.recordOrderKey(s.body), id: s.body.id });
      } catch (e) { rejected++; }
    }
    for (i = 0; i < data.replies.length; i++) {
      try {
        var r = await C.verifyRecord(data.replies[i].record, directory, "reply");
        var env = C.b64uDecode(data.replies[i].envelope);
        if (r.body.case !== data.case || C.toHex(await C.sha256(env)) !== r.body.envelope_sha256) {
          throw new C.SignatureError("reply does not match its record");
        }
        var doc = C.parseDocument(await C.open(env, secrets.replyKey));
        if (doc.type !== "reply") throw new C.FormatError("not a reply");
        var f = doc.fields || {}, text = [f.text, f.message, f.body].filter(function (x) { return typeof x === "string"; })[0] || "";
        replies.push({ text: text, day: C.parseIsoTime(r.body.at).date, reviewer: r.reviewer.name,
          key: C.recordOrderKey(r.body), id: r.body.id });
      } catch (e) { rejected++; }
    }
    // The server's order is not trusted: records are ordered by (time in UTC, id) here, and a
    // record sent twice is shown once (crypto/SPEC.md §7), so the current status is the latest
    // signed one whatever order the server chose.
    return { statuses: ordered(statuses), replies: ordered(replies), rejected: rejected };
  }

  function ordered(items) {
    var seen = {};
    return items.filter(function (x) {
      if (Object.prototype.hasOwnProperty.call(seen, x.id)) return false;
      seen[x.id] = true;
      return true;
    }).sort(function (a, b) { return compareKeys(a.key, b.key); });
  }
  // (UTC time as Python's isoformat writes it, id): string order is time order, as in crypto.records.order_key
  function compareKeys(a, b) {
    return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
  }

  function statusText(s) { return t("status." + s.state) + (s.authority ? " — " + s.authority : ""); }

  function renderStatus(section, view) {
    section.appendChild(el("h2", {}, t("case.status_h")));
    var current = view.statuses[view.statuses.length - 1];
    section.appendChild(el("p", { "class": "status", id: "current-status" }, current ? statusText(current) : t("case.no_status")));
    if (current) {
      var table = el("table"), body = el("tbody"), head = el("tr");
      table.appendChild(el("caption", {}, t("case.history")));
      ["case.day", "case.state", "case.by"].forEach(function (k) { head.appendChild(el("th", { scope: "col" }, t(k))); });
      var thead = el("thead"); thead.appendChild(head); table.appendChild(thead);
      view.statuses.forEach(function (s) {
        var row = el("tr");
        [s.day, statusText(s), s.reviewer].forEach(function (v) { row.appendChild(el("td", {}, v)); });
        body.appendChild(row);
      });
      table.appendChild(body);
      section.appendChild(table);
      section.appendChild(el("p", { "class": "help" }, t("case.verified")));
    }
    if (view.rejected) section.appendChild(el("p", { "class": "warning" }, t("case.rejected", { n: view.rejected })));
  }

  function renderReplies(section, view, data) {
    section.appendChild(el("h2", {}, t("case.replies_h")));
    if (!view.replies.length) section.appendChild(el("p", {}, t("case.no_replies")));
    view.replies.forEach(function (r) {
      var a = el("article", { "class": "reply" });
      a.appendChild(el("p", { "class": "meta" }, r.day + " · " + r.reviewer));
      a.appendChild(el("p", { "class": "text" }, r.text));
      section.appendChild(a);
    });
    section.appendChild(el("p", { "class": "help" }, t("case.sent", { messages: data.sent_messages, retaliation: data.sent_retaliation })));
  }

  function select(id, name, options) {
    var s = el("select", { id: id, name: name });
    options.forEach(function (o) { var op = el("option", { value: o[0] }, o[1]); s.appendChild(op); });
    return s;
  }

  function messageForm() {
    var f = el("form", { id: "message-form", method: "post", action: "#" });
    var kinds = el("fieldset");
    kinds.appendChild(el("legend", {}, t("case.kind")));
    [["message", "case.kind_message"], ["retaliation", "case.kind_retaliation"]].forEach(function (k, i) {
      var label = el("label", { "class": "check" }), input = el("input", { type: "radio", name: "kind", value: k[0] });
      if (i === 0) input.checked = true;
      label.appendChild(input);
      label.appendChild(document.createTextNode(" " + t(k[1])));
      kinds.appendChild(label);
    });
    f.appendChild(kinds);
    var ret = el("fieldset");
    ret.appendChild(el("legend", {}, t("case.retaliation_h")));
    ret.appendChild(el("p", { "class": "help" }, t("case.retaliation_help")));
    ret.appendChild(el("label", { "for": "retaliation_kind" }, t("case.retaliation_kind")));
    ret.appendChild(select("retaliation_kind", "retaliation_kind", [["", t("field.choose")]].concat(
      RETALIATION_KINDS.map(function (k) { return [k, t("retaliation." + k)]; }))));
    var months = [["", t("field.unknown")]], years = [["", t("field.unknown")]], y = A.latestMonth().year;
    for (var m = 1; m <= 12; m++) months.push([(m < 10 ? "0" : "") + m, t("month." + m)]);
    for (var yr = y; yr > y - 7; yr--) years.push([String(yr), String(yr)]);
    ret.appendChild(el("label", { "for": "retaliation_month" }, t("field.incident_month")));
    ret.appendChild(select("retaliation_month", "retaliation_month", months));
    ret.appendChild(el("label", { "for": "retaliation_year" }, t("field.incident_year")));
    ret.appendChild(select("retaliation_year", "retaliation_year", years));
    f.appendChild(ret);
    f.appendChild(el("label", { "for": "text" }, t("case.text")));
    f.appendChild(el("textarea", { id: "text", name: "text", rows: "6", required: "", maxlength: "60000" }));
    f.appendChild(el("p", { "class": "warning" }, t("submit.warn_metadata")));
    for (var i = 1; i <= SLOTS; i++) {
      f.appendChild(el("label", { "for": "evidence_" + i }, t("submit.file_slot", { n: i })));
      f.appendChild(el("input", { type: "file", id: "evidence_" + i, name: "evidence_" + i }));
    }
    var p = el("p"), b = el("button", { type: "submit" }, t("case.send"));
    p.appendChild(b);
    f.appendChild(p);
    return f;
  }

  /** The message document fields exactly as intake/forms.message builds them. */
  function messageFields(fd) {
    function one(n) { var v = fd.get(n); return typeof v === "string" ? v.trim() : ""; }
    var kind = one("kind"), fields = { kind: kind, text: one("text") };
    if ((kind !== "message" && kind !== "retaliation") || !fields.text) throw new A.ApiError("error.missing_field");
    if (kind === "retaliation") {
      fields.retaliation_kind = one("retaliation_kind");
      if (!fields.retaliation_kind) throw new A.ApiError("error.missing_field");
      var year = one("retaliation_year"), month = one("retaliation_month");
      if (month && !year) throw new A.ApiError("error.missing_field");
      if (!year) throw new A.ApiError("error.retaliation_when");  // as intake/forms.message
      if (A.isFutureMonth(year, month)) throw new A.ApiError("error.future_month");
      fields.retaliation_month = month ? year + "-" + month : year;
    }
    return fields;
  }

  /** The keys of the case's reviewers who are still active (what every follow-up is sealed to). */
  function caseRecipients(ctx) {
    var active = ctx.directory.active().map(function (r) { return r.id; });
    var exclude = active.filter(function (id) { return ctx.data.recipients.indexOf(id) < 0; });
    try { return ctx.directory.recipients(exclude); } catch (e) { throw new A.ApiError("error.no_recipient"); }
  }

  async function sendMessage(f, ctx) {
    var fields = messageFields(new FormData(f)), recipients = caseRecipients(ctx);
    var files = [];
    f.querySelectorAll('input[type="file"]').forEach(function (input) {
      Array.prototype.forEach.call(input.files || [], function (x) { files.push(x); });
    });
    var evidence = [], claims = [], bar = el("progress", { "class": "upload-progress", max: "1", value: "0" });
    f.appendChild(bar);
    var total = files.reduce(function (s, x) { return s + x.size; }, 0) || 1, done = 0;
    for (var i = 0; i < files.length; i++) {
      var base = done;
      A.say(f, "js.uploading", null, { n: i + 1, total: files.length });
      var stored = await A.uploadFile(files[i], recipients, {
        onProgress: function (n) { bar.value = (base + n) / total; },
        onResume: function () { A.say(f, "js.resuming"); },
      });
      done += files[i].size;
      evidence.push({ envelope_sha256: stored.sha256, envelope_mac: stored.headerMac, name: files[i].name.slice(0, 255) || "file",
        media_type: (files[i].type || "application/octet-stream").slice(0, 127), size: files[i].size, share: false });
      claims.push({ sha256: stored.sha256, size: stored.size, claim: stored.claim });
    }
    bar.value = 1;
    A.say(f, "js.sending");
    var doc = C.documentBytes({ type: fields.kind, submitted_at: C.nowSeconds(), channel: "browser",
      fields: fields, reply_key: null, evidence: evidence, consent: {} });
    var sealed = await C.seal(doc, recipients);
    // Proof that the receipt's holder wrote this (crypto/SPEC.md §12): the follow-up key signs
    // the case, the kind, this envelope's SHA-256 (held whole: one-shot digest) and the evidence.
    var signature = await C.signFollowup(ctx.secrets, { case: ctx.data.case, type: fields.kind,
      envelope_sha256: C.toHex(await C.sha256(sealed)), evidence: claims.map(function (c) { return c.sha256; }) });
    await A.call("POST", "/api/case/message", {
      lookup_id: C.b64uEncode(ctx.secrets.lookupId), kind: fields.kind,
      envelope: C.b64uEncode(sealed), evidence: claims, signature: signature,
    });
    return "notice.sent_" + fields.kind;
  }

  /**
   * Fetch the proof of report (crypto/SPEC.md §13) — the signed file ("json") or the printable
   * PDF ("pdf") — and hand it to the browser as a file download.
   */
  async function downloadProof(ctx, format) {
    var r = await fetch("/api/case/proof", {
      method: "POST", credentials: "same-origin", cache: "no-store",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": A.meta("csrf-token") || "" },
      body: JSON.stringify({ lookup_id: C.b64uEncode(ctx.secrets.lookupId), format: format }),
    });
    if (!r.ok) throw new A.ApiError("error.server", r.status);
    var type = format === "pdf" ? "application/pdf" : "application/json";
    var url = URL.createObjectURL(new Blob([await r.arrayBuffer()], { type: type }));
    var a = el("a", { href: url, download: "bisik-proof." + format });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
  }

  /** The way out the no-JS case page has too: back to the landing page, then close the tab. */
  function leaveLink() {
    var p = el("p", { id: "leave" });
    p.appendChild(el("a", { href: "/" }, t("case.leave")));
    p.appendChild(document.createTextNode(" — " + t("case.leave_help")));
    return p;
  }

  async function show(ctx, notice) {
    var data = await A.call("POST", "/api/case", { lookup_id: C.b64uEncode(ctx.secrets.lookupId) });
    ctx.data = data;
    var view = await verifyCase(data, ctx.directory, ctx.secrets);
    while (main.firstChild) main.removeChild(main.firstChild);
    main.appendChild(el("h1", {}, t("case.title")));
    if (notice) main.appendChild(el("p", { "class": "ok", role: "status" }, t(notice)));
    main.appendChild(el("p", {}, t("case.received", { day: data.received_day })));
    main.appendChild(el("p", { "class": "ok", id: "verified-in-browser" }, t("js.verified_here")));
    var s1 = el("section"), s2 = el("section"), s3 = el("section"), steps = el("section");
    renderStatus(s1, view);
    globalThis.BisikSteps.render(steps, await globalThis.BisikSteps.verify(data, ctx.directory));
    renderReplies(s2, view, data);
    s3.appendChild(el("h2", {}, t("case.message_h")));
    s3.appendChild(el("p", { "class": "help" }, t("case.message_help")));
    var mf = messageForm();
    s3.appendChild(mf);
    A.watchMonth(mf, mf.querySelector("#retaliation_month"), mf.querySelector("#retaliation_year"));
    var s4 = el("section");
    s4.appendChild(el("h2", {}, t("case.proof_h")));
    s4.appendChild(el("p", {}, t("case.proof_help")));
    [["pdf", "proof-pdf-button", "case.proof_pdf"], ["json", "proof-button", "case.proof"]].forEach(function (b) {
      var button = el("button", { type: "button", "class": "secondary", id: b[1] }, t(b[2]));
      s4.appendChild(button);
      button.addEventListener("click", function () {
        downloadProof(ctx, b[0]).catch(function (e) { A.say(s4, e && e.key ? e.key : "error.server", "error"); });
      });
    });
    s4.appendChild(el("p", { "class": "help" }, t("case.proof_keep_safe")));
    var sections = [s1, steps, s2, s3];
    var linkedSection = globalThis.BisikLinked ? await globalThis.BisikLinked.section(data, ctx.directory) : null;
    if (linkedSection) sections.splice(1, 0, linkedSection);  // linked.js (crypto/SPEC.md §15)
    if (globalThis.BisikConsent) {  // consent.js (crypto/SPEC.md §14)
      ctx.recipients = function () { return caseRecipients(ctx); };
      sections.push(globalThis.BisikConsent.section(ctx, function (key) { return show(ctx, key); }));
    }
    var s5 = el("section");  // followup-identity.js (crypto/SPEC.md §17)
    globalThis.BisikIdentity.render(s5, ctx);
    sections.push(s5);
    sections.concat([s4]).forEach(function (s) { main.appendChild(s); });
    main.appendChild(leaveLink());
    mf.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var buttons = mf.querySelectorAll("button");
      buttons.forEach(function (b) { b.disabled = true; });
      sendMessage(mf, ctx).then(function (key) { return show(ctx, key); }).catch(function (e) {
        A.say(mf, e && e.key ? e.key : "error.server", "error");
        buttons.forEach(function (b) { b.disabled = false; });
      });
    });
  }

  async function open(directory) {
    var input = form.querySelector('[name="receipt"]');
    var secrets;
    try {
      secrets = await C.deriveReceipt(input.value);
    } catch (e) {
      throw new A.ApiError("error.receipt_typo");
    }
    await show({ directory: directory, secrets: secrets, data: null });
    input.value = "";  // the receipt is not kept in the page once the case is open
  }

  async function init() {
    // Only a browser with X25519, Ed25519 and AES-GCM takes over; any other keeps the no-JS form.
    if (form.dataset.bisikPath || !(await C.supported())) return;
    form.dataset.bisikPath = "checking";
    await A.loadMessages();
    var directory;
    try {
      directory = await A.directory();
    } catch (e) {
      form.dataset.bisikPath = "server";  // unverifiable directory: keep the no-JS path
      return;
    }
    form.dataset.bisikPath = "browser";
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var b = form.querySelector("button");
      if (b) b.disabled = true;
      open(directory).catch(function (e) {
        A.say(form, e && e.key ? e.key : "error.server", "error");
        if (b) b.disabled = false;
      });
    });
  }

  init();
})();
