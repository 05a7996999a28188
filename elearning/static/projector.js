// The projector's counts: read every few seconds; once the trainer opens or closes the
// assessment, the page reloads to show what follows (the result, once closed).
(function () {
  var main = document.querySelector("[data-counts]");
  if (!main || !window.fetch) return;
  var every = 1000 * (parseInt(main.getAttribute("data-every"), 10) || 5);
  function read() {
    fetch(main.getAttribute("data-counts"), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (counts) {
        if (!counts) return;
        if (counts.state !== main.getAttribute("data-state")) { window.location.reload(); return; }
        main.querySelectorAll("[data-count]").forEach(function (element) {
          var value = String(counts[element.getAttribute("data-count")]);
          if (element.textContent !== value) element.textContent = value;
        });
      })
      .catch(function () { /* the venue's network dropped: try again at the next turn */ })
      .then(function () { setTimeout(read, every); });
  }
  setTimeout(read, every);
})();
