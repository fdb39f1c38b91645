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

// Pages whose <main> has data-refresh="N" (the dashboard, the alert list and an alert group) fetch
// themselves every N seconds and swap in the new <main> when it changed, as the incident page's live
// part does. Not while someone is typing in one of its forms, nor in a hidden tab; a signed-out
// session (the answer is the sign-in page, without data-refresh) leaves the page as it is.
(function () {
  function busy(main) {
    var active = document.activeElement;
    return active && main.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName);
  }
  function refresh() {
    var main = document.querySelector("main[data-refresh]");
    if (!main || document.hidden || busy(main)) return;
    fetch(window.location.href, { credentials: "same-origin", headers: { "X-Onwatch-Refresh": "1" } })
      .then(function (r) { return r.ok && !r.redirected ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("main[data-refresh]");
        var current = document.querySelector("main[data-refresh]");
        if (!fresh || !current || busy(current) || fresh.innerHTML === current.innerHTML) return;
        var open = Array.prototype.map.call(current.querySelectorAll("details[id][open]"), function (d) { return d.id; });
        current.innerHTML = fresh.innerHTML;
        open.forEach(function (id) { var d = document.getElementById(id); if (d) d.open = true; });
        current.setAttribute("data-refreshed", new Date().toISOString());
      })
      .catch(function () {});
  }
  document.addEventListener("DOMContentLoaded", function () {
    var main = document.querySelector("main[data-refresh]");
    if (!main) return;
    var seconds = parseInt(main.getAttribute("data-refresh"), 10) || 10;
    setInterval(refresh, seconds * 1000);
  });
})();

// A button with data-confirm="question" (resolve) asks before its form is sent; cancelling sends nothing.
document.addEventListener("submit", function (event) {
  var button = event.submitter;
  if (button && button.hasAttribute("data-confirm") && !window.confirm(button.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});
