/* The count sentence in the page's language, shared by live.js (our pages),
   overview.js and widget.js (other sites: petition/dev/widget.py inlines this
   file into it, so it adds no global there). `forms` maps a CLDR plural
   category to the catalog's sentence ("%(count)s soutiens vérifiés sur un
   objectif de %(goal)s"), made by petition/numbers.py: Intl.PluralRules picks
   the form and Intl.NumberFormat writes the numbers, as Babel does on the
   server, so a live update says what a fresh page would ("1 000" in French,
   "1,000" in English). A category missing from `forms` takes "other". */
var countText = function (lang, forms) {
  "use strict";
  var numbers = new Intl.NumberFormat(lang), rules = new Intl.PluralRules(lang);
  forms = forms || {};

  function number(n) {
    return numbers.format(n);
  }

  /* [text, name, text, name, …] for the form that suits values.count. */
  function pieces(values) {
    return (forms[rules.select(values.count)] || forms.other || "%(count)s").split(/%\((\w+)\)s/);
  }

  return {
    number: number,
    /* The sentence as plain text (for a live region). */
    text: function (values) {
      return pieces(values).map(function (p, i) { return i % 2 ? number(values[p]) : p; }).join("");
    },
    /* Fill `node` with the sentence, each number in its own element marked
       data-live=<name> (<strong> for the count), as templates/_counter.html
       does; returns the elements by name. */
    render: function (node, values) {
      var found = {}, doc = node.ownerDocument;
      node.textContent = "";
      pieces(values).forEach(function (p, i) {
        if (i % 2) {
          var el = node.appendChild(doc.createElement(p === "count" ? "strong" : "span"));
          el.setAttribute("data-live", p);
          el.textContent = number(values[p]);
          found[p] = el;
        } else if (p) node.appendChild(doc.createTextNode(p));
      });
      return found;
    }
  };
};
