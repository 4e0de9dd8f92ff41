"""Official documents (公文): issue, numbering, rendering, storage by sha256."""
