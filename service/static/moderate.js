// The moderation pages' few behaviours, in plain JavaScript: keyboard shortcuts and bulk selection on the queue,
// and the progress of a retrain job on the models page. Every page works without it.
(function () {
  "use strict";

  function queuePage() {
    var items = Array.prototype.slice.call(document.querySelectorAll("article.item"));
    var current = 0;
    function focus(i) {
      if (!items.length) return;
      current = Math.max(0, Math.min(items.length - 1, i));
      items.forEach(function (el, j) { el.classList.toggle("current", j === current); });
      items[current].focus({ preventScroll: true });
      items[current].scrollIntoView({ block: "nearest" });
    }
    items.forEach(function (el, j) { el.addEventListener("click", function () { focus(j); }); });
    var all = document.getElementById("select-all");
    if (all) {
      all.addEventListener("change", function () {
        document.querySelectorAll("input.pick").forEach(function (box) { box.checked = all.checked; });
      });
    }
    document.addEventListener("keydown", function (event) {
      var tag = (event.target.tagName || "").toLowerCase();
      if (tag === "input" || tag === "textarea" || tag === "select" || event.ctrlKey || event.metaKey || event.altKey) return;
      if (!items.length) return;
      var key = event.key;
      if (key === "j") { focus(current + 1); event.preventDefault(); }
      else if (key === "k") { focus(current - 1); event.preventDefault(); }
      else if (key === " ") {
        var box = items[current].querySelector("input.pick");
        box.checked = !box.checked; event.preventDefault();
      } else if (key === "a" || key === "s" || key === "x") {
        var button = items[current].querySelector('button[data-key="' + key + '"]');
        if (button) { event.preventDefault(); button.click(); }
      }
    });
    focus(0);
  }

  function jobPoller() {
    var box = document.getElementById("job");
    if (!box) return;
    var status = box.querySelector(".status"), bar = box.querySelector("progress"), message = box.querySelector(".message");
    var wasRunning = box.dataset.status === "queued" || box.dataset.status === "running";
    if (!wasRunning) return;
    function poll() {
      fetch(box.dataset.url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (job) {
          status.textContent = job.status;
          bar.value = job.progress;
          message.textContent = job.message || "";
          box.dataset.status = job.status;
          if (job.status === "queued" || job.status === "running") { setTimeout(poll, 700); }
          else { window.location.reload(); }
        })
        .catch(function () { setTimeout(poll, 2000); });
    }
    setTimeout(poll, 300);
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (document.getElementById("queue-form")) queuePage();
    jobPoller();
  });
})();
