// Polls a JSON status URL (data-status-url on #diff-progress or #job-progress), moves the
// progress bar, and reloads the page when the job has finished. Only text and widths are set:
// no HTML is built from data.
(function () {
  const box = document.querySelector("[data-status-url]");
  if (!box) return;
  const bar = box.querySelector(".progress > div");
  const statusText = box.querySelector("[data-field=status], #diff-status, #job-status");
  const stepText = box.querySelector("[data-field=step], #diff-step, #job-step");
  async function tick() {
    try {
      const response = await fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" } });
      if (response.ok) {
        const data = await response.json();
        if (bar) bar.style.width = Math.max(0, Math.min(100, Number(data.progress) || 0)) + "%";
        if (statusText) statusText.textContent = data.status_display || data.status;
        if (stepText) stepText.textContent = data.step || "";
        if (["succeeded", "failed", "canceled"].includes(data.status)) {
          window.location.reload();
          return;
        }
      }
    } catch (e) { /* network hiccup: try again */ }
    setTimeout(tick, 1000);
  }
  setTimeout(tick, 800);
})();
