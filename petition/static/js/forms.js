/* Forms, on every page.
   - After a failed submit the error summary takes the focus, which brings it
     into view; each of its links moves the focus to its field, label in view.
   - Switching language keeps what was typed: when a language link is
     followed, the fields of a form marked data-keep go to sessionStorage (this
     tab only), and the page in the other language puts them back, then
     forgets them. Never the CSRF token, the honeypot or a password. Without
     JavaScript the form says that switching language empties it. */
(function () {
  "use strict";
  var KEY = "petition-form:", MAX_AGE = 10 * 60 * 1000;
  var SKIP = { csrf_token: true, website: true };

  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
    summary.addEventListener("click", function (e) {
      var link = e.target.closest ? e.target.closest("a[href^='#']") : null;
      var target = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!target) return;
      if (!/^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(target.tagName)) {
        target = target.querySelector("input, select, textarea") || target;
      }
      e.preventDefault();
      (target.closest(".field") || target).scrollIntoView();
      target.focus({ preventScroll: true });
    });
  }

  var forms = document.querySelectorAll("form[data-keep]");
  if (!forms.length || !window.sessionStorage) return;

  function keyOf(form) {
    return KEY + (form.getAttribute("action") || location.pathname);
  }

  function kept(el) {
    return el.name && !SKIP[el.name] && !/^(password|hidden|submit|button|file)$/.test(el.type);
  }

  function save() {
    for (var i = 0; i < forms.length; i++) {
      var fields = [], els = forms[i].elements;
      for (var j = 0; j < els.length; j++) {
        var el = els[j];
        if (!kept(el)) continue;
        var box = el.type === "checkbox" || el.type === "radio";
        fields.push([el.name, el.value, box ? el.checked : null]);
      }
      try {
        sessionStorage.setItem(keyOf(forms[i]), JSON.stringify({ at: Date.now(), fields: fields }));
      } catch (err) { /* storage full or refused: the switch still works */ }
    }
  }

  function restore(form) {
    var key = keyOf(form), saved = null;
    try {
      saved = JSON.parse(sessionStorage.getItem(key) || "null");
      sessionStorage.removeItem(key);
    } catch (err) { return; }
    if (!saved || !saved.fields || Date.now() - saved.at > MAX_AGE) return;
    for (var i = 0; i < saved.fields.length; i++) {
      var name = saved.fields[i][0], value = saved.fields[i][1], checked = saved.fields[i][2];
      var els = form.elements.namedItem(name);
      if (!els) continue;
      els = els.length !== undefined && !els.tagName ? els : [els];
      for (var j = 0; j < els.length; j++) {
        var el = els[j];
        if (!kept(el)) continue;
        if (checked === null) el.value = value;
        else if (el.value === value) el.checked = checked;
      }
    }
  }

  for (var i = 0; i < forms.length; i++) restore(forms[i]);
  var links = document.querySelectorAll(".lang-switch a");
  for (var k = 0; k < links.length; k++) links[k].addEventListener("click", save);
})();
