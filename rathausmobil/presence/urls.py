from django.urls import path

from rathausmobil.core.importviews import import_urls
from rathausmobil.presence import (
    feeds,
    views,
    views_mine,
    views_occupancy,
    views_profiles,
    views_week,
)

app_name = "presence"
urlpatterns = [
    path("", views.index, name="index"),
    path("orte/", views.places, name="places"),
    path("belegung/", views_occupancy.occupancy, name="occupancy"),
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
    # The unit's week (views_week.py)
    path("planung/", views_week.planning_index, name="planning"),
    path("einheit/<int:unit_pk>/", views_week.unit_week_current, name="unit_week_current"),
    path("einheit/<int:unit_pk>/woche/<str:week>/", views_week.unit_week, name="unit_week"),
    path(
        "einheit/<int:unit_pk>/woche/<str:week>/status/",
        views_week.unit_week_status,
        name="unit_week_status",
    ),
    path(
        "einheit/<int:unit_pk>/woche/<str:week>/planen/",
        views_week.unit_week_plan,
        name="unit_week_plan",
    ),
    path(
        "einheit/<int:unit_pk>/woche/<str:week>/veroeffentlichen/",
        views_week.unit_week_publish,
        name="unit_week_publish",
    ),
    # The unit's people and teams (views_profiles.py)
    path("einheit/<int:unit_pk>/personen/", views_profiles.profiles, name="profiles"),
    path(
        "einheit/<int:unit_pk>/personen/<int:employee_pk>/",
        views_profiles.profile_edit,
        name="profile_edit",
    ),
    path("einheit/<int:unit_pk>/teams/neu/", views_profiles.team_new, name="team_new"),
    path("einheit/<int:unit_pk>/teams/<int:team_pk>/", views_profiles.team_edit, name="team_edit"),
    path("plantage/<int:pk>/", views_week.cell_set, name="cell_set"),
    path("plantage/<int:pk>/freigeben/", views_week.cell_unlock, name="cell_unlock"),
    path("tauschwuensche/<int:pk>/", views_week.swap_decide, name="swap_decide"),
    # Meine Woche and the calendar feed (views_mine.py, feeds.py)
    path("meine-woche/", views_mine.my_week, name="my_week"),
    path("meine-woche/wuensche/", views_mine.my_wishes_save, name="my_wishes"),
    path("meine-woche/tausch/<int:pk>/", views_mine.my_swap_request, name="my_swap"),
    path("meine-woche/abwesenheiten/", views_mine.my_absence_add, name="my_absences"),
    path(
        "meine-woche/abwesenheiten/<int:pk>/loeschen/",
        views_mine.my_absence_delete,
        name="my_absence_delete",
    ),
    path("meine-woche/kalender/", views_mine.my_calendar_feed, name="my_feed"),
    path("meine-woche/kalender/erneuern/", views_mine.my_calendar_feed_renew, name="my_feed_renew"),
    path("kalender/<slug:token>.ics", feeds.calendar_feed, name="calendar_feed"),
    *import_urls(),  # rooms and absences, registered in apps.py
]
