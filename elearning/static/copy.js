// "Copy the link" buttons: shown only when the browser can copy; the field stays selectable.
document.querySelectorAll("[data-copy]").forEach(function (button) {
  if (!navigator.clipboard) return;
  var field = document.getElementById(button.getAttribute("data-copy"));
  var label = button.textContent;
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(field.value).then(function () {
      button.textContent = button.getAttribute("data-copied") || "✓";
      setTimeout(function () { button.textContent = label; }, 2000);
    });
  });
});
