"""Task lists, inboxes and instance views over the engine, scoped to the user."""
