"""No Docker engine runs here, so the compose file is checked for what can be
checked: it parses, each command names something real, and the environment
it sets is what the settings read."""

import importlib
import re
from pathlib import Path

import yaml
from django.conf import settings

BASE = Path(settings.BASE_DIR)
COMPOSE = yaml.safe_load((BASE / "docker-compose.yml").read_text())
APP_SERVICES = ("migrate", "web", "worker", "beat")


def test_compose_has_the_production_services():
    assert set(COMPOSE["services"]) >= {"db", "redis", *APP_SERVICES}
    assert COMPOSE["services"]["db"]["image"].startswith("postgres:15")
    assert COMPOSE["services"]["redis"]["image"].startswith("redis:")


def test_every_command_names_a_real_module_or_entry_point():
    for name in APP_SERVICES:
        command = COMPOSE["services"][name]["command"]
        program = command[0]
        if program == "gunicorn":
            module, attr = command[1].split(":")
            assert hasattr(importlib.import_module(module), attr), name
        elif program == "celery":
            assert command[1] == "-A"
            assert hasattr(importlib.import_module(command[2]), "celery_app")
            assert command[3] in {"worker", "beat"}
        elif program == "python":
            assert command[1] == "manage.py"
            assert (BASE / "manage.py").exists()
            assert command[2] == "migrate"
        else:
            raise AssertionError(f"{name}: unknown program {program}")


def test_the_environment_compose_sets_is_read_by_the_settings():
    source = (BASE / "hongsibu" / "settings.py").read_text()
    read = set(re.findall(r'env\.\w+\(\s*"([A-Z_]+)"', source))
    read |= set(re.findall(r'env\(\s*"([A-Z_]+)"', source))
    for name in APP_SERVICES:
        for var in COMPOSE["services"][name]["environment"]:
            assert var in read, f"{name} sets {var}, which the settings never read"


def test_the_dockerfile_builds_from_python_311():
    dockerfile = (BASE / "Dockerfile").read_text()
    assert dockerfile.startswith("FROM python:3.11")
    assert "gunicorn" in dockerfile
