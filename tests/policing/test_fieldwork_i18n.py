"""Field-work pages speak Chinese."""

from __future__ import annotations

from django.urls import reverse


def test_the_activity_form_is_in_chinese(client, personas):
    client.force_login(personas.grid_worker)
    html = client.get(reverse("policing:activity_create")).content.decode()
    assert "登记走访" in html
    assert "党建+网格+警务" in html
    assert "雪亮工程巡检" in html
