"""Rate limits per account; integration clients have their own rate."""

from __future__ import annotations

from typing import Any

from rest_framework.throttling import UserRateThrottle

from core.models import Role


class AccountRateThrottle(UserRateThrottle):
    """``user`` rate for people, ``integration`` rate for service accounts
    (both in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]). The cache key is the
    account, so one noisy system does not slow the others down."""

    def allow_request(self, request: Any, view: Any) -> bool:
        user = getattr(request, "user", None)
        scope = (
            "integration"
            if user is not None
            and getattr(user, "role", None) == Role.INTEGRATION
            and "integration" in self.THROTTLE_RATES
            else "user"
        )
        if scope != self.scope:
            self.scope = scope
            self.rate = self.get_rate()
            self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)
