"""Running the bot for real (issue 14): one instance per database, health, alerts, settings."""
