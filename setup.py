"""The compiled parts of grapevine: optional C fast paths, each with the Python reference it is
tested against (src/grapevine/sources/_htmltext.c for HTML to text, _rawmemo.c for RawMemo's
lookup).

``optional=True``: without a C compiler the install goes on, and grapevine runs the references.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            f"grapevine.sources.{name}",
            [f"src/grapevine/sources/{name}.c"],
            optional=True,
            extra_compile_args=["-O2"],
        )
        for name in ("_htmltext", "_rawmemo")
    ]
)
