"""Optional second factor (TOTP, RFC 6238) for web logins.

- Login: after the password, an account with a confirmed authenticator is not
  logged in yet; the session remembers who passed the first step, and
  ``login_totp`` asks for the six-digit code. Wrong codes count as failed
  logins (so django-axes locks the account as it does for passwords).
- Enrolment (``two_factor``): a secret shown as a manual key and as an
  ``otpauth://`` URI (no QR image, no outside service), confirmed by a first code.
- Policy: administrators choose in the admin (``SecurityPolicy``) which roles
  must use it; such accounts are sent to the enrolment page until they have.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pyotp
from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from .models import SecurityPolicy, TOTPDevice

PENDING_KEY = "_2fa_pending"
PENDING_SECONDS = 300
MAX_CODE_ATTEMPTS = 5
ISSUER = "Hongsibu"


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Six-digit code"),
        min_length=6,
        max_length=8,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "class": "form-control",
            }
        ),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not code.isdigit() or len(code) != 6:
            raise forms.ValidationError(_("Enter the six digits the app shows."))
        return code


def check_code(device: TOTPDevice, code: str) -> bool:
    """Whether ``code`` is valid now (one step of clock drift either way) and
    newer than the last accepted one; records its step so it cannot be replayed."""
    totp = pyotp.TOTP(device.secret)
    now = time.time()
    for drift in (0, -1, 1):
        at = now + drift * totp.interval
        step = int(at // totp.interval)
        if step <= device.last_step:
            continue
        if pyotp.utils.strings_equal(totp.at(at), code):
            updated = TOTPDevice.objects.filter(
                pk=device.pk, last_step__lt=step
            ).update(last_step=step)
            if updated:
                device.last_step = step
                return True
    return False


class LoginView(auth_views.LoginView):
    """The password step; hands over to the code step when the account has a
    confirmed authenticator."""

    template_name = "core/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        device = TOTPDevice.objects.filter(
            user=user, confirmed_at__isnull=False
        ).first()
        if device is None:
            return super().form_valid(form)
        self.request.session.cycle_key()
        self.request.session[PENDING_KEY] = {
            "user": user.pk,
            "backend": user.backend,
            "next": self.get_redirect_url(),
            "at": time.time(),
            "attempts": 0,
        }
        return HttpResponseRedirect(reverse("login_totp"))


@login_not_required
@never_cache
@sensitive_post_parameters("code")
def login_totp(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(PENDING_KEY)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return redirect("login")
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    device = TOTPDevice.objects.filter(user=user, confirmed_at__isnull=False).first()
    if user is None or device is None:
        request.session.pop(PENDING_KEY, None)
        return redirect("login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if check_code(device, form.cleaned_data["code"]):
            request.session.pop(PENDING_KEY, None)
            user.backend = pending["backend"]
            login(request, user, backend=pending["backend"])
            target = pending.get("next") or ""
            if not url_has_allowed_host_and_scheme(
                target, {request.get_host()}, require_https=request.is_secure()
            ):
                target = reverse("home")
            return HttpResponseRedirect(target or reverse("home"))
        pending["attempts"] += 1
        request.session[PENDING_KEY] = pending
        user_login_failed.send(
            sender=__name__,
            credentials={"username": user.get_username()},
            request=request,
            reason="second factor",
        )
        if pending["attempts"] >= MAX_CODE_ATTEMPTS:
            request.session.pop(PENDING_KEY, None)
            messages.error(request, _("Too many wrong codes. Log in again."))
            return redirect("login")
        form.add_error("code", _("The code is wrong or has expired."))
    return render(request, "core/totp_verify.html", {"form": form})


def _setup_context(request: HttpRequest, device: TOTPDevice) -> dict[str, Any]:
    totp = pyotp.TOTP(device.secret)
    uri = totp.provisioning_uri(name=request.user.get_username(), issuer_name=ISSUER)
    grouped = " ".join(
        device.secret[i : i + 4] for i in range(0, len(device.secret), 4)
    )
    return {"device": device, "manual_key": grouped, "otpauth_uri": uri}


@never_cache
@sensitive_post_parameters("code")
def two_factor(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: the key to type in (or the otpauth URI),
    then a first code confirms it."""
    device = TOTPDevice.objects.filter(user=request.user).first()
    if device is not None and device.confirmed:
        return render(request, "core/totp_setup.html", {"device": device})
    if device is None:
        device = TOTPDevice.objects.create(
            user=request.user, secret=pyotp.random_base32()
        )
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if check_code(device, form.cleaned_data["code"]):
            device.confirmed_at = timezone.now()
            device.save(update_fields=["confirmed_at"])
            messages.success(request, _("Second factor enabled."))
            return redirect("home")
        form.add_error("code", _("The code is wrong or has expired."))
    return render(
        request,
        "core/totp_setup.html",
        {"form": form, **_setup_context(request, device)},
    )


class TwoFactorMiddleware:
    """Sends accounts whose role must use a second factor to the enrolment page
    until they have one; the API answers 403 to such sessions."""

    allowed_names = ("two_factor", "logout", "login", "login_totp", "set_language")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith("/static/")
            and SecurityPolicy.current().requires_totp(user)
            and not TOTPDevice.objects.filter(
                user=user, confirmed_at__isnull=False
            ).exists()
        ):
            allowed = {reverse(name) for name in self.allowed_names}
            if request.path not in allowed:
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {"detail": _("Enrol a second factor before using the API.")},
                        status=403,
                    )
                return redirect("two_factor")
        return self.get_response(request)
