/* Pétitions French Tech – live counter widget. No dependencies, no globals, no cookies.
   Usage: <div data-petition="SLUG"></div><script src="BASE/widget.js" async></script>
   Options: data-lang="fr|en", data-theme="light|dark"; data-petition="classement"
   shows the ranking of every territory (the /embed/classement iframe).
   The count's wording comes from the server (L, in every language) and
   count.js, inlined below when /widget.js is built: the same sentence, plural
   forms and number format as the petition page. */
(function () {
  "use strict";
  var script = document.currentScript;
  var base = new URL(script ? script.src : location.href).origin;
  var L = "__LABELS__";
  "__COUNT_JS__";
  // An iframe of ours on this page posts its height: fit it (origin checked).
  addEventListener("message", function (e) {
    var d = e.data, f = document.getElementsByTagName("iframe"), i;
    if (e.origin !== base || !d || d.petitionFrame !== true || !(d.height > 0 && d.height < 5e3)) return;
    for (i = 0; i < f.length; i++) if (f[i].contentWindow === e.source) f[i].style.height = Math.ceil(d.height) + "px";
  });
  var CSS = ":host{all:initial;display:block;font:15px/1.4 system-ui,sans-serif;max-width:24rem}" +
    ".w{border:1px solid #8a8f98;border-radius:6px;padding:.75rem 1rem;background:#fff;color:#1a1a1a}" +
    ".d{background:#10141c;color:#f3f5f9;border-color:#5a5f68}" +
    "strong{font-size:1.6rem;color:#0b4ea2;display:inline-block}.d strong{color:#8cb8ff}" +
    "progress{width:100%;height:.8rem;accent-color:#0b4ea2}" +
    "a{color:inherit;font-weight:700}a:focus-visible{outline:3px solid #ffbf47;outline-offset:2px}" +
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}";

  function el(tag, parent, cls) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (parent) parent.appendChild(e);
    return e;
  }

  function styles(root) {
    try {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
    } catch (e) {
      el("style", root).textContent = CSS;
    }
  }

  function mount(host) {
    var slug = host.getAttribute("data-petition");
    if (!slug || host.shadowRoot || host.hasAttribute("data-mounted")) return;
    var lang = host.getAttribute("data-lang") || document.documentElement.lang || "fr";
    lang = L[lang.slice(0, 2)] ? lang.slice(0, 2) : "fr";
    var t = L[lang], words = countText(lang, t.forms), dark = host.getAttribute("data-theme") === "dark";
    if (slug === "classement" || slug === "ranking") {
      // The ranking is the overview's iframe, fitted by the listener above.
      host.setAttribute("data-mounted", "");
      var frame = el("iframe", host);
      frame.src = base + "/embed/classement?lang=" + lang + (dark ? "&theme=dark" : "");
      frame.title = t.ranking;
      frame.style.cssText = "border:0;width:100%;height:480px";
      return;
    }
    var root = host.attachShadow({ mode: "open" });
    styles(root);
    var box = el("div", root, "w" + (dark ? " d" : ""));
    box.setAttribute("lang", lang);
    var line = el("p", box);
    line.textContent = t.loading;
    var said = el("p", box, "sr");
    said.setAttribute("aria-live", "polite");
    var bar = el("progress", box);
    bar.setAttribute("aria-label", t.progress);
    var link = el("a", el("p", box));
    slug = encodeURIComponent(slug);
    link.href = base + "/p/" + slug;
    link.target = "_blank";  // opens with noopener: what browsers do for _blank
    link.textContent = t.sign;
    var api = base + "/api/v1/petitions/" + slug;
    var shown = null, shownLocal = null, goal = null, timer = null;

    function show(data) {
      var local = data.local_count || 0;
      if (data.signature_count === shown && data.goal === goal && local === shownLocal) return;
      var first = shown === null;
      var values = { count: data.signature_count, goal: data.goal, local: local };
      shown = data.signature_count;
      shownLocal = local;
      goal = data.goal;
      var byLocal = data.goal_scope === "local";
      words = countText(lang, byLocal ? t.forms_local : t.forms);
      words.render(line, values);
      // The paper part the count includes: "(dont 2 sur papier)".
      if (data.paper_count) line.append(" " + t.paper.replace("#", words.number(data.paper_count)));
      bar.max = goal;
      bar.value = Math.min(byLocal ? local : shown, goal);
      if (!first) said.textContent = words.text(values);
    }

    function poll() {
      fetch(api + "/count", { credentials: "omit", cache: "no-cache" })
        .then(function (r) { if (!r.ok) throw r.status; return r.json(); })
        .then(show)
        .catch(function () { if (shown === null) line.textContent = t.error; });
    }

    function polling(on) {
      if (on && !timer) timer = setInterval(poll, 15000);
      if (!on && timer) { clearInterval(timer); timer = null; }
    }

    poll();
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

  function scan() {
    var nodes = document.querySelectorAll("div[data-petition]");
    for (var i = 0; i < nodes.length; i++) mount(nodes[i]);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", scan);
  else scan();
})();
