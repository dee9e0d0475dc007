"""A URL configuration with two deliberately broken views, to prove the
route-walking checks catch them (tests/security/test_scope_enumeration.py)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import include, path

from policing.models import Person


def unscoped_list(request: HttpRequest) -> HttpResponse:
    return HttpResponse(", ".join(p.name for p in Person.objects.all()))


def unscoped_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse(get_object_or_404(Person, pk=pk).name)


urlpatterns = [
    path("", include("hongsibu.urls")),
    path("leaky/", unscoped_list, name="leaky_list"),
    path("leaky/<int:pk>/", unscoped_detail, name="leaky_detail"),
]
