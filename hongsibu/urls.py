from importlib import import_module

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from integrations.docs import ApiDocsView

urlpatterns = [
    path("", include("core.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("hongsibu.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/docs/",
        ApiDocsView.as_view(url_name="schema"),
        name="swagger-ui",
    ),
]

# Each domain app mounts its pages under its own prefix when it has any.
for app, prefix in (
    ("grids", "areas/"),
    ("policing", "policing/"),
    ("disputes", "disputes/"),
    ("dashboards", "dashboards/"),
):
    try:
        import_module(f"{app}.urls")
    except ModuleNotFoundError as exc:
        if exc.name != f"{app}.urls":
            raise
        continue
    urlpatterns.append(path(prefix, include(f"{app}.urls", namespace=app)))

# API clients get JSON errors for unknown URLs too.
handler404 = "integrations.errors.not_found"
handler500 = "integrations.errors.server_error"
