from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PolicingConfig(AppConfig):
    name = "policing"
    verbose_name = _("Policing forces")

    def ready(self) -> None:
        # Registers the hazard deadline sweeps with core.sweep (field work).
        from . import sweeps_fieldwork  # noqa: F401
