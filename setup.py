"""Builds the compiled text core: cleaner/strip/segment.py and _analysis.py compiled by Cython.

Everything else is in pyproject.toml.  The modules are plain Python (pure-Python mode: their C
types are declared in the .pxd files beside them), so the extensions are optional: without a C
compiler the install still succeeds and cleaner runs the same source interpreted (the same
results, about ten times slower; ``cleaner --version`` says which core runs).
"""
from setuptools import Extension, setup

COMPILED = ("segment", "hints", "_analysis", "langfeatures")  # cleaner.strip._build.COMPILED

try:
    from Cython.Build import cythonize
except ImportError:  # pragma: no cover - Cython is a build requirement
    ext_modules = []
else:
    ext_modules = cythonize(
        [Extension(f"cleaner.strip.{name}", [f"cleaner/strip/{name}.py"], optional=True) for name in COMPILED],
        # the annotations are for readers and type checkers; the C types are in the .pxd files
        compiler_directives={"language_level": 3, "annotation_typing": False},
        quiet=True,
    )

setup(ext_modules=ext_modules)
