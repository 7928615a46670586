"""Forms of the lost-and-found pages: input for the services."""
