from disputes.models import Dispute, Notification
from tests.disputes.conftest import walk


def test_every_stage_is_reachable(
    make_case, personas, django_capture_on_commit_callbacks
):
    for stage in Dispute.Stage:
        with django_capture_on_commit_callbacks(execute=True):
            case = make_case()
            walk(case, personas, stage)
    assert Notification.objects.exists()
