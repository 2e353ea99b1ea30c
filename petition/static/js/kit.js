/* Share kit page: the options rewrite the four snippets and their previews
   as they change. Without JavaScript the form reloads the page (GET) with the
   same result, built on the server (views/kit.py). */
(function () {
  "use strict";
  var form = document.getElementById("kit-options");
  if (!form) return;
  var kit = JSON.parse(form.getAttribute("data-kit"));
  var submit = form.querySelector("[data-kit-submit]");
  if (submit) submit.hidden = true;
  var title = document.getElementById("snippet-iframe").value.match(/title="([^"]*)"/)[1];

  function options() {
    var width = parseInt(form.elements.width.value, 10);
    if (!(width >= 240)) width = 320;
    return {
      theme: form.elements.theme.value,
      lang: form.elements.counter_lang.value,
      compact: form.elements.compact.checked,
      width: Math.min(width, 600)
    };
  }

  function query(o) {
    var parts = [];
    if (o.theme !== "light") parts.push("theme=" + o.theme);
    if (o.lang !== "fr") parts.push("lang=" + o.lang);
    if (o.compact) parts.push("compact=1");
    return parts.length ? "?" + parts.join("&") : "";
  }

  /* A new widget host in preview `id` when the options changed; true if so. */
  function remount(id, name, o) {
    var box = document.querySelector("[data-preview=" + id + "]");
    var old = box.querySelector("[data-petition]");
    if (old.getAttribute("data-lang") === o.lang && old.getAttribute("data-theme") === o.theme) {
      return false;
    }
    var host = document.createElement("div");
    host.setAttribute("data-petition", name);
    host.setAttribute("data-lang", o.lang);
    host.setAttribute("data-theme", o.theme);
    box.replaceChild(host, old);
    return true;
  }

  function render() {
    var o = options(), q = query(o);
    var height = o.compact ? kit.heights.compact : kit.heights["default"];
    var badge = kit.badge + (o.lang !== "fr" ? "?lang=" + o.lang : "");
    var attrs = (o.lang !== "fr" ? ' data-lang="' + o.lang + '"' : "") +
      (o.theme !== "light" ? ' data-theme="' + o.theme + '"' : "");
    document.getElementById("snippet-iframe").value =
      '<iframe src="' + kit.embed + q + '" title="' + title + '" width="' + o.width +
      '" height="' + height + '" style="border:0;max-width:100%" loading="lazy" ' +
      'data-petition-frame></iframe>\n<script src="' + kit.frame + '" async></script>';
    document.getElementById("snippet-script").value =
      '<div data-petition="' + kit.slug + '"' + attrs + '></div>\n<script src="' +
      kit.widget + '" async></script>';
    document.getElementById("snippet-badge").value =
      '<a href="' + kit.url + '"><img src="' + badge + '" alt="' + title + '"></a>';

    var frame = document.querySelector("[data-preview=iframe] iframe");
    var src = new URL(kit.embed + q).pathname + q;
    if (frame.getAttribute("src") !== src) {
      frame.setAttribute("src", src);
      frame.style.height = "";
      frame.setAttribute("height", height);
    }
    frame.setAttribute("width", o.width);

    document.getElementById("snippet-ranking").value =
      '<div data-petition="classement"' + attrs + '></div>\n<script src="' +
      kit.widget + '" async></script>';
    var remounted = remount("script", kit.slug, o) | remount("ranking", "classement", o);
    if (remounted) {
      var script = document.createElement("script");
      script.src = new URL(kit.widget).pathname;  // mounts every new counter
      document.body.appendChild(script);
    }
    document.querySelector("[data-preview=badge] img").setAttribute(
      "src", new URL(badge).pathname + (o.lang !== "fr" ? "?lang=" + o.lang : ""));

    var here = new URL(location.href);
    here.search = new URLSearchParams({ theme: o.theme, counter_lang: o.lang, width: o.width,
      compact: o.compact ? "1" : "0" }).toString();
    history.replaceState(null, "", here.pathname + here.search);
  }

  form.addEventListener("change", render);
  form.addEventListener("input", function (e) { if (e.target.name === "width") render(); });
  form.addEventListener("submit", function (e) { e.preventDefault(); render(); });
})();
