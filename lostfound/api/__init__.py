"""The REST API of the lost-and-found system (/api/v1/lostfound/)."""
