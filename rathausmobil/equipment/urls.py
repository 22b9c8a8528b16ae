from django.urls import path

from rathausmobil.core.importviews import import_urls
from rathausmobil.equipment import views

app_name = "equipment"
urlpatterns = [
    path("", views.device_list, name="device_list"),
    path("<int:pk>/", views.device_detail, name="device_detail"),
    path("<int:pk>/status/", views.device_status, name="device_status"),
    path("meine/", views.mine, name="mine"),
    path("ausgaben/<int:pk>/empfang/", views.assignment_acknowledge, name="assignment_acknowledge"),
    path(
        "ausgaben/<int:pk>/rueckgabe/",
        views.assignment_confirm_return,
        name="assignment_confirm_return",
    ),
    path(
        "ausgaben/<int:pk>/rueckmeldung/",
        views.assignment_report_problem,
        name="assignment_report_problem",
    ),
    path("rueckmeldungen/", views.receipt_problems, name="receipt_problems"),
    path(
        "ausgaben/<int:pk>/klaeren/",
        views.assignment_resolve_problem,
        name="assignment_resolve_problem",
    ),
    path("ausgabe/", views.handover, name="handover"),
    path("ruecknahme/", views.returns, name="returns"),
    path("wer-hat-was/", views.holders, name="holders"),
    path("wer-hat-was/export.csv", views.holders_export, name="holders_export"),
    path("bestellungen/", views.order_list, name="order_list"),
    path("bestellungen/neu/", views.order_new, name="order_new"),
    path("bestellungen/<int:pk>/", views.order_detail, name="order_detail"),
    path("bestellungen/<int:pk>/lieferung/", views.order_deliver, name="order_deliver"),
    path("bestellungen/<int:pk>/stornieren/", views.order_cancel, name="order_cancel"),
    path("modelle/", views.model_list, name="model_list"),
    path("rollout/", views.rollout_page, name="rollout"),
    *import_urls(),  # the inventory import, registered in apps.py
]
