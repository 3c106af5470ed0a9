// Live reload and the SpamAssassin score, for the preview's own pages.
// Served from /_static/ because the Content-Security-Policy allows no inline script.
"use strict";
(function () {
  const version = document.body.dataset.version;
  const live = document.getElementById("live");
  let failures = 0;

  // Poll the fingerprint of the watched files; reload when it moves.
  async function poll() {
    try {
      const response = await fetch("/_version", { cache: "no-store" });
      if (response.ok) {
        const current = (await response.text()).trim();
        if (current !== version) {
          location.reload();
          return;
        }
        failures = 0;
        if (live) { live.textContent = "live"; live.classList.remove("stopped"); }
      }
    } catch (error) {
      failures += 1;
      if (live) { live.textContent = "preview server stopped"; live.classList.add("stopped"); }
    }
    setTimeout(poll, failures ? 2000 : 400);
  }
  if (version) setTimeout(poll, 400);

  // The score arrives after the page: SpamAssassin takes a moment.
  const spam = document.getElementById("spam");
  async function pollSpam() {
    try {
      const response = await fetch("/_spam/" + encodeURIComponent(spam.dataset.key),
                                   { cache: "no-store" });
      if (response.status === 200) {
        // The fragment is rendered by the server with every value escaped.
        spam.innerHTML = await response.text();
        delete spam.dataset.pending;
        return;
      }
      if (response.status === 404) return;
    } catch (error) { /* the server restarts or stopped: try again */ }
    setTimeout(pollSpam, 500);
  }
  if (spam && spam.dataset.pending === "1") setTimeout(pollSpam, 300);
})();
