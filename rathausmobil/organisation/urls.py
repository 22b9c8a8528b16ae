from django.urls import path

from rathausmobil.organisation import views

app_name = "organisation"
urlpatterns = [
    path("einheiten/", views.org_unit_list, name="org_unit_list"),
    path("beschaeftigte/", views.employee_list, name="employee_list"),
    path("beschaeftigte/export.csv", views.employee_export, name="employee_export"),
    path("beschaeftigte/<int:pk>/", views.employee_detail, name="employee_detail"),
    path("import/", views.import_upload, name="import_upload"),
    path("import/<int:pk>/", views.import_preview, name="import_preview"),
    path("import/<int:pk>/uebernehmen/", views.import_apply, name="import_apply"),
    path("import/<int:pk>/verwerfen/", views.import_discard, name="import_discard"),
]
