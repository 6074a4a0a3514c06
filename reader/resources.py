"""Where newsdesk's own files (stylesheets) are, in a checkout or a wheel."""

from __future__ import annotations

from pathlib import Path

import reader

_PACKAGE = Path(reader.__file__).resolve().parent


def styles_path(name: str) -> Path:
    """The path of stylesheet `name`.

    A source checkout keeps styles at the repository root (`styles/`); the
    built wheel carries them inside the package (`reader/styles/`).
    """
    for folder in (_PACKAGE / "styles", _PACKAGE.parent / "styles"):
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return _PACKAGE.parent / "styles" / name
