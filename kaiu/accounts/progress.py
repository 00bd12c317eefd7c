"""The overview's "Next steps": the way from a new business to a bot that customers use,
ticked off as the business goes.

`kaiu` imports none of our apps, so the apps register the steps they can judge in their
AppConfig.ready() (as they register quota counters); the overview shows them in order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kaiu.accounts.models import Tenant


@dataclass(frozen=True)
class Step:
    position: int  # where it goes in the list
    title: str
    hint: str  # what to do, and where
    done: Callable[[Tenant], bool]
    url: Callable[[Tenant], str]  # where to do it


@dataclass(frozen=True)
class StepState:
    title: str
    hint: str
    url: str
    done: bool


_steps: dict[str, Step] = {}


def register_step(key: str, step: Step) -> None:
    _steps[key] = step  # keyed, so registering again replaces rather than repeats


def steps_for(tenant: Tenant) -> list[StepState]:
    return [StepState(step.title, step.hint, step.url(tenant), step.done(tenant))
            for step in sorted(_steps.values(), key=lambda step: step.position)]
