"""Staff side: pipeline, reviews, candidate cards, cohorts, shortlists, exports, digest.

Everything here is Telegram-free; bot/handlers/staff.py turns updates into calls and back.
"""
