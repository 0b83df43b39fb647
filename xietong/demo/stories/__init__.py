"""The stories of the demo region, one module each; `STORIES` plans them in this order."""

from __future__ import annotations

from collections.abc import Callable

from xietong.suggestions import demo as suggestions_demo

from ..engine import Region
from . import abroad, batch, cluster, colours, general, huang, stations

STORIES: list[Callable[[Region], None]] = [
    general.plan,
    huang.plan,
    batch.plan,
    abroad.plan,
    colours.plan,
    cluster.plan,
    stations.plan,
    suggestions_demo.plan_story,  # story 5: the bank's credit-card cases in the history
]
