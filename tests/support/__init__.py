"""Real services for tests: OpenSSH hosts on loopback and a private redis-server."""
