"""The Jinja environment every target renders with (house style: strict, no autoescape)."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import jinja2


class _Cache(jinja2.FileSystemBytecodeCache):
    """Compiled templates, kept between runs (Jinja checks each against its template's source); a cache that
    cannot be written is only slower."""

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


@cache
def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """``$METROPIPE_CACHE_DIR`` or ``~/.cache/metropipe``, a folder only this user can write; none otherwise."""
    from metropipe import __version__

    root = os.environ.get("METROPIPE_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "metropipe")
    folder = os.path.join(root, f"templates-{__version__}")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        st = os.stat(folder)
    except OSError:
        return None
    if st.st_uid != os.geteuid() or st.st_mode & 0o022:
        return None  # compiled code is only loaded from a folder nobody else can write
    return _Cache(folder)


@cache
def environment(template_dir: str) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(template_dir),
        bytecode_cache=_bytecode_cache(),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )


def render(package_file: str, template: str, **context: object) -> str:
    """Render ``templates/<template>`` next to the target module ``package_file``."""
    folder = str(Path(package_file).parent / "templates")
    return environment(folder).get_template(template).render(**context)
