"""The one router of the REST API, mounted at /api/v1/.

Each app registers its viewsets in its own ``api.py`` through ``register``;
the list below imports them so the routes exist.
"""

from importlib import import_module

from rest_framework.routers import DefaultRouter

router = DefaultRouter()
extra_urlpatterns: list = []

for app in ("core", "grids", "policing", "disputes", "dashboards", "integrations"):
    try:
        module = import_module(f"{app}.api")
    except ModuleNotFoundError as exc:
        if exc.name != f"{app}.api":
            raise
        continue
    register = getattr(module, "register", None)
    if register is not None:
        register(router, extra_urlpatterns)

urlpatterns = extra_urlpatterns + router.urls
