"""The flows the service runs: the shipped ones or `flows_dir`, with configured words filled in."""

from __future__ import annotations

from bot.config.settings import Settings
from flows import FlowSet, load_flows
from flows.limits import FlowLimits


def flow_variables(settings: Settings) -> dict[str, str]:
    """Configured words for {placeholders}; `NAME_en` is what English texts read."""
    return {
        "service_name": settings.service_name,
        "service_name_en": settings.service_name_en,
        "opening_hours": settings.opening_hours,
        "opening_hours_en": settings.opening_hours_en,
        "window_location": settings.window_location,
        "window_location_en": settings.window_location_en,
    }


def load_configured_flows(settings: Settings, limits: FlowLimits) -> FlowSet:
    """Raises flows.FlowError (every problem with file:line) when a flow is broken or a
    message would not fit `limits` (the registered channels' strictest)."""
    return load_flows(settings.flows_dir, flow_variables(settings), limits)
