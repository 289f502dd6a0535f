/* Consent that changes, on the JavaScript follow-up page (crypto/SPEC.md §14).
 *
 * followup.js calls BisikConsent.section(ctx, done) when it draws an opened case. The section
 * offers, per authority and per evidence file, "no change / grant / withdraw" — the same form
 * names as the no-JS page (intake/templates/case.html). On submit the browser builds the
 * consent document, checks it as a reviewer will (BisikCrypto.parseConsent), seals it to the
 * case's reviewers, signs it with the receipt's follow-up key (§12) and posts it as a follow-up
 * of kind "consent". The server never sees the choices in the clear on this path.
 */
(function () {
  "use strict";
  var C = globalThis.BisikCrypto, A = globalThis.BisikApi;
  if (!C || !A) return;

  var el = A.el;  // bisik-api.js: text only, never HTML
  function t(key, values) { return A.text(key, values); }

  /** Three radios (no change / first / second) named ``name``, described by ``label``. */
  function choice(name, label, words, id) {
    var div = el("div", { "class": "consent-choice" });
    div.appendChild(el("span", { id: id }, label));
    [["", "consent.keep"], ["grant", words[0]], ["withdraw", words[1]]].forEach(function (c, i) {
      var l = el("label", { "class": "check" });
      var input = el("input", { type: "radio", name: name, value: c[0], "aria-describedby": id });
      if (i === 0) input.checked = true;
      l.appendChild(input);
      l.appendChild(document.createTextNode(" " + t(c[1])));
      div.appendChild(l);
    });
    return div;
  }

  function form(data) {
    var f = el("form", { id: "consent-form", method: "post", action: "#" });
    var a = el("fieldset");
    a.appendChild(el("legend", {}, t("consent.authorities")));
    (data.consent_choices || []).forEach(function (code) {
      a.appendChild(choice("authority_" + code, t("authority." + code),
        ["consent.grant", "consent.withdraw"], "consent-a-" + code));
    });
    f.appendChild(a);
    if ((data.evidence || []).length) {
      var e = el("fieldset");
      e.appendChild(el("legend", {}, t("consent.files")));
      data.evidence.forEach(function (file, i) {
        e.appendChild(choice("evidence_" + file.sha256,
          t("consent.file_" + file.item, { day: file.day, n: file.position }),
          ["consent.share", "consent.unshare"], "consent-f-" + (i + 1)));
      });
      f.appendChild(e);
    }
    f.appendChild(el("p", { "class": "help" }, t("consent.after_sent")));
    var p = el("p");
    p.appendChild(el("button", { type: "submit" }, t("consent.send")));
    f.appendChild(p);
    return f;
  }

  /**
   * The change the radios make, as intake/consent.py change_from_form reads them, numbered
   * after the case's stored changes (data.consent_seq, SPEC §14.3: reviewers order by it).
   */
  function change(f, data) {
    var fd = new FormData(f), out = { authorities: {}, evidence: {}, seq: data.consent_seq };
    function put(map, key, value) {
      if (value === "grant") map[key] = true;
      else if (value === "withdraw") map[key] = false;
    }
    (data.consent_choices || []).forEach(function (c) { put(out.authorities, c, fd.get("authority_" + c)); });
    (data.evidence || []).forEach(function (x) { put(out.evidence, x.sha256, fd.get("evidence_" + x.sha256)); });
    if (!Object.keys(out.authorities).length && !Object.keys(out.evidence).length) {
      throw new A.ApiError("error.consent_nothing");
    }
    return out;
  }

  async function send(f, ctx) {
    var doc = C.documentBytes({ type: "consent", submitted_at: C.nowSeconds(), channel: "browser",
      fields: {}, reply_key: null, evidence: [], consent: change(f, ctx.data) });
    C.parseConsent(doc);  // what a reviewer will check (SPEC §14.2), before anything is sent
    var sealed = await C.seal(doc, ctx.recipients());
    var signature = await C.signFollowup(ctx.secrets, { case: ctx.data.case, type: "consent",
      envelope_sha256: C.toHex(await C.sha256(sealed)), evidence: [] });
    await A.call("POST", "/api/case/message", { lookup_id: C.b64uEncode(ctx.secrets.lookupId),
      kind: "consent", envelope: C.b64uEncode(sealed), evidence: [], signature: signature });
    return "notice.sent_consent";
  }

  /** The consent section of an opened case; ``done(noticeKey)`` redraws the case. */
  function section(ctx, done) {
    var s = el("section", { id: "consent-section" });
    s.appendChild(el("h2", {}, t("consent.h")));
    s.appendChild(el("p", { "class": "help" }, t("consent.help")));
    s.appendChild(el("p", { "class": "help" }, t("consent.sealed")));
    var f = form(ctx.data);
    s.appendChild(f);
    f.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var b = f.querySelector("button");
      b.disabled = true;
      send(f, ctx).then(done).catch(function (e) {
        A.say(f, e && e.key ? e.key : "error.server", "error");
        b.disabled = false;
      });
    });
    return s;
  }

  globalThis.BisikConsent = { section: section };
})();
