import logging
import time

from celery import shared_task
from django.utils import timezone

from .models import Heartbeat

logger = logging.getLogger(__name__)


@shared_task
def heartbeat_task() -> None:
    """Records that beat and a worker are alive; /health/ shows its age."""
    Heartbeat.touch("beat")


@shared_task
def purge_expired_tokens_task() -> int:
    from knox.models import AuthToken

    deleted, _ = AuthToken.objects.filter(expiry__lt=timezone.now()).delete()
    logger.info("purged %s expired API tokens", deleted)
    return deleted


@shared_task
def ping_task(key: str, hold_seconds: float = 0.0) -> None:
    """A no-op the tests and operators use to see a worker execute a task;
    ``hold_seconds`` keeps it running (to see what a dying worker does)."""
    if hold_seconds:
        Heartbeat.touch(f"started:{key}")
        time.sleep(hold_seconds)
    Heartbeat.touch(f"ping:{key}")
