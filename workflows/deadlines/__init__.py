"""Legal periods: rules, deadline records, arithmetic, extensions, figures, notifications."""
