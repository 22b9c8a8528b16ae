"""The site's URLs plus the import pages under a namespace of their own, for a
fictitious import kind that no app serves (test_imports.py)."""

from django.urls import include, path

from rathausmobil.core.importviews import import_urls

urlpatterns = [
    path("", include("config.urls")),
    path("fiktiv/", include((import_urls(), "fiction"))),
]
