"""dataprep: build and lint Amazon Bedrock model-customization datasets before upload.

From Python (a notebook): `dataprep.build(source, model=..., out=None, **settings)` returns a `BuildOutput`
(the splits as polars DataFrames, the ledger, the findings, the report, `.write(out)`), and
`dataprep.validate(source, model=...)` returns the findings; see `dataprep.api`.

Nothing is imported until it is used: `dataprep --help` and `dataprep validate` start light. `build` and
`validate` are also the names of the `dataprep.build` package and the `dataprep.validate` module, which the
import system binds on this package when they load; so those two modules are made callable (calling them
calls the API function), and `dataprep.build(...)` works whichever was loaded first, while
`dataprep.build.pipeline` and `import dataprep.validate as v` keep working as before.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

__version__ = "0.1.0"
__all__ = ["BuildOutput", "Finding", "Severity", "__version__", "build", "validate"]

# Names this package gives lazily: name -> the module that defines it.
_LAZY = {"BuildOutput": "dataprep.api", "Finding": "dataprep.findings", "Severity": "dataprep.findings"}
_CALLABLE = ("build", "validate")


class _CallableModule(ModuleType):
    """A submodule whose name is also an API function of the package: calling it calls the function."""

    def __call__(self, *args: object, **kwargs: object) -> object:
        return self._function()(*args, **kwargs)  # type: ignore[operator]

    @property
    def __signature__(self) -> object:
        """The API function's signature, for `inspect.signature` and a notebook's `dataprep.build?`."""
        import inspect

        return inspect.signature(self._function())

    def _function(self) -> object:
        return getattr(importlib.import_module("dataprep.api"), self.__name__.rpartition(".")[2])


class _Package(ModuleType):
    """This package: `build` and `validate` are its callable submodules, bound as the import system loads them."""

    def __setattr__(self, name: str, value: object) -> None:
        if name in _CALLABLE and isinstance(value, ModuleType) and not isinstance(value, _CallableModule):
            value.__class__ = _CallableModule
        super().__setattr__(name, value)

    def __getattr__(self, name: str) -> object:
        if name in _CALLABLE:
            return importlib.import_module(f"{__name__}.{name}")  # binds it through __setattr__
        if name in _LAZY:
            return getattr(importlib.import_module(_LAZY[name]), name)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *__all__})


sys.modules[__name__].__class__ = _Package
