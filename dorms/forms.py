"""Forms of the dorms pages: input for the services."""
