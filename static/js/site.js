// Progressive enhancement for the public pages: the collapsible menu and the carousel.
// Everything works without this file; it only adds behaviour.
(function () {
    "use strict";

    function setUpMenu() {
        var toggle = document.querySelector(".menu-toggle");
        var header = document.querySelector(".site-header");
        if (!toggle || !header) return;
        var narrow = window.matchMedia("(max-width: 47.99rem)");
        function apply() {
            if (narrow.matches) {
                toggle.hidden = false;
                var open = toggle.getAttribute("aria-expanded") === "true";
                header.classList.toggle("js-menu-collapsed", !open);
            } else {
                toggle.hidden = true;
                header.classList.remove("js-menu-collapsed");
            }
        }
        toggle.addEventListener("click", function () {
            var open = toggle.getAttribute("aria-expanded") === "true";
            toggle.setAttribute("aria-expanded", String(!open));
            apply();
        });
        // Escape closes the open menu and hands focus back to its toggle.
        header.addEventListener("keydown", function (event) {
            if (event.key !== "Escape" || !narrow.matches) return;
            if (toggle.getAttribute("aria-expanded") !== "true") return;
            toggle.setAttribute("aria-expanded", "false");
            apply();
            toggle.focus();
        });
        narrow.addEventListener("change", apply);
        apply();
        header.classList.add("js-menu-ready");
    }

    function setUpCarousel(root) {
        var slides = Array.prototype.slice.call(root.querySelectorAll("[data-carousel-slide]"));
        var controls = root.querySelector("[data-carousel-controls]");
        var list = root.querySelector(".carousel__slides");
        if (slides.length < 2 || !controls) return;
        var pauseButton = root.querySelector("[data-carousel-pause]");
        var reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
        var current = 0;
        var timer = null;
        var userPaused = reduceMotion.matches;
        var interval = 7000;

        root.classList.add("carousel--enhanced");
        controls.hidden = false;

        function show(index, announce) {
            current = (index + slides.length) % slides.length;
            slides.forEach(function (slide, i) {
                var hidden = i !== current;
                slide.setAttribute("aria-hidden", String(hidden));
                slide.querySelectorAll("a, button").forEach(function (el) {
                    if (hidden) { el.setAttribute("tabindex", "-1"); } else { el.removeAttribute("tabindex"); }
                });
            });
            list.setAttribute("aria-live", announce ? "polite" : "off");
            if (position) position.textContent = (current + 1) + " / " + slides.length;
        }
        function running() { return timer !== null; }
        function start() {
            if (running() || userPaused) return;
            timer = window.setInterval(function () { show(current + 1, false); }, interval);
        }
        function stop() {
            if (timer !== null) { window.clearInterval(timer); timer = null; }
        }
        var pauseLabel = pauseButton.querySelector("[data-carousel-pause-label]") || pauseButton;
        var pauseIcon = pauseButton.querySelector("[data-icon-pause]");
        var playIcon = pauseButton.querySelector("[data-icon-play]");
        var position = root.querySelector("[data-carousel-position]");
        function updatePauseLabel() {
            pauseLabel.textContent = userPaused ? pauseButton.dataset.labelPlay : pauseButton.dataset.labelPause;
            pauseButton.setAttribute("aria-pressed", String(userPaused));
            if (pauseIcon && playIcon) {
                pauseIcon.hidden = userPaused;
                playIcon.hidden = !userPaused;
            }
        }

        root.querySelector("[data-carousel-next]").addEventListener("click", function () { show(current + 1, true); });
        root.querySelector("[data-carousel-prev]").addEventListener("click", function () { show(current - 1, true); });
        pauseButton.addEventListener("click", function () {
            userPaused = !userPaused;
            updatePauseLabel();
            if (userPaused) { stop(); } else { start(); }
        });
        // Left and right arrow keys also turn the slides while a control has focus.
        controls.addEventListener("keydown", function (event) {
            var step = { ArrowLeft: -1, ArrowRight: 1 }[event.key];
            if (!step) return;
            event.preventDefault();
            show(current + step, true);
        });
        // A horizontal swipe on the slides turns them too (vertical movement still scrolls).
        var swipeStart = null;
        list.addEventListener("pointerdown", function (event) {
            if (event.pointerType === "mouse") return;
            swipeStart = { x: event.clientX, y: event.clientY };
        });
        list.addEventListener("pointerup", function (event) {
            if (!swipeStart) return;
            var dx = event.clientX - swipeStart.x;
            var dy = event.clientY - swipeStart.y;
            swipeStart = null;
            if (Math.abs(dx) < 40 || Math.abs(dx) < Math.abs(dy) * 1.5) return;
            stop();
            show(current + (dx < 0 ? 1 : -1), true);
        });
        list.addEventListener("pointercancel", function () { swipeStart = null; });
        // Switching reduced motion on mid-visit stops the rotation too.
        reduceMotion.addEventListener("change", function () {
            if (!reduceMotion.matches) return;
            userPaused = true;
            stop();
            updatePauseLabel();
        });
        // Rotation never moves content under the reader's pointer or keyboard focus.
        root.addEventListener("mouseenter", stop);
        root.addEventListener("mouseleave", start);
        root.addEventListener("focusin", stop);
        root.addEventListener("focusout", function (event) {
            if (!root.contains(event.relatedTarget)) start();
        });

        show(0, false);
        updatePauseLabel();
        start();
    }

    function init() {
        setUpMenu();
        document.querySelectorAll("[data-carousel]").forEach(setUpCarousel);
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", init);
    } else {
        init();
    }
})();
