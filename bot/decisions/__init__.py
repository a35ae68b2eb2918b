"""Every staff decision reaches the candidate, in their language (issue 12, part 2)."""
