"""网上报修 — online repair requests."""
