from django.urls import path

from . import views

app_name = "comments"

urlpatterns = [
    path("<int:page_id>/", views.comment_list, name="list"),
    path("<int:page_id>/post/", views.post_comment, name="post"),
    path("<int:page_id>/token/", views.form_token, name="form_token"),
]
