from django.urls import path

from rathausmobil.core.importviews import import_urls
from rathausmobil.organisation import views

app_name = "organisation"
urlpatterns = [
    path("einheiten/", views.org_unit_list, name="org_unit_list"),
    path("einheiten/suche/", views.org_unit_search, name="unit_search"),
    path("beschaeftigte/", views.employee_list, name="employee_list"),
    path("beschaeftigte/export.csv", views.employee_export, name="employee_export"),
    path("beschaeftigte/<int:pk>/", views.employee_detail, name="employee_detail"),
    path("anmeldesperren/", views.login_locks, name="login_locks"),
    path("rollen/", views.role_list, name="role_list"),
    path("rollen/<int:pk>/entziehen/", views.role_revoke, name="role_revoke"),
    path("leitungen/", views.unit_head_list, name="unit_head_list"),
    path("leitungen/<int:pk>/", views.unit_head, name="unit_head"),
    *import_urls(),  # the HR import kinds, registered in apps.py
]
