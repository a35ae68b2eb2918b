"""Interviews: staff set a date, a time and a place, the candidate answers, the outbox reminds.

Read in this order:
    rules.py      pure: the days and hours offered, the command's arguments, what an answer means
    buttons.py    the "iv:" buttons as typed values
    store.py      interviews and their reminders (SQL)
    views.py      how an interview reads in a message
    planning.py   staff: /entretien by buttons or typed, the candidate told
    answers.py    candidates: "je viens", "changer", "je ne peux pas", staff told
    reminders.py  the outbox kinds (J-1 and H-2 reminders) and their renderers
    reactions.py  a move past the interview cancels it (Moved, in the unit of work)
    feature.py    the pieces side by side, as bot/app.py builds them
    handlers.py   the thin Telegram handlers
"""
