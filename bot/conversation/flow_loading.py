"""The flows the service runs: the shipped ones or `flows_dir`, with configured words filled in."""

from __future__ import annotations

from bot.config.settings import Settings
from flows import FlowSet, load_flows


def flow_variables(settings: Settings) -> dict[str, str]:
    return {
        "service_name": settings.service_name,
        "opening_hours": settings.opening_hours,
        "window_location": settings.window_location,
    }


def load_configured_flows(settings: Settings) -> FlowSet:
    """Raises flows.FlowError (every problem with file:line) when a flow is broken."""
    return load_flows(settings.flows_dir, flow_variables(settings))
