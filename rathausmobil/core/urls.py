from django.urls import path

from rathausmobil.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
]
