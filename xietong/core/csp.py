"""Content-Security-Policy exceptions, each named and explained (the policy itself: settings CONTENT_SECURITY_POLICY).

`charts`: the pages that draw ECharts. The library positions its tooltips and labels with `style`
attributes it writes itself, which `style-src 'self'` blocks. These pages alone allow inline style
*attributes* (`style-src-attr 'unsafe-inline'`); `<style>` elements, scripts and everything else
stay as strict as on every other page. A style attribute cannot run code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from csp.decorators import csp_update

View = TypeVar("View", bound=Callable[..., Any])
_charts = csp_update({"style-src-attr": ["'unsafe-inline'"]})


def charts(view: View) -> View:
    return cast(View, _charts(view))
