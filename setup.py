"""Build spinnc's compiled extension (the annealing placer's move loop);
everything else is configured in pyproject.toml."""

from Cython.Build import cythonize
from setuptools import Extension, setup

setup(
    ext_modules=cythonize(
        [Extension("spinnc.mapper._anneal", ["spinnc/mapper/_anneal.pyx"],
                   extra_compile_args=["-O3"])],
        compiler_directives={"language_level": 3},
    ),
)
