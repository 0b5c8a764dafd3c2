from django import template

from comments.forms import CommentForm
from comments.models import Comment

register = template.Library()

LATEST_SHOWN = 10


@register.inclusion_tag("components/comments.html", takes_context=True)
def comments_section(context, page):
    """The approved comments under a page (the latest ten, newest last) and the form.

    Two queries whatever the number of comments. A form that failed validation in
    ``comments.views.post_comment`` arrives on the request so the reader's text is kept.
    """
    request = context.get("request")
    if page is None or not page.pk:
        return {"show": False}
    approved = Comment.objects.approved().filter(page_id=page.pk)
    comment_count = approved.count()
    latest = list(approved.order_by("-created_at", "-pk")[:LATEST_SHOWN]) if comment_count else []
    latest.reverse()

    comments_open = bool(getattr(page, "comments_open", False))
    form = None
    if comments_open:
        form = getattr(request, "comment_form", None)
        if form is None or form.page.pk != page.pk:
            form = CommentForm(page=page)
    return {
        "show": True,
        "request": request,
        "page": page,
        "comments": latest,
        "comment_count": comment_count,
        "first_number": comment_count - len(latest) + 1,
        "more_comments": comment_count > len(latest),
        "comments_open": comments_open,
        "form": form,
    }
