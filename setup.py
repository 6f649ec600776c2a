"""Build spinnc's compiled extensions (the annealing placer's move loop, the
router's NER loop and the emulator's LIF update); everything else is
configured in pyproject.toml."""

from Cython.Build import cythonize
from setuptools import Extension, setup

EXTENSIONS = [
    Extension("spinnc.mapper._anneal", ["spinnc/mapper/_anneal.pyx"], extra_compile_args=["-O3"]),
    Extension("spinnc.router._ner", ["spinnc/router/_ner.pyx"], extra_compile_args=["-O3"]),
    Extension("spinnc.firmware_sim._lif", ["spinnc/firmware_sim/_lif.pyx"],
              extra_compile_args=["-O3"]),
]

setup(ext_modules=cythonize(EXTENSIONS, compiler_directives={"language_level": 3}))
