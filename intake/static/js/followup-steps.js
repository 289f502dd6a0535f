/* The authority's progress on the follow-up page (crypto/SPEC.md §16), for followup.js.
 *
 * BisikSteps.verify(data, directory) verifies every tracking step the server returned in
 * /api/case against the verified reviewer directory (BisikCrypto.verifyRecord, kind "track")
 * and keeps, for each step that verifies and names this case, only the authority, the stage
 * and the day — never the authority's reference number, the sanction level or who recorded it
 * (intake/steps.py does the same for the no-JavaScript page). Steps are ordered by day here;
 * a step sent twice is shown once. BisikSteps.render(section, view) draws the table.
 */
(function () {
  "use strict";
  var C = globalThis.BisikCrypto, A = globalThis.BisikApi;
  if (!C || !A) return;

  var el = A.el;
  function known(key) { return A.text(key) !== key; }

  async function verify(data, directory) {
    var steps = [], rejected = 0, seen = {};
    var raw = data.steps || [];
    for (var i = 0; i < raw.length; i++) {
      try {
        var r = await C.verifyRecord(raw[i], directory, "track");
        if (r.body.case !== data.case) throw new C.SignatureError("other case");
        if (Object.prototype.hasOwnProperty.call(seen, r.body.id)) continue;
        seen[r.body.id] = true;
        steps.push({ day: r.body.day, authority: r.body.authority, stage: r.body.stage,
          key: [r.body.day].concat(C.recordOrderKey(r.body)) });
      } catch (e) { rejected++; }
    }
    steps.sort(function (a, b) { return a.key.join("\u0000") < b.key.join("\u0000") ? -1 : 1; });
    return { steps: steps, rejected: rejected };
  }

  function render(section, view) {
    section.setAttribute("id", "steps");
    section.appendChild(el("h2", {}, A.text("track.h")));
    if (!view.steps.length) {
      section.appendChild(el("p", {}, A.text("track.none")));
    } else {
      var table = el("table"), head = el("tr"), body = el("tbody"), thead = el("thead");
      table.appendChild(el("caption", {}, A.text("track.caption")));
      ["case.day", "track.authority", "track.stage"].forEach(function (k) { head.appendChild(el("th", { scope: "col" }, A.text(k))); });
      thead.appendChild(head); table.appendChild(thead);
      view.steps.forEach(function (s) {
        var row = el("tr"), a = "track.authority." + s.authority, st = "track.stage." + s.stage;
        [s.day, known(a) ? A.text(a) : s.authority, A.text(known(st) ? st : "track.stage.other")]
          .forEach(function (v) { row.appendChild(el("td", {}, v)); });
        body.appendChild(row);
      });
      table.appendChild(body);
      section.appendChild(table);
    }
    if (view.rejected) section.appendChild(el("p", { "class": "warning" }, A.text("case.rejected", { n: view.rejected })));
    section.appendChild(el("p", { "class": "help" }, A.text("track.help")));
  }

  globalThis.BisikSteps = { verify: verify, render: render };
})();
