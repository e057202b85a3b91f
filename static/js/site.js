// Progressive enhancement only: every feature works without this file.
// Filters apply as soon as a choice changes, instead of waiting for the button.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form.filter-form");
  if (!form) return;
  form.addEventListener("change", function (event) {
    if (event.target.matches("input[type=radio], input[type=checkbox], select")) form.submit();
  });
});
