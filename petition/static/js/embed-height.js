/* In the counter's iframe: tell the host page our height (frame.js and
   widget.js on the host listen, and check our origin). The height is no
   secret: any parent may hear it. */
(function () {
  "use strict";
  if (window.parent === window) return;
  var last = 0;
  function send() {
    var h = Math.ceil(document.body.getBoundingClientRect().height);
    if (h === last) return;
    last = h;
    window.parent.postMessage({ petitionFrame: true, height: h }, "*");
  }
  if (window.ResizeObserver) new ResizeObserver(send).observe(document.body);
  window.addEventListener("load", send);
  send();
})();
