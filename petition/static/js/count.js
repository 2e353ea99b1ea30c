/* The count sentence in the page's language, shared by live.js (our pages)
   and widget.js (other sites: petition/views/embed.py inlines this file into
   it, so it adds no global there). `forms` maps a CLDR plural category to the
   catalog's sentence ("%(count)s soutiens vérifiés sur un objectif de
   %(goal)s"), made by petition/numbers.py: Intl.PluralRules picks the form and
   Intl.NumberFormat writes the numbers, as Babel does on the server, so a live
   update says what a fresh page would ("1 000" in French, "1,000" in English). */
var countText = (function () {
  "use strict";
  var PLACEHOLDER = /%\((\w+)\)s/;

  function Formatter(lang, forms) {
    this.numbers = new Intl.NumberFormat(lang);
    this.rules = new Intl.PluralRules(lang);
    this.forms = forms || {};
  }

  Formatter.prototype.number = function (n) {
    return this.numbers.format(n);
  };

  /* [text, name, text, name, …] for the form that suits values.count. */
  Formatter.prototype.pieces = function (values) {
    var form = this.forms[this.rules.select(values.count)] || this.forms.other || "%(count)s";
    return form.split(PLACEHOLDER);
  };

  /* The sentence as plain text (for a live region). */
  Formatter.prototype.text = function (values) {
    var pieces = this.pieces(values), out = "";
    for (var i = 0; i < pieces.length; i++) {
      out += i % 2 ? this.number(values[pieces[i]]) : pieces[i];
    }
    return out;
  };

  /* Fill `node` with the sentence, each number in its own element marked
     data-live=<name> (<strong> for the count), as templates/_counter.html
     does; returns the elements by name. */
  Formatter.prototype.render = function (node, values) {
    var pieces = this.pieces(values), found = {}, doc = node.ownerDocument;
    while (node.firstChild) node.removeChild(node.firstChild);
    for (var i = 0; i < pieces.length; i++) {
      if (i % 2 === 0) {
        if (pieces[i]) node.appendChild(doc.createTextNode(pieces[i]));
        continue;
      }
      var name = pieces[i];
      var el = doc.createElement(name === "count" ? "strong" : "span");
      el.setAttribute("data-live", name);
      el.textContent = this.number(values[name]);
      node.appendChild(el);
      found[name] = el;
    }
    return found;
  };

  return function (lang, forms) { return new Formatter(lang, forms); };
})();
