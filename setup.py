"""Builds the compiled module with the project's CMake, then packages bindings/python/oasis.

OASIS_BUILD_DIR: a CMake build folder to use (an existing one, e.g. build/release configured with
OASIS_BUILD_PYTHON=ON, is only brought up to date); default build/pip.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

ROOT = Path(__file__).resolve().parent


class BinaryDistribution(Distribution):
    def has_ext_modules(self):  # the wheel holds a compiled module: platform-specific
        return True


class CMakeBuildPy(build_py):
    def run(self):
        build_dir = Path(os.environ.get("OASIS_BUILD_DIR", ROOT / "build" / "pip")).resolve()
        if not (build_dir / "CMakeCache.txt").exists():
            subprocess.check_call(["cmake", "-S", str(ROOT), "-B", str(build_dir), "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release",
                                   "-DOASIS_BUILD_PYTHON=ON", "-DOASIS_BUILD_TESTS=OFF", "-DOASIS_BUILD_BENCH=OFF",
                                   f"-DPython3_EXECUTABLE={sys.executable}"])
        subprocess.check_call(["cmake", "--build", str(build_dir), "--target", "oasis_python"])
        super().run()
        target = Path(self.build_lib) / "oasis"
        target.mkdir(parents=True, exist_ok=True)
        for so in (build_dir / "python" / "oasis").glob("_oasis*.so"):
            shutil.copy2(so, target / so.name)


setup(
    packages=["oasis"],
    package_dir={"": "bindings/python"},
    cmdclass={"build_py": CMakeBuildPy},
    distclass=BinaryDistribution,
    zip_safe=False,
)
