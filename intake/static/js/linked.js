/* The linked history on the JavaScript follow-up page (crypto/SPEC.md §15).
 *
 * followup.js calls BisikLinked.section(data, directory) when it draws an opened case. For each
 * old case the server says the reviewers linked and shared, the browser verifies the signed
 * link record (a reviewer of the directory, this case, linked and shared) and each of the old
 * case's status records, and shows the old case's received day and verified statuses — dates
 * and states only, as the no-JS page (intake/templates/case.html) does. Anything that fails a
 * check is left out.
 */
(function () {
  "use strict";
  var C = globalThis.BisikCrypto, A = globalThis.BisikApi;
  if (!C || !A) return;

  var el = A.el;  // bisik-api.js: text only, never HTML
  function t(key, values) { return A.text(key, values); }

  async function verified(old, caseId, directory) {
    var link = await C.verifyRecord(old.record, directory, "link");
    if (link.body.case !== caseId || !link.body.linked || !link.body.share) throw new C.SignatureError("not a shared link of this case");
    var rows = [];
    for (var i = 0; i < old.statuses.length; i++) {
      try {
        var s = await C.verifyRecord(old.statuses[i], directory, "status");
        if (s.body.case !== link.body.other) continue;
        rows.push({ key: C.recordOrderKey(s.body), day: C.parseIsoTime(s.body.at).date,
          text: t("status." + s.body.state) + (s.body.authority ? " — " + s.body.authority : "") });
      } catch (e) { /* not shown */ }
    }
    rows.sort(function (a, b) { return a.key[0] < b.key[0] ? -1 : a.key[0] > b.key[0] ? 1 : a.key[1] < b.key[1] ? -1 : 1; });
    return rows;
  }

  /** The linked-history section, or null when nothing verified is shared. */
  async function section(data, directory) {
    var s = el("section", { id: "linked-section" }), shown = 0;
    s.appendChild(el("h2", {}, t("linked.h")));
    s.appendChild(el("p", { "class": "help" }, t("linked.help")));
    for (var i = 0; i < (data.linked || []).length; i++) {
      var old = data.linked[i], rows;
      try { rows = await verified(old, data.case, directory); } catch (e) { continue; }
      var table = el("table", { "class": "linked-case" }), head = el("tr"), body = el("tbody");
      table.appendChild(el("caption", {}, t("linked.received", { day: old.received_day })));
      ["case.day", "case.state"].forEach(function (k) { head.appendChild(el("th", { scope: "col" }, t(k))); });
      var thead = el("thead"); thead.appendChild(head); table.appendChild(thead);
      rows.forEach(function (r) {
        var tr = el("tr");
        tr.appendChild(el("td", {}, r.day));
        tr.appendChild(el("td", {}, r.text));
        body.appendChild(tr);
      });
      table.appendChild(body);
      s.appendChild(table);
      shown++;
    }
    return shown ? s : null;
  }

  globalThis.BisikLinked = { section: section };
})();
