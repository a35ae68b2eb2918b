"""Alumni follow-up: exits, surveys, outcomes, retention (issue 5)."""
