/* The browser side of intake/api.py: CSRF, texts from the catalogue, the reviewer directory,
 * and the resumable upload of an envelope sealed chunk by chunk from a File.
 *
 * Exposes globalThis.BisikApi. Every failure rejects with a BisikApi.ApiError whose ``key``
 * is a catalogue key (e.g. "error.upload_gap"); BisikApi.text(key) gives the page-language
 * sentence. No text is written in this file.
 *
 * Uploads are built for Tor's latency (a round trip of 0.4-1 s): the page names (meta
 * bisik-upload) a piece size and how many pieces to keep in flight; sealing runs ahead of the
 * network and the network never waits for a round trip: not per piece, not to open the upload
 * (the browser chooses the upload's token, so it knows the id, and the first piece to arrive
 * opens it), not to finish it (the piece that completes it is answered with the blob). Memory: the pieces in flight plus one being
 * filled (4 x 2 MiB by default) and the sealer's three blocks (READ each: one read ahead, one
 * being encrypted, its ciphertext).
 */
(function (root) {
  "use strict";
  var C = root.BisikCrypto;
  var messages = {};
  var RETRIES = 8;
  var READ = 1 << 20;  // the sealer's block: 1 MiB seals as fast as 4 MiB through blob.stream(), in a quarter of the memory

  function ApiError(key, status, extra) {
    var e = new Error(key);
    Object.setPrototypeOf(e, ApiError.prototype);
    e.key = key; e.status = status || 0; e.extra = extra || {};
    return e;
  }
  ApiError.prototype = Object.create(Error.prototype);
  ApiError.prototype.name = "ApiError";

  function meta(name) {
    var m = document.querySelector('meta[name="' + name + '"]');
    return m ? m.getAttribute("content") : null;
  }
  function setMeta(name, value) {
    var m = document.querySelector('meta[name="' + name + '"]');
    if (m) m.setAttribute("content", value);
  }
  function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

  /** The catalogue text of ``key`` in the page's language (the key itself if missing). */
  function text(key, values) {
    var s = Object.prototype.hasOwnProperty.call(messages, key) ? messages[key] : key;
    if (values) Object.keys(values).forEach(function (k) { s = s.split("{" + k + "}").join(String(values[k])); });
    return s;
  }

  async function refreshCsrf() {
    var r = await fetch("/api/session", { credentials: "same-origin", cache: "no-store" });
    if (!r.ok) throw new ApiError("error.csrf", r.status);
    setMeta("csrf-token", (await r.json()).csrf);
  }

  /**
   * One API call. ``body`` is an object (sent as JSON) or a Uint8Array (sent raw). Network
   * failures reject with ApiError("error.network", 0); HTTP errors with the server's key.
   * A CSRF refusal (an expired session) is retried once with a fresh token.
   */
  async function call(method, path, body, headers) {
    for (var attempt = 0; ; attempt++) {
      var h = Object.assign({ "X-CSRF-Token": meta("csrf-token") || "" }, headers || {});
      var payload;
      if (body instanceof Uint8Array) { payload = body; h["Content-Type"] = "application/octet-stream"; }
      else if (body !== undefined) { payload = JSON.stringify(body); h["Content-Type"] = "application/json"; }
      var r;
      try {
        r = await fetch(path, { method: method, headers: h, body: payload, credentials: "same-origin", cache: "no-store" });
      } catch (e) {
        throw new ApiError("error.network", 0);
      }
      var data = null;
      try { data = await r.json(); } catch (e) { data = null; }
      if (r.ok) return data || {};
      var key = (data && data.error) || (r.status === 429 ? "error.rate_limited" : r.status >= 500 ? "error.server" : "error.malformed");
      if (key === "error.csrf" && attempt === 0) { await refreshCsrf(); continue; }
      throw new ApiError(key, r.status, data || {});
    }
  }

  /** Load the catalogue of the page's language once. */
  async function loadMessages() {
    try {
      var r = await fetch("/api/messages", { credentials: "same-origin", cache: "no-store" });
      if (r.ok) messages = (await r.json()).messages || {};
    } catch (e) { /* texts fall back to their keys */ }
  }

  /** Fetch the signed directory and verify it against the root key pinned in the page. */
  async function directory() {
    var rootKey = meta("bisik-root");
    if (!rootKey) throw new ApiError("error.directory", 0);
    var r = await fetch("/api/directory", { credentials: "same-origin", cache: "no-store" });
    if (!r.ok) throw new ApiError("error.directory", r.status);
    var bytes = new Uint8Array(await r.arrayBuffer());
    try {
      return await C.verifyDirectory(bytes, C.b64uDecode(rootKey, 32));
    } catch (e) {
      throw new ApiError("error.directory", 0);
    }
  }

  /**
   * Seal ``file`` to ``recipients`` and upload the ciphertext in resumable pieces, several in
   * flight at once. A piece whose request fails (a dropped connection, a server error) is
   * kept: after a pause the browser asks the server which ranges it holds and resends the
   * piece only if it is not among them (never the whole upload). The piece that completes
   * the upload is answered with the finished blob, so no separate request is needed; if that
   * answer was lost, ``finish`` asks for it again. Returns {sha256, size,
   * claim, headerMac}: the SHA-256 is the one the server computed over what it stored (a
   * locator for the blob, not a guarantee); headerMac, from the sealer, is what the document
   * binds the evidence with (crypto/SPEC.md §8).
   * ``hooks.onProgress(doneBytes)`` follows the plaintext the server has acknowledged;
   * ``hooks.onResume()`` is called each time a piece is retried after a failure.
   */
  async function uploadFile(file, recipients, hooks) {
    hooks = hooks || {};
    var total = C.envelopeLength(file.size, recipients.length);
    var token = crypto.getRandomValues(new Uint8Array(32)), id = await uploadId(token);
    var headers = { "X-Upload-Token": C.b64uEncode(token) }, url = "/api/uploads/" + id;
    var plan = (meta("bisik-upload") || "").split(" ").map(Number);
    var pieceSize = plan[0] || (1 << 20), parallel = Math.max(1, plan[1] || 1);
    var inflight = new Set(), failed = null, acked = 0, done = null;

    function held(have, at, end) {
      return (have || []).some(function (r) { return r[0] <= at && r[1] >= end; });
    }

    async function send(bytes, at) {
      for (var attempt = 0; ; attempt++) {
        try {  // with the size, whichever piece arrives first opens the upload
          var answer = await call("PUT", url + "?offset=" + at + "&size=" + total, bytes, headers);
          if (answer.sha256) done = answer;  // this piece completed the upload
          return;
        } catch (e) {
          var retry = e.key === "error.network" || e.status >= 500 || e.status === 429;
          if (!retry || attempt >= RETRIES) throw e;
          await sleep(Math.min(8000, 250 * Math.pow(2, attempt)));
          var have;
          try { have = (await call("GET", url, undefined, headers)).have; } catch (e2) { continue; }
          if (hooks.onResume) hooks.onResume(at);
          if (held(have, at, at + bytes.length)) return;  // it arrived; only the answer was lost
        }
      }
    }

    function launch(bytes, at) {
      var p = send(bytes, at).then(function () {
        acked += bytes.length;
        if (hooks.onProgress) hooks.onProgress(Math.min(file.size, Math.floor(acked / total * file.size)));
      }, function (e) { failed = failed || e; }).finally(function () { inflight.delete(p); });
      inflight.add(p);
    }

    // The sealer fills pieces; a full piece goes out at once unless ``parallel`` are in flight.
    var piece = new Uint8Array(pieceSize), fill = 0, at = 0;
    async function onData(chunk) {
      var off = 0;
      while (off < chunk.length) {
        var n = Math.min(pieceSize - fill, chunk.length - off);
        piece.set(chunk.subarray(off, off + n), fill);
        fill += n; off += n;
        if (fill === pieceSize) {
          while (inflight.size >= parallel && !failed) await Promise.race(inflight);
          if (failed) throw failed;
          launch(piece, at);
          at += pieceSize; piece = new Uint8Array(pieceSize); fill = 0;
        }
      }
    }

    var sealed = await C.sealStream(file, recipients, onData, { readSize: READ });
    if (fill) launch(piece.subarray(0, fill), at);
    while (inflight.size) await Promise.race(inflight);
    if (failed) throw failed;
    if (sealed.length !== total) throw new ApiError("error.upload_integrity", 0);
    if (!done) done = await call("POST", url + "/finish", {}, headers);  // the answer was lost
    if (done.size !== total || !/^[0-9a-f]{64}$/.test(String(done.sha256))) {
      throw new ApiError("error.upload_integrity", 0);
    }
    return { sha256: done.sha256, size: done.size, claim: done.claim, headerMac: sealed.headerMac };
  }

  /** The id of the upload owned by ``token`` (vault.uploads.upload_id_for): the first 80
   * bits of SHA-256("bisik/v1 upload-id" 0x00 || token), in lowercase hex. */
  async function uploadId(token) {
    var label = new TextEncoder().encode("bisik/v1 upload-id\u0000");
    var input = new Uint8Array(label.length + token.length);
    input.set(label); input.set(token, label.length);
    var digest = new Uint8Array(await crypto.subtle.digest("SHA-256", input));
    return Array.prototype.map.call(digest.subarray(0, 10), function (b) {
      return (b < 16 ? "0" : "") + b.toString(16);
    }).join("");
  }

  /** Show ``key``'s text in a live region inside ``container`` (created on first use). */
  function say(container, key, kind, values) {
    var box = container.querySelector(".js-status");
    if (!box) {
      box = document.createElement("p");
      box.className = "js-status";
      box.setAttribute("role", "status");
      box.setAttribute("aria-live", "polite");
      container.insertBefore(box, container.firstChild);
    }
    box.classList.toggle("error", kind === "error");
    box.dataset.key = key;
    box.textContent = text(key, values);
    return box;
  }

  /** This year and month in eastern Indonesia (UTC+9, the latest date in the country): the
   * bound intake/forms.py applies on the no-JS path. */
  function latestMonth() {
    var now = new Date(Date.now() + 9 * 3600 * 1000);
    return { year: now.getUTCFullYear(), month: now.getUTCMonth() + 1 };
  }

  /** Whether a chosen year (and optional month) lies after this month. */
  function isFutureMonth(year, month) {
    if (!year) return false;
    var now = latestMonth();
    return Number(year) > now.year || (Number(year) === now.year && Number(month || 1) > now.month);
  }

  /** Refuse a future month as soon as it is chosen: ``month`` becomes invalid (the browser
   * will not submit) and the reason is shown in ``form``'s live region. */
  function watchMonth(form, month, year) {
    if (!month || !year) return;
    function check() {
      var future = isFutureMonth(year.value, month.value);
      month.setCustomValidity(future ? text("error.future_month") : "");
      month.setAttribute("aria-invalid", future ? "true" : "false");
      var shown = form.querySelector('.js-status[data-key="error.future_month"]');
      if (future) say(form, "error.future_month", "error");
      else if (shown) shown.remove();
    }
    month.addEventListener("change", check);
    year.addEventListener("change", check);
    check();
  }

  /** A new element with attributes and (as text, never HTML) its content: the pages' one
   * way to draw what they show. */
  function el(tag, attrs, content) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (content !== undefined) e.textContent = content;
    return e;
  }

  root.BisikApi = Object.freeze({
    ApiError: ApiError, call: call, text: text, loadMessages: loadMessages, directory: directory,
    uploadFile: uploadFile, say: say, meta: meta, latestMonth: latestMonth,
    isFutureMonth: isFutureMonth, watchMonth: watchMonth, el: el,
  });
})(typeof globalThis !== "undefined" ? globalThis : self);
