"""The repairs pages: requester, dispatch, workbench, actions, photos, QR sheets, figures."""
