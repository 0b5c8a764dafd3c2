// The comment form works without this file. When a reader starts filling it in, it
// fetches a fresh form token, so the form on a page served from a cache (whose token is as
// old as the cached copy) starts its clock when the reader does. When the form comes back
// with errors, the links in its summary focus their field with its label in view.
(function () {
    "use strict";

    function setUpCommentForm(form) {
        var url = form.getAttribute("data-token-url");
        if (!url || !window.fetch) return;
        var fetched = false;

        function refreshTokens(event) {
            // Only typing fields: focusing the send button must not restart the form's clock.
            if (fetched || !event.target.matches("input:not([type=hidden]), textarea")) return;
            fetched = true;
            window.fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
                .then(function (response) {
                    if (!response.ok) throw new Error("HTTP " + response.status);
                    return response.json();
                })
                .then(function (tokens) {
                    var formToken = form.querySelector("input[name=form_token]");
                    if (formToken && tokens.formToken) formToken.value = tokens.formToken;
                })
                .catch(function () { fetched = false; });
        }

        form.addEventListener("focusin", refreshTokens);
    }

    function setUpErrorSummary(summary) {
        summary.addEventListener("click", function (event) {
            var link = event.target.closest("a[href^='#']");
            var field = link && document.getElementById(link.getAttribute("href").slice(1));
            if (!field) return;
            event.preventDefault();
            var label = document.querySelector("label[for='" + field.id + "']");
            (label || field).scrollIntoView({ block: "start" });
            field.focus({ preventScroll: true });
        });
    }

    document.querySelectorAll("[data-comment-form]").forEach(setUpCommentForm);
    document.querySelectorAll("[data-comment-form] .error-summary").forEach(setUpErrorSummary);
})();
