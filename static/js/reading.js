// Counts one view of this publication for the reading figures: once per page load, once the
// page is visible (a tab opened in the background counts when it is shown; a prerendered
// page when it is shown), by a POST to the address in this script's data-reading-url.
// It sends nothing but that address: no cookie is set and nothing is kept in the browser.
(function () {
    "use strict";

    var script = document.currentScript;
    var url = script && script.getAttribute("data-reading-url");
    if (!url) return;
    var sent = false;

    function send() {
        if (sent || document.visibilityState !== "visible" || document.prerendering) return;
        sent = true;
        if (navigator.sendBeacon && navigator.sendBeacon(url)) return;
        if (window.fetch) {
            window.fetch(url, { method: "POST", keepalive: true, credentials: "omit" })
                .catch(function () {});
        }
    }

    document.addEventListener("visibilitychange", send);
    document.addEventListener("prerenderingchange", send);
    send();
})();
