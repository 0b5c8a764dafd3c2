// Account › Two-step verification: once django-otp-webauthn's script has added a passkey,
// go to the page that names it (its address comes from this script tag's data-name-url,
// with 0 where the passkey's id goes).
(() => {
    const nameUrl = document.currentScript.dataset.nameUrl;
    document.addEventListener("otp_webauthn.register_complete", (event) => {
        window.location.assign(nameUrl.replace(/\/0\/$/, `/${Number(event.detail.id)}/`));
    });
})();
