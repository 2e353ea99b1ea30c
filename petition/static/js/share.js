/* Share kit: "copy" buttons next to the embed snippets (hidden without JS). */
(function () {
  "use strict";
  var buttons = document.querySelectorAll("[data-copy]");
  for (var i = 0; i < buttons.length; i++) {
    var button = buttons[i];
    button.hidden = false;
    button.addEventListener("click", function (e) {
      var b = e.currentTarget;
      var source = document.getElementById(b.getAttribute("data-copy"));
      var status = document.getElementById(b.getAttribute("data-status"));
      var done = function () { if (status) status.textContent = b.getAttribute("data-done"); };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(source.value).then(done, function () { source.select(); });
      } else {
        source.select();
        document.execCommand("copy");
        done();
      }
    });
  }
  var print = document.querySelector("[data-print]");
  if (print) {
    print.hidden = false;
    print.addEventListener("click", function () { window.print(); });
  }
})();
