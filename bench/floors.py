"""Floor views (placeholder, filled below)."""

urlpatterns: list = []
