"""FabNum Bot: recruitment and learner follow-up Telegram bot for FabNum training programmes."""

__version__ = "0.1.0"
