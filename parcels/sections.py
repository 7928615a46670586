"""Home-page and manager-overview section callables of the parcels system."""
