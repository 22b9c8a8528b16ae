from django.urls import path

from rathausmobil.eligibility import views

app_name = "eligibility"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("stellen/<int:position_id>/", views.position_detail, name="position_detail"),
]
