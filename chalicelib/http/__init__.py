"""The HTTP edge: problem responses, the request middleware, and the route blueprints."""
