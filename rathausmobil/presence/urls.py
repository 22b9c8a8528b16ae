from django.urls import path

from rathausmobil.core.importviews import import_urls
from rathausmobil.presence import views

app_name = "presence"
urlpatterns = [
    path("", views.index, name="index"),
    path("orte/", views.places, name="places"),
    path("orte/raeume/neu/", views.room_edit, name="room_new"),
    path("orte/raeume/<int:pk>/", views.room_edit, name="room_edit"),
    path("orte/raeume/<int:pk>/nutzung/", views.room_active, name="room_active"),
    path("einheiten/<int:pk>/", views.unit_detail, name="unit"),
    path("einheiten/<int:pk>/oeffnungszeiten/", views.opening_hours, name="opening_hours"),
    path("einheiten/<int:pk>/raeume/", views.unit_rooms_edit, name="unit_rooms"),
    path("einheiten/<int:pk>/qualifikationen/", views.qualifications, name="qualifications"),
    path("einheiten/<int:pk>/abwesenheiten/", views.absences, name="absences"),
    path("regeln/<int:pk>/loeschen/", views.coverage_rule_delete, name="coverage_rule_delete"),
    path("abwesenheiten/<int:pk>/loeschen/", views.absence_delete, name="absence_delete"),
    *import_urls(),  # rooms and absences, registered in apps.py
]
