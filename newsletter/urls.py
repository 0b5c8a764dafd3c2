from django.urls import path

from . import views

app_name = "newsletter"

urlpatterns = [
    path("", views.signup, name="signup"),
    path("check-your-email/", views.signup_sent, name="signup_sent"),
    path("confirm/new-link/", views.resend, name="resend"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("confirmed/", views.confirmed, name="confirmed"),
    path("manage/", views.manage_request, name="manage_request"),
    path("manage/link-sent/", views.manage_link_sent, name="manage_link_sent"),
    path("manage/<str:token>/", views.manage, name="manage"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("unsubscribe/<str:token>/erase/", views.erase, name="erase"),
]
