"""The Jinja environment every target renders with (house style: strict, no autoescape)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import jinja2


@cache
def environment(template_dir: str) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(template_dir),
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
