"""Admin URLs of the second step (added under /admin/ by bcsp_site.wagtail_hooks)."""

from django.urls import path

from . import views

urlpatterns = [
    path("two-step/verify/", views.verify, name="signin_verify"),
    path("two-step/set-up/", views.enrol, name="signin_enrol"),
    path("two-step/recovery-codes/", views.recovery_codes, name="signin_recovery_codes"),
    path(
        "two-step/recovery-codes/download/",
        views.recovery_codes_download,
        name="signin_recovery_codes_download",
    ),
    path(
        "two-step/recovery-codes/new/", views.new_recovery_codes, name="signin_new_recovery_codes"
    ),
    path("two-step/", views.settings_view, name="signin_settings"),
    path("two-step/turn-off/", views.turn_off, name="signin_turn_off"),
    path("two-step/reset/<int:user_id>/", views.reset_for_user, name="signin_reset"),
]
