// Knowledge checks answer in place: the form works without this script (the page reloads at the
// check); with it, only the check is replaced and focus moves to the verdict.
"use strict";
document.addEventListener("submit", async (event) => {
  const form = event.target.closest("form[data-inline-check]");
  if (!form) return;
  event.preventDefault();
  const button = form.querySelector("button[type=submit]");
  if (button) button.disabled = true;
  let response;
  try {
    response = await fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "X-Requested-With": "fetch" },
      credentials: "same-origin",
    });
  } catch (error) {
    form.submit();  // offline for a moment: the ordinary submission shows what happened
    return;
  }
  if (!response.ok && response.status !== 422) {
    form.submit();
    return;
  }
  const template = document.createElement("template");
  template.innerHTML = (await response.text()).trim();
  const fresh = template.content.firstElementChild;
  form.closest(".check").replaceWith(fresh);
  const target = fresh.querySelector(".check__verdict, .error");
  if (target) target.focus();
});
