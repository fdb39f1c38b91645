// Countdown to the next public update: <time data-countdown="ISO">; refreshed every 15 s. No build step.
(function () {
  function fmt(ms) {
    var late = ms < 0, s = Math.round(Math.abs(ms) / 1000), m = Math.floor(s / 60), h = Math.floor(m / 60);
    var text = h ? h + "h " + String(m % 60).padStart(2, "0") + "m" : m ? m + "m" : s + "s";
    return late ? "overdue by " + text : "in " + text;
  }
  function tick() {
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var out = el.querySelector(".left");
      if (out) out.textContent = fmt(new Date(el.getAttribute("data-countdown")) - new Date());
    });
  }
  document.addEventListener("DOMContentLoaded", tick);
  setInterval(tick, 15000);
})();
