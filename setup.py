"""Builds marginlab with setuptools (the metadata is in pyproject.toml). A wheel also carries the
course: the notebooks of ``lessons/`` and ``exercises/`` go into the package, under
``marginlab/course/content/``, so that ``pip install marginlab-*.whl`` alone gives a working
``marginlab copy`` / ``lab`` / ``voila`` (an editable install reads them from the checkout)."""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
COURSE_DIRS = ("lessons", "exercises")
COURSE_FILES = (".ipynb", ".md")


class BuildWithCourse(build_py):
    """``build_py``, then the course notebooks copied into the built package."""

    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        content = Path(self.build_lib) / "marginlab" / "course" / "content"
        for folder in COURSE_DIRS:
            self.mkpath(str(content / folder))
            for path in sorted((ROOT / folder).iterdir()):
                if path.suffix in COURSE_FILES:
                    self.copy_file(str(path), str(content / folder / path.name))


setup(cmdclass={"build_py": BuildWithCourse})
