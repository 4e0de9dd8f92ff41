/* Quanze: a filter box above each long person/organization select of a task form (no inline script: CSP self). */
(function () {
  "use strict";

  function attach(select) {
    var box = document.createElement("input");
    box.type = "search";
    box.className = "pick-filter";
    box.setAttribute("aria-label", select.getAttribute("data-filter-label") || "");
    box.placeholder = select.getAttribute("data-filter-label") || "";
    box.setAttribute("aria-controls", select.id);
    box.addEventListener("input", function () {
      var words = box.value.trim().toLowerCase();
      Array.prototype.forEach.call(select.options, function (option) {
        // The blank choice and the one chosen stay visible, so a filter never changes the answer.
        var keep = !option.value || option.selected || option.text.toLowerCase().indexOf(words) !== -1;
        option.hidden = !keep;
      });
    });
    select.parentNode.insertBefore(box, select);
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("select[data-searchable]"), attach);
  });
})();
