"""What the scheduler runs: due work, deadline firing, interrupts, webhooks."""
