"""The bottom layer: sessions, the clock, errors, the audit chain, numbering, look-ups, fast SQL, form and service-task types."""
