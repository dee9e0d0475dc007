import pytest
from django.core.management import CommandError, call_command

from core.models import Role, User


def test_create_account_with_given_password_scopes_the_account(tree, capsys):
    call_command(
        "create_account",
        "--username=lihua",
        "--role=village_staff",
        f"--area={tree.village.code}",
        "--password=Village-pass-2026",
    )
    user = User.objects.get(username="lihua")
    assert user.role == Role.VILLAGE_STAFF
    assert user.area == tree.village
    assert user.check_password("Village-pass-2026")
    assert "Generated password" not in capsys.readouterr().out


def test_create_account_prints_a_generated_password_that_works(tree, capsys):
    call_command(
        "create_account",
        "--username=gw9",
        "--role=grid_worker",
        f"--area={tree.grid.code}",
    )
    out = capsys.readouterr().out
    password = out.split("Generated password: ")[1].strip()
    assert User.objects.get(username="gw9").check_password(password)


def test_unknown_role_is_a_clear_error(tree):
    with pytest.raises(CommandError, match="Unknown role chief"):
        call_command("create_account", "--username=x", "--role=chief", "--area=649901")
    assert not User.objects.filter(username="x").exists()


def test_unknown_area_is_a_clear_error(tree):
    with pytest.raises(CommandError, match="Unknown area code 123"):
        call_command("create_account", "--username=x", "--role=leader", "--area=123")


def test_role_at_the_wrong_level_is_refused(tree):
    with pytest.raises(CommandError, match="scoped to a township"):
        call_command(
            "create_account",
            "--username=x",
            "--role=township_staff",
            f"--area={tree.village.code}",
        )


def test_weak_password_is_refused(tree):
    with pytest.raises(CommandError):
        call_command(
            "create_account",
            "--username=x",
            "--role=leader",
            "--area=649901",
            "--password=123",
        )
