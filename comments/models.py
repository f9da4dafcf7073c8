"""Reader comments and their moderation (models arrive with the comments issue)."""
