"""The legal calendar: working days, calendar days and hours across statutory holidays."""
