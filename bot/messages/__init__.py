"""Staff and candidates write to each other through the bot (issue 12, "close the human loop").

Reading order: rules.py (pure: deadlines, command arguments, where a message goes), store.py
(threads, messages, relayed message ids, staff first names: the only SQL), service.py (the use
cases: a /humain request, a candidate's message, a staff reply, closing; the outbox kinds and the
silence planner), buttons.py (the "msg:" codec), handlers.py (thin PTB handlers).
"""
