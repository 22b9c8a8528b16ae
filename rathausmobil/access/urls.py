from django.urls import path

from rathausmobil.access import views

app_name = "access"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("mein-zugang/", views.mine, name="mine"),
    path("zu-erteilen/", views.queue, name="queue"),
    path("neu/", views.grant_new, name="grant_new"),
    path("kapazitaet/", views.capacity, name="capacity"),
    path("regeln/", views.policy, name="policy"),
    path("export.csv", views.export, name="export"),
    path("<int:pk>/wireguard/", views.wireguard_config, name="wireguard_config"),
    path("<int:pk>/", views.grant_detail, name="grant_detail"),
    path("<int:pk>/<str:action>/", views.grant_action, name="grant_action"),
]
