// The style guide's colour swatches: each is painted with the CSS custom property it names,
// and shows the value the stylesheet gives it now (light or dark colour scheme).
(function () {
    "use strict";
    var root = getComputedStyle(document.documentElement);
    document.querySelectorAll("[data-colour-token]").forEach(function (swatch) {
        var name = swatch.getAttribute("data-colour-token");
        var value = root.getPropertyValue(name).trim();
        swatch.querySelector(".swatch__colour").style.backgroundColor = "var(" + name + ")";
        swatch.querySelector("[data-colour-value]").textContent = value || "not defined";
    });
})();
