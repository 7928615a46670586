"""Forms of the parcels pages: input for the services."""
