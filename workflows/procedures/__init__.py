"""One package per procedure, named as its BPMN file, and the one list of all procedures."""
