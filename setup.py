"""Build spinnc's compiled extensions (the annealing placer's move loop, the
router's NER loop, the emulator's encoding and decoding
and the LIF model's update); everything else is
configured in pyproject.toml."""

from Cython.Build import cythonize
from setuptools import Extension, setup

EXTENSIONS = [
    Extension("spinnc.mapper._anneal", ["spinnc/mapper/_anneal.pyx"], extra_compile_args=["-O3"]),
    Extension("spinnc.router._ner", ["spinnc/router/_ner.pyx"], extra_compile_args=["-O3"]),
    Extension("spinnc.firmware_sim._kernels", ["spinnc/firmware_sim/_kernels.pyx"],
              extra_compile_args=["-O3"]),
    Extension("spinnc.neurons._lif", ["spinnc/neurons/_lif.pyx"], extra_compile_args=["-O3"]),
]

setup(ext_modules=cythonize(EXTENSIONS, compiler_directives={"language_level": 3}))
