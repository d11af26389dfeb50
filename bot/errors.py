"""The one error tree: the error boundary in app.py turns each into a member-facing Problem."""


class SetlistError(Exception):
    """Base of every error the bot expects."""


class UserError(SetlistError):
    """The member asked for something we can't do; the message is shown as it is."""


class ServiceUnavailable(SetlistError):
    """An external service failed; the message says what still worked."""


class ConfigError(SetlistError):
    """The deployment is missing configuration; the message says what to set."""
