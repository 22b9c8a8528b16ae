from django.urls import path

from rathausmobil.privacy import views

app_name = "privacy"

urlpatterns = [
    path("protokoll/", views.audit_log, name="audit_log"),
    path("protokoll/export/", views.audit_export, name="audit_export"),
    path("verzeichnis/", views.register, name="register"),
    path("verzeichnis/export/", views.register_export, name="register_export"),
    path("auskunft/", views.access_request, name="access_request"),
    path("auskunft/<int:pk>/", views.access_preview, name="access_preview"),
    path("auskunft/<int:pk>/export/", views.access_export, name="access_export"),
]
