from django.urls import path

from . import views

app_name = "grids"

urlpatterns = [
    path("", views.tree, name="tree"),
    path("grids/export/", views.grids_export, name="grids_export"),
    path("grids/import/", views.grids_import, name="grids_import"),
    path("grid/<str:code>/", views.grid_detail, name="grid"),
    path("<str:code>/", views.area_detail, name="area"),
]
