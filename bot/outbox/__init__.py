"""Durable scheduled messages: the outbox store, its dispatcher and the priority rate limiter."""
