"""OSCAL, NIST's machine-readable control format: a catalog of the cells, a component definition of who does them."""
