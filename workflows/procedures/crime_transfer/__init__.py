"""Transfer of a suspected crime to public security (国务院令第310号)."""
