"""The services layer: every state change of the mechanism, called by admin, API and commands alike."""
