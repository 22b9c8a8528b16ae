from django.urls import path

from rathausmobil.agreements import views

app_name = "agreements"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("antrag/neu/", views.request_new, name="request_new"),
    path("antraege/<int:pk>/", views.request_detail, name="request_detail"),
    path("antraege/<int:pk>/<str:action>/", views.request_action, name="request_action"),
    path("eingang/", views.inbox, name="inbox"),
    path("uebersicht/", views.overview, name="overview"),
    path("ablehnungen/", views.refusals, name="refusals"),
    path("angebote/neu/<int:employee_id>/", views.offer_new, name="offer_new"),
    path("angebote/<int:pk>/", views.offer_detail, name="offer_detail"),
    path("angebote/<int:pk>/<str:action>/", views.offer_action, name="offer_action"),
    path("vereinbarungen/<int:pk>/", views.agreement_detail, name="agreement_detail"),
    path("vereinbarungen/<int:pk>/<str:action>/", views.agreement_action, name="agreement_action"),
    path("datenschutz/", views.pledge, name="pledge"),
    path("datenschutz/checkliste/", views.checklist_edit, name="checklist_edit"),
    path("regeln/", views.rules, name="rules"),
    path("pandemie/", views.pandemic, name="pandemic"),
    path("pandemie/export.<str:fmt>", views.pandemic_export, name="pandemic_export"),
]
