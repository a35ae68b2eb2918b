"""Information sessions: candidates book a seat, staff run the sessions, the outbox reminds.

Read in this order:
    rules.py        pure: which sessions to offer, dates in words, staff command arguments
    buttons.py      the "s:" buttons as typed values (the strings sent since the start)
    store.py        sessions, bookings, waitlist: reads and candidates' writes (SQL)
    admin_store.py  staff changes, each one transaction with its consequences (SQL)
    views.py        how a session reads in a message
    booking.py      candidates: offer, book, change, cancel, waitlist, "je viens", /stop
    admin.py        staff: /sessions, /nouvelle_session, /modifier_session, cancel, attendance
    reminders.py    the outbox kinds (reminders, staff flag, seat free, changes) and renderers
    loading.py      the TOML sessions file
    feature.py      the pieces side by side, as bot/app.py builds them
    handlers.py     the thin Telegram handlers
"""
