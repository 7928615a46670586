"""The REST API of the parcels system (/api/v1/parcels/)."""
