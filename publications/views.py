from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.shortcuts import render
from wagtail.models import Locale

from .models import PublicationPage

MAX_QUERY_LENGTH = 200
RESULTS_PER_PAGE = 10


def search(request):
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    results = PublicationPage.objects.none()
    if query:
        locale = Locale.get_active()
        results = (
            PublicationPage.objects.live()
            .public()
            .filter(locale=locale)
            .search(query, operator="and")
        )
    page_obj = Paginator(results, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "pages/search_results.html",
        {"search_query": query, "results": page_obj, "pagination_query": urlencode({"q": query})},
    )
