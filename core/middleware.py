from django.conf import settings
from django.contrib.auth.middleware import (
    LoginRequiredMiddleware as DjangoLoginRequiredMiddleware,
)
from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Every page needs a login, except the API (which answers 401 through DRF's
    own authentication) and the paths marked ``login_not_required``."""

    open_prefixes = ("/api/", "/static/")

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):  # type: ignore[no-untyped-def]
        if request.path.startswith(self.open_prefixes):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Chinese unless the person chose another language with the switch.

    The browser's Accept-Language is ignored: the platform's working language is
    Chinese, and an English-language browser on a center's PC must not change
    what staff see.
    """

    def process_request(self, request: HttpRequest) -> None:
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class SecurityHeadersMiddleware:
    """Headers Django has no setting for: Permissions-Policy (camera and
    location for field photos and check-ins, nothing else) and no caching of
    pages that show people's data."""

    def __init__(self, get_response):  # type: ignore[no-untyped-def]
        self.get_response = get_response

    def __call__(self, request: HttpRequest):  # type: ignore[no-untyped-def]
        response = self.get_response(request)
        policy = getattr(settings, "PERMISSIONS_POLICY_HEADER", "")
        if policy:
            response.headers.setdefault("Permissions-Policy", policy)
        if (
            getattr(request, "user", None) is not None
            and request.user.is_authenticated
            and not request.path.startswith("/static/")
        ):
            response.headers.setdefault("Cache-Control", "private, no-store")
        return response


def refusal(request: HttpRequest, message: str, status: int):  # type: ignore[no-untyped-def]
    """A request refused before any view: ``{"detail": ...}`` on the API,
    plain text elsewhere."""
    from django.http import HttpResponse, JsonResponse

    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    return HttpResponse(message, status=status, content_type="text/plain")


class NulCharacterMiddleware:
    """Refuses a query string or form holding a NUL character: no field of
    the platform can store one (PostgreSQL refuses it in text), so it is
    answered 400 before any view reads it, never a 500."""

    def __init__(self, get_response):  # type: ignore[no-untyped-def]
        self.get_response = get_response

    def __call__(self, request: HttpRequest):  # type: ignore[no-untyped-def]
        from django.utils.translation import gettext as _

        params = [request.GET]
        if request.content_type == "application/x-www-form-urlencoded":
            params.append(request.POST)
        if any(
            "\x00" in key or any("\x00" in value for value in values)
            for query in params
            for key, values in query.lists()
        ):
            return refusal(request, _("The request contains a NUL character."), 400)
        return self.get_response(request)


class RequestSizeLimitMiddleware:
    """Refuses bodies larger than the platform accepts before anything reads
    them: DATA_UPLOAD_MAX_MEMORY_SIZE for forms and JSON (DRF's parsers read the
    stream directly, past Django's own check), MAX_UPLOAD_REQUEST_BYTES for
    multipart uploads. 413 with ``{"detail": ...}`` on the API."""

    def __init__(self, get_response):  # type: ignore[no-untyped-def]
        self.get_response = get_response

    def __call__(self, request: HttpRequest):  # type: ignore[no-untyped-def]
        from django.utils.translation import gettext as _

        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        multipart = request.content_type == "multipart/form-data"
        limit = (
            getattr(settings, "MAX_UPLOAD_REQUEST_BYTES", 30 * 1024 * 1024)
            if multipart
            else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        )
        if limit is not None and length > limit:
            message = _("The request is too large (at most %(mb)s MB).") % {
                "mb": round(limit / 1024 / 1024, 1)
            }
            return refusal(request, message, 413)
        return self.get_response(request)
