// Behaviour of every hub page, kept out of the HTML so the Content-Security-Policy can forbid
// inline scripts and event handlers (script-src 'self'):
// - a <select data-autosubmit> submits its form when changed (the language switcher);
// - on the plan form, choosing a config version or a set reloads it with the matching choices;
// - a <form data-confirm="…"> asks before it is submitted (deleting a plan).
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("select[data-autosubmit]").forEach((el) =>
    el.addEventListener("change", () => el.form.submit())
  );
  document.querySelectorAll("#plan-select select").forEach((el) =>
    el.addEventListener("change", () => {
      if (el.name === "config_version") {
        const set = document.querySelector("#plan-select [name=input_set]");
        if (set) set.value = "";
      }
      el.form.submit();
    })
  );
  document.querySelectorAll("form[data-confirm]").forEach((form) =>
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    })
  );
});
