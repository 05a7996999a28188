"""The build bundles what the platform reads beside its code (templates, migrations and the
shipped content) into the package as ``elearning/_root``, so a wheel installed anywhere runs:
``elearning.config.ROOT`` points there when there is no source checkout. Everything else about
the build is in pyproject.toml."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

BUNDLED = ("templates", "migrations", "courses", "quizzes", "certificates")
SKIPPED = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")


class BuildWithRoot(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the checkout itself
        root = Path(self.build_lib) / "elearning" / "_root"
        for name in BUNDLED:
            shutil.rmtree(root / name, ignore_errors=True)
            shutil.copytree(Path(__file__).parent / name, root / name, ignore=SKIPPED)


setup(cmdclass={"build_py": BuildWithRoot})
