"""The platform's URLs plus the floor views of the benchmark."""

from django.urls import include, path

from bench import floors

urlpatterns = [
    path("bench/", include(floors.urlpatterns)),
    path("", include("hongsibu.urls")),
]
