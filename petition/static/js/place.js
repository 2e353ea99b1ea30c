/* The sign form's commune, as the signer types the postal code: once it has
   5 digits, ask /api/v1/petitions/<slug>/places which communes it serves and
   whether they lie in the territory. One commune: chosen, the select stays
   hidden. Several: the select shows them. An outside commune: the notice says
   the support will count outside the territory. Without JavaScript the server
   asks after the submit, and the "check your inbox" page says it. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-places]");
  if (!form || !window.fetch) return;
  var postal = form.querySelector("[name=postal_code]");
  var select = form.querySelector("select[name=commune]");
  var wrapper = document.getElementById("commune-field");
  var notice = document.getElementById("place-notice");
  if (!postal || !select || !wrapper || !notice) return;
  var placeholder = select.options[0] ? select.options[0].text : "";
  var communes = [], asked = "";

  function say() {
    var chosen = communes.filter(function (c) { return c.code === select.value; })[0];
    if (!chosen && communes.length === 1) chosen = communes[0];
    notice.textContent = chosen && !chosen.local ? notice.getAttribute("data-outside") : "";
  }

  function fill(found) {
    communes = found;
    var keep = select.value;
    select.innerHTML = "";
    select.add(new Option(placeholder, ""));
    found.forEach(function (c) {
      select.add(new Option(c.name, c.code, false, c.code === keep));
    });
    if (found.length === 1) select.value = found[0].code;
    wrapper.hidden = found.length < 2;
    say();
  }

  function ask() {
    var code = postal.value.trim();
    if (!/^\d{5}$/.test(code)) {
      if (code !== asked) { asked = code; fill([]); }
      return;
    }
    if (code === asked) return;
    asked = code;
    fetch(form.getAttribute("data-places") + "?postal_code=" + code)
      .then(function (r) { return r.ok ? r.json() : { communes: [] }; })
      .then(function (data) { if (postal.value.trim() === code) fill(data.communes || []); })
      .catch(function () {});  /* the server still decides after the submit */
  }

  postal.addEventListener("input", ask);
  select.addEventListener("change", say);
  if (postal.value) ask();
})();
