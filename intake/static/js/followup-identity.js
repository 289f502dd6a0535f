/* Identity disclosure on the follow-up page (crypto/SPEC.md §17), for followup.js.
 *
 * BisikIdentity.render(section, ctx) draws a form that explains the consequences, lets the
 * reporter choose which of the case's reviewers may read their identity (from the verified
 * directory), and takes name and contact details. On sending, the browser writes an
 * "identity" document, seals it to the chosen reviewers' keys and to nothing else (not the
 * receipt's reply key: a lost receipt never opens it), signs it with the receipt's follow-up
 * key as a "message" (SPEC §12) and posts it to /api/case/message. The server stores one more
 * message envelope; it never sees the details. Nothing is kept in the page after sending.
 */
(function () {
  "use strict";
  var C = globalThis.BisikCrypto, A = globalThis.BisikApi;
  if (!C || !A) return;
  var FIELDS = [["name", 200, "text"], ["nip", 40, "text"], ["position", 200, "text"],
    ["agency", 300, "text"], ["phone", 60, "tel"], ["email", 200, "email"],
    ["address", 500, "text"], ["contact_note", 1000, "text"]];

  var el = A.el;

  function chooser(ctx) {
    var box = el("fieldset", { id: "identity-reviewers" });
    box.appendChild(el("legend", {}, A.text("identity.reviewers")));
    ctx.directory.active().filter(function (r) { return ctx.data.recipients.indexOf(r.id) >= 0; })
      .forEach(function (r) {
        var label = el("label", { "class": "check" });
        label.appendChild(el("input", { type: "checkbox", name: "identity_reviewer", value: r.id }));
        label.appendChild(document.createTextNode(" " + r.name + " (" + r.fingerprint + ")"));
        box.appendChild(label);
      });
    return box;
  }

  function form(ctx) {
    var f = el("form", { id: "identity-form", method: "post", action: "#" });
    f.appendChild(chooser(ctx));
    FIELDS.forEach(function (d) {
      f.appendChild(el("label", { "for": "identity_" + d[0] }, A.text("identity.field." + d[0])));
      var input = d[0] === "address" || d[0] === "contact_note"
        ? el("textarea", { id: "identity_" + d[0], name: d[0], rows: "2", maxlength: String(d[1]) })
        : el("input", { id: "identity_" + d[0], name: d[0], type: d[2], maxlength: String(d[1]) });
      f.appendChild(input);
    });
    var confirm = el("label", { "class": "check" });
    confirm.appendChild(el("input", { type: "checkbox", id: "identity-confirm", name: "confirm", value: "yes" }));
    confirm.appendChild(document.createTextNode(" " + A.text("identity.confirm")));
    f.appendChild(confirm);
    var p = el("p");
    p.appendChild(el("button", { type: "submit" }, A.text("identity.send")));
    f.appendChild(p);
    return f;
  }

  /** The §17 fields, or an ApiError naming what is missing. */
  function fieldsOf(fd) {
    var fields = {};
    FIELDS.forEach(function (d) {
      var v = fd.get(d[0]);
      v = typeof v === "string" ? v.trim() : "";
      if (v) fields[d[0]] = Array.from(v).slice(0, d[1]).join("");
    });
    if (!fields.name) throw new A.ApiError("identity.need_name");
    if (fd.get("confirm") !== "yes") throw new A.ApiError("identity.need_confirm");
    return fields;
  }

  async function send(f, ctx) {
    var fd = new FormData(f), fields = fieldsOf(fd), chosen = fd.getAll("identity_reviewer");
    var keys = ctx.directory.active().filter(function (r) {
      return chosen.indexOf(r.id) >= 0 && ctx.data.recipients.indexOf(r.id) >= 0;
    }).map(function (r) { return r.x25519; });
    if (!keys.length) throw new A.ApiError("identity.need_reviewer");
    var doc = C.documentBytes({ type: "identity", submitted_at: C.nowSeconds(), channel: "browser",
      fields: fields, reply_key: null, evidence: [], consent: {} });
    var sealed = await C.seal(doc, keys);  // the chosen reviewers only, never the reply key
    var signature = await C.signFollowup(ctx.secrets, { case: ctx.data.case, type: "message",
      envelope_sha256: C.toHex(await C.sha256(sealed)), evidence: [] });
    await A.call("POST", "/api/case/message", {
      lookup_id: C.b64uEncode(ctx.secrets.lookupId), kind: "message",
      envelope: C.b64uEncode(sealed), evidence: [], signature: signature,
    });
  }

  function render(section, ctx) {
    section.setAttribute("id", "identity");
    section.appendChild(el("h2", {}, A.text("identity.h")));
    ["identity.explain", "identity.who_reads", "identity.no_take_back", "identity.lpsk"]
      .forEach(function (k) { section.appendChild(el("p", { "class": "help" }, A.text(k))); });
    var f = form(ctx);
    section.appendChild(f);
    f.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var b = f.querySelector("button");
      b.disabled = true;
      send(f, ctx).then(function () {
        f.reset();
        A.say(f, "notice.identity_sent", "ok");
      }).catch(function (e) {
        A.say(f, e && e.key ? e.key : "error.server", "error");
      }).finally(function () { b.disabled = false; });
    });
  }

  globalThis.BisikIdentity = { render: render };
})();
