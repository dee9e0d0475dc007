from django.urls import path

from . import views

app_name = "dashboards"

urlpatterns = [
    path("", views.home, name="home"),
    path("<str:code>/", views.area, name="area"),
    path("<str:code>/rankings/", views.rankings, name="rankings"),
    path("<str:code>/report/", views.report, name="report"),
    path(
        "<str:code>/export/<str:table>.<str:fmt>",
        views.export,
        name="export",
    ),
]
