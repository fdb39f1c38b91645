// Countdown to the next public update: <p data-countdown="ISO due" data-now="ISO server time">, refreshed
// every 15 s. Counted from the server's clock (the offset to the browser's is measured at load), so a
// skewed laptop clock does not make an update look overdue. No build step.
(function () {
  var loaded = Date.now();
  function fmt(ms) {
    var late = ms < 0, s = Math.round(Math.abs(ms) / 1000), m = Math.floor(s / 60), h = Math.floor(m / 60);
    var text = h ? h + "h " + String(m % 60).padStart(2, "0") + "m" : m ? m + "m" : s + "s";
    return late ? "overdue by " + text : "in " + text;
  }
  function tick() {
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var out = el.querySelector(".left");
      var serverNow = new Date(el.getAttribute("data-now")).getTime() + (Date.now() - loaded);
      if (out) out.textContent = fmt(new Date(el.getAttribute("data-countdown")).getTime() - serverNow);
    });
  }
  document.addEventListener("DOMContentLoaded", tick);
  setInterval(tick, 15000);
})();
