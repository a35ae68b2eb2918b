"""Where a person stands, for /start (someone already known) and /statut: one message per stage
with what comes next and the buttons that apply. A view across features: it reads the pipeline's
stage and cohort and the sessions' live booking, and writes nothing."""
