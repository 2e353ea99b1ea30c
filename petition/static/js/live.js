/* Live counter on our own pages (petition page, confirmation, /embed/):
   follows the Server-Sent Events stream, falls back to polling the count
   endpoint, and animates a change unless the visitor prefers reduced motion.
   The sentence is re-worded by count.js with the forms the server put in
   data-live-forms, so "1 soutien" becomes "2 soutiens" as it would on a
   fresh page; a visually hidden live region says the new count once. */
(function () {
  "use strict";
  var reduced = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var lang = document.documentElement.lang || "fr";

  function countUp(node, from, to, words) {
    if (reduced || from === to || isNaN(from)) { node.textContent = words.number(to); return; }
    var start = null, span = 600;
    function frame(ts) {
      if (start === null) start = ts;
      var k = Math.min((ts - start) / span, 1);
      node.textContent = words.number(Math.round(from + (to - from) * k));
      if (k < 1) requestAnimationFrame(frame);
    }
    node.textContent = words.number(from);
    requestAnimationFrame(frame);
    node.classList.remove("bump");
    void node.offsetWidth;
    node.classList.add("bump");
  }

  function digits(node) {
    return parseInt((node && node.textContent || "").replace(/\D/g, ""), 10);
  }

  function follow(box) {
    var slug = box.getAttribute("data-live-count");
    var api = "/api/v1/petitions/" + encodeURIComponent(slug);
    var forms = {};
    try { forms = JSON.parse(box.getAttribute("data-live-forms") || "{}"); } catch (err) { /* keep {} */ }
    var words = countText(lang, forms);
    var line = box.querySelector(".count");
    var said = box.querySelector("[data-live=said]");
    var bar = box.querySelector("[data-live=progress]");
    var reachedBox = box.querySelector("[data-live=reached]");
    var shown = digits(box.querySelector("[data-live=count]"));
    var goal = digits(box.querySelector("[data-live=goal]"));
    var shownLocal = digits(box.querySelector("[data-live=local]"));
    var timer = null;

    function show(data) {
      var local = data.local_count || 0;
      if (data.signature_count === shown && data.goal === goal && local === shownLocal) return;
      var from = shown, values = { count: data.signature_count, goal: data.goal, local: local };
      shown = data.signature_count;
      shownLocal = local;
      goal = data.goal;
      var reached = data.goal_scope === "local" ? local : shown;
      if (line) {
        var found = words.render(line, values);
        if (found.count) countUp(found.count, from, shown, words);
      }
      if (said) said.textContent = words.text(values);
      if (bar) {
        bar.max = goal;
        bar.value = Math.min(reached, goal);
        bar.textContent = words.number(reached) + " / " + words.number(goal);
      }
      if (reachedBox) reachedBox.hidden = reached < goal;
    }

    function poll() {
      fetch(api + "/count", { credentials: "omit", cache: "no-cache" })
        .then(function (r) { if (!r.ok) throw r.status; return r.json(); })
        .then(show)
        .catch(function () { /* keep the last number shown */ });
    }

    function polling(on) {
      if (on && !timer) timer = setInterval(poll, 15000);
      if (!on && timer) { clearInterval(timer); timer = null; }
    }

    if (!window.EventSource) return polling(true);
    var es = new EventSource(api + "/events");
    es.addEventListener("count", function (e) {
      polling(false);
      try { show(JSON.parse(e.data)); } catch (err) { /* ignore a malformed event */ }
    });
    es.onerror = function () {
      polling(true);
      if (es.readyState === 2) es.close();
    };
  }

  var boxes = document.querySelectorAll("[data-live-count]");
  for (var i = 0; i < boxes.length; i++) follow(boxes[i]);
})();
