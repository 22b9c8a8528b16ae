from django.urls import path

from rathausmobil.usage import views

app_name = "usage"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("einheiten/", views.units, name="units"),
    path("namen/", views.unmapped, name="unmapped"),
    path("meine/", views.mine, name="mine"),
]
