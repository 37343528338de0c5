"""Returns, exchanges and claims: what comes back, and what it refunds."""
