"""The author chooser of the publication editor (see publications.author_chooser)."""

from django.urls import path
from wagtail import hooks

from .author_chooser import choose_author, fold_author_search


@hooks.register("register_admin_urls")
def register_author_chooser():
    return [
        path("choose-author/", choose_author, name="publications_choose_author"),
        path(
            "choose-author/<int:parent_page_id>/",
            choose_author,
            name="publications_choose_author_child",
        ),
    ]


hooks.register("construct_page_chooser_queryset", fold_author_search)
