/* Pétitions French Tech – fits the counter's iframe to its content.
   Usage, after the iframe: <script src="BASE/frame.js" async></script>
   The frame (/embed/<slug>) posts its height; this listens, checks that the
   message comes from our origin and from one of the page's iframes, and sets
   that iframe's height. No globals, no cookies. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var origin = new URL(script.src, location.href).origin;
  window.addEventListener("message", function (e) {
    var d = e.data;
    if (e.origin !== origin || !d || d.petitionFrame !== true) return;
    var h = Math.ceil(Number(d.height));
    if (!(h > 0 && h < 5000)) return;
    var frames = document.getElementsByTagName("iframe");
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === e.source) frames[i].style.height = h + "px";
    }
  });
})();
