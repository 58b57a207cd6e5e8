from core.tests.personas import world  # noqa: F401
