"""Reader-facing pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from articles.models import Article

HOME_PAGE_SIZE = 60


def home(request: HttpRequest) -> HttpResponse:
    articles = Article.objects.newest().with_shown_images()[:HOME_PAGE_SIZE]
    return render(request, "articles/home.html", {"articles": articles})
