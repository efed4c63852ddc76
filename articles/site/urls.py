"""The reader's addresses, the same under / (Arabic) and /fr/ (French).

Fixed words come first; ``<outlet>/`` last, so an outlet can never shadow a page (and
``articles.models.RESERVED_SLUGS`` keeps such words from being outlet slugs at all).
"""

from django.urls import path

from articles.site import feeds, offline, reports, views
from articles.site.cache import cached_page

app_name = "articles"
urlpatterns = [
    path("", views.home, name="home"),
    path("rss/", cached_page(feeds.LatestFeed()), name="feed"),
    path("search/", views.search, name="search"),
    path("about/", views.about, name="about"),
    path("outlets/", views.outlet_list, name="outlets"),
    path("offline/", offline.offline, name="offline"),
    path("images/<int:pk>/", reports.report_form, name="image"),
    path("images/<int:pk>/report/", reports.report, name="image-report"),
    path("story/<int:pk>/", views.story_detail, name="story"),
    path("stories/rss/", cached_page(feeds.TrendingFeed()), name="stories-feed"),
    path("section/<slug:slug>/", views.section_detail, name="section"),
    path("section/<slug:slug>/rss/", cached_page(feeds.SectionFeed()), name="section-feed"),
    path("regions/", views.region_list, name="regions"),
    path("region/<slug:slug>/", views.region_detail, name="region"),
    path("region/<slug:slug>/rss/", cached_page(feeds.RegionFeed()), name="region-feed"),
    path("<slug:outlet>/", views.outlet_detail, name="outlet"),
    path("<slug:outlet>/rss/", cached_page(feeds.OutletFeed()), name="outlet-feed"),
    path("<slug:outlet>/<int:pk>/", views.article_detail, name="detail"),
]
