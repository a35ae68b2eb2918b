"""Whether a candidate can (not blocked) and wants to (no /stop) receive unsolicited messages:
store.py (used by the outbox dispatcher, screening and sessions) and the my_chat_member handler."""
