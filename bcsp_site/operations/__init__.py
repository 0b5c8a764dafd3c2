"""What an operator runs on the whole installation: backing it up and restoring it."""
