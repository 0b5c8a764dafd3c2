// The comment form works without this file. When a reader starts filling it in, it
// fetches a fresh form token, so the form on a page served from a cache (whose token is as
// old as the cached copy) starts its clock when the reader does.
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

    document.querySelectorAll("[data-comment-form]").forEach(setUpCommentForm);
})();
