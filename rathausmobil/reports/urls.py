from django.urls import path

from rathausmobil.reports import views, views_documents

app_name = "reports"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("ueberfaellig/", views.overdue, name="overdue"),
    path("abo/", views.subscription, name="subscription"),
    path("berichte/", views_documents.documents, name="documents"),
    path("berichte/<slug:name>/", views_documents.document, name="document"),
    path(
        "berichte/<slug:name>/<slug:fmt>/",
        views_documents.document_download,
        name="document_download",
    ),
]
