"""The widgets of newsdesk: they render and dispatch, nothing more."""
