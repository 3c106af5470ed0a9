"""A real list server for the tests: Postfix and Mailman 3 on 127.0.0.1 (see stack.py)."""
