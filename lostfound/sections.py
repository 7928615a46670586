"""Home-page and manager-overview section callables of the lost-and-found system."""
