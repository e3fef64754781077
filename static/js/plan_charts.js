// Draws the plan charts from the json_script payload (#chart-data). Labels come from
// data-* attributes rendered (and escaped) by the template; nothing builds HTML from data.
(function () {
  const source = document.getElementById("chart-data");
  if (!source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const periods = document.getElementById("chart-periods");
  if (periods && data.periods.length) {
    new Chart(periods, {
      type: "bar",
      data: {
        labels: data.periods,
        datasets: [
          { label: periods.dataset.labelDemand, data: data.demand, backgroundColor: "#9fb3c8" },
          { label: periods.dataset.labelSupply, data: data.supply, backgroundColor: "#1d4e89" },
          { label: periods.dataset.labelBacklog, data: data.backlog, type: "line", borderColor: "#b42318", backgroundColor: "#b42318" },
        ],
      },
      options: { responsive: true, animation: false },
    });
  }
  const weeks = document.getElementById("chart-weeks");
  if (weeks && data.weeks.length) {
    new Chart(weeks, {
      type: "line",
      data: {
        labels: data.weeks,
        datasets: [
          { label: weeks.dataset.labelCapacity, data: data.capacity, borderColor: "#1e7b34", pointRadius: 0 },
          { label: weeks.dataset.labelLoad, data: data.load, borderColor: "#1d4e89", pointRadius: 0 },
        ],
      },
      options: { responsive: true, animation: false },
    });
  }
})();
