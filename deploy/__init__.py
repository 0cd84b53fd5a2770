"""The production stack on one machine (``make stack``) and the tools it runs beside the portal."""
