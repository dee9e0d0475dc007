"""The interactive API documentation, served from our own static files and
without inline script or style, so that it works offline and under a strict
Content-Security-Policy."""

from __future__ import annotations

from drf_spectacular.views import SpectacularSwaggerSplitView


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI: the page loads the sidecar's files and fetches its start-up
    script from ``?script`` (same URL), which is served as JavaScript."""

    template_name = "integrations/swagger_ui.html"
    title = "红寺堡区网格警务与矛盾纠纷化解平台 API"
