"""The staff pipeline: pipeline report, reviews, candidate cards and notes, moves, cohorts,
shortlists, exports and the weekly digest.

Everything here but handlers.py is Telegram-free; bot/pipeline/handlers.py turns updates into
calls and actions back into Bot API calls (bot/telegram/io.py).
"""
