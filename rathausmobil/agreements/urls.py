from django.urls import path

from rathausmobil.agreements import views, views_checklist, views_council

app_name = "agreements"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("antrag/neu/", views.request_new, name="request_new"),
    path("antraege/<int:pk>/", views.request_detail, name="request_detail"),
    path("antraege/<int:pk>/<str:action>/", views.request_action, name="request_action"),
    path("eingang/", views.inbox, name="inbox"),
    path("uebersicht/", views.overview, name="overview"),
    path("ablehnungen/", views_council.refusals, name="refusals"),
    path("ablehnungen/export.csv", views_council.refusals_export, name="refusals_export"),
    path("angebote/neu/<int:employee_id>/", views.offer_new, name="offer_new"),
    path("angebote/<int:pk>/", views.offer_detail, name="offer_detail"),
    path("angebote/<int:pk>/<str:action>/", views.offer_action, name="offer_action"),
    path("vereinbarungen/<int:pk>/", views.agreement_detail, name="agreement_detail"),
    path("vereinbarungen/<int:pk>/<str:action>/", views.agreement_action, name="agreement_action"),
    path("datenschutz/", views.pledge, name="pledge"),
    path("datenschutz/checkliste/", views_checklist.checklist_edit, name="checklist_edit"),
    path(
        "datenschutz/checkliste/versionen/<int:number>/",
        views_checklist.checklist_version,
        name="checklist_version",
    ),
    path(
        "datenschutz/checkliste/entwurf/", views_checklist.checklist_draft, name="checklist_draft"
    ),
    path(
        "datenschutz/checkliste/entwurf/vorschau/",
        views_checklist.checklist_preview,
        name="checklist_preview",
    ),
    path(
        "datenschutz/checkliste/entwurf/unterschiede/",
        views_checklist.checklist_changes,
        name="checklist_changes",
    ),
    path(
        "datenschutz/checkliste/entwurf/veroeffentlichen/",
        views_checklist.checklist_publish,
        name="checklist_publish",
    ),
    path(
        "datenschutz/checkliste/entwurf/verwerfen/",
        views_checklist.checklist_discard,
        name="checklist_discard",
    ),
    path("regeln/", views.rules, name="rules"),
    path("pandemie/", views.pandemic, name="pandemic"),
    path("pandemie/export.<str:fmt>", views.pandemic_export, name="pandemic_export"),
]
