"""marshmallow schemas: they translate requests into service arguments; they decide nothing."""
