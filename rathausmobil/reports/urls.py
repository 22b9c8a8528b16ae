from django.urls import path

from rathausmobil.reports import views, views_documents

app_name = "reports"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("ueberfaellig/", views.overdue, name="overdue"),
    path("abo/", views.subscription, name="subscription"),
    path("berichte/", views_documents.documents, name="documents"),
    # before the report names, which "datei" would otherwise match
    path("berichte/datei/<int:pk>/", views_documents.document_file, name="document_file"),
    path(
        "berichte/datei/<int:pk>/stand/",
        views_documents.document_file_status,
        name="document_file_status",
    ),
    path(
        "berichte/datei/<int:pk>/herunterladen/",
        views_documents.document_file_download,
        name="document_file_download",
    ),
    path("berichte/<slug:name>/", views_documents.document, name="document"),
    path(
        "berichte/<slug:name>/<slug:fmt>/",
        views_documents.document_download,
        name="document_download",
    ),
    path(
        "berichte/<slug:name>/<slug:fmt>/erstellen/",
        views_documents.document_file_request,
        name="document_file_request",
    ),
]
