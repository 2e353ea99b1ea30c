/* The overview (/ and /embed/classement): ONE event stream for every petition
   (/api/v1/events: first every count, then each change), polling the list
   API every 15 s when the stream is refused or lost. Each number is re-worded
   by count.js with the plural forms the server put in data-overview-forms, as
   a fresh page would. Rows keep their place: a reload re-sorts them (a list
   that moves under the reader's focus is hard to follow). */
(function () {
  "use strict";
  var box = document.querySelector("[data-overview]");
  if (!box) return;
  var lang = document.documentElement.lang || "fr";
  var forms = JSON.parse(box.getAttribute("data-overview-forms"));
  var known = JSON.parse(box.getAttribute("data-counts"));
  var percent = new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 0 });
  var totalLine = box.querySelector(".total-line");
  var total = 0, timer = null, slug;
  for (slug in known) total += known[slug];

  function item(name) {
    var rows = box.querySelectorAll("[data-slug]");
    for (var i = 0; i < rows.length; i++) if (rows[i].getAttribute("data-slug") === name) return rows[i];
    return null;
  }

  function update(d) {
    if (!d || typeof d.slug !== "string" || typeof d.signature_count !== "number") return;
    var before = known[d.slug];
    if (before === undefined) return;  // opened since the page loaded: a reload shows it
    var delta = d.signature_count - before;
    known[d.slug] = d.signature_count;
    total += delta;
    countText(lang, forms.total).render(totalLine, { count: total });
    var row = item(d.slug);
    if (!row) return;
    var local = d.local_count || 0, goal = d.goal;
    var reached = d.goal_scope === "local" ? local : d.signature_count;
    var words = countText(lang, d.goal_scope === "local" ? forms.count_local : forms.count);
    words.render(row.querySelector(".count"), { count: d.signature_count, goal: goal, local: local });
    var week = Math.max(0, parseInt(row.getAttribute("data-week"), 10) + delta);
    row.setAttribute("data-week", week);
    countText(lang, forms.week).render(row.querySelector(".rank-week"), { count: week });
    var bar = row.querySelector("[data-live=progress]");
    bar.max = goal;
    bar.value = Math.min(reached, goal);
    bar.textContent = words.number(reached) + " / " + words.number(goal);
    row.querySelector("[data-live=percent]").textContent = percent.format(Math.floor(reached * 100 / goal) / 100);
    row.querySelector("[data-live=reached]").hidden = reached < goal;
  }

  function take(data) {
    if (Object.prototype.toString.call(data) === "[object Array]") {
      for (var i = 0; i < data.length; i++) update(data[i]);
    } else update(data);
  }

  function poll() {
    fetch("/api/v1/petitions", { credentials: "omit", cache: "no-cache" })
      .then(function (r) { if (!r.ok) throw r.status; return r.json(); })
      .then(function (d) { take(d.petitions); })
      .catch(function () { /* keep the last numbers shown */ });
  }

  function polling(on) {
    if (on && !timer) timer = setInterval(poll, 15000);
    if (!on && timer) { clearInterval(timer); timer = null; }
  }

  if (!window.EventSource) return polling(true);
  var es = new EventSource("/api/v1/events");
  es.addEventListener("count", function (e) {
    polling(false);
    try { take(JSON.parse(e.data)); } catch (err) { /* ignore a malformed event */ }
  });
  es.onerror = function () {
    polling(true);
    if (es.readyState === 2) es.close();
  };
})();
