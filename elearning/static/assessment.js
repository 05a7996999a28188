// Assessment pages work without this script: every button saves the page. With it, each change
// is saved at once (so a dropped connection or a closed tab loses nothing), and the time left
// counts down.
"use strict";
(() => {
  const form = document.querySelector("form[data-autosave]");
  const status = document.querySelector("[data-save-status]");
  if (form && status) {
    let pending = Promise.resolve();
    const save = () => {
      const body = new FormData(form);
      body.set("go", "stay");
      pending = pending.then(async () => {
        try {
          const response = await fetch(form.action, {
            method: "POST",
            body,
            headers: { "X-Requested-With": "fetch" },
            credentials: "same-origin",
          });
          const data = await response.json();
          if (response.ok) {
            status.textContent = `${status.dataset.saved} ${data.saved_at}`;
          } else if (response.status === 409) {
            window.location.reload();  // submitted elsewhere, or time is up: the page says so
          } else {
            status.textContent = data.error;
          }
        } catch (error) {
          status.textContent = status.dataset.offline;
        }
      });
    };
    form.addEventListener("change", save);
  }
  const timer = document.querySelector(".timer[data-deadline]");
  const left = timer && timer.querySelector(".timer__left");
  if (left) {
    const deadline = Date.parse(timer.dataset.deadline);
    const tick = () => {
      const minutes = Math.max(0, Math.floor((deadline - Date.now()) / 60000));
      left.textContent = left.textContent.replace(/\d+/, String(minutes));
      if (minutes <= 0) window.clearInterval(handle);
    };
    const handle = window.setInterval(tick, 15000);
  }
})();
