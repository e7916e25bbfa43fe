// Polls the ingest job and lands on the new article when exactly one was stored.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) { return; }
  var id = box.getAttribute("data-job");
  var labels = { queued: "في الانتظار", running: "جارٍ التحليل", done: "انتهى", failed: "فشل" };
  function show(job) {
    var bar = document.getElementById("job-progress");
    bar.max = job.total; bar.value = job.done;
    document.getElementById("job-status").textContent = job.done + " / " + job.total + " · " + labels[job.state] + (job.error ? " — " + job.error : "");
    var ul = document.getElementById("job-results");
    ul.textContent = "";
    job.results.forEach(function (r) {
      var li = document.createElement("li");
      li.appendChild(document.createTextNode(r.name + ": "));
      if (r.document_id) {
        var a = document.createElement("a");
        a.href = "/documents/" + encodeURIComponent(r.document_id);
        a.textContent = r.outcome;
        li.appendChild(a);
      } else {
        li.appendChild(document.createTextNode(r.outcome));
      }
      if (r.note) { li.appendChild(document.createTextNode(" — " + r.note)); }
      ul.appendChild(li);
    });
    box.setAttribute("data-state", job.state);
  }
  function poll() {
    fetch("/ingest/jobs/" + encodeURIComponent(id) + ".json", { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (job) {
        show(job);
        if (job.state === "done" && job.next) { window.location.assign(job.next); return; }
        if (job.state === "queued" || job.state === "running") { setTimeout(poll, 400); }
      });
  }
  poll();
})();
