"""The one compiled part of grapevine: an optional C fast path (see src/grapevine/sources/_htmltext.c).

``optional=True``: without a C compiler the install goes on, and grapevine uses the Python
reference it is tested against.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "grapevine.sources._htmltext",
            ["src/grapevine/sources/_htmltext.c"],
            optional=True,
            extra_compile_args=["-O2"],
        )
    ]
)
