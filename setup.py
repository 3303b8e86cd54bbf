"""Builds the compiled core of the text strip stage (cleaner/strip/_core.pyx).

Everything else is in pyproject.toml.  The extension is optional: without a C
compiler the install still succeeds and cleaner runs its pure-Python core (the
same results, about ten times slower; ``cleaner --version`` says which core runs).
"""
from setuptools import Extension, setup

try:
    from Cython.Build import cythonize
except ImportError:  # pragma: no cover - Cython is a build requirement
    ext_modules = []
else:
    ext_modules = cythonize(
        [Extension("cleaner.strip._core", ["cleaner/strip/_core.pyx"], optional=True)],
        compiler_directives={"language_level": 3},
        quiet=True,
    )

setup(ext_modules=ext_modules)
