"""The Discord adapter: slash commands, reactions, buttons and a thread per playlist."""

import warnings

# discord.py imports the stdlib's audioop (for voice, which Setlist doesn't use), and Python
# 3.11+ warns that it is deprecated; the project treats warnings as errors in its tests.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord  # noqa: F401
