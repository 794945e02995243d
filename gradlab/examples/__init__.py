"""Complete programs built on gradlab, which the lessons call (``examples.digits``)."""
