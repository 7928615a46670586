"""The REST API of the dorms system (/api/v1/dorms/)."""
