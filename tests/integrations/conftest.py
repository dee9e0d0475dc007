from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from core.models import Role, User
from integrations.tokens import issue_token
from tests.factories import UserFactory


@pytest.fixture
def service(tree) -> User:  # type: ignore[no-untyped-def]
    """The 12345 hotline's service account, scoped to township T1."""
    return UserFactory(
        username="hotline12345", role=Role.INTEGRATION, area=tree.township
    )


@pytest.fixture
def token_client(service: User):  # type: ignore[no-untyped-def]
    """An API client sending the service account's token."""

    def make(user: User | None = None) -> APIClient:
        _, key = issue_token(user or service)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    return make


@pytest.fixture
def make_case(tree, personas):  # type: ignore[no-untyped-def]
    """A dispute recorded through the real intake, in G1 unless told."""
    from disputes.models import Dispute, DisputeCategory

    def make(**kw):  # type: ignore[no-untyped-def]
        values = {
            "by": personas.grid_worker,
            "grid": tree.grid,
            "category": DisputeCategory.objects.get(code="neighbours"),
            "title": "两户因院墙排水发生争执",
            "parties": [{"name": "马某", "role": "applicant", "phone": "13900000000"}],
            **kw,
        }
        case, _created = Dispute.intake(**values)
        return case

    return make
