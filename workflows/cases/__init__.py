"""The case record shared by the case procedures: filing rules and listings."""
