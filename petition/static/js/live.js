/* Live counter on our own pages (petition page, /embed/): follows the
   Server-Sent Events stream, falls back to polling the count endpoint, and
   animates a change unless the visitor prefers reduced motion. */
(function () {
  "use strict";
  var reduced = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var lang = document.documentElement.lang || "fr";
  var fmt = new Intl.NumberFormat(lang);

  function countUp(node, from, to) {
    if (reduced || from === to || isNaN(from)) { node.textContent = fmt.format(to); return; }
    var start = null, span = 600;
    function frame(ts) {
      if (start === null) start = ts;
      var k = Math.min((ts - start) / span, 1);
      node.textContent = fmt.format(Math.round(from + (to - from) * k));
      if (k < 1) requestAnimationFrame(frame);
    }
    requestAnimationFrame(frame);
    node.classList.remove("bump");
    void node.offsetWidth;
    node.classList.add("bump");
  }

  function follow(box) {
    var slug = box.getAttribute("data-live-count");
    var api = "/api/v1/petitions/" + encodeURIComponent(slug);
    var num = box.querySelector("[data-live=count]");
    var goal = box.querySelector("[data-live=goal]");
    var bar = box.querySelector("[data-live=progress]");
    var shown = parseInt((num && num.textContent || "").replace(/\D/g, ""), 10);
    var timer = null;

    function show(data) {
      if (data.signature_count === shown) return;
      if (num) countUp(num, shown, data.signature_count);
      shown = data.signature_count;
      if (goal) goal.textContent = fmt.format(data.goal);
      if (bar) { bar.max = data.goal; bar.value = Math.min(shown, data.goal); bar.textContent = shown + " / " + data.goal; }
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
