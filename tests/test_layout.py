"""The design card's layout, without a top-level ``platform`` that shadows the standard library."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_standard_library_platform_is_not_shadowed():
    result = subprocess.run(
        [sys.executable, "-c",
         "import platform, uuid, wsgiref.simple_server; print(platform.__file__, platform.system())"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )
    assert str(ROOT) not in result.stdout.split()[0]
    assert not (ROOT / "platform").exists() and not (ROOT / "platform.py").exists()


def test_top_level_layout_of_the_design_card():
    for name in ("controlplane", "tenancy", "tenants", "routers", "settings", "deploy", "tests", "README.md"):
        assert (ROOT / name).exists(), name


def test_imports_point_down_the_layers():
    """import-linter's contracts (pyproject.toml): a wrong-way import fails the build."""
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint_imports)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout
