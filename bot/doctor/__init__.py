"""`setlist doctor`: the configuration and every configured service, checked at once.

One module per service; the chat platforms' checks live in their adapters (the core imports
no platform library) and reach `diagnose` through the CLI."""

from bot.doctor.result import Check, Result
from bot.doctor.run import diagnose

__all__ = ["Check", "Result", "diagnose"]
