from django.urls import path

from rathausmobil.home import views

app_name = "home"
urlpatterns = [
    path("", views.index, name="index"),
    path("aufgaben/", views.index, name="tasks"),
    path("aufgaben/anzahl/", views.todo_count, name="todo_count"),
]
